"""A lease in the database so that exactly one process runs the scheduled jobs.

Every process that may schedule (each API worker, or a `timeline scheduler` process) campaigns
for the lease; the holder renews it well before it expires. If the holder dies, the lease runs
out and another process takes over. On PostgreSQL the lease is an advisory lock instead
(`timeline.lease_postgres.PgLease`, same surface); `open_lease` picks the one `settings.db` needs.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import time
import uuid
from typing import Any, Protocol

from events.backends import is_postgres
from timeline.settings import Settings

SCHEMA = """
CREATE TABLE IF NOT EXISTS scheduler_lease (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    owner TEXT NOT NULL,
    expires_at REAL NOT NULL
)
"""


class SchedulerLease(Protocol):
    def acquire(self) -> bool: ...
    def release(self) -> None: ...
    def holder(self) -> str | None: ...
    def close(self) -> None: ...


def open_lease(settings: Settings, owner: str, conn: Any) -> SchedulerLease:
    """The lease for `settings.db`: a row beside the log on SQLite (through `conn`, a sqlite3
    connection to it), a session advisory lock on its own connection on PostgreSQL."""
    if is_postgres(settings.db):
        from timeline.lease_postgres import PgLease  # psycopg only where it is used

        return PgLease(str(settings.db), owner, settings.lease_seconds)
    return Lease(conn, owner, settings.lease_seconds)


def new_owner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Lease:
    def __init__(self, conn: sqlite3.Connection, owner: str, ttl: float) -> None:
        self.conn = conn
        self.owner = owner
        self.ttl = ttl
        conn.execute(SCHEMA)

    def acquire(self) -> bool:
        """Take or renew the lease if it is free, expired or already ours."""
        now = time.time()
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            row = self.conn.execute("SELECT owner, expires_at FROM scheduler_lease WHERE id = 1").fetchone()
            if row is not None and row[0] != self.owner and row[1] > now:
                self.conn.execute("ROLLBACK")
                return False
            self.conn.execute(
                "INSERT OR REPLACE INTO scheduler_lease (id, owner, expires_at) VALUES (1, ?, ?)",
                [self.owner, now + self.ttl],
            )
            self.conn.execute("COMMIT")
            return True
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise

    def release(self) -> None:
        self.conn.execute("DELETE FROM scheduler_lease WHERE id = 1 AND owner = ?", [self.owner])

    def holder(self) -> str | None:
        row = self.conn.execute("SELECT owner, expires_at FROM scheduler_lease WHERE id = 1").fetchone()
        return row[0] if row and row[1] > time.time() else None

    def close(self) -> None:
        """Nothing to do: the connection is the caller's."""
