"""What the programme-status projection reads from a milestone: its facts, by pair."""

from __future__ import annotations

from typing import Any

import msgspec

from events.types import Milestone
from projections.base import placement
from projections.intervals import FIRST, LAST, iso
from projections.log import Brief

Pair = tuple[str, str]  # (region, programme)
# The milestone types that set a status, and the status (None: the milestone's own `status`).
STATUS_TAGS: dict[str, str | None] = {
    "pilot_designated": None,
    "rating_awarded": "rated",
    "incentive_awarded": "awarded",
    "designation_ended": "ended",
}
_encode = msgspec.json.Encoder().encode


def status_of(type_: str, brief: Brief) -> str | None:
    """The status a milestone sets in its programmes, if any."""
    if type_ not in STATUS_TAGS or not brief.programmes:
        return None
    return STATUS_TAGS[type_] or brief.status


class Tracked(msgspec.Struct):
    """The current version of a status-type milestone and the corrections applied to it.

    `event` is decoded only when the milestone is amended; `version` is the position of the
    event that made this version (the milestone, or its last correction)."""

    position: int
    event_id: str
    type: str
    retracted: bool
    brief: Brief
    corrections: list[Any]
    version: int
    event: Milestone | None = None


class NewFact(msgspec.Struct, frozen=True):
    """A fact about to be shown: where it sorts in its pair and what its row will say."""

    sort_key: int
    position: int
    earliest: int | None
    status: str
    valid_from: str
    certain_from: str
    since: str
    evidence_id: int
    evidence: str


def facts_of(tracked: Tracked) -> dict[Pair, NewFact]:
    """The facts a milestone version states, by (region, programme)."""
    brief = tracked.brief
    status = status_of(tracked.type, brief)
    if status is None or tracked.retracted or brief.occurred is None:
        return {}
    place = placement(brief.occurred)
    evidence = {
        "event_id": tracked.event_id,
        "type": tracked.type,
        "occurred": brief.occurred,
        "sources": brief.sources,
    }
    fact = NewFact(
        place.key | tracked.position,
        tracked.position,
        place.earliest,
        status,
        FIRST if place.earliest is None else iso(place.earliest),
        LAST if place.latest is None else iso(place.latest),
        brief.occurred,
        tracked.version,
        _encode([evidence, *tracked.corrections]).decode(),
    )
    return {(region, programme): fact for region in brief.regions for programme in brief.programmes}
