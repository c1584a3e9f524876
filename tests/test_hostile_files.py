"""Hostile event files for `timeline append` and the drop folder: bytes that are not UTF-8 and
JSON nested past any sane depth are reported as not valid JSON, like any other bad file; in the
drop folder such a file is moved aside with its report instead of blocking the folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from events.store import EventStore
from tests.faults.damage import log_state
from tests.faults.hostile import dumps, event
from timeline.cli import main
from timeline.jobs import import_drop_folder
from timeline.settings import load_settings

POISON = {
    "invalid UTF-8": b'{"type": "meeting_held", "title": {"en": "\xff\xfe"}}',
    "nested 5000 deep": b"[" * 5000 + b"]" * 5000,
    "objects nested 5000 deep": b'{"a":' * 5000 + b"1" + b"}" * 5000,
}


@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
@pytest.mark.parametrize("name", list(POISON))
def test_append_reports_a_poison_file_and_writes_nothing(
    store: EventStore, db_path: Path, tmp_path: Path, name: str, suffix: str
) -> None:
    path = tmp_path / f"poison{suffix}"
    path.write_bytes(POISON[name])
    before = log_state(db_path)
    result = CliRunner().invoke(main, ["append", str(path), "--db", str(db_path)])
    assert result.exit_code == 1 and "not valid JSON" in result.output, (result.output, result.exception)
    assert log_state(db_path) == before


def test_a_poison_file_in_the_drop_folder_is_moved_aside_and_the_rest_imported(
    store: EventStore, db_path: Path, tmp_path: Path
) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "a-poison.json").write_bytes(POISON["invalid UTF-8"])
    (drop / "b-deep.json").write_bytes(POISON["nested 5000 deep"])
    (drop / "c-good.json").write_bytes(dumps(event()))
    settings = load_settings(environ={}, db=str(db_path), drop_dir=str(drop))
    message = import_drop_folder(settings)
    assert message == "imported 1 file(s), rejected 2"
    assert sorted(p.name for p in (drop / "failed").iterdir()) == [
        "a-poison.json",
        "a-poison.json.error.txt",
        "b-deep.json",
        "b-deep.json.error.txt",
    ]
    assert "not valid JSON" in (drop / "failed" / "a-poison.json.error.txt").read_text()
    assert store.head().position == 1
