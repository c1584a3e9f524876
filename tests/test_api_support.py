"""Fixtures for the API tests: a real SQLite file with a small catalogue and a few milestones,
and the real app through Litestar's test client.

No tests here; the other `test_api_*` modules import these.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

from litestar.testing import TestClient

from api.app import create_app
from events.backends import is_postgres
from events.envelope import NewEvent
from events.store import EventStore
from tests.conftest import milestone
from timeline.settings import Settings

TOKEN = "test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
BASE = "https://timeline.example.org"

# name -> (fixed event id, fields of the milestone)
MILESTONES: dict[str, tuple[str, dict[str, Any]]] = {
    "pilot": (
        "00000000-0000-4000-8000-000000000001",
        {
            "type": "pilot_designated",
            "occurred": "2017-10",
            "regions": ["140781"],
            "programmes": ["county-integration"],
            "title": {"zh": "介休成为试点", "en": "Jiexiu becomes a pilot"},
            "summary": {"zh": "介休被确定为县域一体化试点。", "en": "Jiexiu was named an integration pilot."},
        },
    ),
    "meeting": (
        "00000000-0000-4000-8000-000000000002",
        {
            "occurred": "2021-05-07",
            "regions": ["140700"],
            "title": {"zh": "晋中推进会", "en": "Jinzhong progress meeting"},
        },
    ),
    "incentive": (
        "00000000-0000-4000-8000-000000000003",
        {
            "type": "incentive_awarded",
            "occurred": "2021",
            "regions": ["140781"],
            "programmes": ["county-integration"],
            "amount_cny": 5_000_000,
            "awarding_body": {"zh": "国务院", "en": "State Council"},
            "title": {"zh": "介休获激励", "en": "Jiexiu receives an incentive"},
        },
    ),
    "review": (
        "00000000-0000-4000-8000-000000000004",
        {
            "occurred": "2019-11-18/2019-11-19",
            "regions": ["140725"],
            "title": {"zh": "寿阳现场评审", "en": "Shouyang on-site review"},
        },
    ),
    "policy": (
        "00000000-0000-4000-8000-000000000005",
        {
            "type": "policy_issued",
            "occurred": "2020-03",
            "regions": ["140100"],
            "issuer": {"zh": "太原市政府", "en": "Taiyuan government"},
            "document_title": {"zh": "实施方案", "en": "Implementation plan"},
            "title": {"zh": "太原印发方案", "en": "Taiyuan issues a plan"},
        },
    ),
}
ID = {name: event_id for name, (event_id, _) in MILESTONES.items()}


def seed(store: EventStore) -> None:
    store.append(
        [
            NewEvent(stream=f"milestone-{name}", event=milestone(**f), expected_version=0, event_id=UUID(i))
            for name, (i, f) in MILESTONES.items()
        ]
    )


def new_event(**fields: Any) -> dict[str, Any]:
    """A valid event as a writer would POST it."""
    body: dict[str, Any] = {
        "type": "meeting_held",
        "occurred": "2022-03-01",
        "regions": ["140725"],
        "title": {"zh": "寿阳会议", "en": "Shouyang meeting"},
        "summary": {"zh": "寿阳召开会议。", "en": "Shouyang held a meeting."},
        "sources": [{"document": "test-doc", "locator": "para 4"}],
    }
    body.update(fields)
    return body


def make_settings(db_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "db": str(db_path),
        "tokens": ["another-token", TOKEN],
        "base_url": BASE,
        "read_your_writes_timeout": 0.3,
        "max_body_bytes": 20_000,
    }
    if is_postgres(str(db_path)):
        # A server database has no folder: the signing key would default to the working folder.
        values["signing_key"] = str(Path(tempfile.mkdtemp(prefix="timeline-key-")) / "timeline.key")
    values.update(overrides)
    return Settings(**values)


def seeded_settings(store: EventStore, db_path: Path, **overrides: Any) -> Settings:
    """Settings on the conftest's database (small catalogue), with five milestones appended."""
    seed(store)
    return make_settings(db_path, **overrides)


def open_client(settings: Settings) -> Iterator[TestClient]:
    """The real app on `settings`, started (lifespan) and stopped around the test."""
    with TestClient(app=create_app(settings)) as client:
        yield client
