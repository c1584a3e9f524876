"""Opening the database a Settings names: the event log, its catalogues and its signing key."""

from __future__ import annotations

from pathlib import Path

import click

from events.backends import is_postgres, open_log
from events.errors import StoreUnavailable
from events.heads import Signer
from events.store import EventStore
from timeline.settings import Settings


def open_store(settings: Settings, *, create: bool = False, pool: object | None = None) -> EventStore:
    """Open the log (a SQLite file, or a postgresql:// URL) with its signing key; with `create`,
    make the file, every table the core needs and the key (mode 0600) if they do not exist yet."""
    store = open_log(
        settings.db,
        create=create,
        synchronous=settings.synchronous,
        head_seconds=settings.head_seconds,
        pool=pool,
    )
    if is_postgres(settings.db):
        # The signed heads this node writes, kept outside the database as SQLite's beside it.
        store.head_file = Path(f"{settings.signing_key_path}.head")  # type: ignore[attr-defined]
        context = click.get_current_context(silent=True)
        if context is not None:
            context.call_on_close(store.close)  # a command's server connection ends with it
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
