"""The scheduler lease on PostgreSQL: a session advisory lock, so exactly one node holds it.

The same surface as `timeline.lease.Lease` (acquire, release, holder), used by the scheduler
when `--db` is a PostgreSQL URL. The lock belongs to one connection (named after its owner
through `application_name`); if the holder dies, the server ends its session and frees the lock
at once, so the next `acquire` elsewhere takes over with no expiry to wait out. A holder whose
connection was lost (a server restart, a network cut) lost the lock with it: `acquire` finds
out with a query, reconnects and campaigns again rather than believe it still holds it.
"""

from __future__ import annotations

import logging
import threading

import psycopg

from events.backends import redact

# A fixed 64-bit key: "timeline scheduler" in the server's one advisory lock space per database.
LOCK_KEY = 0x7469_6D65_6C69_6E65

log = logging.getLogger("timeline.scheduler")


class PgLease:
    def __init__(self, url: str, owner: str, ttl: float = 30.0) -> None:
        self.url = url
        self.owner = owner
        self.ttl = ttl
        self._held = False
        self._mutex = threading.Lock()  # the campaign and `/health` share the connection
        self.conn = self._connect()

    def _connect(self) -> psycopg.Connection:
        # Keepalives, both ways, about `ttl`: a holder whose machine vanishes without closing
        # its socket is dropped by the server (freeing the lock), and a holder's query on a dead
        # link fails instead of hanging for the kernel's minutes.
        idle = max(1, int(self.ttl / 3))
        return psycopg.connect(
            self.url,
            autocommit=True,
            application_name=self.owner[:63],
            connect_timeout=max(2, int(self.ttl)),
            keepalives=1,
            keepalives_idle=idle,
            keepalives_interval=idle,
            keepalives_count=3,
            options=f"-c tcp_keepalives_idle={idle} -c tcp_keepalives_interval={idle} "
            "-c tcp_keepalives_count=3",
        )

    def _query(self, sql: str) -> tuple | None:
        """One query on the lease's connection; a lost connection (and with it the lock) is
        replaced by a new one, and the query runs there."""
        try:
            return self.conn.execute(sql, [LOCK_KEY]).fetchone()  # type: ignore[arg-type]
        except psycopg.OperationalError as e:
            if not self.conn.closed:
                raise
            if self._held:
                log.warning("the scheduler lease's connection was lost (%s): the lock went with it", e)
            self._held = False
            self.conn = self._connect()
            return self.conn.execute(sql, [LOCK_KEY]).fetchone()  # type: ignore[arg-type]

    def acquire(self) -> bool:
        """Take the lease if nobody holds it; renewing checks that our session (and so the lock)
        is still there."""
        with self._mutex:
            try:
                if self._held:
                    self._query("SELECT %s::bigint")  # the session lives: its lock is still ours
                if not self._held:
                    row = self._query("SELECT pg_try_advisory_lock(%s)")
                    self._held = bool(row and row[0])
            except psycopg.OperationalError as e:  # no server to reach: hold nothing
                log.warning("cannot reach %s for the scheduler lease (%s)", redact(self.url), e)
                self._held = False
            return self._held

    def release(self) -> None:
        with self._mutex:
            if self._held and not self.conn.closed:
                self.conn.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
            self._held = False

    def holder(self) -> str | None:
        """The owner named by the session holding the lock, if any."""
        with self._mutex:
            row = self._query(
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.granted AND l.database = "
                "(SELECT oid FROM pg_database WHERE datname = current_database()) "
                "AND (l.classid::bigint << 32 | l.objid::bigint) = %s"
            )
        return row[0] if row else None

    def close(self) -> None:
        self.conn.close()
