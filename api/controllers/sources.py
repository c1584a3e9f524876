"""`/sources`: the documents facts are cited from (metadata only)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get
from litestar.params import PathParameter
from litestar.response.base import ASGIResponse

from api.caching import Reader, answer
from api.context import api_of
from api.models import SourceList, SourceView
from api.openapi import READ_HEADERS, answers
from api.views import head_basis, source_view

SourceId = Annotated[str, PathParameter(description="Source document id (a slug).")]


def source_list(r: Reader) -> SourceList:
    return SourceList(
        sources=[source_view(r.base_url, s) for s in r.reference.sources()], basis=head_basis(r.state.head)
    )


class SourceController(Controller):
    path = "/sources"
    tags = ("sources",)
    response_headers = READ_HEADERS

    @get("/", summary="List sources", responses=answers(SourceList))
    async def list_sources(self, request: Request) -> ASGIResponse:
        """Every source document: title, publisher, publication date and where it is published."""
        api = api_of(request)
        return await answer(api, request, source_list)

    @get("/{source_id:str}", summary="A source", responses=answers(SourceView, 404))
    async def get_source(self, request: Request, source_id: SourceId) -> ASGIResponse:
        """One source document's metadata."""
        api = api_of(request)
        return await answer(api, request, lambda r: source_view(r.base_url, r.reference.source(source_id)))
