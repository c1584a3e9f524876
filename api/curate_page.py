"""`/curate`: the review page for token holders, and its script and stylesheet.

The page is static: it reads the token from the person once (kept in sessionStorage for the
tab), then talks to the curation routes with a bearer header. It runs under the same strict CSP
as the other pages: scripts, styles and requests from this origin only, nothing inline.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from litestar import Response, get
from litestar.exceptions import NotFoundException
from litestar.params import PathParameter

from api.widget.responses import PAGE_CSP

STATIC = Path(__file__).resolve().parent / "static"
FILES = {"curate.js": "text/javascript; charset=utf-8", "curate.css": "text/css; charset=utf-8"}
HEADERS = {
    "Content-Security-Policy": PAGE_CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
_bodies: dict[str, bytes] = {}


def _file(name: str) -> bytes:
    if name not in _bodies:
        _bodies[name] = (STATIC / name).read_bytes()
    return _bodies[name]


@get("/curate", include_in_schema=False, sync_to_thread=False)
def curate_page() -> Response[bytes]:
    """The review page: a registered source's text beside its candidates."""
    return Response(_file("curate.html"), media_type="text/html", headers=HEADERS)


@get("/curate/{name:str}", include_in_schema=False, sync_to_thread=False)
def curate_asset(name: Annotated[str, PathParameter()]) -> Response[bytes]:
    """The page's script and stylesheet."""
    if name not in FILES:
        raise NotFoundException(detail=f"No file {name!r} here")
    return Response(_file(name), media_type=FILES[name], headers=HEADERS)


curate_handlers = [curate_page, curate_asset]
