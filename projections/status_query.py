"""As-of questions on programme status: every status holding on a day, and the headline."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import msgspec

from events.dates import parse_edtf
from events.reference import Reference, Region
from events.types import Text
from projections.base import Db, read_snapshot
from projections.checkpoints import checkpoint_of
from projections.intervals import FIRST, LAST
from projections.models import (
    Basis,
    Certainty,
    DateValue,
    Evidence,
    HeldStatus,
    MemberRow,
    MembersReport,
    ProgrammeStatus,
    StatusReport,
    Window,
    date_value,
)
from projections.params import basis_position, known_filter, known_position, required_day
from projections.regions import RegionTree, tree_of
from projections.status_rules import StatusRules

_decode_evidence = msgspec.json.Decoder(list[Evidence]).decode
# Many intervals share a start date; DateValues are immutable, so parse each EDTF once.
_since = functools.lru_cache(maxsize=8192)(date_value)


class _Answer:
    """A status holding on the day. Its evidence is decoded when first shown: a query reads
    rows that no answer shows (outside `within`, another status, a member's own row hidden by
    an ancestor's certain one)."""

    __slots__ = ("_evidence", "certainty", "raw", "since", "status", "window")

    def __init__(
        self, status: str, certainty: Certainty, since: DateValue, window: Window | None, raw: str
    ) -> None:
        self.status, self.certainty, self.since, self.window, self.raw = status, certainty, since, window, raw
        self._evidence: list[Evidence] | None = None

    @property
    def evidence(self) -> list[Evidence]:
        if self._evidence is None:
            self._evidence = _decode_evidence(self.raw)
        return self._evidence


# Each pair's holding statuses: (region, programme) -> status -> answer.
Answers = dict[tuple[str, str], dict[str, _Answer]]
_COLUMNS = "i.region, i.programme, i.status, i.valid_from, i.certain_from, i.since, e.evidence"
# Each interval with the evidence of its milestone version.
_FROM = "status_intervals i JOIN status_evidence e ON e.version = i.evidence"


def _answers(rows: list[tuple[str, ...]], day: str) -> Answers:
    """Each row's answer on `day`: certain once `certain_from` is reached, else its window."""
    answers: Answers = {}
    for region, programme, status, valid_from, certain_from, since, evidence in rows:
        window = None
        if certain_from > day:
            window = Window(
                earliest=None if valid_from == FIRST else date.fromisoformat(valid_from),
                latest=None if certain_from == LAST else date.fromisoformat(certain_from),
            )
        answers.setdefault((region, programme), {})[status] = _Answer(
            status,
            "uncertain" if window else "yes",
            _since(since),
            window,
            evidence,
        )
    return answers


def _scan(store: Db, column: str, keys: Sequence[str], day: date, known: int | None) -> tuple[int, Answers]:
    """Intervals holding on `day` for some regions or one programme, as known at `known`."""
    clause, values = known_filter("i.known_from", "i.known_to", known)
    marks = ",".join("?" * len(keys))
    sql = (
        f"SELECT {_COLUMNS} FROM {_FROM} "
        f"WHERE i.{column} IN ({marks}) AND i.valid_from <= ? AND i.valid_to > ? AND {clause}"
    )
    iso = day.isoformat()
    with read_snapshot(store) as conn:
        checkpoint = checkpoint_of(conn, "programme_status")
        rows = conn.execute(sql, [*keys, iso, iso, *values]).fetchall()
    return checkpoint, _answers(rows, iso)


def _current_members(
    store: Db, programme: str, day: date, span: tuple[str, str] | None, above: Sequence[str]
) -> tuple[int, Answers]:
    """As known now: the programme's non-empty intervals holding on `day`. Current intervals
    of one status of a pair do not overlap, so each status has at most one; the `members`
    index holds their bounds, so only the matching rows are read.

    With `span` (the code range of `within`), only regions in it or in `above` are read: the
    index holds the region, so the others are skipped before their row is fetched."""
    sql = (
        f"SELECT {_COLUMNS} FROM {_FROM} WHERE i.programme = ? AND i.known_to IS NULL "
        "AND i.valid_to > i.valid_from AND i.valid_from <= ? AND i.valid_to > ?"
    )
    iso = day.isoformat()
    values: list[str] = [programme, iso, iso]
    if span is not None:
        # (No empty `IN ()`: SQLite takes it, PostgreSQL does not.)
        inherited = f" OR i.region IN ({','.join('?' * len(above))})" if above else ""
        sql += f" AND (i.region BETWEEN ? AND ?{inherited})"
        values += [*span, *above]
    with read_snapshot(store) as conn:
        checkpoint = checkpoint_of(conn, "programme_status")
        rows = conn.execute(sql, values).fetchall()
    return checkpoint, _answers(rows, iso)


class _Held(msgspec.Struct, frozen=True):
    """A status holding for a region, and the region it holds through (itself or above)."""

    code: str
    answer: _Answer


def _resolve(programme: str, lineage: Sequence[str], answers: Answers) -> list[_Held]:
    """The statuses holding for lineage[0], one per status: its own if certain, else the
    nearest certain ancestor's, else its own uncertain one, else the nearest uncertain
    ancestor's."""
    if len(lineage) == 1:  # nothing inherited: each status holds once
        return [_Held(lineage[0], answer) for answer in answers.get((lineage[0], programme), {}).values()]
    found: dict[str, list[_Held]] = {}
    for code in lineage:
        for status, answer in answers.get((code, programme), {}).items():
            found.setdefault(status, []).append(_Held(code, answer))
    return [next((h for h in held if h.answer.certainty == "yes"), held[0]) for held in found.values()]


def _ranked(rules: StatusRules, programme: str, held: list[_Held]) -> list[_Held]:
    """Strongest first: by the programme's rank, certain before uncertain, latest started,
    then by name (so ties come out the same every time)."""
    if len(held) < 2:
        return held

    def key(h: _Held) -> tuple[int, bool, int, str]:
        started = (h.answer.since.earliest or date.min).toordinal()
        return (
            rules.strength(programme, h.answer.status),
            h.answer.certainty == "uncertain",
            -started,
            h.answer.status,
        )

    return sorted(held, key=key)


def _fields(region: str, held: _Held) -> dict[str, Any]:
    answer = held.answer
    return {
        "status": answer.status,
        "certainty": answer.certainty,
        "since": answer.since,
        "window": answer.window,
        "evidence": answer.evidence,
        "inherited_from": None if held.code == region else held.code,
    }


def _statuses(region: str, ranked: list[_Held]) -> list[HeldStatus]:
    return [
        HeldStatus(
            status=held.answer.status,
            certainty=held.answer.certainty,
            since=held.answer.since,
            window=held.answer.window,
            evidence=held.answer.evidence,
            inherited_from=None if held.code == region else held.code,
        )
        for held in ranked
    ]


def _candidates(tree: RegionTree, codes: set[str], inherits: bool, within: str | None, day: date) -> set[str]:
    """The regions that may be members: those with an interval (within `within`), and where the
    programme inherits down, the regions below them that existed on `day`."""
    above = set(tree.ancestors(within)) if within is not None else set()
    found = {code for code in codes if within is None or tree.within(code, within)}
    if inherits:
        for code in codes:
            if code in above:  # a member above `within` covers `within` and its subtree
                found.update(c for c in (within, *tree.descendants(within)) if c is not None)
            elif within is None or code in found:
                found.update(tree.descendants(code))
        found = {code for code in found if code in codes or _existed(tree.regions[code], day)}
    return found


def _existed(region: Region, day: date) -> bool:
    """Whether `region` may have existed on `day` (codes change: see `Region.valid_from`)."""
    if region.valid_from is not None:
        start = parse_edtf(region.valid_from).earliest
        if start is not None and start > day:
            return False
    if region.valid_to is not None:
        end = parse_edtf(region.valid_to).latest
        if end is not None and end < day:
            return False
    return True


def status_report(
    store: Db,
    reference: Reference,
    region: str,
    *,
    as_of: date | str,
    known_at: int | datetime | None = None,
) -> StatusReport:
    """Each programme's status for `region` on `as_of`: yes, no or uncertain, with evidence.

    Every status holding on the day is listed (`statuses`, strongest first); the programme's
    own fields repeat the strongest, its headline."""
    reference.region(region)
    day = required_day(as_of)
    known = known_position(store, known_at)
    tree = tree_of(reference)
    lineage = (region, *tree.ancestors(region))
    checkpoint, answers = _scan(store, "region", lineage, day, known)
    statuses = []
    rules = tree.rules
    present = {programme for _, programme in answers}  # most programmes: nothing to resolve
    for programme in sorted(reference.programmes(), key=lambda p: p.slug):
        if programme.slug not in present:
            statuses.append(ProgrammeStatus(programme=programme.slug, status=None, certainty="no"))
            continue
        chain = lineage if programme.inherits_down else lineage[:1]
        held = _ranked(rules, programme.slug, _resolve(programme.slug, chain, answers))
        if not held:
            statuses.append(ProgrammeStatus(programme=programme.slug, status=None, certainty="no"))
        else:
            statuses.append(
                ProgrammeStatus(
                    programme=programme.slug, **_fields(region, held[0]), statuses=_statuses(region, held)
                )
            )
    return StatusReport(
        region=region,
        as_of=day,
        programmes=statuses,
        basis=Basis(position=basis_position(checkpoint, known), as_of=day.isoformat(), known_at=known),
    )


def programme_members(
    store: Db,
    reference: Reference,
    programme: str,
    *,
    as_of: date | str,
    status: str | None = None,
    within: str | None = None,
    known_at: int | datetime | None = None,
) -> MembersReport:
    """Regions with a status in `programme` on `as_of` (certain or uncertain), by code;
    with `status`, those where any holding status is that one.

    `within` keeps the region and those below it; a programme that `inherits_down` also
    lists the descendants of its members, with `inherited_from`.
    """
    entry = reference.programme(programme)
    if within is not None:
        reference.region(within)
    day = required_day(as_of)
    known = known_position(store, known_at)
    tree = tree_of(reference)
    if known is None:
        # Members above `within` count only where they pass their status down.
        above = tree.ancestors(within) if within is not None and entry.inherits_down else ()
        span = tree.span(within) if within is not None else None
        checkpoint, answers = _current_members(store, programme, day, span, above)
    else:
        checkpoint, answers = _scan(store, "programme", [programme], day, known)
    members = []
    inherits, direct = entry.inherits_down, {region for region, _ in answers}
    for code in sorted(_candidates(tree, direct, inherits, within, day)):
        lineage = (code, *tree.ancestors(code)) if inherits else (code,)
        held = _ranked(tree.rules, programme, _resolve(programme, lineage, answers))
        # With `status`, the row shows that status (any holding one may match); else the headline.
        if not held or (status is not None and all(h.answer.status != status for h in held)):
            continue
        statuses = _statuses(code, held)
        shown = next(s for s in statuses if s.status == status) if status is not None else statuses[0]
        region = tree.regions.get(code)
        members.append(
            MemberRow(
                code=code,
                name=region.name if region is not None else Text(zh=code, en=code),
                status=shown.status,
                certainty=shown.certainty,
                since=shown.since,
                window=shown.window,
                evidence=shown.evidence,
                inherited_from=shown.inherited_from,
                statuses=statuses,
            )
        )
    return MembersReport(
        programme=programme,
        as_of=day,
        status=status,
        within=within,
        members=members,
        basis=Basis(position=basis_position(checkpoint, known), as_of=day.isoformat(), known_at=known),
    )
