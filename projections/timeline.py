"""The timeline projection: every milestone as an entry per region, corrections applied.

Rows are bitemporal. Each version of an entry (the milestone, then one per correction or
retraction) is a row of `timeline_entries` whose `vid` is the position of the event that
made it (its `known_from`) and whose `known_to` is the position that superseded it. Each
version is listed under its regions (`tree` = 0) and under every region with children at
or above them (`tree` = 1) in `timeline_scope`, keyed by an integer sort key, so a region's
page, with or without its descendants, as known now or at any position, is one index range.
"""

from __future__ import annotations

import sqlite3
from typing import Any, ClassVar

import msgspec

from events.dates import parse_edtf
from events.submissions import apply_changes
from events.types import (
    Milestone,
    MilestoneCorrected,
    MilestoneRetracted,
    decode_event,
    encode_event,
)
from projections.base import ApplyContext, sort_key
from projections.log import LogEvent
from projections.regions import RegionTree

_to_builtins = msgspec.to_builtins


class Version(msgspec.Struct):
    """The current version of an entry while a batch works on it."""

    vid: int
    position: int
    event_id: str
    type: str
    recorded_at: str
    retracted: bool
    event: Milestone
    amendments: dict[str, Any] | None


class TimelineProjection:
    name: ClassVar[str] = "timeline"
    version: ClassVar[int] = 1
    tables: ClassVar[dict[str, str]] = {
        "timeline_entries": """(
            vid INTEGER PRIMARY KEY,
            position INTEGER NOT NULL,
            known_to INTEGER,
            event_id TEXT NOT NULL,
            type TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            retracted INTEGER NOT NULL,
            programmes TEXT NOT NULL,
            search TEXT NOT NULL,
            payload TEXT NOT NULL,
            amendments TEXT
        )""",
        "timeline_scope": """(
            scope TEXT NOT NULL,
            tree INTEGER NOT NULL,
            sort_key INTEGER NOT NULL,
            vid INTEGER NOT NULL,
            type TEXT NOT NULL,
            retracted INTEGER NOT NULL,
            earliest INTEGER,
            latest INTEGER
        )""",
        # The current version of each amended entry (an entry without a row is its own vid).
        "timeline_heads": "(position INTEGER PRIMARY KEY, vid INTEGER NOT NULL)",
    }
    indexes: ClassVar[dict[str, tuple[str, str]]] = {
        "by_scope": ("timeline_scope", "scope, tree, sort_key"),
    }

    def fingerprint(self, tree: RegionTree) -> str:
        return tree.fingerprint  # rows list entries under the ancestors of their regions

    def apply(
        self,
        conn: sqlite3.Connection,
        names: dict[str, str],
        events: list[LogEvent],
        ctx: ApplyContext,
    ) -> None:
        batch = _Batch(conn, names, ctx)
        for logged in events:
            event = logged.event
            if isinstance(event, Milestone):
                batch.add(logged, event)
            elif isinstance(event, MilestoneCorrected):
                batch.correct(logged, event)
            elif isinstance(event, MilestoneRetracted):
                batch.retract(logged, event)
        batch.flush()


class _Batch:
    """The writes of one batch, kept in memory so later events of the batch can amend them."""

    def __init__(self, conn: sqlite3.Connection, names: dict[str, str], ctx: ApplyContext) -> None:
        self.conn = conn
        self.names = names
        self.ctx = ctx
        self.entries: dict[int, list[Any]] = {}
        self.scope: list[tuple[Any, ...]] = []
        self.closed: list[tuple[int, int]] = []
        self.heads: dict[int, int] = {}
        self.current: dict[int, Version] = {}

    def add(self, logged: LogEvent, event: Milestone) -> None:
        position = logged.position
        version = Version(
            position, position, logged.event_id, logged.type, logged.recorded_at, False, event, None
        )
        self.current[position] = version
        self._insert(version, logged.payload)

    def correct(self, logged: LogEvent, event: MilestoneCorrected) -> None:
        version = self._target(str(event.corrects))
        if version is None:
            return
        corrected, _ = apply_changes(version.event, event.changes, "$.changes")
        if corrected is None:  # the log holds an invalid correction: it changes nothing
            return
        amendments = dict(version.amendments or {"corrections": [], "retraction": None})
        amendments["corrections"] = [
            *amendments["corrections"],
            {
                "event_id": logged.event_id,
                "position": logged.position,
                "recorded_at": logged.recorded_at,
                "reason": _to_builtins(event.reason),
                "fields": sorted(event.changes),
            },
        ]
        payload = encode_event(corrected).decode()
        self._supersede(logged.position, version, corrected, payload, version.retracted, amendments)

    def retract(self, logged: LogEvent, event: MilestoneRetracted) -> None:
        version = self._target(str(event.retracts))
        if version is None or version.retracted:
            return
        amendments = dict(version.amendments or {"corrections": [], "retraction": None})
        amendments["retraction"] = {
            "event_id": logged.event_id,
            "position": logged.position,
            "recorded_at": logged.recorded_at,
            "reason": _to_builtins(event.reason),
        }
        payload = encode_event(version.event).decode()
        self._supersede(logged.position, version, version.event, payload, True, amendments)

    def _supersede(
        self,
        position: int,
        old: Version,
        event: Milestone,
        payload: str,
        retracted: bool,
        amendments: dict[str, Any],
    ) -> None:
        pending = self.entries.get(old.vid)
        if pending is not None:
            pending[2] = position  # superseded within the batch that wrote it
        else:
            self.closed.append((position, old.vid))
        version = Version(
            position,
            old.position,
            old.event_id,
            old.type,
            old.recorded_at,
            retracted,
            event,
            amendments,
        )
        self.heads[old.position] = position
        self.current[old.position] = version
        self._insert(version, payload)

    def _insert(self, version: Version, payload: str) -> None:
        event, vid = version.event, version.vid
        fuzzy = parse_edtf(event.occurred)
        key = sort_key(fuzzy, version.position)
        earliest = fuzzy.earliest.toordinal() if fuzzy.earliest else None
        latest = fuzzy.latest.toordinal() if fuzzy.latest else None
        flag = int(version.retracted)
        for scope, tree in _scopes(self.ctx.tree, event.regions):
            self.scope.append((scope, tree, key, vid, version.type, flag, earliest, latest))
        title, summary = event.title, event.summary
        search = f"{title.zh}\x1f{title.en}\x1f{summary.zh}\x1f{summary.en}".casefold()
        programmes = f",{','.join(event.programmes)}," if event.programmes else ""
        amendments = version.amendments
        self.entries[vid] = [
            vid,
            version.position,
            None,
            version.event_id,
            version.type,
            version.recorded_at,
            flag,
            programmes,
            search,
            payload,
            msgspec.json.encode(amendments).decode() if amendments else None,
        ]

    def _target(self, event_id: str) -> Version | None:
        position = self.ctx.targets.get(event_id)
        if position is None:
            return None
        version = self.current.get(position)
        if version is None:
            version = self._load(position)
            if version is not None:
                self.current[position] = version
        return version

    def _load(self, position: int) -> Version | None:
        names = self.names
        row = self.conn.execute(
            f"SELECT vid FROM {names['timeline_heads']} WHERE position = ?", [position]
        ).fetchone()
        vid = row[0] if row else position
        row = self.conn.execute(
            f"SELECT event_id, type, recorded_at, retracted, payload, amendments "
            f"FROM {names['timeline_entries']} WHERE vid = ? AND position = ?",
            [vid, position],
        ).fetchone()
        if row is None:  # not a milestone (perhaps an amendment, whose position is a vid)
            return None
        event = decode_event(row[4])
        assert isinstance(event, Milestone)
        amendments = msgspec.json.decode(row[5]) if row[5] else None
        return Version(vid, position, row[0], row[1], row[2], bool(row[3]), event, amendments)

    def flush(self) -> None:
        names, conn = self.names, self.conn
        entries = names["timeline_entries"]
        if self.closed:
            conn.executemany(f"UPDATE {entries} SET known_to = ? WHERE vid = ?", self.closed)
        if self.entries:
            conn.executemany(
                f"INSERT INTO {entries} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                list(self.entries.values()),
            )
        if self.scope:
            conn.executemany(
                f"INSERT INTO {names['timeline_scope']} VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                self.scope,
            )
        if self.heads:
            conn.executemany(
                f"INSERT OR REPLACE INTO {names['timeline_heads']} VALUES (?, ?)",
                list(self.heads.items()),
            )


def _scopes(tree: RegionTree, regions: tuple[str, ...]) -> list[tuple[str, int]]:
    """Where a version is listed: its regions, and every region with children at or above."""
    if len(regions) > 1:
        regions = tuple(dict.fromkeys(regions))
    scopes = [(code, 0) for code in regions]
    seen: set[str] = set()
    for code in regions:
        for scope in (code, *tree.ancestors(code)):
            if scope not in seen and tree.has_children(scope):
                seen.add(scope)
                scopes.append((scope, 1))
    return scopes
