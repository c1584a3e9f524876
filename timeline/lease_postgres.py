"""The scheduler lease on PostgreSQL: a session advisory lock, so exactly one node holds it.

The same surface as `timeline.lease.Lease` (acquire, release, holder). The lock belongs to one
connection (named after its owner through `application_name`); if the holder dies, the server
ends its session and frees the lock at once, so the next `acquire` elsewhere takes over with no
expiry to wait out. Not wired into the scheduler yet: that still runs on SQLite.
"""

from __future__ import annotations

import psycopg

# A fixed 64-bit key: "timeline scheduler" in the server's one advisory lock space per database.
LOCK_KEY = 0x7469_6D65_6C69_6E65


class PgLease:
    def __init__(self, url: str, owner: str) -> None:
        self.owner = owner
        self.conn = psycopg.connect(url, autocommit=True, application_name=owner[:63])
        self._held = False

    def acquire(self) -> bool:
        """Take the lease if nobody holds it (renewing is free: a held lock stays held)."""
        if not self._held:
            row = self.conn.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY]).fetchone()
            self._held = bool(row and row[0])
        return self._held

    def release(self) -> None:
        if self._held:
            self.conn.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
            self._held = False

    def holder(self) -> str | None:
        """The owner named by the session holding the lock, if any."""
        row = self.conn.execute(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND (l.classid::bigint << 32 | l.objid::bigint) = %s",
            [LOCK_KEY],
        ).fetchone()
        return row[0] if row else None

    def close(self) -> None:
        self.conn.close()
