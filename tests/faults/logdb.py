"""Fault-test data: a catalogue-ready database, batches labelled with their id, and readers
that look at the file the way an auditor would (raw rows, grouped by batch)."""

from __future__ import annotations

import random
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import msgspec

from events.backends import is_postgres, open_log
from events.envelope import NewEvent
from events.postgres.connection import PgConnection
from events.reference import Reference
from events.types import (
    Event,
    LongText,
    MeetingHeld,
    MilestoneCorrected,
    MilestoneRetracted,
    PilotDesignated,
    SourceRef,
    Text,
)
from projections.runner import PROJECTIONS
from tests.conftest import PROGRAMMES, REGIONS, SOURCES

# Mostly small batches, now and then a large one that takes a while to write.
SIZES = (1, 1, 2, 3, 5, 8, 13, 40, 200, 1500)
LABEL = "fault {batch} {index}/{size}"
_SOURCES = (SourceRef(document="test-doc", locator="fault test"),)
_CODES = [r.code for r in REGIONS]


def make_db(path: str | Path) -> None:
    """A fresh log (a file, or a postgresql:// URL) with the test catalogues."""
    store = open_log(str(path))
    Reference(store.db).upsert([*REGIONS, *PROGRAMMES, *SOURCES])
    store.close()


def _text(label: str) -> Text:
    return Text(zh="故障测试", en=label)


def milestone_event(label: str, rng: random.Random) -> Event:
    """A milestone (meeting or pilot designation) titled `label`, on a random month and region."""
    day = f"20{rng.randint(15, 24)}-{rng.randint(1, 12):02}"
    regions = (rng.choice(_CODES),)
    summary = LongText(zh="测试。", en="Written by a fault test.")
    if rng.random() < 0.03:  # few: the status view re-lays out all of a pair's facts per event
        return PilotDesignated(
            occurred=day,
            regions=regions,
            programmes=("county-integration",),
            title=_text(label),
            summary=summary,
            sources=_SOURCES,
        )
    return MeetingHeld(occurred=day, regions=regions, title=_text(label), summary=summary, sources=_SOURCES)


def make_batch(batch: str, size: int, rng: random.Random) -> list[NewEvent]:
    """`size` events labelled `fault <batch> <i>/<size>`: new milestone streams, and in larger
    batches one on a shared stream, a retraction and a correction of earlier items."""
    items: list[NewEvent] = []
    ids = [uuid.uuid4() for _ in range(size)]
    for index in range(size):
        label = LABEL.format(batch=batch, index=index, size=size)
        reason = LongText(zh="更正。", en=label)
        if size >= 3 and index == size - 1:
            event: Event = MilestoneCorrected(
                corrects=ids[0], changes={"occurred": "2020-01"}, reason=reason, sources=_SOURCES
            )
            items.append(
                NewEvent(stream=items[0].stream, event=event, expected_version=1, event_id=ids[index])
            )
        elif size >= 5 and index == 3:
            event = MilestoneRetracted(retracts=ids[1], reason=reason, sources=_SOURCES)
            items.append(
                NewEvent(stream=items[1].stream, event=event, expected_version=1, event_id=ids[index])
            )
        elif size >= 6 and index == 2:
            items.append(
                NewEvent(stream="fault-shared", event=milestone_event(label, rng), event_id=ids[index])
            )
        else:
            stream = f"fault-{batch}-{index}"
            items.append(
                NewEvent(
                    stream=stream, event=milestone_event(label, rng), expected_version=0, event_id=ids[index]
                )
            )
    return items


def event_label(event: Event) -> str:
    """The label of a decoded fault event."""
    text = getattr(event, "title", None) or getattr(event, "reason", None)
    return text.en if isinstance(text, Text | LongText) else ""


def label_of(payload: str) -> str:
    """The label a fault event carries (a milestone's English title, an amendment's reason)."""
    data = msgspec.json.decode(payload)
    text = data.get("title") or data.get("reason") or {}
    return str(text.get("en", ""))


class Batch(msgspec.Struct):
    size: int
    positions: list[int]


def batches_in(path: str | Path) -> tuple[list[int], dict[str, Batch]]:
    """Every position in the log, and the fault batches found, with the positions of their events."""
    store = open_log(str(path), create=False)
    try:
        rows = store.conn.execute("SELECT position, payload FROM events ORDER BY position").fetchall()
    finally:
        store.close()
    found: dict[str, Batch] = {}
    for position, payload in rows:
        words = label_of(payload).split()
        if len(words) != 3 or words[0] != "fault":
            continue
        size = int(words[2].split("/")[1])
        found.setdefault(words[1], Batch(size=size, positions=[])).positions.append(position)
    return [row[0] for row in rows], found


def is_whole(batch: Batch) -> bool:
    """All of the batch's events are there, at consecutive positions."""
    first = batch.positions[0]
    return batch.positions == list(range(first, first + batch.size))


def projection_rows(path: str | Path) -> dict[str, list[tuple]]:
    """Every projection table (rows sorted by all columns) and the checkpoints, for comparison."""
    conn: Any = PgConnection.open(str(path)) if is_postgres(str(path)) else sqlite3.connect(path)
    try:
        dump = {
            "projection_checkpoints": conn.execute(
                "SELECT * FROM projection_checkpoints ORDER BY name"
            ).fetchall()
        }
        for projection in PROJECTIONS:
            for table in projection.tables:
                width = len(conn.execute(f"SELECT * FROM {table} LIMIT 0").description)
                order = ", ".join(str(i) for i in range(1, width + 1))
                dump[table] = conn.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()
    finally:
        conn.close()
    return dump


def write_locked(probe: sqlite3.Connection) -> bool:
    """Whether some connection holds the write lock right now. `probe` must have a zero busy
    timeout; it takes the lock for an instant when free (the only way SQLite tells)."""
    try:
        probe.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:
        return True
    probe.execute("ROLLBACK")
    return False


def copy_db(source: str | Path, target: str | Path) -> None:
    """A consistent copy through SQLite's backup API (the WAL's committed frames included)."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def first_difference(left: dict[str, list[tuple]], right: dict[str, list[tuple]]) -> str | None:
    """Where two projection dumps first differ (None when identical), for a readable failure."""
    for table in sorted(set(left) | set(right)):
        a, b = left.get(table, []), right.get(table, [])
        if a == b:
            continue
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            if x != y:
                return f"{table} row {i}: {x!r} != {y!r}"
        return f"{table}: {len(a)} rows != {len(b)} rows"
    return None
