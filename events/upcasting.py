"""Upcasting: read an event stored under an older schema version as the current one.

Each step is an explicit function from the payload of version N to version N+1, registered for
one event type. Stored rows are never rewritten; the step runs on read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from events.types import TYPES_BY_TAG, Event

Payload = dict[str, Any]
Upcaster = Callable[[Payload], Payload]

_STEPS: dict[tuple[str, int], Upcaster] = {}


def current_version(type_: str) -> int:
    return TYPES_BY_TAG[type_].SCHEMA_VERSION


def register_upcaster(type_: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
    """Decorator: `fn` turns a `type_` payload of `from_version` into `from_version + 1`."""

    def wrap(fn: Upcaster) -> Upcaster:
        _STEPS[(type_, from_version)] = fn
        return fn

    return wrap


def unregister_upcaster(type_: str, from_version: int) -> None:
    _STEPS.pop((type_, from_version), None)


def upcast(type_: str, schema_version: int, payload: str | bytes) -> Event:
    """Decode a stored payload of an older schema version through each registered step."""
    data: Payload = msgspec.json.decode(payload)
    version = schema_version
    target = current_version(type_)
    while version < target:
        step = _STEPS.get((type_, version))
        if step is None:
            raise LookupError(f"No upcaster for {type_!r} from schema version {version}")
        data = step(data)
        version += 1
    data["type"] = type_
    return msgspec.convert(data, type=Event)  # type: ignore[arg-type]
