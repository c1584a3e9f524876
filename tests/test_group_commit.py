"""Group commit (events.group_commit): appends waiting at the same moment share a transaction,
each still all-or-nothing and acknowledged only once committed."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from events.errors import ChainBroken, ConcurrencyError
from events.group_commit import Committer, Request
from events.store import EventStore
from tests.conftest import new


def test_appends_queued_while_a_group_is_written_go_together_in_the_next() -> None:
    committer = Committer()
    groups: list[list[int]] = []
    release = threading.Event()

    def write(group: list[Request]) -> None:
        groups.append([request.payload for request in group])
        if len(groups) == 1:
            release.wait(10)  # the first leader is slow: the others queue meanwhile
        for request in group:
            if request.payload == 4:
                request.error = ValueError("refused alone")
            else:
                request.result = request.payload * 10

    results: dict[int, object] = {}

    def submit(n: int) -> None:
        try:
            results[n] = committer.submit(n, write)
        except ValueError as e:
            results[n] = str(e)

    first = threading.Thread(target=submit, args=(0,))
    first.start()
    while not groups:
        time.sleep(0.001)
    others = [threading.Thread(target=submit, args=(n,)) for n in range(1, 6)]
    for thread in others:
        thread.start()
    while len(committer._queue) < 5:
        time.sleep(0.001)
    release.set()
    for thread in [first, *others]:
        thread.join(10)
    assert groups[0] == [0] and sorted(groups[1]) == [1, 2, 3, 4, 5] and len(groups) == 2
    assert results == {0: 0, 1: 10, 2: 20, 3: 30, 4: "refused alone", 5: 50}


def test_a_failed_transaction_fails_every_append_of_its_group() -> None:
    committer = Committer()

    def write(group: list[Request]) -> None:
        for request in group:
            request.result = "written"
        raise OSError("the commit failed")

    with pytest.raises(OSError, match="the commit failed"):
        committer.submit(1, write)


def test_threads_appending_at_once_lose_nothing_and_stale_versions_fail_alone(db_path: Path) -> None:
    EventStore.open(db_path).close()
    stores = [EventStore.open(db_path, create=False) for _ in range(6)]
    stores[0].append([new("shared")])  # version 1
    acknowledged: list[tuple[int, list[str]]] = []
    refused: list[str] = []
    lock = threading.Lock()

    def writer(k: int, store: EventStore) -> None:
        for i in range(15):
            stream = f"w{k}-{i}"
            try:
                # Every writer also tries the shared stream at version 1: one at most succeeds.
                item = new("shared", expected=1) if i == 7 else new(stream, expected=0)
                result = store.append([item])
            except ConcurrencyError as e:
                with lock:
                    refused.append(e.stream)
                continue
            with lock:
                acknowledged.append((result.first_position, result.event_ids))

    threads = [threading.Thread(target=writer, args=(k, s)) for k, s in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert refused.count("shared") >= len(stores) - 1 and set(refused) == {"shared"}
    assert len(acknowledged) == 6 * 15 - len(refused)
    reader = stores[0]
    for position, event_ids in acknowledged:
        assert [str(e.event_id) for e in reader.read_all(after=position - 1, limit=1)] == event_ids
    assert reader.head().position == 1 + len(acknowledged)
    assert reader.verify() == reader.head().position
    for store in stores:
        store.close()


def test_what_an_append_remembers_gives_way_to_other_connections_writes(db_path: Path) -> None:
    """The last row and tree edge kept from the previous append are used only while no other
    connection has committed since (`PRAGMA data_version`): writes from elsewhere, and a break
    recorded from elsewhere, are seen by the next append."""
    EventStore.open(db_path).close()
    mine = EventStore.open(db_path, create=False, synchronous="FULL")
    other = EventStore.open(db_path, create=False, synchronous="NORMAL")  # a committer of its own
    assert mine._committer() is not other._committer()
    mine.append([new("a", expected=0)])
    other.append([new("b", expected=0)])
    assert mine.append([new("c", expected=0)]).first_position == 3
    assert mine.verify() == 3
    raw = sqlite3.connect(db_path)
    raw.execute("UPDATE integrity SET broken_position = 2, broken_reason = 'tampered' WHERE id = 1")
    raw.commit()
    with pytest.raises(ChainBroken):
        mine.append([new("d", expected=0)])
    assert mine.head().position == 3
    for store in (mine, other):
        store.close()


def test_a_leader_whose_append_is_past_the_group_limit_writes_on_until_its_own_is_in() -> None:
    """More waiting appends than one group holds: every caller returns its own result, and
    never before a group with its append was written (a leader queued past the limit used to
    return with nothing written)."""
    committer = Committer(max_group=2)
    written: list[int] = []

    def write(group: list[Request]) -> None:
        time.sleep(0.005)  # the others queue up meanwhile
        for request in group:
            written.append(request.payload)
            request.result = request.payload

    results: dict[int, object] = {}

    def append(n: int) -> None:
        results[n] = committer.submit(n, write)

    threads = [threading.Thread(target=append, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {n: n for n in range(40)}
    assert sorted(written) == list(range(40))  # each written exactly once
