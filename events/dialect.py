"""What the portable SQL of the log's neighbours says differently to SQLite and to PostgreSQL.

Projections, webhook deliveries and job records write SQL both engines run (`?` placeholders,
which `events.postgres.connection` translates; `ON CONFLICT` upserts, which both speak). What is
not portable is here: column types (SQLite's INTEGER is 64-bit, PostgreSQL's 32-bit), how a
writer takes a write slot, how a reader gets one snapshot across statements, and the catalogue
of tables. The connection's type says which engine it is.
"""

from __future__ import annotations

import re
import sqlite3
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any


def is_sqlite(conn: Any) -> bool:
    return isinstance(conn, sqlite3.Connection)


def table_definition(conn: Any, columns: str) -> str:
    """The text after `CREATE TABLE <name>` (or a script of them) for this engine, written in
    SQLite's words; SQLite's REAL is 8 bytes, PostgreSQL's 4 (an epoch in seconds would lose
    minutes)."""
    if is_sqlite(conn):
        return columns
    columns = re.sub(r"\bREAL\b", "DOUBLE PRECISION", columns)
    return re.sub(r"\bINTEGER\b", "BIGINT", columns).replace("WITHOUT ROWID", "")


def create_tables(conn: Any, lock: int, probe: str, script: str) -> None:
    """Run `script` (CREATE … IF NOT EXISTS, in SQLite's words) unless the table `probe` exists.

    On PostgreSQL under the write slot `lock`: two sessions creating the same table at once collide
    on the catalogue (a unique violation) despite IF NOT EXISTS. Outside any transaction."""
    if table_exists(conn, probe):
        return
    if is_sqlite(conn):  # executescript commits first: its DDL takes the write lock itself
        conn.executescript(script)
        return
    begin_write(conn, lock)
    try:
        conn.executescript(table_definition(conn, script))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def begin_write(conn: Any, lock: int) -> None:
    """Begin a transaction that holds a write slot until it ends: SQLite's one write lock, or on
    PostgreSQL the transaction-level advisory lock `lock` (a 64-bit key naming what it guards),
    so writers of the same tables on several nodes queue as SQLite's do."""
    if is_sqlite(conn):
        conn.execute("BEGIN IMMEDIATE")
    else:
        conn.execute(f"BEGIN; SELECT pg_advisory_xact_lock({lock:d})")


@contextmanager
def session_lock(conn: Any, lock: int) -> Iterator[None]:
    """Hold the advisory lock `lock` across transactions on PostgreSQL, where several machines
    may start the same work at once; on SQLite, nothing (one machine, whose `serve` prepares the
    database before its workers start)."""
    if is_sqlite(conn):
        yield
        return
    conn.execute(f"SELECT pg_advisory_lock({lock:d})")
    try:
        yield
    finally:
        if not conn.lost:  # a lost session released it with itself
            conn.execute(f"SELECT pg_advisory_unlock({lock:d})")


def begin_snapshot(conn: Any, guard: str | None = None) -> None:
    """Begin a transaction whose statements all read one snapshot.

    On PostgreSQL, with `guard`, the snapshot is taken only after any writer holding that table
    exclusively (`exclude_readers`) has finished: PostgreSQL's DDL is not MVCC-safe, so a
    snapshot taken while a transaction renames tables in could read the new tables with the
    other rows as they were before it. SQLite's snapshots need no guard.
    """
    if is_sqlite(conn):
        conn.execute("BEGIN")
        return
    # REPEATABLE READ: one snapshot for the transaction (READ COMMITTED takes one per statement),
    # taken at the first query, so after the LOCK (which takes none) was granted.
    begin = "BEGIN ISOLATION LEVEL REPEATABLE READ"
    if guard is not None and lasting_table_exists(conn, guard):
        begin += f"; LOCK TABLE {guard} IN ACCESS SHARE MODE"
    conn.execute(begin)


def exclude_readers(conn: Any, guard: str) -> None:
    """Hold off, until this transaction ends, the snapshots `begin_snapshot(conn, guard)` takes
    (and wait for those open now): for a transaction whose DDL readers must see all or none of."""
    if not is_sqlite(conn):
        conn.execute(f"LOCK TABLE {guard} IN ACCESS EXCLUSIVE MODE")


# Tables known to exist, per connection, among those created once and never dropped.
_LASTING: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()


def lasting_table_exists(conn: Any, name: str) -> bool:
    """`table_exists` for a table that is never dropped: asked until it exists, then known."""
    known = _LASTING.setdefault(conn, set())
    if name not in known and table_exists(conn, name):
        known.add(name)
    return name in known


def table_exists(conn: Any, name: str) -> bool:
    if is_sqlite(conn):
        sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
    else:
        sql = "SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = ?"
    return conn.execute(sql, [name]).fetchone() is not None


def rename_table(conn: Any, name: str, new_name: str) -> None:
    """Rename a table (inside the caller's transaction: both engines' DDL is transactional)."""
    conn.execute(f"ALTER TABLE {name} RENAME TO {new_name}")
    if not is_sqlite(conn):
        # PostgreSQL names a primary key's index after the table and keeps that name; a new
        # table named like the old one would collide with it.
        conn.execute(f"ALTER INDEX IF EXISTS {name}_pkey RENAME TO {new_name}_pkey")


def replace_sql(table: str, columns: Sequence[str]) -> str:
    """Insert a row or replace the one with the same key (the first column)."""
    updates = ", ".join(f"{column} = excluded.{column}" for column in columns[1:])
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
        f"ON CONFLICT ({columns[0]}) DO UPDATE SET {updates}"
    )
