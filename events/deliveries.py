"""The webhook outbox and delivery log, beside the event log in the same database.

One message per (milestone change, subscription), keyed by its `webhook-id`, which derives from
the log position and the subscription: enqueuing the same change twice adds nothing. A message
is `pending` until a delivery succeeds (`delivered`, for good: it is never sent again, also
after a restart) or its subscription ends (`abandoned`). Every attempt is logged. The SQL is
portable (`events.dialect`): the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Literal

import msgspec

from events.dialect import begin_write, create_tables, replace_sql
from events.store import EventStore
from events.times import format_time, parse_time, utc_now

SCHEMA = """
CREATE TABLE IF NOT EXISTS webhook_cursor (id INTEGER PRIMARY KEY CHECK (id = 1), position INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS webhook_messages (
    webhook_id TEXT PRIMARY KEY,
    subscription TEXT NOT NULL,
    position INTEGER NOT NULL,
    event TEXT NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    delivered_at TEXT
);
CREATE INDEX IF NOT EXISTS webhook_messages_due ON webhook_messages (state, next_attempt_at);
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    id INTEGER PRIMARY KEY,
    webhook_id TEXT NOT NULL,
    subscription TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    attempted_at TEXT NOT NULL,
    outcome TEXT NOT NULL,
    status INTEGER,
    error TEXT,
    duration_ms REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_by_subscription ON webhook_deliveries (subscription, id);
CREATE TABLE IF NOT EXISTS webhook_streaks (subscription TEXT PRIMARY KEY, failures INTEGER NOT NULL);
"""
# The outbox's writers queue on this advisory lock on PostgreSQL (`events.dialect.begin_write`), as
# on SQLite's write lock: a fixed 64-bit key of its own ("delivers").
WRITE_LOCK = 0x6465_6C69_7665_7273


class Message(msgspec.Struct, frozen=True, kw_only=True):
    """One change to send to one subscription."""

    webhook_id: str
    subscription: str
    position: int
    event: str  # added | corrected | retracted
    body: str
    attempts: int = 0


class Attempt(msgspec.Struct, frozen=True, kw_only=True):
    """What one delivery attempt found."""

    ok: bool
    status: int | None
    error: str | None
    duration_ms: float


class Delivery(msgspec.Struct, frozen=True, kw_only=True):
    """A line of the delivery log."""

    webhook_id: str
    position: int
    event: str
    attempt: int
    attempted_at: datetime
    outcome: Literal["delivered", "failed"]
    status: int | None
    error: str | None
    duration_ms: float
    state: str  # the message's state now: pending, delivered or abandoned


def webhook_id(position: int, subscription: str) -> str:
    return f"msg_{position}_{subscription.removeprefix('wh_')}"


def ensure_schema(conn: Any) -> None:
    """Create the tables once (a look at the catalogue is cheaper than the script)."""
    create_tables(conn, WRITE_LOCK, "webhook_streaks", SCHEMA)


@contextmanager
def _transaction(store: EventStore) -> Iterator[Any]:
    ensure_schema(store.conn)
    with store._lock:  # the store's connection: its users serialise on this lock
        begin_write(store.conn, WRITE_LOCK)
        try:
            yield store.conn
            store.conn.execute("COMMIT")
        except BaseException:
            store.conn.execute("ROLLBACK")
            raise


def cursor(store: EventStore) -> int:
    """The log position up to which changes have been turned into messages."""
    ensure_schema(store.conn)
    row = store.conn.execute("SELECT position FROM webhook_cursor WHERE id = 1").fetchone()
    return row[0] if row else -1


def enqueue(store: EventStore, messages: list[Message], upto: int, now: float) -> int:
    """Add the messages and move the cursor to `upto`, together; returns how many were new."""
    with _transaction(store) as conn:
        added = conn.executemany(
            "INSERT INTO webhook_messages "
            "(webhook_id, subscription, position, event, body, state, next_attempt_at) "
            "VALUES (?, ?, ?, ?, ?, 'pending', ?) ON CONFLICT (webhook_id) DO NOTHING",
            [(m.webhook_id, m.subscription, m.position, m.event, m.body, now) for m in messages],
        ).rowcount  # both drivers sum the rows each one inserted
        conn.execute(replace_sql("webhook_cursor", ["id", "position"]), [1, upto])
    return added


def due(store: EventStore, now: float, limit: int = 100) -> list[Message]:
    """The oldest pending message of each subscription, when its next attempt is due: a
    subscriber receives its changes in log order, one after the other."""
    ensure_schema(store.conn)
    rows = store.conn.execute(
        "SELECT webhook_id, subscription, position, event, body, attempts FROM webhook_messages m "
        "WHERE state = 'pending' AND next_attempt_at <= ? AND position = (SELECT min(position) "
        "FROM webhook_messages o WHERE o.subscription = m.subscription AND o.state = 'pending') "
        "ORDER BY position, webhook_id LIMIT ?",
        [now, limit],
    ).fetchall()
    return [
        Message(webhook_id=r[0], subscription=r[1], position=r[2], event=r[3], body=r[4], attempts=r[5])
        for r in rows
    ]


def record(store: EventStore, message: Message, attempt: Attempt, retry_at: float) -> int:
    """Log an attempt. Success marks the message delivered for good; a failure schedules the
    next attempt at `retry_at`. Returns the subscription's failures in a row."""
    number = message.attempts + 1
    at = format_time(utc_now())
    with _transaction(store) as conn:
        # The next id under the write slot: the log's order, on an engine without rowids too.
        conn.execute(
            "INSERT INTO webhook_deliveries "
            "(id, webhook_id, subscription, attempt, attempted_at, outcome, status, error, duration_ms) "
            "VALUES ((SELECT coalesce(max(id), 0) + 1 FROM webhook_deliveries), ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                message.webhook_id,
                message.subscription,
                number,
                at,
                "delivered" if attempt.ok else "failed",
                attempt.status,
                attempt.error,
                attempt.duration_ms,
            ],
        )
        if attempt.ok:
            conn.execute(
                "UPDATE webhook_messages SET state = 'delivered', attempts = ?, delivered_at = ? "
                "WHERE webhook_id = ?",
                [number, at, message.webhook_id],
            )
            conn.execute("DELETE FROM webhook_streaks WHERE subscription = ?", [message.subscription])
            return 0
        conn.execute(
            "UPDATE webhook_messages SET attempts = ?, next_attempt_at = ? WHERE webhook_id = ?",
            [number, retry_at, message.webhook_id],
        )
        conn.execute(
            "INSERT INTO webhook_streaks VALUES (?, 1) "
            "ON CONFLICT (subscription) DO UPDATE SET failures = webhook_streaks.failures + 1",
            [message.subscription],
        )
        row = conn.execute(
            "SELECT failures FROM webhook_streaks WHERE subscription = ?", [message.subscription]
        ).fetchone()
    return row[0]


def abandon(store: EventStore, subscription: str) -> None:
    """The subscription ended: its pending messages will not be sent."""
    with _transaction(store) as conn:
        conn.execute(
            "UPDATE webhook_messages SET state = 'abandoned' WHERE subscription = ? AND state = 'pending'",
            [subscription],
        )


def deliveries(store: EventStore, subscription: str, limit: int = 100) -> list[Delivery]:
    """The subscription's delivery log, newest first."""
    ensure_schema(store.conn)
    rows = store.conn.execute(
        "SELECT d.webhook_id, m.position, m.event, d.attempt, d.attempted_at, d.outcome, d.status, "
        "d.error, d.duration_ms, m.state FROM webhook_deliveries d "
        "JOIN webhook_messages m ON m.webhook_id = d.webhook_id "
        "WHERE d.subscription = ? ORDER BY d.id DESC LIMIT ?",
        [subscription, limit],
    ).fetchall()
    return [
        Delivery(
            webhook_id=r[0],
            position=r[1],
            event=r[2],
            attempt=r[3],
            attempted_at=parse_time(r[4]),
            outcome=r[5],
            status=r[6],
            error=r[7],
            duration_ms=r[8],
            state=r[9],
        )
        for r in rows
    ]
