"""`/events`: read the log in order, read one event, and (with a bearer token) append to it."""

from __future__ import annotations

from typing import Annotated

import anyio.to_thread
from litestar import Controller, Request, Response, get, post
from litestar.params import PathParameter, QueryParameter
from litestar.response.base import ASGIResponse

from api import params
from api.auth import require_token
from api.bodies import read_json
from api.caching import answer, base_url
from api.context import api_of
from api.eventlog import event_detail, event_page
from api.models import EventDetail, EventPage, WriteResult
from api.openapi import READ_HEADERS, answers, write_responses
from api.writes import IdempotencyKey, amend, append_body, created

EventId = Annotated[str, PathParameter(description="The event's id (a UUID).")]
WRITE = {"guards": [require_token], "security": [{"bearer": []}], "status_code": 201}
APPEND_RESPONSES = write_responses(400, 401, 409, 413, 415, 422, 503)
AMEND_RESPONSES = write_responses(400, 401, 404, 409, 413, 415, 422, 503)


class EventController(Controller):
    path = "/events"
    tags = ("events",)

    @get("/", summary="Read the log", responses=answers(EventPage), response_headers=READ_HEADERS)
    async def read_log(
        self,
        request: Request,
        after: Annotated[
            int,
            QueryParameter(
                ge=0, le=params.MAX_POSITION, description="Log position to read after (0: from the start)."
            ),
        ] = 0,
        limit: params.Limit = 100,
    ) -> ASGIResponse:
        """Events after a position, in log order, for consumers that follow the log: keep
        requesting `next` (an empty page means nothing new yet)."""
        api = api_of(request)
        return await answer(api, request, lambda r: event_page(r, after, limit))

    @get(
        "/{event_id:str}",
        summary="An event",
        responses=answers(EventDetail, 404),
        response_headers=READ_HEADERS,
    )
    async def get_event(self, request: Request, event_id: EventId) -> ASGIResponse:
        """One event as logged, with the corrections and retractions that amend it."""
        api = api_of(request)
        return await answer(api, request, lambda r: event_detail(r, event_id))

    @post("/", summary="Append events", responses=APPEND_RESPONSES, **WRITE)
    async def append_events(
        self, request: Request, idempotency_key: IdempotencyKey = None
    ) -> Response[WriteResult]:
        """Append one event or a batch, all or nothing. Each item may give `expected_version`
        (the stream's version it expects, 0 for a new stream) to guard against lost updates."""
        api = api_of(request)
        body = await read_json(request)
        result = await anyio.to_thread.run_sync(
            append_body, api, body, idempotency_key, base_url(api, request)
        )
        return created(request, result)

    @post(
        "/{event_id:str}/corrections",
        summary="Correct a milestone",
        responses=AMEND_RESPONSES,
        **WRITE,
    )
    async def correct(
        self, request: Request, event_id: EventId, idempotency_key: IdempotencyKey = None
    ) -> Response[WriteResult]:
        """Append a correction: the milestone stays in the log, the views show the new values."""
        return await _amend(request, event_id, "correction", idempotency_key)

    @post(
        "/{event_id:str}/retractions",
        summary="Retract a milestone",
        responses=AMEND_RESPONSES,
        **WRITE,
    )
    async def retract(
        self, request: Request, event_id: EventId, idempotency_key: IdempotencyKey = None
    ) -> Response[WriteResult]:
        """Append a retraction: the milestone stays in the log but leaves the default views."""
        return await _amend(request, event_id, "retraction", idempotency_key)


async def _amend(
    request: Request, event_id: str, kind: str, idempotency_key: str | None
) -> Response[WriteResult]:
    """Read the body, append the correction or retraction off the event loop, answer 201."""
    api = api_of(request)
    body = await read_json(request)
    result = await anyio.to_thread.run_sync(
        amend, api, event_id, kind, body, idempotency_key, base_url(api, request)
    )
    return created(request, result)
