"""Watching the log head on PostgreSQL: `LISTEN` for the `NOTIFY` every append sends.

`PostgresEventStore` notifies channel `timeline_head` with the new head position inside the
append transaction; PostgreSQL delivers notifications only on commit, in commit order, to every
listening session on any node. So a node learns of another node's write at once, without
polling; a slow poll (`interval`) re-reads the head as a safety net for a dropped connection.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import psycopg

CHANNEL = "timeline_head"


class PgHeadWatcher:
    """The `events.watch.HeadWatcher` protocol over one listening connection."""

    def __init__(self, url: str, *, interval: float = 5.0) -> None:
        self.url = url
        self.interval = interval
        self._conn: psycopg.AsyncConnection | None = None
        self._poked = asyncio.Event()

    def poke(self) -> None:
        # This process's own commits are notified like any other; a poke only cuts the wait.
        self._poked.set()

    def close(self) -> None:
        if self._conn is not None and not self._conn.closed:
            # The async connection closes with the loop; drop the socket now.
            self._conn.pgconn.finish()
        self._conn = None

    async def heads(self, after: int) -> AsyncIterator[int]:
        conn = await psycopg.AsyncConnection.connect(self.url, autocommit=True)
        self._conn = conn
        try:
            await conn.execute(f"LISTEN {CHANNEL}")  # type: ignore[arg-type]
            last = after
            while True:
                head = await _head(conn)  # after LISTEN: nothing committed since is missed
                if head > last:
                    last = head
                    yield head
                async for notify in conn.notifies(timeout=self.interval):
                    position = int(notify.payload)
                    if position > last:
                        last = position
                        yield position
                    if self._poked.is_set():
                        break
                self._poked.clear()
        finally:
            await conn.close()
            self._conn = None


async def _head(conn: psycopg.AsyncConnection) -> int:
    cursor = await conn.execute("SELECT coalesce(max(position), 0) FROM events")
    row = await cursor.fetchone()
    return int(row[0]) if row else 0
