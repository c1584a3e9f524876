"""Answers with validators: JSON any site may read, pages under a strict CSP, static files."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from litestar import Response

from api.caching import Reader, View, base_url, compute_view, current_state, matches, request_key
from api.context import Api
from api.encoding import Encoded, compress, variant_etag, vary
from api.tracked import Scope, answer_tracked
from api.widget.views import AnyRequest

STATIC = Path(__file__).parents[1] / "static"
CACHE = "public, max-age=60"
OPEN = {"Access-Control-Allow-Origin": "*", "Cross-Origin-Resource-Policy": "cross-origin"}
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'self'"
)
# Litestar adds `; charset=utf-8` to text types itself (naming it here doubled it).
ASSETS = {
    "widget.js": "text/javascript",
    "home.js": "text/javascript",
    "explorer.js": "text/javascript",
    "site.css": "text/css",
}
ASSET_CACHE = "public, max-age=3600"
_assets: dict[str, Encoded] = {}


async def respond_open(api: Api, request: AnyRequest, view: View, scope: Scope) -> Response[Any]:
    """JSON any site may read (the widget runs on other origins), with validators from what it
    shows (`api.tracked`)."""
    state = await current_state(api)
    url = base_url(api, request)
    body, headers = await answer_tracked(
        api,
        request,
        api.cache,
        request_key(api, request),
        state,
        scope,
        lambda: compute_view(api, state, url, view),
        {"cache-control": CACHE, **OPEN},
    )
    if body is None:
        return Response(b"", status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


async def respond_html(
    api: Api, request: AnyRequest, render: Callable[[Reader], str], scope: Scope
) -> Response[Any]:
    """A page, cached and revalidated like the widget's JSON, under a strict CSP."""
    state = await current_state(api)
    url = base_url(api, request)

    def page() -> bytes:  # in a worker thread, on that thread's own connection
        return render(
            Reader(store=api.store(), reference=state.reference, state=state, base_url=url)
        ).encode()

    headers = {
        "cache-control": CACHE,
        "content-security-policy": PAGE_CSP,
        "x-content-type-options": "nosniff",
        "referrer-policy": "strict-origin-when-cross-origin",
    }
    body, headers = await answer_tracked(
        api, request, api.cache, request_key(api, request), state, scope, page, headers
    )
    if body is None:
        return Response(b"", status_code=304, headers=headers)
    return Response(body, media_type="text/html", headers=headers)  # Litestar adds the charset


def asset(request: AnyRequest, name: str, headers: dict[str, str]) -> Response[Any]:
    if name not in _assets:
        body = (STATIC / name).read_bytes()
        _assets[name] = Encoded(body, '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"')
    asset = _assets[name]
    raw = request.scope["headers"]
    accept = next((v.decode("latin-1") for k, v in raw if k == b"accept-encoding"), None)
    encoding = asset.encoding_for(accept)
    headers = vary(
        {**headers, "ETag": variant_etag(asset.etag, encoding), "Cache-Control": ASSET_CACHE}, len(asset.body)
    )
    if matches(request.headers.get("if-none-match"), headers["ETag"]):
        return Response(b"", status_code=304, headers=headers)
    if encoding is not None:
        headers["Content-Encoding"] = encoding
    # Compressed once per encoding and kept (the files are small: no worker thread needed).
    body = asset.variants.get(encoding) if encoding else asset.body
    if body is None:
        body = asset.variants[encoding] = compress(asset.body, encoding)  # type: ignore[index]
    return Response(body, media_type=ASSETS[name], headers=headers)
