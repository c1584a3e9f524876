"""The periodic jobs, as plain functions of Settings (tests call them directly), and the record
of their runs in the database, shared by every process (`timeline jobs`, `/health`). The record's
SQL is portable (`events.dialect`): `conn` is a sqlite3 or an `events.postgres` connection."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec

from events.backends import is_postgres
from events.dialect import create_tables
from events.errors import TimelineError
from events.times import format_time, parse_time, utc_now
from timeline.backup import BackupRefused, backup, list_backups, taken_at
from timeline.database import open_store
from timeline.drop import import_drop_folder
from timeline.logs import Quiet, said
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
# Creating `job_runs` on PostgreSQL queues on this advisory lock: a 64-bit key of its own ("job_runs").
RUNS_LOCK = 0x6A6F_625F_7275_6E73


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
        applied = apply_new(store)
        return said(f"applied {applied} event(s)", applied)
    finally:
        store.close()


def verify(settings: Settings, *, full: bool = False) -> str:
    """Verify the log: new events only (chain, tree, heads), or with `full` the whole tree and
    the catalogues. A break is logged loudly and holds writes."""
    store = open_store(settings)
    try:
        integrity = store.check_integrity(full=full)
    finally:
        store.close()
    if not integrity.ok:
        log.critical(
            "LOG INTEGRITY BROKEN at position %s: %s. Writes are refused until an operator "
            "restores a backup or a full `timeline verify` passes.",
            integrity.broken_position,
            integrity.broken_reason,
        )
        raise TimelineError(f"chain broken at position {integrity.broken_position}")
    return f"verified{' the whole log' if full else ''} up to position {integrity.verified_position}"


def verify_full(settings: Settings) -> str:
    return verify(settings, full=True)


def sign_head(settings: Settings) -> str:
    """Sign a head for events appended since the last one (heads batched by `head_seconds`)."""
    store = open_store(settings)
    try:
        head = store.sign_head()
    finally:
        store.close()
    return f"signed the head of size {head.size}" if head else "no new events to sign"


def run_backup(settings: Settings) -> str:
    if is_postgres(settings.db):
        raise BackupRefused()
    store = open_store(settings)
    try:
        result = backup(store, settings.backup_dir, keep=settings.backup_keep)
    finally:
        store.close()
    return f"wrote {Path(result.path).name} at position {result.position}"


def deliver_webhooks(settings: Settings) -> str:
    from timeline.webhooks import run  # imports httpx and the widget's rendering: only when run

    return run(settings)


JOBS: dict[str, Callable[[Settings], str]] = {
    "catch_up": catch_up,
    "verify": verify,
    "verify_full": verify_full,
    "sign_head": sign_head,
    "backup": run_backup,
    "drop_folder": import_drop_folder,
    "webhooks": deliver_webhooks,
}


def interval_of(job: str, settings: Settings) -> float:
    return {
        "catch_up": settings.catchup_seconds,
        "verify": settings.verify_seconds,
        "verify_full": settings.verify_full_seconds,
        "sign_head": settings.head_seconds,
        "backup": settings.backup_seconds,
        "drop_folder": settings.drop_seconds,
        "webhooks": settings.webhook_seconds,
    }[job]


def first_run(job: str, settings: Settings, conn: Any = None) -> datetime:
    """When a job first runs in a scheduler that just took over: now, except a backup while the
    newest one is younger than `backup_seconds` (frequent restarts would otherwise push real
    backups out of `backup_keep`), and the full walk of the log while the last one that passed
    (recorded in `job_runs` on `conn`) is younger than `verify_full_seconds`: a restart costs a
    full reread of the log otherwise, and the incremental `verify` runs at once anyway."""
    now = datetime.now(UTC)
    if job == "verify_full" and conn is not None and (last := _last_ok_run(conn, job)) is not None:
        return max(now, last + timedelta(seconds=settings.verify_full_seconds))
    if job != "backup" or not (backups := list_backups(settings.backup_dir)):
        return now
    return max(now, taken_at(backups[-1]) + timedelta(seconds=settings.backup_seconds))


def _last_ok_run(conn: Any, job: str) -> datetime | None:
    ensure_runs(conn)
    row = conn.execute("SELECT last_run_at FROM job_runs WHERE job = ? AND result = 'ok'", [job]).fetchone()
    return parse_time(row[0]) if row else None


def ensure_runs(conn: Any) -> None:
    create_tables(conn, RUNS_LOCK, "job_runs", RUNS_SCHEMA)


def enabled_jobs(settings: Settings) -> list[str]:
    return [job for job in JOBS if job not in jobs_off(settings)]


def jobs_off(settings: Settings) -> dict[str, str]:
    """The jobs this deployment does not schedule, each with why."""
    off = {}
    if not settings.drop_dir:
        off["drop_folder"] = "no drop_dir set"
    if settings.head_seconds <= 0:
        off["sign_head"] = "head_seconds is 0: every append signs its head"
    if is_postgres(settings.db):
        off["backup"] = "on PostgreSQL the database's own tools take backups (see `timeline backup`)"
    return off


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
    duration_ms = round((time.perf_counter() - started) * 1000, 1)  # a tenth of a ms is plenty
    level = logging.ERROR if result != "ok" else logging.DEBUG if isinstance(message, Quiet) else logging.INFO
    log.log(level, "job %s %s in %.1f ms: %s", job, result, duration_ms, message)
    return JobOutcome(result, message, duration_ms)


def record_run(
    conn: Any, job: str, owner: str, outcome: JobOutcome, next_run_at: datetime | None = None
) -> None:
    ensure_runs(conn)
    conn.execute(
        "INSERT INTO job_runs (job, owner, last_run_at, duration_ms, result, message, next_run_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (job) DO UPDATE SET owner = excluded.owner, "
        "last_run_at = excluded.last_run_at, duration_ms = excluded.duration_ms, "
        "result = excluded.result, message = excluded.message, "
        "next_run_at = excluded.next_run_at, runs = job_runs.runs + 1",
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


def job_statuses(conn: Any, jobs: list[str]) -> list[JobStatus]:
    ensure_runs(conn)
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
