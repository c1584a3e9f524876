"""Choosing the backend from a `--db` value: a `postgresql://` URL, or else a SQLite file path."""

from __future__ import annotations

import re
from pathlib import Path

from events.heads import Signer
from events.sqlite import Synchronous
from events.store import EventStore

URL_SCHEMES = ("postgresql://", "postgres://")


def is_postgres(db: str | Path) -> bool:
    """Whether `db` names a PostgreSQL database rather than a SQLite file."""
    return isinstance(db, str) and db.startswith(URL_SCHEMES)


def redact(db: str | Path) -> str:
    """`db` for messages: a URL's password replaced by ***."""
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", str(db))


def store_class(db: str | Path) -> type[EventStore]:
    """The store class of the backend `db` names."""
    if is_postgres(db):
        # Imported here: SQLite deployments need not have psycopg's C library loaded.
        from events.postgres.store import PostgresEventStore

        return PostgresEventStore
    return EventStore


def open_log(
    db: str | Path,
    *,
    create: bool = True,
    synchronous: Synchronous = "FULL",
    signer: Signer | None = None,
    head_seconds: float = 0.0,
    pool: object | None = None,
) -> EventStore:
    """Open the log `db` names; with `create`, make its tables if they do not exist yet. `pool`
    (PostgreSQL: `events.postgres.connection.open_pool`) supplies the connection."""
    options = {"pool": pool} if pool is not None else {}
    return store_class(db).open(
        db, create=create, synchronous=synchronous, signer=signer, head_seconds=head_seconds, **options
    )
