"""Opening the database a Settings names: the event log and its catalogues."""

from __future__ import annotations

from events.reference import Reference
from events.store import EventStore
from timeline.settings import Settings


def open_store(settings: Settings, *, create: bool = False) -> EventStore:
    """Open the log; with `create`, make the file and every table the core needs."""
    store = EventStore.open(settings.db, create=create, synchronous=settings.synchronous)
    if create:
        Reference(store.db).ensure_schema()
    return store
