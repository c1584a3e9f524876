"""Timeline entries built by hand, for testing the renderer without a log."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from api.ics import FeedInfo, Lang
from events.reference import Reference
from events.types import LongText, Text
from projections.models import Correction, Retraction, Source, TimelineEntry, date_value

RECORDED = datetime(2024, 9, 1, 8, 30, 15, 123456, tzinfo=UTC)


def reference_of(*items: Any) -> Reference:
    reference = Reference(sqlite_utils.Database(memory=True))
    reference.ensure_schema()
    reference.upsert(items)
    return reference


def entry(position: int = 1, occurred: str = "2021-05-07", **fields: Any) -> TimelineEntry:
    """An entry at `position` (its event id follows from it) with `fields` overriding defaults."""
    data: dict[str, Any] = {
        "event_id": f"00000000-0000-7000-8000-{position:012d}",
        "position": position,
        "type": "meeting_held",
        "occurred": date_value(occurred),
        "regions": ["140781"],
        "programmes": ["county-integration"],
        "title": Text(zh="介休召开医共体推进会", en="Jiexiu holds a medical-community meeting"),
        "summary": LongText(zh="介休召开了会议。", en="Jiexiu held a meeting."),
        "sources": [Source(document="test-doc", locator="para 1")],
        "confidence": "high",
        "note": None,
        "details": {},
        "corrected": False,
        "corrections": [],
        "retracted": False,
        "retraction": None,
        "recorded_at": RECORDED,
        "last_modified": RECORDED,
        "sequence": 0,
    }
    data.update(fields)
    return TimelineEntry(**data)


def corrected(base: TimelineEntry, at: datetime, **changes: Any) -> TimelineEntry:
    correction = Correction(
        event_id="00000000-0000-7000-9000-000000000001",
        position=base.position + 100,
        recorded_at=at,
        reason=LongText(zh="原文有误。", en="The source was wrong."),
        fields=sorted(changes),
    )
    fields = {"occurred": base.occurred.edtf, "title": base.title, **changes}
    return entry(
        base.position,
        **fields,
        corrected=True,
        corrections=[correction],
        last_modified=at,
        sequence=base.sequence + 1,
    )


def retracted(base: TimelineEntry, at: datetime) -> TimelineEntry:
    retraction = Retraction(
        event_id="00000000-0000-7000-9000-000000000002",
        position=base.position + 200,
        recorded_at=at,
        reason=LongText(zh="该事件不存在。", en="It did not happen."),
    )
    return entry(
        base.position,
        occurred=base.occurred.edtf,
        retracted=True,
        retraction=retraction,
        last_modified=at,
        sequence=base.sequence + 1,
    )


def feed(lang: Lang = "en", *, spans: bool = False, reported: bool = False) -> FeedInfo:
    return FeedInfo(
        name="改革时间线：介休市" if lang == "zh" else "Reform timeline: Jiexiu",
        description="介休市的改革里程碑" if lang == "zh" else "Reform milestones of Jiexiu, a feed; test",
        lang=lang,
        spans=spans,
        public_url="http://timeline.test",
        reported=reported,
    )
