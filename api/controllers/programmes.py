"""`/programmes`: the reform programmes, and which regions are in one on a day."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get
from litestar.openapi.spec import Example
from litestar.params import PathParameter, QueryParameter
from litestar.response.base import ASGIResponse

from api import params
from api.caching import Reader, answer
from api.context import api_of
from api.errors import BadParameter
from api.models import ProgrammeDetail, ProgrammeList
from api.openapi import READ_HEADERS, answers
from api.views import head_basis, programme_view
from projections import MembersReport, programme_members

Slug = Annotated[
    str,
    PathParameter(
        description="Programme slug.", examples=[Example(summary="A programme", value="dip-payment")]
    ),
]


def programme_list(r: Reader) -> ProgrammeList:
    return ProgrammeList(
        programmes=[programme_view(r.base_url, p) for p in r.reference.programmes()],
        basis=head_basis(r.state.head),
    )


def programme_detail(r: Reader, slug: str) -> ProgrammeDetail:
    view = programme_view(r.base_url, r.reference.programme(slug))
    fields = {name: getattr(view, name) for name in view.__struct_fields__}
    return ProgrammeDetail(**fields, basis=head_basis(r.state.head))


class ProgrammeController(Controller):
    path = "/programmes"
    tags = ("programmes",)
    response_headers = READ_HEADERS

    @get("/", summary="List programmes", responses=answers(ProgrammeList))
    async def list_programmes(self, request: Request) -> ASGIResponse:
        """Every programme with its statuses and links to its members and calendar feed."""
        api = api_of(request)
        return await answer(api, request, programme_list)

    @get("/{slug:str}", summary="A programme", responses=answers(ProgrammeDetail, 404))
    async def get_programme(self, request: Request, slug: Slug) -> ASGIResponse:
        """A programme's names, description, status lifecycle and links."""
        api = api_of(request)
        return await answer(api, request, lambda r: programme_detail(r, slug))

    @get(
        "/{slug:str}/regions",
        summary="A programme's regions on a day",
        responses=answers(MembersReport, 404, 409, 503),
    )
    async def members(
        self,
        request: Request,
        slug: Slug,
        as_of: params.AsOf,
        status: Annotated[
            str | None, QueryParameter(description="Only regions with this status.", max_length=80)
        ] = None,
        within: Annotated[
            str | None, QueryParameter(description="Only this region and those below it.", max_length=20)
        ] = None,
        known_at: params.KnownAt = None,
        min_position: params.MinPosition = None,
    ) -> ASGIResponse:
        """Regions with a status in the programme on `as_of` (certain or uncertain), with the
        evidence; a programme that passes down to lower levels lists those too."""
        api = api_of(request)
        day = params.required_day("as_of", as_of)
        moment = params.known_at(known_at)

        def members(r: Reader) -> MembersReport:
            statuses = r.reference.programme(slug).statuses
            if status is not None and status not in statuses:
                raise BadParameter("status", f"{status!r} is not a status of {slug!r}: {', '.join(statuses)}")
            return programme_members(
                r.store,
                r.reference,
                slug,
                as_of=day,
                status=status,
                within=params.region_filter(r.reference, "within", within),
                known_at=moment,
            )

        return await answer(
            api,
            request,
            members,
            min_position=min_position,
            check=lambda reference: reference.programme(slug),
        )
