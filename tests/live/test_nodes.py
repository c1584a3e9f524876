"""Two `timeline serve` nodes on one PostgreSQL database, as behind a load balancer, started
together on an empty database.

A write on one node is read on the other with `min_position` (no wait for the scheduled
catch-up: it runs once an hour here) and reaches the other's event stream (LISTEN/NOTIFY);
exactly one node runs the scheduler, and when it is killed the other takes over; afterwards
the views equal a rebuild from the log.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from events.backends import open_log
from projections import rebuild
from tests.conftest import RawLog
from tests.postgres import Cluster
from tests.test_projections_support import table_rows

from .server import LiveServer, meeting, post_event
from .sse import StreamReader


def _node(folder: Path, url: str) -> LiveServer:
    return LiveServer(
        folder,
        db=url,
        signing_key=str(folder / "timeline.key"),  # one key file shared by the nodes, as the README says
        catchup_seconds=3600,
        lease_seconds=3,
        log_level="INFO",
    )


@pytest.fixture
def nodes(pg_cluster: Cluster, tmp_path: Path) -> Iterator[tuple[LiveServer, LiveServer]]:
    url = pg_cluster.create_database()
    first, second = _node(tmp_path, url), _node(tmp_path, url)
    # Started together on the empty database: one seeds it and builds the views, the other
    # waits for that and finds it done.
    with ThreadPoolExecutor(2) as starting:
        for started in [starting.submit(node.start) for node in (first, second)]:
            started.result()
    try:
        yield first, second
    finally:
        for node in (first, second):
            node.stop()


def _scheduler(node: LiveServer) -> dict:
    return httpx.get(f"{node.base}/health", timeout=10).json()["scheduler"]["detail"]


def _wait_for(condition: object, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} within {seconds} s")


def test_two_nodes_share_one_log_one_scheduler_and_the_same_views(
    nodes: tuple[LiveServer, LiveServer],
) -> None:
    a, b = nodes
    # A write on A, read on B with min_position: B catches up on the spot.
    with StreamReader(f"{b.base}/events/stream") as stream:
        written = post_event(a.base, meeting("Two nodes, one log"))
        position = written["last_position"]
        frame = stream.next(timeout=20)  # B's broker was woken by A's commit
        assert int(frame.id) == position and "Two nodes, one log" in frame.data
    timeline = httpx.get(
        f"{b.base}/regions/140781/timeline", params={"min_position": position, "limit": 200}, timeout=10
    )
    assert timeline.status_code == 200
    assert position in [entry["position"] for entry in timeline.json()["entries"]]
    health = httpx.get(f"{b.base}/health", timeout=10).json()
    assert health["head"] == position and all(p["checkpoint"] == position for p in health["projections"])

    # Exactly one node leads the scheduler; kill it and the other takes over.
    _wait_for(lambda: [_scheduler(a)["leading"], _scheduler(b)["leading"]].count(True) == 1, "one leader")
    leader, other = (a, b) if _scheduler(a)["leading"] else (b, a)
    assert _scheduler(other)["lease_holder"] == _scheduler(leader)["owner"]
    assert leader.process is not None
    leader.process.kill()  # SIGKILL: no release, the server frees the lock with the session
    leader.process.wait(10)
    leader.process = None
    _wait_for(lambda: _scheduler(other)["leading"], "the surviving node takes the scheduler over")
    assert _scheduler(other)["lease_holder"] == _scheduler(other)["owner"]

    # The survivor writes and serves on; its views equal a rebuild from the log.
    later = post_event(other.base, meeting("After the takeover", region="140725"))["last_position"]
    status = httpx.get(
        f"{other.base}/regions/140725/status",
        params={"as_of": "2025-01-01", "min_position": later},
        timeout=10,
    )
    assert status.status_code == 200
    raw = RawLog(other.db)
    served = table_rows(raw.conn)
    store = open_log(other.db, create=False)
    try:
        rebuild(store, progress=False)
    finally:
        store.close()
    assert table_rows(raw.conn) == served
    raw.close()
