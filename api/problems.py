"""Every error as an RFC 9457 problem document, mapped from the core's error types in one place.

Why not Litestar's `ProblemDetailsPlugin` (2.9+): its conversions see only the exception, never
the request, and this API's problems need the request: `instance` is the request's path,
parameter errors name the parameter as sent (`from`, `Idempotency-Key`, read from the route's
signature), the 413 states the configured limit, and a Litestar enum error lists the values the
route accepts. With `enable_for_all_http_exceptions` it also puts Litestar's detail text in
`title` and sets no `type`. The plugin could carry the `errors` list and `Retry-After` (as
`extra` and `headers`), but every mapping below would still be written by hand, as a function
producing a `ProblemDetailsException` instead of a `Problem`; this module keeps one shape, one
encoder and one place. (Errors that are not exceptions, such as Litestar's HTML 404 under
/schema, are turned into exceptions where they arise: `api.openapi.docs_router`.)
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from api.errors import BadBody, BadParameter, BeyondHead, NotCaughtUp
from api.parameter_words import plain_message, public_name
from events.errors import (
    ChainBroken,
    ConcurrencyError,
    DamagedEvent,
    DuplicateEventId,
    IdempotencyConflict,
    InvalidDate,
    InvalidEvent,
    StoreUnavailable,
    UnknownReference,
)

log = logging.getLogger("api")

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "/problems/"  # relative type URIs, resolved against the API


class FieldError(msgspec.Struct, frozen=True):
    """One bad field: a JSON path into the body (`$[0].event.occurred`) or a parameter name."""

    path: str
    message: str


class Problem(msgspec.Struct, kw_only=True, omit_defaults=True):
    """RFC 9457 problem details, with this API's extensions."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldError] | None = None
    stream: str | None = None
    expected_version: int | None = None
    current_version: int | None = None
    position: int | None = None
    retry_after: int | None = None


_encode = msgspec.json.Encoder().encode


def problem_response(
    request: Request, problem: Problem, headers: dict[str, str] | None = None
) -> Response[bytes]:
    # The raw path: `request.url` parses the Host header, which may be what was wrong.
    problem.instance = request.scope["path"]
    return Response(
        _encode(problem),
        status_code=problem.status,
        media_type=PROBLEM_JSON,
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


def _typed(slug: str) -> str:
    return PROBLEM_BASE + slug


_NO_SOURCE = "Every event needs at least one source: `sources` lists the documents it rests on"


def _field_error(path: str, message: str) -> FieldError:
    """msgspec's words, except where a plainer sentence says what the rule is."""
    if (
        path.endswith(".sources") and "length >= 1" in message
    ) or "missing required field `sources`" in message:
        return FieldError(path if path.endswith(".sources") else f"{path}.sources", _NO_SOURCE)
    return FieldError(path, message)


def invalid_event(request: Request, exc: InvalidEvent) -> Response[bytes]:
    errors = [_field_error(p.path, p.message) for p in exc.problems]
    more = f" and {len(errors) - 1} more" if len(errors) > 1 else ""
    return problem_response(
        request,
        Problem(
            type=_typed("invalid-event"),
            title="Invalid event",
            status=422,
            detail=f"{len(errors)} invalid field(s), nothing was written: "
            f"{errors[0].message} at {errors[0].path}{more}",
            errors=errors,
        ),
    )


def unknown_reference(request: Request, exc: UnknownReference) -> Response[bytes]:
    return problem_response(
        request,
        Problem(
            type=_typed(f"unknown-{exc.kind}"),
            title=f"Unknown {exc.kind}",
            status=404,
            detail=f"No {exc.kind} {exc.key!r}",
        ),
    )


def stale_version(request: Request, exc: ConcurrencyError) -> Response[bytes]:
    return problem_response(
        request,
        Problem(
            type=_typed("stale-expected-version"),
            title="Stale expected version",
            status=409,
            detail=f"{exc}; nothing was written. Read the stream again and retry with "
            f"expected_version {exc.current}.",
            stream=exc.stream,
            expected_version=exc.expected,
            current_version=exc.current,
        ),
    )


# A write that clashes with what the log holds: (type slug, title, what to do instead).
_CLASHES: dict[type[Exception], tuple[str, str, str]] = {
    IdempotencyConflict: (
        "idempotency-key-reused",
        "Idempotency key reused",
        "Use a new key for a new request.",
    ),
    DuplicateEventId: (
        "duplicate-event-id",
        "Duplicate event id",
        "Leave `event_id` out to have one assigned.",
    ),
}


def write_clash(request: Request, exc: IdempotencyConflict | DuplicateEventId) -> Response[bytes]:
    slug, title, advice = _CLASHES[type(exc)]
    return problem_response(
        request,
        Problem(type=_typed(slug), title=title, status=409, detail=f"{exc}; nothing was written. {advice}"),
    )


def store_unavailable(request: Request, exc: StoreUnavailable | ChainBroken | Exception) -> Response[bytes]:
    if isinstance(exc, DamagedEvent):
        slug, title = "damaged-event", "Damaged event in the log"
    elif isinstance(exc, ChainBroken):
        slug, title = "chain-broken", "Writes are on hold: hash chain broken"
    else:
        slug, title = "store-unavailable", "Event log unavailable"
    detail = str(exc)
    if not isinstance(exc, StoreUnavailable | ChainBroken):
        # The database failing under a read or write the core did not expect to fail (SQLite: a
        # truncated WAL, an I/O error; PostgreSQL: the server gone): the database is unusable,
        # which the README promises is a 503.
        log.error("database error on %s %s: %s", request.method, request.scope["path"], exc)
        detail = f"The database cannot be used at the moment ({exc}); an operator has to look at it."
    return problem_response(
        request,
        Problem(
            type=_typed(slug),
            title=title,
            status=503,
            detail=detail,
            position=exc.position if isinstance(exc, ChainBroken) else None,
        ),
        {"Retry-After": "60"},
    )


def bad_parameter(request: Request, exc: BadParameter | InvalidDate) -> Response[bytes]:
    if isinstance(exc, InvalidDate):  # a date parameter that reached the core unparsed
        exc = BadParameter("date", str(exc))
    return problem_response(
        request,
        Problem(
            type=_typed("invalid-parameter"),
            title="Invalid parameter",
            status=400,
            detail=f"Invalid value for `{exc.name}`: {exc.message}",
            errors=[FieldError(exc.name, exc.message)],
        ),
    )


def bad_body(request: Request, exc: BadBody) -> Response[bytes]:
    slug = {400: "malformed-json", 415: "unsupported-media-type"}.get(exc.status, "bad-request")
    return problem_response(
        request, Problem(type=_typed(slug), title=exc.title, status=exc.status, detail=exc.detail)
    )


def not_caught_up(request: Request, exc: NotCaughtUp) -> Response[bytes]:
    return problem_response(
        request,
        Problem(
            type=_typed("not-caught-up"),
            title="Views not yet caught up",
            status=503,
            detail=f"The views reflect position {exc.reached}; position {exc.wanted} was asked for "
            "and not reached in time. Retry shortly.",
            position=exc.reached,
            retry_after=exc.retry_after,
        ),
        {"Retry-After": str(exc.retry_after)},
    )


def beyond_head(request: Request, exc: BeyondHead) -> Response[bytes]:
    # 409, not 400: the parameter is well formed; the log's state is what does not match it.
    return problem_response(
        request,
        Problem(
            type=_typed("position-beyond-head"),
            title="Position beyond the log's head",
            status=409,
            detail=f"`min_position` {exc.wanted} is beyond the log's head ({exc.head}): no write "
            "answered with it. Pass the `last_position` a write returned.",
            errors=[FieldError("min_position", str(exc))],
            position=exc.head,
        ),
    )


_MISSING = re.compile(r"Missing required (?P<kind>\w+) parameter '(?P<name>[^']+)'")


def validation_error(request: Request, exc: ValidationException) -> Response[bytes]:
    """Litestar's own parameter validation (a non-numeric `limit`, a missing parameter)."""
    extra = exc.extra if isinstance(exc.extra, list) else []
    errors = []
    for item in extra:
        if isinstance(item, dict):
            field = str(item.get("key", ""))
            name = public_name(request, field)
            errors.append(FieldError(name, plain_message(request, field, name, str(item.get("message", "")))))
    missing = _MISSING.match(str(exc.detail))
    if missing and not errors:
        errors = [FieldError(missing["name"], f"the {missing['kind']} parameter is required")]
    detail = "; ".join(f"`{e.path}`: {e.message}" for e in errors) or str(exc.detail)
    return problem_response(
        request,
        Problem(
            type=_typed("invalid-parameter"),
            title="Invalid parameter",
            status=400,
            detail=detail,
            errors=errors or None,
        ),
    )


_TITLES = {
    401: "Authentication required",
    404: "Not found",
    405: "Method not allowed",
    413: "Request body too large",
}


def http_error(request: Request, exc: HTTPException) -> Response[bytes]:
    status = exc.status_code
    if status >= 500:
        return server_error(request, exc)
    title = _TITLES.get(status) or HTTPStatus(status).phrase
    detail = exc.detail if exc.detail and exc.detail != HTTPStatus(status).phrase else title
    if status == 404 and detail == title:
        detail = f"No resource at {request.scope['path']}"
    if status == 413:
        limit = request.app.state.api.settings.max_body_bytes
        detail = f"The request body exceeds the limit of {limit} bytes; send smaller batches."
    return problem_response(
        request,
        Problem(type="about:blank", title=title, status=status, detail=detail),
        dict(exc.headers or {}),
    )


def server_error(request: Request, exc: Exception) -> Response[bytes]:
    log.error("unexpected error on %s %s", request.method, request.scope["path"], exc_info=exc)
    return problem_response(
        request,
        Problem(
            type="about:blank",
            title="Internal server error",
            status=500,
            detail="The server failed to answer this request; the error was logged.",
        ),
    )


def exception_handlers(database_errors: tuple[type[Exception], ...]) -> dict[type[Exception], Any]:
    """The handlers, with the database driver's own errors (`EventStore._database_errors`) as 503s."""
    return {**EXCEPTION_HANDLERS, **dict.fromkeys(database_errors, store_unavailable)}


EXCEPTION_HANDLERS: dict[type[Exception], Callable[[Request, Any], Response[bytes]]] = {
    InvalidEvent: invalid_event,
    UnknownReference: unknown_reference,
    ConcurrencyError: stale_version,
    IdempotencyConflict: write_clash,
    DuplicateEventId: write_clash,
    StoreUnavailable: store_unavailable,
    sqlite3.DatabaseError: store_unavailable,
    ChainBroken: store_unavailable,
    InvalidDate: bad_parameter,
    BadParameter: bad_parameter,
    BadBody: bad_body,
    NotCaughtUp: not_caught_up,
    BeyondHead: beyond_head,
    ValidationException: validation_error,
    HTTPException: http_error,
    Exception: server_error,
}
