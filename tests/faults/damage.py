"""Damaging a database file on purpose, and running the CLI against it as a separate process
(optionally without root's power to ignore permissions, or with a file-size limit)."""

from __future__ import annotations

import ctypes
import hashlib
import os
import random
import resource
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from events.store import EventStore
from tests.faults import REPO
from tests.faults.logdb import make_batch, make_db

# prctl(PR_CAPBSET_DROP, cap): a root child without these capabilities obeys file permissions.
_PR_CAPBSET_DROP = 24
_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH = 1, 2


def filled_db(path: Path, batches: int = 20, seed: int = 1) -> None:
    """A log of labelled batches, checkpointed into the main file and closed (no -wal left)."""
    make_db(path)
    store = EventStore.open(path, create=False)
    rng = random.Random(seed)
    for number in range(batches):
        store.append(make_batch(f"d{number}", rng.choice((1, 5, 40, 120)), rng))
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "missing"


def log_state(path: Path) -> list[tuple[int, str]]:
    """Every (position, hash) of the log, read with plain sqlite3: what must not change."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT position, hash FROM events ORDER BY position").fetchall()
    finally:
        conn.close()


def table_pages(path: Path, table: str) -> list[int]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno", [table]
        ).fetchall()
        return [row[0] for row in rows]
    finally:
        conn.close()


def page_size(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("PRAGMA page_size").fetchone()[0])
    finally:
        conn.close()


def overwrite(path: Path, offset: int, data: bytes) -> None:
    with path.open("r+b") as f:
        f.seek(offset)
        f.write(data)


def damage_events_page(path: Path) -> None:
    """Scribble over the header of a leaf page of the events table in the middle of the log."""
    pages = table_pages(path, "events")
    page = pages[len(pages) // 2]
    overwrite(path, (page - 1) * page_size(path), b"\x0d\xff\xff\xff" + b"\xa5" * 60)


def unprivileged() -> None:
    """preexec_fn: drop root's permission overrides, so a read-only directory is read-only."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
        if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def file_size_limit(limit: int) -> Callable[[], None]:
    """preexec_fn: no file may grow past `limit` bytes; a write past it fails with EFBIG instead
    of killing the process with SIGXFSZ, which is what a full disk looks like to SQLite."""

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def run_cli(
    *args: str,
    preexec: Callable[[], None] | None = None,
    timeout: float = 120,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`python -m timeline ARGS` in a separate process, as an operator would run it."""
    return subprocess.run(
        [sys.executable, "-m", "timeline", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=preexec,
        env={**os.environ, **(env or {})},
    )


def refused_cleanly(result: subprocess.CompletedProcess[str]) -> bool:
    """A non-zero exit with a one-line `error:` message, not a traceback."""
    return result.returncode != 0 and "error: " in result.stderr and "Traceback" not in result.stderr
