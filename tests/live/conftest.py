"""A real `timeline serve` process per test module and backend (module scope: starting one costs
seconds): on a SQLite file, then on a database of the session's PostgreSQL cluster."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .server import LiveServer


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("live")
    db = request.getfixturevalue("pg_cluster").create_database() if request.param == "postgresql" else None
    with LiveServer(
        folder, db=db, signing_key=str(folder / "timeline.key"), stream_heartbeat_seconds=1
    ) as server:
        yield server
