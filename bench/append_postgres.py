"""Append throughput of the PostgreSQL store beside raw psycopg and `eventsourcing`'s recorder.

    python bench/append.py --db postgresql://USER@HOST:PORT/DBNAME [--singles 1000] [--events 100000]
    python bench/append_postgres.py [--runs 3]     # on a throwaway local cluster (tests/postgres.py)

Each writer gets a fresh database on the same
server (created here, dropped at the end: the role needs CREATEDB), and writes the same
synthetic milestones:
- durable single-event appends (one transaction and commit per event):
  PostgresEventStore.append vs raw psycopg (the same table, indexes and head-row lock, rows
  encoded and hashed beforehand) vs eventsourcing's PostgreSQL recorder;
- batches of 1,000 up to --events: PostgresEventStore.append vs raw executemany per batch.
Rounds alternate between the writers so the server's noise falls on all alike.
"""

from __future__ import annotations

import statistics
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import psycopg
from append import raw_rows, spread, synthetic, timed

from events.envelope import NewEvent
from events.postgres.schema import SCHEMA
from events.postgres.store import PostgresEventStore
from events.types import encode_event

# Goals of issue 15: ours / raw psycopg, ours / eventsourcing (single); batches ours / raw.
TARGETS = {"single": (0.7, 1.2), "batch": (0.6, None)}
INSERT = "INSERT INTO events VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"


@contextmanager
def fresh_database(url: str, name: str) -> Iterator[str]:
    """A new database beside the one `url` names; dropped afterwards."""
    database = f"bench_{name}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {database}")  # type: ignore[arg-type]
    parts = urlsplit(url)
    try:
        yield parts._replace(path=f"/{database}").geturl()
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE {database} WITH (FORCE)")  # type: ignore[arg-type]


def raw_connection(url: str) -> psycopg.Connection:
    conn = psycopg.connect(url, autocommit=True)
    conn.execute(SCHEMA)  # type: ignore[arg-type]
    return conn


def eventsourcing_app(url: str) -> tuple[object, type]:
    from append import recorded_aggregate
    from eventsourcing.application import Application

    parts = urlsplit(url)
    app = Application(
        env={
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": parts.path.lstrip("/"),
            "POSTGRES_HOST": parts.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": parts.username or "postgres",
            "POSTGRES_PASSWORD": parts.password or "unused",
        }
    )
    return app, recorded_aggregate()


def bench_single(ours_url: str, raw_url: str, es_url: str, n: int, rounds: int = 10) -> dict[str, float]:
    items = synthetic(n)
    store = PostgresEventStore.open(ours_url)
    conn = raw_connection(raw_url)
    rows = raw_rows(items, 1)
    app, recorded = eventsourcing_app(es_url)
    payloads = [encode_event(item.event).decode() for item in items]
    per_round = n // rounds
    totals = {"ours": 0.0, "raw": 0.0, "eventsourcing": 0.0}
    for r in range(rounds):
        part = slice(r * per_round, (r + 1) * per_round)
        totals["ours"] += timed(lambda part=part: [store.append([i]) for i in items[part]])

        def raw(part: slice = part) -> None:
            for row in rows[part]:
                with conn.transaction():
                    conn.execute("SELECT id FROM log_head WHERE id = 1 FOR UPDATE")
                    conn.execute("SELECT position, hash FROM events ORDER BY position DESC LIMIT 1")
                    conn.execute(INSERT, row)

        totals["raw"] += timed(raw)
        totals["eventsourcing"] += timed(
            lambda part=part: [app.save(recorded(payload=p)) for p in payloads[part]]  # type: ignore[attr-defined]
        )
    store.close()
    conn.close()
    app.close()  # type: ignore[attr-defined]
    return {name: per_round * rounds / seconds for name, seconds in totals.items()}


def bench_batches(ours_url: str, raw_url: str, n: int, size: int = 1000) -> dict[str, float]:
    store = PostgresEventStore.open(ours_url)
    conn = raw_connection(raw_url)
    ours = raw_time = 0.0
    for start in range(0, n, size):
        items: list[NewEvent] = synthetic(size, 5_000_000 + start)  # streams apart from the singles
        ours += timed(lambda items=items: store.append(items))
        rows = raw_rows(items, start + 1)

        def raw(rows: list[tuple] = rows) -> None:
            with conn.transaction(), conn.cursor() as cursor:
                cursor.execute("SELECT id FROM log_head WHERE id = 1 FOR UPDATE")
                cursor.executemany(INSERT, rows)

        raw_time += timed(raw)
    store.close()
    conn.close()
    return {"ours": n / ours, "raw": n / raw_time}


LABELS = {
    "single": ("durable single append (PostgreSQL)", "raw psycopg", "eventsourcing (PostgreSQL)"),
    "batch": ("batch append, 1,000 per transaction (PostgreSQL)", "raw psycopg executemany", None),
}


def report(name: str, runs: list[dict[str, float]]) -> None:
    label, comparator, other = LABELS[name]
    low_raw, low_other = TARGETS[name]
    ratio = [r["ours"] / r["raw"] for r in runs]
    met = "met" if statistics.median(ratio) >= low_raw else "NOT MET"
    print(
        f"{label}: ours {spread([r['ours'] for r in runs])} ev/s; "
        f"{comparator} {spread([r['raw'] for r in runs])} ev/s",
        flush=True,
    )
    print(f"    ours / {comparator} {spread(ratio, '{:.2f}')} x  (goal >= {low_raw}) {met}", flush=True)
    if other and low_other:
        ratio = [r["ours"] / r["eventsourcing"] for r in runs]
        met = "met" if statistics.median(ratio) >= low_other else "NOT MET"
        print(
            f"    {other} {spread([r['eventsourcing'] for r in runs])} ev/s; ours / {other} "
            f"{spread(ratio, '{:.2f}')} x (goal >= {low_other}) {met}",
            flush=True,
        )


def main(url: str, singles: int, events: int, runs: int) -> None:
    with psycopg.connect(url) as probe:
        server = probe.info.server_version
    print(
        f"append benchmark on PostgreSQL {server // 10000}.{server % 10000} at {urlsplit(url).hostname}: "
        f"{singles:,} durable single appends, {events:,} events in batches of 1,000; {runs} run(s), "
        "figures min / median / max",
        flush=True,
    )
    figures: dict[str, list[dict[str, float]]] = {name: [] for name in LABELS}
    for _ in range(runs):
        with (
            fresh_database(url, "ours") as ours,
            fresh_database(url, "raw") as raw,
            fresh_database(url, "es") as es,
        ):
            figures["single"].append(bench_single(ours, raw, es, singles))
        with fresh_database(url, "ours") as ours, fresh_database(url, "raw") as raw:
            figures["batch"].append(bench_batches(ours, raw, events))
    for name, results in figures.items():
        report(name, results)


if __name__ == "__main__":
    import argparse
    import sys
    from pathlib import Path

    parser = argparse.ArgumentParser(description="PostgreSQL appends (also: bench/append.py --db URL)")
    parser.add_argument("--db", default=None, help="postgresql:// URL (default: a throwaway local cluster)")
    parser.add_argument("--singles", type=int, default=1000)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if args.db:
        main(args.db, args.singles, args.events, args.runs)
    else:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from tests.postgres import throwaway_cluster

        with throwaway_cluster() as cluster:
            main(cluster.url(), args.singles, args.events, args.runs)
