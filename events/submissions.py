"""Incoming events: decode what a writer sent, check it against the catalogues and the log.

The CLI (`timeline append`), the HTTP API (`POST /events`) and seed loading all go through
`prepare`, so an event is judged the same way wherever it comes from. Everything is checked
before anything is written, and every problem is reported with the path of its field.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from uuid import UUID

import msgspec
from msgspec import Meta

from events.dates import parse_edtf
from events.envelope import NewEvent
from events.errors import FieldProblem, InvalidEvent, UnknownReference, field_problem
from events.reference import Reference
from events.store import EventStore
from events.text import text_problems
from events.types import (
    UNCORRECTABLE,
    Amendment,
    CatalogueEvent,
    Event,
    MetricReported,
    Milestone,
    MilestoneCorrected,
    PilotDesignated,
    RegionDefined,
    ReviewDecision,
    SourceDated,
    WebhookEvent,
    tag_of,
)

StreamName = Annotated[str, Meta(pattern=r"^[a-z0-9][a-z0-9:._-]{0,127}$")]


class Submission(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One event as a writer submits it. `stream` defaults to `milestone-<event_id>` for a new
    milestone and to the amended event's stream for a correction or retraction."""

    event: Event
    stream: StreamName | None = None
    expected_version: Annotated[int, Meta(ge=0)] | None = None
    event_id: UUID | None = None


IDEMPOTENT_IDS = UUID("6f1d3c2e-5a4b-4f8e-9c7d-2b1a0e9f8d7c")


def decode_item(item: Any, path: str) -> tuple[Submission, str]:
    """Turn one decoded JSON value into a Submission and the path of its event.

    A bare event (an object with `type`) is accepted as a Submission with defaults."""
    bare = isinstance(item, dict) and "type" in item and "event" not in item
    try:
        submission = msgspec.convert({"event": item} if bare else item, type=Submission)
    except msgspec.ValidationError as e:
        problem = field_problem(str(e))
        where = problem.path[1:]
        if bare and where.startswith(".event"):
            where = where[len(".event") :]
        raise InvalidEvent([FieldProblem(path + where, problem.message)]) from None
    event_path = path if bare else f"{path}.event"
    # Stored events tolerate unknown fields (schema evolution); incoming ones must not lose a
    # misspelt field silently.
    raw_event = item if bare else item.get("event") if isinstance(item, dict) else None
    if isinstance(raw_event, dict):
        known = {"type", *type(submission.event).__struct_fields__}
        unknown = sorted(k for k in raw_event if k not in known)
        if unknown:
            raise InvalidEvent(
                [
                    FieldProblem(f"{event_path}.{key}", f"Object contains unknown field `{key}`")
                    for key in unknown
                ]
            )
    return submission, event_path


DROP_KEY_PREFIX = "drop:"  # the drop folder keys files by content hash; no other writer may


def check_writer_key(key: str | None, field: str = "Idempotency-Key") -> None:
    """Refuse a writer's idempotency key in the drop folder's namespace (it could pre-empt a file)."""
    if key is not None and key.startswith(DROP_KEY_PREFIX):
        reason = f"keys starting with {DROP_KEY_PREFIX!r} are reserved for the drop folder"
        raise InvalidEvent([FieldProblem(field, reason)])


def prepare(
    items: list[Any],
    reference: Reference,
    store: EventStore,
    *,
    paths: list[str] | None = None,
    idempotency_key: str | None = None,
    problems: list[FieldProblem] | None = None,
) -> list[NewEvent]:
    """Validate every item fully and return what to append, or raise InvalidEvent listing all
    problems (with any `problems` found earlier, such as lines that were not JSON).

    `paths` names each item in messages (default `$[i]`; the CLI passes `file:line`). With an
    idempotency key, generated event ids derive from it, so a retry is the same request.
    """
    problems = list(problems or [])
    reference = reference.overlay()  # entries the batch defines, for the items after them
    prepared: list[NewEvent] = []
    batch_ids: dict[str, tuple[Milestone, str]] = {}  # milestones of this batch and their streams
    given: set[str] = set()  # event ids written in this batch
    failed: set[str] = set()  # ids of invalid items, so amendments of them say so
    for index, item in enumerate(items):
        path = paths[index] if paths else f"$[{index}]"
        try:
            submission, event_path = decode_item(item, path)
        except InvalidEvent as e:
            problems.extend(e.problems)
            continue
        event_id = submission.event_id or (
            uuid.uuid5(IDEMPOTENT_IDS, f"{idempotency_key}:{index}") if idempotency_key else uuid.uuid4()
        )
        if str(event_id) in given:
            problems.append(
                FieldProblem(f"{path}.event_id", f"Event id {str(event_id)!r} is given twice in this batch")
            )
            continue
        given.add(str(event_id))
        found = (
            [
                FieldProblem(
                    f"{event_path}.{_target_field(submission.event)}",
                    "amends an event of this batch that is itself invalid",
                )
            ]
            if _target_id(submission.event) in failed
            else _check(submission, reference, store, path, event_path, batch_ids)
        )
        problems.extend(found)
        if found:
            failed.add(str(event_id))
            continue
        stream = submission.stream or _default_stream(submission, event_id, store, batch_ids)
        if isinstance(submission.event, Milestone):
            batch_ids[str(event_id)] = (submission.event, stream)
        elif isinstance(submission.event, CatalogueEvent):
            reference.stage(submission.event.entry)
        prepared.append(
            NewEvent(
                stream=stream,
                event=submission.event,
                expected_version=_default_expected(submission),
                event_id=event_id,
            )
        )
    if problems:
        raise InvalidEvent(problems)
    return prepared


def _target_field(event: Event) -> str:
    return "corrects" if isinstance(event, MilestoneCorrected) else "retracts"


def _target_id(event: Event) -> str | None:
    return str(getattr(event, _target_field(event))) if isinstance(event, Amendment) else None


def _default_stream(
    submission: Submission, event_id: UUID, store: EventStore, batch_ids: dict[str, tuple[Milestone, str]]
) -> str:
    event = submission.event
    if isinstance(event, CatalogueEvent | ReviewDecision):
        return event.stream
    if isinstance(event, SourceDated):
        return f"source-{event.document}"
    target = _target_id(event)
    if target is None:
        return f"milestone-{event_id}"
    if target in batch_ids:  # a milestone of this same batch
        return batch_ids[target][1]
    return store.get(target).stream


def _default_expected(submission: Submission) -> int | None:
    if submission.expected_version is not None:
        return submission.expected_version
    # A new milestone opens a new stream; anything else appends after whatever is there.
    return 0 if submission.stream is None and isinstance(submission.event, Milestone) else None


def _check(
    submission: Submission,
    reference: Reference,
    store: EventStore,
    path: str,
    event_path: str,
    batch_ids: dict[str, tuple[Milestone, str]],
) -> list[FieldProblem]:
    event = submission.event
    if isinstance(event, WebhookEvent):
        message = "Webhook subscriptions are made with POST /webhooks, not appended as events"
        return [FieldProblem(f"{event_path}.type", message)]
    # A correction's `changes` are judged as the fields they become (in `_check_amendment`); an
    # archived document's `text` is a document, not a field.
    shown = {f: getattr(event, f) for f in event.__struct_fields__ if f not in ("changes", "text")}
    problems = text_problems(shown, event_path)
    problems += [
        FieldProblem(f"{event_path}.sources[{i}].document", f"No source {s.document!r}")
        for i, s in enumerate(event.sources)
        if not reference.contains("source", s.document)
    ]
    if isinstance(event, Milestone):
        problems += check_milestone(event, reference, event_path)
    elif isinstance(event, CatalogueEvent):
        problems += _check_definition(event, submission, reference, path, event_path)
    elif isinstance(event, ReviewDecision):
        problems += _check_decision(event, submission, store, path, event_path, batch_ids)
    elif isinstance(event, SourceDated):
        if not reference.contains("source", event.document):
            problems.append(FieldProblem(f"{event_path}.document", f"No source {event.document!r}"))
    else:
        problems += _check_amendment(event, submission, reference, store, path, event_path, batch_ids)
    return problems


def check_milestone(event: Milestone, reference: Reference, path: str) -> list[FieldProblem]:
    """Region codes, programme slugs and statuses must exist in the catalogues."""
    problems = [
        FieldProblem(f"{path}.{role}[{i}]", f"No region with code {code!r}")
        for role in ("regions", "participants", "issuers")
        for i, code in enumerate(getattr(event, role))
        if not reference.contains("region", code)
    ]
    problems += [
        FieldProblem(f"{path}.programmes[{i}]", f"No programme {slug!r}")
        for i, slug in enumerate(event.programmes)
        if not reference.contains("programme", slug)
    ]
    if isinstance(event, MetricReported):
        problems += _check_reported_period(event, reference, path)
    if isinstance(event, PilotDesignated) and not problems:
        for slug in event.programmes:
            statuses = reference.programme(slug).statuses
            if event.status not in statuses:
                problems.append(
                    FieldProblem(
                        f"{path}.status",
                        f"Status {event.status!r} is not one of programme {slug!r}: {list(statuses)}",
                    )
                )
    return problems


def _check_definition(
    event: CatalogueEvent, submission: Submission, reference: Reference, path: str, event_path: str
) -> list[FieldProblem]:
    """A definition goes to its entry's stream; a region's parent must be defined (before it,
    when in the same batch)."""
    problems = []
    if submission.stream is not None and submission.stream != event.stream:
        problems.append(
            FieldProblem(f"{path}.stream", f"A {event.KIND} definition goes to stream {event.stream!r}")
        )
    if isinstance(event, RegionDefined) and event.region.parent is not None:
        parent = event.region.parent
        if parent == event.region.code:
            problems.append(FieldProblem(f"{event_path}.region.parent", "A region cannot be its own parent"))
        elif not reference.contains("region", parent):
            problems.append(
                FieldProblem(
                    f"{event_path}.region.parent",
                    f"No parent region {parent!r} (a parent is defined before its children)",
                )
            )
    return problems


def _check_decision(
    event: ReviewDecision,
    submission: Submission,
    store: EventStore,
    path: str,
    event_path: str,
    batch_ids: dict[str, tuple[Milestone, str]],
) -> list[FieldProblem]:
    """A decision goes to its source's review stream; an acceptance names a milestone that is in
    the log or earlier in the batch."""
    problems = []
    if submission.stream is not None and submission.stream != event.stream:
        problems.append(FieldProblem(f"{path}.stream", f"A review decision goes to stream {event.stream!r}"))
    target = getattr(event, "event_id", None)
    if target is not None and str(target) not in batch_ids:
        try:
            recorded = store.get(target)
        except UnknownReference:
            return [*problems, FieldProblem(f"{event_path}.event_id", f"No event {str(target)!r}")]
        if not isinstance(recorded.event, Milestone):
            problems.append(
                FieldProblem(f"{event_path}.event_id", f"Event {str(target)!r} is not a milestone")
            )
    return problems


def _check_reported_period(event: MetricReported, reference: Reference, path: str) -> list[FieldProblem]:
    """A figure cannot describe time after the last of its sources was published: that is a
    target (`target_set`), not a report. A publication date the curators doubt (`?` or `~`)
    proves nothing either way: such a figure is rather evidence against the printed date."""
    published = [
        parse_edtf(reference.source(s.document).published)
        for s in event.sources
        if reference.contains("source", s.document)
    ]
    if any(day.uncertain or day.approximate for day in published):
        return []
    known = [day.latest for day in published if day.latest is not None]
    ends = parse_edtf(event.period).latest
    if not known or ends is None or ends <= max(known):
        return []
    return [
        FieldProblem(
            f"{path}.period",
            f"The period ends {ends.isoformat()}, after its source was published ({max(known).isoformat()}): "
            "a figure for time not yet past is a target; record it as `target_set` with a `deadline`",
        )
    ]


def _check_amendment(
    event: Amendment,
    submission: Submission,
    reference: Reference,
    store: EventStore,
    path: str,
    event_path: str,
    batch_ids: dict[str, tuple[Milestone, str]],
) -> list[FieldProblem]:
    field = _target_field(event)
    target_id = str(getattr(event, field))
    target, target_stream = batch_ids.get(target_id, (None, None))
    if target is None:
        try:
            recorded = store.get(target_id)
        except UnknownReference:
            return [FieldProblem(f"{event_path}.{field}", f"No event {target_id!r}")]
        if not isinstance(recorded.event, Milestone):
            return [
                FieldProblem(
                    f"{event_path}.{field}",
                    f"Event {target_id!r} is a {recorded.type}, not a milestone",
                )
            ]
        target, target_stream = recorded.event, recorded.stream
    problems = []
    if submission.stream is not None and target_stream and submission.stream != target_stream:
        problems.append(
            FieldProblem(
                f"{path}.stream",
                f"An amendment goes to the stream of the event it amends ({target_stream!r})",
            )
        )
    if isinstance(event, MilestoneCorrected):
        corrected, found = apply_changes(target, event.changes, f"{event_path}.changes")
        problems += found
        if corrected is not None:
            problems += check_milestone(corrected, reference, f"{event_path}.changes")
            changed = {key: getattr(corrected, key) for key in event.changes}
            problems += text_problems(changed, f"{event_path}.changes")
    return problems


def apply_changes(
    target: Milestone, changes: dict[str, Any], path: str
) -> tuple[Milestone | None, list[FieldProblem]]:
    """The milestone with `changes` applied and validated as its own type, or the problems."""
    fields = set(target.__struct_fields__) - UNCORRECTABLE
    unknown = [key for key in changes if key not in fields]
    if unknown:
        return None, [
            FieldProblem(f"{path}.{key}", f"{tag_of(target)} has no correctable field {key!r}")
            for key in unknown
        ]
    merged = msgspec.to_builtins(target) | changes
    try:
        return msgspec.convert(merged, type=type(target)), []
    except msgspec.ValidationError as e:
        return None, [field_problem(str(e), path)]
