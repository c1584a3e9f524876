"""`/favicon.ico`: browsers ask every page for it; a 404 there filled logs and consoles."""

from __future__ import annotations

from pathlib import Path

from litestar import Response, get

ICON = Path(__file__).parent / "static" / "favicon.ico"  # a 32x32 PNG in an ICO container
_icon: list[bytes] = []


@get("/favicon.ico", sync_to_thread=False, include_in_schema=False)
def favicon() -> Response[bytes]:
    """The site's icon: a timeline on a blue tile."""
    if not _icon:
        _icon.append(ICON.read_bytes())
    return Response(_icon[0], media_type="image/x-icon", headers={"Cache-Control": "public, max-age=86400"})
