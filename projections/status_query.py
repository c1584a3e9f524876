"""As-of questions on programme status: one index lookup in `status_segments` each."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import msgspec

from events.reference import Reference
from events.types import Text
from projections.base import Db, read_snapshot
from projections.models import (
    Basis,
    Certainty,
    DateValue,
    Evidence,
    MemberRow,
    MembersReport,
    ProgrammeStatus,
    StatusReport,
    Window,
)
from projections.params import basis_position, known_filter, known_position, required_day
from projections.regions import tree_of
from projections.runner import checkpoint_of


class _Answer(msgspec.Struct, frozen=True):
    status: str
    certainty: Certainty
    since: DateValue
    window: Window | None
    previous: str | None
    evidence: list[Evidence]


_decode_answer = msgspec.json.Decoder(_Answer).decode
Answers = dict[tuple[str, str], _Answer]


def _segments(
    store: Db, column: str, keys: Sequence[str], day: date, known: int | None
) -> tuple[int, list[tuple[str, str, str]]]:
    clause, values = known_filter("known_from", "known_to", known)
    marks = ",".join("?" * len(keys))
    sql = (
        "SELECT region, programme, answer FROM status_segments "
        f"WHERE {column} IN ({marks}) AND valid_from <= ? AND valid_to > ? AND {clause}"
    )
    iso = day.isoformat()
    with read_snapshot(store) as conn:
        checkpoint = checkpoint_of(conn, "programme_status")
        rows = conn.execute(sql, [*keys, iso, iso, *values]).fetchall()
    return checkpoint, rows


def _resolve(programme: str, lineage: Sequence[str], answers: Answers) -> tuple[str | None, _Answer | None]:
    """The answer for lineage[0]: its own if certain, else the nearest certain ancestor's,
    else its own uncertain one, else the nearest uncertain ancestor's."""
    found = [(code, answers[code, programme]) for code in lineage if (code, programme) in answers]
    for code, answer in found:
        if answer.certainty == "yes":
            return code, answer
    return found[0] if found else (None, None)


def _fields(region: str, code: str | None, answer: _Answer) -> dict[str, Any]:
    return {
        "status": answer.status,
        "certainty": answer.certainty,
        "since": answer.since,
        "window": answer.window,
        "previous": answer.previous,
        "evidence": answer.evidence,
        "inherited_from": None if code == region else code,
    }


def status_report(
    store: Db,
    reference: Reference,
    region: str,
    *,
    as_of: date | str,
    known_at: int | datetime | None = None,
) -> StatusReport:
    """Each programme's status for `region` on `as_of`: yes, no or uncertain, with evidence."""
    reference.region(region)
    day = required_day(as_of)
    known = known_position(store, known_at)
    lineage = (region, *tree_of(reference).ancestors(region))
    checkpoint, rows = _segments(store, "region", lineage, day, known)
    answers = {(r, p): _decode_answer(answer) for r, p, answer in rows}
    statuses = []
    for programme in sorted(reference.programmes(), key=lambda p: p.slug):
        chain = lineage if programme.inherits_down else lineage[:1]
        code, answer = _resolve(programme.slug, chain, answers)
        if answer is None:
            statuses.append(ProgrammeStatus(programme=programme.slug, status=None, certainty="no"))
        else:
            statuses.append(ProgrammeStatus(programme=programme.slug, **_fields(region, code, answer)))
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
    """Regions with a status in `programme` on `as_of` (certain or uncertain), by code.

    `within` keeps the region and those below it; a programme that `inherits_down` also
    lists the descendants of its members, with `inherited_from`.
    """
    entry = reference.programme(programme)
    if within is not None:
        reference.region(within)
    day = required_day(as_of)
    known = known_position(store, known_at)
    tree = tree_of(reference)
    checkpoint, rows = _segments(store, "programme", [programme], day, known)
    answers = {(r, p): _decode_answer(answer) for r, p, answer in rows}
    codes = {region for region, _ in answers}
    if entry.inherits_down:
        for code in list(codes):
            codes.update(tree.descendants(code))
    members = []
    for code in sorted(codes):
        if within is not None and not tree.within(code, within):
            continue
        lineage = (code, *tree.ancestors(code)) if entry.inherits_down else (code,)
        source, answer = _resolve(programme, lineage, answers)
        if answer is None or (status is not None and answer.status != status):
            continue
        region = tree.regions.get(code)
        name = region.name if region is not None else Text(zh=code, en=code)
        members.append(MemberRow(code=code, name=name, **_fields(code, source, answer)))
    return MembersReport(
        programme=programme,
        as_of=day,
        status=status,
        within=within,
        members=members,
        basis=Basis(position=basis_position(checkpoint, known), as_of=day.isoformat(), known_at=known),
    )
