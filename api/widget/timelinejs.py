"""Knight Lab TimelineJS3's JSON: dates only as precise as known, every text HTML-escaped."""

from __future__ import annotations

import html
from datetime import date
from typing import Any

from api.widget.dates import format_date, format_one
from api.widget.entries import WidgetEntry, WidgetPage
from api.widget.texts import TEXT
from events.dates import parse_edtf


def _tl_date(edtf: str, lang: str) -> dict[str, Any] | None:
    """A TimelineJS date object with only the fields the precision has."""
    part = format_one(edtf, lang)
    if part is None:
        return None
    fuzzy = parse_edtf(edtf)
    assert fuzzy.earliest is not None
    value: dict[str, Any] = {"year": fuzzy.earliest.year}
    if fuzzy.precision != "year":
        value["month"] = fuzzy.earliest.month
    if fuzzy.precision in ("day", "time"):
        value["day"] = fuzzy.earliest.day
    if fuzzy.clock is not None:
        value.update(hour=fuzzy.clock.hour, minute=fuzzy.clock.minute)
    value["display_date"] = part.text
    return value


def timelinejs_event(entry: WidgetEntry, lang: str) -> dict[str, Any]:
    start_text, _, end_text = entry.occurred.edtf.partition("/")
    start = _tl_date(start_text, lang) if start_text != ".." else None
    end = _tl_date(end_text, lang) if end_text and end_text != ".." else None
    if start is None:  # `../B`: placed at B, displayed as "by B"
        start, end = end, None
    if start is None:  # a form format_one does not know: fall back to the interval
        day = entry.occurred.earliest or entry.occurred.latest or date(1, 1, 1)
        start = {"year": day.year, "month": day.month, "day": day.day}
    # TimelineJS renders these strings as HTML: escape every text from the data.
    sources = TEXT[lang]["sep"].join(html.escape(s.title) for s in entry.sources)
    body = f"<p>{html.escape(entry.summary)}</p>"
    if sources:
        body += f"<p>{html.escape(TEXT[lang]['sources'])}{sources}</p>"
    event: dict[str, Any] = {
        "start_date": start,
        "text": {"headline": html.escape(entry.title), "text": body},
        "group": html.escape(entry.label),
        "display_date": format_date(entry.occurred, lang),
        "unique_id": entry.id,
    }
    if end is not None:
        event["end_date"] = end
    return event


def timelinejs(page: WidgetPage) -> dict[str, Any]:
    name = page.region.name if page.region else page.programme.name if page.programme else ""
    return {
        "title": {
            "text": {
                "headline": html.escape(name),
                "text": html.escape(TEXT[page.lang]["name"]),
            }
        },
        "events": [timelinejs_event(e, page.lang) for e in page.entries],
    }
