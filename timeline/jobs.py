"""The periodic jobs, as plain functions of Settings (tests call them directly), and the record
of their runs in the database, shared by every process (`timeline jobs`, `/health`)."""

from __future__ import annotations

import logging
import shutil
import sqlite3
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import msgspec

from events.errors import InvalidEvent, TimelineError
from events.store import format_time, parse_time, utc_now
from timeline.backup import backup
from timeline.database import open_store
from timeline.event_files import append_file
from timeline.settings import Settings

log = logging.getLogger("timeline.jobs")

RUNS_SCHEMA = """
CREATE TABLE IF NOT EXISTS job_runs (
    job TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    last_run_at TEXT NOT NULL,
    duration_ms REAL NOT NULL,
    result TEXT NOT NULL,
    message TEXT NOT NULL,
    next_run_at TEXT,
    runs INTEGER NOT NULL DEFAULT 1
)
"""


class JobStatus(msgspec.Struct, kw_only=True):
    job: str
    owner: str | None = None
    last_run_at: datetime | None = None
    duration_ms: float | None = None
    result: str | None = None  # "ok" or "error"
    message: str | None = None
    next_run_at: datetime | None = None
    runs: int = 0


def catch_up(settings: Settings) -> str:
    from projections import catch_up as apply_new  # the read side, brought up to the log head

    store = open_store(settings)
    try:
        return f"applied {apply_new(store)} event(s)"
    finally:
        store.close()


def verify(settings: Settings) -> str:
    """Incremental chain verification; a break is logged loudly and holds writes."""
    store = open_store(settings)
    try:
        integrity = store.check_integrity()
    finally:
        store.close()
    if not integrity.ok:
        log.critical(
            "HASH CHAIN BROKEN at position %s: %s. Writes are refused until an operator "
            "restores a backup or a full `timeline verify` passes.",
            integrity.broken_position,
            integrity.broken_reason,
        )
        raise TimelineError(f"chain broken at position {integrity.broken_position}")
    return f"verified up to position {integrity.verified_position}"


def run_backup(settings: Settings) -> str:
    store = open_store(settings)
    try:
        result = backup(store, settings.backup_dir, keep=settings.backup_keep)
    finally:
        store.close()
    return f"wrote {Path(result.path).name} at position {result.position}"


def import_drop_folder(settings: Settings) -> str:
    """Append each event file in the drop folder; a bad file is moved aside with a report."""
    if not settings.drop_dir:
        return "no drop folder configured"
    folder = Path(settings.drop_dir)
    done, failed = folder / "done", folder / "failed"
    files = sorted(p for p in folder.glob("*") if p.suffix in {".json", ".jsonl", ".ndjson"})
    imported = rejected = 0
    store = open_store(settings, create=True)
    try:
        for path in files:
            try:
                append_file(store, path, idempotency_key=f"drop:{path.name}")
            except InvalidEvent as e:
                failed.mkdir(parents=True, exist_ok=True)
                report = "\n".join(f"{p.path}: {p.message}" for p in e.problems)
                (failed / f"{path.name}.error.txt").write_text(report + "\n", encoding="utf-8")
                shutil.move(path, failed / path.name)
                rejected += 1
                continue
            done.mkdir(parents=True, exist_ok=True)
            shutil.move(path, done / path.name)
            imported += 1
    finally:
        store.close()
    return f"imported {imported} file(s), rejected {rejected}"


JOBS: dict[str, Callable[[Settings], str]] = {
    "catch_up": catch_up,
    "verify": verify,
    "backup": run_backup,
    "drop_folder": import_drop_folder,
}


def interval_of(job: str, settings: Settings) -> float:
    return {
        "catch_up": settings.catchup_seconds,
        "verify": settings.verify_seconds,
        "backup": settings.backup_seconds,
        "drop_folder": settings.drop_seconds,
    }[job]


def enabled_jobs(settings: Settings) -> list[str]:
    return [job for job in JOBS if job != "drop_folder" or settings.drop_dir]


class JobOutcome(msgspec.Struct, frozen=True):
    result: str  # "ok" or "error"
    message: str
    duration_ms: float


def execute_job(job: str, settings: Settings) -> JobOutcome:
    """Run one job and log one line with its duration. A failure is reported, never raised."""
    started = time.perf_counter()
    try:
        result, message = "ok", JOBS[job](settings)
    except Exception as e:  # recorded and retried on schedule
        result, message = "error", f"{type(e).__name__}: {e}"
    duration_ms = (time.perf_counter() - started) * 1000
    level = logging.INFO if result == "ok" else logging.ERROR
    log.log(level, "job %s %s in %.1f ms: %s", job, result, duration_ms, message)
    return JobOutcome(result, message, duration_ms)


def record_run(
    conn: sqlite3.Connection, job: str, owner: str, outcome: JobOutcome, next_run_at: datetime | None = None
) -> None:
    conn.execute(RUNS_SCHEMA)
    conn.execute(
        "INSERT INTO job_runs (job, owner, last_run_at, duration_ms, result, message, next_run_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (job) DO UPDATE SET owner = excluded.owner, "
        "last_run_at = excluded.last_run_at, duration_ms = excluded.duration_ms, "
        "result = excluded.result, message = excluded.message, "
        "next_run_at = excluded.next_run_at, runs = runs + 1",
        [
            job,
            owner,
            format_time(utc_now()),
            outcome.duration_ms,
            outcome.result,
            outcome.message,
            format_time(next_run_at) if next_run_at else None,
        ],
    )


def job_statuses(conn: sqlite3.Connection, jobs: list[str]) -> list[JobStatus]:
    conn.execute(RUNS_SCHEMA)
    rows = {r[0]: r for r in conn.execute("SELECT * FROM job_runs").fetchall()}
    statuses = []
    for job in jobs:
        row = rows.get(job)
        if row is None:
            statuses.append(JobStatus(job=job))
            continue
        statuses.append(
            JobStatus(
                job=job,
                owner=row[1],
                last_run_at=parse_time(row[2]),
                duration_ms=row[3],
                result=row[4],
                message=row[5],
                next_run_at=parse_time(row[6]) if row[6] else None,
                runs=row[7],
            )
        )
    return statuses
