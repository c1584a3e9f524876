"""Dates as the widget shows them: `2021年5月7日`, `c. 2022`, `reported 28 Aug 2024`."""

from __future__ import annotations

import msgspec

from api.widget.texts import MONTHS, TEXT
from events.dates import parse_edtf
from projections.models import DateValue


class TimePart(msgspec.Struct, frozen=True):
    """Text for a `<time datetime=...>` element."""

    text: str
    datetime: str


def format_one(edtf: str, lang: str) -> TimePart | None:
    """One EDTF date (no interval) in `lang`; None for a form this does not know."""
    try:
        fuzzy = parse_edtf(edtf)
    except ValueError:
        return None
    if fuzzy.precision == "interval" or fuzzy.earliest is None:
        return None
    qualifier = edtf[-1] if edtf[-1] in "?~%" else ""
    bare = edtf[:-1] if qualifier else edtf
    day = fuzzy.earliest
    year, month, has_day = str(day.year), day.month, fuzzy.precision in ("day", "time")
    if lang == "zh":
        text = f"{year}年" + (f"{month}月" if fuzzy.precision != "year" else "")
        text += f"{day.day}日" if has_day else ""
    else:
        text = (
            (f"{day.day} " if has_day else "")
            + (f"{MONTHS[month - 1]} " if fuzzy.precision != "year" else "")
            + year
        )
    if fuzzy.clock is not None:
        text += (" " if lang == "zh" else ", ") + fuzzy.clock.strftime("%H:%M")
    if qualifier in "~%" and qualifier:
        text = TEXT[lang]["approx"] + text
    if qualifier in "?%" and qualifier:
        text += "?"
    return TimePart(text, bare)


def date_parts(occurred: DateValue, lang: str) -> list[str | TimePart]:
    """An occurred value as text and `<time>` parts: `reported 28 Aug 2024` (known only by the
    day a source reported it), `A – B`, `c. 2022`."""
    words = TEXT[lang]
    start_text, _, end_text = occurred.edtf.partition("/")
    if end_text:
        start = None if start_text == ".." else format_one(start_text, lang)
        end = None if end_text == ".." else format_one(end_text, lang)
        if start_text == ".." and end:
            return [words["reported"], end]
        if end_text == ".." and start:
            return [words["after"], start]
        if start and end:
            return [start, words["to"], end]
    else:
        one = format_one(occurred.edtf, lang)
        if one:
            return [one]
    low = occurred.earliest and format_one(occurred.earliest.isoformat(), lang)
    high = occurred.latest and format_one(occurred.latest.isoformat(), lang)
    if low and high:
        return [low] if low == high else [low, words["to"], high]
    if high:
        return [words["by"], high]
    return [words["after"], low] if low else [occurred.edtf]


def format_date(occurred: DateValue, lang: str) -> str:
    return "".join(p if isinstance(p, str) else p.text for p in date_parts(occurred, lang))
