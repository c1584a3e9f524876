"""`/regions`: the gazetteer, and each region's timeline and programme status."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get
from litestar.openapi.spec import Example
from litestar.params import PathParameter, QueryParameter
from litestar.response.base import ASGIResponse

from api import examples, params
from api.caching import answer
from api.context import api_of
from api.models import RegionDetail, RegionList
from api.openapi import READ_HEADERS, answers
from api.quotes import Quoter, with_quotes
from api.region_views import DEFAULT_LIMIT, RegionQuery, region_detail, region_list
from api.timeline import TimelineQuery, TimelineView, timeline_view
from events.reference import RegionLevel
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
ParentCode = Annotated[
    str | None,
    QueryParameter(description="Only the regions directly below this code.", pattern=r"^\d{6}$"),
]
Level = Annotated[
    RegionLevel | None,
    QueryParameter(description="Only regions at this level (districts, county-level cities: `county`)."),
]
RegionText = Annotated[
    str | None,
    QueryParameter(
        description="Chinese name or alias (`介休`, `晋`), pinyin or English name in any case "
        "(`jiexiu`; `lv` or `u` for ü), or a code prefix (`1407`).",
        max_length=100,
        examples=[Example(summary="pinyin", value="jiexiu"), Example(summary="code prefix", value="1407")],
    ),
]
RegionCursor = Annotated[
    str | None,
    QueryParameter(description="Pass back a page's `next_cursor` for the next page.", pattern=r"^\d{6}$"),
]


class RegionController(Controller):
    path = "/regions"
    tags = ("regions",)
    response_headers = READ_HEADERS

    @get("/", summary="List regions", responses=answers(RegionList, 400))
    async def list_regions(
        self,
        request: Request,
        tree: Annotated[bool, QueryParameter(description="Nest regions under their parents.")] = False,
        parent: ParentCode = None,
        level: Level = None,
        q: RegionText = None,
        cursor: RegionCursor = None,
        limit: params.Limit = DEFAULT_LIMIT,
    ) -> ASGIResponse:
        """The gazetteer (GB/T 2260 codes, names in Chinese and English), in code order, a page
        at a time. With `tree`, each page holds top-most matches with the matches below them."""
        api = api_of(request)
        query = RegionQuery(tree=tree, parent=parent, level=level, q=q, cursor=cursor, limit=limit)
        return await answer(api, request, lambda r: region_list(r, query))

    @get("/{code:str}", summary="A region", responses=answers(RegionDetail, 404, example=examples.REGION))
    async def get_region(self, request: Request, code: RegionCode) -> ASGIResponse:
        """Names, aliases, kind, point, parent, children, history (the codes it replaced and
        that replaced it), and links to its timeline, status and calendar feed."""
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
            lambda r: with_quotes(
                status_report(r.store, r.reference, code, as_of=day, known_at=moment), Quoter(r.reference)
            ),
            min_position=min_position,
            check=lambda reference: reference.region(code),
            short="region status",  # a few index seeks: on the loop
        )
