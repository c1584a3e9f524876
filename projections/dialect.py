"""What projections write differently to SQLite and to PostgreSQL (the rest: `events.dialect`)."""

from __future__ import annotations

from typing import Any

from events.dialect import is_sqlite

# The projections' writers queue on this advisory lock on PostgreSQL (`events.dialect.begin_write`)
# as they queue on SQLite's write lock: two nodes catching up never apply a batch twice. A fixed
# 64-bit key of its own ("projects"), apart from the scheduler's.
WRITE_LOCK = 0x7072_6F6A_6563_7473

# Types of the `timeline_scope` columns, for PostgreSQL's arrays (see `insert_fanned_out`).
_SCOPE_TYPES = ("bigint", "bigint", "bigint", "text", "bigint", "bigint", "bigint", "bigint")


def insert_fanned_out(conn: Any, scope: str, lineage: str, rows: list[tuple]) -> None:
    """Insert timeline rows (scope first) and a copy of each for every scope its region's
    lineage lists, in the caller's transaction."""
    if is_sqlite(conn):
        first = conn.execute(f"SELECT coalesce(max(rowid), 0) FROM {scope}").fetchone()[0]
        conn.executemany(f"INSERT INTO {scope} VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        conn.execute(
            f"INSERT INTO {scope} SELECT l.scope, s.sort_key, s.vid, s.type, "
            f"s.retracted, s.earliest, s.latest, s.role FROM {scope} s "
            f"JOIN {lineage} l ON l.region = s.scope WHERE s.rowid > ?",
            [first],
        )
        return
    # One statement: the batch as one array per column, and its fan-out joined from them.
    arrays = ", ".join(f"%s::{kind}[]" for kind in _SCOPE_TYPES)
    conn.raw.execute(
        f"WITH s (scope, sort_key, vid, type, retracted, earliest, latest, role) AS "
        f"(SELECT * FROM unnest({arrays})) "
        f"INSERT INTO {scope} SELECT * FROM s UNION ALL SELECT l.scope, s.sort_key, s.vid, s.type, "
        f"s.retracted, s.earliest, s.latest, s.role FROM s JOIN {lineage} l ON l.region = s.scope",
        [list(column) for column in zip(*rows, strict=True)],
    )
