"""Event types: frozen msgspec Structs in one tagged union.

Every tag is permanent: stored rows are decoded by it, so a class may be renamed but its tag
never changes. New fields get defaults; a type never changes (see `events.upcasting` for the
rare case where it must).
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any, ClassVar, Literal
from uuid import UUID

import msgspec
from msgspec import Meta

from events.dates import check_edtf, parse_edtf
from events.fields import TEXT_PATTERN, EdtfText, Line, LongText, RegionCode, Slug, Text
from events.reference import Programme, Region, SourceDocument, entry_key


class SourceRef(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Where a fact comes from: a source document id and a place in it."""

    document: Slug
    locator: Line | None = None


Sources = Annotated[tuple[SourceRef, ...], Meta(min_length=1, max_length=20)]
Confidence = Literal["high", "medium", "low"]


class EventBase(msgspec.Struct, frozen=True, kw_only=True, tag_field="type"):
    SCHEMA_VERSION: ClassVar[int] = 1

    sources: Sources


RegionCodes = Annotated[tuple[RegionCode, ...], Meta(max_length=50)]


class Milestone(EventBase, frozen=True, kw_only=True):
    """Something that happened in a region, at a (possibly fuzzy) date.

    Each region has a role: `regions` are the subjects (what it is about, where it happened;
    only they get programme statuses), `participants` spoke, reported or attended, `issuers`
    issued or awarded it. Events stored before the roles existed read with none (the empty
    defaults are their upcasting).
    """

    occurred: EdtfText
    regions: Annotated[tuple[RegionCode, ...], Meta(min_length=1, max_length=50)]
    participants: RegionCodes = ()
    issuers: RegionCodes = ()
    programmes: Annotated[tuple[Slug, ...], Meta(max_length=20)] = ()
    title: Text
    summary: LongText
    confidence: Confidence = "high"
    note: LongText | None = None

    def __post_init__(self) -> None:
        check_edtf("occurred", self.occurred)


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
        check_edtf("period", self.period)


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
    unit: Annotated[str, Meta(max_length=40, pattern=TEXT_PATTERN)]
    period: EdtfText

    def __post_init__(self) -> None:
        super().__post_init__()
        check_edtf("period", self.period)


class TargetSet(Milestone, frozen=True, kw_only=True, tag="target_set"):
    """A target was set: a figure to reach by a deadline ("by 2025, 90% of ..."). A plan, not
    an achievement: it never sets a status and is never a `metric_reported`."""

    metric: Slug
    label: Text
    value: float
    unit: Annotated[str, Meta(max_length=40, pattern=TEXT_PATTERN)]
    deadline: EdtfText

    def __post_init__(self) -> None:
        super().__post_init__()
        check_edtf("deadline", self.deadline)


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


class CatalogueEvent(EventBase, frozen=True, kw_only=True):
    """A catalogue entry was defined; the latest definition of a key is the current entry.

    Catalogue changes are events so that the log's integrity covers every fact a page shows.
    They may cite sources (a gazetteer, a decree renaming a county) but need not.
    """

    KIND: ClassVar[str]  # "region", "programme" or "source": also the stream's prefix

    sources: Annotated[tuple[SourceRef, ...], Meta(max_length=20)] = ()

    @property
    def entry(self) -> Region | Programme | SourceDocument:
        raise NotImplementedError

    @property
    def key(self) -> str:
        """The entry's code, slug or id."""
        return entry_key(self.entry)

    @property
    def stream(self) -> str:
        """Every definition of one entry goes to one stream: `region-<code>`, `programme-<slug>`,
        `source-<id>`."""
        return f"{self.KIND}-{self.key}"


class RegionDefined(CatalogueEvent, frozen=True, kw_only=True, tag="region_defined"):
    """A region was added to the gazetteer, or its entry changed."""

    KIND: ClassVar[str] = "region"

    region: Region

    @property
    def entry(self) -> Region:
        return self.region


class ProgrammeDefined(CatalogueEvent, frozen=True, kw_only=True, tag="programme_defined"):
    """A programme was added to the catalogue, or its entry changed."""

    KIND: ClassVar[str] = "programme"

    programme: Programme

    @property
    def entry(self) -> Programme:
        return self.programme


Sha256Hex = Annotated[str, Meta(pattern=r"^[0-9a-f]{64}$", description="SHA-256, lower-case hex")]
DocumentText = Annotated[str, Meta(min_length=1, max_length=1_000_000, pattern=TEXT_PATTERN)]


class SourceRegistered(CatalogueEvent, frozen=True, kw_only=True, tag="source_registered"):
    """A source document was registered (or its metadata changed), optionally with its archived,
    normalised text. Without `text`, an earlier registration's text stays archived."""

    KIND: ClassVar[str] = "source"

    source: SourceDocument
    text_sha256: Sha256Hex | None = None
    text: DocumentText | None = None

    @property
    def entry(self) -> SourceDocument:
        return self.source

    def __post_init__(self) -> None:
        text, claimed = self.text, self.text_sha256
        if text is not None and claimed is not None and hashlib.sha256(text.encode()).hexdigest() != claimed:
            raise ValueError("`text_sha256`: is not the SHA-256 of `text` (UTF-8)")


class ReviewDecision(EventBase, frozen=True, kw_only=True):
    """A curator decided on a candidate milestone extracted from a source document.

    Decisions go to the stream `review-<source id>`, so a review is auditable and extraction
    never proposes a decided candidate again."""

    source: Slug
    candidate_id: Annotated[str, Meta(pattern=r"^c-[0-9a-f]{16}$")]

    @property
    def stream(self) -> str:
        return f"review-{self.source}"


class CandidateAccepted(ReviewDecision, frozen=True, kw_only=True, tag="candidate_accepted"):
    """A candidate was accepted (perhaps after editing) and recorded as the milestone `event_id`."""

    event_id: UUID


class CandidateRejected(ReviewDecision, frozen=True, kw_only=True, tag="candidate_rejected"):
    """A candidate was rejected, for the reason given."""

    reason: Line


class SourceDated(EventBase, frozen=True, kw_only=True, tag="source_dated"):
    """A source document's printed dates were put in doubt, once for all its milestones.

    Dates within `printed` that the document prints may stand for `reading` instead (a work
    plan printed "2022" that reads like a 2014-2015 text: printed "2022", reading "2014/2015").
    A milestone resting on the document alone, dated within `printed`, then answers with a
    window spanning both readings, unless a correction settles its date. `sources` cite the
    evidence; the printed values stay in the log as they were.
    """

    document: Slug
    printed: EdtfText
    reading: EdtfText
    reason: LongText

    def __post_init__(self) -> None:
        check_edtf("printed", self.printed)
        check_edtf("reading", self.reading)
        printed, reading = parse_edtf(self.printed), parse_edtf(self.reading)
        if None in (printed.earliest, printed.latest, reading.earliest):
            raise ValueError("`printed` and `reading` need known bounds (no `..`)")


TypeTag = Annotated[str, Meta(pattern=r"^[a-z][a-z_]{0,39}$", description="An event type's tag")]


class WebhookEvent(EventBase, frozen=True, kw_only=True):
    """An event about a webhook subscription (stream `webhook-<id>`): operational, it cites no
    source document. The subscription's secret never enters the log (see `events.webhooks`)."""

    subscription: Annotated[str, Meta(pattern=r"^wh_[0-9a-f]{32}$")]
    sources: Annotated[tuple[SourceRef, ...], Meta(max_length=0)] = ()


class WebhookSubscribed(WebhookEvent, frozen=True, kw_only=True, tag="webhook_subscribed"):
    """A token holder subscribed a URL to milestone changes (empty filters: every change)."""

    url: Annotated[str, Meta(min_length=8, max_length=2000, pattern=TEXT_PATTERN)]
    regions: Annotated[tuple[RegionCode, ...], Meta(max_length=100)] = ()
    programmes: Annotated[tuple[Slug, ...], Meta(max_length=100)] = ()
    types: Annotated[tuple[TypeTag, ...], Meta(max_length=20)] = ()
    lang: Literal["zh", "en"] = "zh"
    secret_sha256: Sha256Hex  # which secret signs its deliveries


class WebhookRemoved(WebhookEvent, frozen=True, kw_only=True, tag="webhook_removed"):
    """A token holder removed a subscription: nothing more is delivered to it."""


class WebhookDisabled(WebhookEvent, frozen=True, kw_only=True, tag="webhook_disabled"):
    """Deliveries to the subscription failed `failures` times in a row, so they stopped."""

    failures: int


MILESTONE_TYPES: tuple[type[Milestone], ...] = (
    MeetingHeld,
    PilotDesignated,
    DesignationEnded,
    IncentiveAwarded,
    RatingAwarded,
    InstitutionEstablished,
    PolicyIssued,
    MetricReported,
    TargetSet,
)
AMENDMENT_TYPES: tuple[type[Amendment], ...] = (MilestoneCorrected, MilestoneRetracted)
CATALOGUE_TYPES: tuple[type[CatalogueEvent], ...] = (RegionDefined, ProgrammeDefined, SourceRegistered)
REVIEW_TYPES: tuple[type[ReviewDecision], ...] = (CandidateAccepted, CandidateRejected)
WEBHOOK_TYPES: tuple[type[WebhookEvent], ...] = (WebhookSubscribed, WebhookRemoved, WebhookDisabled)

Event = (
    MeetingHeld
    | PilotDesignated
    | DesignationEnded
    | IncentiveAwarded
    | RatingAwarded
    | InstitutionEstablished
    | PolicyIssued
    | MetricReported
    | TargetSet
    | MilestoneCorrected
    | MilestoneRetracted
    | RegionDefined
    | ProgrammeDefined
    | SourceRegistered
    | CandidateAccepted
    | CandidateRejected
    | SourceDated
    | WebhookSubscribed
    | WebhookRemoved
    | WebhookDisabled
)

TYPES_BY_TAG: dict[str, type[EventBase]] = {
    cls.__struct_config__.tag: cls  # type: ignore[misc]
    for cls in (
        *MILESTONE_TYPES,
        *AMENDMENT_TYPES,
        *CATALOGUE_TYPES,
        *REVIEW_TYPES,
        SourceDated,
        *WEBHOOK_TYPES,
    )
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
