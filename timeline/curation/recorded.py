"""Whether a candidate is a milestone the log already has: same type, overlapping date, a shared
region (and, for figures, the same value), so extraction points at it instead of proposing it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import msgspec

from events.dates import parse_edtf
from events.store import EventStore
from events.types import MetricReported, Milestone, MilestoneCorrected, MilestoneRetracted, tag_of
from timeline.curation.candidates import Candidate


class Known(msgspec.Struct, frozen=True):
    """The facts of one logged milestone that a candidate is compared on."""

    event_id: str
    type: str
    occurred: str
    regions: frozenset[str]
    value: float | None = None


def overlaps(a: str, b: str) -> bool:
    """Whether two EDTF values may denote a common day (open ends reach any day)."""
    x, y = parse_edtf(a), parse_edtf(b)
    return (x.earliest or date.min) <= (y.latest or date.max) and (y.earliest or date.min) <= (
        x.latest or date.max
    )


def same_fact(
    type_a: str,
    occurred_a: str,
    regions_a: Iterable[str],
    type_b: str,
    occurred_b: str,
    regions_b: Iterable[str],
) -> bool:
    return type_a == type_b and bool(set(regions_a) & set(regions_b)) and overlaps(occurred_a, occurred_b)


def known_milestones(store: EventStore) -> list[Known]:
    """Every milestone in the log as it stands: corrected dates applied, retracted ones left out."""
    known: dict[str, Known] = {}
    for recorded in store.read_all():
        event = recorded.event
        if isinstance(event, Milestone):
            value = event.value if isinstance(event, MetricReported) else None
            known[str(recorded.event_id)] = Known(
                str(recorded.event_id), tag_of(event), event.occurred, frozenset(event.regions), value
            )
        elif isinstance(event, MilestoneRetracted):
            known.pop(str(event.retracts), None)
        elif isinstance(event, MilestoneCorrected) and str(event.corrects) in known:
            before = known[str(event.corrects)]
            changes = event.changes
            known[before.event_id] = msgspec.structs.replace(
                before,
                occurred=changes.get("occurred", before.occurred),
                regions=frozenset(changes.get("regions", before.regions)),
            )
    return list(known.values())


def mark_recorded(candidates: list[Candidate], known: list[Known]) -> list[Candidate]:
    """Candidates with `already_recorded` set where the log holds the same fact."""
    marked = []
    for candidate in candidates:
        match = next((k for k in known if _matches(candidate, k)), None)
        marked.append(
            msgspec.structs.replace(candidate, already_recorded=match.event_id) if match else candidate
        )
    return marked


def _matches(candidate: Candidate, known: Known) -> bool:
    if not same_fact(
        candidate.type, candidate.occurred, candidate.regions, known.type, known.occurred, known.regions
    ):
        return False
    if candidate.type == "metric_reported":  # many figures share a region and a date
        return candidate.figure is not None and known.value == candidate.figure.value
    return True
