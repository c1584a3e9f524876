"""ICS feed rendering: a 10,000-event feed cold, and the same request served from the cache.

    python bench/ics.py                    # 10,000 events, 20 repeats
    python bench/ics.py --events 50000 --repeat 50

Scenarios, each on synthetic day-precision meetings with bilingual texts:
- render only: `api.ics.render_calendar` on entries already in memory, cold (first call in the
  process); baseline: the icalendar library building and serialising the same calendar (the
  test oracle), timed on --baseline-events and scaled up;
- over HTTP: a fresh database (seed catalogues, --events milestones in one county), the real app
  through Litestar's TestClient: the first GET (query + render), a repeated GET (served from the
  feed cache), a conditional GET answered 304, and a HEAD.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Not bench/ itself (bench/projections.py would shadow the package), but the tests' helpers:
# the icalendar oracle lives there.
sys.path[:] = [
    str(ROOT),
    str(ROOT / "tests"),
    *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"),
]

from ical.oracle import oracle_calendar  # noqa: E402
from ical.samples import entry, feed, reference_of  # noqa: E402
from litestar.testing import TestClient  # noqa: E402

from api.app import create_app  # noqa: E402
from api.ics import render_calendar  # noqa: E402
from events.envelope import NewEvent  # noqa: E402
from events.types import LongText, MeetingHeld, SourceRef, Text  # noqa: E402
from timeline.database import open_store  # noqa: E402
from timeline.seeds import load_seeds  # noqa: E402
from timeline.settings import Settings  # noqa: E402

TARGET_COLD = 1.0
FIRST_DAY = date(1990, 1, 1)
RECORDED = datetime(2024, 9, 1, tzinfo=UTC)


def entries(n: int) -> list:
    """Bilingual meetings on distinct days, with a note and a two-source citation each."""
    return [
        entry(
            i,
            (FIRST_DAY + timedelta(days=i)).isoformat(),
            title=Text(
                zh=f"介休市召开第{i}次医共体改革推进会",
                en=f"Jiexiu holds medical-group reform meeting no. {i}",
            ),
            summary=LongText(
                zh="会议总结了县域医共体建设进展，部署下一阶段的薪酬、医保支付和人才工作。" * 2,
                en="The meeting reviewed the county medical group's progress and set out the next "
                "steps on pay, insurance payment and staffing.",
            ),
            note=LongText(zh="日期据报道推定。", en="Date inferred from the report."),
            recorded_at=RECORDED,
            last_modified=RECORDED,
        )
        for i in range(1, n + 1)
    ]


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def cpu_timed(action: Callable[[], object]) -> tuple[float, float]:
    """Wall-clock and CPU seconds: CPU time is what to compare on a busy machine."""
    wall, cpu = time.perf_counter(), time.process_time()
    action()
    return time.perf_counter() - wall, time.process_time() - cpu


def render_only(n: int, baseline: int) -> None:
    from conftest import PROGRAMMES, REGIONS, SOURCES

    reference = reference_of(*REGIONS, *PROGRAMMES, *SOURCES)
    items = entries(n)
    info = feed("zh")
    cold, cold_cpu = cpu_timed(lambda: render_calendar(items, info, reference))
    body = render_calendar(items, info, reference)
    warm = min(timed(lambda: render_calendar(items, info, reference)) for _ in range(3))
    few = items[:baseline]
    slow = timed(lambda: oracle_calendar(few, info, reference)) * n / baseline
    same = oracle_calendar(few, info, reference) == render_calendar(few, info, reference)
    # On a shared machine wall time swings with the load; judge the target on CPU time.
    verdict = "ok" if cold_cpu <= TARGET_COLD else "OVER TARGET"
    print(f"render only, {n:,} events ({len(body) / 1e6:.1f} MB):")
    print(
        f"  api.ics cold      {cold:8.3f} s   ({cold_cpu:.3f} s CPU, target <= {TARGET_COLD:.1f}: {verdict})"
    )
    print(f"  api.ics warm      {warm:8.3f} s   (best of 3)")
    print(f"  icalendar         {slow:8.3f} s   (measured on {baseline:,}, scaled; same bytes: {same})")


def seeded_database(folder: Path, n: int) -> Settings:
    settings = Settings(db=str(folder / "bench.db"), scheduler=False, base_url="https://timeline.example")
    store = open_store(settings, create=True)
    load_seeds(store, ROOT / "seeds")
    source = "jinzhong-daily-report-2021-05-19"
    store.import_events(
        NewEvent(
            stream=f"milestone-bench-{i}",
            event_id=uuid.uuid5(uuid.NAMESPACE_URL, f"bench-{i}"),
            event=MeetingHeld(
                occurred=(FIRST_DAY + timedelta(days=i)).isoformat(),
                regions=("140781",),
                programmes=("county-medical-integration",),
                title=Text(
                    zh=f"介休市召开第{i}次医共体改革推进会", en=f"Jiexiu medical-group meeting no. {i}"
                ),
                summary=LongText(
                    zh="会议总结了医共体建设进展。" * 3, en="The meeting reviewed progress. " * 3
                ),
                sources=(SourceRef(document=source, locator=f"para {i % 40}"),),
            ),
        )
        for i in range(1, n + 1)
    )
    store.close()
    return settings


def over_http(n: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = seeded_database(Path(folder), n)
        path = "/feeds/regions/140781.ics"
        with TestClient(app=create_app(settings)) as client:  # start-up builds the projections
            start, cpu = time.perf_counter(), time.process_time()
            first = client.get(path)
            cold, cold_cpu = time.perf_counter() - start, time.process_time() - cpu
            assert first.status_code == 200
            events = first.content.count(b"\r\nBEGIN:VEVENT\r\n")
            cached = [timed(lambda: client.get(path)) for _ in range(repeat)]
            etag = {"If-None-Match": first.headers["etag"]}
            not_modified = [timed(lambda: client.get(path, headers=etag)) for _ in range(repeat)]
            head = [timed(lambda: client.head(path)) for _ in range(repeat)]
    print(f"over HTTP (TestClient), {events:,} events ({len(first.content) / 1e6:.1f} MB):")
    print(f"  first GET         {cold:8.3f} s   ({cold_cpu:.3f} s CPU: timeline query + render)")
    median = statistics.median(cached) * 1000
    print(f"  repeated GET      {median:8.1f} ms  (median of {repeat}, served from the cache)")
    print(f"  GET, 304          {statistics.median(not_modified) * 1000:8.1f} ms")
    print(f"  HEAD              {statistics.median(head) * 1000:8.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--baseline-events", type=int, default=1_000)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    render_only(args.events, min(args.baseline_events, args.events))
    over_http(args.events, args.repeat)


if __name__ == "__main__":
    main()
