"""`timeline serve` as operators run it: start-up output, logging, read timeouts against a slow
client, the connection cap, start-up backups, and a clean shutdown on a full disk."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.faults import REPO
from tests.faults.damage import file_size_limit, filled_db, run_cli
from timeline.backup import list_backups

LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) +[\w.]+: ")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def request(url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


class Served:
    """One `timeline serve` process on a fresh port, its combined output in a file."""

    def __init__(
        self, folder: Path, db: Path, env: dict[str, str], preexec: Callable[[], None] | None = None
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = folder / f"serve-{self.port}.log"
        command = [sys.executable, "-m", "timeline", "serve", "--db", str(db), "--port", str(self.port)]
        environment = {**os.environ, "TIMELINE_BACKUP_DIR": str(folder / "backups"), **env}
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                command, cwd=REPO, env=environment, stdout=out, stderr=subprocess.STDOUT, preexec_fn=preexec
            )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.output()
            try:
                status = request(f"{self.url}/health")[0]
                # On a disk made full on purpose (preexec), a 503 problem is the documented answer.
                if status == 200 or (preexec is not None and status == 503):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise AssertionError(f"timeline serve did not answer:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self, sig: int = signal.SIGINT) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:  # pragma: no cover
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def health(self) -> dict:
        return json.loads(request(f"{self.url}/health")[1])

    def wait_for_jobs(self, *jobs: str) -> None:
        """Until this process's scheduler has run each of `jobs` once."""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            ran = {j["job"] for j in self.health()["scheduler"]["jobs"] if j.get("runs")}
            if set(jobs) <= ran:
                return
            time.sleep(0.1)
        raise AssertionError(self.output())


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Served]]:
    started: list[Served] = []

    def start(db: Path | None = None, preexec: Callable[[], None] | None = None, **env: str) -> Served:
        served = Served(tmp_path, db or tmp_path / "timeline.db", env, preexec)
        started.append(served)
        return served

    yield start
    for served in started:
        served.stop()


def log_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if LOG_LINE.match(line)]


EVENT = {
    "type": "meeting_held",
    "occurred": "2021-05-07",
    "regions": ["140700"],
    "title": {"zh": "会议", "en": "A meeting"},
    "summary": {"zh": "会议。", "en": "A meeting."},
    "sources": [{"document": "jinzhong-press-2024-08-28"}],
}


def test_start_up_says_where_everything_is_and_that_writes_are_off(serve: Callable[..., Served]) -> None:
    served = serve()
    status, body = request(
        f"{served.url}/events", data=json.dumps(EVENT).encode(), headers={"Content-Type": "application/json"}
    )
    assert status == 401 and "TIMELINE_TOKENS" in json.loads(body)["detail"]
    served.stop()
    printed = served.output()
    assert f"Home: {served.url}/" in printed
    assert "Writes disabled: set TIMELINE_TOKENS" in printed
    assert "Stop: Ctrl-C" in printed and "backups in" in printed


def test_one_log_format_and_an_idle_service_is_quiet(serve: Callable[..., Served]) -> None:
    # A run due while one is going (on a loaded machine a catch-up can outlast 0.5 s) is skipped
    # quietly; APScheduler's own warning of it once failed this test.
    served = serve(TIMELINE_CATCHUP_SECONDS="0.5", TIMELINE_TOKENS="secret")
    served.wait_for_jobs("catch_up", "verify", "backup")
    time.sleep(2.0)  # several idle catch-ups
    headers = {"Content-Type": "application/json", "Authorization": "Bearer secret"}
    status, body = request(f"{served.url}/events", data=json.dumps(EVENT).encode(), headers=headers)
    assert status == 201, body
    deadline = time.monotonic() + 10
    while "applied 1 event(s)" not in served.output() and time.monotonic() < deadline:
        time.sleep(0.1)
    served.stop()
    lines = log_lines(served.output())
    assert any("uvicorn" in line and "Uvicorn running on" in line for line in lines), served.output()
    assert any("timeline.jobs: job catch_up ok" in line and "applied 1 event(s)" in line for line in lines)
    assert not [line for line in lines if "applied 0 event(s)" in line]
    assert not [line for line in lines if "apscheduler" in line]
    # Every line the server logged has the one format (the start-up lines are plain output).
    printed = [
        line
        for line in served.output().splitlines()
        if line
        and not line.startswith(("Home:", "API:", "Docs:", "Feed:", "Writes ", "Data:", "Stop:"))
        and not line.startswith(("Empty log", "Rebuilt", "rebuild"))
    ]
    assert [line for line in printed if not LOG_LINE.match(line)] == []


def test_warning_level_silences_the_jobs_info_lines(serve: Callable[..., Served]) -> None:
    served = serve(TIMELINE_CATCHUP_SECONDS="0.2", TIMELINE_LOG_LEVEL="WARNING")
    served.wait_for_jobs("catch_up", "verify", "backup")
    ran = [job for job in served.health()["scheduler"]["jobs"] if job.get("runs")]
    durations = [job["duration_ms"] for job in ran]
    assert len(durations) >= 3 and all(d == round(d, 1) for d in durations), durations  # 0.1 ms
    time.sleep(1)
    served.stop()
    assert [line for line in log_lines(served.output()) if " INFO " in line] == []
    assert "job backup ok" not in served.output()


def test_a_start_backs_up_only_when_the_newest_backup_is_older_than_backup_seconds(
    serve: Callable[..., Served], tmp_path: Path
) -> None:
    first = serve()
    first.wait_for_jobs("backup")
    first.stop()
    assert len(list_backups(tmp_path / "backups")) == 1
    for _ in range(2):  # restarts within a day leave the one backup alone
        again = serve()
        again.wait_for_jobs("catch_up", "verify")
        again.stop()
    assert len(list_backups(tmp_path / "backups")) == 1
    due = serve(TIMELINE_BACKUP_SECONDS="1")  # the newest is now older than backup_seconds
    due.wait_for_jobs("backup")
    due.stop()
    assert len(list_backups(tmp_path / "backups")) >= 2


def test_a_slow_client_is_cut_off_after_the_header_and_body_timeouts(serve: Callable[..., Served]) -> None:
    served = serve(TIMELINE_HEADER_TIMEOUT="1", TIMELINE_BODY_TIMEOUT="1", TIMELINE_SCHEDULER="false")
    # Headers trickled a byte at a time, as the attack did: the server answers 408 and closes.
    with socket.create_connection(("127.0.0.1", served.port), timeout=15) as slow:
        answer = b""
        for byte in b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100:
            try:
                slow.sendall(bytes([byte]))
            except OSError:
                break
            slow.settimeout(0.25)
            try:
                chunk = slow.recv(4096)
            except TimeoutError:
                continue
            answer += chunk
            if not chunk or answer.endswith(b"too long"):
                break
        assert answer.startswith(b"HTTP/1.1 408"), answer
    # A body that stops arriving: the same.
    with socket.create_connection(("127.0.0.1", served.port), timeout=15) as slow:
        slow.sendall(b"POST /events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n")
        slow.sendall(b"Content-Length: 100\r\nAuthorization: Bearer x\r\n\r\n{")
        received = b""
        while chunk := slow.recv(4096):
            received += chunk
        assert received.startswith((b"HTTP/1.1 408", b"HTTP/1.1 401")), received
    assert request(f"{served.url}/health")[0] == 200  # and everybody else is still served


def test_connections_past_the_limit_are_closed_at_once(serve: Callable[..., Served]) -> None:
    # The cap is max_connections + max_stream_clients (streams have their own budget): 3 here.
    served = serve(
        TIMELINE_MAX_CONNECTIONS="3",
        TIMELINE_MAX_STREAM_CLIENTS="0",
        TIMELINE_HEADER_TIMEOUT="30",
        TIMELINE_SCHEDULER="false",
    )
    idle = [socket.create_connection(("127.0.0.1", served.port), timeout=10) for _ in range(3)]
    try:
        time.sleep(0.3)
        with socket.create_connection(("127.0.0.1", served.port), timeout=10) as extra:
            extra.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            try:
                refused = extra.recv(4096) == b""
            except ConnectionResetError:
                refused = True
        assert refused
    finally:
        for conn in idle:
            conn.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if request(f"{served.url}/health")[0] == 200:
                break
        except OSError:
            time.sleep(0.1)
    else:
        raise AssertionError("the service did not accept connections again")
    assert "refused a connection" in served.output()


def test_shutdown_on_a_full_disk_is_clean(serve: Callable[..., Served], tmp_path: Path) -> None:
    db = tmp_path / "full.db"
    filled_db(db, batches=30)
    ready = serve(db, TIMELINE_SCHEDULER="false")  # builds the views while there is room
    ready.stop()
    full = serve(db, preexec=file_size_limit(40 * 1024), TIMELINE_CATCHUP_SECONDS="0.5")
    deadline = time.monotonic() + 30
    while "took the lease" not in full.output() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1)  # a few runs on the full disk
    code = full.stop(signal.SIGTERM)
    printed = full.output()
    assert "Application shutdown failed" not in printed and "Traceback" not in printed, printed[-3000:]
    assert "could not release the job lease on shutdown" in printed
    assert code in (0, -signal.SIGTERM), code  # as for any stop by SIGTERM (see README)


def test_verify_on_a_full_disk_says_so_with_the_documented_exit_code(tmp_path: Path) -> None:
    db = tmp_path / "full.db"
    filled_db(db, batches=5)
    result = run_cli("verify", "--db", str(db), preexec=file_size_limit(4096))  # no room for the WAL
    assert result.returncode == 4, (result.returncode, result.stderr)
    assert "disk full" in result.stderr and "Traceback" not in result.stderr
    assert "not a usable SQLite database" not in result.stderr  # the file is fine
    assert run_cli("verify", "--db", str(db)).returncode == 0  # with room again
