"""Requests per second of the API's read routes beside bare Litestar apps, and its start-up.

    python bench/http.py                      # 3 rounds of 10 s per endpoint, 32 connections
    python bench/http.py --seconds 5 --rounds 2 --connections 64
    python bench/http.py --db postgresql://USER@HOST:PORT/DBNAME --nodes 2   # issue 15
    python bench/http.py --db postgresql        # the same on a throwaway local cluster

The servers run as real processes on loopback, the same way: uvicorn, uvloop, httptools, one
worker, no access log. The API is `timeline serve` on a temporary database loaded with the
bundled seeds (its scheduler running, as in production). The goals of issue 20, each beside its
comparator in the same run:
- cached timeline and status reads (the same URL again): >= 0.95x a bare Litestar app sending
  the same bytes (a handler returning them as a prepared `Response`); a bare handler returning
  the same body as a Python object (so Litestar encodes it) is shown too;
- uncached status reads (a random region and `as_of` per request, so the view cache misses):
  >= 0.5x a bare Litestar handler reading that region's status rows for that day from the same
  database file on the event loop and returning them;
- start-up, process start on an empty database (no seeds) to the first 200 from `/health`:
  <= 1.5x a bare Litestar app answering `/health`. Our packages are byte-compiled first, as an
  installed deployment has them (pip compiles at install; an editable install with
  PYTHONDONTWRITEBYTECODE=1 would compile ~140 modules at every start, while the bare app's
  libraries are compiled already).
The load generator is `wrk` when installed for the fixed URLs, else (and always for the random
ones) a small keep-alive asyncio client in its own process. Rounds interleave comparator and
API; figures print as min / median / max over the rounds, "met" when the median meets the goal.

With `--db` naming PostgreSQL, it measures instead the goal of issue 15: --nodes `timeline serve`
processes (ports of their own, the one database, seeded by the first on an empty database) read
>= 1.7x as fast as one of them, the same asyncio client in the same round spreading its
connections over the nodes' ports as a load balancer would: cached timeline reads and uncached
status reads (which query PostgreSQL). Client, nodes and server share this machine's CPUs.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named like the standard library's `http` package: keep its folder off the path.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

import argparse  # noqa: E402
import asyncio  # noqa: E402
import compileall  # noqa: E402
import json  # noqa: E402
import multiprocessing  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402
from collections.abc import Callable  # noqa: E402

from events.backends import open_log  # noqa: E402

ROOT = HERE.parent
GOALS = {"cached": 0.95, "uncached": 0.5, "startup": 1.5, "nodes": 1.7}
ENDPOINTS = {
    "timeline": "/regions/140700/timeline?descendants=1&limit=50",
    "status": "/regions/140781/status?as_of=2021-05-07",
}
BARE_APP = """
import json
import os
import sqlite3
from pathlib import Path
from litestar import Litestar, Response, get

HERE = Path(__file__).parent
BODIES = json.loads((HERE / "bodies.json").read_text()) if (HERE / "bodies.json").exists() else {}
RAW = {name: body.encode() for name, body in BODIES.items()}
OBJECTS = {name: json.loads(body) for name, body in BODIES.items()}
DB = os.environ.get("BARE_DB")
CONN = sqlite3.connect(DB, check_same_thread=False) if DB else None
ROWS = (
    "SELECT programme, status, valid_from, valid_to, evidence FROM status_intervals "
    "WHERE region = ? AND valid_from <= ? AND valid_to > ? AND known_to IS NULL"
)

@get("/health", sync_to_thread=False)
def health() -> dict:
    return {"status": "ok"}

@get("/bare/{name:str}", sync_to_thread=False)
def as_object(name: str) -> object:
    return OBJECTS[name]

@get("/bytes/{name:str}", sync_to_thread=False)
def as_bytes(name: str) -> Response[bytes]:
    return Response(RAW[name], media_type="application/json")

@get("/rows/{region:str}", sync_to_thread=False)
def rows(region: str, as_of: str) -> list[dict]:
    found = CONN.execute(ROWS, [region, as_of, as_of]).fetchall()
    keys = ("programme", "status", "valid_from", "valid_to", "evidence")
    return [dict(zip(keys, row)) for row in found]

app = Litestar([health, as_object, as_bytes, rows])
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


def start_api(folder: Path, port: int, db: str | Path | None = None, **env: str) -> subprocess.Popen[bytes]:
    db = db or folder / "timeline.db"
    command = ["timeline", "serve", "--db", str(db), "--port", str(port), "--no-access-log"]
    env = {**os.environ, "TIMELINE_LOG_LEVEL": "WARNING", **env}
    return subprocess.Popen(command, cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)


def start_bare(folder: Path, port: int, db: Path | None = None) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "uvicorn", "bare_app:app", "--port", str(port), "--loop", "uvloop"]
    command += ["--http", "httptools", "--no-access-log", "--log-level", "warning", "--app-dir", str(folder)]
    env = {**os.environ, "BARE_DB": str(db)} if db else None
    return subprocess.Popen(command, cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)


def startup_seconds(start: Callable[[int], subprocess.Popen[bytes]]) -> float:
    """From the process's start to the first 200 from its `/health`."""
    port = free_port()
    started = time.perf_counter()
    process = start(port)
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as response:
                    if response.status == 200:
                        return time.perf_counter() - started
            except OSError:
                if process.poll() is not None:
                    raise SystemExit("the server exited before answering /health") from None
                time.sleep(0.005)
    finally:
        process.terminate()
        process.wait(10)


def bench_startup(folder: Path, rounds: int) -> list[dict[str, float]]:
    """Interleaved start-ups: the bare app, then `timeline serve` on a new, empty database."""
    empty = folder / "no-seeds"
    empty.mkdir(exist_ok=True)
    root = Path(__file__).resolve().parents[1]
    for package in ("api", "events", "projections", "timeline"):
        compileall.compile_dir(root / package, quiet=1)  # written even with PYTHONDONTWRITEBYTECODE
    runs = []
    for r in range(rounds):
        db = folder / f"startup-{r}.db"
        bare = startup_seconds(lambda port: start_bare(folder, port))
        api = startup_seconds(lambda port, db=db: start_api(folder, port, db, TIMELINE_SEEDS_DIR=str(empty)))
        runs.append({"ours": api, "theirs": bare})
    return runs


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


async def _client(
    host: str, port: int, requests: list[bytes], stop: float, latencies: list[float], errors: list[bytes]
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    turn = random.randrange(len(requests))
    while time.perf_counter() < stop:
        started = time.perf_counter()
        writer.write(requests[turn % len(requests)])
        turn += 1
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(re.search(rb"(?i)content-length: (\d+)", head).group(1))  # type: ignore[union-attr]
        body = await reader.readexactly(length)
        if not head.startswith(b"HTTP/1.1 200"):
            errors.append(head.split(b"\r\n", 1)[0] + body[:400])
        latencies.append(time.perf_counter() - started)
    writer.close()


def _python_load(urls: list[str], seconds: int, connections: int, queue: multiprocessing.Queue) -> None:
    # The requests by server; connection k goes to server k mod n, as a load balancer spreads them.
    servers: dict[tuple[str, int], list[bytes]] = {}
    for url in urls:
        host, port, path = re.match(r"http://([^:/]+):(\d+)(.*)", url).groups()  # type: ignore[union-attr]
        request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
        servers.setdefault((host, int(port)), []).append(request)
    targets = list(servers.items())
    latencies: list[float] = []
    errors: list[bytes] = []

    async def main() -> None:
        stop = time.perf_counter() + seconds
        turns = [targets[k % len(targets)] for k in range(connections)]
        clients = [_client(*address, requests, stop, latencies, errors) for address, requests in turns]
        await asyncio.gather(*clients)

    started = time.perf_counter()
    asyncio.run(main())
    elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100)
    if errors:
        queue.put({"error": f"{urls[0]}...: {len(errors)} answers not 200, as {errors[0]!r}"})
        return
    queue.put({"rps": len(latencies) / elapsed, "p50": cuts[49] * 1000, "p99": cuts[98] * 1000})


def run_python(url: str | list[str], seconds: int, connections: int) -> dict[str, float]:
    urls = [url] if isinstance(url, str) else url
    queue: multiprocessing.Queue = multiprocessing.Queue()
    process = multiprocessing.Process(target=_python_load, args=(urls, seconds, connections, queue))
    process.start()
    result = queue.get(timeout=seconds + 60)
    process.join()
    if "error" in result:
        raise SystemExit(result["error"])
    return result


def random_status_paths(db: str | Path, count: int, seed: int = 20) -> list[tuple[str, str]]:
    """(API path, bare path) pairs: a random region of the gazetteer and a random `as_of`."""
    rnd = random.Random(seed)
    store = open_log(db, create=False)
    codes = [row[0] for row in store.conn.execute("SELECT code FROM regions")]
    store.close()
    pairs = []
    for _ in range(count):
        code = rnd.choice(codes)
        day = f"{rnd.randrange(1990, 2031)}-{rnd.randrange(1, 13):02}-{rnd.randrange(1, 29):02}"
        pairs.append((f"/regions/{code}/status?as_of={day}", f"/rows/{code}?as_of={day}"))
    return pairs


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--seconds", type=int, default=10, help="load per run (default 10)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved runs per side (default 3)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections (default 32)")
    parser.add_argument(
        "--client",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="load generator for the fixed URLs (auto: wrk if installed)",
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        help="postgresql://USER@HOST:PORT/DBNAME or 'postgresql' (a throwaway local cluster): "
        "measure --nodes nodes on that database beside one instead",
    )
    parser.add_argument("--nodes", type=int, default=2, help="nodes on the PostgreSQL database (default 2)")
    args = parser.parse_args()
    if args.db == "postgresql":
        sys.path.insert(0, str(ROOT))
        from tests.postgres import throwaway_cluster

        with throwaway_cluster() as cluster:
            bench_nodes(cluster.create_database(), args)
        return
    if args.db:
        bench_nodes(args.db, args)
        return
    use_wrk = args.client == "wrk" or (args.client == "auto" and shutil.which("wrk"))
    load = run_wrk if use_wrk else run_python
    tool = "wrk" if use_wrk else "asyncio client in its own process"
    with tempfile.TemporaryDirectory(prefix="bench-http-") as tmp:
        folder = Path(tmp)
        (folder / "bare_app.py").write_text(BARE_APP)
        startup = bench_startup(folder, args.rounds)
        api_port, bare_port = free_port(), free_port()
        api = start_api(folder, api_port)
        try:
            wait_for(f"http://127.0.0.1:{api_port}/health")
            bodies = {}
            for name, path in ENDPOINTS.items():
                with urllib.request.urlopen(f"http://127.0.0.1:{api_port}{path}") as response:
                    bodies[name] = response.read().decode()
            (folder / "bodies.json").write_text(json.dumps(bodies, ensure_ascii=False))
            bare = start_bare(folder, bare_port, folder / "timeline.db")
            try:
                wait_for(f"http://127.0.0.1:{bare_port}/health")
                pairs = random_status_paths(folder / "timeline.db", 20_000)
                report(load, tool, args, (api_port, bare_port), bodies, pairs, startup)
            finally:
                bare.terminate()
                bare.wait(10)
        finally:
            api.terminate()
            api.wait(10)


def bench_nodes(url: str, args: argparse.Namespace) -> None:
    """--nodes `timeline serve` processes on one PostgreSQL database; see report_nodes."""
    with tempfile.TemporaryDirectory(prefix="bench-http-") as tmp:
        ports = [free_port() for _ in range(args.nodes)]
        nodes: list[subprocess.Popen[bytes]] = []
        try:
            for port in ports:  # one after the other: the first seeds an empty database
                nodes.append(start_api(Path(tmp), port, url))  # one folder: the nodes share its key
                wait_for(f"http://127.0.0.1:{port}/health")
            report_nodes(url, args, [f"http://127.0.0.1:{port}" for port in ports])
        finally:
            for node in nodes:
                node.terminate()
                node.wait(10)


def report_nodes(url: str, args: argparse.Namespace, nodes: list[str]) -> None:
    """Read throughput of all the nodes beside the first alone (the others idle), same client."""
    print(
        f"load: asyncio client in its own process, {args.connections} connections spread over the nodes' "
        f"ports, {args.rounds} interleaved rounds x {args.seconds} s, loopback; the client, {len(nodes)} "
        f"nodes and PostgreSQL on {os.cpu_count()} CPUs; min / median / max"
    )
    scenarios = {
        "cached timeline": [ENDPOINTS["timeline"]],
        "uncached status": [pair[0] for pair in random_status_paths(url, 20_000)],
    }
    figures: dict[str, list[dict[str, float]]] = {name: [] for name in scenarios}
    for _ in range(args.rounds):
        for name, paths in scenarios.items():
            one = run_python([nodes[0] + path for path in paths], args.seconds, args.connections)["rps"]
            urls = [node + path for node in nodes for path in paths]
            figures[name].append({"one": one, "all": run_python(urls, args.seconds, args.connections)["rps"]})
    for name, runs in figures.items():
        ratio = [r["all"] / r["one"] for r in runs]
        print(f"{name}: {len(nodes)} nodes {spread([r['all'] for r in runs])} req/s; ", end="")
        print(f"one node {spread([r['one'] for r in runs])} req/s")
        met = verdict(statistics.median(ratio) >= GOALS["nodes"])
        print(
            f"    {len(nodes)} nodes / one node {spread(ratio, '{:.2f}')} x  (goal >= {GOALS['nodes']}) {met}"
        )


def spread(values: list[float], fmt: str = "{:,.0f}") -> str:
    return " / ".join(fmt.format(v) for v in (min(values), statistics.median(values), max(values)))


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def report(  # type: ignore[no-untyped-def]
    load,
    tool: str,
    args: argparse.Namespace,
    ports: tuple[int, int],
    bodies: dict[str, str],
    pairs: list[tuple[str, str]],
    startup: list[dict[str, float]],
) -> None:
    api, bare = (f"http://127.0.0.1:{port}" for port in ports)
    print(f"load: {tool} (random URLs: asyncio client), {args.connections} connections, ", end="")
    print(f"{args.rounds} interleaved rounds x {args.seconds} s, loopback; min / median / max")
    scenarios: dict[str, tuple] = {}
    for name, path in ENDPOINTS.items():
        scenarios[f"cached {name}"] = (load, f"{bare}/bytes/{name}", f"{api}{path}", f"{bare}/bare/{name}")
    api_urls = [api + pair[0] for pair in pairs]
    bare_urls = [bare + pair[1] for pair in pairs]
    scenarios["uncached status"] = (run_python, bare_urls, api_urls, None)
    figures: dict[str, list[dict[str, float]]] = {name: [] for name in scenarios}
    for _ in range(args.rounds):
        for name, (run, theirs, ours, as_object) in scenarios.items():
            row = {"theirs": run(theirs, args.seconds, args.connections)["rps"]}
            row["ours"] = run(ours, args.seconds, args.connections)["rps"]
            if as_object:
                row["object"] = run(as_object, args.seconds, args.connections)["rps"]
            figures[name].append(row)
    for name, runs in figures.items():
        kind = name.split()[0]
        comparator = "bare app, same bytes" if kind == "cached" else "bare handler reading the rows"
        ratio = [r["ours"] / r["theirs"] for r in runs]
        print(f"{name}: API {spread([r['ours'] for r in runs])} req/s; ", end="")
        print(f"{comparator} {spread([r['theirs'] for r in runs])} req/s")
        met = verdict(statistics.median(ratio) >= GOALS[kind])
        print(f"    API / {comparator} {spread(ratio, '{:.2f}')} x  (goal >= {GOALS[kind]}) {met}")
        if "object" in runs[0]:
            ratio = [r["ours"] / r["object"] for r in runs]
            print(f"    API / bare app encoding the same body {spread(ratio, '{:.2f}')} x  (for reference)")
    ratio = [r["ours"] / r["theirs"] for r in startup]
    ours, theirs = ([r[side] for r in startup] for side in ("ours", "theirs"))
    print(f"start-up to /health, empty database: API {spread(ours, '{:.2f}')} s; ", end="")
    print(f"bare Litestar app {spread(theirs, '{:.2f}')} s")
    met = verdict(statistics.median(ratio) <= GOALS["startup"])
    print(f"    API / bare {spread(ratio, '{:.2f}')} x  (goal <= {GOALS['startup']}) {met}")


if __name__ == "__main__":
    main()
