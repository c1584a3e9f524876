"""The Merkle tree on PostgreSQL: `SqliteTree`'s portable SQL, with two savings per append.

- Completed nodes are written in one statement (arrays through `unnest`), not one per node.
- The right edge (frontier) this connection committed last is kept: the next append, finding
  the log still at that size under the head-row lock, grows it without reading the nodes back.
  Stored nodes never change, so an edge is valid for as long as the tree has its size; an edge
  from a transaction that rolled back is dropped, never kept.
"""

from __future__ import annotations

import copy

from events import merkle
from events.tree import SqliteTree, node_key


class PgTree(SqliteTree):
    _committed: merkle.Frontier | None = None
    _pending: merkle.Frontier | None = None

    def frontier(self, size: int) -> merkle.Frontier:
        if self._committed is not None and self._committed.size == size:
            return copy.deepcopy(self._committed)
        return super().frontier(size)

    def grow(self, size: int, leaves: list[bytes]) -> merkle.Frontier:
        frontier = super().grow(size, leaves)
        self._pending = copy.deepcopy(frontier)
        return frontier

    def committed(self) -> None:
        """The write transaction committed: its edge is now the stored tree's."""
        if self._pending is not None:
            self._committed, self._pending = self._pending, None

    def rolled_back(self) -> None:
        self._pending = None

    def store(self, completed: list[tuple[merkle.Node, bytes]]) -> None:
        if len(completed) < 2:
            super().store(completed)
            return
        keys = [node_key(node) for node, _ in completed]
        hashes = [digest for _, digest in completed]
        self.conn.raw.execute(  # psycopg's binary placeholders: arrays sent as they are
            "INSERT INTO merkle_nodes (id, hash) SELECT * FROM unnest(%b::bigint[], %b::bytea[])",
            [keys, hashes],
        )
