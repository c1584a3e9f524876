"""The gazetteer's answers: the region list (filtered, paged, flat or nested) and one region."""

from __future__ import annotations

from itertools import islice

import msgspec

from api.caching import Reader
from api.errors import BadParameter
from api.links import region_links, region_url
from api.models import RegionChange, RegionDetail, RegionEntry, RegionHistory, RegionList
from api.views import head_basis, region_ref, region_ref_of
from events.reference import Reference, Region, RegionLevel, region_level
from projections.region_search import region_index

DEFAULT_LIMIT = 100


class RegionQuery(msgspec.Struct, frozen=True, kw_only=True):
    tree: bool = False
    parent: str | None = None
    level: RegionLevel | None = None
    q: str | None = None
    cursor: str | None = None
    limit: int = DEFAULT_LIMIT


def _entry(base: str, region: Region) -> RegionEntry:
    return RegionEntry(
        code=region.code,
        name=region.name,
        kind=region.kind,
        kind_en=region.kind_en,
        parent=region.parent,
        url=region_url(base, region.code),
    )


def region_list(r: Reader, query: RegionQuery) -> RegionList:
    """A page of the matching regions in code order; nested, a page of top-most matches."""
    if query.parent is not None and not r.reference.contains("region", query.parent):
        raise BadParameter("parent", f"No region with code {query.parent!r}")
    found = region_index(r.reference).search(q=query.q, parent=query.parent, level=query.level)
    if not query.tree:
        after = (x for x in found if query.cursor is None or x.code > query.cursor)
        page = list(islice(after, query.limit + 1))
        return _page(r, [_entry(r.base_url, x) for x in page[: query.limit]], page, query.limit)
    matched = list(found)
    codes = {x.code for x in matched}
    children: dict[str | None, list[Region]] = {}
    for region in matched:
        # A match whose parent did not match (or is not in the gazetteer) is a root.
        children.setdefault(region.parent if region.parent in codes else None, []).append(region)

    def node(region: Region) -> RegionEntry:
        below = [node(child) for child in children.get(region.code, [])]
        return msgspec.structs.replace(_entry(r.base_url, region), children=below)

    roots = [x for x in children.get(None, []) if query.cursor is None or x.code > query.cursor]
    page = roots[: query.limit + 1]
    return _page(r, [node(x) for x in page[: query.limit]], page, query.limit)


def _page(r: Reader, entries: list[RegionEntry], fetched: list[Region], limit: int) -> RegionList:
    next_cursor = fetched[limit - 1].code if len(fetched) > limit else None
    return RegionList(regions=entries, next_cursor=next_cursor, basis=head_basis(r.state.head))


def region_detail(r: Reader, code: str) -> RegionDetail:
    region = r.reference.region(code)
    base = r.base_url
    return RegionDetail(
        code=region.code,
        name=region.name,
        kind=region.kind,
        kind_en=region.kind_en,
        level=region_level(region),
        pinyin=region.pinyin,
        point=region.point,
        aliases=list(region.aliases),
        parent=region_ref_of(base, r.reference, region.parent) if region.parent else None,
        ancestors=[region_ref(base, x) for x in r.reference.ancestors(code)],
        children=[region_ref(base, x) for x in r.reference.children(code)],
        valid_from=region.valid_from,
        valid_to=region.valid_to,
        successor=region.successor,
        history=region_history(base, r.reference, region),
        note=region.note,
        links=region_links(base, code),
        basis=head_basis(r.state.head),
    )


def _change(base: str, region: Region, date: str | None) -> RegionChange:
    url = region_url(base, region.code)
    return RegionChange(code=region.code, name=region.name, kind=region.kind, url=url, date=date)


def region_history(base: str, reference: Reference, region: Region) -> RegionHistory:
    """The codes this one replaced, and the chain of codes that replaced it, with the dates."""
    predecessors = [_change(base, x, x.valid_to) for x in reference.regions() if x.successor == region.code]
    successors: list[RegionChange] = []
    current, seen = region, {region.code}
    while current.successor and current.successor not in seen:
        if not reference.contains("region", current.successor):
            break
        following = reference.region(current.successor)
        successors.append(_change(base, following, current.valid_to))
        seen.add(following.code)
        current = following
    return RegionHistory(predecessors=predecessors, successors=successors)


def region_choices(reference: Reference, code: str) -> list[Region]:
    """The regions a picker offers around `code` before any search: the regions above it, its
    siblings and the regions below it, in force today (and `code` itself, even if retired)."""
    region = reference.region(code)
    above = [x for x in reversed(reference.ancestors(code)) if x.kind != "nation"]
    siblings = reference.children(region.parent) if region.parent else [region]
    below = reference.children(code)
    chosen = [*above, *siblings, *below]
    return [x for x in dict.fromkeys(chosen) if x.valid_to is None or x.code == code]
