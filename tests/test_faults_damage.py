"""A damaged database: truncated, corrupted, missing, in a read-only directory, on a full disk.

The CLI and the service start-up refuse with a one-line message and a non-zero exit (no
traceback, no retry loop), leave the file as it was, and after a full disk the log is intact.
"""

from __future__ import annotations

import os
import random
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from events.errors import StoreUnavailable
from events.store import EventStore
from tests.faults.damage import (
    damage_events_page,
    digest,
    filled_db,
    log_state,
    overwrite,
    refused_cleanly,
    run_cli,
    unprivileged,
)
from tests.faults.logdb import make_batch

Damage = Callable[[Path], None]


def _truncate(path: Path) -> None:
    os.truncate(path, path.stat().st_size // 2)


def _header(path: Path) -> None:
    overwrite(path, 0, b"this is no db!!\x00")


def _zeroed(path: Path) -> None:
    path.write_bytes(b"\x00" * 8192)


def _not_sqlite(path: Path) -> None:
    path.write_text('position,title\n1,=HYPERLINK("x")\n')


# Damage SQLite sees when it opens the file.
DAMAGE: dict[str, Damage] = {
    "truncated to half": _truncate,
    "header overwritten": _header,
    "zeroed": _zeroed,
    "a text file": _not_sqlite,
}


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "log.db"
    filled_db(path, batches=30)
    return path


@pytest.fixture
def event_file(tmp_path: Path) -> Path:
    path = tmp_path / "one.json"
    path.write_text(
        '{"type": "meeting_held", "occurred": "2021-05-07", "regions": ["140781"], '
        '"title": {"zh": "会议", "en": "A meeting"}, "summary": {"zh": "会。", "en": "Met."}, '
        '"sources": [{"document": "test-doc"}]}'
    )
    return path


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_the_cli_refuses_a_damaged_file_with_a_message_and_writes_nothing(
    log: Path, event_file: Path, damage: str
) -> None:
    DAMAGE[damage](log)
    before = digest(log)
    for args in (["verify"], ["append", str(event_file)]):
        result = run_cli(*args, "--db", str(log))
        assert refused_cleanly(result), (args, result.returncode, result.stderr[-2000:])
    assert digest(log) == before


def test_a_damaged_events_page_is_named_by_verify_and_then_holds_writes(log: Path, event_file: Path) -> None:
    """Damage in the middle of the log is not seen at open (that would mean reading the whole
    file every time): `verify` (run by the scheduler too) finds it, names where the proven log
    ends (exit 3) and records a hold, so no write lands on a damaged file after that."""
    damage_events_page(log)
    result = run_cli("verify", "--db", str(log))
    assert result.returncode == 3, result.stderr[-2000:]
    assert "damaged" in result.stderr and "Traceback" not in result.stderr
    head = _head(log)
    for args in (["append", str(event_file)], ["rebuild", "--quiet"]):
        result = run_cli(*args, "--db", str(log))
        assert refused_cleanly(result), (args, result.returncode, result.stderr[-2000:])
    assert _head(log) == head


def _head(path: Path) -> tuple[int, str]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT position, hash FROM events ORDER BY position DESC LIMIT 1").fetchone()
    finally:
        conn.close()


@pytest.mark.parametrize("damage", [*DAMAGE, "an events page scribbled over"])
def test_the_service_refuses_to_start_on_a_damaged_file(log: Path, damage: str) -> None:
    """`timeline serve` stops at start-up with a message; it neither loops nor serves garbage."""
    {**DAMAGE, "an events page scribbled over": damage_events_page}[damage](log)
    before = digest(log) if damage in DAMAGE else _head(log)
    result = run_cli(
        "serve", "--db", str(log), "--port", "9", timeout=60, env={"TIMELINE_SCHEDULER": "false"}
    )
    assert refused_cleanly(result), result.stderr[-2000:]
    # A file SQLite cannot open is left as it was; past a damaged page, the log is.
    assert (digest(log) if damage in DAMAGE else _head(log)) == before


@pytest.mark.parametrize("damage", ["truncated to half", "header overwritten", "zeroed"])
def test_create_app_refuses_to_start_on_a_damaged_file(log: Path, damage: str) -> None:
    from litestar.testing import TestClient

    from api.app import create_app
    from timeline.settings import load_settings

    DAMAGE[damage](log)
    settings = load_settings(environ={}, db=str(log), scheduler=False, tokens=["t"])
    with pytest.raises(BaseException) as raised, TestClient(app=create_app(settings)):
        pass
    assert _causes(raised.value, StoreUnavailable), raised.value


def _causes(error: BaseException, kind: type[BaseException]) -> bool:
    if isinstance(error, kind):
        return True
    inner = getattr(error, "exceptions", ()) or ([error.__cause__] if error.__cause__ else [])
    return any(_causes(e, kind) for e in inner)


def test_a_missing_file_is_refused_by_every_reading_command(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.db"
    for args in (["verify"], ["log"], ["jobs"], ["backup"]):
        result = run_cli(*args, "--db", str(missing))
        assert refused_cleanly(result) and "no such file" in result.stderr, (args, result.stderr)
    assert not missing.exists()


def test_a_missing_directory_is_refused_even_where_a_file_would_be_created(
    tmp_path: Path, event_file: Path
) -> None:
    """`init`, `append` and `serve` create a missing file (first start), never a missing folder:
    that is an unmounted volume or a typo, not a new deployment."""
    target = tmp_path / "unmounted" / "timeline.db"
    for args in (["init"], ["append", str(event_file)], ["serve", "--port", "9"]):
        result = run_cli(*args, "--db", str(target), env={"TIMELINE_SCHEDULER": "false"})
        assert refused_cleanly(result) and "does not exist" in result.stderr, (args, result.stderr)
    assert not target.parent.exists()


@pytest.fixture
def read_only_dir(log: Path) -> Iterator[Path]:
    """The log in a directory nobody may write to (the file itself stays writable): SQLite in
    WAL mode needs to create `-wal` and `-shm` files beside it."""
    os.chmod(log, 0o666)
    os.chmod(log.parent, 0o555)
    yield log
    os.chmod(log.parent, 0o755)


def test_a_read_only_directory_is_refused_with_a_message(read_only_dir: Path, event_file: Path) -> None:
    before = digest(read_only_dir)
    for args in (["verify"], ["log"], ["append", str(event_file)], ["serve", "--port", "9"]):
        result = run_cli(
            *args, "--db", str(read_only_dir), preexec=unprivileged, env={"TIMELINE_SCHEDULER": "false"}
        )
        assert refused_cleanly(result) and "readonly" in result.stderr, (args, result.stderr[-2000:])
    assert digest(read_only_dir) == before


def test_a_full_database_refuses_the_append_and_keeps_the_log_intact(log: Path) -> None:
    """Full disk simulated in-process with `PRAGMA max_page_count` on the store's connection."""
    store = EventStore.open(log, create=False)
    before = log_state(log)
    pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
    store.conn.execute(f"PRAGMA max_page_count = {pages + 2}")
    with pytest.raises(StoreUnavailable, match="full"):
        store.append(make_batch("too-big", 1500, random.Random(1)))
    assert log_state(log) == before
    assert store.verify() == len(before)
    store.conn.execute(f"PRAGMA max_page_count = {2**30}")
    store.append(make_batch("after", 3, random.Random(2)))  # the same connection works again
    assert store.verify() == len(before) + 3
    store.close()
