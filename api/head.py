"""HEAD answered for every GET route: the GET's status and headers, without its body.

RFC 9110 (9.3.2) asks every general-purpose server for HEAD, and link checkers, caches and
`curl -I` use it; Litestar routes a HEAD only to handlers that list it, so the JSON views and
pictures answered 405. This layer, outermost, runs the request as a GET and sends the start of
its answer (Content-Length and ETag included: what the GET would send) with an empty body, then
cancels the rest, so a stream (SSE) ends after its headers instead of running on.
"""

from __future__ import annotations

import anyio
from litestar.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        async with anyio.create_task_group() as group:

            async def headers_only(message: Message) -> None:
                if message["type"] == "http.response.start":
                    await send(message)
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                    group.cancel_scope.cancel()  # the body is not wanted; a stream would not end

            await self.app({**scope, "method": "GET"}, receive, headers_only)  # type: ignore[arg-type]
