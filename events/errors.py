"""Errors raised by the core, each a type so the API and CLI can map it in one place.

TimelineError
├── InvalidDate           (also ValueError)   an EDTF string that is malformed or impossible
├── InvalidEvent          (also ValueError)   an event that fails validation, with the path of each bad field
├── UnknownReference      (also LookupError)  a region, programme, source or event that does not exist
├── ConcurrencyError                          a stale expected stream version
├── DuplicateEventId                          an event id the log already holds
├── IdempotencyConflict                       an idempotency key reused for a different request
├── ChainBroken                               the hash chain does not verify at a position
│   └── DamagedEvent                          a stored row that no longer decodes
└── StoreUnavailable                          the database file is missing, damaged or not writable
"""

from __future__ import annotations

import re


class TimelineError(Exception):
    """Base of every error the project raises on purpose."""


class InvalidDate(TimelineError, ValueError):
    def __init__(self, text: str, reason: str) -> None:
        self.text = text
        self.reason = reason
        super().__init__(f"Invalid EDTF date {text!r}: {reason}")


class FieldProblem(TimelineError):
    """One problem with one field, addressed by a JSON path such as `$[2].regions[0]`."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(f"{message} - at `{path}`")


_AT = re.compile(r" - at `\$(.*)`$")
_NAMED = re.compile(r"^`(\w+)`: ")  # checks in __post_init__ name their field in front
_MISSING = re.compile(r"^Object missing required field `(\w+)`")


def field_problem(message: str, path: str = "$") -> FieldProblem:
    """A msgspec validation message as a problem at the path of the field it is about,
    under `path`: its ` - at `$.x`` suffix, a missing field's name, or a check's named field."""
    match = _AT.search(message)
    where = match.group(1) if match else ""
    message = _AT.sub("", message)
    named = _NAMED.match(message) or _MISSING.match(message)
    if named:
        where = f"{where}.{named.group(1)}"
        message = message[named.end() :] if named.re is _NAMED else message
    return FieldProblem(path + where, message)


class InvalidEvent(TimelineError, ValueError):
    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = problems
        listed = "; ".join(str(p) for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(f"{len(problems)} invalid field(s): {listed}{more}")


class UnknownReference(TimelineError, LookupError):
    def __init__(self, kind: str, key: str) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"No {kind} {key!r}")


class ConcurrencyError(TimelineError):
    def __init__(self, stream: str, expected: int, current: int) -> None:
        self.stream = stream
        self.expected = expected
        self.current = current
        super().__init__(f"Stream {stream!r} is at version {current}, not the expected version {expected}")


class DuplicateEventId(TimelineError):
    def __init__(self, event_id: str) -> None:
        self.event_id = event_id
        super().__init__(f"The log already holds an event with id {event_id!r}")


class IdempotencyConflict(TimelineError):
    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"Idempotency key {key!r} was already used for a different request")


class LogInconsistent(TimelineError):
    """What the server showed contradicts what it showed before, or its own proofs (`timeline audit`)."""


class ChainBroken(TimelineError):
    def __init__(self, position: int, reason: str) -> None:
        self.position = position
        self.reason = reason
        super().__init__(f"Hash chain broken at position {position}: {reason}")


class DamagedEvent(ChainBroken):
    """A row that cannot be read back as an event: its bytes were changed behind the log's back."""

    def __init__(self, position: int, reason: str) -> None:
        super().__init__(position, f"the stored event does not decode ({reason}); run `timeline verify`")


class StoreUnavailable(TimelineError):
    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"Cannot use the event log at {path}: {reason}")
