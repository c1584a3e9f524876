"""The writes of the programme-status projection, a batch at a time.

Each pair's current facts are a sorted list of `Fact`. A change lays the pair's facts out
again (`intervals.layout`); the rows whose `valid_to` changed get `known_to` and a new
version. Rows are held in memory until the batch is flushed, so later events of the batch
amend them in place; a new version of a row written earlier is copied inside SQLite
(`INSERT ... SELECT`).

During a rebuild (`ctx.fresh`) one `StatusBatch` serves every batch of the run and keeps
the row showing the last fact of each pair in memory until it is superseded or the rebuild
finishes: that is the row the next event of the pair changes, and holding it turns an
insert, a copy and an update into one insert. A rebuild that fails starts again from
nothing, so the held rows never need to be on disk before the swap.
"""

from __future__ import annotations

import bisect
import sqlite3
from datetime import date
from typing import Any

import msgspec

from events.dates import parse_edtf
from events.dialect import replace_sql
from events.submissions import apply_changes
from events.types import Milestone, MilestoneCorrected, MilestoneRetracted, decode_event, encode_event
from projections import doubts
from projections.base import ApplyContext, sort_key
from projections.intervals import Fact, iso, layout
from projections.log import LogEvent, brief_of, read_by_ids
from projections.status_facts import STATUS_TAGS, NewFact, Pair, Tracked, facts_of

_encode = msgspec.json.Encoder().encode


def _evidence(doubt: doubts.Doubt) -> dict[str, Any]:
    """A doubt about a document's dates, as evidence of the facts it reshapes."""
    sources = msgspec.to_builtins(doubt.event.sources)
    return {"event_id": doubt.event_id, "type": doubts.SOURCE_DATED, "occurred": None, "sources": sources}


_VALID_TO, _KNOWN_FROM, _KNOWN_TO = 6, 10, 11  # columns of a row


class StatusBatch:
    def __init__(self, conn: sqlite3.Connection, names: dict[str, str], ctx: ApplyContext) -> None:
        self.conn = conn
        self.names = names
        self.ctx = ctx
        self.pairs: dict[Pair, list[Fact]] = {}
        self.rows: dict[int, list[Any]] = {}  # rows not yet written
        self.copies: dict[int, list[Any]] = {}  # [base seg_id, valid_to, known_from, known_to]
        self.evidence: dict[int, str] = {}
        self.closed: list[tuple[int, int]] = []
        self.tracked: dict[int, Tracked] = {}
        self.amended: dict[int, tuple[Any, ...]] = {}
        self.new_statuses: set[tuple[str, str, str]] = set()  # (programme, region, status)
        table = names["status_intervals"]
        self.next_id = conn.execute(f"SELECT coalesce(max(seg_id), 0) + 1 FROM {table}").fetchone()[0]
        self.doubts = doubts.load(conn, names["status_doubts"])

    def add(self, logged: LogEvent) -> None:
        tracked = Tracked(
            logged.position, logged.event_id, logged.type, False, logged.brief, [], logged.position
        )
        if self.doubts.may_touch(logged.brief.sources):  # logged after a doubt about its document
            event = logged.event
            assert isinstance(event, Milestone)
            widened, found = doubts.apply(event, event, self.doubts, logged.position)
            if found:
                evidence = [_evidence(doubt) for doubt in found]
                tracked = msgspec.structs.replace(
                    tracked, brief=brief_of(widened), corrections=evidence, event=widened
                )
                self._keep(tracked)
        for pair, fact in facts_of(tracked).items():
            self._insert(pair, self._pair(pair), fact, logged.position)

    def doubt(self, logged: LogEvent) -> None:
        """A document's printed dates were doubted: a new version of each status milestone
        resting on them, made by this event."""
        found = doubts.record(self.conn, self.names["status_doubts"], self.doubts, logged)
        targets = read_by_ids(self.conn, doubts.cited(self.conn, found.event.document, logged.position))
        for target in targets.values():
            old = self._current(target)
            if old is None or old.event is None or not isinstance(target.event, Milestone):
                continue
            widened, changed = doubts.apply(old.event, target.event, self.doubts, logged.position + 1)
            if not changed:
                continue
            new = msgspec.structs.replace(
                old,
                brief=brief_of(widened),
                corrections=[*old.corrections, _evidence(found)],
                # Evidence is keyed by version; one event makes many versions here: a key of its own.
                version=-((logged.position << 32) | target.position),
                event=widened,
            )
            self._replace(old, new, logged.position)

    def amend(self, logged: LogEvent, event: MilestoneCorrected | MilestoneRetracted) -> None:
        target_id = event.corrects if isinstance(event, MilestoneCorrected) else event.retracts
        target = self.ctx.targets.get(str(target_id))
        if target is None or target.position >= logged.position:
            return
        old = self._current(target)
        if old is None or old.event is None or (old.retracted and isinstance(event, MilestoneRetracted)):
            return
        if isinstance(event, MilestoneCorrected):
            corrected, _ = apply_changes(old.event, event.changes, "$.changes")
            if corrected is None:  # an invalid correction in the log changes nothing
                return
            printed = target.event
            assert isinstance(printed, Milestone)
            corrected, _ = doubts.apply(corrected, printed, self.doubts, logged.position)
            evidence = {"event_id": logged.event_id, "type": logged.type, "occurred": None}
            evidence["sources"] = msgspec.to_builtins(event.sources)
            new = msgspec.structs.replace(
                old,
                brief=brief_of(corrected),
                corrections=[*old.corrections, evidence],
                version=logged.position,
                event=corrected,
            )
        else:
            new = msgspec.structs.replace(old, retracted=True)
        self._replace(old, new, logged.position)

    def _keep(self, new: Tracked) -> None:
        """Remember an amended version (written to `status_amended` at flush)."""
        assert new.event is not None
        self.tracked[new.position] = new
        payload, listed = encode_event(new.event).decode(), _encode(new.corrections).decode()
        self.amended[new.position] = (new.position, new.version, int(new.retracted), payload, listed)

    def _replace(self, old: Tracked, new: Tracked, position: int) -> None:
        """Show `new` instead of `old` from log position `position` on."""
        self._keep(new)
        before, after = facts_of(old), facts_of(new)
        for pair in dict.fromkeys([*before, *after]):
            facts = self._pair(pair)
            if pair in before:
                self._remove(pair, facts, old.position, position)
            if pair in after:
                self._insert(pair, facts, after[pair], position)

    def _current(self, target: LogEvent) -> Tracked | None:
        """The current version of a status-type milestone, with its event decoded."""
        if target.type not in STATUS_TAGS:
            return None
        found = self.tracked.get(target.position)
        if found is not None:
            return found
        row = self.conn.execute(
            f"SELECT version, retracted, payload, corrections FROM {self.names['status_amended']} "
            "WHERE position = ?",
            [target.position],
        ).fetchone()
        position, event_id, type_ = target.position, target.event_id, target.type
        if row is None:
            event = target.event
            assert isinstance(event, Milestone)
            return Tracked(position, event_id, type_, False, target.brief, [], position, event)
        event = decode_event(row[2])
        assert isinstance(event, Milestone)
        corrections = msgspec.json.decode(row[3])
        return Tracked(position, event_id, type_, bool(row[1]), brief_of(event), corrections, row[0], event)

    def _insert(self, pair: Pair, facts: list[Fact], new: NewFact, position: int) -> None:
        index = bisect.bisect(facts, new.sort_key, key=lambda fact: fact.sort_key)
        seg_id = self._new_id()
        facts.insert(index, Fact(new.sort_key, new.position, new.status, new.earliest, seg_id, -1))
        self.evidence[new.evidence_id] = new.evidence
        self.new_statuses.add((pair[1], pair[0], new.status))
        bounds = self._layout(pair, facts, position, skip=seg_id)
        self.rows[seg_id] = [
            seg_id,
            *pair,
            new.position,
            new.status,
            new.valid_from,
            iso(bounds[index]),
            new.certain_from,
            new.since,
            new.evidence_id,
            position,
            None,
        ]

    def _remove(self, pair: Pair, facts: list[Fact], milestone: int, position: int) -> None:
        for index, fact in enumerate(facts):
            if fact.position == milestone:
                self._close(fact.seg_id, position)
                del facts[index]
                self._layout(pair, facts, position)
                return

    def _layout(self, pair: Pair, facts: list[Fact], position: int, skip: int | None = None) -> list[int]:
        """Lay the pair's facts out again; a new version of each row whose end moved (the row
        `skip`, about to be written, only takes its bound)."""
        programme, ends = pair[1], self.ctx.tree.rules.ends
        bounds = layout(facts, lambda later, earlier: ends(programme, later, earlier))
        for fact, valid_to in zip(facts, bounds, strict=True):
            if fact.seg_id != skip and fact.valid_to != valid_to:
                fact.seg_id = self._new_version(fact.seg_id, valid_to, position)
            fact.valid_to = valid_to
        return bounds

    def _new_version(self, seg_id: int, valid_to: int, position: int) -> int:
        self._close(seg_id, position)
        new_id = self._new_id()
        if seg_id in self.rows:
            row = list(self.rows[seg_id])
            row[0], row[_VALID_TO], row[_KNOWN_FROM], row[_KNOWN_TO] = new_id, iso(valid_to), position, None
            self.rows[new_id] = row
        else:
            base = self.copies[seg_id][0] if seg_id in self.copies else seg_id
            self.copies[new_id] = [base, iso(valid_to), position, None]
        return new_id

    def _close(self, seg_id: int, position: int) -> None:
        if seg_id in self.rows:
            self.rows[seg_id][_KNOWN_TO] = position
        elif seg_id in self.copies:
            self.copies[seg_id][3] = position
        else:
            self.closed.append((position, seg_id))

    def _new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def _pair(self, pair: Pair) -> list[Fact]:
        facts = self.pairs.get(pair)
        if facts is None:
            facts = [] if self.ctx.fresh else self._load(pair)
            self.pairs[pair] = facts
        return facts

    def _load(self, pair: Pair) -> list[Fact]:
        rows = self.conn.execute(
            "SELECT seg_id, position, status, valid_to, since "
            f"FROM {self.names['status_intervals']} WHERE programme = ? AND region = ? AND known_to IS NULL",
            [pair[1], pair[0]],
        ).fetchall()
        facts = []
        for seg_id, position, status, valid_to, since in rows:
            fuzzy = parse_edtf(since)
            earliest = fuzzy.earliest.toordinal() if fuzzy.earliest else None
            until = date.fromisoformat(valid_to).toordinal()
            facts.append(Fact(sort_key(fuzzy, position), position, status, earliest, seg_id, until))
        facts.sort(key=lambda fact: fact.sort_key)
        return facts

    def flush(self, final: bool) -> None:
        """Write the batch; unless `final`, keep each pair's last row for the next batch."""
        conn, names = self.conn, self.names
        table = names["status_intervals"]
        held: dict[int, list[Any]] = {}
        if not final:
            for facts in self.pairs.values():
                if facts and facts[-1].seg_id in self.rows:
                    held[facts[-1].seg_id] = self.rows.pop(facts[-1].seg_id)
        if self.rows:
            conn.executemany(f"INSERT INTO {table} VALUES ({','.join('?' * 12)})", list(self.rows.values()))
        if self.copies:
            conn.executemany(
                f"INSERT INTO {table} SELECT ?, region, programme, position, status, valid_from, ?, "
                f"certain_from, since, evidence, ?, ? FROM {table} WHERE seg_id = ?",
                [(new_id, *rest, base) for new_id, (base, *rest) in self.copies.items()],
            )
        if self.closed:
            conn.executemany(f"UPDATE {table} SET known_to = ? WHERE seg_id = ?", self.closed)
        if self.amended:
            conn.executemany(
                replace_sql(
                    names["status_amended"], ("position", "version", "retracted", "payload", "corrections")
                ),
                list(self.amended.values()),
            )
        if self.evidence:
            conn.executemany(
                f"INSERT INTO {names['status_evidence']} VALUES (?, ?) ON CONFLICT DO NOTHING",
                list(self.evidence.items()),
            )
        if self.new_statuses:
            conn.executemany(
                f"INSERT INTO {names['status_pairs']} VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                sorted(self.new_statuses),
            )
        self.rows, self.copies, self.closed, self.amended, self.new_statuses = held, {}, [], {}, set()
        self.evidence = {}
        self.tracked = {}  # written to `status_amended` just now
