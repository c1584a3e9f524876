"""The Merkle tree on PostgreSQL: `SqliteTree`'s portable SQL, with two savings per append.

- Completed nodes are written in one statement: a single append's few with its COMMIT, a
  batch's as arrays through `unnest` (never one INSERT per node).
- The right edge (frontier) this connection committed last is kept: the next append, finding
  the log still at that size under the head-row lock, grows it without reading the nodes back.
  Stored nodes never change, so an edge is valid for as long as the tree has its size; an edge
  from a transaction that rolled back is dropped, never kept.
"""

from __future__ import annotations

from psycopg import sql

from events import merkle
from events.tree import SqliteTree, node_key

_WITH_COMMIT = 40  # nodes sent as literals with COMMIT; a larger batch goes as arrays at once


class PgTree(SqliteTree):
    _committed: merkle.Frontier | None = None
    _pending: merkle.Frontier | None = None

    def frontier(self, size: int) -> merkle.Frontier:
        # The edge this transaction grew last (nodes it may not have sent yet), else the
        # committed one, else the stored nodes.
        for known in (self._pending, self._committed):
            if known is not None and known.size == size:
                return _copy(known)
        return super().frontier(size)

    def grow(self, size: int, leaves: list[bytes]) -> merkle.Frontier:
        frontier = super().grow(size, leaves)
        self._pending = _copy(frontier)
        return frontier

    def committed(self) -> None:
        """The write transaction committed: its edge is now the stored tree's."""
        if self._pending is not None:
            self._committed, self._pending = self._pending, None

    def rolled_back(self) -> None:
        self._pending = None

    def store(self, completed: list[tuple[merkle.Node, bytes]]) -> None:
        if not completed:
            return
        if len(completed) <= _WITH_COMMIT:
            # A single append's few nodes ride with COMMIT (under the head-row lock nobody else
            # writes nodes, and nothing reads them back before then: `frontier` has the edge).
            values = ", ".join(
                f"({node_key(node):d}, {sql.Literal(digest).as_string(self.conn.raw)})"
                for node, digest in completed
            )
            self.conn.send_with_commit(f"INSERT INTO merkle_nodes (id, hash) VALUES {values}")
            return
        keys = [node_key(node) for node, _ in completed]
        hashes = [digest for _, digest in completed]
        self.conn.raw.execute(  # psycopg's binary placeholders: arrays sent as they are
            "INSERT INTO merkle_nodes (id, hash) SELECT * FROM unnest(%b::bigint[], %b::bytea[])",
            [keys, hashes],
        )


def _copy(frontier: merkle.Frontier) -> merkle.Frontier:
    """An independent edge (its nodes are immutable tuples: a new list is enough)."""
    twin = merkle.Frontier()
    twin.size, twin.nodes = frontier.size, list(frontier.nodes)
    return twin
