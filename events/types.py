"""Event types: frozen msgspec Structs in one tagged union.

Every tag is permanent: stored rows are decoded by it, so a class may be renamed but its tag
never changes. New fields get defaults; a type never changes (see `events.upcasting` for the
rare case where it must).
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal
from uuid import UUID

import msgspec
from msgspec import Meta

from events.dates import parse_edtf
from events.errors import InvalidDate

# Free text: no NUL or other control characters except tab, CR and LF.
_TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
Line = Annotated[str, Meta(min_length=1, max_length=300, pattern=_TEXT)]
Paragraph = Annotated[str, Meta(min_length=1, max_length=4000, pattern=_TEXT)]
RegionCode = Annotated[str, Meta(pattern=r"^\d{6}$", description="GB/T 2260 division code")]
Slug = Annotated[str, Meta(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80)]
EdtfText = Annotated[str, Meta(min_length=1, max_length=64, description="EDTF date")]


class Text(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A short text in Chinese and English."""

    zh: Line
    en: Line


class LongText(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A paragraph in Chinese and English."""

    zh: Paragraph
    en: Paragraph


class SourceRef(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Where a fact comes from: a source document id and a place in it."""

    document: Slug
    locator: Line | None = None


Sources = Annotated[tuple[SourceRef, ...], Meta(min_length=1, max_length=20)]
Confidence = Literal["high", "medium", "low"]


def _check_edtf(field: str, value: str) -> None:
    # msgspec turns a ValueError from __post_init__ into a ValidationError; name the field.
    try:
        parse_edtf(value)
    except InvalidDate as e:
        raise ValueError(f"`{field}`: {e}") from None


class EventBase(msgspec.Struct, frozen=True, kw_only=True, tag_field="type"):
    SCHEMA_VERSION: ClassVar[int] = 1

    sources: Sources


class Milestone(EventBase, frozen=True, kw_only=True):
    """Something that happened in a region, at a (possibly fuzzy) date."""

    occurred: EdtfText
    regions: Annotated[tuple[RegionCode, ...], Meta(min_length=1, max_length=50)]
    programmes: Annotated[tuple[Slug, ...], Meta(max_length=20)] = ()
    title: Text
    summary: LongText
    confidence: Confidence = "high"
    note: LongText | None = None

    def __post_init__(self) -> None:
        _check_edtf("occurred", self.occurred)


class _NeedsProgramme:
    """Mixin check for events that only make sense within a programme."""

    programmes: tuple[str, ...]

    def _require_programme(self) -> None:
        if not self.programmes:
            raise ValueError("`programmes`: this event type needs at least one programme")


class MeetingHeld(Milestone, frozen=True, kw_only=True, tag="meeting_held"):
    """A meeting, conference or on-site review took place."""

    convened_by: Text | None = None
    venue: Text | None = None


class PilotDesignated(_NeedsProgramme, Milestone, frozen=True, kw_only=True, tag="pilot_designated"):
    """A region was designated a pilot, demonstration site or model of a programme."""

    status: Slug = "designated"
    designated_by: Text | None = None
    designation: Text | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        self._require_programme()


class DesignationEnded(_NeedsProgramme, Milestone, frozen=True, kw_only=True, tag="designation_ended"):
    """A region's designation in a programme came to an end."""

    reason: Literal["completed", "revoked", "expired"]

    def __post_init__(self) -> None:
        super().__post_init__()
        self._require_programme()


class IncentiveAwarded(Milestone, frozen=True, kw_only=True, tag="incentive_awarded"):
    """A region received a monetary incentive or reward."""

    amount_cny: Annotated[int, Meta(ge=0, le=10**13)]
    awarding_body: Text


class RatingAwarded(Milestone, frozen=True, kw_only=True, tag="rating_awarded"):
    """A region's work was rated in an evaluation (e.g. "excellent") for a period."""

    grade: Slug
    rating: Text
    period: EdtfText
    rated_by: Text | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_edtf("period", self.period)


class InstitutionEstablished(Milestone, frozen=True, kw_only=True, tag="institution_established"):
    """A body, centre, group or alliance was set up."""

    institution: Text


class PolicyIssued(Milestone, frozen=True, kw_only=True, tag="policy_issued"):
    """A policy document was issued."""

    issuer: Text
    document_title: Text
    document_number: Line | None = None


class MetricReported(Milestone, frozen=True, kw_only=True, tag="metric_reported"):
    """A figure was reported for a period (a rate, a count, an amount)."""

    metric: Slug
    label: Text
    value: float
    unit: Annotated[str, Meta(max_length=40, pattern=_TEXT)]
    period: EdtfText

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_edtf("period", self.period)


class Amendment(EventBase, frozen=True, kw_only=True):
    """An event about another event: history is amended by new events, never rewritten."""

    reason: LongText


class MilestoneCorrected(Amendment, frozen=True, kw_only=True, tag="milestone_corrected"):
    """A milestone's fields were corrected; `changes` holds each field's new value."""

    corrects: UUID
    changes: Annotated[dict[str, Any], Meta(min_length=1, max_length=30)]


class MilestoneRetracted(Amendment, frozen=True, kw_only=True, tag="milestone_retracted"):
    """A milestone was withdrawn as wrong; it stays in the log but leaves the default views."""

    retracts: UUID


MILESTONE_TYPES: tuple[type[Milestone], ...] = (
    MeetingHeld,
    PilotDesignated,
    DesignationEnded,
    IncentiveAwarded,
    RatingAwarded,
    InstitutionEstablished,
    PolicyIssued,
    MetricReported,
)
AMENDMENT_TYPES: tuple[type[Amendment], ...] = (MilestoneCorrected, MilestoneRetracted)

Event = (
    MeetingHeld
    | PilotDesignated
    | DesignationEnded
    | IncentiveAwarded
    | RatingAwarded
    | InstitutionEstablished
    | PolicyIssued
    | MetricReported
    | MilestoneCorrected
    | MilestoneRetracted
)

TYPES_BY_TAG: dict[str, type[EventBase]] = {
    cls.__struct_config__.tag: cls  # type: ignore[misc]
    for cls in (*MILESTONE_TYPES, *AMENDMENT_TYPES)
}
EVENT_TYPES: tuple[str, ...] = tuple(TYPES_BY_TAG)

# Fields a correction may not touch: they identify what the milestone is.
UNCORRECTABLE = frozenset({"type"})


def tag_of(event: EventBase) -> str:
    return event.__struct_config__.tag  # type: ignore[return-value]


def occurred_of(event: EventBase) -> str | None:
    return event.occurred if isinstance(event, Milestone) else None


encode_event = msgspec.json.Encoder().encode
decode_event = msgspec.json.Decoder(Event).decode
