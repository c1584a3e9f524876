"""The lanes picture: one lane per programme (or member region), each status over valid time.

Solid where a status certainly holds, hatched across its uncertainty window (an open start is
hatched from the axis start), outlined for a plan, a cross where an ending happened, and a
vertical rule at `as_of`. Everything drawn is also said in `<desc>` and in per-span tooltips.
"""

from __future__ import annotations

from datetime import date, timedelta

from api.pictures.svg import (
    ENDINGS,
    PLANNED,
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
from projections.lanes import Lane, LaneMark, LaneSpan, LanesReport

WIDTH = 900
LABEL_WIDTH = 230
RIGHT = 24
TOP = 58  # title line and the axis labels above the first lane
ROW = 18  # one row per status a lane shows
LANE_GAP = 10
# With no dated span and no `as_of`, the axis shows these years (the sources' span).
DEFAULT_YEARS = (2016, 2025)


class Axis:
    """Days of [first, last] mapped onto the plot's width."""

    def __init__(self, first: date, last: date) -> None:
        self.first, self.last = first, last
        self.left, self.right = LABEL_WIDTH, WIDTH - RIGHT
        self._days = (last - first).days + 1

    def x(self, day: date | None) -> float:
        """The x of a day, clamped to the axis; None (an open start) is the axis start."""
        day = min(max(day or self.first, self.first), self.last)
        return self.left + (self.right - self.left) * (day - self.first).days / self._days

    def end_x(self, day: date | None) -> float:
        """The x where a span ending before `day` stops (None: it runs to the axis end)."""
        return self.right if day is None or day > self.last else self.x(day)


def axis_range(report: LanesReport, as_of: date | None) -> tuple[date, date]:
    """`from`/`to` when given, else whole years around every dated day and `as_of`; a year is
    added before when a span starts open, so its hatching shows."""
    days: list[date] = [] if as_of is None else [as_of]
    open_start = False
    for lane in report.lanes:
        for span in lane.spans:
            days += [d for d in (span.start, span.certain_from, span.end) if d is not None]
            open_start = open_start or span.start is None
        for mark in lane.marks:
            days += [d for d in (mark.occurred.earliest, mark.occurred.latest) if d is not None]
    if days:
        first_year, last_year = min(days).year - (1 if open_start else 0), max(days).year
    else:
        first_year, last_year = DEFAULT_YEARS
    first = report.date_from or date(first_year, 1, 1)
    last = report.date_to or date(last_year, 12, 31)
    if first < last:
        return first, last
    # `from` after every dated day: a year from it (or up to it, at the end of the calendar).
    room = (date.max - first).days
    return (first, first + timedelta(days=365)) if room >= 365 else (first - timedelta(days=365), first)


def _ticks(axis: Axis, height: float) -> str:
    years = range(axis.first.year + (axis.first > date(axis.first.year, 1, 1)), axis.last.year + 1)
    step = 1 if len(years) <= 16 else 5
    parts = []
    for year in years:
        if year % step:
            continue
        x = axis.x(date(year, 1, 1))
        parts.append(element("line", x1=x, y1=TOP - 6, x2=x, y2=height - 8, stroke="#dddddd"))
        parts.append(text(x + 2, TOP - 10, str(year), fill="#555555", font_size=11))
    return element("g", "".join(parts), class_="ticks")


MARKS_ROW = "\x00marks"  # the row of a lane that holds its role marks


def _rows_of(lane: Lane) -> list[str]:
    """The statuses a lane shows, one row each, in the order they first appear, then a row for
    its role marks if it has any."""
    rows: list[str] = []
    for span in lane.spans:
        if span.status not in ENDINGS and span.status not in rows:
            rows.append(span.status)
    if lane.marks:
        rows.append(MARKS_ROW)
    return rows or [""]


def _mark_words(mark: LaneMark, lang: str) -> str:
    role = {"participant": ("参与", "participant"), "issuer": ("发布", "issuer")}[mark.role][lang != "zh"]
    return f"{role}: {text_in(mark.title, lang)} ({mark.occurred.edtf})"


def _mark(axis: Axis, mark: LaneMark, y: float, lang: str) -> str:
    """A diamond on the day the milestone had certainly happened, a thin hatched bar before it
    across its window; filled for an issuer, hollow for a participant."""
    first, last = mark.occurred.earliest, mark.occurred.latest
    if (first and first > axis.last) or (last and last < axis.first):
        return ""
    x0, x1 = axis.x(first), axis.end_x(last)
    mid = y + (ROW - 4) / 2
    parts = []
    if x1 - x0 > 2:
        parts.append(
            element("rect", x=x0, y=mid - 2, width=x1 - x0, height=4, fill=f"url(#{hatch_id('#444444')})")
        )
    diamond = (
        f"M{x1:.1f},{mid - 6:.1f} L{x1 + 5:.1f},{mid:.1f} L{x1:.1f},{mid + 6:.1f} L{x1 - 5:.1f},{mid:.1f} Z"
    )
    fill = "#444444" if mark.role == "issuer" else "#ffffff"
    parts.append(element("path", d=diamond, fill=fill, stroke="#444444", stroke_width=1.5))
    return titled("".join(parts), _mark_words(mark, lang))


def _tooltip(span: LaneSpan, lang: str) -> str:
    word = status_word(span.status, lang)
    since = span.since.edtf
    start = "…" if span.start is None else span.start.isoformat()
    certain = "—" if span.certain_from is None else span.certain_from.isoformat()
    end = "…" if span.end is None else span.end.isoformat()
    if lang == "zh":
        note = f"{word}（{since}）：可能始于 {start}，确定自 {certain}，至 {end}"
    else:
        note = f"{word} ({since}): possibly from {start}, certain from {certain}, until {end}"
    if span.inherited_from:
        note += f"（承自 {span.inherited_from}）" if lang == "zh" else f" (from {span.inherited_from})"
    return note


def _text_width(words: str, size: float) -> float:
    """Roughly how wide `words` set at `size` are: a CJK character is square, Latin about half."""
    return sum(size if ord(c) > 0x2E80 else size * 0.58 for c in words)


def _span(axis: Axis, span: LaneSpan, y: float, lane_top: float, lane_height: float, lang: str) -> str:
    hue = colour(span.status)
    x0 = axis.x(span.start)
    end = axis.end_x(span.end)
    sure = end if span.certain_from is None else min(max(axis.x(span.certain_from), x0), end)
    parts = []
    if span.status in ENDINGS:
        # The window in which the ending happened, then a cross on the day it certainly had.
        if sure > x0:
            parts.append(
                element(
                    "rect",
                    x=x0,
                    y=lane_top + 3,
                    width=sure - x0,
                    height=lane_height - 6,
                    fill=f"url(#{hatch_id(hue)})",
                    opacity=0.6,
                )
            )
        if span.certain_from is not None and axis.first <= span.certain_from <= axis.last:
            c, top, bottom = sure, lane_top + 2, lane_top + lane_height - 2
            half = min(7.0, (bottom - top) / 2)
            mid = (top + bottom) / 2
            cross = (
                f"M{c - half:.1f},{mid - half:.1f} L{c + half:.1f},{mid + half:.1f} "
                f"M{c - half:.1f},{mid + half:.1f} L{c + half:.1f},{mid - half:.1f}"
            )
            parts.append(element("path", d=cross, stroke=hue, stroke_width=2.5, fill="none"))
        return titled("".join(parts), _tooltip(span, lang)) if parts else ""
    height = ROW - 4
    if sure > x0:  # the uncertainty window
        parts.append(
            element(
                "rect",
                x=x0,
                y=y,
                width=sure - x0,
                height=height,
                fill=f"url(#{hatch_id(hue)})",
                stroke=hue,
                stroke_width=0.5,
            )
        )
    if end > sure:
        if span.status in PLANNED:
            parts.append(
                element(
                    "rect",
                    x=sure + 0.75,
                    y=y + 0.75,
                    width=max(end - sure - 1.5, 0.5),
                    height=height - 1.5,
                    fill="#ffffff",
                    stroke=hue,
                    stroke_width=1.5,
                )
            )
        else:
            parts.append(element("rect", x=sure, y=y, width=end - sure, height=height, fill=hue))
    if not parts:
        return ""
    label_colour = "#ffffff" if end - sure > 60 and span.status not in PLANNED else "#222222"
    label_x = sure + 4 if end - sure > 60 else x0 + 4
    word = status_word(span.status, lang)
    if label_colour != "#ffffff":  # a white backing keeps dark words legible over the hatching
        parts.append(
            element(
                "rect",
                x=label_x - 2,
                y=y + 1,
                width=_text_width(word, 10) + 4,
                height=height - 2,
                fill="#ffffff",
                opacity=0.85,
            )
        )
    parts.append(text(label_x, y + height - 3.5, word, fill=label_colour, font_size=10))
    return titled("".join(parts), _tooltip(span, lang))


def _lane(axis: Axis, lane: Lane, top: float, lang: str, index: int) -> tuple[str, float]:
    rows = _rows_of(lane)
    height = len(rows) * ROW + 4
    parts = []
    if index % 2 == 0:
        parts.append(element("rect", x=0, y=top - 2, width=WIDTH, height=height + 4, fill="#f6f7f9"))
    # Long names are clipped at the plot's edge, not shortened: the whole name stays text.
    names = text(8, top + 14, text_in(lane.name, lang), fill="#111111", font_size=12)
    names += text(8, top + 27, lane.key, fill="#777777", font_size=9)
    parts.append(element("g", names, clip_path="url(#labels)"))
    if not lane.spans and not lane.marks:
        parts.append(
            text(
                axis.left + 4,
                top + 14,
                "无记录" if lang == "zh" else "no status recorded",
                fill="#999999",
                font_size=10,
            )
        )
    for span in lane.spans:
        row = rows.index(span.status) if span.status in rows else 0
        parts.append(_span(axis, span, top + 2 + row * ROW, top, height, lang))
    for mark in lane.marks:
        parts.append(_mark(axis, mark, top + 2 + rows.index(MARKS_ROW) * ROW, lang))
    return element("g", "".join(parts), class_="lane", data_key=lane.key), max(height, 30)


def _as_of_rule(axis: Axis, as_of: date, height: float, lang: str) -> str:
    x = axis.x(as_of)
    label = f"截至 {as_of.isoformat()}" if lang == "zh" else f"as of {as_of.isoformat()}"
    line = element(
        "line",
        x1=x,
        y1=TOP - 4,
        x2=x,
        y2=height - 8,
        stroke="#C00000",
        stroke_width=1.5,
        stroke_dasharray="4 3",
    )
    return element("g", line + text(x + 3, height - 10, label, fill="#C00000", font_size=10), class_="as-of")


def _describe(report: LanesReport, lang: str, as_of: date | None) -> str:
    """Every lane and span in words, for screen readers and for anyone who cannot see colour."""
    sentences = []
    for lane in report.lanes:
        spans = "; ".join(
            [*(_tooltip(span, lang) for span in lane.spans), *(_mark_words(m, lang) for m in lane.marks)]
        )
        empty = "无记录" if lang == "zh" else "no status recorded"
        sentences.append(f"{text_in(lane.name, lang)}: {spans or empty}.")
    known = report.basis.known_at
    if lang == "zh":
        head = f"{text_in(report.name, lang)}：{len(report.lanes)} 条泳道，日志位置 {report.basis.position}"
        head += f"，截至 {as_of.isoformat()}" if as_of else ""
        head += f"，按位置 {known} 时的记录" if known is not None else ""
        return head + "。" + " ".join(sentences)
    head = f"{text_in(report.name, lang)}: {len(report.lanes)} lanes, log position {report.basis.position}"
    head += f", as of {as_of.isoformat()}" if as_of else ""
    head += f", as known at position {known}" if known is not None else ""
    return head + ". " + " ".join(sentences)


def render_lanes(report: LanesReport, *, lang: str = "zh", as_of: date | None = None) -> bytes:
    """The lanes of `report` as a standalone SVG document."""
    axis = Axis(*axis_range(report, as_of))
    parts, top = [], float(TOP)
    for index, lane in enumerate(report.lanes):
        drawn, height = _lane(axis, lane, top, lang, index)
        parts.append(drawn)
        top += height + LANE_GAP
    height = top + 16
    if lang == "zh":
        title = f"{text_in(report.name, lang)} · 状态时间线"
    else:
        title = f"{text_in(report.name, lang)} · status over time"
    clip = element("clipPath", element("rect", width=LABEL_WIDTH - 6, height=height), id="labels")
    hues = [colour(span.status) for lane in report.lanes for span in lane.spans]
    hues += ["#444444"] if any(lane.marks for lane in report.lanes) else []
    body = [
        element("defs", clip),
        hatch_defs(hues),
        text(8, 20, title, fill="#111111", font_size=15, font_weight="bold"),
        _ticks(axis, height),
        *parts,
    ]
    if as_of is not None and axis.first <= as_of <= axis.last:
        body.append(_as_of_rule(axis, as_of, height, lang))
    return document(WIDTH, height, lang, title, _describe(report, lang, as_of), "".join(body))
