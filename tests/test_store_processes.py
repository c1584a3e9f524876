"""Several real processes appending to one log at once, on each backend, while a follower reads;
each signs a head at every append and writes it to the one head file they share."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

from events.backends import is_postgres, open_log
from events.errors import ConcurrencyError
from events.heads import Signer, read_head_file
from events.store import EventStore
from tests.conftest import new

WRITERS = 4
APPENDS = 40


def _signing(store: EventStore, key: Path) -> EventStore:
    """Sign a head at every append, as a node does; on PostgreSQL the head file is the product's
    choice (beside the key), on SQLite it is beside the database."""
    store.signer = Signer.load(key)
    if is_postgres(str(store.path)):
        store.head_file = key.with_name(key.name + ".head")  # type: ignore[attr-defined]
    return store


def _writer(db: str, key: Path, worker: int, results: multiprocessing.Queue) -> None:
    store = _signing(open_log(db, create=False), key)
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
    any_store: EventStore, log_db: str, tmp_path: Path
):
    key = tmp_path / "shared.key"
    Signer.create(key)
    store = _signing(any_store, key)
    follower = Follower(log_db)
    follower.start()
    context = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue = context.Queue()
    processes = [context.Process(target=_writer, args=(log_db, key, w, results)) for w in range(WRITERS)]
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
    # The shared head file ends at the largest head, whichever process wrote last, and agrees
    # with the database (`verify` holds them together).
    assert store.head_path is not None
    on_file = read_head_file(store.head_path)
    assert on_file is not None and on_file == store.tree_head() and on_file.size == len(events)
    assert store.verify() == len(events)
