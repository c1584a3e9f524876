"""Feeds and widget answers are revalidated by what they show (issue 18): a write to Taiyuan
leaves Jiexiu's feed, widget data and embed page as they were (same ETag, same
Last-Modified, nothing re-rendered), a write or correction touching Jiexiu changes them, and
identical requests arriving together are rendered once."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from litestar.testing import TestClient

import api.caching
import api.feeds
from api.flight import SingleFlight
from tests.test_api_support import AUTH, ID, new_event

JIEXIU = [
    "/feeds/regions/140781.ics",
    "/widget/regions/140781.json?lang=en",
    "/embed/regions/140781?lang=en",
    "/timelinejs/regions/140781.json",
    "/feeds/regions/140700.ics?spans=1",  # Jinzhong with its counties
]


def validators(client: TestClient, path: str) -> tuple[str, str | None]:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return response.headers["etag"], response.headers.get("last-modified")


def write(client: TestClient, **fields: Any) -> int:
    response = client.post("/events", json=new_event(**fields), headers=AUTH)
    assert response.status_code == 201, response.text
    return response.json()["last_position"]


@pytest.mark.parametrize("path", JIEXIU)
def test_a_write_elsewhere_changes_no_validator_and_renders_nothing(
    client: TestClient, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = validators(client, path)
    renders: list[int] = []
    for module, name in ((api.feeds, "render_feed"), (api.caching, "compute_view")):
        original = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *a, o=original: renders.append(1) or o(*a))
    write(client, regions=["140100"])  # Taiyuan (reads catch the views up before answering)
    after = client.get(path, headers={"If-None-Match": before[0]})
    assert after.status_code == 304 and after.headers["etag"] == before[0]
    assert after.headers.get("last-modified") == before[1]
    assert renders == []
    since = client.get(path, headers={"If-Modified-Since": before[1]} if before[1] else {})
    assert since.status_code == (304 if before[1] else 200)


@pytest.mark.parametrize("path", JIEXIU)
def test_a_write_to_the_region_changes_its_validators(client: TestClient, path: str) -> None:
    before = validators(client, path)
    time.sleep(1.1)  # Last-Modified counts whole seconds
    write(client, regions=["140781"], occurred="2021-05-08")
    after = client.get(path, headers={"If-None-Match": before[0]})
    assert after.status_code == 200 and after.headers["etag"] != before[0]
    if before[1] is not None:
        assert after.headers["last-modified"] != before[1]


def test_a_correction_moving_a_milestone_away_changes_the_region_it_left(client: TestClient) -> None:
    path = "/feeds/regions/140781.ics?spans=1"
    before = client.get(path)
    assert "Jiexiu receives an incentive" in before.text or "介休获激励" in before.text
    correction = {
        "changes": {"regions": ["140100"]},
        "reason": {"zh": "地区有误", "en": "Wrong region"},
        "sources": [{"document": "test-doc"}],
    }
    moved = client.post(f"/events/{ID['incentive']}/corrections", json=correction, headers=AUTH)
    assert moved.status_code == 201, moved.text
    after = client.get(
        path,
        params={"min_position": moved.json()["last_position"]},
        headers={"If-None-Match": before.headers["etag"]},
    )
    assert after.status_code == 200 and "介休获激励" not in after.text


def test_ten_parallel_requests_after_a_write_render_once(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = ["/feeds/regions/140700.ics", "/regions/140700/timeline"]
    for path in paths:
        client.get(path)
    write(client, regions=["140725"])  # Shouyang, in Jinzhong: both answers change
    renders: list[str] = []
    lock = threading.Lock()

    def slow(module: Any, name: str) -> None:
        original = getattr(module, name)

        def wrapped(*args: Any) -> Any:
            with lock:
                renders.append(name)
            time.sleep(0.3)  # long enough for every request to arrive meanwhile
            return original(*args)

        monkeypatch.setattr(module, name, wrapped)

    slow(api.feeds, "render_feed")
    slow(api.caching, "compute_view")
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(client.get, paths * 10))
    assert all(a.status_code == 200 for a in answers)
    for path in paths:
        assert len({a.content for a in answers if a.url.path == path}) == 1
    assert sorted(renders) == ["compute_view", "render_feed"]


def test_single_flight_shares_results_and_errors_and_recovers_from_a_cancelled_leader() -> None:
    async def scenario() -> None:
        flight = SingleFlight()
        calls: list[int] = []

        async def compute() -> int:
            calls.append(1)
            await asyncio.sleep(0.05)
            return len(calls)

        results = await asyncio.gather(*(flight.run("k", compute) for _ in range(5)))
        assert results == [1] * 5 and len(calls) == 1 and len(flight) == 0

        async def fail() -> int:
            await asyncio.sleep(0.01)
            raise LookupError("no such region")

        outcomes = await asyncio.gather(*(flight.run("e", fail) for _ in range(3)), return_exceptions=True)
        assert all(isinstance(o, LookupError) for o in outcomes)

        leader = asyncio.create_task(flight.run("c", compute))
        await asyncio.sleep(0.01)
        follower = asyncio.create_task(flight.run("c", compute))
        await asyncio.sleep(0.01)
        leader.cancel()
        assert await follower == 3  # it led a computation of its own
        assert len(flight) == 0

    # In a thread of its own: other tests (Playwright's) may leave a loop running in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, scenario()).result()
