"""Review decisions: accepting a candidate appends its milestone, rejecting one records why.

Both are events in the stream `review-<source id>` (`candidate_accepted`, `candidate_rejected`),
appended in the same transaction as the accepted milestone, so a review is auditable and a
decided candidate is never proposed again. The milestone goes through `events.submissions`
like any `POST /events`, so every problem is reported with the path of its field.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from events.envelope import AppendResult
from events.errors import FieldProblem, InvalidEvent, TimelineError, UnknownReference
from events.reference import Reference
from events.store import EventStore
from events.submissions import prepare
from events.types import ReviewDecision
from timeline.curation.candidates import Candidate
from timeline.curation.render import draft_event
from timeline.curation.workflow import extracted


class CandidateDecided(TimelineError):
    """The candidate was accepted or rejected already."""

    def __init__(self, source_id: str, candidate_id: str, decision: str) -> None:
        self.source_id = source_id
        self.candidate_id = candidate_id
        super().__init__(f"Candidate {candidate_id!r} of source {source_id!r} was already {decision}")


def review_stream(source_id: str) -> str:
    return f"review-{source_id}"


def decisions(store: EventStore, source_id: str) -> dict[str, ReviewDecision]:
    """Each decided candidate's decision, by candidate id."""
    return {
        event.candidate_id: event
        for recorded in store.read_stream(review_stream(source_id))
        if isinstance(event := recorded.event, ReviewDecision)
    }


def open_candidates(store: EventStore, source_id: str, seeds_dir: str | Path) -> list[Candidate]:
    """The candidates of a source that no one has decided on yet."""
    decided = decisions(store, source_id)
    return [c for c in extracted(store, source_id, seeds_dir) if c.candidate_id not in decided]


def _undecided(store: EventStore, source_id: str, candidate_id: str, seeds_dir: str | Path) -> Candidate:
    decided = decisions(store, source_id).get(candidate_id)
    if decided is not None:
        verb = "accepted" if decided.__struct_config__.tag == "candidate_accepted" else "rejected"
        raise CandidateDecided(source_id, candidate_id, verb)
    for candidate in extracted(store, source_id, seeds_dir):
        if candidate.candidate_id == candidate_id:
            return candidate
    raise UnknownReference("candidate", candidate_id)


def _decision(candidate: Candidate, fields: dict[str, Any]) -> dict[str, Any]:
    return {
        "event": {
            "source": candidate.source,
            "candidate_id": candidate.candidate_id,
            "sources": [{"document": candidate.source, "locator": candidate.evidence.locator}],
            **fields,
        },
        "stream": review_stream(candidate.source),
    }


def accept(
    store: EventStore,
    source_id: str,
    candidate_id: str,
    edited: dict[str, Any] | None,
    seeds_dir: str | Path,
) -> AppendResult:
    """Append the candidate's milestone (as edited, else as drafted) and the acceptance."""
    candidate = _undecided(store, source_id, candidate_id, seeds_dir)
    if edited is not None and not isinstance(edited, dict):
        raise InvalidEvent([FieldProblem("$", "Expected the edited event as an object")])
    event = edited if edited is not None else draft_event(candidate)
    event_id = uuid.uuid4()
    items = [
        {"event": event, "event_id": str(event_id)},
        _decision(candidate, {"type": "candidate_accepted", "event_id": str(event_id)}),
    ]
    return _append(store, items, ["$", _DECISION])


def reject(
    store: EventStore, source_id: str, candidate_id: str, reason: str, seeds_dir: str | Path
) -> AppendResult:
    """Record that a candidate is not a milestone, and why."""
    candidate = _undecided(store, source_id, candidate_id, seeds_dir)
    return _append(store, [_decision(candidate, {"type": "candidate_rejected", "reason": reason})], ["$"])


_DECISION = "$decision"  # names the decision item in problems: it is ours, not the sender's


def _append(store: EventStore, items: list[dict[str, Any]], paths: list[str]) -> AppendResult:
    try:
        prepared = prepare(items, Reference(store.db), store, paths=paths)
    except InvalidEvent as e:  # the body holds the event's fields: `$.event.x` is `$.x` to its sender
        sent = [p for p in e.problems if not p.path.startswith(_DECISION)]
        # A refused milestone also leaves the acceptance pointing at no event: only the
        # milestone's own problems are the sender's to fix.
        raise InvalidEvent(
            [FieldProblem(p.path.replace("$.event", "$", 1), p.message) for p in sent or e.problems]
        ) from None
    return store.append(prepared)
