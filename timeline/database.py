"""Opening the database a Settings names: the event log, its catalogues and its signing key."""

from __future__ import annotations

from pathlib import Path

from events.errors import StoreUnavailable
from events.heads import Signer
from events.store import EventStore
from timeline.settings import Settings


def open_store(settings: Settings, *, create: bool = False) -> EventStore:
    """Open the log with its signing key; with `create`, make the file, every table the core
    needs and the key (mode 0600) if they do not exist yet."""
    store = EventStore.open(
        settings.db, create=create, synchronous=settings.synchronous, head_seconds=settings.head_seconds
    )
    key = Path(settings.signing_key_path)
    try:
        if key.exists():
            store.signer = Signer.load(key)
        elif create:
            store.signer = Signer.create(key)
    except (OSError, ValueError) as e:
        store.close()
        raise StoreUnavailable(str(key), f"the signing key cannot be used ({e})") from e
    return store
