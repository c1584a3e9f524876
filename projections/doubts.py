"""Doubt about a source document's own dates, applied to every milestone that rests on them.

A `source_dated` event says once that the dates a document prints within `printed` may stand
for `reading` instead. A milestone whose every source is that document, and whose printed
date lies within `printed`, then answers with a window spanning both readings (its date moved
to the earliest reading year, up to its printed date, and any uncertain correction inside),
so all of the document's milestones answer alike. A correction that gives a plain date (no
`?`, `~` or `%`) settles the question for its milestone. The log keeps the printed values:
the projections apply the doubt to the versions they show, from the doubt's position on.

Each projection keeps the doubts it has seen in a small table of its own, so a catch-up batch
knows the doubts logged before it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import date

import msgspec

from events.dates import parse_edtf
from events.dialect import replace_sql
from events.errors import InvalidDate
from events.types import Milestone, SourceDated
from projections.log import LogEvent

SOURCE_DATED = "source_dated"
TABLE = (
    "(position INTEGER PRIMARY KEY, event_id TEXT NOT NULL, recorded_at TEXT NOT NULL, payload TEXT NOT NULL)"
)
_QUALIFIERS = "?~%"


class _Cited(msgspec.Struct):
    document: str


_decode_cited = msgspec.json.Decoder(list[_Cited]).decode


class Doubt(msgspec.Struct, frozen=True):
    """A `source_dated` event as a projection applies it."""

    position: int
    event_id: str
    recorded_at: str
    event: SourceDated


class Doubts:
    """The doubts logged so far, by document, in log order."""

    def __init__(self, found: Sequence[Doubt] = ()) -> None:
        self.by_document: dict[str, list[Doubt]] = {}
        for doubt in found:
            self.add(doubt)

    def add(self, doubt: Doubt) -> None:
        self.by_document.setdefault(doubt.event.document, []).append(doubt)

    def __bool__(self) -> bool:
        return bool(self.by_document)

    def may_touch(self, sources: msgspec.Raw) -> bool:
        """Whether a milestone citing `sources` (its raw JSON list) rests on a doubted document
        alone: a cheap test before the milestone is decoded."""
        if not self.by_document:
            return False
        documents = {cited.document for cited in _decode_cited(sources)}
        return len(documents) == 1 and documents.pop() in self.by_document

    def before(self, document: str, position: int) -> list[Doubt]:
        """The doubts about `document` logged before `position`, in log order."""
        return [d for d in self.by_document.get(document, ()) if d.position < position]


def load(conn: sqlite3.Connection, table: str) -> Doubts:
    rows = conn.execute(f"SELECT position, event_id, recorded_at, payload FROM {table} ORDER BY position")
    return Doubts([_doubt(*row) for row in rows])


def _doubt(position: int, event_id: str, recorded_at: str, payload: str) -> Doubt:
    return Doubt(position, event_id, recorded_at, msgspec.json.decode(payload, type=SourceDated))


def record(conn: sqlite3.Connection, table: str, doubts: Doubts, logged: LogEvent) -> Doubt:
    """Keep the `source_dated` event `logged` in `table` and in `doubts`."""
    event = logged.event
    assert isinstance(event, SourceDated)
    doubt = Doubt(logged.position, logged.event_id, logged.recorded_at, event)
    conn.execute(
        replace_sql(table, ("position", "event_id", "recorded_at", "payload")),
        [doubt.position, doubt.event_id, doubt.recorded_at, msgspec.json.encode(event).decode()],
    )
    doubts.add(doubt)
    return doubt


def cited(conn: sqlite3.Connection, document: str, before: int) -> list[str]:
    """Ids of the events logged before `before` that cite `document` (a scan of the log, run
    once per `source_dated` event, which are rare)."""
    pattern = '%"document":' + msgspec.json.encode(document).decode() + "%"
    rows = conn.execute(
        "SELECT event_id FROM events WHERE position < ? AND payload LIKE ? ORDER BY position",
        [before, pattern],
    )
    return [row[0] for row in rows]


def doubts_of(documents: Sequence[str], doubts: Doubts, position: int) -> list[Doubt]:
    """The doubts a version made at `position` rests under: all its sources are one doubted
    document."""
    if not doubts or not documents or any(d != documents[0] for d in documents):
        return []
    return doubts.before(documents[0], position)


def widened(occurred: str, printed: str, doubt: SourceDated) -> str:
    """`occurred` (the current value; `printed` is the milestone as logged) as a window over
    both readings, or unchanged when the doubt does not touch it or a correction settled it."""
    if occurred != printed and not occurred.endswith(tuple(_QUALIFIERS)) and "/" not in occurred:
        return occurred  # a plain corrected date settles it
    try:
        shown, span = parse_edtf(printed), parse_edtf(doubt.printed)
    except InvalidDate:
        return occurred
    if shown.earliest is None or shown.latest is None or "/" in printed:
        return occurred
    assert span.earliest is not None and span.latest is not None
    if not (span.earliest <= shown.earliest and shown.latest <= span.latest):
        return occurred
    reading = parse_edtf(doubt.reading).earliest
    assert reading is not None
    bare = printed.rstrip(_QUALIFIERS)
    start = _shifted(bare, reading.year - shown.earliest.year)
    end = bare
    if occurred != printed:  # an uncertain correction: keep it inside the window
        current = parse_edtf(occurred)
        sides = occurred.split("/")
        if current.earliest is not None and current.earliest < _earliest(start):
            start = sides[0].rstrip(_QUALIFIERS)
        if current.latest is not None and current.latest > _latest(end):
            end = sides[-1].rstrip(_QUALIFIERS)
    return occurred if start == end else f"{start}/{end}"


def _shifted(bare: str, years: int) -> str:
    """A plain date `YYYY[-MM[-DD]]` moved by whole years (29 February becomes the 28th)."""
    year = int(bare[:4]) + years
    rest = bare[4:]
    if rest == "-02-29" and not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
        rest = "-02-28"
    return f"{year:04d}{rest}"


def _earliest(edtf: str) -> date:
    day = parse_edtf(edtf).earliest
    assert day is not None
    return day


def _latest(edtf: str) -> date:
    day = parse_edtf(edtf).latest
    assert day is not None
    return day


def apply(
    event: Milestone, printed: Milestone, doubts: Doubts, position: int
) -> tuple[Milestone, list[Doubt]]:
    """`event` (a version of the milestone `printed`, made at `position`) with the doubts it
    rests under applied in log order, and those doubts (none when they change nothing)."""
    found = doubts_of([s.document for s in event.sources], doubts, position)
    occurred = event.occurred
    for doubt in found:
        occurred = widened(occurred, printed.occurred, doubt.event)
    if occurred == event.occurred:
        return event, []
    return msgspec.structs.replace(event, occurred=occurred), found
