"""Proving the log: the Merkle tree grown with each append, signed heads, proofs, verification
and the integrity record (a mixin of `events.store.EventStore`; PostgreSQL overrides the hooks)."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from pathlib import Path
from typing import NamedTuple

from events import merkle
from events.envelope import Integrity, canonical_bytes
from events.errors import ChainBroken, UnknownReference
from events.heads import SignedHead, Signer, write_head_file
from events.reads import PAGE
from events.times import format_time, parse_time, utc_now
from events.tree import MissingNodes, SqliteTree
from events.verification import walk

log = logging.getLogger("events.store")


class Edge(NamedTuple):
    """Where the log ends: its last row's (position, hash, recorded_at) and the tree's edge."""

    last_row: tuple[int, str, str]
    size: int
    nodes: tuple[tuple[int, bytes], ...]


class LogProofs:
    """What makes the log provable; the store provides the connection and its write hooks."""

    conn: sqlite3.Connection
    tree: SqliteTree
    signer: Signer | None
    head_seconds: float
    path: str
    _lock: threading.RLock
    _signed_at: float
    _cached: tuple[int, Edge] | None
    _live: Edge | None
    _database_errors: tuple[type[Exception], ...]

    # Provided by the store (`events.store.EventStore`, and its PostgreSQL subclass):

    @property
    def head_path(self) -> Path | None:
        raise NotImplementedError

    def _begin_write(self) -> None:
        raise NotImplementedError

    def _roll_back(self, error: BaseException) -> None:
        raise NotImplementedError

    def _head_position(self) -> int:
        raise NotImplementedError

    def _select(self, where: str, params: list) -> list[tuple]:
        raise NotImplementedError

    def _grow_tree(self, size: int, leaves: list[bytes]) -> merkle.Frontier:
        """Store the tree's new nodes in the append transaction; a database from before the
        tree gets the missing part built from its rows first."""
        live = self._live
        if live is not None and live.size == size:  # the edge as the last append left it
            frontier = merkle.Frontier()
            frontier.size, frontier.nodes = size, list(live.nodes)
            completed: list[tuple[merkle.Node, bytes]] = []
            for leaf in leaves:
                completed.extend(frontier.append(leaf))
            self.tree.store(completed)
            return frontier
        try:
            return self.tree.grow(size, leaves)
        except MissingNodes:
            self._build_tree(size)
            return self.tree.grow(size, leaves)

    def _build_tree(self, size: int) -> None:
        built = self.tree.leaves_stored(size)
        frontier = self.tree.frontier(built)
        while built < size:
            rows = self._select(
                "WHERE position > ? AND position <= ? ORDER BY position LIMIT ?", [built, size, PAGE]
            )
            completed = []
            for row in rows:
                completed.extend(frontier.append(merkle.leaf_hash(canonical_bytes(*row[:10]))))
            self.tree.store(completed)
            built = rows[-1][0]

    def _sign_if_due(self, frontier: merkle.Frontier) -> SignedHead | None:
        """Sign a head of the tree as it will be once this transaction commits."""
        if self.signer is None or time.monotonic() - self._signed_at < self.head_seconds:
            return None
        head = self.signer.sign(frontier.size, frontier.root(), utc_now())
        self.tree.save_head(head)
        self._signed_at = time.monotonic()
        return head

    def _publish(self, head: SignedHead | None) -> None:
        """Write the committed head beside the database. The events are committed whatever
        happens here, so a failure is logged, not raised (`verify` reports a stale file)."""
        if head is None or self.head_path is None:
            return
        try:
            write_head_file(self.head_path, head)
        except OSError as e:
            log.error("could not write the signed head to %s: %s", self.head_path, e)

    def sign_head(self) -> SignedHead | None:
        """Sign a head for events appended since the last one (the scheduled job with
        `head_seconds`); None when there is no signer or nothing new."""
        if self.signer is None:
            return None
        with self._lock:
            self._begin_write()
            try:
                size = self._head_position()
                latest = self.tree.latest_head()
                signed = None
                if size and (latest is None or latest.size < size):
                    self._signed_at = -float("inf")
                    signed = self._sign_if_due(self._grow_tree(size, []))
                self.conn.execute("COMMIT")
            except BaseException as e:
                self._roll_back(e)
                raise
        self._publish(signed)
        if signed is None and latest is not None and self.head_path is not None:
            self._publish(latest)  # a head file lost or behind the database gets the latest back
        return signed

    def integrity(self) -> Integrity:
        with self._lock:
            row = self.conn.execute(
                "SELECT verified_position, verified_at, broken_position, broken_reason, broken_at "
                "FROM integrity WHERE id = 1"
            ).fetchone()
        if row is None:
            return Integrity(verified_position=0, verified_at=None)
        return Integrity(
            verified_position=row[0],
            verified_at=parse_time(row[1]) if row[1] else None,
            broken_position=row[2],
            broken_reason=row[3],
            broken_at=parse_time(row[4]) if row[4] else None,
        )

    def check_integrity(self, *, full: bool = False) -> Integrity:
        """Verify the chain (from the last verified position, or from the start with `full`)
        and record the outcome. A break puts a hold on writes; a clean full walk lifts it."""
        verified = self.integrity().verified_position
        after = 0 if full else verified
        now = format_time(utc_now())
        try:
            head = self.verify(after=after, catalogues=full)
            if head < verified:  # a chain that verifies can still have lost its end
                raise ChainBroken(
                    head + 1, f"the log ends at position {head}, but position {verified} was verified before"
                )
        except ChainBroken as e:
            with self._lock:
                self._cached = None  # written through this connection: data_version will not move
                self.conn.execute(
                    "UPDATE integrity SET broken_position = ?, broken_reason = ?, broken_at = ? WHERE id = 1",
                    [e.position, e.reason, now],
                )
            return self.integrity()
        lift = ", broken_position = NULL, broken_reason = NULL, broken_at = NULL" if full else ""
        with self._lock:
            self._cached = None  # as above
            self.conn.execute(
                f"UPDATE integrity SET verified_position = ?, verified_at = ?{lift} WHERE id = 1",
                [head, now],
            )
        return self.integrity()

    def _refuse_if_broken(self) -> None:
        row = self.conn.execute(
            "SELECT broken_position, broken_reason FROM integrity WHERE id = 1"
        ).fetchone()
        if row and row[0] is not None:
            raise ChainBroken(
                row[0],
                f"{row[1]}; writes are refused until an operator restores a backup "
                "or a full `timeline verify` passes",
            )

    def verify(self, after: int = 0, *, catalogues: bool = False) -> int:
        """Walk the log from `after` to the head; return the head position.

        Raises ChainBroken naming the first position whose hash, link, numbering or Merkle node
        is wrong, that no longer matches a signed head, or past the end of a shorter log than a
        signed head covers (see `events.verification`).
        """
        self._complete_tree()
        with self._lock:
            return walk(
                self.conn,
                after=after,
                public=self.signer.public if self.signer else None,
                head_file=self.head_path,
                catalogues=catalogues,
            )

    def _complete_tree(self) -> None:
        """Build the stored tree for rows written before it existed (older databases)."""
        with self._lock:
            size = self._head_position()
            if not size or self.tree.has_leaf(size - 1):
                return
            try:
                self._begin_write()
                self._build_tree(size)
                self.conn.execute("COMMIT")
            except self._database_errors:  # read-only or damaged: the walk reports what is wrong
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")

    def tree_head(self) -> SignedHead | None:
        """The latest signed head."""
        with self._lock:
            return self.tree.latest_head()

    def tree_root(self, size: int) -> bytes:
        with self._lock:
            return self.tree.root(size)

    def inclusion_proof(self, position: int, size: int) -> list[bytes]:
        """The audit path of the event at `position` in the tree of the first `size` events."""
        with self._lock:
            return self.tree.inclusion(position - 1, size)

    def consistency_proof(self, first: int, second: int) -> list[bytes]:
        with self._lock:
            return self.tree.consistency(first, second)

    def canonical(self, position: int) -> bytes:
        """The bytes the event at `position` is hashed as (its leaf is SHA-256(0x00 || these))."""
        rows = self._select("WHERE position = ?", [position])
        if not rows:
            raise UnknownReference("position", str(position))
        return canonical_bytes(*rows[0][:10])

    def leaf_hash(self, position: int) -> bytes:
        with self._lock:
            return self.tree.leaf(position - 1)
