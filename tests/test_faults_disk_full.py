"""A full disk, for real: the process that writes has a file-size limit (RLIMIT_FSIZE, with
SIGXFSZ ignored), so the kernel refuses the write that would grow the file past it with EFBIG,
which SQLite reports as it would a full disk (SQLITE_FULL or SQLITE_IOERR_WRITE). The refused
write rolls back; the log is intact and takes writes again once there is room."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from events.store import EventStore
from projections import catch_up
from tests.faults import REPO
from tests.faults.damage import file_size_limit, filled_db, log_state, refused_cleanly, run_cli
from tests.faults.logdb import batches_in, is_whole

pytestmark = pytest.mark.slow
# RLIMIT_FSIZE bounds the offset any write may reach, in every file: the WAL (where a commit
# goes first) may grow to this size, and the database file, already larger, may not grow at all.
ROOM = 256 * 1024


def _event(n: int) -> dict:
    return {
        "type": "meeting_held",
        "occurred": "2021-05-07",
        "regions": ["140781"],
        "title": {"zh": "会议", "en": f"fault full{n} 0/1"},
        "summary": {"zh": "会。", "en": "A meeting that will not fit on the disk." * 4},
        "sources": [{"document": "test-doc"}],
    }


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "log.db"
    filled_db(path, batches=30)
    return path


def test_the_cli_append_on_a_full_disk_fails_cleanly_and_the_log_is_intact(log: Path, tmp_path: Path) -> None:
    big = tmp_path / "big.jsonl"
    big.write_text("\n".join(json.dumps(_event(n)) for n in range(3000)))
    before = log_state(log)
    result = run_cli("append", str(big), "--db", str(log), preexec=file_size_limit(ROOM))
    assert refused_cleanly(result), result.stderr[-2000:]
    assert log_state(log) == before
    verified = run_cli("verify", "--db", str(log))
    assert verified.returncode == 0, verified.stderr
    assert all(is_whole(b) for b in batches_in(log)[1].values())
    small = tmp_path / "small.jsonl"
    small.write_text(json.dumps(_event(0)))
    assert run_cli("append", str(small), "--db", str(log)).returncode == 0  # room again: it works


def test_the_service_refuses_to_start_when_the_views_cannot_be_built_on_a_full_disk(log: Path) -> None:
    """A first start must build the views; with no room it stops with a message, no loop."""
    before = log_state(log)
    result = run_cli(
        "serve",
        "--db",
        str(log),
        "--port",
        "9",
        preexec=file_size_limit(64 * 1024),
        timeout=90,
        env={"TIMELINE_SCHEDULER": "false"},
    )
    assert refused_cleanly(result), result.stderr[-2000:]
    assert log_state(log) == before


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(log: Path, tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`timeline serve` whose files may not grow past ROOM bytes (the database already has)."""
    store = EventStore.open(log, create=False)
    catch_up(store)  # the views are built before the limit applies
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    assert log.stat().st_size > ROOM
    port = _free_port()
    env = {**os.environ, "TIMELINE_TOKENS": "secret", "TIMELINE_SCHEDULER": "false"}
    command = [
        sys.executable,
        "-m",
        "timeline",
        "serve",
        "--db",
        str(log),
        "--port",
        str(port),
        "--no-access-log",
    ]
    with (tmp_path / "serve.log").open("wb") as output:
        proc = subprocess.Popen(
            command,
            cwd=REPO,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            preexec_fn=file_size_limit(ROOM),
        )
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_until_up(url, proc, tmp_path / "serve.log")
            yield url, proc
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)


def _wait_until_up(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()[-3000:]
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"timeline serve did not answer within 90 s:\n{log.read_text()[-3000:]}")


def test_the_service_answers_a_problem_on_a_full_disk_and_keeps_serving(
    server: tuple[str, subprocess.Popen[bytes]], log: Path
) -> None:
    url, proc = server
    before = log_state(log)
    headers = {"Authorization": "Bearer secret", "Content-Type": "application/json"}
    body = json.dumps([_event(n) for n in range(2000)])
    response = httpx.post(f"{url}/events", content=body, headers=headers, timeout=60)
    assert response.status_code == 503, response.text[:500]
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "Retry-After" in response.headers
    assert log_state(log) == before  # nothing of the batch was written
    assert httpx.get(f"{url}/health", timeout=10).status_code == 200  # and the service still answers
    small = httpx.post(f"{url}/events", content=json.dumps(_event(1)), headers=headers, timeout=30)
    assert small.status_code == 201, small.text[:500]
    assert proc.poll() is None
    assert len(log_state(log)) == len(before) + 1
