"""Moving a log between databases: JSON Lines with every column, verified row by row on import.

The file is a header line, then one line per event holding the row exactly as stored (payload
and source as the JSON text that was hashed), so the importing database gets the same positions,
times and hashes, whichever backend wrote the file and whichever reads it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import IO, Literal

import msgspec

from events.envelope import GENESIS_HASH, canonical_bytes, chain_hash
from events.errors import ChainBroken, TimelineError
from events.sqlite import COLUMNS
from events.store import EventStore
from events.types import TYPES_BY_TAG, Event, decode_event
from events.upcasting import upcast

FORMAT = "reform-timeline-log"


class Header(msgspec.Struct, frozen=True, kw_only=True):
    """The first line: what the file claims to hold, checked after the last row."""

    format: Literal["reform-timeline-log"] = FORMAT
    version: Literal[1] = 1
    events: int
    head_hash: str


class Row(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One event as the log stores it (every column of the `events` table)."""

    position: int
    event_id: str
    stream: str
    version: int
    type: str
    schema_version: int
    occurred: str | None
    recorded_at: str
    payload: str
    source: str
    prev_hash: str
    hash: str

    def values(self) -> tuple:
        return tuple(getattr(self, name) for name in self.__struct_fields__)


class ImportRefused(TimelineError):
    """The target is not empty or the file is not a log export; nothing was written."""


class Moved(msgspec.Struct, frozen=True, kw_only=True):
    events: int
    head_hash: str


_encoder = msgspec.json.Encoder()
_decode_header = msgspec.json.Decoder(Header).decode
_decode_row = msgspec.json.Decoder(Row).decode


def export_log(store: EventStore, out: IO[bytes]) -> Moved:
    """Write the whole log to `out`; the header names the head it was taken at."""
    head = store.head()
    out.write(_encoder.encode(Header(events=head.position, head_hash=head.hash)) + b"\n")
    after = 0
    while after < head.position:
        rows = store.recorded_rows(after, head.position)
        for values in rows:
            out.write(_encoder.encode(Row(**dict(zip(_FIELDS, values, strict=True)))) + b"\n")
        after = rows[-1][0]
    return Moved(events=head.position, head_hash=head.hash)


def import_log(store: EventStore, path: str | Path, *, chunk: int = 5000) -> Moved:
    """Replay an export into an empty log in one transaction, checking every row's position,
    link and hash before it is written; raises ChainBroken naming the first bad row (and
    nothing is written)."""
    if store.head().position != 0:
        raise ImportRefused("the target log is not empty: import only into a freshly initialised database")
    with open(path, "rb") as f:
        header = _header(f.readline())
        checked = _Checked(header)
        store.append_recorded(checked.parts(_parts(f, chunk)))
    return Moved(events=checked.position, head_hash=checked.prev_hash)


class _Checked:
    """Passes rows on only once their position, link and hash are right."""

    def __init__(self, header: Header) -> None:
        self.header = header
        self.prev_hash, self.position = GENESIS_HASH, 0

    def parts(self, parts: Iterator[list[Row]]) -> Iterator[tuple[list[tuple], list[Event]]]:
        for part in parts:
            for row in part:
                self.position += 1
                position = self.position
                if row.position != position:
                    raise ChainBroken(position, f"the file's row {position} has position {row.position}")
                if row.prev_hash != self.prev_hash:
                    raise ChainBroken(position, "prev_hash does not match the previous row's hash")
                if chain_hash(self.prev_hash, canonical_bytes(*row.values()[:10])) != row.hash:
                    raise ChainBroken(position, "the row's content does not match its hash")
                self.prev_hash = row.hash
            yield [row.values() for row in part], [_event(row) for row in part]
        # Checked before the transaction commits: a cut-off file writes nothing.
        if (self.position, self.prev_hash) != (self.header.events, self.header.head_hash):
            raise ChainBroken(
                self.position + 1,
                f"the file ends at position {self.position}, its header says {self.header.events} "
                f"ending with hash {self.header.head_hash[:16]}…",
            )


_FIELDS = tuple(name.strip() for name in COLUMNS.split(","))
assert Row.__struct_fields__ == _FIELDS


def _header(line: bytes) -> Header:
    try:
        return _decode_header(line)
    except msgspec.ValidationError as e:
        raise ImportRefused(f"not a {FORMAT} export ({e})") from None


def _parts(f: IO[bytes], size: int) -> Iterator[list[Row]]:
    part: list[Row] = []
    for number, line in enumerate(f, start=2):
        if not line.strip():
            continue
        try:
            part.append(_decode_row(line))
        except msgspec.ValidationError as e:
            raise ImportRefused(f"line {number}: {e}") from None
        if len(part) == size:
            yield part
            part = []
    if part:
        yield part


def _event(row: Row) -> Event:
    """The event a row holds, for the catalogue tables (upcast like a read)."""
    if row.schema_version == TYPES_BY_TAG[row.type].SCHEMA_VERSION:
        return decode_event(row.payload)
    return upcast(row.type, row.schema_version, row.payload)
