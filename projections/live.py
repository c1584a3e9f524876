"""Milestone changes as they are appended: what a new event did to a timeline entry.

Live streams and webhooks need, for one new event, the entry it added, corrected or retracted,
as known right after it (and right before, to tell whether a filtered view was affected). That
is a fold of the milestone's own stream up to the event's position, read from the log: it
does not wait for the timeline projection to catch up, and it answers the same for an event
replayed long after it was appended.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

import msgspec

from events.envelope import RecordedEvent
from events.reference import Reference
from events.store import EventStore
from events.submissions import apply_changes
from events.types import LongText, Milestone, MilestoneCorrected, MilestoneRetracted, SourceDated, Text
from projections import doubts as doubting
from projections.doubts import Doubt, Doubts
from projections.models import Correction, Retraction, Source, TimelineEntry, date_value
from projections.regions import tree_of

ChangeKind = Literal["added", "corrected", "retracted"]


class MilestoneChange(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """An event's effect on a timeline entry: `entry` after it, `before` (None when added)."""

    kind: ChangeKind
    position: int
    entry: TimelineEntry
    before: TimelineEntry | None = None


class ViewFilter(msgspec.Struct, frozen=True, kw_only=True):
    """Which entries a timeline view lists: a region (with its descendants) in the given roles,
    types, programmes. `region=None` is every region (a programme's view)."""

    region: str | None = None
    descendants: bool = True
    roles: frozenset[str] = frozenset({"subject"})
    types: frozenset[str] | None = None
    programmes: frozenset[str] | None = None

    def matches(self, entry: TimelineEntry, reference: Reference) -> bool:
        if self.types is not None and entry.type not in self.types:
            return False
        if self.programmes is not None and self.programmes.isdisjoint(entry.programmes):
            return False
        if self.region is None:
            return True
        codes = [c for role, listed in _roles(entry) if role in self.roles for c in listed]
        if not self.descendants:
            return self.region in codes
        tree = tree_of(reference)
        return any(tree.within(code, self.region) for code in codes)

    def affected(self, change: MilestoneChange, reference: Reference) -> ChangeKind | None:
        """How the view sees the change: None when it shows the entry neither before nor after."""
        now = self.matches(change.entry, reference)
        before = change.before is not None and self.matches(change.before, reference)
        if not now and not before:
            return None
        if change.kind == "retracted":
            return "retracted"
        return "corrected" if before else "added"


def _roles(entry: TimelineEntry) -> tuple[tuple[str, list[str]], ...]:
    return (("subject", entry.regions), ("participant", entry.participants), ("issuer", entry.issuers))


class DoubtLog:
    """The log's `source_dated` events, read once and then only past the last position read, so
    live entries answer with the same widened dates as the timeline (thread-safe)."""

    def __init__(self) -> None:
        self.doubts = Doubts()
        self.upto = 0
        self._lock = threading.Lock()

    def until(self, store: EventStore, position: int) -> Doubts:
        """Every doubt up to `position` (and any read before: `fold` looks only before its own)."""
        with self._lock:
            if position > self.upto:
                for r in store.read_types([doubting.SOURCE_DATED], after=self.upto, upto=position):
                    assert isinstance(r.event, SourceDated)
                    self.doubts.add(Doubt(r.position, str(r.event_id), r.recorded_at.isoformat(), r.event))
                self.upto = position
            return self.doubts


def milestone_change(
    store: EventStore, recorded: RecordedEvent, doubts: Doubts | None = None
) -> MilestoneChange | None:
    """What `recorded` did to a milestone's entry; None for events that are not about one.
    With `doubts` (the log's `source_dated` events), dates widen as the timeline's do."""
    event = recorded.event
    if isinstance(event, Milestone):
        entry = fold([recorded], doubts)
        return MilestoneChange(kind="added", position=recorded.position, entry=entry)
    if isinstance(event, MilestoneCorrected):
        target_id, kind = str(event.corrects), "corrected"
    elif isinstance(event, MilestoneRetracted):
        target_id, kind = str(event.retracts), "retracted"
    else:
        return None
    # Amendments go to the stream of the milestone they amend (the write path enforces it).
    history = [e for e in store.read_stream(recorded.stream) if e.position <= recorded.position]
    target = next((e for e in history if str(e.event_id) == target_id), None)
    if target is None or not isinstance(target.event, Milestone):
        return None
    amending = [e for e in history if amended_id(e) == target_id]
    before = fold([target, *amending[:-1]], doubts, until=recorded.position - 1)
    if kind == "retracted" and before.retracted:
        return None  # a second retraction changes nothing
    return MilestoneChange(
        kind=kind,  # type: ignore[arg-type]
        position=recorded.position,
        entry=fold([target, *amending], doubts),
        before=before,
    )


def fold(
    events: Sequence[RecordedEvent], doubts: Doubts | None = None, *, until: int | None = None
) -> TimelineEntry:
    """A milestone's entry from its event and the amendments after it, in log order, with the
    doubts about its document logged up to `until` (default: its last event) applied as the
    timeline projection applies them: each one that moves the date is listed as a correction."""
    first = events[0]
    printed = first.event
    assert isinstance(printed, Milestone)
    until = events[-1].position if until is None else until
    found = doubts or Doubts()
    milestone, early = doubting.apply(printed, printed, found, first.position)
    corrections = [_doubt_correction(d) for d in early]
    retraction: Retraction | None = None
    later = [
        d for listed in found.by_document.values() for d in listed if first.position < d.position <= until
    ]
    steps: list[RecordedEvent | Doubt] = sorted([*events[1:], *later], key=lambda step: step.position)
    for step in steps:
        if isinstance(step, Doubt):
            milestone, moved = doubting.apply(milestone, printed, found, step.position + 1)
            corrections += [_doubt_correction(step)] if moved else []
            continue
        event = step.event
        if isinstance(event, MilestoneCorrected):
            corrected, _ = apply_changes(milestone, event.changes, "$.changes")
            if corrected is None:  # the log holds an invalid correction: it changes nothing
                continue
            milestone, _ = doubting.apply(corrected, printed, found, step.position)
            corrections.append(
                Correction(
                    event_id=str(step.event_id),
                    position=step.position,
                    recorded_at=step.recorded_at,
                    reason=event.reason,
                    fields=sorted(event.changes),
                )
            )
        elif isinstance(event, MilestoneRetracted) and retraction is None:
            retraction = Retraction(
                event_id=str(step.event_id),
                position=step.position,
                recorded_at=step.recorded_at,
                reason=event.reason,
            )
    return _entry(first, milestone, corrections, retraction)


def _doubt_correction(doubt: Doubt) -> Correction:
    """A doubt listed as the amendment it makes to the date (as the timeline lists it)."""
    return Correction(
        event_id=doubt.event_id,
        position=doubt.position,
        recorded_at=datetime.fromisoformat(doubt.recorded_at),
        reason=doubt.event.reason,
        fields=["occurred"],
    )


def _entry(
    first: RecordedEvent,
    milestone: Milestone,
    corrections: list[Correction],
    retraction: Retraction | None,
) -> TimelineEntry:
    data: dict[str, Any] = msgspec.to_builtins(milestone)
    names = (
        "type",
        "occurred",
        "regions",
        "participants",
        "issuers",
        "programmes",
        "title",
        "summary",
        "sources",
    )
    for name in names:
        data.pop(name, None)
    data.pop("confidence", None)
    data.pop("note", None)
    changes = [c.recorded_at for c in corrections]
    if retraction is not None:
        changes.append(retraction.recorded_at)
    return TimelineEntry(
        event_id=str(first.event_id),
        position=first.position,
        type=first.type,
        occurred=date_value(milestone.occurred),
        regions=list(milestone.regions),
        participants=list(milestone.participants),
        issuers=list(milestone.issuers),
        programmes=list(milestone.programmes),
        title=Text(zh=milestone.title.zh, en=milestone.title.en),
        summary=LongText(zh=milestone.summary.zh, en=milestone.summary.en),
        sources=[Source(document=s.document, locator=s.locator) for s in milestone.sources],
        confidence=milestone.confidence,
        note=milestone.note,
        details=data,
        corrected=bool(corrections),
        corrections=corrections,
        retracted=retraction is not None,
        retraction=retraction,
        recorded_at=first.recorded_at,
        last_modified=max(changes, default=first.recorded_at),
        sequence=len(changes),
    )


def amended_id(recorded: RecordedEvent) -> str | None:
    """The id of the milestone a correction or retraction amends (None for other events)."""
    event = recorded.event
    if isinstance(event, MilestoneCorrected):
        return str(event.corrects)
    if isinstance(event, MilestoneRetracted):
        return str(event.retracts)
    return None
