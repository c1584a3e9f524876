"""The log's tables in PostgreSQL, its append-only triggers, and the GRANTs a service role needs.

Columns hold the same text as on SQLite (`recorded_at` as fixed-width RFC 3339, payloads as the
JSON the store encoded), so the canonical bytes, and every hash, are the same on both backends.
"""

from __future__ import annotations

import re

TABLES = """
CREATE TABLE IF NOT EXISTS events (
    position BIGINT PRIMARY KEY,
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
-- The single row every append locks first (SELECT ... FOR UPDATE): appends are serialised, so
-- position N commits before N+1 is even numbered and a follower never sees a gap close late.
-- A sequence would not do: it leaves gaps on rollback and commits out of order. The row holds
-- the last event's position, hash and time, updated in each append's transaction, so the lock
-- answers with the head (the newest version of the row, whoever committed it while we waited).
CREATE TABLE IF NOT EXISTS log_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    position BIGINT NOT NULL DEFAULT 0,
    hash TEXT NOT NULL DEFAULT '0000000000000000000000000000000000000000000000000000000000000000',
    recorded_at TEXT NOT NULL DEFAULT ''
);
INSERT INTO log_head (id) VALUES (1) ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS idempotency (
    key TEXT PRIMARY KEY,
    request_hash TEXT NOT NULL,
    first_position BIGINT NOT NULL,
    last_position BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS integrity (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    verified_position BIGINT NOT NULL DEFAULT 0,
    verified_at TEXT,
    broken_position BIGINT,
    broken_reason TEXT,
    broken_at TEXT
);
INSERT INTO integrity (id) VALUES (1) ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS merkle_nodes (id BIGINT PRIMARY KEY, hash BYTEA NOT NULL);
CREATE TABLE IF NOT EXISTS tree_heads (
    size BIGINT PRIMARY KEY,
    root TEXT NOT NULL,
    timestamp BIGINT NOT NULL,
    key_id TEXT NOT NULL,
    signature TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS regions (code TEXT PRIMARY KEY, data TEXT NOT NULL, position BIGINT);
CREATE TABLE IF NOT EXISTS programmes (slug TEXT PRIMARY KEY, data TEXT NOT NULL, position BIGINT);
CREATE TABLE IF NOT EXISTS sources (
    id TEXT PRIMARY KEY, data TEXT NOT NULL, position BIGINT, text_sha256 TEXT, text TEXT
);
CREATE OR REPLACE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_ARGV[0], TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END $$;
"""

# (table, what the message calls it): UPDATE, DELETE and TRUNCATE are refused on each.
APPEND_ONLY = (
    ("events", "the event log"),
    ("merkle_nodes", "the Merkle tree"),
    # The signed heads: a server database has no head file beside it to keep one out of reach.
    ("tree_heads", "the signed heads"),
)


def _triggers() -> str:
    parts = []
    for table, name in APPEND_ONLY:
        parts.append(
            f"CREATE OR REPLACE TRIGGER {table}_refuse_change BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION refuse_change('{name}');\n"
            f"CREATE OR REPLACE TRIGGER {table}_refuse_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION refuse_change('{name}');\n"
        )
    return "".join(parts)


SCHEMA = TABLES + _triggers()

# What the service does to each table: the log and the tree only grow; the head row is locked
# (FOR UPDATE needs UPDATE), integrity records verification, catalogues follow their events.
PRIVILEGES = {
    "events": "SELECT, INSERT",
    "merkle_nodes": "SELECT, INSERT",
    "tree_heads": "SELECT, INSERT",
    "idempotency": "SELECT, INSERT",
    "log_head": "SELECT, UPDATE",
    "integrity": "SELECT, UPDATE",
    "regions": "SELECT, INSERT, UPDATE",
    "programmes": "SELECT, INSERT, UPDATE",
    "sources": "SELECT, INSERT, UPDATE",
}
_ROLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def grants(role: str) -> str:
    """GRANT statements for a service role that may append and read, never alter the log."""
    if not _ROLE.match(role):
        raise ValueError(f"role {role!r}: use a plain lower-case PostgreSQL name ([a-z_][a-z0-9_]*)")
    lines = [f"GRANT {what} ON {table} TO {role};" for table, what in PRIVILEGES.items()]
    # The views, the job records, the webhook outbox and subscriptions are the service's own
    # tables, derived or operational: it creates them, and swaps views in on a rebuild.
    lines.append(f"GRANT USAGE, CREATE ON SCHEMA public TO {role};")
    return "\n".join(lines) + "\n"
