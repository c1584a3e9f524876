"""The drop folder keyed by content: names reused, odd entries, links, conflicts, reserved keys."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from litestar.testing import TestClient

from api.app import create_app
from events.store import EventStore
from timeline.cli import main
from timeline.drop import content_key
from timeline.jobs import execute_job, import_drop_folder
from timeline.settings import Settings, load_settings


def event(title: str, **fields: Any) -> dict[str, Any]:
    return {
        "type": "meeting_held",
        "occurred": "2021-05-07",
        "regions": ["140781"],
        "title": {"zh": title, "en": title},
        "summary": {"zh": "会", "en": "Held."},
        "sources": [{"document": "test-doc"}],
        **fields,
    }


@pytest.fixture
def drop(tmp_path: Path) -> Path:
    folder = tmp_path / "drop"
    folder.mkdir()
    return folder


@pytest.fixture
def settings(store: EventStore, db_path: Path, drop: Path) -> Settings:
    return load_settings(environ={}, db=str(db_path), drop_dir=str(drop))


def titles(store: EventStore) -> list[str]:
    return [e.event.title.en for e in store.read_all()]  # type: ignore[union-attr]


def test_a_name_used_again_for_new_content_is_a_new_import(
    store: EventStore, settings: Settings, drop: Path
) -> None:
    (drop / "weekly.json").write_text(json.dumps(event("first week")))
    assert import_drop_folder(settings) == "imported 1 file(s), rejected 0"
    (drop / "weekly.json").write_text(json.dumps(event("second week")))
    (drop / "z-after.json").write_text(json.dumps(event("after it")))
    assert import_drop_folder(settings) == "imported 2 file(s), rejected 0"
    assert titles(store) == ["first week", "second week", "after it"]
    done = sorted(p.name for p in (drop / "done").iterdir())
    assert len(done) == 3 and "weekly.json" in done and "z-after.json" in done
    assert not (drop / "failed").exists() or not any((drop / "failed").iterdir())


def test_the_same_content_under_two_names_is_appended_once(
    store: EventStore, settings: Settings, drop: Path
) -> None:
    body = json.dumps(event("only once"))
    (drop / "a.json").write_text(body)
    (drop / "b.json").write_text(body)
    assert import_drop_folder(settings) == "imported 1 file(s), rejected 0, 1 already imported"
    assert titles(store) == ["only once"]
    assert sorted(p.name for p in (drop / "done").iterdir()) == ["a.json", "b.json"]


def test_a_directory_a_fifo_and_a_symlink_are_skipped_without_blocking(
    store: EventStore, settings: Settings, drop: Path, tmp_path: Path
) -> None:
    (drop / "x.json").mkdir()
    os.mkfifo(drop / "y.json")  # nobody writes to it: a blocking open would hang the job
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text(json.dumps(event("not from the drop folder")))
    (drop / "l.json").symlink_to(elsewhere)
    (drop / "z.json").write_text(json.dumps(event("imported")))
    result: list[str] = []
    worker = threading.Thread(target=lambda: result.append(import_drop_folder(settings)), daemon=True)
    worker.start()
    worker.join(30)
    assert not worker.is_alive(), "the drop folder job blocked"
    assert result == ["imported 1 file(s), rejected 0, 3 skipped"]
    assert titles(store) == ["imported"]
    assert (drop / "x.json").is_dir() and (drop / "y.json").exists() and (drop / "l.json").is_symlink()
    assert elsewhere.read_text() == json.dumps(event("not from the drop folder"))


def test_a_linked_failed_folder_is_refused_and_nothing_elsewhere_is_touched(
    store: EventStore, settings: Settings, drop: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "bad.json").write_text("precious")
    (drop / "failed").symlink_to(outside)
    (drop / "bad.json").write_text("{not json")
    outcome = execute_job("drop_folder", settings)
    assert outcome.result == "error" and "failed" in outcome.message and "link" in outcome.message
    assert (outside / "bad.json").read_text() == "precious"
    assert sorted(p.name for p in outside.iterdir()) == ["bad.json"]
    assert (drop / "bad.json").read_text() == "{not json"


def test_a_bad_or_conflicting_file_goes_to_failed_with_a_report_and_the_rest_import(
    store: EventStore, settings: Settings, drop: Path
) -> None:
    (drop / "a-bad.json").write_text(json.dumps(event("x", regions=["1"])))
    stale = {"event": event("stale"), "stream": "s-1", "expected_version": 5}
    (drop / "b-stale.json").write_text(json.dumps(stale))
    (drop / "c-good.json").write_text(json.dumps(event("good")))
    (drop / "failed").mkdir()
    (drop / "failed" / "a-bad.json").write_text("an earlier failure, kept")
    assert import_drop_folder(settings) == "imported 1 file(s), rejected 2"
    assert titles(store) == ["good"]
    failed = drop / "failed"
    assert (failed / "a-bad.json").read_text() == "an earlier failure, kept"
    reports = {p.name: p.read_text() for p in failed.glob("*.error.txt")}
    assert len(reports) == 2
    assert any("regions[0]" in text for name, text in reports.items() if name.startswith("a-bad"))
    assert any("version" in text.lower() for name, text in reports.items() if name.startswith("b-stale"))
    assert import_drop_folder(settings) == "imported 0 file(s), rejected 0"  # nothing is retried


def test_writers_cannot_use_the_drop_folders_keys(
    store: EventStore, settings: Settings, drop: Path, db_path: Path, tmp_path: Path
) -> None:
    body = json.dumps(event("dropped later"))
    key = content_key(body.encode())
    app = create_app(Settings(db=str(db_path), tokens=["t"], scheduler=False))
    with TestClient(app=app) as client:
        headers = {"Authorization": "Bearer t", "Idempotency-Key": key, "Content-Type": "application/json"}
        response = client.post("/events", content=body, headers=headers)
    assert response.status_code == 422
    assert "Idempotency-Key" in response.text and "drop folder" in response.text
    path = tmp_path / "e.json"
    path.write_text(body)
    result = CliRunner().invoke(main, ["append", str(path), "--db", str(db_path), "--idempotency-key", key])
    assert result.exit_code == 1 and "reserved for the drop folder" in result.output
    (drop / "e.json").write_text(body)
    assert import_drop_folder(settings) == "imported 1 file(s), rejected 0"
    assert titles(store) == ["dropped later"]
