"""`/regions`: the gazetteer, and each region's timeline and programme status."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.openapi.spec import Example
from litestar.params import PathParameter, QueryParameter
from litestar.response.base import ASGIResponse

from api import examples, params
from api.caching import Reader, answer
from api.context import api_of
from api.links import region_links, region_url
from api.models import RegionDetail, RegionEntry, RegionList
from api.openapi import READ_HEADERS, answers
from api.timeline import TimelineQuery, TimelineView, timeline_view
from api.views import head_basis, region_ref, region_ref_of
from events.reference import Region
from projections import StatusReport, status_report

RegionCode = Annotated[
    str,
    PathParameter(
        description="GB/T 2260 division code.", examples=[Example(summary="Jinzhong", value="140700")]
    ),
]
Types = params.TypesList
Programmes = Annotated[
    str | None,
    QueryParameter(description="Comma-separated programme slugs.", max_length=2000),
]
SearchText = Annotated[
    str | None,
    QueryParameter(description="Only entries whose text contains this (case-insensitive).", max_length=200),
]
Cursor = Annotated[
    str | None,
    QueryParameter(description="Pass back a page's `next_cursor` for the next page.", max_length=200),
]


def _entry(base: str, region: Region) -> RegionEntry:
    return RegionEntry(
        code=region.code,
        name=region.name,
        kind=region.kind,
        parent=region.parent,
        url=region_url(base, region.code),
    )


def region_list(r: Reader, tree: bool) -> RegionList:
    regions = r.reference.regions()
    if not tree:
        return RegionList(regions=[_entry(r.base_url, x) for x in regions], basis=head_basis(r.state.head))
    children: dict[str | None, list[Region]] = {}
    known = {x.code for x in regions}
    for region in regions:
        # A region whose parent is not in the gazetteer is shown as a root.
        children.setdefault(region.parent if region.parent in known else None, []).append(region)

    def node(region: Region) -> RegionEntry:
        below = [node(child) for child in children.get(region.code, [])]
        entry = _entry(r.base_url, region)
        return RegionEntry(**{**_fields(entry), "children": below})

    roots = [node(region) for region in children.get(None, [])]
    return RegionList(regions=roots, basis=head_basis(r.state.head))


def _fields(entry: RegionEntry) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in entry.__struct_fields__}


def region_detail(r: Reader, code: str) -> RegionDetail:
    region = r.reference.region(code)
    base = r.base_url
    return RegionDetail(
        code=region.code,
        name=region.name,
        kind=region.kind,
        parent=region_ref_of(base, r.reference, region.parent) if region.parent else None,
        ancestors=[region_ref(base, x) for x in r.reference.ancestors(code)],
        children=[region_ref(base, x) for x in r.reference.children(code)],
        valid_from=region.valid_from,
        valid_to=region.valid_to,
        successor=region.successor,
        note=region.note,
        links=region_links(base, code),
        basis=head_basis(r.state.head),
    )


class RegionController(Controller):
    path = "/regions"
    tags = ("regions",)
    response_headers = READ_HEADERS

    @get("/", summary="List regions", responses=answers(RegionList))
    async def list_regions(
        self,
        request: Request,
        tree: Annotated[bool, QueryParameter(description="Nest regions under their parents.")] = False,
    ) -> ASGIResponse:
        """Every region of the gazetteer (GB/T 2260 codes, names in Chinese and English)."""
        api = api_of(request)
        return await answer(api, request, lambda r: region_list(r, tree))

    @get("/{code:str}", summary="A region", responses=answers(RegionDetail, 404, example=examples.REGION))
    async def get_region(self, request: Request, code: RegionCode) -> ASGIResponse:
        """Names, kind, parent, children, and links to its timeline, status and calendar feed."""
        api = api_of(request)
        return await answer(api, request, lambda r: region_detail(r, code))

    @get(
        "/{code:str}/timeline",
        summary="A region's timeline",
        responses=answers(TimelineView, 404, 409, 503, example=examples.TIMELINE),
    )
    async def timeline(
        self,
        request: Request,
        code: RegionCode,
        descendants: Annotated[
            bool,
            QueryParameter(description="Include the milestones of the regions below it (default)."),
        ] = True,
        roles: params.Roles = None,
        types: Types = None,
        programmes: Programmes = None,
        date_from: params.DateFrom = None,
        date_to: params.DateTo = None,
        q: SearchText = None,
        lang: params.Lang = None,
        known_at: params.KnownAt = None,
        include_retracted: Annotated[
            bool, QueryParameter(description="Show retracted milestones too (marked `retracted`).")
        ] = False,
        cursor: Cursor = None,
        limit: params.Limit = 50,
        min_position: params.MinPosition = None,
    ) -> ASGIResponse:
        """Milestones in date order (fuzzy dates by their earliest day, finer precision first),
        corrections applied, retracted ones left out unless asked for; a page at a time."""
        api = api_of(request)
        query = TimelineQuery(
            code=code,
            descendants=descendants,
            types=params.milestone_types(types),
            roles=params.region_roles(roles),
            programmes=programmes,
            date_from=params.day("from", date_from),
            date_to=params.day("to", date_to),
            q=q,
            lang=lang,
            known_at=params.known_at(known_at),
            include_retracted=include_retracted,
            cursor=cursor,
            limit=limit,
        )
        return await answer(
            api,
            request,
            lambda r: timeline_view(r, query, request),
            min_position=min_position,
            check=lambda reference: reference.region(code),
        )

    @get(
        "/{code:str}/status",
        summary="A region's programme status on a day",
        responses=answers(StatusReport, 404, 409, 503, example=examples.STATUS),
    )
    async def status(
        self,
        request: Request,
        code: RegionCode,
        as_of: params.AsOf,
        known_at: params.KnownAt = None,
        min_position: params.MinPosition = None,
    ) -> ASGIResponse:
        """For each programme: yes, no or uncertain on `as_of`, since when (a fuzzy date), and
        the evidence (event ids with their sources). Uncertain means the change happened within
        `window`, which contains the day asked about."""
        api = api_of(request)
        day = params.required_day("as_of", as_of)
        moment = params.known_at(known_at)
        return await answer(
            api,
            request,
            lambda r: status_report(r.store, r.reference, code, as_of=day, known_at=moment),
            min_position=min_position,
            check=lambda reference: reference.region(code),
        )
