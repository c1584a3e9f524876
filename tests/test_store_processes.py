"""Several real processes appending to one log at once, on each backend, while a follower reads."""

from __future__ import annotations

import multiprocessing
import threading

from events.backends import open_log
from events.errors import ConcurrencyError
from events.store import EventStore
from tests.conftest import new

WRITERS = 4
APPENDS = 40


def _writer(db: str, worker: int, results: multiprocessing.Queue) -> None:
    store = open_log(db, create=False)
    won = lost = 0
    for i in range(APPENDS):
        # Everyone races for the shared stream with expected versions, and writes its own.
        try:
            version = store.stream_version("shared")
            store.append([new("shared", version), new(f"own-{worker}")])
            won += 1
        except ConcurrencyError:
            lost += 1
            store.append([new(f"own-{worker}")])
        if i % 10 == 0:
            store.append([new(f"batch-{worker}") for _ in range(25)])
    results.put((worker, won, lost))


class Follower(threading.Thread):
    """Reads the log from where it left off, over and over, as a projection or a stream would;
    records every time a read did not start right after the last position it had seen."""

    def __init__(self, db: str) -> None:
        super().__init__(daemon=True)
        self.store = open_log(db, create=False)
        self.seen = 0
        self.skips: list[tuple[int, int]] = []
        self.reads = 0
        self.done = threading.Event()

    def run(self) -> None:
        while True:
            last_round = self.done.is_set()
            for event in self.store.read_all(after=self.seen):
                if event.position != self.seen + 1:
                    self.skips.append((self.seen, event.position))
                self.seen = event.position
            self.reads += 1
            if last_round:
                return


def test_concurrent_processes_lose_nothing_keep_order_and_a_follower_never_skips(
    any_store: EventStore, log_db: str
):
    store = any_store
    follower = Follower(log_db)
    follower.start()
    context = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue = context.Queue()
    processes = [context.Process(target=_writer, args=(log_db, w, results)) for w in range(WRITERS)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0
    follower.done.set()
    follower.join(timeout=60)
    follower.store.close()
    outcomes = [results.get(timeout=5) for _ in processes]
    won = sum(o[1] for o in outcomes)
    events = list(store.read_all())
    positions = [e.position for e in events]
    assert positions == list(range(1, len(events) + 1))  # no gap, no duplicate
    # A reader following the log while writers raced saw N before N+1, every time.
    assert follower.skips == [] and follower.seen == len(events)
    assert follower.reads > 10  # it did read while the writers ran, not only at the end
    by_stream: dict[str, list[int]] = {}
    for e in events:
        by_stream.setdefault(e.stream, []).append(e.version)
    for versions in by_stream.values():
        assert versions == list(range(1, len(versions) + 1))
    assert len(by_stream["shared"]) == won  # each version won exactly once
    for w in range(WRITERS):
        assert len(by_stream[f"own-{w}"]) == APPENDS
        assert len(by_stream[f"batch-{w}"]) == 25 * (APPENDS // 10)
    assert store.verify() == len(events)
