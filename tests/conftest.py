"""Shared fixtures: real SQLite files in tmp_path, or databases of a real PostgreSQL cluster, each
with a small catalogue."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec
import pytest

from events.backends import is_postgres, open_log
from events.envelope import NewEvent
from events.reference import Programme, Reference, Region, SourceDocument
from events.store import EventStore
from events.types import Event, LongText, Text
from tests.postgres import Cluster, bin_dir

if TYPE_CHECKING:
    from litestar.testing import TestClient

REGIONS = [
    Region(code="140000", name=Text(zh="山西省", en="Shanxi"), kind="province"),
    Region(code="140700", name=Text(zh="晋中市", en="Jinzhong"), kind="prefecture", parent="140000"),
    Region(
        code="140781",
        name=Text(zh="介休市", en="Jiexiu"),
        kind="county-level-city",
        parent="140700",
    ),
    Region(code="140725", name=Text(zh="寿阳县", en="Shouyang"), kind="county", parent="140700"),
    Region(code="140100", name=Text(zh="太原市", en="Taiyuan"), kind="prefecture", parent="140000"),
]
PROGRAMMES = [
    Programme(
        slug="county-integration",
        name=Text(zh="县域一体化", en="County integration"),
        description=LongText(zh="县域医疗卫生一体化改革", en="County health integration"),
        statuses=("designated", "demonstration", "rated", "awarded", "ended", "planned"),
        rank=("demonstration", "designated", "rated", "awarded", "planned", "ended"),
        supersedes={"designated": ("planned",), "demonstration": ("planned",)},
    ),
    Programme(
        slug="dip-payment",
        name=Text(zh="DIP支付", en="DIP payment"),
        description=LongText(zh="按病种分值付费", en="Diagnosis-intervention packet payment"),
        statuses=("designated", "rated", "ended"),
    ),
]
SOURCES = [
    SourceDocument(
        id="test-doc",
        title=Text(zh="测试文件", en="Test document"),
        publisher=Text(zh="测试", en="Test"),
        published="2024-08-28",
        kind="news",
    ),
]


def milestone(**fields: Any) -> Event:
    """A valid milestone of `type` (default meeting_held) with `fields` overriding defaults."""
    data: dict[str, Any] = {
        "type": "meeting_held",
        "occurred": "2021-05-07",
        "regions": ["140781"],
        "title": {"zh": "会议", "en": "A meeting"},
        "summary": {"zh": "召开了会议。", "en": "A meeting was held."},
        "sources": [{"document": "test-doc", "locator": "para 1"}],
    }
    data.update(fields)
    return msgspec.convert(data, type=Event)  # type: ignore[arg-type]


def new(stream: str = "s", expected: int | None = None, **fields: Any) -> NewEvent:
    return NewEvent(stream=stream, event=milestone(**fields), expected_version=expected)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "timeline.db"


@pytest.fixture
def store_db(db_path: Path) -> str:
    """The database `store` opens: the SQLite file. A module whose tests run on both backends
    overrides it with `log_db` (a fixture `store_db` returning `log_db`)."""
    return str(db_path)


@pytest.fixture
def client(store: EventStore, store_db: str) -> Iterator[TestClient]:
    """The real app on `store_db` (the small catalogue and five milestones), started and stopped
    around the test. A module needing other settings defines its own `client`."""
    from tests.test_api_support import open_client, seeded_settings  # the app: only where used

    yield from open_client(seeded_settings(store, store_db))


@pytest.fixture
def store(store_db: str) -> Iterator[EventStore]:
    """An empty log with the small catalogue, in `store_db`."""
    yield from _small_log(store_db)


def _small_log(db: str) -> Iterator[EventStore]:
    store = open_log(db)
    Reference(store.db).upsert([*REGIONS, *PROGRAMMES, *SOURCES])
    yield store
    store.close()


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """One real PostgreSQL cluster for the session, started the first time a test asks."""
    found = bin_dir()
    if found is None:
        pytest.fail("PostgreSQL is not installed: run .ci/install-postgresql.sh")
    cluster = Cluster(found).start()
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_url(pg_cluster: Cluster) -> str:
    """The URL of a fresh, empty PostgreSQL database."""
    return pg_cluster.create_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def log_db(request: pytest.FixtureRequest, db_path: Path) -> str:
    """Each backend in turn: a SQLite file path, then a fresh PostgreSQL database's URL."""
    return str(db_path) if request.param == "sqlite" else request.getfixturevalue("pg_url")


@pytest.fixture
def any_store(log_db: str) -> Iterator[EventStore]:
    """The `store` fixture on each backend: an empty log with the small catalogue."""
    yield from _small_log(log_db)


class RawLog:
    """A second, plain connection to the same database, for tests that go behind the store."""

    def __init__(self, db: str) -> None:
        self.postgres = is_postgres(db)
        if self.postgres:
            import psycopg

            from events.postgres.connection import PgConnection

            self.conn: Any = PgConnection.open(db)
            self.refused: tuple[type[Exception], ...] = (psycopg.Error,)
        else:
            self.conn = sqlite3.connect(db, isolation_level=None)
            self.refused = (sqlite3.IntegrityError,)

    def execute(self, sql: str, params: list[Any] | None = None) -> Any:
        return self.conn.execute(sql, params or [])

    def scalar(self, sql: str, params: list[Any] | None = None) -> Any:
        return self.execute(sql, params).fetchone()[0]

    def drop_update_trigger(self) -> None:
        """What an attacker with the database's owner rights does before rewriting a row."""
        if self.postgres:
            self.execute("DROP TRIGGER events_refuse_change ON events")
        else:
            self.execute("DROP TRIGGER events_refuse_update")

    def close(self) -> None:
        self.conn.close()


@pytest.fixture
def raw_log(log_db: str, any_store: EventStore) -> Iterator[RawLog]:
    raw = RawLog(log_db)
    yield raw
    raw.close()
