"""Answering GETs: ETag from the view state and the request, 304s, a bounded cache of bodies.

A view is computed in a worker thread on that thread's own connection, encoded once with
msgspec, and kept by request (path and query) with its ETag. Until the database changes, the
same request is answered from memory; `If-None-Match` is answered with 304 without a body.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import anyio.to_thread
import msgspec
from litestar import Request, Response

from api.problems import NotCaughtUp
from events.reference import Reference
from events.store import EventStore
from projections.runner import catch_up

if TYPE_CHECKING:
    from api.context import Api, ViewState

CACHE_CONTROL = "public, max-age=60"
MAX_ENTRIES = 4096
# Past this many events behind, a read serves the views as they are (their basis says so)
# instead of catching them up itself: a long rebuild belongs to the scheduler or the CLI.
INLINE_CATCH_UP = 10_000

_encode = msgspec.json.Encoder().encode


@dataclass(frozen=True, slots=True)
class Reader:
    """What a view function reads from: this thread's store and the current catalogues."""

    store: EventStore
    reference: Reference
    state: ViewState
    base_url: str


View = Callable[[Reader], Any]


class ViewCache:
    """Encoded answers by request key, each with the ETag it was computed for."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: dict[bytes, tuple[str, bytes]] = {}

    def get(self, key: bytes, etag: str) -> bytes | None:
        entry = self._entries.get(key)
        return entry[1] if entry is not None and entry[0] == etag else None

    def put(self, key: bytes, etag: str, body: bytes) -> None:
        if len(self._entries) >= self.max_entries:
            self._entries.pop(next(iter(self._entries)))  # oldest first: dicts keep order
        self._entries[key] = (etag, body)


def base_url(api: Api, request: Request) -> str:
    return api.settings.base_url.rstrip("/") if api.settings.base_url else str(request.base_url).rstrip("/")


def request_key(api: Api, request: Request) -> bytes:
    scope = request.scope
    key = scope["path"].encode() + b"?" + scope["query_string"]
    if not api.settings.base_url:  # links are built from the Host header then
        key += b"@" + (request.headers.get("host") or "").encode()
    return key


def etag_of(state: ViewState, key: bytes) -> str:
    return '"' + hashlib.blake2b(state.tag + b"#" + key, digest_size=12).hexdigest() + '"'


def matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in if_none_match.split(","))


async def current_state(api: Api, min_position: int | None = None) -> ViewState:
    """The view state, after catching the projections up if they lag (and, when asked, until
    they reflect `min_position`, bounded by `read_your_writes_timeout`)."""
    state = api.views.state()
    if 0 < state.lag <= INLINE_CATCH_UP:
        await anyio.to_thread.run_sync(_catch_up, api)
        state = api.views.state()
    if min_position is None or state.checkpoint >= min_position:
        return state
    deadline = time.monotonic() + api.settings.read_your_writes_timeout
    while state.checkpoint < min_position:
        if time.monotonic() >= deadline:
            raise NotCaughtUp(min_position, state.checkpoint, retry_after=1)
        if state.lag:
            await anyio.to_thread.run_sync(_catch_up, api)
        else:  # the position is not in the log yet (a write elsewhere is still committing)
            await anyio.sleep(0.02)
        state = api.views.state()
    return state


def _catch_up(api: Api) -> None:
    with api.catch_up_lock:  # one at a time: the next caller then finds little or nothing to do
        catch_up(api.store(), reference=api.views.state().reference)


async def respond(
    api: Api, request: Request, view: View, *, min_position: int | None = None, cache: bool = True
) -> Response[Any]:
    """Answer a GET with the view's JSON, its ETag and Cache-Control, or 304."""
    state = await current_state(api, min_position)
    key = request_key(api, request)
    etag = etag_of(state, key)
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL if cache else "no-cache"}
    if matches(request.headers.get("if-none-match"), etag):
        return Response(b"", status_code=304, headers=headers)
    body = api.cache.get(key, etag)
    if body is None:
        url = base_url(api, request)
        body = await anyio.to_thread.run_sync(_compute, api, state, url, view)
        api.cache.put(key, etag, body)
    return Response(body, media_type="application/json", headers=headers)


def _compute(api: Api, state: ViewState, url: str, view: View) -> bytes:
    return _encode(view(Reader(store=api.store(), reference=state.reference, state=state, base_url=url)))
