"""The stream routes: the whole log, and a region's or a programme's milestone changes.

Every stream resumes after `Last-Event-ID` (what a reconnecting EventSource sends) or, when
that header is absent, after `after=`; with neither it starts at the log head. The `id:` of a
frame is always its log position, so a client that resumes misses nothing and repeats nothing.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Request, get
from litestar.params import HeaderParameter, PathParameter, QueryParameter
from litestar.response.base import ASGIResponse

from api import params
from api.caching import base_url
from api.context import api_of
from api.errors import BadParameter
from api.live.broker import Broker, Change, Subscriber, TooManyClients
from api.live.sse import EventStreamResponse, frame
from api.openapi import problem_responses
from api.problems import PROBLEM_BASE, Problem, problem_response
from projections.live import ViewFilter

After = Annotated[
    int | None,
    QueryParameter(ge=0, description="Send the events after this log position first (0: the whole log)."),
]
LastEventId = Annotated[
    str | None,
    HeaderParameter(
        name="Last-Event-ID",
        max_length=20,
        description="Set by a reconnecting EventSource: resume after this position (wins over `after`).",
    ),
]
Lang = Annotated[Literal["zh", "en"], QueryParameter(description="Language of the entries' texts.")]
Descendants = Annotated[bool, QueryParameter(description="Include the regions below it (default true).")]
RETRY_AFTER = 5
STREAM_DOC = (
    "`text/event-stream`: `id:` is the log position, a comment every 15 s keeps the "
    "connection open, `retry:` comes once. Resume with `Last-Event-ID` (or `after=`)."
)
OPENAPI: dict[str, Any] = {
    "tags": ["live"],
    "media_type": "text/event-stream",
    "responses": problem_responses(400, 404, 503),
}


def broker_of(request: Request) -> Broker:
    return request.app.state.live


def _start(request: Request, after: int | None, last_event_id: str | None) -> int:
    """The position the client has seen: Last-Event-ID, else `after`, else the head."""
    if last_event_id is not None:
        text = last_event_id.strip()
        if not text.isdigit():
            raise BadParameter("Last-Event-ID", f"expected a log position, not {last_event_id!r}")
        return int(text)
    if after is not None:
        return after
    return broker_of(request).position


def _open(request: Request, subscriber: Subscriber) -> ASGIResponse:
    broker = broker_of(request)
    try:
        upto = broker.subscribe(subscriber)
    except TooManyClients as e:
        problem = Problem(
            type=PROBLEM_BASE + "too-many-streams",
            title="Too many stream clients",
            status=503,
            detail=f"This server process already serves {e.limit} event streams. Retry shortly.",
            retry_after=RETRY_AFTER,
        )
        response = problem_response(request, problem, {"Retry-After": str(RETRY_AFTER)})
        return response.to_asgi_response(app=None, request=request)
    settings = api_of(request).settings
    return EventStreamResponse(
        broker,
        subscriber,
        upto,
        heartbeat=settings.stream_heartbeat_seconds,
        retry_ms=settings.stream_retry_ms,
    )


@get("/events/stream", summary="Stream the log", description=STREAM_DOC, **OPENAPI)
async def log_stream(
    request: Request, after: After = None, last_event_id: LastEventId = None
) -> ASGIResponse:
    """Every event after the position, then each new one as it commits: `event:` is its type,
    `data:` the same JSON as `GET /events/{event_id}`."""
    base = base_url(api_of(request), request)

    def select(change: Change) -> bytes | None:
        key = ("log", base)
        found = change.frames.get(key)
        if found is None:
            found = change.frames[key] = frame(change.position, change.type, change.details[base])
        return found

    subscriber = Subscriber(select, after=_start(request, after, last_event_id), base=base)
    return _open(request, subscriber)


def _view_select(view: ViewFilter, lang: str) -> Any:
    def select(change: Change) -> bytes | None:
        if change.milestone is None:
            return None
        key = (view, lang)
        if key in change.frames:
            return change.frames[key] or None
        kind = view.affected(change.milestone, change.reference)
        found = b"" if kind is None else frame(change.position, kind, change.entries[lang])
        change.frames[key] = found
        return found or None

    return select


@get(
    "/regions/{code:str}/stream",
    summary="Stream a region's milestone changes",
    description=STREAM_DOC,
    **OPENAPI,
)
async def region_stream(
    request: Request,
    code: Annotated[str, PathParameter(description="GB/T 2260 division code.")],
    descendants: Descendants = True,
    types: params.CommaList = None,
    programmes: params.CommaList = None,
    roles: params.Roles = None,
    lang: Lang = "zh",
    after: After = None,
    last_event_id: LastEventId = None,
) -> ASGIResponse:
    """Milestones added to, corrected in or retracted from the region's timeline (filtered like
    `GET /regions/{code}/timeline`), as the widget's entry JSON with `event: added`,
    `corrected` or `retracted`."""
    reference = api_of(request).views.state().reference
    reference.region(code)  # a 404 problem for an unknown region
    chosen_types = params.milestone_types(types)
    chosen = params.programme_slugs(reference, programmes)
    view = ViewFilter(
        region=code,
        descendants=descendants,
        roles=frozenset(params.region_roles(roles) or ["subject"]),
        types=frozenset(chosen_types) if chosen_types else None,
        programmes=frozenset(chosen) if chosen else None,
    )
    start = _start(request, after, last_event_id)
    return _open(request, Subscriber(_view_select(view, lang), after=start, langs=(lang,)))


@get(
    "/programmes/{slug:str}/stream",
    summary="Stream a programme's milestone changes",
    description=STREAM_DOC,
    **OPENAPI,
)
async def programme_stream(
    request: Request,
    slug: Annotated[str, PathParameter(description="The programme's slug.")],
    types: params.CommaList = None,
    lang: Lang = "zh",
    after: After = None,
    last_event_id: LastEventId = None,
) -> ASGIResponse:
    """Milestones of the programme, in every region, added, corrected or retracted."""
    reference = api_of(request).views.state().reference
    reference.programme(slug)
    chosen_types = params.milestone_types(types)
    view = ViewFilter(types=frozenset(chosen_types) if chosen_types else None, programmes=frozenset([slug]))
    start = _start(request, after, last_event_id)
    return _open(request, Subscriber(_view_select(view, lang), after=start, langs=(lang,)))


stream_handlers = [log_stream, region_stream, programme_stream]
