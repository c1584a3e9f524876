"""Helpers for the projection tests: appending milestones and amendments to a real store.

No tests here; the other `test_projections_*` modules import these.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from events.envelope import NewEvent
from events.reference import Programme, Reference
from events.store import EventStore
from events.types import (
    Event,
    LongText,
    MilestoneCorrected,
    MilestoneRetracted,
    SourceDated,
    SourceRef,
    Text,
)
from projections.runner import PROJECTIONS
from tests.conftest import milestone

SOURCE = (SourceRef(document="test-doc", locator="para 2"),)
INHERITING = Programme(
    slug="dip-city",
    name=Text(zh="城市DIP", en="City DIP"),
    description=LongText(zh="城市统筹", en="Pooled at city level"),
    statuses=("designated", "ended"),
    inherits_down=True,
)


def append(store: EventStore, *events: Event) -> list[str]:
    """Append events (each milestone on its own new stream); returns their ids."""
    result = store.append([NewEvent(stream=f"m-{_stream(store)}-{i}", event=e) for i, e in enumerate(events)])
    return [str(event_id) for event_id in result.event_ids]


def add(store: EventStore, **fields: Any) -> str:
    """Append one milestone built like `tests.conftest.milestone`; returns its id."""
    return append(store, milestone(**fields))[0]


def correction(target: str, reason: str = "a correction", **changes: Any) -> MilestoneCorrected:
    return MilestoneCorrected(
        sources=SOURCE,
        reason=LongText(zh="更正", en=reason),
        corrects=target,  # type: ignore[arg-type]
        changes=changes,
    )


def retraction(target: str, reason: str = "wrong") -> MilestoneRetracted:
    return MilestoneRetracted(
        sources=SOURCE,
        reason=LongText(zh="撤回", en=reason),
        retracts=target,  # type: ignore[arg-type]
    )


def doubt(printed: str, reading: str, document: str = "test-doc") -> SourceDated:
    """The test document's printed dates within `printed` may stand for `reading`."""
    return SourceDated(
        sources=(SourceRef(document=document),),
        document=document,
        printed=printed,
        reading=reading,
        reason=LongText(zh="日期存疑", en="dates doubted"),
    )


def correct(store: EventStore, target: str, reason: str = "a correction", **changes: Any) -> str:
    return append(store, correction(target, reason, **changes))[0]


def retract(store: EventStore, target: str, reason: str = "wrong") -> str:
    return append(store, retraction(target, reason))[0]


def designate(store: EventStore, occurred: str, region: str = "140781", **fields: Any) -> str:
    fields.setdefault("programmes", ["county-integration"])
    return add(store, type="pilot_designated", occurred=occurred, regions=[region], **fields)


def add_inheriting_programme(store: EventStore) -> Reference:
    reference = Reference(store.db)
    reference.upsert([INHERITING])
    return reference


def _stream(store: EventStore) -> int:
    return store.head().position


def table_rows(conn: sqlite3.Connection) -> dict[str, list[tuple[Any, ...]]]:
    """Every projection table's rows, sorted, with the checkpoints: what must be identical."""
    tables = {table for p in PROJECTIONS for table in p.tables}
    rows = {table: sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr) for table in tables}
    rows["checkpoints"] = sorted(
        conn.execute("SELECT name, version, position FROM projection_checkpoints").fetchall()
    )
    return rows
