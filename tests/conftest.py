"""Shared fixtures: real SQLite files in tmp_path with a small catalogue."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from events.envelope import NewEvent
from events.reference import Programme, Reference, Region, SourceDocument
from events.store import EventStore
from events.types import Event, LongText, Text

REGIONS = [
    Region(code="140000", name=Text(zh="山西省", en="Shanxi"), kind="province"),
    Region(code="140700", name=Text(zh="晋中市", en="Jinzhong"), kind="prefecture", parent="140000"),
    Region(
        code="140781",
        name=Text(zh="介休市", en="Jiexiu"),
        kind="county-level-city",
        parent="140700",
    ),
    Region(code="140725", name=Text(zh="寿阳县", en="Shouyang"), kind="county", parent="140700"),
    Region(code="140100", name=Text(zh="太原市", en="Taiyuan"), kind="prefecture", parent="140000"),
]
PROGRAMMES = [
    Programme(
        slug="county-integration",
        name=Text(zh="县域一体化", en="County integration"),
        description=LongText(zh="县域医疗卫生一体化改革", en="County health integration"),
        statuses=("designated", "demonstration", "rated", "awarded", "ended", "planned"),
        rank=("demonstration", "designated", "rated", "awarded", "planned", "ended"),
        supersedes={"designated": ("planned",), "demonstration": ("planned",)},
    ),
    Programme(
        slug="dip-payment",
        name=Text(zh="DIP支付", en="DIP payment"),
        description=LongText(zh="按病种分值付费", en="Diagnosis-intervention packet payment"),
        statuses=("designated", "rated", "ended"),
    ),
]
SOURCES = [
    SourceDocument(
        id="test-doc",
        title=Text(zh="测试文件", en="Test document"),
        publisher=Text(zh="测试", en="Test"),
        published="2024-08-28",
        kind="news",
    ),
]


def milestone(**fields: Any) -> Event:
    """A valid milestone of `type` (default meeting_held) with `fields` overriding defaults."""
    data: dict[str, Any] = {
        "type": "meeting_held",
        "occurred": "2021-05-07",
        "regions": ["140781"],
        "title": {"zh": "会议", "en": "A meeting"},
        "summary": {"zh": "召开了会议。", "en": "A meeting was held."},
        "sources": [{"document": "test-doc", "locator": "para 1"}],
    }
    data.update(fields)
    return msgspec.convert(data, type=Event)  # type: ignore[arg-type]


def new(stream: str = "s", expected: int | None = None, **fields: Any) -> NewEvent:
    return NewEvent(stream=stream, event=milestone(**fields), expected_version=expected)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "timeline.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[EventStore]:
    store = EventStore.open(db_path)
    reference = Reference(store.db)
    reference.ensure_schema()
    reference.upsert([*REGIONS, *PROGRAMMES, *SOURCES])
    yield store
    store.close()
