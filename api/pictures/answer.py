"""Answering a picture GET: the JSON views' ETag, 304, compression, single flight and body
cache (`api.caching.serve`), for bytes of any media type."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import anyio.to_thread
from litestar import Request, Response

from api.caching import CACHE_CONTROL, Reader, base_url, current_state, etag_of, request_key, serve
from events.reference import Reference

if TYPE_CHECKING:
    from api.context import Api, ViewState

Render = Callable[[Reader], bytes]


async def picture(
    api: Api,
    request: Request,
    render: Render,
    media_type: str,
    *,
    check: Callable[[Reference], object] | None = None,
) -> Response[bytes]:
    """The rendered bytes with an ETag (from the views' state and the request) and
    Cache-Control, or 304; a body is rendered once per state and kept in the view cache."""
    state = api.views.state()
    if check is not None:
        check(state.reference)  # an unknown region or programme is a 404 before any work
    state = await current_state(api, None, state)
    key = request_key(api, request)

    async def compute() -> bytes:
        return await anyio.to_thread.run_sync(_render, api, state, base_url(api, request), render)

    headers = {"cache-control": CACHE_CONTROL}
    body, headers = await serve(api, request, api.cache, key, etag_of(state, key), compute, headers)
    if body is None:
        return Response(b"", status_code=304, headers=headers, media_type=media_type)
    return Response(body, media_type=media_type, headers=headers)


def _render(api: Api, state: ViewState, url: str, render: Render) -> bytes:
    return render(Reader(store=api.store(), reference=state.reference, state=state, base_url=url))
