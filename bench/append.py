"""Append throughput of the event store beside raw sqlite3 and the `eventsourcing` library.

    python bench/append.py                 # full run (1,000,000 events for batch and bulk)
    python bench/append.py --events 100000 --singles 300
    python bench/append.py --db postgresql://USER@HOST:PORT/DBNAME   # see bench/append_postgres.py

Each scenario writes the same synthetic milestones into a fresh file in a temp folder:
- durable single-event appends (synchronous=FULL, one transaction and fsync per event):
  EventStore.append vs raw sqlite3 (same schema, indexes and pragmas) vs eventsourcing (SQLite);
- batches of 1,000 up to --events: EventStore.append vs raw executemany per batch;
- bulk import of --events: EventStore.import_events vs a raw load-then-index;
- concurrent durable single appends: --writers threads, each with its own store on the same
  file, against one writer alone in the same run (goal: >= 3x its rate).
The raw baselines insert rows already encoded and hashed; the store does that work itself.
With --runs N the scenarios run N times in turn and each figure prints min / median / max;
a goal (issue 20) is "met" when its median is.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from events.envelope import NewEvent
from events.ids import new_event_id
from events.sqlite import SCHEMA
from events.store import EventStore
from events.types import LongText, MeetingHeld, SourceRef, Text, encode_event

# Goals of issue 20: ours / raw, ours / eventsourcing (single), concurrent / one writer.
TARGETS = {"single": (0.8, 1.5), "batch": (0.75, None), "bulk": (0.5, None), "concurrent": (3.0, None)}


def synthetic(n: int, offset: int = 0) -> list[NewEvent]:
    events = []
    for i in range(offset, offset + n):
        event = MeetingHeld(
            occurred=f"{2015 + i % 10}-{1 + i % 12:02}-{1 + i % 28:02}",
            regions=(f"14{(i % 11) + 1:02}{(i % 30) + 1:02}",),
            title=Text(zh=f"第{i}次推进会", en=f"Reform meeting no. {i}"),
            summary=LongText(zh=f"召开第{i}次医改推进会议。", en=f"Reform progress meeting {i} held."),
            sources=(SourceRef(document="bench", locator=f"para {i % 40}"),),
        )
        events.append(NewEvent(stream=f"milestone-{i}", event=event, expected_version=0))
    return events


def raw_rows(items: list[NewEvent], start: int) -> list[tuple]:
    """The same rows the store would write, prepared outside the timed section."""
    rows = []
    for offset, item in enumerate(items):
        payload = encode_event(item.event).decode()
        rows.append(
            (
                start + offset,
                new_event_id(),
                item.stream,
                1,
                "meeting_held",
                1,
                item.event.occurred,
                "2026-01-01T00:00:00.000000Z",
                payload,
                '[{"document":"bench"}]',
                "0" * 64,
                "f" * 64,
            )
        )
    return rows


def raw_connection(path: Path, schema: str = SCHEMA) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.executescript(schema)
    return conn


INSERT = "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_single(folder: Path, n: int, rounds: int = 10) -> dict[str, float]:
    """Rounds alternate between the three writers so disk noise falls on all of them alike."""
    items = synthetic(n)
    store = EventStore.open(folder / "single-store.db", synchronous="FULL")
    conn = raw_connection(folder / "single-raw.db")
    rows = raw_rows(items, 1)
    app, recorded = eventsourcing_app(folder)
    payloads = [encode_event(item.event).decode() for item in items]
    per_round = n // rounds
    totals = {"ours": 0.0, "raw": 0.0, "eventsourcing": 0.0}
    for r in range(rounds):
        part = slice(r * per_round, (r + 1) * per_round)
        totals["ours"] += timed(lambda part=part: [store.append([i]) for i in items[part]])

        def raw(part: slice = part) -> None:
            for row in rows[part]:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("SELECT position, hash FROM events ORDER BY position DESC LIMIT 1")
                conn.execute(INSERT, row)
                conn.execute("COMMIT")

        totals["raw"] += timed(raw)
        totals["eventsourcing"] += timed(
            lambda part=part: [app.save(recorded(payload=p)) for p in payloads[part]]
        )
    return {name: per_round * rounds / seconds for name, seconds in totals.items()}


_RECORDED: list[type] = []  # eventsourcing registers a class by its topic once per process


def recorded_aggregate() -> type:
    """eventsourcing's aggregate for one recorded event, defined once per process."""
    from eventsourcing.domain import Aggregate, event

    if not _RECORDED:

        class Recorded(Aggregate):
            @event("Recorded")
            def __init__(self, payload: str) -> None:
                self.payload = payload

        _RECORDED.append(Recorded)
    return _RECORDED[0]


def eventsourcing_app(folder: Path) -> tuple[object, type]:
    from eventsourcing.application import Application

    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(folder / "single-es.db")}
    return Application(env=env), recorded_aggregate()


def bench_batches(folder: Path, n: int, size: int = 1000) -> dict[str, float]:
    store = EventStore.open(folder / "batch-store.db", synchronous="FULL")
    conn = raw_connection(folder / "batch-raw.db")
    ours = raw_time = 0.0
    for start in range(0, n, size):
        items = synthetic(size, start)
        ours += timed(lambda items=items: store.append(items))
        rows = raw_rows(items, start + 1)

        def raw(rows: list[tuple] = rows) -> None:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(INSERT, rows)
            conn.execute("COMMIT")

        raw_time += timed(raw)
    return {"ours": n / ours, "raw": n / raw_time}


def bench_bulk(folder: Path, n: int) -> dict[str, float]:
    store = EventStore.open(folder / "bulk-store.db", synchronous="FULL")
    items = synthetic(n)
    ours = timed(lambda: store.import_events(items))
    rows = raw_rows(items, 1)
    bare = SCHEMA.split("CREATE TABLE IF NOT EXISTS idempotency")[0]
    bare = bare.replace("event_id TEXT NOT NULL UNIQUE", "event_id TEXT NOT NULL")
    bare = bare.replace(",\n    UNIQUE (stream, version)", "")
    conn = raw_connection(folder / "bulk-raw.db", bare)

    def raw() -> None:
        conn.execute("BEGIN")
        conn.executemany(INSERT, rows)
        conn.execute("CREATE UNIQUE INDEX events_id ON events (event_id)")
        conn.execute("CREATE UNIQUE INDEX events_stream ON events (stream, version)")
        conn.execute("COMMIT")

    return {"ours": n / ours, "raw": n / timed(raw)}


def bench_concurrent(folder: Path, n: int, writers: int) -> dict[str, float]:
    """Durable single appends from `writers` threads at once (each its own store, as the API's
    worker threads have) beside one writer alone on the same file, alternating in two halves."""
    path = folder / "concurrent-store.db"
    EventStore.open(path, synchronous="FULL").close()
    stores = [EventStore.open(path, create=False, synchronous="FULL") for _ in range(writers)]
    items = synthetic(2 * n, 10_000_000)  # distinct streams from the other scenarios
    alone = together = 0.0
    for half in range(2):
        part = items[half * n : (half + 1) * n]
        alone += timed(lambda part=part: [stores[0].append([i]) for i in part[: n // 2]])
        rest = part[n // 2 :]

        def write(store: EventStore, mine: list[NewEvent]) -> None:
            for item in mine:
                store.append([item])

        def race(rest: list[NewEvent] = rest) -> None:
            shares = [(store, rest[k::writers]) for k, store in enumerate(stores)]
            threads = [threading.Thread(target=write, args=share) for share in shares]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()

        together += timed(race)
    for store in stores:
        store.close()
    half_n = n - n // 2
    return {"ours": 2 * half_n / together, "raw": 2 * (n // 2) / alone}


LABELS = {
    "single": ("durable single append", "raw sqlite3", "eventsourcing"),
    "batch": ("batch append, 1,000 per transaction", "raw sqlite3", None),
    "bulk": ("bulk import into an empty log", "raw load-then-index", None),
    "concurrent": ("concurrent durable appends", "one writer alone", None),
}


def spread(values: list[float], fmt: str = "{:,.0f}") -> str:
    return " / ".join(fmt.format(v) for v in (min(values), statistics.median(values), max(values)))


def report(name: str, runs: list[dict[str, float]]) -> None:
    """One goal row: our rate, the comparator's, the ratio against the goal (min / median / max)."""
    label, comparator, other = LABELS[name]
    low_raw, low_other = TARGETS[name]
    ours = [r["ours"] for r in runs]
    ratio = [r["ours"] / r["raw"] for r in runs]
    met = "met" if statistics.median(ratio) >= low_raw else "NOT MET"
    theirs = [r["raw"] for r in runs]
    print(f"{label}: ours {spread(ours)} ev/s; {comparator} {spread(theirs)} ev/s", flush=True)
    print(f"    ours / {comparator} {spread(ratio, '{:.2f}')} x  (goal >= {low_raw}) {met}", flush=True)
    if other:
        rates = [r["eventsourcing"] for r in runs]
        ratio = [r["ours"] / r["eventsourcing"] for r in runs]
        met = "met" if statistics.median(ratio) >= low_other else "NOT MET"
        print(f"    {other} {spread(rates)} ev/s; ours / {other} {spread(ratio, '{:.2f}')} x ", end="")
        print(f"(goal >= {low_other}) {met}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="events for batch and bulk")
    parser.add_argument("--singles", type=int, default=1000, help="durable single appends")
    parser.add_argument("--writers", type=int, default=8, help="threads in the concurrent scenario")
    parser.add_argument("--runs", type=int, default=1, help="interleaved runs of every scenario")
    parser.add_argument("--db", default=None, help="a postgresql:// URL: bench the PostgreSQL store instead")
    args = parser.parse_args()
    if args.db:  # PostgreSQL: its own scenarios and comparators (bench/append_postgres.py)
        from append_postgres import main as postgres_main

        postgres_main(args.db, args.singles, args.events, args.runs)
        return
    print(
        f"append benchmark: {args.singles:,} single appends (and as many from {args.writers} writers), "
        f"{args.events:,} events in batches of 1,000 and in one bulk import; {args.runs} run(s), "
        "figures min / median / max",
        flush=True,
    )
    figures: dict[str, list[dict[str, float]]] = {name: [] for name in LABELS}
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            figures["single"].append(bench_single(folder, args.singles))
            figures["batch"].append(bench_batches(folder, args.events))
            figures["bulk"].append(bench_bulk(folder, args.events))
            figures["concurrent"].append(bench_concurrent(folder, args.singles, args.writers))
    for name, runs in figures.items():
        report(name, runs)


if __name__ == "__main__":
    main()
