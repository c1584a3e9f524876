"""The picture routes: lanes (SVG, PNG) of a region or a programme, and a programme's map."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated

from litestar import Controller, Request, get
from litestar.di import NamedDependency, Provide
from litestar.params import PathParameter, QueryParameter
from litestar.response import Response

from api import params
from api.caching import Reader
from api.context import api_of
from api.errors import BadParameter
from api.openapi import READ_HEADERS, read_responses
from api.pictures.answer import Render, picture
from api.pictures.lanes import render_lanes
from api.pictures.map import render_map
from api.pictures.png import MEDIA_TYPE as PNG
from api.pictures.png import svg_to_png
from api.pictures.svg import MEDIA_TYPE as SVG
from projections.lanes import programme_lanes, region_lanes
from projections.programme_map import programme_map

Code = Annotated[str, PathParameter(description="GB/T 2260 division code.")]
Slug = Annotated[str, PathParameter(description="Programme slug.")]
AsOfRule = Annotated[
    str | None,
    QueryParameter(
        description="Draw a vertical rule at this day (YYYY-MM-DD).",
        pattern=params.DAY_PATTERN,
        schema_extra=params.DAY,
    ),
]
Within = Annotated[
    str | None, QueryParameter(description="Only this region and those below it.", max_length=20)
]
PROBLEMS = read_responses(400, 404)


@dataclass(frozen=True, slots=True)
class LanesQuery:
    """The parameters every lanes picture takes, parsed (a bad one is a 400 naming it)."""

    as_of: date | None
    known_at: int | datetime | None
    lang: str
    date_from: date | None
    date_to: date | None


def provide_lanes_query(
    as_of: AsOfRule = None,
    known_at: params.KnownAt = None,
    lang: params.Lang = None,
    date_from: params.DateFrom = None,
    date_to: params.DateTo = None,
) -> LanesQuery:
    query = LanesQuery(
        as_of=params.day("as_of", as_of),
        known_at=params.known_at(known_at),
        lang=lang or "zh",
        date_from=params.day("from", date_from),
        date_to=params.day("to", date_to),
    )
    if query.date_from and query.date_to and query.date_from > query.date_to:
        raise BadParameter("to", "must not be before `from`")
    return query


LanesQueryDep = NamedDependency[LanesQuery]
LANES = {"lanes_query": Provide(provide_lanes_query, sync_to_thread=False)}


def _region_lanes(query: LanesQuery, code: str, programmes: str | None, roles: str | None) -> Render:
    wanted_roles = params.region_roles(roles)

    def render(r: Reader) -> bytes:
        report = region_lanes(
            r.store,
            r.reference,
            code,
            known_at=query.known_at,
            date_from=query.date_from,
            date_to=query.date_to,
            programmes=params.programme_slugs(r.reference, programmes),
            roles=wanted_roles,
        )
        return render_lanes(report, lang=query.lang, as_of=query.as_of)

    return render


def _programme_lanes(query: LanesQuery, slug: str, within: str | None) -> Render:
    def render(r: Reader) -> bytes:
        report = programme_lanes(
            r.store,
            r.reference,
            slug,
            known_at=query.known_at,
            date_from=query.date_from,
            date_to=query.date_to,
            within=params.region_filter(r.reference, "within", within),
        )
        return render_lanes(report, lang=query.lang, as_of=query.as_of)

    return render


def _png(render: Render) -> Render:
    return lambda r: svg_to_png(render(r))


class PictureController(Controller):
    path = "/"
    tags = ("pictures",)
    response_headers = READ_HEADERS
    dependencies = LANES

    @get(
        "/regions/{code:str}/lanes.svg",
        summary="A region's status lanes (SVG)",
        media_type=SVG,
        responses=PROBLEMS,
    )
    async def region_lanes_svg(
        self,
        request: Request,
        code: Code,
        lanes_query: LanesQueryDep,
        programmes: params.CommaList = None,
        roles: params.Roles = None,
    ) -> Response[bytes]:
        """One lane per programme with a status (or per programme named in `programmes`): solid
        where a status certainly holds, hatched across its uncertainty window, outlined for a
        plan, a cross for an ending, a rule at `as_of`; as the log knew it at `known_at`. `roles`
        adds marks for the milestones the region took part in or issued (statuses are a
        subject's: without `subject` among the roles they are left out)."""
        render = _region_lanes(lanes_query, code, programmes, roles)
        return await picture(api_of(request), request, render, SVG, check=lambda ref: ref.region(code))

    @get(
        "/regions/{code:str}/lanes.png",
        summary="A region's status lanes (PNG)",
        media_type=PNG,
        responses=PROBLEMS,
    )
    async def region_lanes_png(
        self,
        request: Request,
        code: Code,
        lanes_query: LanesQueryDep,
        programmes: params.CommaList = None,
        roles: params.Roles = None,
    ) -> Response[bytes]:
        """The lanes picture as a PNG (twice the SVG's size), rendered from the same SVG."""
        render = _png(_region_lanes(lanes_query, code, programmes, roles))
        return await picture(api_of(request), request, render, PNG, check=lambda ref: ref.region(code))

    @get(
        "/programmes/{slug:str}/lanes.svg",
        summary="A programme's lanes per region (SVG)",
        media_type=SVG,
        responses=PROBLEMS,
    )
    async def programme_lanes_svg(
        self,
        request: Request,
        slug: Slug,
        lanes_query: LanesQueryDep,
        within: Within = None,
    ) -> Response[bytes]:
        """One lane per region with a status of its own in the programme (within `within`)."""
        render = _programme_lanes(lanes_query, slug, within)
        return await picture(api_of(request), request, render, SVG, check=lambda ref: ref.programme(slug))

    @get(
        "/programmes/{slug:str}/lanes.png",
        summary="A programme's lanes per region (PNG)",
        media_type=PNG,
        responses=PROBLEMS,
    )
    async def programme_lanes_png(
        self,
        request: Request,
        slug: Slug,
        lanes_query: LanesQueryDep,
        within: Within = None,
    ) -> Response[bytes]:
        """The programme's lanes as a PNG, rendered from the same SVG."""
        render = _png(_programme_lanes(lanes_query, slug, within))
        return await picture(api_of(request), request, render, PNG, check=lambda ref: ref.programme(slug))

    @get(
        "/programmes/{slug:str}/map.svg",
        summary="A programme's map on a day (SVG)",
        media_type=SVG,
        responses=PROBLEMS,
    )
    async def programme_map_svg(
        self,
        request: Request,
        slug: Slug,
        as_of: params.AsOf,
        within: Within = None,
        known_at: params.KnownAt = None,
        lang: params.Lang = None,
    ) -> Response[bytes]:
        """Every division under `within` (default: the province of the programme's first member)
        as a dot at its gazetteer point, coloured by status: solid when certain, hatched when
        uncertain, hollow when not in the programme; labelled, with a legend."""
        day = params.required_day("as_of", as_of)
        moment = params.known_at(known_at)

        def render(r: Reader) -> bytes:
            code = params.region_filter(r.reference, "within", within)
            picture = programme_map(r.store, r.reference, slug, as_of=day, within=code, known_at=moment)
            return render_map(picture, lang=lang or "zh")

        return await picture(api_of(request), request, render, SVG, check=lambda ref: ref.programme(slug))
