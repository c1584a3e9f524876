"""The Merkle tree on PostgreSQL: `SqliteTree`'s portable SQL, with completed nodes written in
one statement (arrays through `unnest`) rather than one INSERT per node."""

from __future__ import annotations

from events import merkle
from events.tree import SqliteTree, node_key


class PgTree(SqliteTree):
    def store(self, completed: list[tuple[merkle.Node, bytes]]) -> None:
        if len(completed) < 2:
            super().store(completed)
            return
        keys = [node_key(node) for node, _ in completed]
        hashes = [digest for _, digest in completed]
        self.conn.execute(
            "INSERT INTO merkle_nodes (id, hash) SELECT * FROM unnest(?::bigint[], ?::bytea[])",
            [keys, hashes],
        )
