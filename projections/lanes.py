"""Status over valid time, for pictures: each status of a pair as a span with its certainty.

Where `status_report` answers one day, `region_lanes` and `programme_lanes` answer every day at
once: the rows of `status_intervals` as known at `known_at`, one lane per programme of a region
(or per member region of a programme), each status a span from the first day it may hold
(`start`, None when open: any day before) until a later fact may end it (`end`, None: no end),
certain from `certain_from` (None: never certain, as with an open-ended date).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

import msgspec

from events.reference import Reference
from events.types import Text
from projections.base import Db, read_snapshot
from projections.checkpoints import checkpoint_of
from projections.intervals import FIRST, LAST
from projections.models import Basis, DateValue, date_value
from projections.params import as_day, basis_position, known_filter, known_position
from projections.regions import tree_of
from projections.timeline_query import timeline_page

SUBJECT = "subject"  # statuses come from a milestone's subjects only


class LaneSpan(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One status holding over [start, end): uncertain before `certain_from`, certain after."""

    status: str
    start: date | None
    certain_from: date | None
    end: date | None
    since: DateValue
    inherited_from: str | None = None


class LaneMark(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A milestone of the programme in which the region took part or which it issued (`roles`)."""

    role: str  # "participant" or "issuer"
    occurred: DateValue
    type: str
    title: Text


class Lane(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A programme of a region, or a member region of a programme, and its status spans (and,
    with `roles`, marks for the milestones the region took another role in)."""

    key: str
    name: Text
    spans: list[LaneSpan]
    marks: list[LaneMark] = []


class LanesReport(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """The lanes of a region (one per programme) or of a programme (one per member region)."""

    subject: str  # "region" or "programme"
    key: str
    name: Text
    lanes: list[Lane]
    date_from: date | None
    date_to: date | None
    basis: Basis


_COLUMNS = "region, programme, status, valid_from, valid_to, certain_from, since"


def _day(text: str, open_value: str) -> date | None:
    return None if text == open_value else date.fromisoformat(text)


def _rows(
    store: Db, column: str, keys: Sequence[str], known: int | None
) -> tuple[int, list[tuple[str, ...]]]:
    """The non-empty intervals of some regions or one programme as known at `known`, in order."""
    clause, values = known_filter("known_from", "known_to", known)
    marks = ",".join("?" * len(keys))
    sql = (
        f"SELECT {_COLUMNS} FROM status_intervals WHERE {column} IN ({marks}) "
        f"AND valid_to > valid_from AND {clause} ORDER BY valid_from, certain_from, position, status"
    )
    with read_snapshot(store) as conn:
        checkpoint = checkpoint_of(conn, "programme_status")
        return checkpoint, conn.execute(sql, [*keys, *values]).fetchall()


def _span(row: tuple[str, ...], inherited_from: str | None) -> LaneSpan:
    _, _, status, valid_from, valid_to, certain_from, since = row
    return LaneSpan(
        status=status,
        start=_day(valid_from, FIRST),
        certain_from=_day(certain_from, LAST),
        end=_day(valid_to, LAST),
        since=date_value(since),
        inherited_from=inherited_from,
    )


def _overlaps(span: LaneSpan, date_from: date | None, date_to: date | None) -> bool:
    """Whether the span may hold on some day of [date_from, date_to]."""
    if date_to is not None and span.start is not None and span.start > date_to:
        return False
    return date_from is None or span.end is None or span.end > date_from


def _keep(spans: Iterable[LaneSpan], date_from: date | None, date_to: date | None) -> list[LaneSpan]:
    return [span for span in spans if _overlaps(span, date_from, date_to)]


def _marks(
    store: Db,
    reference: Reference,
    region: str,
    roles: list[str],
    known: int | None,
    span: tuple[date | None, date | None],
) -> dict[str, list[LaneMark]]:
    """By programme, the milestones in which `region` had one of `roles` (not subject)."""
    found: dict[str, list[LaneMark]] = {}
    cursor = None
    while True:
        page = timeline_page(
            store,
            reference,
            region,
            roles=roles,
            known_at=known,
            date_from=span[0],
            date_to=span[1],
            cursor=cursor,
            limit=500,
        )
        for entry in page.entries:
            role = "issuer" if region in entry.issuers and "issuer" in roles else "participant"
            mark = LaneMark(role=role, occurred=entry.occurred, type=entry.type, title=entry.title)
            for programme in entry.programmes:
                found.setdefault(programme, []).append(mark)
        cursor = page.next_cursor
        if cursor is None:
            return found


def region_lanes(
    store: Db,
    reference: Reference,
    region: str,
    *,
    known_at: int | datetime | None = None,
    date_from: date | str | None = None,
    date_to: date | str | None = None,
    programmes: Sequence[str] | None = None,
    roles: Sequence[str] | None = None,
) -> LanesReport:
    """One lane per programme with a status for `region` (or per programme named), with its
    status spans.

    A programme that `inherits_down` takes the spans of the nearest region of the lineage that
    has any (the region's own first), marked `inherited_from`. `roles` (default: subject) adds
    marks for the milestones in which the region was a participant or an issuer; without
    "subject" among them, the statuses are left out."""
    entry = reference.region(region)
    for slug in programmes or ():
        reference.programme(slug)
    start, end = as_day(date_from), as_day(date_to)
    known = known_position(store, known_at)
    lineage = (region, *tree_of(reference).ancestors(region))
    checkpoint, rows = _rows(store, "region", lineage, known)
    by_pair: dict[tuple[str, str], list[tuple[str, ...]]] = {}
    for row in rows:
        by_pair.setdefault((row[0], row[1]), []).append(row)
    wanted = set(programmes) if programmes else None
    roles = list(roles or [SUBJECT])
    other = [role for role in roles if role != SUBJECT]
    marks = _marks(store, reference, region, other, known, (start, end)) if other else {}
    lanes = []
    for programme in sorted(reference.programmes(), key=lambda p: p.slug):
        if wanted is not None and programme.slug not in wanted:
            continue
        chain = lineage if programme.inherits_down else lineage[:1]
        source = next((code for code in chain if (code, programme.slug) in by_pair), None)
        found = by_pair.get((source, programme.slug), []) if source is not None else []
        inherited = None if source == region else source
        spans = _keep((_span(row, inherited) for row in found), start, end) if SUBJECT in roles else []
        own = marks.get(programme.slug, [])
        if spans or own or wanted is not None:  # a programme named is shown even without a status
            lanes.append(Lane(key=programme.slug, name=programme.name, spans=spans, marks=own))
    return LanesReport(
        subject="region",
        key=region,
        name=entry.name,
        lanes=lanes,
        date_from=start,
        date_to=end,
        basis=Basis(position=basis_position(checkpoint, known), known_at=known),
    )


def programme_lanes(
    store: Db,
    reference: Reference,
    programme: str,
    *,
    known_at: int | datetime | None = None,
    date_from: date | str | None = None,
    date_to: date | str | None = None,
    within: str | None = None,
) -> LanesReport:
    """One lane per region with a status of its own in `programme` (within `within`, if given),
    by code."""
    entry = reference.programme(programme)
    tree = tree_of(reference)
    if within is not None:
        reference.region(within)
    start, end = as_day(date_from), as_day(date_to)
    known = known_position(store, known_at)
    checkpoint, rows = _rows(store, "programme", [programme], known)
    by_region: dict[str, list[tuple[str, ...]]] = {}
    for row in rows:
        if within is None or tree.within(row[0], within):
            by_region.setdefault(row[0], []).append(row)
    lanes = []
    for code in sorted(by_region):
        spans = _keep((_span(row, None) for row in by_region[code]), start, end)
        region = tree.regions.get(code)
        name = region.name if region is not None else Text(zh=code, en=code)
        lanes.append(Lane(key=code, name=name, spans=spans))
    return LanesReport(
        subject="programme",
        key=programme,
        name=entry.name,
        lanes=lanes,
        date_from=start,
        date_to=end,
        basis=Basis(position=basis_position(checkpoint, known), known_at=known),
    )
