"""Validators from what an answer depends on, for the big answers: feeds, widget data, pages.

The JSON views take their ETag from the whole view state: any write changes every one. For a
region's feed (11 MB for 10,000 events, 0.4 s to render) that meant every calendar
re-downloading it after a write to another county. Here an answer is kept with a token of what
it depends on (the last position that changed the region's list of entries, the timeline
projection's version and the catalogues), and re-rendered only when that token moves; its ETag
is a digest of its own bytes, so a re-render that changes nothing changes no validator either,
and `Last-Modified` moves only when the bytes do. Answers without a narrower dependency
(a programme's, which draws on every region) use the view state as their token, and still
keep their ETag while their bytes stay the same.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime

import anyio.to_thread
from litestar import Request

from api.caching import ViewCache, represent, request_header
from api.context import Api, ViewState
from api.encoding import Encoded, variant_etag, vary
from events.store import EventStore
from projections.queries import scope_changed_at

# (region code, with its descendants) the answer lists, or None: it may draw on anything.
Scope = tuple[str, bool] | None
_MEMO_LIMIT = 4096


def recorded_at(store: EventStore, position: int) -> datetime | None:
    """When the log recorded the event at `position` (None before the first)."""
    if position < 1:
        return None
    return next(store.read_all(after=position - 1, limit=1)).recorded_at


def dependency(api: Api, state: ViewState, scope: Scope) -> tuple[bytes, int]:
    """The token of what an answer over `scope` depends on, and the position it reflects."""
    if scope is None:
        return state.tag, state.checkpoint
    code, descendants = scope
    memo = api.dependencies
    found = memo.get((state.tag, code, descendants))
    if found is not None:
        return found
    changed = scope_changed_at(api.store(), state.reference, code, descendants=descendants)
    version = next((f"{p.name}:{p.version}" for p in state.projections if p.name == "timeline"), "")
    # The catalogues' fingerprint ends the view state's tag: names and titles shown come from them.
    token = f"{code}:{int(descendants)}:{changed}:{version}|".encode() + state.tag[-8:]
    if len(memo) >= _MEMO_LIMIT:
        memo.clear()
    memo[(state.tag, code, descendants)] = found = (token, changed)
    return found


async def answer_tracked(
    api: Api,
    request: Request,
    cache: ViewCache,
    key: bytes,
    state: ViewState,
    scope: Scope,
    render: Callable[[], bytes],
    headers: dict[str, str],
) -> tuple[bytes | None, dict[str, str]]:
    """The answer `key` (rendered by `render` in a worker thread when what it depends on has
    changed, once for all who ask meanwhile), or None for a 304."""
    token, position = dependency(api, state, scope)
    entry = cache.get(key, token)
    if entry is None:
        entry = await api.flight.run((key, token), lambda: _render(api, cache, key, token, position, render))
    raw = request_header(request, b"accept-encoding")
    accept = raw.decode("latin-1") if raw is not None else None
    if entry.last_modified is not None:
        headers = {**headers, "last-modified": format_datetime(entry.last_modified, usegmt=True)}
        if _not_modified_since(request, entry.last_modified):
            etag = variant_etag(entry.etag, entry.encoding_for(accept))
            return None, vary({**headers, "etag": etag}, len(entry.body))
    return await represent(request, entry, entry.etag, headers, accept)


async def _render(
    api: Api, cache: ViewCache, key: bytes, token: bytes, position: int, render: Callable[[], bytes]
) -> Encoded:
    def work() -> Encoded:
        body = render()
        etag = '"' + hashlib.blake2b(key + b"#" + body, digest_size=12).hexdigest() + '"'
        previous = cache.latest(key)
        if previous is not None and previous.etag == etag:
            return Encoded(body, etag, previous.last_modified)  # the same bytes as before
        return Encoded(body, etag, recorded_at(api.store(), position))

    return cache.put(key, token, await anyio.to_thread.run_sync(work))


def _not_modified_since(request: Request, last_modified: datetime) -> bool:
    """If-Modified-Since, which counts only when If-None-Match is absent (RFC 9110 §13.1.3)."""
    since = request_header(request, b"if-modified-since")
    if not since or request_header(request, b"if-none-match") is not None:
        return False
    try:
        return last_modified.replace(microsecond=0) <= parsedate_to_datetime(since.decode("latin-1"))
    except (TypeError, ValueError):
        return False  # an unparsable date is ignored
