"""Rebuilding projections: replay the log into fresh tables and swap them in.

A rebuild fills `<table>__new` copies batch by batch (the live tables keep serving), indexes
them, catches up the last events and swaps them in with the checkpoint in one transaction:
readers see the old view or the new one, never a half-built one. The old tables are renamed
away in that transaction and dropped afterwards by a thread of their own (freeing a big table
takes a while, and nobody needs to wait for it: a leftover is dropped by the next swap), so
the swap itself stays short.
Concurrent rebuilds of a projection are resolved by a token: the newest wins and an older
one stops with `RebuildSuperseded`.
"""

from __future__ import annotations

import gc
import logging
import sqlite3
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from tqdm import tqdm

from events.dialect import exclude_readers, rename_table, replace_sql, table_definition, table_exists
from events.errors import StoreUnavailable
from events.sqlite import connect
from events.store import EventStore
from projections.base import MAX_POSITION, ApplyContext, Projection, table_names, write_transaction
from projections.checkpoints import META
from projections.errors import RebuildSuperseded
from projections.log import CORRECTED, RETRACTED, LogEvent, head_position, read_batch, read_by_ids
from projections.regions import RegionTree

NEW, OLD = "__new", "__old"
log = logging.getLogger("timeline.projections")


def replay(
    store: EventStore,
    chosen: Sequence[Projection],
    tree: RegionTree,
    progress: bool,
    batch_size: int,
) -> int:
    """Replay the whole log into new tables for `chosen` and swap them in; events replayed."""
    token = uuid.uuid4().hex
    head = _start(store, chosen, tree, token)
    label = "rebuild " + ", ".join(p.name for p in chosen)
    bar = tqdm(total=head, unit="ev", unit_scale=True, desc=label, disable=not progress)
    memo: dict[str, Any] = {}  # the new tables are this run's alone: state may span batches
    try:
        with gc_paused():
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
        drop_old(store, [table for p in chosen for table in p.tables])
    finally:
        bar.close()
    return replayed


def drop_old(store: EventStore, tables: list[str]) -> threading.Thread | None:
    """Drop the tables a swap renamed away: in the background on a connection of its own (not a
    daemon: a command's process finishes the drop before it exits), in line for a database in
    memory, which no other connection can open."""
    if store.path == ":memory:" or not isinstance(store.conn, sqlite3.Connection):
        with write_transaction(store) as conn:
            for table in tables:
                conn.execute(f"DROP TABLE IF EXISTS {table}{OLD}")
        return None
    thread = threading.Thread(target=_drop_apart, args=(store.path, tables), name="drop-old-views")
    thread.start()
    return thread


def _drop_apart(path: str, tables: list[str]) -> None:
    try:
        conn = connect(path, create=False)
    except StoreUnavailable:  # the file went away (a test's temporary folder): nothing to free
        return
    try:
        _drop(conn, tables)
    except sqlite3.Error as e:  # e.g. a full disk; the next swap drops them
        log.warning("could not drop the old view tables (%s); the next rebuild will", e)
    finally:
        conn.close()


def _drop(conn: sqlite3.Connection, tables: list[str]) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        for table in tables:
            conn.execute(f"DROP TABLE IF EXISTS {table}{OLD}")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _start(store: EventStore, chosen: Sequence[Projection], tree: RegionTree, token: str) -> int:
    """Claim the rebuild with `token` and create empty new tables; returns the log head."""
    with write_transaction(store) as conn:
        for statement in META:
            conn.execute(statement)
        for p in chosen:
            conn.execute(
                replace_sql("projection_builds", ("name", "token", "version", "position", "fingerprint")),
                [p.name, token, p.version, 0, p.fingerprint(tree)],
            )
            for table, columns in p.tables.items():
                conn.execute(f"DROP TABLE IF EXISTS {table}{NEW}")
                conn.execute(f"CREATE TABLE {table}{NEW} {table_definition(conn, columns)}")
            p.initialise(conn, table_names(p, NEW), tree)
        return head_position(conn)


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
        ctx = context(conn, tree, batch, memo, fresh=True)
        for p in chosen:
            p.apply(conn, table_names(p, NEW), batch, ctx)
    return batch


def _swap(conn: sqlite3.Connection, chosen: Sequence[Projection], tree: RegionTree, position: int) -> None:
    exclude_readers(conn, "projection_checkpoints")  # readers see the old tables or the new
    for p in chosen:
        for table in p.tables:
            conn.execute(f"DROP TABLE IF EXISTS {table}{OLD}")
            if table_exists(conn, table):
                rename_table(conn, table, f"{table}{OLD}")
            rename_table(conn, f"{table}{NEW}", table)
        conn.execute(
            replace_sql("projection_checkpoints", ("name", "version", "position", "fingerprint")),
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


def context(
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
def gc_paused() -> Iterator[None]:
    """Batches allocate millions of small acyclic objects; the cycle collector only slows them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
