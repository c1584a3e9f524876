"""`timeline init / append / log / verify` as a user runs them."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from events.store import EventStore
from timeline.cli import main

GOOD = {
    "type": "pilot_designated",
    "occurred": "2017-10",
    "regions": ["140781"],
    "programmes": ["county-integration"],
    "title": {"zh": "介休成为试点", "en": "Jiexiu becomes a pilot"},
    "summary": {"zh": "介休被确定为试点。", "en": "Jiexiu was named a pilot."},
    "sources": [{"document": "test-doc", "locator": "para 2"}],
}


def run(db: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*args, "--db", str(db)])
    return result.exit_code, result.output


def test_append_then_log_and_verify(store: EventStore, db_path: Path, tmp_path: Path):
    file = tmp_path / "events.jsonl"
    file.write_text("\n".join(json.dumps(GOOD | {"occurred": f"2017-1{i}"}) for i in range(3)))
    code, out = run(db_path, "append", str(file))
    assert code == 0 and "Appended 3 event(s) at positions 1-3" in out
    code, out = run(db_path, "log")
    assert code == 0 and "Jiexiu becomes a pilot" in out and "2017-12" in out
    code, out = run(db_path, "verify")
    assert code == 0 and "verified up to position 3" in out


def test_append_reports_every_bad_item_by_file_line_and_field(
    store: EventStore, db_path: Path, tmp_path: Path
):
    lines = [
        json.dumps(GOOD),
        json.dumps(GOOD | {"occurred": "2021-02-30"}),
        "{not json",
        json.dumps(GOOD | {"regions": ["999999"]}),
        json.dumps(GOOD | {"type": "rumour_spread"}),
        json.dumps(GOOD | {"sources": []}),
    ]
    file = tmp_path / "bad.jsonl"
    file.write_text("\n".join(lines))
    code, out = run(db_path, "append", str(file))
    assert code == 1
    assert "bad.jsonl:2:$.occurred: Invalid EDTF date '2021-02-30': day 30 does not exist" in out
    assert "bad.jsonl:3: not valid JSON" in out
    assert "bad.jsonl:4:$.regions[0]: No region with code '999999'" in out
    assert "bad.jsonl:5:$.type: Invalid value 'rumour_spread'" in out
    assert "bad.jsonl:6:$.sources: Expected `array` of length >= 1" in out
    assert store.head().position == 0  # the good first line was not written either


def test_idempotency_key_makes_a_retry_write_nothing(store, db_path: Path, tmp_path: Path):
    file = tmp_path / "one.json"
    file.write_text(json.dumps([GOOD, GOOD]))
    assert run(db_path, "append", str(file), "--idempotency-key", "load-1")[0] == 0
    code, out = run(db_path, "append", str(file), "--idempotency-key", "load-1")
    assert code == 0 and "Already appended 2 event(s) at positions 1-2" in out
    assert store.head().position == 2


def test_verify_exits_non_zero_naming_the_altered_position(store, db_path: Path, tmp_path: Path):
    file = tmp_path / "one.json"
    file.write_text(json.dumps([GOOD] * 4))
    run(db_path, "append", str(file))
    raw = sqlite3.connect(db_path)
    raw.execute("DROP TRIGGER events_refuse_update")
    raw.execute("UPDATE events SET occurred = '2018' WHERE position = 3")
    raw.commit()
    # A real process, as an operator would run it.
    done = subprocess.run(
        [sys.executable, "-m", "timeline", "verify", "--db", str(db_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 3
    assert "broken at position 3" in done.stderr


def test_reading_commands_refuse_a_missing_database(tmp_path: Path):
    code, out = run(tmp_path / "nothing.db", "log")
    assert code == 4 and "no such file" in out  # the database cannot be used


@pytest.mark.parametrize("command", ["init", "append", "log", "verify"])
def test_every_command_has_help(command: str):
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0 and "--db" in result.output
