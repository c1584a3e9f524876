"""Curation over HTTP: archiving a document (`POST /sources`), reading its paragraphs
(`GET /sources/{id}/text`), and reviewing its candidates (list, accept, reject).

The work is `timeline.curation`'s, the same functions the CLI calls; this module parses bodies,
runs them on a worker thread with that thread's own connection, and shapes the answers.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any, ClassVar

import anyio.to_thread
import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import PathParameter
from litestar.response.base import ASGIResponse
from msgspec import Meta

from api.auth import require_token
from api.bodies import convert_body, read_json
from api.caching import Reader, answer, base_url
from api.context import Api, api_of
from api.links import event_url, source_url
from api.models import WriteResult
from api.openapi import READ_HEADERS, answers, write_responses
from api.problems import Problem, _typed, invalid_event, problem_response
from api.views import head_basis
from api.writes import created
from events.errors import FieldProblem, InvalidEvent
from events.types import Line, RegionCode, Slug, Text
from projections.models import Basis
from timeline.curation.archive import DocumentMetadata, register_document
from timeline.curation.candidates import Candidate
from timeline.curation.paragraphs import split_paragraphs
from timeline.curation.reading import DocumentUnreadable
from timeline.curation.render import details_by_type, draft_event
from timeline.curation.review import CandidateDecided, accept, open_candidates, reject
from timeline.curation.workflow import NoArchivedText, archived_text

SourceId = Annotated[str, PathParameter(description="Source document id (a slug).")]
CandidateId = Annotated[str, PathParameter(description="Candidate id (`c-` and 16 hex digits).")]
TOKEN = {"guards": [require_token], "security": [{"bearer": []}]}


class SourceUpload(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A document to archive: its text (`text`, or the file's bytes as `content_base64`, read as
    UTF-8, UTF-16 or GB18030) and its metadata."""

    title: Text
    publisher: Text
    published: Annotated[str, Meta(min_length=1, max_length=64, description="EDTF date")]
    text: Annotated[str, Meta(min_length=1)] | None = None
    content_base64: Annotated[str, Meta(min_length=1)] | None = None
    url: Annotated[str, Meta(max_length=500)] | None = None
    region: RegionCode | None = None
    id: Slug | None = None
    kind: Slug = "news"


class SourceRegistration(msgspec.Struct, frozen=True, kw_only=True):
    """What `POST /sources` did: 201 with `created` true, or 200 naming the source that already
    has this text."""

    source: str
    created: bool
    text_sha256: str
    paragraphs: int
    url: str
    text_url: str
    position: int | None = None


class ParagraphView(msgspec.Struct, frozen=True, kw_only=True):
    number: int
    locator: str  # `p3`; a range in it is `p3:START-END`, characters counted from 0
    text: str


class SourceTextView(msgspec.Struct, frozen=True, kw_only=True):
    """A registered source's archived text, as numbered paragraphs."""

    source: str
    text_sha256: str
    paragraphs: list[ParagraphView]
    basis: Basis


class ReviewItem(msgspec.Struct, frozen=True, kw_only=True):
    """A candidate and the event it drafts (English texts empty), as the review page edits it;
    `details_by_type` holds the type-specific fields each milestone type would draft, so the
    page can swap them in when the curator changes the type."""

    candidate: Candidate
    draft: dict[str, Any]
    details_by_type: dict[str, dict[str, Any]]


class CandidateList(msgspec.Struct, frozen=True, kw_only=True):
    """The candidates of a source no one has accepted or rejected yet."""

    source: str
    candidates: list[ReviewItem]


class RejectBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    reason: Line


def _document_bytes(upload: SourceUpload) -> bytes:
    if (upload.text is None) == (upload.content_base64 is None):
        raise InvalidEvent(
            [FieldProblem("$.text", "Send the document as exactly one of `text` or `content_base64`")]
        )
    if upload.text is not None:
        return upload.text.encode("utf-8")
    try:
        return base64.b64decode(upload.content_base64 or "", validate=True)
    except (binascii.Error, ValueError):
        raise InvalidEvent([FieldProblem("$.content_base64", "Not valid base64")]) from None


def register(api: Api, body: Any, base: str) -> SourceRegistration:
    upload: SourceUpload = convert_body(body, SourceUpload)
    metadata = DocumentMetadata(
        title=upload.title,
        publisher=upload.publisher,
        published=upload.published,
        kind=upload.kind,
        url=upload.url,
        region=upload.region,
        id=upload.id,
    )
    result = register_document(api.store(), _document_bytes(upload), metadata, name="$.content_base64")
    api.views.invalidate()
    url = source_url(base, result.source)
    return SourceRegistration(
        source=result.source,
        created=result.created,
        text_sha256=result.text_sha256,
        paragraphs=result.paragraphs,
        url=url,
        text_url=f"{url}/text",
        position=result.position,
    )


def source_text(r: Reader, source_id: str) -> SourceTextView:
    archived = r.reference.source_text(source_id)
    text = archived_text(r.reference, source_id)
    assert archived is not None
    return SourceTextView(
        source=source_id,
        text_sha256=archived.sha256,
        paragraphs=[
            ParagraphView(number=n, locator=f"p{n}", text=p) for n, p in enumerate(split_paragraphs(text), 1)
        ],
        basis=head_basis(r.state.head),
    )


def _written(api: Api, event_ids: list[str], first: int, last: int, base: str) -> WriteResult:
    api.views.invalidate()
    return WriteResult(
        first_position=first,
        last_position=last,
        positions=list(range(first, last + 1)),
        event_ids=event_ids,
        urls=[event_url(base, event_id) for event_id in event_ids],
        replayed=False,
    )


def accept_candidate(api: Api, source_id: str, candidate_id: str, body: Any, base: str) -> WriteResult:
    result = accept(api.store(), source_id, candidate_id, body, api.settings.seeds_dir)
    return _written(api, result.event_ids, result.first_position, result.last_position, base)


def reject_candidate(api: Api, source_id: str, candidate_id: str, body: Any, base: str) -> WriteResult:
    parsed: RejectBody = convert_body(body, RejectBody)
    result = reject(api.store(), source_id, candidate_id, parsed.reason, api.settings.seeds_dir)
    return _written(api, result.event_ids, result.first_position, result.last_position, base)


async def add_source(request: Request) -> Response[SourceRegistration]:
    """`POST /sources` (mounted on the sources controller, which owns the collection's path)."""
    api = api_of(request)
    body = await read_json(request)
    result = await anyio.to_thread.run_sync(register, api, body, base_url(api, request))
    headers = {"Cache-Control": "no-store", "Location": result.url}
    return Response(result, status_code=201 if result.created else 200, headers=headers)


async def _optional_json(request: Request) -> Any:
    """The JSON body, or None when the request has none (accepting a candidate as drafted)."""
    if not (await request.body()).strip():
        return None
    return await read_json(request)


def _no_text(request: Request, exc: NoArchivedText) -> Response[bytes]:
    problem = Problem(type=_typed("no-archived-text"), title="No archived text", status=404, detail=str(exc))
    return problem_response(request, problem)


def _decided(request: Request, exc: CandidateDecided) -> Response[bytes]:
    detail = f"{exc}; nothing was written."
    return problem_response(
        request, Problem(type=_typed("candidate-decided"), title="Already decided", status=409, detail=detail)
    )


def _unreadable(request: Request, exc: DocumentUnreadable) -> Response[bytes]:
    field = "$.content_base64" if exc.name == "$.content_base64" else "$.text"
    return invalid_event(request, InvalidEvent([FieldProblem(field, exc.reason)]))


class CurationController(Controller):
    path = "/sources"
    tags = ("curation",)
    # Errors only these routes raise; the app maps the core's other errors.
    exception_handlers: ClassVar[dict[type[Exception], Any]] = {
        NoArchivedText: _no_text,
        CandidateDecided: _decided,
        DocumentUnreadable: _unreadable,
    }

    @get(
        "/{source_id:str}/text",
        summary="A source's archived text",
        responses=answers(SourceTextView, 404),
        response_headers=READ_HEADERS,
    )
    async def get_text(self, request: Request, source_id: SourceId) -> ASGIResponse:
        """The archived, normalised text as numbered paragraphs; evidence locators point into it
        (`p3`, or `p3:12-40` for characters 12 up to 40)."""
        api = api_of(request)
        return await answer(api, request, lambda r: source_text(r, source_id))

    @get(
        "/{source_id:str}/candidates",
        summary="Candidate milestones of a source",
        responses=answers(CandidateList, 401, 404),
        **TOKEN,
    )
    async def candidates(self, request: Request, source_id: SourceId) -> Response[CandidateList]:
        """Candidates extracted from the source's text that no one has accepted or rejected,
        each with its evidence, confidence, reasons, and `already_recorded` when the log has it."""
        api = api_of(request)
        found = await anyio.to_thread.run_sync(
            lambda: open_candidates(api.store(), source_id, api.settings.seeds_dir)
        )
        items = [
            ReviewItem(candidate=c, draft=draft_event(c), details_by_type=details_by_type(c)) for c in found
        ]
        return Response(
            CandidateList(source=source_id, candidates=items), headers={"Cache-Control": "no-store"}
        )

    @post(
        "/{source_id:str}/candidates/{candidate_id:str}/accept",
        summary="Accept a candidate",
        responses=write_responses(400, 401, 404, 409, 413, 415, 422, 503),
        status_code=201,
        **TOKEN,
    )
    async def accept(self, request: Request, source_id: SourceId, candidate_id: CandidateId) -> Response[Any]:
        """Append the candidate's milestone (the body, when given, is the edited event; else the
        draft) with a `candidate_accepted` decision, validated like `POST /events`."""
        api = api_of(request)
        body = await _optional_json(request)
        result = await anyio.to_thread.run_sync(
            accept_candidate, api, source_id, candidate_id, body, base_url(api, request)
        )
        return created(request, result)

    @post(
        "/{source_id:str}/candidates/{candidate_id:str}/reject",
        summary="Reject a candidate",
        responses=write_responses(400, 401, 404, 409, 413, 415, 422, 503),
        status_code=201,
        **TOKEN,
    )
    async def reject(self, request: Request, source_id: SourceId, candidate_id: CandidateId) -> Response[Any]:
        """Record a `candidate_rejected` decision with the reason (`{"reason": "…"}`)."""
        api = api_of(request)
        body = await read_json(request)
        result = await anyio.to_thread.run_sync(
            reject_candidate, api, source_id, candidate_id, body, base_url(api, request)
        )
        return created(request, result)
