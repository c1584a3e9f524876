"""The log's Merkle tree and signed heads (the only module touching their tables).

`merkle_nodes` holds every perfect subtree's hash, keyed by `level << 56 | index` (so each level
is one contiguous range a verification scans in order), written in the append transaction that
completes it; `tree_heads` holds every signed head by size. Both follow
from the events alone: `timeline verify` recomputes them and compares.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from events import merkle
from events.heads import SignedHead

# Its SQL is portable: on PostgreSQL the tree runs on `events.postgres.connection.PgConnection`,
# which takes the same `?` placeholders (the schema there is `events.postgres.schema`).

TREE_SCHEMA = """
CREATE TABLE IF NOT EXISTS merkle_nodes (id INTEGER PRIMARY KEY, hash BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS tree_heads (
    size INTEGER PRIMARY KEY,
    root TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    key_id TEXT NOT NULL,
    signature TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS merkle_nodes_refuse_update BEFORE UPDATE ON merkle_nodes
BEGIN SELECT RAISE(ABORT, 'the Merkle tree is append-only: UPDATE refused'); END;
CREATE TRIGGER IF NOT EXISTS merkle_nodes_refuse_delete BEFORE DELETE ON merkle_nodes
BEGIN SELECT RAISE(ABORT, 'the Merkle tree is append-only: DELETE refused'); END;
"""
_HEAD_COLUMNS = "size, root, timestamp, key_id, signature"
_CHUNK = 500  # keys per IN (...) query


def node_key(node: merkle.Node) -> int:
    level, index = node
    return level << 56 | index


def level_range(level: int, start: int, end: int) -> tuple[int, int]:
    """The keys of the nodes of `level` with index in [start, end)."""
    return level << 56 | start, level << 56 | end


class MissingNodes(LookupError):
    """The tree does not cover the size asked for (a database from before the tree)."""


class SqliteTree:
    """Read and grow the stored tree; runs inside the caller's transaction."""

    def __init__(self, conn: sqlite3.Connection | Any) -> None:
        self.conn = conn

    def ensure_schema(self) -> None:
        self.conn.executescript(TREE_SCHEMA)

    def read(self, nodes: list[merkle.Node]) -> dict[merkle.Node, bytes]:
        by_key = {node_key(node): node for node in nodes}
        keys = list(by_key)
        found: dict[merkle.Node, bytes] = {}
        for start in range(0, len(keys), _CHUNK):
            part = keys[start : start + _CHUNK]
            marks = ",".join("?" * len(part))
            for key, digest in self.conn.execute(
                f"SELECT id, hash FROM merkle_nodes WHERE id IN ({marks})", part
            ):
                found[by_key[key]] = digest
        if len(found) != len(nodes):
            missing = sorted(set(nodes) - set(found))
            raise MissingNodes(f"the stored tree lacks {len(missing)} node(s), first {missing[0]}")
        return found

    def frontier(self, size: int) -> merkle.Frontier:
        nodes = merkle.perfect_subtrees(0, size)
        found = self.read(nodes)
        return merkle.Frontier(size, [found[node] for node in nodes])

    def store(self, completed: list[tuple[merkle.Node, bytes]]) -> None:
        self.conn.executemany(
            "INSERT INTO merkle_nodes (id, hash) VALUES (?, ?)",
            [(node_key(node), digest) for node, digest in completed],
        )

    def grow(self, size: int, leaves: list[bytes]) -> merkle.Frontier:
        """Add `leaves` after the first `size` leaves; returns the new right edge."""
        frontier = self.frontier(size)
        completed: list[tuple[merkle.Node, bytes]] = []
        for leaf in leaves:
            completed.extend(frontier.append(leaf))
        self.store(completed)
        return frontier

    def has_leaf(self, index: int) -> bool:
        key = node_key((0, index))
        return self.conn.execute("SELECT 1 FROM merkle_nodes WHERE id = ?", [key]).fetchone() is not None

    def leaves_stored(self, size: int) -> int:
        """How many of the first `size` leaves the tree holds (they are stored in order)."""
        low, high = 0, size  # binary search for the first missing leaf
        while low < high:
            middle = (low + high) // 2
            if self.has_leaf(middle):
                low = middle + 1
            else:
                high = middle
        return low

    def root(self, size: int) -> bytes:
        return merkle.range_hashes([(0, size)], self.read)[0] if size else merkle.EMPTY_ROOT

    def leaf(self, index: int) -> bytes:
        return self.read([(0, index)])[(0, index)]

    def inclusion(self, index: int, size: int) -> list[bytes]:
        return merkle.range_hashes(merkle.inclusion_ranges(index, size), self.read)

    def consistency(self, first: int, second: int) -> list[bytes]:
        return merkle.range_hashes(merkle.consistency_ranges(first, second), self.read)

    # -- signed heads ------------------------------------------------------------------------

    def save_head(self, head: SignedHead) -> None:
        self.conn.execute(
            # Portable upsert syntax: the same SQL runs on SQLite and PostgreSQL.
            f"INSERT INTO tree_heads ({_HEAD_COLUMNS}) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [head.size, head.root, head.timestamp, head.key_id, head.signature],
        )

    def latest_head(self) -> SignedHead | None:
        row = self.conn.execute(
            f"SELECT {_HEAD_COLUMNS} FROM tree_heads ORDER BY size DESC LIMIT 1"
        ).fetchone()
        return _head(row) if row else None

    def heads(self) -> list[SignedHead]:
        return [
            _head(row) for row in self.conn.execute(f"SELECT {_HEAD_COLUMNS} FROM tree_heads ORDER BY size")
        ]


def _head(row: tuple) -> SignedHead:
    return SignedHead(size=row[0], root=row[1], timestamp=row[2], key_id=row[3], signature=row[4])
