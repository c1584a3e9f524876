"""Bitmaps of the pictures, for places that take no SVG: cairosvg renders the same document."""

from __future__ import annotations

import cairosvg

MEDIA_TYPE = "image/png"


def svg_to_png(svg: bytes) -> bytes:
    """The SVG rasterised at twice its size (sharp on high-density screens and in slides).

    Fonts come from fontconfig by the family names the SVG lists (Noto Sans CJK for Chinese,
    installed by `.ci/install-fonts.sh`); `unsafe=False` keeps cairosvg from reading any file or
    URL the document might name."""
    png = cairosvg.svg2png(bytestring=svg, scale=2, unsafe=False)
    assert isinstance(png, bytes)
    return png
