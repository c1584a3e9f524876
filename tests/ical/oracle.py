"""The same calendar as `api.ics.render_calendar`, built and serialised by the icalendar library.

Content (texts, dates, order) comes from api.ics's own helpers; only the serialisation —
escaping, folding, property order, value formats — is icalendar's, so comparing the bytes of
the two proves the hand-written serialiser.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, TimezoneStandard, vText

from api import ics
from events.reference import Reference
from projections.models import TimelineEntry

SHANGHAI = ZoneInfo("Asia/Shanghai")


def oracle_calendar(entries: Iterable[TimelineEntry], feed: ics.FeedInfo, reference: Reference) -> bytes:
    calendar = Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", ics.PRODID + feed.lang.upper())
    calendar.add("calscale", "GREGORIAN")
    for name in ("description", "x-wr-caldesc"):
        calendar.add(name, vText(feed.description))
    for name in ("name", "x-wr-calname"):
        calendar.add(name, vText(feed.name))
    calendar.add("refresh-interval", timedelta(hours=6), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vText("PT6H"))
    calendar.add_component(_timezone())
    for entry in sorted(entries, key=ics.calendar_order):
        event = _event(entry, feed, reference)
        if event is not None:
            calendar.add_component(event)
    return calendar.to_ical()


def _timezone() -> Timezone:
    zone = Timezone()
    zone.add("tzid", ics.TZID)
    zone.add("x-lic-location", ics.TZID)
    standard = TimezoneStandard()
    standard.add("dtstart", datetime(1970, 1, 1))
    standard.add("tzname", "CST")
    standard.add("tzoffsetfrom", timedelta(hours=8))
    standard.add("tzoffsetto", timedelta(hours=8))
    zone.add_component(standard)
    return zone


def _event(entry: TimelineEntry, feed: ics.FeedInfo, reference: Reference) -> Event | None:
    lang = feed.lang
    place = ics.placement(entry.occurred.edtf, lang, spans=feed.spans)
    if place is None:
        return None
    url = f"{feed.public_url}/events/{entry.event_id}"
    summary = (place.label or "") + ics.pick(entry.title, lang)
    if entry.retracted:
        summary = ics.WORDS[lang]["retracted_tag"] + summary
    event = Event()
    event.add("summary", summary)
    if place.end is None:
        assert isinstance(place.start, datetime)
        aware = place.start.tzinfo is not None  # a UTC instant (before 1992)
        event.add("dtstart", place.start if aware else place.start.replace(tzinfo=SHANGHAI))
    else:
        event.add("dtstart", place.start)
        event.add("dtend", place.end)
    event.add("dtstamp", ics.modified_at(entry))
    event.add("uid", f"{entry.event_id}@reform-timeline")
    event.add("sequence", entry.sequence)
    event.add("categories", ics.categories(entry, lang, reference))
    event.add("class", "PUBLIC")
    event.add("created", entry.recorded_at)
    event.add("description", ics.description(entry, place, lang, reference, url))
    event.add("last-modified", ics.modified_at(entry))
    event.add("location", ics.location(entry, lang, reference))
    event.add("status", "CANCELLED" if entry.retracted else "CONFIRMED")
    event.add("transp", "TRANSPARENT")
    event.add("url", url)
    return event
