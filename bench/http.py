"""Requests per second of the API's timeline and status routes beside a bare Litestar app.

    python bench/http.py                      # 3 rounds of 10 s per endpoint, 32 connections
    python bench/http.py --seconds 5 --rounds 2 --connections 64

Both servers run as real processes on loopback, the same way: uvicorn, uvloop, httptools, one
worker, no access log. The API is `timeline serve` on a temporary database loaded with the
bundled seeds (its scheduler running, as in production). The bare app is a Litestar handler
returning, as a Python object, the same JSON body the API answered with, so both encode and
send the same bytes. The load generator is `wrk` when installed (`apt-get install wrk`),
else a small keep-alive asyncio client in its own process. Bare and API runs alternate for a
few rounds and each side's best round counts, so load from elsewhere on the machine skews the
ratio less. Target: the API at >= 0.8x the bare app's requests per second.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named like the standard library's `http` package: keep its folder off the path.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import multiprocessing  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402

ROOT = HERE.parent
TARGET = 0.8
ENDPOINTS = {
    "timeline": "/regions/140700/timeline?descendants=1&limit=50",
    "status": "/regions/140781/status?as_of=2021-05-07",
}
BARE_APP = """
import json
from pathlib import Path
from litestar import Litestar, get

BODIES = json.loads(Path(__file__).with_name("bodies.json").read_text())

@get("/bare/timeline", sync_to_thread=False)
def timeline() -> dict:
    return BODIES["timeline"]

@get("/bare/status", sync_to_thread=False)
def status() -> dict:
    return BODIES["status"]

app = Litestar([timeline, status])
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server at {url} did not start")


def start_api(folder: Path, port: int) -> subprocess.Popen[bytes]:
    db = folder / "timeline.db"
    command = ["timeline", "serve", "--db", str(db), "--port", str(port), "--no-access-log"]
    env = {**os.environ, "TIMELINE_LOG_LEVEL": "WARNING"}
    return subprocess.Popen(command, cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)


def start_bare(folder: Path, port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "uvicorn", "bare_app:app", "--port", str(port), "--loop", "uvloop"]
    command += ["--http", "httptools", "--no-access-log", "--log-level", "warning", "--app-dir", str(folder)]
    return subprocess.Popen(command, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)


def run_wrk(url: str, seconds: int, connections: int) -> dict[str, float]:
    threads = str(min(4, connections))
    out = subprocess.run(
        ["wrk", "-t", threads, "-c", str(connections), "-d", f"{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} error responses")
    return {"rps": rps, "p50": _wrk_ms(out, "50%"), "p99": _wrk_ms(out, "99%")}


def _wrk_ms(out: str, label: str) -> float:
    value, unit = re.search(rf"{re.escape(label)}\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


async def _client(host: str, port: int, request: bytes, stop: float, latencies: list[float]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    while time.perf_counter() < stop:
        started = time.perf_counter()
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(re.search(rb"(?i)content-length: (\d+)", head).group(1))  # type: ignore[union-attr]
        await reader.readexactly(length)
        latencies.append(time.perf_counter() - started)
    writer.close()


def _python_load(url: str, seconds: int, connections: int, queue: multiprocessing.Queue) -> None:
    host, port, path = re.match(r"http://([^:/]+):(\d+)(.*)", url).groups()  # type: ignore[union-attr]
    request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
    latencies: list[float] = []

    async def main() -> None:
        stop = time.perf_counter() + seconds
        clients = [_client(host, int(port), request, stop, latencies) for _ in range(connections)]
        await asyncio.gather(*clients)

    started = time.perf_counter()
    asyncio.run(main())
    elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100)
    queue.put({"rps": len(latencies) / elapsed, "p50": cuts[49] * 1000, "p99": cuts[98] * 1000})


def run_python(url: str, seconds: int, connections: int) -> dict[str, float]:
    queue: multiprocessing.Queue = multiprocessing.Queue()
    process = multiprocessing.Process(target=_python_load, args=(url, seconds, connections, queue))
    process.start()
    result = queue.get(timeout=seconds + 60)
    process.join()
    return result


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--seconds", type=int, default=10, help="load per run (default 10)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating runs per side (default 3)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections (default 32)")
    parser.add_argument(
        "--client",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="load generator (auto: wrk if installed)",
    )
    args = parser.parse_args()
    use_wrk = args.client == "wrk" or (args.client == "auto" and shutil.which("wrk"))
    load = run_wrk if use_wrk else run_python
    tool = "wrk" if use_wrk else "asyncio client in its own process"
    with tempfile.TemporaryDirectory(prefix="bench-http-") as tmp:
        folder = Path(tmp)
        api_port, bare_port = free_port(), free_port()
        api = start_api(folder, api_port)
        try:
            wait_for(f"http://127.0.0.1:{api_port}/health")
            bodies = {}
            for name, path in ENDPOINTS.items():
                with urllib.request.urlopen(f"http://127.0.0.1:{api_port}{path}") as response:
                    bodies[name] = json.loads(response.read())
            (folder / "bodies.json").write_text(json.dumps(bodies, ensure_ascii=False))
            (folder / "bare_app.py").write_text(BARE_APP)
            bare = start_bare(folder, bare_port)
            try:
                wait_for(f"http://127.0.0.1:{bare_port}/bare/status")
                report(load, tool, args, api_port, bare_port, bodies)
            finally:
                bare.terminate()
                bare.wait(10)
        finally:
            api.terminate()
            api.wait(10)


def report(load, tool: str, args: argparse.Namespace, api_port: int, bare_port: int, bodies: dict) -> None:  # type: ignore[no-untyped-def]
    print(f"load: {tool}, {args.connections} connections, best of {args.rounds} x {args.seconds} s, loopback")
    print(f"{'endpoint':<34} {'bytes':>7} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
    worst = float("inf")
    for name, path in ENDPOINTS.items():
        size = len(json.dumps(bodies[name], ensure_ascii=False, separators=(",", ":")).encode())
        bare_runs, api_runs = [], []
        for _ in range(args.rounds):
            bare_url, api_url = (
                f"http://127.0.0.1:{bare_port}/bare/{name}",
                f"http://127.0.0.1:{api_port}{path}",
            )
            bare_runs.append(load(bare_url, args.seconds, args.connections))
            api_runs.append(load(api_url, args.seconds, args.connections))
        bare = max(bare_runs, key=lambda run: run["rps"])
        ours = max(api_runs, key=lambda run: run["rps"])
        for label, result in ((f"bare Litestar ({name})", bare), (f"API {name}", ours)):
            print(f"{label:<34} {size:>7} {result['rps']:>9.0f} {result['p50']:>8.2f} {result['p99']:>8.2f}")
        ratio = ours["rps"] / bare["rps"]
        worst = min(worst, ratio)
        print(f"{'  ratio API / bare':<34} {'':>7} {ratio:>9.2f}x")
    verdict = "meets" if worst >= TARGET else "misses"
    print(f"lowest ratio {worst:.2f}x {verdict} the target of {TARGET}x")


if __name__ == "__main__":
    main()
