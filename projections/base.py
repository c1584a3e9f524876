"""What a projection is: a name, a version, its tables, and a function from events to rows.

The runner (`projections.runner`) owns checkpoints and transactions; a projection only turns
a batch of events into writes on the tables it is handed (the live ones, or the `__new`
copies a rebuild fills), so the same code serves catch-up and rebuild.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from functools import lru_cache
from typing import Any, ClassVar, NamedTuple, Protocol

import msgspec

from events.dates import PRECISION_RANK, FuzzyDate, parse_edtf
from events.dialect import begin_snapshot, begin_write
from events.store import EventStore
from projections.dialect import WRITE_LOCK
from projections.log import LogEvent
from projections.regions import RegionTree

Db = EventStore | sqlite3.Connection


class ApplyContext(msgspec.Struct):
    """What a batch may need beyond its events."""

    tree: RegionTree
    # The events this batch's corrections and retractions point at, by id, as first logged.
    targets: dict[str, LogEvent]
    # State a projection may keep across the batches of one run (one rebuild, one catch-up
    # batch), keyed by projection name. With `fresh`, the tables started empty in this run,
    # so the state has seen every row and a miss means "no row" without asking the database.
    memo: dict[str, Any]
    fresh: bool


class Projection(Protocol):
    name: ClassVar[str]
    version: ClassVar[int]
    # Logical table name -> column definitions (the text after `CREATE TABLE <name>`).
    tables: ClassVar[dict[str, str]]
    # Index purpose -> (logical table, "(columns) [WHERE ...]"). Only reads use them, so a
    # rebuild creates them once after the bulk load instead of maintaining them row by row.
    indexes: ClassVar[dict[str, tuple[str, str]]]

    def fingerprint(self, tree: RegionTree) -> str:
        """What else the rows depend on; a change triggers a rebuild like a version bump."""
        ...

    def initialise(self, conn: sqlite3.Connection, names: dict[str, str], tree: RegionTree) -> None:
        """Fill freshly created tables with what does not come from events."""
        ...

    def apply(
        self, conn: sqlite3.Connection, names: dict[str, str], events: list[LogEvent], ctx: ApplyContext
    ) -> None:
        """Write the effect of `events` (in log order) into the tables `names` maps to."""
        ...

    def finish(self, conn: sqlite3.Connection, names: dict[str, str], ctx: ApplyContext) -> None:
        """End of a rebuild, before the swap: write whatever was held across its batches."""
        ...


def table_names(projection: Projection, suffix: str = "") -> dict[str, str]:
    return {table: f"{table}{suffix}" for table in projection.tables}


# Bits of the integer sort key: day ordinal, precision rank, log position.
_RANK_BITS = 3
_POSITION_BITS = 32
MAX_POSITION = (1 << _POSITION_BITS) - 1


def sort_key(fuzzy: FuzzyDate, position: int) -> int:
    """Timeline order packed in one integer: interval start, precision rank, then position."""
    if position > MAX_POSITION:  # pragma: no cover - four billion events
        raise OverflowError(f"position {position} does not fit the sort key")
    ordinal = fuzzy.sort_day.toordinal()
    return ((ordinal << _RANK_BITS | PRECISION_RANK[fuzzy.precision]) << _POSITION_BITS) | position


class Placement(NamedTuple):
    """Where a fuzzy date puts an entry: its sort key without the position, and its days."""

    key: int
    earliest: int | None  # day ordinals; None = open
    latest: int | None


@lru_cache(maxsize=65536)
def placement(edtf: str) -> Placement:
    """The placement of an EDTF string, cached: replays meet the same dates again and again."""
    fuzzy = parse_edtf(edtf)
    return Placement(
        sort_key(fuzzy, 0),
        fuzzy.earliest.toordinal() if fuzzy.earliest else None,
        fuzzy.latest.toordinal() if fuzzy.latest else None,
    )


def split_sort_key(key: int) -> tuple[int, int, int]:
    """(day ordinal, precision rank, position) of a sort key."""
    position = key & MAX_POSITION
    rest = key >> _POSITION_BITS
    return rest >> _RANK_BITS, rest & ((1 << _RANK_BITS) - 1), position


def join_sort_key(ordinal: int, rank: int, position: int) -> int:
    return ((ordinal << _RANK_BITS | rank) << _POSITION_BITS) | position


def connection_of(source: Db) -> tuple[sqlite3.Connection, Any]:
    """The connection behind `source` and the lock its owner serialises use with."""
    if isinstance(source, EventStore):
        # The store guards its one connection with a lock; transactions here must take it too.
        lock: threading.RLock = source._lock
        return source.conn, lock
    return source, nullcontext()


@contextmanager
def write_transaction(source: Db) -> Iterator[sqlite3.Connection]:
    """A transaction holding the projections' write slot, rolled back on any exception."""
    conn, lock = connection_of(source)
    with lock:
        begin_write(conn, WRITE_LOCK)
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


@contextmanager
def read_snapshot(source: Db) -> Iterator[sqlite3.Connection]:
    """One consistent snapshot for a query's several statements (checkpoint and rows)."""
    conn, lock = connection_of(source)
    with lock:
        if conn.in_transaction:  # the caller's transaction already is one snapshot
            yield conn
            return
        begin_snapshot(conn, guard="projection_checkpoints")
        try:
            yield conn
        finally:
            if conn.in_transaction:
                conn.execute("COMMIT")
