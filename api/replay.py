"""Cache hits answered in front of the router: the bytes a view answer went out with, sent again.

A cached view (`api.caching.answer`) still cost a full pass through Litestar: routing,
parameter parsing, dependencies, the response machinery; more CPU than a bare app sending the
same bytes. This layer sits outside all of that (and outside CORS). When `answer` sends a
view's 200 it marks the request with the view state's tag; the layer then keeps the response
(status, headers, body) by everything it may depend on: path, query string, Host, scheme and
Accept-Encoding. The same GET is answered with those bytes while the view state keeps that
tag and no projection lags (a lagging one is caught up by the handler first). Anything that
could make the answer differ goes through the app as before: conditional requests (the 304
path stays the app's), a CORS `Origin`, a HEAD or any other method, an answer that was not a
marked 200 in one body. So ETag, Vary, compression and every header are the app's own.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from litestar.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from api.context import Api

# The scope key `api.caching.answer` sets on a view's 200: the view state's tag it was made for.
REPLAYABLE = "timeline.replayable"
MAX_ENTRIES = 4096
MAX_BYTES = 32 * 1024 * 1024
# A request carrying one of these may be answered differently: it always goes to the app.
_PASS = frozenset((b"if-none-match", b"if-modified-since", b"origin", b"range", b"authorization"))

Key = tuple[str, bytes, bytes | None, bytes | None, str]


class Replay:
    """ASGI layer answering repeated view GETs with the bytes the app sent for them."""

    def __init__(
        self, app: ASGIApp, api: Api, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES
    ) -> None:
        self.app = app
        self.api = api
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.size = 0
        # key -> (state tag, status, headers, body); dicts keep insertion order: oldest first.
        self._entries: dict[Key, tuple[bytes, int, list[tuple[bytes, bytes]], bytes]] = {}
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        host = accept = None
        for name, value in scope["headers"]:
            if name == b"host":
                host = value
            elif name == b"accept-encoding":
                accept = value
            elif name in _PASS:
                await self.app(scope, receive, send)
                return
        key = (scope["path"], scope["query_string"], host, accept, scope.get("scheme", "http"))
        entry = self._entries.get(key)
        if entry is not None and self._current(entry[0]):
            await send({"type": "http.response.start", "status": entry[1], "headers": entry[2]})
            await send({"type": "http.response.body", "body": entry[3], "more_body": False})
            return
        sent: list[Message] = []

        async def keep(message: Message) -> None:
            if len(sent) < 3:
                sent.append(message)
            await send(message)

        await self.app(scope, receive, keep)
        tag = scope.get(REPLAYABLE)
        if tag is not None and len(sent) == 2:
            self._keep(key, tag, sent)

    def _current(self, tag: bytes) -> bool:
        try:
            state = self.api.views.state()
        except Exception:  # the app reports what is wrong with the database, in its own words
            return False
        return state.tag == tag and state.lag == 0

    def _keep(self, key: Key, tag: bytes, sent: list[Any]) -> None:
        start, body = sent
        if start.get("type") != "http.response.start" or start.get("status") != 200:
            return
        if body.get("type") != "http.response.body" or body.get("more_body"):
            return
        content = bytes(body.get("body", b""))
        size = len(content) + len(key[0]) + len(key[1])
        if size > self.max_bytes // 8:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.size -= len(old[3]) + len(key[0]) + len(key[1])
            self._entries[key] = (tag, 200, list(start.get("headers", ())), content)
            self.size += size
            while len(self._entries) > self.max_entries or self.size > self.max_bytes:
                oldest = next(iter(self._entries))
                dropped = self._entries.pop(oldest)
                self.size -= len(dropped[3]) + len(oldest[0]) + len(oldest[1])
