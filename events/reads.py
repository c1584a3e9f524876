"""Reading the log: its head, events in order, by stream, type, id or time, as they are stored."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from datetime import datetime
from uuid import UUID

import msgspec

from events.envelope import GENESIS_HASH, Head, RecordedEvent
from events.errors import DamagedEvent, UnknownReference
from events.sqlite import COLUMNS
from events.times import format_time, parse_time
from events.types import TYPES_BY_TAG, decode_event
from events.upcasting import upcast

PAGE = 5000  # rows per query when reading in order


class LogReads:
    """The reading half of `events.store.EventStore` (a mixin: the store owns the connection)."""

    conn: sqlite3.Connection
    _lock: threading.RLock

    def head(self) -> Head:
        with self._lock:
            row = self.conn.execute(
                "SELECT position, hash, recorded_at FROM events ORDER BY position DESC LIMIT 1"
            ).fetchone()
        if row is None:
            return Head(position=0, hash=GENESIS_HASH, recorded_at=None)
        return Head(position=row[0], hash=row[1], recorded_at=parse_time(row[2]))

    def data_version(self) -> object:
        """A value that changes whenever another connection commits a write (cheap to ask: a
        reader re-reads what it caches only when this moved)."""
        with self._lock:
            return self.conn.execute("PRAGMA data_version").fetchone()[0]

    def read_all(self, after: int = 0, limit: int | None = None) -> Iterator[RecordedEvent]:
        """Events with position > `after`, in order, fetched in pages."""
        remaining = limit
        while remaining is None or remaining > 0:
            page = PAGE if remaining is None else min(PAGE, remaining)
            rows = self._select("WHERE position > ? ORDER BY position LIMIT ?", [after, page])
            if not rows:
                return
            for row in rows:
                yield recorded(row)
            after = rows[-1][0]
            if remaining is not None:
                remaining -= len(rows)
            if len(rows) < page:
                return

    def recorded_rows(self, after: int, upto: int) -> list[tuple]:
        """Rows as stored (every column, `after < position <= upto`, at most a page): exports."""
        return self._select(
            "WHERE position > ? AND position <= ? ORDER BY position LIMIT ?", [after, upto, PAGE]
        )

    def read_types(
        self, types: Sequence[str], *, after: int = 0, upto: int | None = None
    ) -> list[RecordedEvent]:
        """The events of the given types with `after < position <= upto`, in log order."""
        marks = ",".join("?" * len(types))
        upper = "" if upto is None else " AND position <= ?"
        where = f"WHERE position > ?{upper} AND type IN ({marks}) ORDER BY position"
        values = [after, *([] if upto is None else [upto]), *types]
        return [recorded(r) for r in self._select(where, values)]

    def read_stream(self, stream: str) -> list[RecordedEvent]:
        return [recorded(r) for r in self._select("WHERE stream = ? ORDER BY version", [stream])]

    def get(self, event_id: UUID | str) -> RecordedEvent:
        rows = self._select("WHERE event_id = ?", [str(event_id)])
        if not rows:
            raise UnknownReference("event", str(event_id))
        return recorded(rows[0])

    def position_at(self, moment: datetime) -> int:
        """The last position recorded at or before `moment` (0 if none): `known_at` as a time."""
        with self._lock:
            row = self.conn.execute(
                "SELECT max(position) FROM events WHERE recorded_at <= ?", [format_time(moment)]
            ).fetchone()
        return row[0] or 0

    def _select(self, where: str, params: list) -> list[tuple]:
        with self._lock:
            return self.conn.execute(f"SELECT {COLUMNS} FROM events {where}", params).fetchall()


def recorded(row: tuple) -> RecordedEvent:
    type_, schema_version, payload = row[4], row[5], row[8]
    try:
        if schema_version == TYPES_BY_TAG[type_].SCHEMA_VERSION:
            event = decode_event(payload)
        else:
            event = upcast(type_, schema_version, payload)
        return RecordedEvent(
            position=row[0],
            event_id=UUID(row[1]),
            stream=row[2],
            version=row[3],
            type=type_,
            schema_version=schema_version,
            occurred=row[6],
            recorded_at=parse_time(row[7]),
            event=event,
            prev_hash=row[10],
            hash=row[11],
        )
    except (msgspec.MsgspecError, KeyError, TypeError, ValueError) as e:
        # Only a row changed behind the log's back gets here: appends encode what they decode.
        raise DamagedEvent(row[0], str(e)[:200]) from e
