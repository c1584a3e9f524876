"""Bitmaps of the pictures, for places that take no SVG: cairosvg renders the same document."""

from __future__ import annotations

MEDIA_TYPE = "image/png"


def svg_to_png(svg: bytes) -> bytes:
    """The SVG rasterised at twice its size (sharp on high-density screens and in slides).

    Fonts come from fontconfig by the family names the SVG lists (Noto Sans CJK for Chinese,
    installed by `.ci/install-fonts.sh`); `unsafe=False` keeps cairosvg from reading any file or
    URL the document might name."""
    import cairosvg  # a quarter of a second to import: only when a bitmap is asked for

    png = cairosvg.svg2png(bytestring=svg, scale=2, unsafe=False)
    assert isinstance(png, bytes)
    return png
