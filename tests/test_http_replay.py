"""Repeated view GETs are answered in front of the router (api.replay) with exactly the bytes
and headers the app sent, and never once the views moved or the request could differ."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

import api.caching
from api.replay import Replay
from events.store import EventStore
from tests.test_api_support import AUTH, new_event, open_client, seeded_settings

PATH = "/regions/140700/timeline?descendants=1&limit=50"


@pytest.fixture
def client(store: EventStore, db_path: Path) -> Iterator[TestClient]:
    yield from open_client(seeded_settings(store, db_path))


def replay_of(client: TestClient) -> Replay:
    layer = client.app.asgi_handler
    while not isinstance(layer, Replay):  # under the outer layers (api.head)
        layer = layer.app  # type: ignore[attr-defined]
    return layer


def test_a_repeated_get_is_resent_as_the_app_answered_it(client: TestClient) -> None:
    for accept in ("identity", "gzip"):
        first = client.get(PATH, headers={"Accept-Encoding": accept})
        assert first.status_code == 200
        assert replay_of(client)._entries, "the view's answer was not kept"
        again = client.get(PATH, headers={"Accept-Encoding": accept})
        assert again.content == first.content
        assert again.headers.multi_items() == first.headers.multi_items()
    assert len(replay_of(client)._entries) == 2  # one per Accept-Encoding


def test_a_write_moves_the_answer_on(client: TestClient) -> None:
    before = client.get(PATH)
    created = client.post("/events", json=new_event(regions=["140781"]), headers=AUTH)
    assert created.status_code == 201, created.text
    after = client.get(PATH)
    assert after.headers["etag"] != before.headers["etag"]
    assert after.json()["basis"]["position"] == created.json()["last_position"]


def test_conditional_and_cross_origin_requests_go_to_the_app(client: TestClient) -> None:
    first = client.get(PATH)
    revalidated = client.get(PATH, headers={"If-None-Match": first.headers["etag"]})
    assert revalidated.status_code == 304 and revalidated.content == b""
    assert revalidated.headers["etag"] == first.headers["etag"]
    cross = client.get(PATH, headers={"Origin": "https://example.org"})
    assert cross.headers["access-control-allow-origin"] == "*"
    assert cross.content == first.content


def test_problems_and_other_routes_are_not_kept(client: TestClient) -> None:
    assert client.get("/regions/999999/timeline").status_code == 404
    assert client.get("/health").status_code == 200
    assert not replay_of(client)._entries


def test_status_answers_are_kept_too(client: TestClient) -> None:
    path = "/regions/140781/status?as_of=2021-05-07"
    first = client.get(path)
    assert first.status_code == 200
    assert [key[0] for key in replay_of(client)._entries] == ["/regions/140781/status"]


def test_a_short_view_runs_on_the_loop_while_its_route_is_quick(client: TestClient) -> None:
    """Region status runs in line (no worker thread); a run of slow ones sends the route to
    threads until it is quick again, and the answers are the same either way."""
    short = client.app.state.api.short_views
    threads: list[str] = []
    original = api.caching.compute_view

    def spy(*args: object) -> bytes:
        threads.append(threading.current_thread().name)
        return original(*args)  # type: ignore[arg-type]

    api.caching.compute_view = spy  # type: ignore[assignment]
    try:
        inline = client.get("/regions/140781/status?as_of=2021-05-07")
        for _ in range(30):  # a run of slow ones
            short.took("region status", short.LONG_SECONDS * 3)
        assert not short.inline("region status")
        threaded = client.get("/regions/140781/status?as_of=2021-05-08")
        for _ in range(30):  # quick again
            short.took("region status", short.LONG_SECONDS / 10)
        assert short.inline("region status")
    finally:
        api.caching.compute_view = original  # type: ignore[assignment]
    assert len(threads) == 2 and threads[0] != threads[1]
    assert inline.json()["programmes"] == threaded.json()["programmes"]
