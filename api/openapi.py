"""The OpenAPI document at /schema: configuration, the browsable UI, and the parts Litestar
cannot infer.

The write routes read their JSON body themselves (to answer 415/413/400/422 with problems of
their own), so their request bodies are described here from msgspec's JSON Schema of the event
types. msgspec's schemas of the event Structs also replace Litestar's, which lose the string
patterns and describe `tuple[X, ...]` as `oneOf: [X, {}]` (never valid for an X).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import msgspec
from litestar import Request, Response, Router
from litestar.datastructures import ResponseHeader
from litestar.enums import MediaType
from litestar.exceptions import NotFoundException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.plugins import JsonRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, Example, SecurityScheme, Tag
from litestar.static_files import create_static_files_router

from api import examples
from api.bodies import CorrectionBody, RetractionBody
from api.encoding import ENCODED
from api.models import WriteResult
from api.problems import PROBLEM_JSON, Problem
from events.dates import EDTF_PATTERN
from events.submissions import Submission
from events.types import MILESTONE_TYPES, UNCORRECTABLE, WEBHOOK_TYPES, Event
from events.webhooks import SubscriptionRequest

ASSETS = "/schema/assets"
DESCRIPTION = """\
An append-only log of public-health reform milestones (meetings, pilot designations,
incentives, ratings, policies...) in Chinese regions, and what follows from it: per-region
timelines, programme status on any day, and the same views as known at an earlier point of the
log. Dates are EDTF strings with the interval of days they may denote; times are RFC 3339 UTC.

Reads are public and cacheable (`ETag`, `If-None-Match`, `Cache-Control`); writes need a bearer
token. Every error is an RFC 9457 problem document (`application/problem+json`).
"""

READ_HEADERS = [
    ResponseHeader(
        name="ETag",
        documentation_only=True,
        description="Changes when the log, the views or the catalogues change; send it back in "
        "`If-None-Match` for a 304.",
    ),
    ResponseHeader(name="Cache-Control", documentation_only=True, description="`public, max-age=60`"),
]


_PROBLEMS = {
    400: "Malformed JSON, or an invalid parameter (a day that does not exist, a negative limit...)",
    401: "No valid bearer token (the body is not read)",
    404: "Unknown region, programme, event or source",
    409: "Stale expected version (the problem names the current one), a reused idempotency key or "
    "event id, or a `min_position` beyond the log's head",
    413: "Request body over the configured limit",
    415: "Writes need `Content-Type: application/json`",
    422: "Invalid fields: `errors` lists the JSON path and message of each",
    503: "The views did not reach `min_position` in time (see Retry-After), or the log refuses writes",
}


def _examples(value: Any) -> list[Example] | None:
    return None if value is None else [Example(summary="Example", value=value)]


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI entries for the problem documents a route may answer with."""
    return {
        status: ResponseSpec(
            data_container=Problem,
            description=_PROBLEMS[status],
            media_type=PROBLEM_JSON,
            generate_examples=False,
            examples=_examples(examples.PROBLEM if status == 404 else None),
        )
        for status in statuses
    }


def read_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """304 and the problems a read route may answer with (400 always: Litestar documents its
    own, non-problem 400 for any route with parameters otherwise)."""
    not_modified = ResponseSpec(
        data_container=None, description="Not modified: `If-None-Match` named the current ETag"
    )
    return {304: not_modified, **problem_responses(400, *statuses)}


def answers(model: Any, *statuses: int, example: Any = None) -> dict[int, ResponseSpec]:
    """`read_responses` plus the 200 body, for routes returning a bare ASGIResponse."""
    ok = ResponseSpec(
        data_container=model, description="OK", generate_examples=False, examples=_examples(example)
    )
    return {200: ok, **read_responses(*statuses)}


def write_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """201 with what was appended, and the problems a write may answer with."""
    created = ResponseSpec(
        data_container=WriteResult,
        description="Appended (or, for a repeated Idempotency-Key, appended before)",
        generate_examples=False,
        examples=_examples(examples.WRITE),
    )
    return {201: created, **problem_responses(*statuses)}


@cache
def _request_bodies() -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Request body per write route (path template), and the component schemas they use."""
    from api.curation import RejectBody, SourceUpload  # it documents its routes with this module

    shapes = [
        Submission,
        Event,
        CorrectionBody,
        RetractionBody,
        SourceUpload,
        RejectBody,
        SubscriptionRequest,
    ]
    (submission, event, correction, retraction, upload, rejection, subscription), components = (
        msgspec.json.schema_components(shapes, ref_template="#/components/schemas/{name}")
    )
    # Webhook subscriptions come only through POST /webhooks: never document them as events.
    hidden = {cls.__name__ for cls in WEBHOOK_TYPES}
    for node in (event, components["Submission"]["properties"]["event"]):
        node["anyOf"] = [o for o in node["anyOf"] if o["$ref"].rsplit("/", 1)[-1] not in hidden]
        mapping = node.get("discriminator", {}).get("mapping", {})
        for tag in [t for t, ref in mapping.items() if ref.rsplit("/", 1)[-1] in hidden]:
            del mapping[tag]
    for name in hidden:
        components.pop(name, None)
    # A document comes as exactly one of its text or its file's bytes (null counts as absent).
    components["SourceUpload"]["oneOf"] = [
        {"required": [name], "properties": {name: {"type": "string"}}} for name in ("text", "content_base64")
    ]
    # `changes` names fields of the milestone types (which ones depends on the target's type).
    correctable = sorted(set().union(*(t.__struct_fields__ for t in MILESTONE_TYPES)) - UNCORRECTABLE)
    changes = components["CorrectionBody"]["properties"]["changes"]
    changes["propertyNames"] = {"enum": correctable}
    one = {"anyOf": [event, submission]}
    batch = {"anyOf": [one, {"type": "array", "minItems": 1, "items": one}]}
    bodies = {
        "/events": _json_body(
            batch,
            "One event, or a batch (all or nothing). An item is a bare event, or "
            "`{event, stream, expected_version, event_id}` to state the stream version expected.",
            {"one": examples.EVENT, "batch": [{"event": examples.EVENT, "expected_version": 0}]},
        ),
        "/events/{event_id}/corrections": _json_body(
            correction, "The fields to change, why, and the source.", {"correction": examples.CORRECTION}
        ),
        "/events/{event_id}/retractions": _json_body(
            retraction, "Why the milestone is withdrawn, and the source.", {"retraction": examples.RETRACTION}
        ),
        "/sources": _json_body(
            upload,
            "The document's text (or its file as base64) and metadata.",
            {"text": examples.SOURCE_UPLOAD},
        ),
        "/sources/{source_id}/candidates/{candidate_id}/accept": _json_body(
            event,
            "The edited event (optional: without a body the candidate's draft is appended).",
            {"edited": examples.EVENT},
            required=False,
        ),
        "/sources/{source_id}/candidates/{candidate_id}/reject": _json_body(
            rejection, "Why the candidate is not a milestone.", {"reason": {"reason": "考核结果未公示"}}
        ),
        "/webhooks": _json_body(
            subscription,
            "Where to POST changes and which ones (regions include the regions below them).",
            {"subscription": examples.SUBSCRIPTION},
        ),
    }
    return bodies, components


def _json_body(
    schema: dict[str, Any], description: str, examples: dict[str, Any], *, required: bool = True
) -> dict[str, Any]:
    return {
        "required": required,
        "description": description,
        "content": {
            "application/json": {
                "schema": schema,
                "examples": {name: {"value": value} for name, value in examples.items()},
            }
        },
    }


def _drop_catch_all(node: Any) -> None:
    """`oneOf: [X, {}]` (Litestar's `tuple[X, ...]`) becomes X, everywhere in the document."""
    if isinstance(node, dict):
        options = node.get("oneOf")
        if isinstance(options, list) and len(options) == 2 and {} in options:
            del node["oneOf"]
            node.update(next(option for option in options if option != {}))
        for value in node.values():
            _drop_catch_all(value)
    elif isinstance(node, list):
        for value in node:
            _drop_catch_all(value)


def _edtf_patterns(node: Any) -> None:
    """Every EDTF string says which strings it takes (msgspec's schema has only the length)."""
    if isinstance(node, dict):
        if node.get("description") == "EDTF date" and node.get("type") == "string":
            node["pattern"] = EDTF_PATTERN
        for value in node.values():
            _edtf_patterns(value)
    elif isinstance(node, list):
        for value in node:
            _edtf_patterns(value)


def finish(document: dict[str, Any]) -> dict[str, Any]:
    """Complete Litestar's document in place (idempotent): request bodies, accurate event schemas."""
    bodies, components = _request_bodies()
    document.setdefault("components", {}).setdefault("schemas", {}).update(components)
    for path, body in bodies.items():
        operation = document.get("paths", {}).get(path, {}).get("post")
        if operation is not None:
            operation["requestBody"] = body
    _drop_catch_all(document)
    _edtf_patterns(document)
    return document


class FinishedJson(JsonRenderPlugin):
    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        return super().render(request, finish(openapi_schema))


class FinishedSwagger(SwaggerRenderPlugin):
    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        return super().render(request, finish(openapi_schema))


def _swagger_assets() -> Any:
    """The folder of a Swagger UI bundled as a Python package, if one is installed."""
    try:
        from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-not-found]
    except ImportError:
        return None
    return swagger_ui_path


def docs_routes() -> list[Router]:
    """Static files of the bundled Swagger UI, so /schema works without a CDN."""
    folder = _swagger_assets()
    if folder is None:
        return []
    return [
        create_static_files_router(
            path=ASSETS, directories=[folder], include_in_schema=False, opt={ENCODED: False}
        )
    ]


async def _no_html_404(response: Response[Any]) -> Response[Any]:
    """Litestar answers an unknown path under /schema with an HTML page of its own (it returns
    it rather than raising): make it the problem document every other 404 is."""
    if response.status_code == 404 and response.media_type == MediaType.HTML:
        raise NotFoundException()
    return response


def docs_router() -> Router:
    """The router the OpenAPI pages are mounted on: compressed by Litestar's middleware (they
    are not cached by this service), and with problem documents for unknown paths."""
    return Router(
        "/schema",
        route_handlers=[],
        include_in_schema=False,
        opt={ENCODED: False},
        after_request=_no_html_404,
    )


def openapi_config(version: str) -> OpenAPIConfig:
    local = _swagger_assets() is not None
    swagger = (
        FinishedSwagger(
            path="/swagger",
            js_url=f"{ASSETS}/swagger-ui-bundle.js",
            css_url=f"{ASSETS}/swagger-ui.css",
            standalone_preset_js_url=f"{ASSETS}/swagger-ui-standalone-preset.js",
            favicon=f"<link rel='icon' type='image/png' href='{ASSETS}/favicon-32x32.png'>",
        )
        if local
        else FinishedSwagger(path="/swagger", favicon="")
    )
    return OpenAPIConfig(
        title="reform-timeline API",
        version=version,
        description=DESCRIPTION,
        path="/schema",
        openapi_router=docs_router(),
        render_plugins=[swagger, FinishedJson()],
        components=Components(
            security_schemes={
                "bearer": SecurityScheme(type="http", scheme="bearer", description="A token from `tokens`")
            }
        ),
        tags=[
            Tag(name="regions", description="The gazetteer, and each region's timeline and status"),
            Tag(name="programmes", description="Reform programmes and their member regions"),
            Tag(name="events", description="The log itself: read it in order, append to it"),
            Tag(name="sources", description="Documents the facts are cited from"),
            Tag(name="service", description="Health of the service"),
        ],
        use_handler_docstrings=True,
    )
