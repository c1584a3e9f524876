"""Running projections: catch-up, start-up checks and rebuilds of the registered projections.

A batch of events and the checkpoint after it are committed together, so a crash at any
point neither applies an event twice nor skips one. `ensure_projections` (run at start-up
by the API and the CLI) builds a missing projection and rebuilds one whose version or region
tree changed; `rebuild` replays on demand (see `projections.replay`).
"""

from __future__ import annotations

from collections.abc import Sequence

from events.errors import UnknownReference
from events.reference import Reference
from events.store import EventStore
from projections.base import Projection, read_snapshot, table_names, write_transaction
from projections.checkpoints import checkpoint_of, checkpoints
from projections.checkpoints import projection_states as _states
from projections.log import head_position, read_batch
from projections.models import ProjectionState
from projections.regions import RegionTree, tree_of
from projections.replay import context, gc_paused, replay
from projections.status import StatusProjection
from projections.timeline import TimelineProjection

PROJECTIONS: tuple[Projection, ...] = (TimelineProjection(), StatusProjection())
CATCH_UP_BATCH = 5_000
REBUILD_BATCH = 20_000

__all__ = ["PROJECTIONS", "catch_up", "checkpoint_of", "ensure_projections", "projection_states", "rebuild"]


def _chosen(projections: Sequence[Projection] | None) -> Sequence[Projection]:
    return PROJECTIONS if projections is None else projections


def _tree(store: EventStore, reference: Reference | None) -> RegionTree:
    return tree_of(reference if reference is not None else Reference(store.db))


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
    replayed = replay(store, stale, tree, progress, REBUILD_BATCH) if stale else 0
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
    with read_snapshot(store) as conn:  # nothing new (the usual case): no write lock taken
        marks = checkpoints(conn)
        if head_position(conn) <= min(marks[p.name].position for p in chosen):
            return applied
    with gc_paused():
        while True:
            with write_transaction(store) as conn:
                marks = checkpoints(conn)
                low = min(marks[p.name].position for p in chosen)
                batch = read_batch(conn, low, batch_size)
                if batch:
                    ctx = context(conn, tree, batch, {}, fresh=False)
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
    return replay(store, chosen, _tree(store, reference), progress, batch_size)


def projection_states(
    store: EventStore, *, projections: Sequence[Projection] | None = None
) -> list[ProjectionState]:
    """Each projection's stored version, checkpoint and lag behind the log head."""
    return _states(store, _chosen(projections))
