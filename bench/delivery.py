"""Delivering the big answers: compression, revalidation after a write elsewhere, single flight.

    python bench/delivery.py                 # 10,000 events in Jiexiu, 10 parallel clients
    python bench/delivery.py --events 2000 --clients 20

On a fresh database (seed catalogues, --events meetings in Jiexiu), the real app through
Litestar's TestClient:
- sizes plain, gzip and brotli of widget.js, the widget JSON, the embed page and Jiexiu's feed,
  and the time of the first compression (later requests are served the kept bytes);
- a calendar revalidating Jiexiu's feed after a write to Taiyuan: now a 304 from the kept
  answer; baseline: the render the write used to cost (validators from the whole log);
- ten clients asking for the feed at once right after a write to Jiexiu: with single flight;
  baseline: the same with single flight switched off (each request renders).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [
    str(ROOT),
    str(ROOT / "tests"),
    *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"),
]

from litestar.testing import TestClient  # noqa: E402

import api.feeds  # noqa: E402
from api.app import create_app  # noqa: E402
from api.flight import SingleFlight  # noqa: E402

_spec = importlib.util.spec_from_file_location("bench_ics", ROOT / "bench" / "ics.py")
assert _spec is not None and _spec.loader is not None
bench_ics = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_ics)

TOKEN = "bench-delivery-token"
FEED = "/feeds/regions/140781.ics"
ANSWERS = {
    "widget.js": "/widget.js",
    "widget JSON (25 entries)": "/widget/regions/140781.json?lang=en",
    "embed page": "/embed/regions/140781?lang=en",
    "feed": FEED,
}


class NoFlight(SingleFlight):
    """The baseline: every caller computes for itself."""

    async def run(self, key: Any, compute: Any) -> Any:
        return await compute()


def raw(client: TestClient, path: str, encoding: str, **headers: str) -> tuple[int, bytes, dict[str, str]]:
    with client.stream("GET", path, headers={"Accept-Encoding": encoding, **headers}) as response:
        body = b"".join(response.iter_raw())
    return response.status_code, body, dict(response.headers)


def timed(action: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def write(client: TestClient, region: str, day: int) -> None:
    event = {
        "type": "meeting_held",
        "occurred": f"2030-01-{day:02}",
        "regions": [region],
        "title": {"zh": "会议", "en": "A meeting"},
        "summary": {"zh": "召开会议。", "en": "A meeting was held."},
        "sources": [{"document": "jinzhong-daily-report-2021-05-19"}],
    }
    response = client.post("/events", json=event, headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 201, response.text


def sizes(client: TestClient) -> None:
    print("sizes (first compression timed; later requests get the kept bytes):")
    for name, path in ANSWERS.items():
        plain = raw(client, path, "identity")[1]
        row = f"  {name:26} plain {len(plain) / 1024:9.1f} KB"
        for encoding in ("gzip", "br"):
            seconds, (_, body, headers) = timed(lambda e=encoding, p=path: raw(client, p, e))
            assert headers.get("content-encoding") == encoding, (path, headers)
            again, _ = timed(lambda e=encoding, p=path: raw(client, p, e))
            row += f"   {encoding} {len(body) / 1024:8.1f} KB "
            row += f"({seconds * 1000:6.1f} ms, then {again * 1000:5.1f} ms)"
        print(row)


def revalidation(client: TestClient) -> None:
    status, _, headers = raw(client, FEED, "gzip")
    etag = headers["etag"]
    write(client, "140100", 1)  # Taiyuan
    seconds, (status, body, _) = timed(lambda: raw(client, FEED, "gzip", **{"If-None-Match": etag}))
    renders = []
    original = api.feeds.render_feed
    api.feeds.render_feed = lambda *a: renders.append(1) or original(*a)  # type: ignore[assignment]
    try:
        write(client, "140781", 2)  # Jiexiu: the feed must be rendered again
        baseline, (changed, _, _) = timed(lambda: raw(client, FEED, "gzip", **{"If-None-Match": etag}))
    finally:
        api.feeds.render_feed = original  # type: ignore[assignment]
    print("a calendar revalidating Jiexiu's feed after a write elsewhere:")
    print(f"  after a write to Taiyuan      {status} in {seconds * 1000:8.1f} ms, {len(body)} bytes")
    print(f"  baseline (a render, as every write caused before): {changed} in {baseline * 1000:8.1f} ms")


def parallel(client: TestClient, clients: int, day: int, flight: SingleFlight) -> tuple[float, float, int]:
    app_api = client.app.state.api
    app_api.flight = flight
    write(client, "140781", day)
    renders: list[int] = []
    original = api.feeds.render_feed
    api.feeds.render_feed = lambda *a: renders.append(1) or original(*a)  # type: ignore[assignment]
    try:
        with ThreadPoolExecutor(max_workers=clients) as pool:
            start = time.perf_counter()
            times = list(pool.map(lambda _: timed(lambda: raw(client, FEED, "gzip"))[0], range(clients)))
            wall = time.perf_counter() - start
    finally:
        api.feeds.render_feed = original  # type: ignore[assignment]
    return wall, max(times), len(renders)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=10)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; {args.events:,} events in Jiexiu")
    with tempfile.TemporaryDirectory() as folder:
        settings = bench_ics.seeded_database(Path(folder), args.events)
        settings = type(settings)(
            **{**{f: getattr(settings, f) for f in settings.__struct_fields__}, "tokens": [TOKEN]}
        )
        with TestClient(app=create_app(settings)) as client:
            sizes(client)
            revalidation(client)
            one = parallel(client, args.clients, 3, SingleFlight())
            each = parallel(client, args.clients, 4, NoFlight())
    print(f"{args.clients} clients asking for Jiexiu's feed at once after a write to Jiexiu:")
    print(f"  single flight   all answered in {one[0]:6.2f} s (slowest {one[1]:.2f} s), {one[2]} render(s)")
    print(
        f"  baseline        all answered in {each[0]:6.2f} s (slowest {each[1]:.2f} s), {each[2]} render(s)"
    )


if __name__ == "__main__":
    main()
