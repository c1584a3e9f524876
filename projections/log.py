"""Reading the log for projections: pages of events, decoded once for every projection.

`EventStore.read_all` builds a full `RecordedEvent` per row (UUID, parsed datetime, hashes),
which costs about as much again as decoding the payload; a replay of millions of events only
needs the position, id, transaction time and event. This module reads exactly those columns,
with the same decoder and upcasting as the store, and reads nothing else of the log.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

import msgspec

from events.types import TYPES_BY_TAG, Event, decode_event, encode_event
from events.upcasting import upcast

_SELECT = (
    "SELECT position, event_id, type, schema_version, recorded_at, payload FROM events "
    "WHERE position > ? ORDER BY position LIMIT ?"
)
_CURRENT = {tag: cls.SCHEMA_VERSION for tag, cls in TYPES_BY_TAG.items()}


class LogEvent(msgspec.Struct, frozen=True):
    """An event as projections see it; `payload` is its JSON in the current schema."""

    position: int
    event_id: str
    type: str
    recorded_at: str
    payload: str
    event: Event


def read_batch(conn: sqlite3.Connection, after: int, limit: int) -> list[LogEvent]:
    """Up to `limit` events with position > `after`, in log order."""
    out = []
    for position, event_id, type_, schema_version, recorded_at, payload in conn.execute(
        _SELECT, [after, limit]
    ):
        if schema_version == _CURRENT[type_]:
            event = decode_event(payload)
        else:
            event = upcast(type_, schema_version, payload)
            payload = encode_event(event).decode()
        out.append(LogEvent(position, event_id, type_, recorded_at, payload, event))
    return out


def head_position(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT max(position) FROM events").fetchone()
    return row[0] or 0


def positions_of(conn: sqlite3.Connection, event_ids: Iterable[str]) -> dict[str, int]:
    """Log positions of the given event ids (ids not in the log are left out)."""
    ids = list(dict.fromkeys(event_ids))
    found: dict[str, int] = {}
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        marks = ",".join("?" * len(part))
        found.update(
            conn.execute(
                f"SELECT event_id, position FROM events WHERE event_id IN ({marks})", part
            ).fetchall()
        )
    return found
