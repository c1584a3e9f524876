"""The log's SQLite file: its schema, and opening it (WAL mode, explicit transactions)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Literal

from events.errors import StoreUnavailable

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    position INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    stream TEXT NOT NULL,
    version INTEGER NOT NULL,
    type TEXT NOT NULL,
    schema_version INTEGER NOT NULL,
    occurred TEXT,
    recorded_at TEXT NOT NULL,
    payload TEXT NOT NULL,
    source TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (stream, version)
);
CREATE TABLE IF NOT EXISTS idempotency (
    key TEXT PRIMARY KEY,
    request_hash TEXT NOT NULL,
    first_position INTEGER NOT NULL,
    last_position INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS integrity (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    verified_position INTEGER NOT NULL DEFAULT 0,
    verified_at TEXT,
    broken_position INTEGER,
    broken_reason TEXT,
    broken_at TEXT
);
INSERT OR IGNORE INTO integrity (id) VALUES (1);
CREATE TRIGGER IF NOT EXISTS events_refuse_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the event log is append-only: UPDATE refused'); END;
CREATE TRIGGER IF NOT EXISTS events_refuse_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the event log is append-only: DELETE refused'); END;
-- INSERT OR REPLACE deletes the row it replaces without firing DELETE triggers: refuse any
-- insert at a position the log already has (one seek to the end of the table per row).
CREATE TRIGGER IF NOT EXISTS events_refuse_replace BEFORE INSERT ON events
WHEN NEW.position <= (SELECT max(position) FROM events)
BEGIN SELECT RAISE(ABORT, 'the event log is append-only: a position is never written twice'); END;
"""

COLUMNS = (
    "position, event_id, stream, version, type, schema_version, occurred, recorded_at, "
    "payload, source, prev_hash, hash"
)
INSERT = f"INSERT INTO events ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
Synchronous = Literal["OFF", "NORMAL", "FULL", "EXTRA"]


def connect(
    path: str | Path, *, create: bool = True, synchronous: Synchronous = "FULL"
) -> sqlite3.Connection:
    """Open the database in WAL mode, autocommit (transactions are explicit), usable across threads."""
    path = Path(path)
    if not create and not path.exists():
        raise StoreUnavailable(str(path), "no such file (run `timeline init` to create it)")
    if create and not path.parent.exists():
        raise StoreUnavailable(str(path), f"the directory {path.parent} does not exist")
    try:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={synchronous}")
        conn.execute("PRAGMA busy_timeout=30000")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as e:
        raise StoreUnavailable(str(path), _open_failure(e)) from e
    return conn


def _open_failure(error: sqlite3.DatabaseError) -> str:
    """Why a database could not be opened: WAL mode writes beside it, so a full disk shows here."""
    code = getattr(error, "sqlite_errorcode", 0) & 0xFF
    if code in (sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY):
        return f"cannot write beside it ({error}): is the disk full or the folder read-only?"
    return f"not a usable SQLite database ({error})"
