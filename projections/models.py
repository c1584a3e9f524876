"""What the read side answers with: msgspec Structs the API returns as JSON unchanged.

Plain data that never forms reference cycles, so the types opt out of the cycle collector
(`gc=False`): a page of answers then adds nothing for it to walk.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from typing import Any, Literal

import msgspec

from events.dates import FuzzyDate, parse_edtf
from events.types import LongText, Text

Certainty = Literal["yes", "no", "uncertain"]


class Source(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A cited source document and the place in it."""

    document: str
    locator: str | None = None
    quote: str | None = None  # the located sentence, where the document's text is archived


class DateValue(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A fuzzy date as written (EDTF) with the interval of days it may denote (None = open)."""

    edtf: str
    precision: str
    earliest: date | None
    latest: date | None


@lru_cache(maxsize=65536)
def date_value(edtf: str) -> DateValue:
    """The DateValue of an EDTF string (shared: DateValues are immutable)."""
    parsed: FuzzyDate = parse_edtf(edtf)
    return DateValue(edtf=edtf, precision=parsed.precision, earliest=parsed.earliest, latest=parsed.latest)


class Window(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """The days within which an uncertain change happened (None = open)."""

    earliest: date | None
    latest: date | None


class Basis(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """The log position an answer reflects, and the question's valid and transaction time."""

    position: int
    as_of: str | None = None
    known_at: int | None = None
    # The Merkle tree the answer rests on (the first `tree_size` events): check it against a
    # signed head with `GET /log/proof/consistency`. Filled in by the API.
    tree_size: int | None = None
    root: str | None = None


class Correction(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A correction applied to an entry: which fields it changed, when and why."""

    event_id: str
    position: int
    recorded_at: datetime
    reason: LongText
    fields: list[str]


class Retraction(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    event_id: str
    position: int
    recorded_at: datetime
    reason: LongText


class TimelineEntry(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One milestone as currently known (or as known at `known_at`), corrections applied."""

    event_id: str
    position: int
    type: str
    occurred: DateValue
    regions: list[str]  # subjects
    participants: list[str] = []
    issuers: list[str] = []
    programmes: list[str]
    title: Text
    summary: LongText
    sources: list[Source]
    confidence: str
    note: LongText | None
    details: dict[str, Any]
    corrected: bool
    corrections: list[Correction]
    retracted: bool
    retraction: Retraction | None
    recorded_at: datetime
    last_modified: datetime
    sequence: int


class TimelinePage(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    region: str
    entries: list[TimelineEntry]
    next_cursor: str | None
    basis: Basis


class Evidence(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """An event a status rests on: the milestone itself, or a correction to it."""

    event_id: str
    type: str
    occurred: str | None
    sources: list[Source]


class HeldStatus(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One status holding for a region in a programme on a date (several may coexist: a
    designation, a plan, a rating...).

    `certainty` is "uncertain" when the fact has a fuzzy date straddling the day asked
    about: it happened (or may have happened) within `window`.
    """

    status: str
    certainty: Certainty
    since: DateValue | None = None
    window: Window | None = None
    evidence: list[Evidence] = []
    inherited_from: str | None = None


class ProgrammeStatus(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A region's status in one programme on a date: the headline (the strongest holding
    status by the programme's `rank`) and, in `statuses`, every status holding, strongest
    first.

    `certainty` is "uncertain" when the change to `status` has a fuzzy date straddling the
    day asked about: it happened (or may have happened) within `window`.
    """

    programme: str
    status: str | None
    certainty: Certainty
    since: DateValue | None = None
    window: Window | None = None
    evidence: list[Evidence] = []
    inherited_from: str | None = None
    statuses: list[HeldStatus] = []


class StatusReport(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    region: str
    as_of: date
    programmes: list[ProgrammeStatus]
    basis: Basis


class MemberRow(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    code: str
    name: Text
    status: str
    certainty: Certainty
    since: DateValue | None = None
    window: Window | None = None
    evidence: list[Evidence] = []
    inherited_from: str | None = None
    # Every status holding, strongest first; the row's own fields show the headline, or the
    # status asked for with `status=`.
    statuses: list[HeldStatus] = []


class MembersReport(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    programme: str
    as_of: date
    status: str | None
    within: str | None
    members: list[MemberRow]
    basis: Basis


class ProjectionState(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A projection as stored: its version, last applied position, and distance to the head."""

    name: str
    version: int
    checkpoint: int
    lag: int
