"""Concurrent readers under write load: readers in other processes poll while a writer
appends long batches, and must keep answering and never see part of a batch.

    python -m tests.faults.readers write DB TIMES ROUNDS BIG SEED
    python -m tests.faults.readers read DB OUT STOP
"""

from __future__ import annotations

import os
import random
import sqlite3
import sys
import time
from pathlib import Path

import msgspec

from events.store import EventStore
from tests.faults.logdb import make_batch, make_db, write_locked
from tests.faults.procs import ChildFailed, Zygote, ready


def main(role: str, *args: str) -> None:
    (_write if role == "write" else _read)(*args)


def _write(db: str, times: str, rounds: str, big: str, seed: str) -> None:
    """Small batches, then one long one, `rounds` times; the long appends' spans go to TIMES."""
    rng = random.Random(int(seed))
    store = EventStore.open(db, create=False)
    ready()
    for round_ in range(int(rounds)):
        for small in range(5):
            store.append(make_batch(f"s{round_}.{small}", rng.randint(1, 9), rng))
        items = make_batch(f"big{round_}", int(big), rng)
        started = time.time()
        store.append(items)
        ended = time.time()
        with open(times, "a") as f:
            f.write(f"{started} {ended}\n")
        time.sleep(0.2)


class ReaderLog(msgspec.Struct, kw_only=True):
    polls: int = 0
    half_batches: int = 0  # a batch seen with fewer events than its size at the end of a poll
    behind_head: int = 0  # a read that returned less than the head it had just seen
    while_locked: int = 0  # polls begun and ended while a write transaction held the lock
    max_poll_ms: float = 0.0
    spans: list[tuple[float, float]] = []


# One statement is one snapshot: a batch shows up here whole or not at all.
_LABELS = (
    "SELECT position, coalesce(json_extract(payload, '$.title.en'), json_extract(payload, '$.reason.en')) "
    "FROM events WHERE position > ? ORDER BY position"
)


def _read(db: str, out: str, stop: str) -> None:
    store = EventStore.open(db, create=False)
    probe = sqlite3.connect(db, timeout=0, isolation_level=None)
    log = ReaderLog()
    seen: dict[str, list[int]] = {}  # batch -> [events seen, size]
    last = 0
    ready()
    while not os.path.exists(stop):
        locked = write_locked(probe)
        started = time.time()
        head = store.head().position
        for position, label in store.conn.execute(_LABELS, [last]):
            last = position
            words = label.split()
            entry = seen.setdefault(words[1], [0, int(words[2].split("/")[1])])
            entry[0] += 1
        ended = time.time()
        log.polls += 1
        log.behind_head += last < head
        log.half_batches += sum(1 for count, size in seen.values() if count != size)
        log.while_locked += locked and write_locked(probe)
        log.max_poll_ms = max(log.max_poll_ms, (ended - started) * 1000)
        log.spans.append((started, ended))
        time.sleep(0.002)
    Path(out).write_bytes(msgspec.json.encode(log))


class ReadReport(msgspec.Struct, kw_only=True):
    readers: int
    long_appends: int
    long_append_ms: float  # mean duration of a long append
    polls: int
    polls_during_long_appends: int
    polls_while_write_locked: int
    windows_without_reads: int  # (long append, reader) pairs with no poll inside the append
    half_batches_seen: int
    behind_head: int
    max_poll_ms: float


def read_under_load(
    db: Path, workdir: Path, readers: int, rounds: int, big: int, rng: random.Random
) -> ReadReport:
    make_db(db)
    times, stop = workdir / "long-appends.txt", workdir / "readers-stop"
    outs = [workdir / f"reader-{i}.json" for i in range(readers)]
    with Zygote(workdir / "zygote.log", preload=("tests.faults.readers",)) as zygote:
        pids = [zygote.start("tests.faults.readers", "read", db, out, stop) for out in outs]
        writer = zygote.start("tests.faults.readers", "write", db, times, rounds, big, rng.randrange(2**32))
        failed = zygote.wait(writer)
        stop.touch()
        codes = [zygote.wait(pid) for pid in pids]
        if failed or any(codes):
            raise ChildFailed(f"writer exited {failed}, readers {codes}:\n{zygote.tail()}")
    windows = [tuple(map(float, line.split())) for line in times.read_text().splitlines()]
    logs = [msgspec.json.decode(out.read_bytes(), type=ReaderLog) for out in outs]
    inside = [[s for s in log.spans if any(a <= s[0] and s[1] <= b for a, b in windows)] for log in logs]
    return ReadReport(
        readers=readers,
        long_appends=len(windows),
        long_append_ms=1000 * sum(b - a for a, b in windows) / max(1, len(windows)),
        polls=sum(log.polls for log in logs),
        polls_during_long_appends=sum(map(len, inside)),
        polls_while_write_locked=sum(log.while_locked for log in logs),
        windows_without_reads=sum(
            1 for a, b in windows for spans in inside if not any(a <= s[0] and s[1] <= b for s in spans)
        ),
        half_batches_seen=sum(log.half_batches for log in logs),
        behind_head=sum(log.behind_head for log in logs),
        max_poll_ms=max(log.max_poll_ms for log in logs),
    )


if __name__ == "__main__":
    main(*sys.argv[1:])
