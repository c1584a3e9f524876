"""Hostile requests: how a case is sent (raw header bytes, chunked bodies), what its answer must
be (the documented RFC 9457 problem, no injected header), and the app they are sent to.

The cases are in `tests.faults.hostile_cases`, shared by `tests/test_hostile_input.py` and
`bench/faults.py`. A case with `known_bug` says what the API does instead today; the tests run
it as a strict xfail, so the suite stays green and flips when the bug is fixed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import msgspec
from litestar.testing import TestClient

from events.envelope import NewEvent
from events.reference import Reference
from events.store import EventStore
from tests.conftest import PROGRAMMES, REGIONS, SOURCES, milestone, new
from timeline.settings import Settings, load_settings

TOKEN = "hostile-test-token-5f3c9a"
PROBLEM = "application/problem+json"
LIMIT = 64 * 1024  # max_body_bytes of the app under test
UNKNOWN_ID = "7d9b2f4e-0c1a-4e5b-9f3d-2a6c8e1b0d47"
KNOWN_ID = "3c1e9a7b-5d2f-4b8e-a6c4-0f9d1e2b3a58"  # a milestone the app under test holds

Headers = tuple[tuple[bytes, bytes], ...]


class Case(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    status: int
    method: str = "POST"
    path: str = "/events"
    body: bytes | None = None
    headers: Headers = ()
    auth: bool = True
    media_type: bytes | None = b"application/json"
    chunked: bool = False
    known_bug: str | None = None


def event(**changes: Any) -> dict[str, Any]:
    """A valid milestone for the test catalogues, with `changes` applied (None removes a field)."""
    data: dict[str, Any] = {
        "type": "meeting_held",
        "occurred": "2021-05-07",
        "regions": ["140781"],
        "title": {"zh": "会议", "en": "A meeting"},
        "summary": {"zh": "召开了会议。", "en": "A meeting was held."},
        "sources": [{"document": "test-doc", "locator": "para 1"}],
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def dumps(value: Any) -> bytes:
    return json.dumps(value).encode()


def _chunks(body: bytes) -> Iterator[bytes]:
    for start in range(0, len(body), 8192):
        yield body[start : start + 8192]


def send(client: TestClient, case: Case) -> Any:
    """Send the case as it is written: raw header bytes (CR/LF included), chunked if asked."""
    headers: list[tuple[bytes, bytes]] = list(case.headers)
    if case.auth:
        headers.append((b"authorization", f"Bearer {TOKEN}".encode()))
    if case.media_type is not None:
        headers.append((b"content-type", case.media_type))
    content: Any = case.body
    if case.chunked and case.body is not None:
        content = _chunks(case.body)
    return client.request(case.method, case.path, content=content, headers=headers)


def problems_with(response: Any, case: Case) -> list[str]:
    """What is wrong with the answer to `case` (empty when it is the documented problem)."""
    found = []
    if response.status_code != case.status:
        found.append(f"status {response.status_code}, not {case.status}: {response.text[:300]}")
    if response.headers.get("content-type") != PROBLEM:
        found.append(f"content-type {response.headers.get('content-type')!r}")
    else:
        body = response.json()
        if (
            not {"type", "title", "status", "detail", "instance"} <= set(body)
            or body["status"] != case.status
        ):
            found.append(f"not an RFC 9457 problem for {case.status}: {body}")
    for name, value in response.headers.raw:
        if b"\r" in value or b"\n" in value or name.lower() in (b"x-injected", b"set-cookie"):
            found.append(f"header injected: {name!r}: {value!r}")
    if case.status == 401 and "www-authenticate" not in response.headers:
        found.append("401 without WWW-Authenticate")
    return found


def make_app_db(path: Path) -> None:
    """The catalogues, five milestones and one with the known id `KNOWN_ID`."""
    store = EventStore.open(path)
    reference = Reference(store.db)
    reference.ensure_schema()
    reference.upsert([*REGIONS, *PROGRAMMES, *SOURCES])
    store.append([new(f"m{i}", 0, occurred=f"2021-0{i + 1}") for i in range(5)])
    store.append([NewEvent(stream="known", event=milestone(), expected_version=0, event_id=UUID(KNOWN_ID))])
    store.close()


def app_settings(path: Path) -> Settings:
    return load_settings(environ={}, db=str(path), tokens=[TOKEN], max_body_bytes=LIMIT, scheduler=False)
