"""APScheduler running the periodic jobs, in exactly one process per database.

Each process that may schedule starts a `TimelineScheduler`; it campaigns for the lease every
`lease_seconds / 3`. The holder adds the jobs and runs them; the others stand by with only the
campaign, and take over when the holder's lease runs out.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler

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
from timeline.lease import Lease, new_owner_id
from timeline.settings import Settings

log = logging.getLogger("timeline.scheduler")


class TimelineScheduler:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.owner = new_owner_id()
        self.conn = connect(settings.db, synchronous=settings.synchronous)
        self.lease = Lease(self.conn, self.owner, settings.lease_seconds)
        self.leading = False
        self._lock = threading.Lock()
        self.scheduler = BackgroundScheduler(timezone=UTC)

    def start(self) -> None:
        self.scheduler.add_job(
            self._campaign,
            "interval",
            seconds=self.settings.lease_seconds / 3,
            id="lease",
            next_run_time=datetime.now(UTC),
            replace_existing=True,
            max_instances=1,
        )
        self.scheduler.start()

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        with self._lock:
            try:
                if self.leading:
                    self.lease.release()
            except sqlite3.Error as e:  # e.g. a full disk: the lease simply runs out
                log.warning(
                    "could not release the job lease on shutdown (%s); another process takes "
                    "over when it expires, within %.0f s",
                    e,
                    self.settings.lease_seconds,
                )
            self.leading = False
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
                        max_instances=1,
                        coalesce=True,
                        next_run_time=first_run(job, self.settings, self.conn),
                    )
            elif not held and self.leading:
                log.warning("scheduler %s lost the lease; standing by", self.owner)
                for job in enabled_jobs(self.settings):
                    if self.scheduler.get_job(job):
                        self.scheduler.remove_job(job)
            self.leading = held

    def _run(self, job: str) -> None:
        scheduled = self.scheduler.get_job(job)
        next_run = scheduled.next_run_time if scheduled else None
        outcome = execute_job(job, self.settings)  # outside the lock: renewals go on meanwhile
        with self._lock:
            try:
                record_run(self.conn, job, self.owner, outcome, next_run)
            except sqlite3.Error as e:  # e.g. a full disk: the run happened, its record did not
                log.warning("could not record the %s run (%s)", job, e)

    def nudge(self, job: str = "catch_up") -> None:
        """Run a job now (e.g. catch-up right after a write), if this process leads."""
        scheduled = self.scheduler.get_job(job) if self.leading else None
        if scheduled is not None:
            scheduled.modify(next_run_time=datetime.now(UTC))

    def status(self) -> list[JobStatus]:
        with self._lock:
            return job_statuses(self.conn, enabled_jobs(self.settings))

    def describe(self) -> dict[str, object]:
        return {"owner": self.owner, "leading": self.leading, "lease_holder": self.lease.holder()}
