"""Crash during projection: a child runs catch-up or a rebuild and is killed part-way.

    python -m tests.faults.projector DB catch_up|rebuild BATCH_SIZE

`kill_projectors` grows the log between rounds so catch-up always has work left, kills each
projector at a random moment, and finally lets catch-up finish in this process.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

import msgspec

from events.backends import open_log
from events.store import EventStore
from projections import catch_up, rebuild
from tests.faults.logdb import SIZES, make_batch, make_db
from tests.faults.procs import ChildFailed, Zygote, ready


def main(db: str, job: str, batch_size: str) -> None:
    store = open_log(db, create=False)
    ready()
    if job == "rebuild":
        rebuild(store, progress=False, batch_size=int(batch_size))
    catch_up(store, batch_size=int(batch_size))


def grow(store: EventStore, events: int, rng: random.Random, prefix: str) -> int:
    """Append about `events` events in labelled batches of the usual sizes."""
    written = sequence = 0
    while written < events:
        sequence += 1
        size = rng.choice(SIZES)
        store.append(make_batch(f"{prefix}.{sequence}", size, rng))
        written += size
    return written


class ProjectionReport(msgspec.Struct):
    rounds: int = 0  # projectors started and killed (or found finished)
    landed: int = 0  # kills that hit a job still running
    events: int = 0  # in the log at the end


def kill_projectors(
    db: str | Path,
    workdir: Path,
    kills: int,
    rng: random.Random,
    *,
    initial: int = 8000,
    per_round: int = 800,
    seconds: float | None = None,
) -> ProjectionReport:
    """Kill `kills` projectors (catch-up or rebuild, at random) mid-way, or as many as fit in
    `seconds`; catch-up is completed afterwards, in this process."""
    make_db(db)
    store = open_log(str(db), create=False)
    grow(store, initial, rng, "initial")
    report = ProjectionReport()
    deadline = time.monotonic() + seconds if seconds else float("inf")
    with Zygote(workdir / "zygote.log", preload=("tests.faults.projector",)) as zygote:
        for round_ in range(kills):
            if time.monotonic() > deadline:
                break
            grow(store, rng.randint(per_round // 2, per_round), rng, f"r{round_}")
            job = rng.choice(("catch_up", "rebuild"))
            pid = zygote.start("tests.faults.projector", db, job, rng.choice((100, 300, 1000)))
            time.sleep(rng.uniform(0.0, 0.8))
            code = zygote.kill(pid)
            if code not in (-9, 0):
                raise ChildFailed(f"projector {pid} ({job}) exited {code}:\n{zygote.tail()}")
            report.rounds += 1
            report.landed += code == -9
    catch_up(store)
    report.events = store.head().position
    store.close()
    return report


if __name__ == "__main__":
    main(*sys.argv[1:])
