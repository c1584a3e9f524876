"""The PostgreSQL connection adapter runs the store's SQL as sqlite3 does, bulk paths included."""

from __future__ import annotations

import sqlite3

from events.postgres.connection import PgConnection


def test_many_rows_land_and_count_as_on_sqlite(pg_url: str) -> None:
    """Plain inserts of many rows go by COPY and inserts that skip duplicates by statements of
    many rows; what lands and what `rowcount` says match sqlite3 running the same SQL."""
    engines = [PgConnection.open(pg_url), sqlite3.connect(":memory:", isolation_level=None)]
    statements = [
        ("INSERT INTO t VALUES (?, ?)", [(k, f"v{k}") for k in range(2500)]),
        # Duplicates within the call (k % 1800) and of rows already there, skipped on both.
        ("INSERT INTO t VALUES (?, ?) ON CONFLICT DO NOTHING", [(k % 1800 + 2000, "w") for k in range(3100)]),
        ("INSERT INTO t VALUES (?,?) ON CONFLICT DO NOTHING", [(k, "x") for k in range(3795, 3805)]),
        ("UPDATE t SET v = ? WHERE k = ?", [("u", k) for k in range(100)]),
    ]
    answers = []
    for conn in engines:
        conn.execute("CREATE TABLE t (k BIGINT PRIMARY KEY, v TEXT NOT NULL)")
        counts = [conn.executemany(sql, rows).rowcount for sql, rows in statements]
        answers.append((counts, conn.execute("SELECT k, v FROM t ORDER BY k").fetchall()))
        conn.close()
    assert answers[0] == answers[1]
    counts, rows = answers[0]
    assert counts == [2500, 1300, 5, 100] and len(rows) == 3805
