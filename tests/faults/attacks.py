"""What an attacker with write access to the database file can do, done with plain sqlite3 and
file operations (shared by the tests and `bench/faults.py`)."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from events import merkle
from events.envelope import GENESIS_HASH, canonical_bytes, chain_hash
from events.sqlite import COLUMNS
from events.tree import node_key


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None, timeout=30)


def drop_triggers(conn: sqlite3.Connection) -> None:
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")


def replace_old_row(path: Path, position: int = 3) -> int:
    """INSERT OR REPLACE an old event with an edited title, triggers dropped first (with them,
    SQLite refuses). Hashes are left as they were."""
    conn = _connect(path)
    drop_triggers(conn)
    row = list(conn.execute(f"SELECT {COLUMNS} FROM events WHERE position = ?", [position]).fetchone())
    row[8] = row[8].replace('"en":"', '"en":"Not ', 1)
    conn.execute(f"INSERT OR REPLACE INTO events ({COLUMNS}) VALUES ({','.join('?' * 12)})", row)
    conn.close()
    return position


def rewrite_history(path: Path, position: int = 10) -> int:
    """Edit every event from `position` on and recompute everything that can be recomputed
    without the private key: the hash chain and every stored Merkle node."""
    conn = _connect(path)
    drop_triggers(conn)
    rewrite_rows(conn, position)
    conn.close()
    return position


def rewrite_rows(conn: Any, position: int) -> None:
    """The rewrite itself, through any connection with `execute(sql, params)` (SQLite, or the
    PostgreSQL adapter), its triggers already out of the way."""
    rows = conn.execute(f"SELECT {COLUMNS} FROM events ORDER BY position", []).fetchall()
    conn.execute("BEGIN", [])
    conn.execute("DELETE FROM events", [])
    conn.execute("DELETE FROM merkle_nodes", [])
    prev, frontier, nodes = GENESIS_HASH, merkle.Frontier(), []
    for row in rows:
        row = list(row)
        if row[0] >= position:
            row[8] = row[8].replace('"en":"', '"en":"Rewritten ', 1)
        canonical = canonical_bytes(*row[:10])
        row[10], row[11] = prev, chain_hash(prev, canonical)
        prev = row[11]
        nodes += frontier.append(merkle.leaf_hash(canonical))
        conn.execute(f"INSERT INTO events ({COLUMNS}) VALUES ({','.join('?' * 12)})", row)
    for node, digest in nodes:
        conn.execute("INSERT INTO merkle_nodes (id, hash) VALUES (?, ?)", [node_key(node), digest])
    conn.execute("COMMIT", [])


def retitle_source(path: Path, source_id: str = "jinzhong-daily-report-2021-05-19") -> int:
    """Change one character of a source document's title in the catalogue table."""
    conn = _connect(path)
    drop_triggers(conn)
    position = conn.execute("SELECT position FROM sources WHERE id = ?", [source_id]).fetchone()[0]
    conn.execute(
        "UPDATE sources SET data = json_set(data, '$.title.en', json_extract(data, '$.title.en') || '!') "
        "WHERE id = ?",
        [source_id],
    )
    conn.close()
    return position


def lose_the_wal(path: Path) -> int:
    """Truncate the write-ahead log and delete the shared-memory index under a running server:
    every event committed since the last checkpoint is gone."""
    conn = _connect(path)
    kept = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    conn.close()
    wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
    before = os.path.getsize(wal) if wal.exists() else 0
    os.truncate(wal, 0)
    shm.unlink(missing_ok=True)
    assert before > 0, "nothing was in the WAL to lose"
    conn = _connect(path)
    left = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    conn.close()
    assert left < kept, "the events were checkpointed before the WAL was truncated"
    return left + 1


Attack = Callable[[Path], int]
ATTACKS: dict[str, Attack] = {
    "INSERT OR REPLACE of an old event": replace_old_row,
    "history rewritten from position 10, every hash recomputed": rewrite_history,
    "a source title changed in the catalogue": retitle_source,
    "WAL truncated and -shm deleted under the server": lose_the_wal,
}
