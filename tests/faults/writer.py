"""A writer to be killed: appends labelled batches forever and acknowledges each one.

    python -m tests.faults.writer DB ACKS RUN SEED

Says `ready` once the store is open. After every `EventStore.append` returns, one line
`<batch> <first> <last> <size>` is written to ACKS with a single unbuffered `os.write`, so
what the file says was acknowledged was acknowledged by the store before the process died.
"""

from __future__ import annotations

import os
import random
import sys

from events.backends import open_log
from tests.faults.logdb import SIZES, make_batch
from tests.faults.procs import ready


def main(db: str, acks: str, run: str, seed: str) -> None:
    rng = random.Random(int(seed))
    store = open_log(db, create=False)  # a SQLite file or a postgresql:// URL
    fd = os.open(acks, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    ready()
    sequence = 0
    while True:
        sequence += 1
        batch = f"{run}.{sequence}"
        size = rng.choice(SIZES)
        result = store.append(make_batch(batch, size, rng))
        os.write(fd, f"{batch} {result.first_position} {result.last_position} {size}\n".encode())


if __name__ == "__main__":
    main(*sys.argv[1:])
