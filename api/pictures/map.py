"""The map picture: a programme on a day, one dot per division at its gazetteer point.

Dots, not boundaries: the gazetteer holds a representative point per division, and a dot is
honest about that. Colour says the status, the fill its certainty: solid (yes), hatched
(uncertain), hollow (not in the programme). A legend explains both.
"""

from __future__ import annotations

import math

from api.pictures.svg import (
    colour,
    document,
    element,
    hatch_defs,
    hatch_id,
    status_word,
    text,
    text_in,
    titled,
)
from projections.programme_map import MapDot, ProgrammeMap

WIDTH = 900
PLOT = (20.0, 50.0, 640.0, 640.0)  # left, top, width, height of the dots' area
LEGEND_X = 690
HOLLOW = "#9A9A9A"


class Projection:
    """Longitude and latitude onto the plot: equirectangular, scaled by the cosine of the middle
    latitude so a province keeps its shape, fitted and centred."""

    def __init__(self, dots: list[MapDot]) -> None:
        lons = [d.lon for d in dots] or [0.0]
        lats = [d.lat for d in dots] or [0.0]
        self.mid_lon = (min(lons) + max(lons)) / 2
        self.mid_lat = (min(lats) + max(lats)) / 2
        self.squeeze = math.cos(math.radians(self.mid_lat))
        span_x = (max(lons) - min(lons)) * self.squeeze or 1.0
        span_y = (max(lats) - min(lats)) or 1.0
        left, top, width, height = PLOT
        self.scale = min((width - 80) / span_x, (height - 40) / span_y)
        self.cx, self.cy = left + width / 2, top + height / 2

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return (
            self.cx + (lon - self.mid_lon) * self.squeeze * self.scale,
            self.cy - (lat - self.mid_lat) * self.scale,
        )


def _fill(status: str | None, certainty: str) -> tuple[str, str]:
    """(fill, stroke) of a dot."""
    if status is None or certainty == "no":
        return "#ffffff", HOLLOW
    hue = colour(status)
    return (f"url(#{hatch_id(hue)})" if certainty == "uncertain" else hue), hue


def _words(dot: MapDot, lang: str) -> str:
    name = text_in(dot.name, lang)
    if dot.status is None:
        return f"{name}：未参与" if lang == "zh" else f"{name}: not in it"
    word = status_word(dot.status, lang)
    if lang == "zh":
        sure = {"yes": "确定", "uncertain": "不确定"}[dot.certainty]
        return f"{name}：{word}（{sure}）"
    return f"{name}: {word} ({'certain' if dot.certainty == 'yes' else 'uncertain'})"


def _dot(projection: Projection, dot: MapDot, lang: str, small: bool) -> str:
    x, y = projection.xy(dot.lon, dot.lat)
    radius = 6.0 if dot.depth <= 1 else (3.0 if small else 4.5)
    fill, stroke = _fill(dot.status, dot.certainty)
    circle = element("circle", cx=x, cy=y, r=radius, fill=fill, stroke=stroke, stroke_width=1.5)
    size = 11 if dot.depth <= 1 else (7 if small else 9)
    weight = {"font_weight": "bold"} if dot.depth <= 1 else {}
    label = text(
        x + radius + 2, y + size / 3, text_in(dot.name, lang), fill="#333333", font_size=size, **weight
    )
    group = element(
        "g",
        circle + label,
        class_="dot",
        data_code=dot.code,
        data_status=dot.status or "",
        data_certainty=dot.certainty,
    )
    return titled(group, _words(dot, lang))


def _legend(statuses: list[str], lang: str) -> str:
    zh = lang == "zh"
    rows = [text(LEGEND_X, 70, "图例" if zh else "Legend", font_weight="bold", font_size=13)]
    y = 92.0
    samples = [
        ("#333333", "#333333", "确定" if zh else "certain"),
        (f"url(#{hatch_id('#333333')})", "#333333", "不确定（日期模糊）" if zh else "uncertain (fuzzy date)"),
        ("#ffffff", HOLLOW, "未参与" if zh else "not in the programme"),
    ]
    for fill, stroke, words in samples:
        rows.append(
            element("circle", cx=LEGEND_X + 6, cy=y - 4, r=6, fill=fill, stroke=stroke, stroke_width=1.5)
        )
        rows.append(text(LEGEND_X + 18, y, words, font_size=11))
        y += 22
    y += 8
    for status in statuses:
        rows.append(element("rect", x=LEGEND_X, y=y - 10, width=12, height=12, fill=colour(status)))
        rows.append(text(LEGEND_X + 18, y, status_word(status, lang), font_size=11))
        y += 20
    note = "点位为各行政区代表点，非边界" if zh else "Dots at representative points, not boundaries"
    rows.append(text(LEGEND_X, y + 10, note, fill="#777777", font_size=9))
    return element("g", "".join(rows), class_="legend")


def _describe(picture: ProgrammeMap, lang: str) -> str:
    members = [d for d in picture.dots if d.status is not None]
    sure = sum(1 for d in members if d.certainty == "yes")
    within = text_in(picture.within_name, lang)
    listed = "; ".join(_words(d, lang) for d in members)
    if picture.unplaced:
        codes = ", ".join(picture.unplaced)
        listed += (
            f"。无坐标、未画出的成员：{codes}"
            if lang == "zh"
            else f". Members without a point, not drawn: {codes}"
        )
    if lang == "zh":
        head = (
            f"{text_in(picture.name, lang)}，{picture.as_of.isoformat()}，{within}："
            f"{len(picture.dots)} 个行政区中 {len(members)} 个参与（{sure} 个确定），"
            f"日志位置 {picture.basis.position}。"
        )
        return head + listed
    head = (
        f"{text_in(picture.name, lang)} on {picture.as_of.isoformat()} in {within}: {len(members)} of "
        f"{len(picture.dots)} divisions in it ({sure} certain), log position {picture.basis.position}. "
    )
    return head + listed


def render_map(picture: ProgrammeMap, *, lang: str = "zh") -> bytes:
    """The programme's map on its day as a standalone SVG document."""
    projection = Projection(picture.dots)
    small = len(picture.dots) > 150
    statuses = sorted({d.status for d in picture.dots if d.status is not None})
    # Members last, so a hollow neighbour never covers a coloured dot.
    ordered = sorted(picture.dots, key=lambda d: (d.status is not None, -d.depth, d.code))
    within = text_in(picture.within_name, lang)
    title = f"{text_in(picture.name, lang)} · {within} · {picture.as_of.isoformat()}"
    height = PLOT[1] + PLOT[3] + 10
    body = [
        hatch_defs([*(colour(s) for s in statuses), "#333333"]),
        text(20, 28, title, fill="#111111", font_size=15, font_weight="bold"),
        element("g", "".join(_dot(projection, dot, lang, small) for dot in ordered), class_="dots"),
        _legend(statuses, lang),
    ]
    return document(WIDTH, height, lang, title, _describe(picture, lang), "".join(body))
