"""Tampering: the triggers refuse edits through SQL; with the triggers dropped, a changed byte
anywhere in a row, or a row removed, is named by `timeline verify` (exit code 3)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from events.errors import ChainBroken
from events.store import EventStore
from tests.conftest import new
from tests.faults.damage import filled_db, overwrite, run_cli
from timeline.cli import main

Tamper = Callable[[sqlite3.Connection], None]


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "log.db"
    filled_db(path, batches=12)
    return path


def sql(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def verify(path: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["verify", "--db", str(path)])
    return result.exit_code, result.output


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE events SET payload = replace(payload, 'fault', 'FAULT') WHERE position = 5",
        "UPDATE events SET hash = prev_hash",
        "DELETE FROM events WHERE position = 5",
        "DELETE FROM events",
    ],
)
def test_update_and_delete_are_refused_by_the_triggers(log: Path, statement: str) -> None:
    before = sql(log).execute("SELECT * FROM events").fetchall()
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        sql(log).execute(statement)
    assert sql(log).execute("SELECT * FROM events").fetchall() == before


def test_insert_or_replace_cannot_overwrite_an_event(log: Path) -> None:
    """REPLACE deletes the old row without firing DELETE triggers (SQLite fires them only with
    recursive_triggers on); a BEFORE INSERT trigger refuses any position the log already has."""
    conn = sql(log)
    row = list(conn.execute("SELECT * FROM events WHERE position = 3").fetchone())
    row[8] = row[8].replace("fault", "FAULT")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute(f"INSERT OR REPLACE INTO events VALUES ({','.join('?' * 12)})", row)
    assert "FAULT" not in conn.execute("SELECT payload FROM events WHERE position = 3").fetchone()[0]


def test_a_replace_through_the_triggers_is_named_by_verify(log: Path) -> None:
    """With the triggers in place, REPLACE on a new position reusing an old event_id deletes
    that old row; the hash chain notices the missing position."""
    conn = sql(log)
    head = conn.execute("SELECT max(position) FROM events").fetchone()[0]
    row = list(conn.execute("SELECT * FROM events WHERE position = 7").fetchone())
    row[0], row[3] = head + 1, 999
    conn.execute(f"INSERT OR REPLACE INTO events VALUES ({','.join('?' * 12)})", row)
    assert conn.execute("SELECT count(*) FROM events WHERE position = 7").fetchone()[0] == 0
    conn.close()
    code, output = verify(log)
    assert code == 3 and "Hash chain broken at position 7: position missing" in output, output


def _drop_triggers(conn: sqlite3.Connection) -> None:
    for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'"
    ):
        conn.execute(f"DROP TRIGGER {name}")


def _set(column: str, value: str, position: int) -> Tamper:
    return lambda conn: conn.execute(f"UPDATE events SET {column} = {value} WHERE position = {position}")


def _both(first: Tamper, second: Tamper) -> Tamper:
    def tamper(conn: sqlite3.Connection) -> None:
        first(conn)
        second(conn)

    return tamper


TAMPERING: dict[str, tuple[Tamper, int]] = {
    "payload byte": (_set("payload", "replace(payload, 'fault', 'fauls')", 17), 17),
    "stream": (_set("stream", "stream || 'x'", 23), 23),
    "version": (_set("version", "version + 100", 30), 30),
    "occurred": (_set("occurred", "'1999'", 31), 31),
    "recorded_at": (_set("recorded_at", "replace(recorded_at, 'Z', '1Z')", 8), 8),
    "hash": (_set("hash", "iif(substr(hash, 1, 1) = 'a', 'b', 'a') || substr(hash, 2)", 40), 40),
    "prev_hash": (_set("prev_hash", "'" + "0" * 64 + "'", 41), 41),
    "row deleted in the middle": (lambda conn: conn.execute("DELETE FROM events WHERE position = 12"), 12),
    "two rows, the first named": (_both(_set("payload", "'{}'", 50), _set("payload", "'{}'", 9)), 9),
    "row replaced": (
        lambda conn: conn.execute(
            "INSERT OR REPLACE INTO events SELECT position, event_id, stream, version, type, schema_version, "
            "occurred, recorded_at, replace(payload, 'fault', 'FAULT'), source, prev_hash, hash "
            "FROM events WHERE position = 6"
        ),
        6,
    ),
}


@pytest.mark.parametrize("name", list(TAMPERING))
def test_verify_names_the_first_altered_position_with_exit_code_3(log: Path, name: str) -> None:
    tamper, position = TAMPERING[name]
    assert verify(log)[0] == 0
    conn = sql(log)
    _drop_triggers(conn)
    tamper(conn)
    conn.close()
    code, output = verify(log)
    assert code == 3, output
    assert f"Hash chain broken at position {position}:" in output


def test_a_byte_changed_in_the_file_itself_is_named(log: Path) -> None:
    """No SQL at all: one byte of one row's payload is changed on disk."""
    conn = sql(log)
    position, label = conn.execute(
        "SELECT position, json_extract(payload, '$.title.en') FROM events WHERE position = 20"
    ).fetchone()
    conn.close()
    needle = f'"en":"{label}"'.encode()
    data = log.read_bytes()
    assert data.count(needle) == 1
    overwrite(log, data.index(needle) + len(b'"en":"'), b"F")  # `fault ...` becomes `Fault ...`
    result = run_cli("verify", "--db", str(log))
    assert result.returncode == 3, result.stderr
    assert f"position {position}:" in result.stderr and "does not match its hash" in result.stderr


def test_events_removed_from_the_end_are_noticed_after_a_verified_walk(log: Path) -> None:
    """A hash chain alone cannot tell a shorter log from a truncated one; the verified position
    recorded by the last full walk can."""
    assert verify(log)[0] == 0
    conn = sql(log)
    head = conn.execute("SELECT max(position) FROM events").fetchone()[0]
    _drop_triggers(conn)
    conn.execute("DELETE FROM events WHERE position > ?", [head - 3])
    conn.close()
    code, output = verify(log)
    assert code == 3, output
    assert f"position {head - 2}:" in output


def test_a_recorded_break_holds_writes_until_a_clean_walk(log: Path) -> None:
    conn = sql(log)
    _drop_triggers(conn)
    conn.execute("UPDATE events SET stream = 'moved' WHERE position = 4")
    conn.close()
    assert verify(log)[0] == 3
    store = EventStore.open(log, create=False)
    head = store.head()
    with pytest.raises(ChainBroken, match="position 4"):
        store.append([new("after-the-break")])
    assert store.head() == head
    store.close()
