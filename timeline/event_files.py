"""Reading event files (JSON or JSON Lines) for `timeline append` and the drop folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec

from events.envelope import AppendResult
from events.errors import FieldProblem, InvalidEvent
from events.reference import Reference
from events.store import EventStore
from events.submissions import prepare

# msgspec raises UnicodeDecodeError for bytes that are not UTF-8 inside a string and
# RecursionError past ~1000 levels of nesting, besides DecodeError for everything else.
NOT_JSON = (msgspec.DecodeError, UnicodeDecodeError, RecursionError)


def read_event_file(path: str | Path) -> tuple[list[Any], list[str], list[FieldProblem]]:
    """The items of a JSON file (one object or an array) or a JSON Lines file, each with a
    label `file:line` (JSON Lines) or `file:$[i]` (JSON) for messages, and the lines that
    are not valid JSON."""
    path = Path(path)
    return read_event_bytes(path.read_bytes(), path.name)


def read_event_bytes(raw: bytes, name: str) -> tuple[list[Any], list[str], list[FieldProblem]]:
    """`read_event_file` on bytes already read; `name`'s suffix says JSON or JSON Lines."""
    if Path(name).suffix.lower() in {".jsonl", ".ndjson"}:
        return _read_lines(raw, name)
    try:
        data = msgspec.json.decode(raw)
    except NOT_JSON as e:
        return [], [], [FieldProblem(f"{name}:{_line_of(raw, e)}", f"not valid JSON: {_reason(e)}")]
    if isinstance(data, list):
        return data, [f"{name}:$[{i}]" for i in range(len(data))], []
    return [data], [f"{name}:$"], []


def _read_lines(raw: bytes, name: str) -> tuple[list[Any], list[str], list[FieldProblem]]:
    items, labels, problems = [], [], []
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append(msgspec.json.decode(line))
            labels.append(f"{name}:{number}:$")
        except NOT_JSON as e:
            problems.append(FieldProblem(f"{name}:{number}", f"not valid JSON: {_reason(e)}"))
    return items, labels, problems


def _reason(error: Exception) -> str:
    return "nested too deeply" if isinstance(error, RecursionError) else str(error)


def _line_of(raw: bytes, error: Exception) -> int:
    """Line number of a decode error that names a byte offset ('... at byte 42')."""
    text = str(error)
    if "byte " in text:
        try:
            offset = int(text.rsplit("byte ", 1)[1].split()[0].rstrip(")."))
            return raw.count(b"\n", 0, offset) + 1
        except ValueError:
            pass
    return 1


def append_file(store: EventStore, path: str | Path, *, idempotency_key: str | None = None) -> AppendResult:
    """Validate every event in the file, then append them all in one transaction."""
    path = Path(path)
    return append_bytes(store, path.read_bytes(), path.name, idempotency_key=idempotency_key)


def append_bytes(
    store: EventStore, raw: bytes, name: str, *, idempotency_key: str | None = None
) -> AppendResult:
    """`append_file` on the bytes of a file called `name`."""
    items, labels, problems = read_event_bytes(raw, name)
    if not items and not problems:
        raise InvalidEvent([FieldProblem(name, "the file holds no events")])
    prepared = prepare(
        items,
        Reference(store.db),
        store,
        paths=labels,
        idempotency_key=idempotency_key,
        problems=problems,
    )
    return store.append(prepared, idempotency_key=idempotency_key)
