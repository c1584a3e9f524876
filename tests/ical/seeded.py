"""A real database loaded with the curated seeds, and milestones appended straight to its log."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import msgspec

from events.envelope import NewEvent
from events.store import EventStore
from events.types import Event
from timeline.database import open_store
from timeline.seeds import load_seeds
from timeline.settings import Settings

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
BASE_URL = "https://timeline.example"
SOURCE = "jinzhong-daily-report-2021-05-19"


def seeded_settings(folder: Path) -> Settings:
    """Settings for a database in `folder` holding every seed file's catalogues and milestones."""
    settings = Settings(db=str(folder / "timeline.db"), base_url=BASE_URL, scheduler=False)
    store = open_store(settings, create=True)
    try:
        load_seeds(store, SEEDS)
    finally:
        store.close()
    return settings


def append(settings: Settings, event: dict[str, Any], stream: str | None = None) -> str:
    """Append one event through EventStore.append; returns its event id."""
    event_id = uuid.uuid4()
    item = NewEvent(
        stream=stream or f"milestone-{event_id}",
        event=msgspec.convert(event, type=Event),  # type: ignore[arg-type]
        event_id=event_id,
    )
    store = EventStore.open(settings.db, create=False)
    try:
        store.append([item])
    finally:
        store.close()
    return str(event_id)


def milestone(**fields: Any) -> dict[str, Any]:
    """A meeting in Jiexiu on a known day, with `fields` overriding."""
    return {
        "type": "meeting_held",
        "occurred": "2024-03-05",
        "regions": ["140781"],
        "programmes": ["county-medical-integration"],
        "title": {"zh": "介休召开医共体推进会", "en": "Jiexiu holds a medical-group meeting"},
        "summary": {"zh": "介休召开了推进会。", "en": "Jiexiu held a progress meeting."},
        "sources": [{"document": SOURCE, "locator": "para 1"}],
        **fields,
    }


def amendment(kind: str, target: str, **fields: Any) -> dict[str, Any]:
    """A `milestone_corrected` (with `changes`) or `milestone_retracted` of `target`."""
    key = "corrects" if kind == "milestone_corrected" else "retracts"
    return {
        "type": kind,
        key: target,
        "reason": {"zh": "核对原文后修正。", "en": "Checked against the source."},
        "sources": [{"document": SOURCE}],
        **fields,
    }
