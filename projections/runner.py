"""Running projections: catch-up, rebuild and the checkpoint of each, in the same transactions.

A batch of events and the checkpoint after it are committed together, so a crash at any
point neither applies an event twice nor skips one. A rebuild fills `<table>__new` copies
batch by batch (the live tables keep serving), indexes them, catches up the last events and
swaps them in with the checkpoint in one transaction: readers see the old view or the new
one, never a half-built one. Concurrent rebuilds of the same projection are resolved by a
token: the newest wins and an older one stops with `RebuildSuperseded`.
"""

from __future__ import annotations

import gc
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import msgspec
from tqdm import tqdm

from events.errors import UnknownReference
from events.reference import Reference
from events.store import EventStore
from projections.base import (
    MAX_POSITION,
    ApplyContext,
    Projection,
    read_snapshot,
    table_names,
    write_transaction,
)
from projections.errors import ProjectionUnavailable, RebuildSuperseded
from projections.log import CORRECTED, RETRACTED, LogEvent, head_position, read_batch, read_by_ids
from projections.models import ProjectionState
from projections.regions import RegionTree, tree_of
from projections.status import StatusProjection
from projections.timeline import TimelineProjection

PROJECTIONS: tuple[Projection, ...] = (TimelineProjection(), StatusProjection())
CATCH_UP_BATCH = 5_000
REBUILD_BATCH = 20_000
NEW = "__new"

_META = (
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


def _chosen(projections: Sequence[Projection] | None) -> Sequence[Projection]:
    return PROJECTIONS if projections is None else projections


def _tree(store: EventStore, reference: Reference | None) -> RegionTree:
    return tree_of(reference if reference is not None else Reference(store.db))


def checkpoints(conn: sqlite3.Connection) -> dict[str, Checkpoint]:
    """Every projection's stored checkpoint (empty before the first build)."""
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


def ensure_projections(
    store: EventStore,
    *,
    projections: Sequence[Projection] | None = None,
    reference: Reference | None = None,
    progress: bool = False,
) -> list[str]:
    """Build what is missing and rebuild what is stale (version or region tree changed).

    Call at start-up; returns the names rebuilt.
    """
    return _ensure(store, _chosen(projections), _tree(store, reference), progress)[0]


def _ensure(
    store: EventStore, chosen: Sequence[Projection], tree: RegionTree, progress: bool
) -> tuple[list[str], int]:
    with read_snapshot(store) as conn:
        stored = checkpoints(conn)
    stale = [
        p
        for p in chosen
        if (mark := stored.get(p.name)) is None
        or mark.version != p.version
        or mark.fingerprint != p.fingerprint(tree)
    ]
    replayed = _rebuild(store, stale, tree, progress, REBUILD_BATCH) if stale else 0
    return [p.name for p in stale], replayed


def catch_up(
    store: EventStore,
    *,
    projections: Sequence[Projection] | None = None,
    reference: Reference | None = None,
    batch_size: int = CATCH_UP_BATCH,
) -> int:
    """Apply the events after each projection's checkpoint, one transaction per batch.

    Builds a projection first if it is missing or stale. Returns how many events were
    applied (counting a rebuild's replay).
    """
    chosen = _chosen(projections)
    tree = _tree(store, reference)
    applied = _ensure(store, chosen, tree, False)[1]
    with _gc_paused():
        while True:
            with write_transaction(store) as conn:
                marks = checkpoints(conn)
                low = min(marks[p.name].position for p in chosen)
                batch = read_batch(conn, low, batch_size)
                if batch:
                    ctx = _context(conn, tree, batch, {}, fresh=False)
                    for p in chosen:
                        mark = marks[p.name].position
                        mine = batch if mark == low else [e for e in batch if e.position > mark]
                        if mine:
                            p.apply(conn, table_names(p), mine, ctx)
                        conn.execute(
                            "UPDATE projection_checkpoints SET position = ? WHERE name = ?",
                            [batch[-1].position, p.name],
                        )
            applied += len(batch)
            if len(batch) < batch_size:
                return applied


def rebuild(
    store: EventStore,
    name: str | None = None,
    progress: bool = True,
    *,
    projections: Sequence[Projection] | None = None,
    reference: Reference | None = None,
    batch_size: int = REBUILD_BATCH,
) -> int:
    """Replay the whole log into fresh tables and swap them in; returns events replayed."""
    chosen = [p for p in _chosen(projections) if name is None or p.name == name]
    if not chosen:
        raise UnknownReference("projection", str(name))
    return _rebuild(store, chosen, _tree(store, reference), progress, batch_size)


def _rebuild(
    store: EventStore,
    chosen: Sequence[Projection],
    tree: RegionTree,
    progress: bool,
    batch_size: int,
) -> int:
    token = uuid.uuid4().hex
    with write_transaction(store) as conn:
        for statement in _META:
            conn.execute(statement)
        for p in chosen:
            conn.execute(
                "INSERT OR REPLACE INTO projection_builds VALUES (?, ?, ?, 0, ?)",
                [p.name, token, p.version, p.fingerprint(tree)],
            )
            for table, columns in p.tables.items():
                conn.execute(f"DROP TABLE IF EXISTS {table}{NEW}")
                conn.execute(f"CREATE TABLE {table}{NEW} {columns}")
            p.initialise(conn, table_names(p, NEW), tree)
        head = head_position(conn)
    label = "rebuild " + ", ".join(p.name for p in chosen)
    bar = tqdm(total=head, unit="ev", unit_scale=True, desc=label, disable=not progress)
    memo: dict[str, Any] = {}  # the new tables are this run's alone: state may span batches
    try:
        with _gc_paused():
            position, replayed = _fill(store, chosen, tree, memo, token, batch_size, bar)
            with write_transaction(store) as conn:
                _check_token(conn, chosen, token)
                for p in chosen:
                    for purpose, (table, spec) in p.indexes.items():
                        conn.execute(f"CREATE INDEX ix_{table}_{purpose}_{token[:8]} ON {table}{NEW} {spec}")
            with write_transaction(store) as conn:  # the last events, then the swap, at once
                _check_token(conn, chosen, token)
                while batch := _apply(conn, chosen, tree, memo, position, batch_size):
                    position = batch[-1].position
                    replayed += len(batch)
                    bar.update(len(batch))
                ctx = ApplyContext(tree, {}, memo, fresh=True)
                for p in chosen:
                    p.finish(conn, table_names(p, NEW), ctx)
                _swap(conn, chosen, tree, position)
    finally:
        bar.close()
    return replayed


def _fill(
    store: EventStore,
    chosen: Sequence[Projection],
    tree: RegionTree,
    memo: dict[str, Any],
    token: str,
    batch_size: int,
    bar: tqdm,
) -> tuple[int, int]:
    """Replay the log into the new tables, a transaction per batch; (last position, count)."""
    position = replayed = 0
    while True:
        with write_transaction(store) as conn:
            _check_token(conn, chosen, token)
            batch = _apply(conn, chosen, tree, memo, position, batch_size)
            count = len(batch)
            position = batch[-1].position if batch else position
            del batch  # before the next batch is read: one batch in memory at a time
            conn.execute("UPDATE projection_builds SET position = ? WHERE token = ?", [position, token])
        replayed += count
        bar.total = max(bar.total, position)
        bar.update(count)
        if count < batch_size:
            return position, replayed


def _apply(
    conn: sqlite3.Connection,
    chosen: Sequence[Projection],
    tree: RegionTree,
    memo: dict[str, Any],
    after: int,
    batch_size: int,
) -> list[LogEvent]:
    batch = read_batch(conn, after, batch_size)
    if batch:
        ctx = _context(conn, tree, batch, memo, fresh=True)
        for p in chosen:
            p.apply(conn, table_names(p, NEW), batch, ctx)
    return batch


def _swap(conn: sqlite3.Connection, chosen: Sequence[Projection], tree: RegionTree, position: int) -> None:
    for p in chosen:
        for table in p.tables:
            conn.execute(f"DROP TABLE IF EXISTS {table}")
            conn.execute(f"ALTER TABLE {table}{NEW} RENAME TO {table}")
        conn.execute(
            "INSERT OR REPLACE INTO projection_checkpoints VALUES (?, ?, ?, ?)",
            [p.name, p.version, position, p.fingerprint(tree)],
        )
        conn.execute("DELETE FROM projection_builds WHERE name = ?", [p.name])


def _check_token(conn: sqlite3.Connection, chosen: Sequence[Projection], token: str) -> None:
    marks = ",".join("?" * len(chosen))
    owned = conn.execute(
        f"SELECT count(*) FROM projection_builds WHERE token = ? AND name IN ({marks})",
        [token, *(p.name for p in chosen)],
    ).fetchone()[0]
    if owned != len(chosen):
        raise RebuildSuperseded([p.name for p in chosen])


def _context(
    conn: sqlite3.Connection, tree: RegionTree, batch: list[LogEvent], memo: dict[str, Any], fresh: bool
) -> ApplyContext:
    """The batch's context: where its corrections and retractions point, read in one query."""
    if batch and batch[-1].position > MAX_POSITION:  # pragma: no cover - four billion events
        raise OverflowError(f"position {batch[-1].position} does not fit the sort key")
    wanted: list[str] = []
    for logged in batch:
        if logged.type == CORRECTED:
            wanted.append(str(logged.event.corrects))  # type: ignore[union-attr]
        elif logged.type == RETRACTED:
            wanted.append(str(logged.event.retracts))  # type: ignore[union-attr]
    targets: dict[str, LogEvent] = {}
    if wanted:
        needed = set(wanted)
        targets = {logged.event_id: logged for logged in batch if logged.event_id in needed}
        targets.update(read_by_ids(conn, [t for t in wanted if t not in targets]))
    return ApplyContext(tree, targets, memo, fresh)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Batches allocate millions of small acyclic objects; the cycle collector only slows them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def projection_states(
    store: EventStore, *, projections: Sequence[Projection] | None = None
) -> list[ProjectionState]:
    """Each projection's stored version, checkpoint and lag behind the log head."""
    with read_snapshot(store) as conn:
        head = head_position(conn)
        stored = checkpoints(conn)
    states = []
    for p in _chosen(projections):
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
