"""Reading the log for projections: pages of events, decoded as far as each use needs.

`EventStore.read_all` builds a full `RecordedEvent` per row (UUID, parsed datetime, hashes,
a validated event), which costs several times the read itself; a replay of millions of
events needs the position, id, transaction time and a few fields. This module reads those
columns and decodes lazily: `brief` (the fields projections place and classify events by,
an order of magnitude cheaper: stored events were validated when appended) for every event,
the full `event` (the store's decoder and upcasting) only where a projection needs it, as
for corrections. It reads nothing else of the log.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

import msgspec

from events.types import MILESTONE_TYPES, TYPES_BY_TAG, Event, decode_event, encode_event
from events.upcasting import upcast

_COLUMNS = "position, event_id, type, schema_version, recorded_at, payload"
_SELECT = f"SELECT {_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?"
_CURRENT = {tag: cls.SCHEMA_VERSION for tag, cls in TYPES_BY_TAG.items()}
MILESTONE_TAGS = frozenset(cls.__struct_config__.tag for cls in MILESTONE_TYPES)
CORRECTED, RETRACTED = "milestone_corrected", "milestone_retracted"


class Brief(msgspec.Struct, frozen=True):
    """What projections read of most events: where and when, and what it is evidence of."""

    occurred: str | None = None
    regions: tuple[str, ...] = ()
    participants: tuple[str, ...] = ()
    issuers: tuple[str, ...] = ()
    programmes: tuple[str, ...] = ()
    status: str = "designated"  # `PilotDesignated.status` (and its default)
    sources: msgspec.Raw = msgspec.Raw(b"[]")


_decode_brief = msgspec.json.Decoder(Brief).decode
_encode = msgspec.json.Encoder().encode


def brief_of(event: Event) -> Brief:
    """The brief of an event already decoded (a corrected milestone, say)."""
    return Brief(
        occurred=getattr(event, "occurred", None),
        regions=getattr(event, "regions", ()),
        participants=getattr(event, "participants", ()),
        issuers=getattr(event, "issuers", ()),
        programmes=getattr(event, "programmes", ()),
        status=getattr(event, "status", "designated"),
        sources=msgspec.Raw(_encode(event.sources)),
    )


class LogEvent:
    """An event as projections see it; `payload` is its JSON in the current schema."""

    __slots__ = ("_brief", "_event", "event_id", "payload", "position", "recorded_at", "type")

    def __init__(
        self,
        position: int,
        event_id: str,
        type_: str,
        recorded_at: str,
        payload: str,
        event: Event | None = None,
    ) -> None:
        self.position = position
        self.event_id = event_id
        self.type = type_
        self.recorded_at = recorded_at
        self.payload = payload
        self._event = event
        self._brief: Brief | None = None

    @property
    def event(self) -> Event:
        """The event, decoded and validated like the store does."""
        if self._event is None:
            self._event = decode_event(self.payload)
        return self._event

    @property
    def brief(self) -> Brief:
        if self._brief is None:
            self._brief = _decode_brief(self.payload)
        return self._brief


def read_batch(conn: sqlite3.Connection, after: int, limit: int) -> list[LogEvent]:
    """Up to `limit` events with position > `after`, in log order."""
    return [_decoded(row) for row in conn.execute(_SELECT, [after, limit])]


def read_by_ids(conn: sqlite3.Connection, event_ids: Iterable[str]) -> dict[str, LogEvent]:
    """The events with the given ids (ids not in the log are left out)."""
    rows = _select_in(conn, "event_id", list(dict.fromkeys(event_ids)))
    return {row[1]: _decoded(row) for row in rows}


def read_payloads(conn: sqlite3.Connection, positions: list[int]) -> dict[int, tuple[str, str, str]]:
    """(event id, recorded_at, payload in the current schema) of the events at `positions`."""
    found = {}
    for row in _select_in(conn, "position", positions):
        payload = row[5] if row[3] == _CURRENT[row[2]] else _decoded(row).payload
        found[row[0]] = (row[1], row[4], payload)
    return found


def head_position(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT max(position) FROM events").fetchone()
    return row[0] or 0


def _decoded(row: tuple[int, str, str, int, str, str]) -> LogEvent:
    position, event_id, type_, schema_version, recorded_at, payload = row
    if schema_version == _CURRENT[type_]:
        return LogEvent(position, event_id, type_, recorded_at, payload)
    event = upcast(type_, schema_version, payload)
    return LogEvent(position, event_id, type_, recorded_at, encode_event(event).decode(), event)


def _select_in(conn: sqlite3.Connection, column: str, keys: list) -> list[tuple]:
    rows: list[tuple] = []
    for start in range(0, len(keys), 500):
        part = keys[start : start + 500]
        marks = ",".join("?" * len(part))
        rows += conn.execute(f"SELECT {_COLUMNS} FROM events WHERE {column} IN ({marks})", part)
    return rows
