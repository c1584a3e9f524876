"""A real `timeline serve` process per test module (module scope: starting one costs seconds)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .server import LiveServer


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with LiveServer(tmp_path_factory.mktemp("live"), stream_heartbeat_seconds=1) as server:
        yield server
