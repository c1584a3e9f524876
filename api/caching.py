"""Answering GETs: ETag from the view state and the request, 304s, a bounded cache of bodies.

A view is computed in a worker thread on that thread's own connection, encoded once with
msgspec, and kept by request (path and query) with its ETag. Until the database changes, the
same request is answered from memory; `If-None-Match` is answered with 304 without a body.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import anyio.to_thread
import msgspec
from litestar import Request
from litestar.datastructures import MutableScopeHeaders
from litestar.response.base import ASGIResponse
from litestar.types import Receive, Scope, Send

from api.encoding import Encoded, negotiate, variant_etag, vary
from api.errors import BadParameter, BeyondHead, NotCaughtUp
from api.replay import REPLAYABLE
from events.reference import Reference
from events.store import EventStore
from projections.models import Basis
from projections.runner import catch_up

if TYPE_CHECKING:
    from api.context import Api, ViewState

CACHE_CONTROL = "public, max-age=60"
MAX_ENTRIES = 4096
MAX_BYTES = 64 * 1024 * 1024
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
    """Answers by request key, each with the version it was computed for (an ETag, or the
    token of what it depends on) and its compressed forms; the oldest go first once there are
    `max_entries` of them or they hold `max_bytes`."""

    def __init__(
        self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES, max_entry_bytes: int | None = None
    ) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        # One huge answer would push out everything else: past this size it is not kept.
        self.max_entry_bytes = max_bytes // 8 if max_entry_bytes is None else max_entry_bytes
        self.size = 0
        self._entries: dict[bytes, tuple[str | bytes, Encoded]] = {}
        self._lock = threading.Lock()  # the widget's HTML answers are cached from worker threads

    def get(self, key: bytes, version: str | bytes) -> Encoded | None:
        entry = self._entries.get(key)
        return entry[1] if entry is not None and entry[0] == version else None

    def latest(self, key: bytes) -> Encoded | None:
        """The answer kept for `key`, whatever it was computed for."""
        entry = self._entries.get(key)
        return entry[1] if entry is not None else None

    def put(self, key: bytes, version: str | bytes, answer: Encoded | bytes) -> Encoded:
        encoded = answer if isinstance(answer, Encoded) else Encoded(answer)
        if encoded.size > self.max_entry_bytes:
            return encoded
        with self._lock:
            old = self._entries.pop(key, None)
            self.size += encoded.size - (old[1].size if old else 0)
            self._entries[key] = (version, encoded)
            encoded.owner = self
            self._trim()
        return encoded

    def grew(self, size: int) -> None:
        """A kept answer gained a compressed form of `size` bytes."""
        with self._lock:
            self.size += size
            self._trim()

    def _trim(self) -> None:
        while len(self._entries) > self.max_entries or self.size > self.max_bytes:
            key = next(iter(self._entries))  # dicts keep insertion order: the oldest
            _, dropped = self._entries.pop(key)
            dropped.owner = None
            self.size -= dropped.size


def base_url(api: Api, request: Request) -> str:
    """Where links point: `base_url` if configured, else the address the request was sent to."""
    if api.settings.base_url:
        return api.settings.base_url.rstrip("/")
    try:  # api.hosts refuses a bad Host before routing; this is the last line of defence
        return str(request.base_url).rstrip("/")
    except ValueError as e:
        raise BadParameter("Host", f"not a host name with an optional port 1-65535 ({e})") from None


def request_header(request: Request, name: bytes) -> bytes | None:
    """A request header straight from the ASGI scope (cheaper than `request.headers` per call)."""
    for key, value in request.scope["headers"]:
        if key == name:
            return value
    return None


def request_key(api: Api, request: Request) -> bytes:
    scope = request.scope
    key = scope["path"].encode() + b"?" + scope["query_string"]
    if not api.settings.base_url:  # links are built from the Host header then
        key += b"@" + (request_header(request, b"host") or b"")
    return key


def etag_of(state: ViewState, key: bytes) -> str:
    return '"' + hashlib.blake2b(state.tag + b"#" + key, digest_size=12).hexdigest() + '"'


def matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in if_none_match.split(","))


async def current_state(
    api: Api, min_position: int | None = None, state: ViewState | None = None
) -> ViewState:
    """The view state, after catching the projections up if they lag a little (and, when asked,
    until they reflect `min_position`, waiting at most `read_your_writes_timeout`)."""
    state = state or api.views.state()
    if 0 < state.lag <= INLINE_CATCH_UP:
        await anyio.to_thread.run_sync(_catch_up, api)
        state = api.views.state()
    if min_position is None or state.checkpoint >= min_position:
        return state
    if min_position > state.head:
        api.views.invalidate()  # a write another process answered a moment ago?
        state = api.views.state()
    if min_position > state.head:
        # A write is committed before it is answered, so no write handed out this position.
        raise BeyondHead(min_position, state.head)
    with anyio.move_on_after(api.settings.read_your_writes_timeout):
        while state.checkpoint < min_position:
            await anyio.to_thread.run_sync(_catch_up, api, abandon_on_cancel=True)
            state = api.views.state()
            if state.checkpoint < min_position:
                await anyio.sleep(0.02)  # another process holds the projections' write lock
        return state
    raise NotCaughtUp(min_position, state.checkpoint, retry_after=1)


def _catch_up(api: Api) -> None:
    with api.catch_up_lock:  # one at a time: the next caller then finds little or nothing to do
        catch_up(api.store(), reference=api.views.state().reference)
        api.views.invalidate()


class JSONAnswer(ASGIResponse):
    """Encoded JSON and its headers, sent as they are: a cached view costs no re-encoding and no
    per-header bookkeeping (ASGIResponse's own constructor took a fifth of a cached GET)."""

    def __init__(self, body: bytes, headers: dict[str, str], status_code: int = 200) -> None:
        # Every attribute ASGIResponse has, set directly rather than through its constructor.
        self.status_code = status_code
        self.body = body
        self.background = None
        self.content_length = len(body)
        self.encoding = "utf-8"
        self.is_head_response = False
        self._encoded_cookies = ()
        raw = [(name.encode(), value.encode()) for name, value in headers.items()]
        if status_code != 304:
            raw += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        self.headers = MutableScopeHeaders({"headers": raw})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        start = {"type": "http.response.start", "status": self.status_code, "headers": self.headers.headers}
        await send(start)  # type: ignore[arg-type]
        await send({"type": "http.response.body", "body": self.body, "more_body": False})


class ShortViews:
    """Which views run on the event loop rather than in a worker thread.

    Handing a sub-millisecond query to a thread costs about as much as the query. A view its
    route calls short runs in line while that route's recent views took under `LONG_SECONDS`
    on average (a moving average, measured in line or in a thread alike): a run of slow ones
    (a huge region, a cold page cache) sends the route to threads until it is quick again, so
    slow queries do not keep stalling every other request on the loop."""

    LONG_SECONDS = 0.002
    WEIGHT = 0.1  # of the latest view in the average: one outlier alone moves it little

    def __init__(self) -> None:
        self._average: dict[str, float] = {}

    def inline(self, route: str) -> bool:
        return self._average.get(route, 0.0) < self.LONG_SECONDS

    def took(self, route: str, seconds: float) -> None:
        average = self._average.get(route, seconds)
        self._average[route] = average + self.WEIGHT * (seconds - average)


def _timed_view(api: Api, state: ViewState, url: str, view: View, short: str) -> bytes:
    started = time.perf_counter()
    try:
        return compute_view(api, state, url, view)
    finally:
        api.short_views.took(short, time.perf_counter() - started)


async def _compute(api: Api, state: ViewState, url: str, view: View, short: str | None) -> bytes:
    if short is None:
        return await anyio.to_thread.run_sync(compute_view, api, state, url, view)
    if not api.short_views.inline(short):
        return await anyio.to_thread.run_sync(_timed_view, api, state, url, view, short)
    return _timed_view(api, state, url, view, short)


async def _cached(
    api: Api,
    request: Request,
    view: View,
    min_position: int | None,
    check: Callable[[Reference], object] | None,
    short: str | None = None,
) -> tuple[bytes | None, dict[str, str]]:
    """The view's encoded JSON (None: not modified) and the headers that go with it."""
    state = api.views.state()
    if check is not None:
        check(state.reference)
    state = await current_state(api, min_position, state)
    key = request_key(api, request)
    etag = etag_of(state, key)

    async def compute() -> bytes:
        return await _compute(api, state, base_url(api, request), view, short)

    body, headers = await serve(api, request, api.cache, key, etag, compute, {"cache-control": CACHE_CONTROL})
    if body is not None and state.lag == 0:
        request.scope[REPLAYABLE] = state.tag  # type: ignore[literal-required]  # api.replay may resend it
    return body, headers


async def serve(
    api: Api,
    request: Request,
    cache: ViewCache,
    key: bytes,
    etag: str,
    compute: Callable[[], Awaitable[bytes]],
    headers: dict[str, str],
) -> tuple[bytes | None, dict[str, str]]:
    """The answer `key` as of `etag`, in the encoding the client prefers, from the cache or
    computed once however many ask at the same time; None (and its headers) for a 304."""
    accept = _accept_encoding(request)
    entry = cache.get(key, etag)
    if entry is None:
        if_none_match = request_header(request, b"if-none-match")
        # A representation handed out before (plain or compressed) is still current.
        tag = variant_etag(etag, negotiate(accept))
        if if_none_match is not None and matches(if_none_match.decode("latin-1"), tag):
            return None, {**headers, "etag": tag, "vary": "Accept-Encoding"}
        entry = await api.flight.run((key, etag), lambda: _computed(cache, key, etag, compute))
    return await represent(request, entry, etag, headers, accept)


async def _computed(
    cache: ViewCache, key: bytes, version: str | bytes, compute: Callable[[], Awaitable[bytes]]
) -> Encoded:
    return cache.put(key, version, await compute())


def _accept_encoding(request: Request) -> str | None:
    raw = request_header(request, b"accept-encoding")
    return raw.decode("latin-1") if raw is not None else None


async def represent(
    request: Request, entry: Encoded, etag: str, headers: dict[str, str], accept: str | None
) -> tuple[bytes | None, dict[str, str]]:
    """`entry` in the negotiated encoding with its own ETag and Vary, or None for a 304."""
    encoding = entry.encoding_for(accept)
    headers = vary({**headers, "etag": variant_etag(etag, encoding)}, len(entry.body))
    if_none_match = request_header(request, b"if-none-match")
    if if_none_match is not None and matches(if_none_match.decode("latin-1"), headers["etag"]):
        return None, headers
    body = await entry.representation(encoding)
    if encoding is not None:
        headers["content-encoding"] = encoding
    return body, headers


async def answer(
    api: Api,
    request: Request,
    view: View,
    *,
    min_position: int | None = None,
    check: Callable[[Reference], object] | None = None,
    short: str | None = None,
) -> ASGIResponse:
    """Answer a GET with the view's JSON, its ETag and Cache-Control, or 304.

    `check` looks up what the request names (a region...) before any wait for `min_position`,
    so an unknown one is a 404 at once. `short` names a route whose views are quick queries:
    they run on the event loop (see `ShortViews`)."""
    body, headers = await _cached(api, request, view, min_position, check, short)
    return JSONAnswer(b"", headers, 304) if body is None else JSONAnswer(body, headers)


def compute_view(api: Api, state: ViewState, url: str, view: View) -> bytes:
    store = api.store()
    result = view(Reader(store=store, reference=state.reference, state=state, base_url=url))
    basis = getattr(result, "basis", None)
    if isinstance(basis, Basis) and basis.root is None:
        result = msgspec.structs.replace(result, basis=with_tree(basis, state, store))
    return _encode(result)


def tree_root(store: EventStore, size: int) -> str:
    """The root of the first `size` events, "" when the stored tree does not reach that far yet
    (a database from before the tree, until its next append builds it)."""
    try:
        return store.tree_root(size).hex()
    except (LookupError, *store._database_errors):  # an unreadable tree leaves the answer without a root
        return ""


def with_tree(basis: Basis, state: ViewState, store: EventStore) -> Basis:
    """The basis with the size and root of the tree of the events it reflects."""
    root = state.root if basis.position == state.head else tree_root(store, basis.position)
    return msgspec.structs.replace(basis, tree_size=basis.position, root=root or None)
