"""A programme on a day, division by division: what a map of dots at gazetteer points shows.

Every division under `within` (default: the province of the programme's first member) that has
a representative point, with the programme's answer for it on `as_of` — the member row of
`programme_members` (certain or uncertain), or "no" when it has none.
"""

from __future__ import annotations

from datetime import date, datetime

import msgspec

from events.reference import Reference
from events.types import Text
from projections.base import Db
from projections.lanes import programme_lanes
from projections.models import Basis, Certainty, MemberRow
from projections.regions import RegionTree, tree_of
from projections.status_query import programme_members


class MapDot(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A division at its point, with its status in the programme on the day (None: not in it)."""

    code: str
    name: Text
    kind: str
    depth: int  # levels below `within` (1: its children)
    lon: float
    lat: float
    status: str | None
    certainty: Certainty
    inherited_from: str | None = None


class ProgrammeMap(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    programme: str
    name: Text
    as_of: date
    within: str
    within_name: Text
    dots: list[MapDot]
    # Members the gazetteer has no point for (e.g. a code created after the imported table):
    # not drawn, but named in the picture's description.
    unplaced: list[str]
    basis: Basis


def _province(tree: RegionTree, code: str) -> str:
    """The province a division lies in (the top of its lineage below a nation entry)."""
    lineage = [code, *tree.ancestors(code)]
    for candidate in lineage:
        region = tree.regions.get(candidate)
        if region is not None and region.kind == "province":
            return candidate
    return lineage[-1]


def default_within(store: Db, reference: Reference, programme: str, members: list[MemberRow]) -> str | None:
    """The province of the first member on the day, else of the first region ever in it."""
    tree = tree_of(reference)
    if members:
        return _province(tree, members[0].code)
    lanes = programme_lanes(store, reference, programme)
    return _province(tree, lanes.lanes[0].key) if lanes.lanes else None


def programme_map(
    store: Db,
    reference: Reference,
    programme: str,
    *,
    as_of: date | str,
    within: str | None = None,
    known_at: int | datetime | None = None,
) -> ProgrammeMap:
    """Every division under `within` with a point, and its status in `programme` on `as_of`."""
    entry = reference.programme(programme)
    members = {"as_of": as_of, "known_at": known_at}
    report = programme_members(store, reference, programme, within=within, **members)
    if within is None:
        within = default_within(store, reference, programme, report.members)
        if within is None:  # nobody was ever in it: the first top-level division
            within = next(r.code for r in reference.regions() if r.parent is None)
        report = programme_members(store, reference, programme, within=within, **members)
    tree = tree_of(reference)
    rows = {row.code: row for row in report.members}
    depth_of = {within: 0}
    dots, unplaced = [], []
    for code in sorted((within, *tree.descendants(within))):
        region = tree.regions[code]
        if code != within:
            depth_of[code] = len(tree.ancestors(code)) - len(tree.ancestors(within))
        row = rows.get(code)
        if region.point is None:
            if row is not None:
                unplaced.append(code)
            continue
        lon, lat = region.point
        dots.append(
            MapDot(
                code=code,
                name=region.name,
                kind=region.kind,
                depth=depth_of[code],
                lon=lon,
                lat=lat,
                status=row.status if row else None,
                certainty=row.certainty if row else "no",
                inherited_from=row.inherited_from if row else None,
            )
        )
    return ProgrammeMap(
        programme=programme,
        name=entry.name,
        as_of=report.as_of,
        within=within,
        within_name=tree.regions[within].name,
        dots=dots,
        unplaced=unplaced,
        basis=report.basis,
    )
