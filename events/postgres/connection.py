"""A psycopg 3 connection that speaks the store's SQL: `?` placeholders, explicit transactions.

The store, the Merkle tree, the verification walk and the catalogues write portable SQL with
SQLite's `?` placeholders; this adapter turns them into psycopg's `%s` (once per statement
text) so that code runs unchanged on PostgreSQL. Everything backend-specific stays in
`events.postgres`.
"""

from __future__ import annotations

import functools
import re
import select
from collections.abc import Sequence
from typing import Any, NamedTuple

import psycopg
from psycopg import pq
from psycopg_pool import ConnectionPool, PoolTimeout

from events.backends import redact
from events.errors import StoreUnavailable

_MARK = re.compile(r"\?")
# `INSERT INTO <table> VALUES (?, …)`: every column, no conflict clause, nothing computed.
_PLAIN_INSERT = re.compile(r"INSERT INTO (\w+) VALUES \((?:\?, ?)*\?\)")
# `INSERT INTO <table> VALUES (?, …) ON CONFLICT DO NOTHING`: (head, row, tail).
_IGNORING_INSERT = re.compile(r"(INSERT INTO \w+ VALUES )(\((?:\?, ?)*\?\))( ON CONFLICT DO NOTHING)")
_COPY_FROM = 64  # rows; below, COPY or a statement of many rows costs more than it saves
_ROWS_PER_STATEMENT = 1000


class Changed(NamedTuple):
    """How many rows a statement run for many rows changed (sqlite3's `rowcount`)."""

    rowcount: int


@functools.lru_cache(maxsize=512)
def _translate(sql: str) -> str:
    # The store's SQL has no string literal holding `?` or `%`: a plain substitution is exact.
    return _MARK.sub("%s", sql.replace("%", "%%"))


class PgConnection:
    """The subset of `sqlite3.Connection` the store uses, over one autocommit psycopg connection.

    Autocommit with explicit BEGIN/COMMIT, as the SQLite connection is opened: a transaction is
    exactly what the store says it is.
    """

    def __init__(self, raw: psycopg.Connection, url: str, pool: ConnectionPool | None = None) -> None:
        self.raw = raw
        self.url = url
        self.pool = pool  # where `raw` came from and goes back to on close
        self._with_commit: list[str] = []

    @classmethod
    def open(cls, url: str, pool: ConnectionPool | None = None) -> PgConnection:
        """A connection of its own, or one taken from `pool` (see `open_pool`)."""
        try:
            raw = psycopg.connect(url, autocommit=True) if pool is None else pool.getconn()
        except (psycopg.Error, PoolTimeout) as e:
            raise StoreUnavailable(redact(url), f"cannot connect ({str(e).strip()})") from e
        return cls(raw, url, pool)

    @property
    def lost(self) -> bool:
        """Whether the server connection is gone: psycopg marks it broken on the failure that
        showed it, and an idle one the server ended (a restart, `pg_terminate_backend`) is found
        without a round trip, before a request would fail on it."""
        if self.raw.closed or self.raw.broken:
            return True
        if self.in_transaction:
            return False
        # Idle and not listening, the server says nothing unasked but its farewell before it
        # closes: anything waiting to be read means the session is over. (Were it ever a mere
        # notice, the cost is one new connection; the pool checks this one before reuse.)
        try:
            readable, _, _ = select.select([self.raw.pgconn.socket], [], [], 0)
        except (OSError, psycopg.OperationalError):
            return True
        return bool(readable)

    @property
    def conn(self) -> PgConnection:
        """`Reference.upsert` reaches for `db.conn` (sqlite-utils); here the adapter is both."""
        return self

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != pq.TransactionStatus.IDLE

    def send_with_commit(self, statement: str) -> None:
        """Run `statement` (no parameters, nothing read back) in the same round trip as this
        transaction's COMMIT; a ROLLBACK drops it."""
        self._with_commit.append(statement)

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> psycopg.Cursor:
        if params is None:
            if sql in ("COMMIT", "ROLLBACK") and self._with_commit:
                statements, self._with_commit = self._with_commit, []
                if sql == "COMMIT":  # one simple-query string: one round trip
                    sql = "; ".join([*statements, sql])
            return self.raw.execute(sql)  # type: ignore[arg-type]  # no parameters: no placeholders
        return self.raw.execute(_translate(sql), params)  # type: ignore[arg-type]

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> psycopg.Cursor | Changed:
        """Run `sql` once per row; the answer's `rowcount` sums the rows changed, as sqlite3's."""
        if len(rows) == 1:  # executemany would open a pipeline for one row
            return self.raw.execute(_translate(sql), rows[0])  # type: ignore[arg-type]
        cursor = self.raw.cursor()
        ignoring = _IGNORING_INSERT.fullmatch(sql)
        if ignoring is not None and len(rows) >= _COPY_FROM:
            # Rows whose duplicates are skipped: many per statement (a statement per row has the
            # server plan and run each; COPY cannot skip a duplicate).
            head, values, tail = ignoring.groups()
            changed = 0
            for start in range(0, len(rows), _ROWS_PER_STATEMENT):
                part = rows[start : start + _ROWS_PER_STATEMENT]
                text = f"{head}{', '.join([values] * len(part))}{tail}"
                cursor.execute(_translate(text), [value for row in part for value in row])  # type: ignore[arg-type]
                changed += cursor.rowcount
            return Changed(changed)
        plain = _PLAIN_INSERT.fullmatch(sql)
        if plain is not None and len(rows) >= _COPY_FROM:
            # Plain rows into one table (a rebuild's bulk): COPY streams them in one statement,
            # where executemany would have the server run an INSERT per row.
            with cursor.copy(f"COPY {plain[1]} FROM STDIN") as copy:  # type: ignore[arg-type]
                for row in rows:
                    copy.write_row(row)
            return cursor
        cursor.executemany(_translate(sql), rows)  # type: ignore[arg-type]
        return cursor

    def executescript(self, script: str) -> None:
        """Several statements in one call (no parameters), as sqlite3's executescript."""
        self.raw.execute(script)  # type: ignore[arg-type]

    def close(self) -> None:
        if self.pool is not None:
            self.pool.putconn(self.raw)  # the pool closes a broken one and opens another when asked
        else:
            self.raw.close()

    def __del__(self) -> None:
        # Like a sqlite3 connection, a store dropped without close() (a CLI command's) closes
        # quietly rather than warning.
        raw = getattr(self, "raw", None)
        if raw is not None and not raw.closed and getattr(self, "pool", None) is None:
            raw.close()


def open_pool(url: str, size: int) -> ConnectionPool:
    """Up to `size` connections for one process's threads, opened as they are first asked for and
    checked as they are handed out; a connection the server dropped is replaced, not reused."""
    return ConnectionPool(
        url,
        kwargs={"autocommit": True},
        min_size=1,
        max_size=size,
        check=ConnectionPool.check_connection,
        name="timeline",
        open=True,
    )
