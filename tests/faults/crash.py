"""Crash during writes: kill a writer with SIGKILL again and again, then audit the file."""

from __future__ import annotations

import random
import sqlite3
import time
from pathlib import Path

import msgspec
import psycopg

from events.backends import is_postgres, open_log
from events.errors import ChainBroken
from projections import catch_up, rebuild
from tests.faults.logdb import (
    batches_in,
    first_difference,
    is_whole,
    make_db,
    projection_rows,
    write_locked,
)
from tests.faults.procs import ChildFailed, Zygote


class Ack(msgspec.Struct, frozen=True):
    batch: str
    first: int
    last: int
    size: int


class CrashReport(msgspec.Struct, kw_only=True):
    kills: int = 0  # writers killed mid-run (exit by SIGKILL)
    kills_in_transaction: int = 0  # kills that landed while a write transaction held the lock
    acknowledged: int = 0  # appends the store returned from
    found: int = 0  # acknowledged appends present, whole, at the positions returned
    unacknowledged: int = 0  # whole batches present whose acknowledgement the kill cut off
    partial: int = 0  # batches present in part
    events: int = 0
    gaps: int = 0  # positions missing (the log should be 1..N)
    chain_error: str | None = None
    projection_difference: str | None = None


def read_acks(path: Path) -> list[Ack]:
    """Complete lines only: a line cut off by the kill was not an acknowledgement."""
    if not path.exists():
        return []
    text = path.read_text()
    lines = text.splitlines() if text.endswith("\n") else text.splitlines()[:-1]
    acks = []
    for line in lines:
        batch, first, last, size = line.split()
        acks.append(Ack(batch, int(first), int(last), int(size)))
    return acks


def kill_writers(
    db: Path | str,
    workdir: Path,
    kills: int,
    rng: random.Random,
    *,
    max_delay: float = 0.4,
    catch_up_every: int = 3,
    seconds: float | None = None,
) -> CrashReport:
    """Start a writer, let it run a random while, SIGKILL it; `kills` times (or until `seconds`
    have passed). Every few rounds the projections catch up (in this process) while the writer
    runs, as the scheduler would."""
    make_db(db)
    acks = workdir / "acks.txt"
    report = CrashReport()
    store = open_log(str(db), create=False)
    postgres = is_postgres(str(db))
    if postgres:
        catch_up_every = 0  # projections run on SQLite only (yet)
    probe = _pg_probe(str(db)) if postgres else sqlite3.connect(db, timeout=0, isolation_level=None)
    deadline = time.monotonic() + seconds if seconds else float("inf")
    with Zygote(workdir / "zygote.log") as zygote:
        for round_ in range(kills):
            if time.monotonic() > deadline:
                break
            pid = zygote.start("tests.faults.writer", db, acks, round_, rng.randrange(2**32))
            started = time.monotonic()
            if catch_up_every and round_ % catch_up_every == 0:
                catch_up(store, batch_size=700)
            time.sleep(max(0.0, rng.uniform(0.0, max_delay) - (time.monotonic() - started)))
            report.kills_in_transaction += write_open_on_server(probe) if postgres else write_locked(probe)
            code = zygote.kill(pid)
            if code != -9:
                raise ChildFailed(f"writer {pid} exited {code} before the kill:\n{zygote.tail()}")
            report.kills += 1
    probe.close()
    store.close()
    return audit(db, read_acks(acks), report)


def _pg_probe(url: str) -> psycopg.Connection:
    return psycopg.connect(url, autocommit=True)


def write_open_on_server(probe: psycopg.Connection) -> bool:
    """Whether another session holds the log's head row (an append transaction under way)."""
    row = probe.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"
    ).fetchone()
    return bool(row and row[0])


def audit(db: Path | str, acks: list[Ack], report: CrashReport) -> CrashReport:
    """Compare the log with what was acknowledged: nothing lost, nothing partial, no gap."""
    positions, batches = batches_in(db)
    report.events = len(positions)
    report.gaps = sum(1 for i, p in enumerate(positions, start=1) if p != i)
    report.acknowledged = len(acks)
    acked = {ack.batch for ack in acks}
    for ack in acks:
        batch = batches.get(ack.batch)
        expected = list(range(ack.first, ack.last + 1))
        if batch is not None and batch.positions == expected and batch.size == ack.size:
            report.found += 1
    report.partial = sum(1 for batch in batches.values() if not is_whole(batch))
    report.unacknowledged = sum(1 for name, b in batches.items() if name not in acked and is_whole(b))
    store = open_log(str(db), create=False)
    try:
        store.verify()
    except ChainBroken as e:
        report.chain_error = str(e)
    finally:
        store.close()
    return report


def compare_projections(db: Path | str) -> str | None:
    """Catch up the (crashed, incrementally projected) database, then rebuild its views from
    zero; return where the two differ, or None when identical row by row."""
    store = open_log(str(db), create=False)
    try:
        catch_up(store)
        caught_up = projection_rows(db)
        rebuild(store, progress=False)
    finally:
        store.close()
    return first_difference(caught_up, projection_rows(db))
