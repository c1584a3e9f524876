"""Scheduled work and operations: backups, restores, integrity holds, the drop folder, and one
scheduler per database across real processes."""

from __future__ import annotations

import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from events.backends import is_postgres, open_log
from events.dialect import table_exists
from events.errors import ChainBroken
from events.store import EventStore
from tests.conftest import RawLog, new
from timeline.backup import backup, list_backups, restore
from timeline.cli import main
from timeline.jobs import (
    JOBS,
    enabled_jobs,
    execute_job,
    first_run,
    import_drop_folder,
    job_statuses,
    record_run,
)
from timeline.lease import open_lease
from timeline.scheduler import TimelineScheduler
from timeline.settings import Settings, load_settings


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On PostgreSQL the signing key and its heads default to the working folder: not the repo's."""
    monkeypatch.chdir(tmp_path)


def rows(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT * FROM events ORDER BY position").fetchall()


def test_backup_restores_into_a_fresh_file_with_the_same_head_and_hashes(store, db_path, tmp_path):
    store.append([new(f"s{i}") for i in range(30)])
    result = backup(store, tmp_path / "backups")
    assert result.position == 30 and Path(result.path).exists()
    fresh = tmp_path / "restored.db"
    restored = restore(result.path, fresh)
    assert (restored.position, restored.hash) == (30, store.head().hash)
    assert rows(fresh) == rows(db_path)


def test_backups_keep_only_the_newest(store, tmp_path):
    for i in range(4):
        store.append([new(f"s{i}")])
        backup(store, tmp_path / "b", keep=2)
    kept = list_backups(tmp_path / "b")
    assert len(kept) == 2 and kept[-1].name.endswith("-p4.db")


def test_a_damaged_backup_is_refused(store, tmp_path):
    store.append([new()])
    path = Path(backup(store, tmp_path / "b").path)
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(Exception, match=r"not a usable SQLite database|malformed|no event log"):
        restore(path, tmp_path / "out.db")


def test_a_chain_break_holds_writes_and_keeps_reads(store, db_path, tmp_path):
    store.append([new(f"s{i}") for i in range(5)])
    settings = load_settings(environ={}, db=str(db_path), backup_dir=str(tmp_path / "b"))
    assert execute_job("backup", settings).result == "ok"
    assert execute_job("verify", settings).result == "ok"
    raw = sqlite3.connect(db_path)
    raw.execute("DROP TRIGGER events_refuse_update")
    raw.execute("UPDATE events SET stream = 'forged' WHERE position = 2")
    raw.commit()
    # The incremental walk starts after the last verified position; a full one finds it.
    outcome = execute_job("verify", settings)
    assert outcome.result == "ok"
    integrity = store.check_integrity(full=True)
    assert integrity.broken_position == 2
    with pytest.raises(ChainBroken, match="writes are refused"):
        store.append([new("later")])
    assert len(list(store.read_all())) == 5  # reads keep working
    restore(list_backups(tmp_path / "b")[-1], db_path)
    healed = EventStore.open(db_path)
    assert healed.integrity().ok
    healed.append([new("later")])


def test_backup_is_not_scheduled_on_postgresql(pg_url, tmp_path):
    """The database's own tools back it up: the job is off, says why, and refuses if run."""
    settings = load_settings(environ={}, db=pg_url)
    assert "backup" not in enabled_jobs(settings)
    assert {"catch_up", "verify", "verify_full", "webhooks"} <= set(enabled_jobs(settings))
    assert "backup" in enabled_jobs(load_settings(environ={}, db=str(tmp_path / "t.db")))
    open_log(pg_url).close()
    listed = CliRunner().invoke(main, ["jobs", "--run", "backup", "--db", pg_url])
    assert listed.exit_code == 0, listed.output
    assert "backup: error" in listed.output and "pg_dump" in listed.output
    off = [line for line in listed.output.splitlines() if line.startswith("backup ")]
    assert off and "off" in off[0] and "database's own tools" in off[0]


def test_verify_job_reports_a_break_found_incrementally(any_store, log_db, raw_log):
    any_store.append([new(f"s{i}") for i in range(3)])
    settings = load_settings(environ={}, db=log_db)
    raw_log.drop_update_trigger()
    raw_log.execute("UPDATE events SET occurred = '2001' WHERE position = 3")
    outcome = execute_job("verify", settings)
    assert outcome.result == "error" and "position 3" in outcome.message
    assert any_store.integrity().broken_position == 3


def test_drop_folder_imports_good_files_and_sets_bad_ones_aside(any_store, log_db, tmp_path):
    drop = tmp_path / "drop"
    drop.mkdir()
    good = {
        "type": "meeting_held",
        "occurred": "2021-05-07",
        "regions": ["140781"],
        "title": {"zh": "会", "en": "Meeting"},
        "summary": {"zh": "会", "en": "Held."},
        "sources": [{"document": "test-doc"}],
    }
    (drop / "a.json").write_text(json.dumps([good, good]))
    (drop / "b.jsonl").write_text(json.dumps(good) + "\n" + json.dumps(good | {"regions": ["1"]}))
    settings = load_settings(environ={}, db=log_db, drop_dir=str(drop))
    assert import_drop_folder(settings) == "imported 1 file(s), rejected 1"
    assert any_store.head().position == 2
    assert (drop / "done" / "a.json").exists() and (drop / "failed" / "b.jsonl").exists()
    report = (drop / "failed" / "b.jsonl.error.txt").read_text()
    assert "b.jsonl:2:$.regions[0]" in report
    assert import_drop_folder(settings) == "imported 0 file(s), rejected 0"


def test_jobs_command_lists_runs(any_store, log_db):
    result = CliRunner().invoke(main, ["jobs", "--run", "verify", "--db", log_db])
    assert result.exit_code == 0, result.output
    assert "verify: ok" in result.output and "catch_up" in result.output
    backup_line = next(line for line in result.output.splitlines() if line.startswith("backup "))
    assert ("off" in backup_line) == is_postgres(log_db)
    statuses = job_statuses(RawLog(log_db).conn, ["verify", "catch_up"])
    assert (statuses[0].runs, statuses[0].owner, statuses[0].result) == (1, "cli", "ok")
    assert statuses[1].runs == 0


def test_a_restart_waits_for_the_full_walk_the_last_passing_one_scheduled(any_store, log_db, tmp_path):
    """A scheduler taking over does not reread the whole log if a full walk passed less than
    `verify_full_seconds` ago; after a failed one (or none) it walks at once."""
    settings = load_settings(environ={}, db=log_db)
    conn = RawLog(log_db).conn
    before = time.time()
    assert first_run("verify_full", settings, conn).timestamp() < before + 5
    record_run(conn, "verify_full", "someone", execute_job("verify_full", settings))
    assert first_run("verify_full", settings, conn).timestamp() > before + settings.verify_full_seconds - 60
    assert first_run("verify", settings, conn).timestamp() < before + 5
    failed = execute_job("verify_full", load_settings(environ={}, db=str(tmp_path / "none.db")))
    record_run(conn, "verify_full", "someone", failed)
    assert failed.result == "error"
    assert first_run("verify_full", settings, conn).timestamp() < before + 5
    assert job_statuses(conn, ["verify_full"])[0].runs == 2


def _start_scheduler(db: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "timeline", "scheduler", "--db", db],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_exactly_one_process_runs_the_jobs_and_another_takes_over(any_store, log_db, tmp_path):
    """Three schedulers, one leader; SIGKILL it and exactly one other takes over. On PostgreSQL
    the lease is the leader's session lock, which the server frees as the process dies: there is
    no lease row whose expiry the others would wait out."""
    any_store.append([new()])
    env = os.environ | {
        "TIMELINE_VERIFY_SECONDS": "0.2",
        "TIMELINE_LEASE_SECONDS": "1.5",
        "TIMELINE_CATCHUP_SECONDS": "0.2",
        "TIMELINE_BACKUP_SECONDS": "3600",
        "TIMELINE_BACKUP_DIR": str(tmp_path / "backups"),
        "TIMELINE_SIGNING_KEY": str(tmp_path / "signing.key"),
    }
    processes = [_start_scheduler(log_db, env) for _ in range(3)]
    conn = RawLog(log_db).conn
    lease = open_lease(load_settings(environ={}, db=log_db), "test", conn)
    try:

        def owners_seen(seconds: float) -> set[str]:
            seen: set[str] = set()
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                status = job_statuses(conn, ["verify"])[0]
                if status.owner:
                    seen.add(status.owner)
                time.sleep(0.05)
            return seen

        first = owners_seen(3.0)
        assert len(first) == 1  # one leader among three processes
        leader = next(iter(first))
        assert lease.holder() == leader
        runs_before = job_statuses(conn, ["verify"])[0].runs
        assert runs_before >= 3
        os.kill(int(leader.split(":")[1]), signal.SIGKILL)
        later = owners_seen(4.0)
        assert later - first, "no process took over after the leader died"
        assert len(later - first) == 1
        assert lease.holder() == next(iter(later - first))
        assert table_exists(conn, "scheduler_lease") != is_postgres(log_db)
    finally:
        for process in processes:
            process.kill()
            process.wait(timeout=10)
        lease.close()
        conn.close()


class HeldCatchUp:
    """The real catch-up job, counted; its first run is held (after its work) until released."""

    def __init__(self) -> None:
        self.real = JOBS["catch_up"]
        self.results: list[str] = []
        self.running = self.most_at_once = 0
        self.held = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()

    def __call__(self, settings: Settings) -> str:
        with self.lock:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        try:
            result = self.real(settings)
            with self.lock:
                self.results.append(result)
                first = len(self.results) == 1
            if first:
                self.held.set()
                self.release.wait(10)
            return result
        finally:
            with self.lock:
                self.running -= 1


def _scheduler_with_held_catch_up(
    store: EventStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, catchup_seconds: str
) -> tuple[TimelineScheduler, HeldCatchUp]:
    held = HeldCatchUp()
    monkeypatch.setitem(JOBS, "catch_up", held)
    environ = {
        "TIMELINE_CATCHUP_SECONDS": catchup_seconds,
        "TIMELINE_WEBHOOK_SECONDS": "3600",
        "TIMELINE_BACKUP_DIR": str(tmp_path / "backups"),
        "TIMELINE_SIGNING_KEY": str(tmp_path / "signing.key"),
    }
    scheduler = TimelineScheduler(load_settings(environ=environ, db=str(store.path)))
    scheduler.start()
    assert held.held.wait(10), "the first catch-up never ran"
    return scheduler, held


def test_runs_due_while_a_job_runs_are_skipped_quietly(
    store: EventStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """APScheduler warns of each run it skips for one still going; with a short interval that was
    a warning every few seconds from an idle service whenever a catch-up ran long."""
    caplog.set_level(logging.DEBUG)
    store.append([new()])
    scheduler, held = _scheduler_with_held_catch_up(store, tmp_path, monkeypatch, "0.1")
    try:
        time.sleep(0.6)  # several runs fall due while the first is held
        held.release.set()
        deadline = time.monotonic() + 10
        while len(held.results) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        scheduler.shutdown()
    assert len(held.results) >= 3  # runs go on at the interval once the held one ends
    assert held.most_at_once == 1
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    assert any("job catch_up is still running; this run is skipped" in r.message for r in caplog.records)


def test_a_nudge_while_the_job_runs_runs_it_once_more_after(
    store: EventStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A write's nudge that finds catch-up running must not be dropped: its event would wait for
    the next scheduled run (here an hour) instead of being applied at once."""
    store.append([new()])
    scheduler, held = _scheduler_with_held_catch_up(store, tmp_path, monkeypatch, "3600")
    try:
        store.append([new()])  # a write while catch-up runs, and its nudges, as the API does
        scheduler.nudge()
        scheduler.nudge()
        held.release.set()
        deadline = time.monotonic() + 10
        while len(held.results) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # a third run, if two nudges made two, would have started by now
    finally:
        scheduler.shutdown()
    assert held.results == ["applied 1 event(s)", "applied 1 event(s)"]
    assert held.most_at_once == 1
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text


def test_a_paused_scheduler_runs_its_late_jobs_without_warnings(store: EventStore, tmp_path: Path) -> None:
    """A process stopped for a while (a suspended laptop or VM, a loaded host) finds a run more
    than 1 s late on waking. APScheduler skipped such a run with a warning: a daily backup due
    during a suspend was put off a whole day. A late run runs (coalesced into one)."""
    store.append([new()])
    env = os.environ | {
        "TIMELINE_VERIFY_SECONDS": "4",
        "TIMELINE_BACKUP_SECONDS": "3600",
        "TIMELINE_BACKUP_DIR": str(tmp_path / "backups"),
        "TIMELINE_SIGNING_KEY": str(tmp_path / "signing.key"),
    }
    output = tmp_path / "scheduler.log"
    with output.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "timeline", "scheduler", "--db", str(store.path)],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    conn = RawLog(str(store.path)).conn
    try:
        deadline = time.monotonic() + 20
        while not (first := job_statuses(conn, ["verify"])[0]).runs:
            assert time.monotonic() < deadline, output.read_text()
            time.sleep(0.05)
        assert first.last_run_at is not None
        # The second run is due 4 s after the first started; stop the process across it.
        since_first = (datetime.now(UTC) - first.last_run_at).total_seconds()
        time.sleep(max(0.0, 2.5 - since_first))
        process.send_signal(signal.SIGSTOP)
        time.sleep(4.0)  # wakes about 2.5 s after the run was due
        process.send_signal(signal.SIGCONT)
        deadline = time.monotonic() + 3
        while job_statuses(conn, ["verify"])[0].runs < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert job_statuses(conn, ["verify"])[0].runs >= 2, output.read_text()
    finally:
        process.terminate()
        process.wait(timeout=10)
        conn.close()
    printed = output.read_text()
    assert "was missed by" not in printed and "WARNING" not in printed, printed
