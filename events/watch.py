"""Watching the log head: one watcher per process tells it when events were appended.

The watcher is the only backend-specific part of live updates. On SQLite it asks `PRAGMA
data_version` on a connection of its own (a few microseconds; the number moves with every
commit made by any other connection, in this process or another), and reads the head only
when that moved. On PostgreSQL, `events.postgres.watch` implements it with `LISTEN`/`NOTIFY`.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Protocol

from events.backends import is_postgres
from events.sqlite import connect


class HeadWatcher(Protocol):
    """Yields the log's head position each time it moves past the last one yielded."""

    def heads(self, after: int) -> AsyncIterator[int]:
        """New head positions greater than `after`, as the log grows (runs until closed)."""
        ...

    def poke(self) -> None:
        """This process committed something: look now rather than at the next poll."""
        ...

    def close(self) -> None: ...


class SqliteHeadWatcher:
    """Polls `PRAGMA data_version` every `interval` seconds, or at once when poked."""

    def __init__(self, path: str | Path, *, interval: float = 0.02) -> None:
        self.path = path
        self.interval = interval
        self._conn: sqlite3.Connection | None = None
        self._poked = asyncio.Event()

    def poke(self) -> None:
        self._poked.set()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def head(self) -> int:
        conn = self._connection()
        row = conn.execute("SELECT max(position) FROM events").fetchone()
        return row[0] or 0

    async def heads(self, after: int) -> AsyncIterator[int]:
        conn = self._connection()
        seen_version = -1
        last = after
        while True:
            version = conn.execute("PRAGMA data_version").fetchone()[0]
            # A commit through this same connection would not move data_version; this one
            # never writes, and a poke always re-reads, so no commit is missed.
            if version != seen_version or self._poked.is_set():
                self._poked.clear()
                seen_version = version
                head = self.head()
                if head > last:
                    last = head
                    yield head
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._poked.wait(), self.interval)

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = connect(self.path, create=False, synchronous="NORMAL")
        return self._conn


def head_watcher(db: str | Path) -> HeadWatcher:
    """The watcher for the backend `db` names."""
    if is_postgres(db):
        from events.postgres.watch import PgHeadWatcher

        return PgHeadWatcher(str(db))
    return SqliteHeadWatcher(db)
