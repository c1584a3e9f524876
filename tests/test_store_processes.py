"""Several real processes appending to one file at once."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from events.errors import ConcurrencyError
from events.store import EventStore
from tests.conftest import new

WRITERS = 4
APPENDS = 40


def _writer(path: str, worker: int, results: multiprocessing.Queue) -> None:
    store = EventStore.open(path)
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


def test_concurrent_processes_lose_nothing_and_keep_order(store: EventStore, db_path: Path):
    context = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue = context.Queue()
    processes = [context.Process(target=_writer, args=(str(db_path), w, results)) for w in range(WRITERS)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0
    outcomes = [results.get(timeout=5) for _ in processes]
    won = sum(o[1] for o in outcomes)
    events = list(store.read_all())
    positions = [e.position for e in events]
    assert positions == list(range(1, len(events) + 1))  # no gap, no duplicate
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
