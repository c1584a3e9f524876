"""Response bodies of the catalogue, log and write routes (the views' own Structs come from
`projections.models` and are returned unchanged)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import msgspec

from events.reference import RegionKind, RegionLevel
from events.types import Event, LongText, SourceRef, Text
from projections.models import Basis, DateValue, ProjectionState


class RegionRef(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    name: Text
    kind: RegionKind
    url: str


class RegionLinks(msgspec.Struct, frozen=True, kw_only=True):
    """Where to read more about a region: its views and its calendar feed."""

    url: str
    timeline: str
    status: str
    feed: str  # https://HOST/feeds/regions/{code}.ics
    webcal: str  # the same feed for calendar apps: webcal://HOST/feeds/regions/{code}.ics


class RegionEntry(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """A region in the list; with `?tree=1`, nested under its parent in `children`."""

    code: str
    name: Text
    kind: RegionKind
    kind_en: str | None = None  # city, county, banner, autonomous county, …
    parent: str | None = None
    url: str
    children: list[RegionEntry] | None = None


class RegionList(msgspec.Struct, frozen=True, kw_only=True):
    regions: list[RegionEntry]
    next_cursor: str | None = None  # pass as `cursor` for the next page; None on the last
    basis: Basis


class RegionChange(msgspec.Struct, frozen=True, kw_only=True):
    """A region this one replaced, or one that replaced it, and when."""

    code: str
    name: Text
    kind: RegionKind
    url: str
    date: str | None  # EDTF: when the older code was retired


class RegionHistory(msgspec.Struct, frozen=True, kw_only=True):
    predecessors: list[RegionChange]  # codes this one replaced
    successors: list[RegionChange]  # the codes that replaced it, nearest first


class RegionDetail(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    name: Text
    kind: RegionKind
    kind_en: str | None = None
    level: RegionLevel
    pinyin: str | None = None
    point: tuple[float, float] | None = None  # (longitude, latitude)
    aliases: list[str]
    parent: RegionRef | None
    ancestors: list[RegionRef]
    children: list[RegionRef]
    valid_from: str | None = None
    valid_to: str | None = None
    successor: str | None = None
    history: RegionHistory
    note: LongText | None = None
    links: RegionLinks
    basis: Basis


class ProgrammeLinks(msgspec.Struct, frozen=True, kw_only=True):
    url: str
    regions: str  # the members on a day: /programmes/{slug}/regions?as_of=...
    feed: str
    webcal: str


class ProgrammeView(msgspec.Struct, frozen=True, kw_only=True):
    slug: str
    name: Text
    description: LongText
    statuses: list[str]
    level: str
    inherits_down: bool
    links: ProgrammeLinks


class ProgrammeList(msgspec.Struct, frozen=True, kw_only=True):
    programmes: list[ProgrammeView]
    basis: Basis


class ProgrammeDetail(ProgrammeView, frozen=True, kw_only=True):
    basis: Basis


class SourceView(msgspec.Struct, frozen=True, kw_only=True):
    """A source document's metadata (never its text)."""

    id: str
    title: Text
    publisher: Text
    published: DateValue
    kind: str
    url: str  # this API's resource
    document_url: str | None = None  # where the document itself is published
    locator_hint: str | None = None
    region: str | None = None  # the publishing region
    text_url: str | None = None  # the archived text's paragraphs, when a text is registered


class SourceList(msgspec.Struct, frozen=True, kw_only=True):
    sources: list[SourceView]
    basis: Basis


class Display(msgspec.Struct, frozen=True, kw_only=True):
    """Title and summary in the language asked for with `lang` (both stay in `title`/`summary`)."""

    lang: Literal["zh", "en"]
    title: str
    summary: str


class EventRecord(msgspec.Struct, frozen=True, kw_only=True):
    """An event as the log holds it."""

    position: int
    event_id: str
    stream: str
    version: int
    type: str
    schema_version: int
    occurred: DateValue | None
    recorded_at: datetime
    event: Event
    sources: list[SourceRef]
    hash: str
    prev_hash: str
    url: str


class EventPage(msgspec.Struct, frozen=True, kw_only=True):
    """Events after a position, in log order; follow `next` to keep reading (it stays valid
    when the page is empty: poll it later)."""

    events: list[EventRecord]
    after: int
    head: int
    next: str
    basis: Basis


class EventDetail(msgspec.Struct, frozen=True, kw_only=True):
    """One event with the corrections and retractions that amend it, in log order."""

    record: EventRecord
    amends: str | None = None  # for a correction or retraction: the event it amends
    amendments: list[EventRecord]
    retracted: bool
    basis: Basis


class WriteResult(msgspec.Struct, frozen=True, kw_only=True):
    """What a write appended. Pass `last_position` as `min_position` to read your own write."""

    first_position: int
    last_position: int
    positions: list[int]
    event_ids: list[str]
    urls: list[str]
    replayed: bool  # True when the Idempotency-Key matched an earlier, identical request


class SchedulerHealth(msgspec.Struct, frozen=True, kw_only=True):
    status: str  # "running" or "not running"
    detail: dict[str, Any] | None = None
    jobs: list[dict[str, Any]] = []


class Health(msgspec.Struct, frozen=True, kw_only=True):
    status: Literal["ok", "degraded"]
    head: int
    head_recorded_at: datetime | None
    projections: list[ProjectionState]
    scheduler: SchedulerHealth
    integrity: str  # "ok", or what the last verification found broken
    verified_position: int
    verified_at: datetime | None
    checked_at: datetime
