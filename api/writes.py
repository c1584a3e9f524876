"""Writing to the log for the API: a batch of events, or a correction or retraction of one.

A write is validated in full by `events.submissions.prepare` (the same judge as the CLI and
seed loading), appended in one transaction, and answered 201 with the new positions. These
functions run in a worker thread, on that thread's own connection.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, Response
from litestar.params import HeaderParameter

from api.bodies import CorrectionBody, RetractionBody, convert_body
from api.context import Api
from api.eventlog import normal_id
from api.links import event_url
from api.models import WriteResult
from events.errors import FieldProblem, InvalidEvent
from events.submissions import check_writer_key, prepare
from events.types import Milestone

IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        pattern=r"^[!-~]{1,200}$",  # visible ASCII only: nothing that could split a header
        max_length=200,
        description="Retrying a write with the same key appends nothing and answers as the first "
        "time; reusing a key for a different request is a 409.",
    ),
]


def _append(api: Api, items: list[Any], paths: list[str], key: str | None, base: str) -> WriteResult:
    check_writer_key(key)
    store = api.store()
    prepared = prepare(items, api.views.state().reference, store, paths=paths, idempotency_key=key)
    result = store.append(prepared, idempotency_key=key)
    api.views.invalidate()
    return WriteResult(
        first_position=result.first_position,
        last_position=result.last_position,
        positions=list(range(result.first_position, result.last_position + 1)),
        event_ids=result.event_ids,
        urls=[event_url(base, event_id) for event_id in result.event_ids],
        replayed=result.replayed,
    )


def append_body(api: Api, body: Any, key: str | None, base: str) -> WriteResult:
    """`POST /events`: one event (an object) or a batch (an array), all or nothing."""
    if isinstance(body, list):
        if not body:
            raise InvalidEvent([FieldProblem("$", "The batch is empty: send at least one event")])
        return _append(api, body, [f"$[{i}]" for i in range(len(body))], key, base)
    if isinstance(body, dict):
        return _append(api, [body], ["$"], key, base)
    raise InvalidEvent([FieldProblem("$", "Expected an event object or an array of them")])


_AMENDMENTS: dict[str, tuple[type[msgspec.Struct], str, str]] = {
    "correction": (CorrectionBody, "milestone_corrected", "corrects"),
    "retraction": (RetractionBody, "milestone_retracted", "retracts"),
}


def amend(api: Api, event_id: str, kind: str, body: Any, key: str | None, base: str) -> WriteResult:
    """A correction or retraction of `event_id`, with problems addressed in the body's terms."""
    target = api.store().get(normal_id(event_id))  # 404 for an unknown event
    if not isinstance(target.event, Milestone):
        problem = f"Event {event_id!r} is a {target.type}, not a milestone: amend the milestone itself"
        raise InvalidEvent([FieldProblem("event_id", problem)])
    shape, tag, field = _AMENDMENTS[kind]
    fields = msgspec.to_builtins(convert_body(body, shape))
    expected = fields.pop("expected_version", None)
    item: dict[str, Any] = {
        "event": {"type": tag, field: str(target.event_id), **fields},
        "stream": target.stream,
    }
    if expected is not None:
        item["expected_version"] = expected
    try:
        return _append(api, [item], ["$"], key, base)
    except InvalidEvent as e:  # `$.event.changes.x` is `$.changes.x` in the body that was sent
        raise InvalidEvent(
            [FieldProblem(p.path.replace("$.event", "$", 1), p.message) for p in e.problems]
        ) from None


def created(request: Request, result: WriteResult) -> Response[WriteResult]:
    """201 with what was written; a scheduler in this process is nudged to catch the views up."""
    scheduler = request.app.state.get("scheduler")
    if scheduler is not None and hasattr(scheduler, "nudge"):
        scheduler.nudge()
        scheduler.nudge("webhooks")
    live = request.app.state.get("live")
    if live is not None:
        live.poke()  # stream clients of this process hear of it without waiting for a poll
    headers = {"Cache-Control": "no-store"}
    if len(result.urls) == 1:
        headers["Location"] = result.urls[0]
    if result.replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(result, status_code=201, headers=headers)
