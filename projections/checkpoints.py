"""Where each projection stands: its stored version, checkpoint and region-tree fingerprint.

`projection_checkpoints` is written in the same transaction as the rows of the events it
counts; `projection_builds` records a rebuild in progress and the token of its owner.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

import msgspec

from events.dialect import is_sqlite, lasting_table_exists
from events.store import EventStore
from projections.base import Projection, read_snapshot
from projections.errors import ProjectionUnavailable
from projections.log import head_position
from projections.models import ProjectionState

META = (
    """CREATE TABLE IF NOT EXISTS projection_checkpoints (
        name TEXT PRIMARY KEY,
        version INTEGER NOT NULL,
        position INTEGER NOT NULL,
        fingerprint TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS projection_builds (
        name TEXT PRIMARY KEY,
        token TEXT NOT NULL,
        version INTEGER NOT NULL,
        position INTEGER NOT NULL,
        fingerprint TEXT NOT NULL
    )""",
)


class Checkpoint(msgspec.Struct, frozen=True):
    version: int
    position: int
    fingerprint: str


def checkpoints(conn: sqlite3.Connection) -> dict[str, Checkpoint]:
    """Every projection's stored checkpoint (empty before the first build)."""
    if not is_sqlite(conn) and not lasting_table_exists(conn, "projection_checkpoints"):
        return {}  # (PostgreSQL: a failed statement would abort the caller's transaction)
    try:
        rows = conn.execute(
            "SELECT name, version, position, fingerprint FROM projection_checkpoints"
        ).fetchall()
    except sqlite3.OperationalError:  # no projection built in this file yet
        return {}
    return {row[0]: Checkpoint(row[1], row[2], row[3]) for row in rows}


def checkpoint_of(conn: sqlite3.Connection, name: str) -> int:
    """The position a projection has applied up to; raises if it was never built."""
    found = checkpoints(conn).get(name)
    if found is None:
        raise ProjectionUnavailable(name)
    return found.position


def projection_states(store: EventStore, projections: Sequence[Projection]) -> list[ProjectionState]:
    """Each projection's stored version, checkpoint and lag behind the log head."""
    with read_snapshot(store) as conn:
        head = head_position(conn)
        stored = checkpoints(conn)
    states = []
    for p in projections:
        mark = stored.get(p.name)
        position = mark.position if mark else 0
        states.append(
            ProjectionState(
                name=p.name,
                version=mark.version if mark else 0,
                checkpoint=position,
                lag=head - position,
            )
        )
    return states
