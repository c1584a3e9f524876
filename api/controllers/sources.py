"""`/sources`: the documents facts are cited from (metadata only)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import PathParameter
from litestar.response.base import ASGIResponse

from api import curation
from api.auth import require_token
from api.caching import Reader, answer
from api.context import api_of
from api.models import SourceList, SourceView
from api.openapi import READ_HEADERS, answers, problem_responses
from api.views import head_basis, source_view

SourceId = Annotated[str, PathParameter(description="Source document id (a slug).")]


def _archived(r: Reader, source_id: str) -> bool:
    return r.reference.source_text(source_id) is not None


def source_list(r: Reader) -> SourceList:
    return SourceList(
        sources=[source_view(r.base_url, s, archived=_archived(r, s.id)) for s in r.reference.sources()],
        basis=head_basis(r.state.head),
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
        return await answer(
            api,
            request,
            lambda r: source_view(
                r.base_url, r.reference.source(source_id), archived=_archived(r, source_id)
            ),
        )

    @post(
        "/",
        summary="Archive a document",
        guards=[require_token],
        security=[{"bearer": []}],
        status_code=201,
        responses={
            201: ResponseSpec(curation.SourceRegistration, description="Archived", generate_examples=False),
            200: ResponseSpec(
                curation.SourceRegistration,
                description="This text was archived before: names the source that has it",
                generate_examples=False,
            ),
            **problem_responses(400, 401, 413, 415, 422, 503),
        },
        exception_handlers=curation.CurationController.exception_handlers,
    )
    async def add_source(self, request: Request) -> Response[curation.SourceRegistration]:
        """Register a document's text (`text`, or the file as `content_base64`: UTF-8, UTF-16 or
        GB18030) and metadata as a `source_registered` event. The text is normalised and addressed
        by its SHA-256: the same text again appends nothing and answers 200 naming the source."""
        return await curation.add_source(request)
