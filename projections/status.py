"""The programme-status projection: each (region, programme)'s status over valid time.

Designations (`PilotDesignated.status`), ratings ("rated"), incentives tied to a programme
("awarded") and endings ("ended") are facts of a (region, programme) pair; corrections and
retractions change or remove them. After each event the pair's segments are recomputed
(`projections.intervals`) and compared with the stored ones: segments that no longer hold
get `known_to` = this position, new ones `known_from` = this position. So
`status_segments` answers "on day D, as known at position K" with one index lookup.

`status_milestones` keeps the current version of every status-type milestone and
`status_pairs` each pair's facts and live segments: the state the next event builds on.
"""

from __future__ import annotations

import sqlite3
from typing import Any, ClassVar

import msgspec

from events.dates import parse_edtf
from events.submissions import apply_changes
from events.types import (
    DesignationEnded,
    IncentiveAwarded,
    Milestone,
    MilestoneCorrected,
    MilestoneRetracted,
    PilotDesignated,
    RatingAwarded,
    decode_event,
    encode_event,
)
from projections.base import ApplyContext, sort_key
from projections.intervals import Fact, Segment, iso, segments
from projections.log import LogEvent
from projections.regions import RegionTree

STATUS_TYPES = (PilotDesignated, RatingAwarded, IncentiveAwarded, DesignationEnded)
Pair = tuple[str, str]


class PairState(msgspec.Struct, array_like=True):
    facts: list[Fact]
    segments: list[Segment]


class Tracked(msgspec.Struct):
    """The current version of a status-type milestone and the corrections applied to it."""

    position: int
    event_id: str
    retracted: bool
    event: Milestone
    corrections: list[Any]


_encode = msgspec.json.Encoder().encode
_decode_state = msgspec.json.Decoder(PairState).decode


def status_of(event: Milestone) -> str | None:
    """The status a milestone sets in its programmes, if any."""
    if not event.programmes:
        return None
    if isinstance(event, PilotDesignated):
        return event.status
    if isinstance(event, RatingAwarded):
        return "rated"
    if isinstance(event, IncentiveAwarded):
        return "awarded"
    if isinstance(event, DesignationEnded):
        return "ended"
    return None


def facts_of(tracked: Tracked) -> dict[Pair, Fact]:
    event = tracked.event
    status = status_of(event)
    if status is None or tracked.retracted:
        return {}
    evidence = [
        {
            "event_id": tracked.event_id,
            "type": event.__struct_config__.tag,
            "occurred": event.occurred,
            "sources": msgspec.to_builtins(event.sources),
        },
        *tracked.corrections,
    ]
    fact = Fact(
        tracked.position,
        sort_key(parse_edtf(event.occurred), tracked.position),
        status,
        event.occurred,
        evidence,
    )
    return {(r, p): fact for r in event.regions for p in event.programmes}


class StatusProjection:
    name: ClassVar[str] = "programme_status"
    version: ClassVar[int] = 1
    tables: ClassVar[dict[str, str]] = {
        "status_segments": """(
            seg_id INTEGER PRIMARY KEY,
            region TEXT NOT NULL,
            programme TEXT NOT NULL,
            valid_from TEXT NOT NULL,
            valid_to TEXT NOT NULL,
            status TEXT NOT NULL,
            certainty TEXT NOT NULL,
            answer TEXT NOT NULL,
            known_from INTEGER NOT NULL,
            known_to INTEGER
        )""",
        "status_pairs": """(
            region TEXT NOT NULL,
            programme TEXT NOT NULL,
            state TEXT NOT NULL,
            PRIMARY KEY (region, programme)
        ) WITHOUT ROWID""",
        "status_milestones": """(
            position INTEGER PRIMARY KEY,
            event_id TEXT NOT NULL,
            retracted INTEGER NOT NULL,
            payload TEXT NOT NULL,
            corrections TEXT NOT NULL
        )""",
    }
    indexes: ClassVar[dict[str, tuple[str, str]]] = {
        "by_region": ("status_segments", "region, valid_from"),
        "by_programme": ("status_segments", "programme, valid_from"),
    }

    def fingerprint(self, tree: RegionTree) -> str:
        return ""  # inheritance down the tree is resolved at query time

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
            if isinstance(event, STATUS_TYPES):
                tracked = Tracked(logged.position, logged.event_id, False, event, [])
                batch.track(tracked, logged.payload)
                batch.update(logged.position, logged.position, {}, facts_of(tracked))
            elif isinstance(event, MilestoneCorrected | MilestoneRetracted):
                batch.amend(logged, event)
        batch.flush()


class _Batch:
    def __init__(self, conn: sqlite3.Connection, names: dict[str, str], ctx: ApplyContext) -> None:
        self.conn = conn
        self.names = names
        self.ctx = ctx
        self.tracked: dict[int, Tracked] = {}
        self.tracked_rows: dict[int, tuple[Any, ...]] = {}
        self.pairs: dict[Pair, PairState] = {}
        self.new_segments: dict[int, list[Any]] = {}
        self.closed: list[tuple[int, int]] = []
        row = conn.execute(f"SELECT max(seg_id) FROM {names['status_segments']}").fetchone()
        self.next_id = (row[0] or 0) + 1

    def track(self, tracked: Tracked, payload: str | None = None) -> None:
        self.tracked[tracked.position] = tracked
        if payload is None:
            payload = encode_event(tracked.event).decode()
        corrections = _encode(tracked.corrections).decode()
        self.tracked_rows[tracked.position] = (
            tracked.position,
            tracked.event_id,
            int(tracked.retracted),
            payload,
            corrections,
        )

    def amend(self, logged: LogEvent, event: MilestoneCorrected | MilestoneRetracted) -> None:
        target = event.corrects if isinstance(event, MilestoneCorrected) else event.retracts
        position = self.ctx.targets.get(str(target))
        old = self._load(position) if position is not None else None
        if old is None or (old.retracted and isinstance(event, MilestoneRetracted)):
            return
        if isinstance(event, MilestoneCorrected):
            corrected, _ = apply_changes(old.event, event.changes, "$.changes")
            if corrected is None:  # an invalid correction in the log changes nothing
                return
            evidence = {
                "event_id": logged.event_id,
                "type": logged.type,
                "occurred": None,
                "sources": msgspec.to_builtins(event.sources),
            }
            new = Tracked(old.position, old.event_id, old.retracted, corrected, [*old.corrections, evidence])
        else:
            new = Tracked(old.position, old.event_id, True, old.event, old.corrections)
        self.track(new)
        self.update(logged.position, old.position, facts_of(old), facts_of(new))

    def update(self, position: int, milestone: int, old: dict[Pair, Fact], new: dict[Pair, Fact]) -> None:
        """Replace `milestone`'s facts in every pair it touches, as of log `position`."""
        for pair in dict.fromkeys([*old, *new]):
            state = self._pair(pair)
            facts = [f for f in state.facts if f.position != milestone]
            if pair in new:
                facts.append(new[pair])
                facts.sort(key=lambda f: f.sort_key)
            self.pairs[pair] = PairState(facts, self._diff(pair, state.segments, facts, position))

    def _diff(self, pair: Pair, current: list[Segment], facts: list[Fact], position: int) -> list[Segment]:
        wanted = segments(facts)
        keep = {(s.valid_from, s.valid_to, s.answer): s for s in current}
        result: list[Segment] = []
        for answer in wanted:
            found = keep.pop((answer.valid_from, answer.valid_to, answer.answer), None)
            if found is None:
                found = Segment(self.next_id, answer.valid_from, answer.valid_to, answer.answer)
                self.next_id += 1
                self.new_segments[found.seg_id] = [
                    found.seg_id,
                    *pair,
                    iso(answer.valid_from),
                    iso(answer.valid_to),
                    answer.status,
                    answer.certainty,
                    answer.answer,
                    position,
                    None,
                ]
            result.append(found)
        for gone in keep.values():
            pending = self.new_segments.get(gone.seg_id)
            if pending is not None:
                pending[-1] = position
            else:
                self.closed.append((position, gone.seg_id))
        return result

    def _pair(self, pair: Pair) -> PairState:
        state = self.pairs.get(pair)
        if state is None:
            row = self.conn.execute(
                f"SELECT state FROM {self.names['status_pairs']} WHERE region = ? AND programme = ?",
                pair,
            ).fetchone()
            state = _decode_state(row[0]) if row else PairState([], [])
            self.pairs[pair] = state
        return state

    def _load(self, position: int) -> Tracked | None:
        tracked = self.tracked.get(position)
        if tracked is not None:
            return tracked
        row = self.conn.execute(
            f"SELECT event_id, retracted, payload, corrections "
            f"FROM {self.names['status_milestones']} WHERE position = ?",
            [position],
        ).fetchone()
        if row is None:  # not a status-type milestone
            return None
        event = decode_event(row[2])
        assert isinstance(event, Milestone)
        tracked = Tracked(position, row[0], bool(row[1]), event, msgspec.json.decode(row[3]))
        self.tracked[position] = tracked
        return tracked

    def flush(self) -> None:
        conn, names = self.conn, self.names
        segments_table = names["status_segments"]
        if self.closed:
            conn.executemany(f"UPDATE {segments_table} SET known_to = ? WHERE seg_id = ?", self.closed)
        if self.new_segments:
            conn.executemany(
                f"INSERT INTO {segments_table} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                list(self.new_segments.values()),
            )
        if self.pairs:
            conn.executemany(
                f"INSERT OR REPLACE INTO {names['status_pairs']} VALUES (?, ?, ?)",
                [(*pair, _encode(state).decode()) for pair, state in self.pairs.items()],
            )
        if self.tracked_rows:
            conn.executemany(
                f"INSERT OR REPLACE INTO {names['status_milestones']} VALUES (?, ?, ?, ?, ?)",
                list(self.tracked_rows.values()),
            )
