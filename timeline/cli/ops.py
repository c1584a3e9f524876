"""Operations: scheduled jobs, backups and restores."""

from __future__ import annotations

import logging.config
import signal
import threading

import click

from events.backends import is_postgres
from events.errors import StoreUnavailable
from events.sqlite import connect
from timeline.backup import BackupRefused, list_backups
from timeline.backup import backup as take_backup
from timeline.backup import restore as restore_backup
from timeline.cli import main
from timeline.cli.options import with_settings
from timeline.database import open_store
from timeline.jobs import JOBS, enabled_jobs, execute_job, interval_of, job_statuses, jobs_off, record_run
from timeline.lease import open_lease
from timeline.logs import log_config
from timeline.scheduler import TimelineScheduler
from timeline.settings import Settings


@main.command()
@click.option(
    "--run",
    "run",
    type=click.Choice(list(JOBS)),
    default=None,
    help="Run this job once now, in this process, and record the run.",
)
@with_settings
def jobs(settings: Settings, run: str | None) -> None:
    """List the scheduled jobs with their interval, last and next run and result."""
    store = open_store(settings)
    conn = store.conn
    if run:
        outcome = execute_job(run, settings)
        record_run(conn, run, "cli", outcome)
        click.echo(f"{run}: {outcome.result} in {outcome.duration_ms:.1f} ms: {outcome.message}")
    lease = open_lease(settings, "cli", conn)
    try:
        holder = lease.holder()
    finally:
        lease.close()
    click.echo(f"scheduler lease held by: {holder or 'nobody (no scheduler running)'}")
    click.echo(
        f"{'job':<12} {'every':>8}  {'last run (UTC)':<20} {'ms':>8}  {'result':<6} "
        f"{'next run (UTC)':<20} message"
    )
    for status in job_statuses(conn, enabled_jobs(settings)):
        last = status.last_run_at.strftime("%Y-%m-%d %H:%M:%S") if status.last_run_at else "-"
        nxt = status.next_run_at.strftime("%Y-%m-%d %H:%M:%S") if status.next_run_at else "-"
        ms = f"{status.duration_ms:.1f}" if status.duration_ms is not None else "-"
        click.echo(
            f"{status.job:<12} {interval_of(status.job, settings):>7.0f}s  {last:<20} "
            f"{ms:>8}  {status.result or '-':<6} {nxt:<20} {status.message or ''}"
        )
    for job, why in jobs_off(settings).items():
        click.echo(f"{job:<12} {'off':>8}  {why}")


@main.command()
@click.option("--dir", "folder", default=None, help="Backup folder (default: settings backup_dir).")
@with_settings
def backup(settings: Settings, folder: str | None) -> None:
    """Take an online backup now, verify it, and keep the newest `backup_keep`."""
    if is_postgres(settings.db):
        raise BackupRefused()
    store = open_store(settings)
    result = take_backup(store, folder or settings.backup_dir, keep=settings.backup_keep)
    click.echo(
        f"Backup {result.path} at position {result.position} verified "
        f"(head hash {result.hash[:16]}…); removed {len(result.removed)} old backup(s)."
    )


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Replace the database without asking.")
@with_settings
def restore(settings: Settings, file: str, yes: bool) -> None:
    """Replace the database with a verified backup FILE. Stop the service first."""
    if not yes:
        click.confirm(f"Replace {settings.db} with {file}?", abort=True)
    restored = restore_backup(file, settings.db)
    click.echo(
        f"Restored {settings.db} from {file}: head position {restored.position}, "
        f"hash {restored.hash[:16]}… verified."
    )


@main.command("backups")
@with_settings
def backups_command(settings: Settings) -> None:
    """List the backups in the backup folder, oldest first."""
    for path in list_backups(settings.backup_dir):
        click.echo(str(path))


@main.command()
@with_settings
def scheduler(settings: Settings) -> None:
    """Run the scheduled jobs in the foreground (only the process holding the lease runs them)."""
    logging.config.dictConfig(log_config(settings.log_level))  # the format `serve` logs in
    if is_postgres(settings.db):
        open_store(settings, create=True).close()  # makes only what is missing
    else:
        try:
            connect(settings.db, create=False).close()
        except StoreUnavailable:
            open_store(settings, create=True).close()
    runner = TimelineScheduler(settings)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    runner.start()
    click.echo(f"Scheduler {runner.owner} started; Ctrl-C to stop.")
    stop.wait()
    runner.shutdown()
