"""Live updates at scale: idle SSE clients on one worker, and webhook delivery throughput.

    python bench/live.py                       # 1,000 clients, 60 POSTs, 300 webhook deliveries
    python bench/live.py --clients 200 --posts 20 --deliveries 100

A `timeline serve --workers 1` process on a temporary, seeded database. Figures:

- memory per idle client: the server's resident memory with N clients on `GET /events/stream`
  minus before, divided by N;
- latency: for each POST, from the moment its 201 reached the poster to the moment the frame of
  its position reached the last of the N clients (p50, p99, max); target p99 <= 250 ms. The
  baseline, in the same run, is the same measure with a single client;
- webhooks: deliveries per second from the moment a batch's 201 arrived until a local receiver
  counted every signed POST; the baseline is plain HTTP POSTs of the same bodies to the same
  receiver from one client, without outbox, signing or log.
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/http.py is named like the standard library's `http` package: keep this folder off the path.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

import argparse  # noqa: E402
import asyncio  # noqa: E402
import os  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import httpx  # noqa: E402

TOKEN = "bench-live"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
RECEIVER = """
import sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
count = 0
lock = threading.Lock()
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        global count
        self.rfile.read(int(self.headers.get("content-length", 0)))
        with lock:
            count += 1
        self.send_response(204); self.send_header("content-length", "0"); self.end_headers()
    def do_GET(self):
        body = str(count).encode()
        self.send_response(200); self.send_header("content-length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
s = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H)
print("ready", flush=True)
s.serve_forever()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def milestone(title: str) -> dict:
    return {
        "type": "meeting_held",
        "occurred": "2024-09",
        "regions": ["140781"],
        "title": {"zh": title, "en": title},
        "summary": {"zh": f"{title}。", "en": f"{title}."},
        "sources": [{"document": "jinzhong-daily-report-2021-05-19"}],
    }


class Clients:
    """N raw SSE clients in one asyncio loop, noting when each frame id reached each client."""

    def __init__(self, port: int, count: int) -> None:
        self.port = port
        self.count = count
        self.arrivals: dict[int, list[float]] = {}
        self.tasks: list[asyncio.Task[None]] = []
        self.ready = 0

    async def open(self) -> None:
        opened = asyncio.Event()

        async def one() -> None:
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            writer.write(f"GET /events/stream HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n\r\n".encode())
            await writer.drain()
            try:
                while True:
                    line = await reader.readline()
                    if not line:
                        return
                    if line.startswith(b"retry:"):
                        self.ready += 1
                        if self.ready == self.count:
                            opened.set()
                    elif line.startswith(b"id: "):
                        self.arrivals.setdefault(int(line[4:]), []).append(time.perf_counter())
            finally:
                writer.close()

        for _ in range(self.count):
            self.tasks.append(asyncio.create_task(one()))
            if len(self.tasks) % 100 == 0:
                await asyncio.sleep(0.05)  # do not flood the accept queue
        await asyncio.wait_for(opened.wait(), 120)

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    async def latencies(self, base: str, posts: int) -> list[float]:
        found = []
        async with httpx.AsyncClient(timeout=30) as client:
            for i in range(posts):
                response = await client.post(f"{base}/events", json=milestone(f"bench {i}"), headers=AUTH)
                answered = time.perf_counter()
                assert response.status_code == 201, response.text
                position = response.json()["last_position"]
                deadline = time.monotonic() + 30
                while len(self.arrivals.get(position, ())) < self.count:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"position {position} did not reach every client")
                    await asyncio.sleep(0.002)
                found.append((max(self.arrivals[position]) - answered) * 1000)
                await asyncio.sleep(0.05)
        return found


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def stream_figures(base: str, port: int, pid: int, clients: int, posts: int) -> None:
    one = Clients(port, 1)
    await one.open()
    baseline = await one.latencies(base, posts)
    await one.close()
    await asyncio.sleep(0.5)
    before = rss_kib(pid)
    many = Clients(port, clients)
    started = time.perf_counter()
    await many.open()
    opened_in = time.perf_counter() - started
    await asyncio.sleep(1)
    after = rss_kib(pid)
    measured = await many.latencies(base, posts)
    await many.close()
    print(f"{clients} idle SSE clients on one worker: opened in {opened_in:.1f} s")
    print(
        f"  server memory: {before / 1024:.1f} MiB -> {after / 1024:.1f} MiB, "
        f"{(after - before) / clients:.1f} KiB per client"
    )
    print(f"  201 -> frame at every client, {posts} POSTs (ms):")
    print(f"  {'clients':>8} {'p50':>8} {'p99':>8} {'max':>8}")
    for label, values in (("1", baseline), (str(clients), measured)):
        p50, p99 = statistics.median(values), percentile(values, 0.99)
        print(f"  {label:>8} {p50:8.1f} {p99:8.1f} {max(values):8.1f}")
    p99 = percentile(measured, 0.99)
    print(f"  target p99 <= 250 ms: {'met' if p99 <= 250 else 'MISSED'} ({p99:.1f} ms)")


def webhook_figures(base: str, deliveries: int) -> None:
    port = free_port()
    receiver = subprocess.Popen(
        [sys.executable, "-c", RECEIVER, str(port)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert receiver.stdout is not None and receiver.stdout.readline().strip() == "ready"
        url = f"http://127.0.0.1:{port}/hook"
        response = httpx.post(f"{base}/webhooks", json={"url": url}, headers=AUTH)
        assert response.status_code == 201, response.text
        batch = [milestone(f"webhook bench {i}") for i in range(deliveries)]
        response = httpx.post(f"{base}/events", json=batch, headers=AUTH, timeout=60)
        assert response.status_code == 201, response.text
        started = time.perf_counter()
        with httpx.Client() as client:
            while int(client.get(f"http://127.0.0.1:{port}/count").text) < deliveries:
                if time.perf_counter() - started > 600:
                    raise RuntimeError("webhooks not all delivered in 10 minutes")
                time.sleep(0.05)
        elapsed = time.perf_counter() - started
        body = b'{"type":"added","position":1,"data":' + b"x" * 900 + b"}"
        with httpx.Client() as client:
            begun = time.perf_counter()
            for _ in range(deliveries):
                client.post(url, content=body, headers={"content-type": "application/json"})
            plain = time.perf_counter() - begun
    finally:
        receiver.kill()
        receiver.wait()
    print(f"webhooks: {deliveries} changes to one local receiver")
    print(f"  {'':<34} {'seconds':>8} {'per second':>11}")
    print(f"  {'signed deliveries (201 -> all in)':<34} {elapsed:8.2f} {deliveries / elapsed:11.0f}")
    print(f"  {'baseline: plain POSTs, one client':<34} {plain:8.2f} {deliveries / plain:11.0f}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=1000, help="idle SSE clients (default 1000)")
    parser.add_argument("--posts", type=int, default=60, help="POSTs timed (default 60)")
    parser.add_argument("--deliveries", type=int, default=300, help="webhook deliveries (default 300)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-live-") as tmp:
        port = free_port()
        env = {
            **os.environ,
            "TIMELINE_TOKENS": TOKEN,
            "TIMELINE_LOG_LEVEL": "WARNING",
            "TIMELINE_MAX_STREAM_CLIENTS": str(args.clients + 10),
            "TIMELINE_WEBHOOK_ALLOW_PRIVATE": "true",
            "TIMELINE_WEBHOOK_SECONDS": "0.2",
            "TIMELINE_BACKUP_DIR": str(Path(tmp) / "backups"),
        }
        command = ["timeline", "serve", "--db", str(Path(tmp) / "live.db"), "--port", str(port)]
        server = subprocess.Popen(
            [*command, "--workers", "1", "--no-access-log"],
            cwd=tmp,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit("the server did not start")
                time.sleep(0.2)
            try:
                import uvloop

                uvloop.install()
            except ImportError:  # pragma: no cover - installed with uvicorn[standard]
                pass
            asyncio.run(stream_figures(base, port, server.pid, args.clients, args.posts))
            webhook_figures(base, args.deliveries)
        finally:
            server.terminate()
            server.wait(30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
