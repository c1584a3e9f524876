"""Append throughput of the event store beside raw sqlite3 and the `eventsourcing` library.

    python bench/append.py                 # full run (1,000,000 events for batch and bulk)
    python bench/append.py --events 100000 --singles 300

Each scenario writes the same synthetic milestones into a fresh file in a temp folder:
- durable single-event appends (synchronous=FULL, one transaction and fsync per event):
  EventStore.append vs raw sqlite3 (same schema, indexes and pragmas) vs eventsourcing (SQLite);
- batches of 1,000 up to --events: EventStore.append vs raw executemany per batch;
- bulk import of --events: EventStore.import_events vs a raw load-then-index.
The raw baselines insert rows already encoded and hashed; the store does that work itself.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from events.envelope import NewEvent
from events.store import SCHEMA, EventStore, _new_event_id
from events.types import LongText, MeetingHeld, SourceRef, Text, encode_event

TARGETS = {"single": (0.7, 1.5), "batch": (0.8, None), "bulk": (0.5, None)}


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
                _new_event_id(),
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


def eventsourcing_app(folder: Path) -> tuple[object, type]:
    from eventsourcing.application import Application
    from eventsourcing.domain import Aggregate, event

    class Recorded(Aggregate):
        @event("Recorded")
        def __init__(self, payload: str) -> None:
            self.payload = payload

    app = Application(
        env={
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(folder / "single-es.db"),
        }
    )
    return app, Recorded


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


def report(name: str, figures: dict[str, float]) -> None:
    vs_raw = figures["ours"] / figures["raw"]
    low_raw, low_es = TARGETS[name]
    line = f"{name:<8} ours {figures['ours']:>10,.0f} ev/s   raw {figures['raw']:>10,.0f} ev/s   "
    line += f"ours/raw {vs_raw:4.2f} (target >= {low_raw})"
    if "eventsourcing" in figures:
        vs_es = figures["ours"] / figures["eventsourcing"]
        line += (
            f"   eventsourcing {figures['eventsourcing']:>8,.0f} ev/s   "
            f"ours/eventsourcing {vs_es:4.2f} (target >= {low_es})"
        )
    print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="events for batch and bulk")
    parser.add_argument("--singles", type=int, default=1000, help="durable single appends")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(
            f"append benchmark: {args.singles:,} single appends, {args.events:,} events "
            "in batches of 1,000 and in one bulk import",
            flush=True,
        )
        report("single", bench_single(folder, args.singles))
        report("batch", bench_batches(folder, args.events))
        report("bulk", bench_bulk(folder, args.events))


if __name__ == "__main__":
    main()
