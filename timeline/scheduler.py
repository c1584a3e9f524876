"""APScheduler running the periodic jobs, in exactly one process per database.

Each process that may schedule starts a `TimelineScheduler`; it campaigns for the lease every
`lease_seconds / 3`. The holder adds the jobs and runs them; the others stand by with only the
campaign, and take over when the holder's lease runs out (SQLite) or its session ends
(PostgreSQL: an advisory lock, freed when the holder dies). The runs are recorded in `job_runs`
of the same database, through a connection of the scheduler's own.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler

from events.backends import is_postgres
from events.errors import StoreUnavailable
from events.sqlite import connect
from timeline.jobs import (
    JobStatus,
    enabled_jobs,
    execute_job,
    first_run,
    interval_of,
    job_statuses,
    record_run,
)
from timeline.lease import new_owner_id, open_lease
from timeline.settings import Settings

log = logging.getLogger("timeline.scheduler")


class TimelineScheduler:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.owner = new_owner_id()
        self.errors: tuple[type[Exception], ...] = (sqlite3.Error,)
        if is_postgres(settings.db):
            import psycopg  # only where PostgreSQL is used

            self.errors += (psycopg.Error, StoreUnavailable)  # StoreUnavailable: no reconnection
        self.conn = self._connect()
        self.lease = open_lease(settings, self.owner, self.conn)
        self.leading = False
        self._lock = threading.Lock()
        self._runs = threading.Lock()  # guards the two sets below
        self._running: set[str] = set()
        self._asked_again: set[str] = set()  # nudged while running: run once more right after
        self.scheduler = BackgroundScheduler(timezone=UTC)

    def _connect(self) -> Any:
        if is_postgres(self.settings.db):
            from events.postgres.connection import PgConnection

            return PgConnection.open(str(self.settings.db))
        return connect(self.settings.db, synchronous=self.settings.synchronous)

    def _records(self) -> Any:
        """The connection for `job_runs`; one lost with its server (a restart) is replaced."""
        if getattr(self.conn, "raw", None) is not None and self.conn.raw.closed:
            self.conn = self._connect()
        return self.conn

    def start(self) -> None:
        self.scheduler.add_job(
            self._campaign,
            "interval",
            seconds=self.settings.lease_seconds / 3,
            id="lease",
            next_run_time=datetime.now(UTC),
            replace_existing=True,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,  # a late renewal must still run, or the lease runs out
        )
        self.scheduler.start()

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        with self._lock:
            try:
                if self.leading:
                    self.lease.release()
            except self.errors as e:  # e.g. a full disk: the lease simply runs out
                log.warning(
                    "could not release the job lease on shutdown (%s); another process takes "
                    "over when it expires, within %.0f s",
                    e,
                    self.settings.lease_seconds,
                )
            self.leading = False
        self.lease.close()
        self.conn.close()

    def _campaign(self) -> None:
        with self._lock:
            held = self.lease.acquire()
            if held and not self.leading:
                log.info("scheduler %s took the lease; running jobs", self.owner)
                for job in enabled_jobs(self.settings):
                    self.scheduler.add_job(
                        self._run,
                        "interval",
                        args=[job],
                        id=job,
                        replace_existing=True,
                        seconds=interval_of(job, self.settings),
                        # 2, not 1: at 1 APScheduler warns of every run that falls due while one
                        # is going; `_run` skips those itself, and keeps a nudge for afterwards.
                        max_instances=2,
                        coalesce=True,
                        misfire_grace_time=None,  # a late run still runs (APScheduler: skip + warn after 1 s)
                        next_run_time=first_run(job, self.settings, self._records()),
                    )
            elif not held and self.leading:
                log.warning("scheduler %s lost the lease; standing by", self.owner)
                for job in enabled_jobs(self.settings):
                    if self.scheduler.get_job(job):
                        self.scheduler.remove_job(job)
            self.leading = held

    def _run(self, job: str) -> None:
        """Run `job`, never two at once: a run due while one is going is skipped (the next, an
        interval later, does its work), and a nudge meanwhile makes the going one run once more
        when it ends. The running mark is cleared under the same lock that checks for a nudge,
        so a nudge is never left between the two."""
        with self._runs:
            if job in self._running:
                log.debug("job %s is still running; this run is skipped", job)
                return
            self._running.add(job)
        try:
            while True:
                self._run_once(job)
                with self._runs:
                    if job not in self._asked_again:
                        self._running.discard(job)
                        return
                    self._asked_again.discard(job)
        except BaseException:
            with self._runs:
                self._running.discard(job)
            raise

    def _run_once(self, job: str) -> None:
        scheduled = self.scheduler.get_job(job)
        next_run = scheduled.next_run_time if scheduled else None
        outcome = execute_job(job, self.settings)  # outside the lock: renewals go on meanwhile
        with self._lock:
            try:
                record_run(self._records(), job, self.owner, outcome, next_run)
            except self.errors as e:  # e.g. a full disk: the run happened, its record did not
                log.warning("could not record the %s run (%s)", job, e)

    def nudge(self, job: str = "catch_up") -> None:
        """Run a job now (e.g. catch-up right after a write), if this process leads; if it is
        running, once more as soon as it ends, so what the nudge is about is not left for later."""
        scheduled = self.scheduler.get_job(job) if self.leading else None
        if scheduled is None:
            return
        with self._runs:
            if job in self._running:
                self._asked_again.add(job)
                return
        scheduled.modify(next_run_time=datetime.now(UTC))

    def status(self) -> list[JobStatus]:
        with self._lock:
            return job_statuses(self._records(), enabled_jobs(self.settings))

    def describe(self) -> dict[str, object]:
        return {"owner": self.owner, "leading": self.leading, "lease_holder": self.lease.holder()}
