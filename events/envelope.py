"""The envelope around an event, and the canonical bytes its hash covers."""

from __future__ import annotations

import hashlib
from datetime import datetime
from uuid import UUID

import msgspec

from events.types import Event

GENESIS_HASH = "0" * 64


class NewEvent(msgspec.Struct, frozen=True, kw_only=True):
    """An event to append, with where it goes and what the writer expects to find there.

    `expected_version` is the stream's version right before this event as the writer saw it (0
    for a new stream); None appends whatever the version is. `event_id` may be fixed by the writer (seed
    loading derives it from the curated id) or is generated.
    """

    stream: str
    event: Event
    expected_version: int | None = None
    event_id: UUID | None = None


class RecordedEvent(msgspec.Struct, frozen=True, kw_only=True):
    """An event as the log holds it."""

    position: int
    event_id: UUID
    stream: str
    version: int
    type: str
    schema_version: int
    occurred: str | None
    recorded_at: datetime
    event: Event
    prev_hash: str
    hash: str


class AppendResult(msgspec.Struct, frozen=True, kw_only=True):
    """What an append wrote (or, for a retried idempotent append, had written)."""

    first_position: int
    last_position: int
    event_ids: list[str]
    replayed: bool = False  # True when an idempotency key matched an earlier append


class Head(msgspec.Struct, frozen=True, kw_only=True):
    position: int
    hash: str
    recorded_at: datetime | None


class Integrity(msgspec.Struct, frozen=True, kw_only=True):
    """What the last chain verification found. A recorded break holds all writes."""

    verified_position: int
    verified_at: datetime | None
    broken_position: int | None = None
    broken_reason: str | None = None
    broken_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.broken_position is None


_encode = msgspec.json.Encoder().encode


def canonical_bytes(
    position: int,
    event_id: str,
    stream: str,
    version: int,
    type_: str,
    schema_version: int,
    occurred: str | None,
    recorded_at: str,
    payload: str,
    source: str,
) -> bytes:
    """The bytes a row's hash covers: every column but the hashes, in a fixed order.

    A JSON header of the small columns (ending with the payload's length) followed by the
    payload itself: unambiguous, and the payload is hashed as stored rather than re-escaped.
    """
    body = payload.encode()
    header = _encode(
        [position, event_id, stream, version, type_, schema_version, occurred, recorded_at, source, len(body)]
    )
    return header + body


def chain_hash(prev_hash: str, canonical: bytes) -> str:
    """hash = SHA-256(prev_hash || canonical event bytes), hex."""
    return hashlib.sha256(prev_hash.encode("ascii") + canonical).hexdigest()
