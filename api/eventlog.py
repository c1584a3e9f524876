"""Reading the log for the API: pages of events in order, and one event with its amendments."""

from __future__ import annotations

from uuid import UUID

from api.caching import Reader
from api.links import event_url
from api.models import EventDetail, EventPage, EventRecord
from api.views import head_basis
from events.envelope import RecordedEvent
from events.errors import UnknownReference
from events.types import MilestoneRetracted
from projections.live import amended_id as target_of
from projections.models import date_value


def record(base: str, recorded: RecordedEvent) -> EventRecord:
    event_id = str(recorded.event_id)
    return EventRecord(
        position=recorded.position,
        event_id=event_id,
        stream=recorded.stream,
        version=recorded.version,
        type=recorded.type,
        schema_version=recorded.schema_version,
        occurred=date_value(recorded.occurred) if recorded.occurred else None,
        recorded_at=recorded.recorded_at,
        event=recorded.event,
        sources=list(recorded.event.sources),
        hash=recorded.hash,
        prev_hash=recorded.prev_hash,
        url=event_url(base, event_id),
    )


def normal_id(event_id: str) -> str:
    """The id as the log spells it (lower case); an id that is not a UUID names no event."""
    try:
        return str(UUID(event_id))
    except ValueError:
        raise UnknownReference("event", event_id) from None


def event_page(r: Reader, after: int, limit: int) -> EventPage:
    events = [record(r.base_url, e) for e in r.store.read_all(after=after, limit=limit)]
    last = events[-1].position if events else after
    return EventPage(
        events=events,
        after=after,
        head=r.state.head,
        next=f"{r.base_url}/events?after={last}&limit={limit}",
        basis=head_basis(r.state.head),
    )


def event_detail(r: Reader, event_id: str) -> EventDetail:
    recorded = r.store.get(normal_id(event_id))
    own_id = str(recorded.event_id)
    # Amendments go to the stream of the event they amend (the write path enforces it).
    amendments = [e for e in r.store.read_stream(recorded.stream) if target_of(e) == own_id]
    target = target_of(recorded)
    return EventDetail(
        record=record(r.base_url, recorded),
        amends=event_url(r.base_url, target) if target else None,
        amendments=[record(r.base_url, e) for e in amendments],
        retracted=any(isinstance(e.event, MilestoneRetracted) for e in amendments),
        basis=head_basis(r.state.head),
    )
