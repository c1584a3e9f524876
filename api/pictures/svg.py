"""Writing SVG by template: escaped elements, fixed number formats, shared styles and patterns.

The pictures are strings assembled from these helpers rather than a drawing library: the
output is a few element kinds, and a template keeps the bytes deterministic (attribute order,
number formatting) so an ETag can name them.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from events.types import Text

# Chinese first (by family name, as installed on Linux, macOS and Windows), then Latin fallbacks.
FONT_FAMILY = (
    "'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Hiragino Sans GB', "
    "'Microsoft YaHei', 'WenQuanYi Micro Hei', 'Noto Sans', 'DejaVu Sans', sans-serif"
)
MEDIA_TYPE = "image/svg+xml"

# Colours by status (colour-blind-safe Okabe-Ito hues); other statuses take the fallback.
_COLOURS = {
    "designated": "#0072B2",
    "pilot": "#0072B2",
    "launched": "#0072B2",
    "ongoing": "#0072B2",
    "in-progress": "#56B4E9",
    "full-coverage": "#009E73",
    "implemented": "#009E73",
    "upgraded": "#009E73",
    "rated": "#009E73",
    "evaluated": "#009E73",
    "reviewed": "#009E73",
    "awarded": "#E69F00",
    "planned": "#CC79A7",
    "exploring": "#CC79A7",
    "ended": "#D55E00",
    "revoked": "#D55E00",
}
FALLBACK_COLOUR = "#6B6B6B"

# Status words in both languages; a status without an entry is shown as written.
_STATUS_WORDS = {
    "designated": ("试点", "designated"),
    "pilot": ("试点", "pilot"),
    "launched": ("启动", "launched"),
    "ongoing": ("推进中", "ongoing"),
    "in-progress": ("推进中", "in progress"),
    "upgraded": ("升级", "upgraded"),
    "full-coverage": ("全覆盖", "full coverage"),
    "implemented": ("实施", "implemented"),
    "rated": ("获评", "rated"),
    "evaluated": ("评估", "evaluated"),
    "reviewed": ("复核", "reviewed"),
    "awarded": ("获激励", "awarded"),
    "planned": ("计划", "planned"),
    "exploring": ("探索", "exploring"),
    "ended": ("结束", "ended"),
    "revoked": ("撤销", "revoked"),
}
PLANNED = frozenset({"planned", "exploring"})  # intentions: drawn outlined, not filled
ENDINGS = frozenset({"ended", "revoked"})  # drawn as a cross where they happen


def colour(status: str) -> str:
    return _COLOURS.get(status, FALLBACK_COLOUR)


def status_word(status: str, lang: str) -> str:
    words = _STATUS_WORDS.get(status)
    return status if words is None else words[0 if lang == "zh" else 1]


def text_in(text: Text, lang: str) -> str:
    return text.zh if lang == "zh" else text.en


def num(value: float) -> str:
    """A coordinate with one decimal at most, the same bytes on every run."""
    rounded = round(value, 1)
    return str(int(rounded)) if rounded == int(rounded) else f"{rounded:.1f}"


def element(name: str, body: str = "", **attrs: str | float) -> str:
    """`<name attr="…">body</name>`; a trailing underscore in a name is dropped (`class_`),
    an inner one becomes a hyphen (`font_size`)."""
    parts = [name]
    for key, value in attrs.items():
        attr = key.rstrip("_").replace("_", "-")
        shown = num(value) if isinstance(value, float | int) else value
        parts.append(f"{attr}={quoteattr(shown)}")
    head = " ".join(parts)
    return f"<{head}>{body}</{name}>" if body else f"<{head}/>"


def text(x: float, y: float, content: str, **attrs: str | float) -> str:
    return element("text", escape(content), x=x, y=y, **attrs)


def titled(content: str, tooltip: str) -> str:
    """An element group with a tooltip (`<title>`), read by screen readers too."""
    return f"<g><title>{escape(tooltip)}</title>{content}</g>"


def hatch_defs(colours: list[str]) -> str:
    """A diagonal-stripe pattern per colour, `hatch-RRGGBB`, for uncertain spans and dots."""
    patterns = []
    for hue in sorted(set(colours)):
        stripe = element("path", d="M0,6 L6,0", stroke=hue, stroke_width=2)
        patterns.append(
            element(
                "pattern",
                element("rect", width=6, height=6, fill="#ffffff") + stripe,
                id=hatch_id(hue),
                width=6,
                height=6,
                patternUnits="userSpaceOnUse",
            )
        )
    return element("defs", "".join(patterns)) if patterns else ""


def hatch_id(hue: str) -> str:
    return "hatch-" + hue.lstrip("#")


def document(width: float, height: float, lang: str, title: str, desc: str, body: str) -> bytes:
    """A standalone SVG document with its accessible name and description."""
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{num(width)}" height="{num(height)}" '
        f'viewBox="0 0 {num(width)} {num(height)}" role="img" xml:lang="{lang}" '
        f'aria-labelledby="title desc" font-family="{FONT_FAMILY}" font-size="12">'
    )
    accessible = f'<title id="title">{escape(title)}</title><desc id="desc">{escape(desc)}</desc>'
    background = element("rect", width=width, height=height, fill="#ffffff")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{head}{accessible}{background}{body}</svg>\n'.encode()
