"""The API's connections on PostgreSQL come from a pool; one the server dropped is replaced."""

from __future__ import annotations

import threading
from pathlib import Path

import psycopg
import pytest
from litestar.testing import TestClient

from api.context import Database
from events.backends import open_log
from timeline.settings import Settings


def _drop_connections(url: str, wait: bool = True) -> int:
    """What a server restart or an administrator does: end every other session on the database;
    with `wait`, return once they have ended (PostgreSQL 14+ waits up to the timeout, in ms)."""
    timeout = ", 10000" if wait else ""
    with psycopg.connect(url, autocommit=True) as admin:
        rows = admin.execute(
            f"SELECT pg_terminate_backend(pid{timeout}) FROM pg_stat_activity "  # type: ignore[arg-type]
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return len(rows)


def test_a_connection_the_server_ended_while_idle_is_replaced_before_use(pg_url: str, tmp_path: Path) -> None:
    open_log(pg_url).close()
    database = Database(Settings(db=pg_url, signing_key=str(tmp_path / "timeline.key")))
    try:
        first = database.store()
        assert database.store() is first  # one store per thread while it works
        pid = first.conn.raw.info.backend_pid
        assert _drop_connections(pg_url) >= 1
        second = database.store()  # noticed without a failing query
        assert second is not first and second.conn.raw.info.backend_pid != pid
        assert second.head().position == 0
    finally:
        database.close()


def test_a_connection_that_failed_in_use_is_replaced_at_the_next_request(pg_url: str, tmp_path: Path) -> None:
    open_log(pg_url).close()
    database = Database(Settings(db=pg_url, signing_key=str(tmp_path / "timeline.key")))
    try:
        first = database.store()
        first.conn.execute("BEGIN")  # ended mid-transaction: only the next statement finds out
        assert _drop_connections(pg_url) >= 1
        with pytest.raises(psycopg.OperationalError):
            first.conn.execute("SELECT 1")  # the request that finds it gone fails (a 503 in the API)...
        second = database.store()  # ...and the thread's next one has a new connection
        assert second is not first and second.head().position == 0
    finally:
        database.close()


@pytest.fixture
def store_db(pg_url: str) -> str:
    return pg_url


def test_the_api_answers_again_after_the_server_dropped_its_connections(client: TestClient) -> None:
    assert client.get("/regions/140781/status", params={"as_of": "2022-01-01"}).status_code == 200
    assert _drop_connections(str(client.app.state.api.settings.db)) >= 1
    answers = [
        client.get("/regions/140781/status", params={"as_of": f"2022-01-{day:02d}"}).status_code
        for day in range(2, 28)
    ]
    # Every thread's idle connection is found gone before use and replaced: no request fails.
    assert answers == [200] * len(answers), answers


def test_a_finished_thread_gives_its_connection_back(pg_url: str, tmp_path: Path) -> None:
    """Worker threads come and go; a pool of 3 serves thread after thread without running dry."""
    open_log(pg_url).close()
    database = Database(Settings(db=pg_url, signing_key=str(tmp_path / "timeline.key")))
    database.POOL_SIZE = 3
    heads: list[int] = []
    try:
        for _ in range(8):
            thread = threading.Thread(target=lambda: heads.append(database.store().head().position))
            thread.start()
            thread.join(60)
            del thread  # gone: nothing refers to it any more
        assert heads == [0] * 8
    finally:
        database.close()
