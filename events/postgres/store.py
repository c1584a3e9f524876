"""The event log on PostgreSQL: `EventStore`'s rules with PostgreSQL's transactions and locks.

Numbering, versions, the hash chain, idempotency, the Merkle tree and signed heads are the
SQLite store's own code (`events.store.EventStore`), whose SQL is portable; this class supplies
what differs: the connection, the schema, how a write transaction takes the single writer slot
(a lock on the `log_head` row) and how PostgreSQL reports a unique violation.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import psycopg
from psycopg import errors, sql
from psycopg_pool import ConnectionPool

from events import merkle
from events.dialect import begin_write
from events.errors import ChainBroken, ConcurrencyError, DuplicateEventId, StoreUnavailable
from events.heads import SignedHead, Signer
from events.postgres.connection import PgConnection, redact
from events.postgres.schema import SCHEMA
from events.postgres.tree import PgTree
from events.postgres.watch import CHANNEL
from events.sqlite import COLUMNS, INSERT
from events.store import EventStore

# One array per column, bound in binary (`%b`): as text, psycopg escapes every element.
_TYPES = [
    "bigint",
    "text",
    "text",
    "integer",
    "text",
    "integer",
    "text",
    "text",
    "text",
    "text",
    "text",
    "text",
]
SCHEMA_LOCK = 0x7363_6865_6D61_6C6F  # an advisory lock key of its own ("schemalo")
INSERT_ARRAYS = (
    f"INSERT INTO events ({COLUMNS}) SELECT * FROM unnest({', '.join(f'%b::{t}[]' for t in _TYPES)})"
)


class PostgresEventStore(EventStore):
    """Append, read and verify a log kept in a PostgreSQL database (one connection per instance)."""

    _database_errors = (psycopg.Error,)

    def __init__(
        self, conn: PgConnection, *, signer: Signer | None = None, head_seconds: float = 0.0
    ) -> None:
        super().__init__(conn, redact(conn.url), signer=signer, head_seconds=head_seconds)  # type: ignore[arg-type]
        self._locked: tuple | None = None  # the lock query's answer (the hold), read once
        self._head_row: tuple | None = None  # the head under the lock, kept up to each insert
        self.tree: PgTree = PgTree(conn)

    # A server database has no folder beside it: the product names a local file for the heads
    # this node signs (timeline.database: the signing key's path + ".head"), which `verify` then
    # holds the database to, as on SQLite. None: heads only in `tree_heads`.
    head_file: Path | None = None

    @property
    def head_path(self) -> Path | None:
        return self.head_file

    @classmethod
    def open(  # type: ignore[override]
        cls,
        url: str | Path,
        *,
        create: bool = True,
        signer: Signer | None = None,
        head_seconds: float = 0.0,
        pool: ConnectionPool | None = None,
        **_: object,
    ) -> PostgresEventStore:
        conn = PgConnection.open(str(url), pool)
        store = cls(conn, signer=signer, head_seconds=head_seconds)
        try:
            if create:
                store.ensure_schema()
            elif conn.execute("SELECT to_regclass('events')").fetchone()[0] is None:
                raise StoreUnavailable(redact(url), "no event log in this database (run `timeline init`)")
        except BaseException:
            conn.close()
            raise
        return store

    def ensure_schema(self) -> None:
        """Create the tables unless they exist: a service role holding only the printed GRANTs
        (`timeline init --print-sql`) may open the log for writing, but never owns DDL."""
        present = "SELECT to_regclass('events') IS NOT NULL AND to_regclass('log_head') IS NOT NULL"
        try:
            with self._lock:
                if self.conn.execute(present).fetchone()[0]:
                    return
                # Nodes started together on an empty database queue here: PostgreSQL's catalogue
                # refuses two concurrent CREATE TABLE IF NOT EXISTS of one name.
                begin_write(self.conn, SCHEMA_LOCK)
                try:
                    if not self.conn.execute(present).fetchone()[0]:
                        self.conn.executescript(SCHEMA)
                    self.conn.execute("COMMIT")
                except BaseException:
                    self.conn.execute("ROLLBACK")
                    raise
        except psycopg.Error as e:
            raise StoreUnavailable(self.path, str(e).strip()) from e

    def connection_lost(self) -> bool:
        return self.conn.lost

    def data_version(self) -> object:
        # The server's current snapshot (next transaction id and those in progress) moves when
        # any transaction starts writing or ends, so it changes with every commit; it may move
        # without one (any write in the cluster), which only costs a needless re-read.
        with self._lock:
            return self.conn.execute("SELECT pg_current_snapshot()::text").fetchone()[0]

    def _begin_write(self) -> None:
        # Every writer queues on the head row, so positions are numbered and committed strictly
        # in order. One round trip (a simple-query string) begins, locks, and reads the head
        # and the write hold that `_refuse_if_broken` and `_last_row` need next.
        cursor = self.conn.execute(
            "BEGIN; SELECT i.broken_position, i.broken_reason, h.position, h.hash, h.recorded_at "
            "FROM log_head h JOIN integrity i ON i.id = 1 WHERE h.id = 1 FOR UPDATE OF h"
        )
        cursor.nextset()
        self._locked = cursor.fetchone()
        self._head_row = None if self._locked is None else self._locked[2:]

    def _last_row(self) -> tuple[int, str, str] | None:
        head = self._head_row
        if head is None:  # not under the lock (a subclass path that did not take it)
            return super()._last_row()
        return head if head[0] else None

    def _refuse_if_broken(self) -> None:
        locked, self._locked = self._locked, None
        if locked is None:
            super()._refuse_if_broken()
        elif locked[0] is not None:
            raise ChainBroken(
                locked[0],
                f"{locked[1]}; writes are refused until an operator restores a backup "
                "or a full `timeline verify` passes",
            )

    def _insert(self, rows: list[tuple]) -> None:
        try:
            if len(rows) == 1:
                self.conn.execute(INSERT, rows[0])
            else:  # one statement for the batch: a column of values per array
                self.conn.raw.execute(INSERT_ARRAYS, [list(column) for column in zip(*rows, strict=True)])
            # The head row follows the log in the same transaction, riding with COMMIT (so its
            # values go as literals, quoted by psycopg).
            self._head_row = (rows[-1][0], rows[-1][11], rows[-1][7])
            values = [sql.Literal(value).as_string(self.conn.raw) for value in self._head_row]
            self.conn.send_with_commit(
                "UPDATE log_head SET position = {}, hash = {}, recorded_at = {} WHERE id = 1".format(*values)
            )
        except errors.UniqueViolation as e:
            # PostgreSQL aborts the whole transaction: roll back first, then name the conflict
            # from what is committed (the batch is not written either way).
            self.conn.execute("ROLLBACK")
            constraint = e.diag.constraint_name or ""
            if constraint == "events_event_id_key":
                raise DuplicateEventId(self._duplicate_id(rows)) from e
            if constraint != "events_stream_version_key":
                raise
            for row in rows:  # the first stream that turned out not to be new
                current = self._stream_version(row[2])
                if current >= row[3]:
                    raise ConcurrencyError(row[2], row[3] - 1, current) from e
            raise

    def _grow_tree(self, size: int, leaves: list[bytes]) -> merkle.Frontier:
        frontier = super()._grow_tree(size, leaves)
        if leaves:  # delivered on commit, in commit order, to every listening node (watch.py)
            self.conn.send_with_commit(f"NOTIFY {CHANNEL}, '{frontier.size:d}'")
        return frontier

    def _publish(self, head: SignedHead | None) -> None:
        self.tree.committed()  # called right after every write transaction's COMMIT
        super()._publish(head)

    def _roll_back(self, error: BaseException) -> None:
        """Undo a failed write. PostgreSQL's own failures (the server gone, a disk full there)
        become StoreUnavailable: the batch is not in the log."""
        self.tree.rolled_back()
        if self.conn.in_transaction and not self.conn.raw.closed:
            # A connection that is gone had its transaction rolled back by the server.
            with contextlib.suppress(psycopg.OperationalError):
                self.conn.execute("ROLLBACK")
        if isinstance(error, psycopg.OperationalError):
            reason = f"the write failed and nothing was written ({str(error).strip()})"
            raise StoreUnavailable(self.path, reason) from error
