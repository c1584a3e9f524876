"""What projections write differently to SQLite and to PostgreSQL (the rest: `events.dialect`)."""

from __future__ import annotations

from typing import Any

from events.dialect import is_sqlite

# The projections' writers queue on this advisory lock on PostgreSQL (`events.dialect.begin_write`)
# as they queue on SQLite's write lock: two nodes catching up never apply a batch twice. A fixed
# 64-bit key of its own ("projects"), apart from the scheduler's.
WRITE_LOCK = 0x7072_6F6A_6563_7473


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
    # The copies made here, and all rows streamed in by COPY (`PgConnection.executemany`): an
    # INSERT … SELECT joining an unnested batch to the lineage ran at a third of the speed.
    above: dict[int, list[int]] = {}
    for region, up in conn.execute(f"SELECT region, scope FROM {lineage}").fetchall():
        above.setdefault(region, []).append(up)
    fanned = [(up, *row[1:]) for row in rows for up in above.get(row[0], ())]
    conn.executemany(f"INSERT INTO {scope} VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows + fanned)
