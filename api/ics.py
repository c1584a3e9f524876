"""Timeline entries as an iCalendar feed (RFC 5545, RFC 7986): pure rendering, no HTTP.

Only what is known to the day goes into people's calendars by default: a day is an all-day event
and a date-time a timed event in Asia/Shanghai (in UTC before 1992: China kept summer time in
1986-1991, which the embedded fixed-offset VTIMEZONE does not carry). Month, year, qualified
(`?` `~` `%`) and closed interval dates are shown, with `spans`, as all-day spans labelled with
what is known. A fact known only to have happened by some day (`../2024-08-28`, the day a source
reported it) is, with `reported` (the default), an all-day event on that day labelled as a
report; no other day is ever shown for it.

Serialised here rather than through `icalendar`, which takes ~3 ms an event (30 s for 10,000):
the tests hold these bytes to icalendar's own (`Calendar.from_ical(body).to_ical() == body`, and
the same calendar built with icalendar's API serialises to the same bytes). Output depends only on
its inputs (times come from the log, never the clock), so equal logs give byte-identical feeds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Literal, NamedTuple
from zoneinfo import ZoneInfo

import msgspec

from events.dates import PRECISION_RANK, FuzzyDate, parse_edtf
from events.errors import UnknownReference
from events.reference import Programme, Reference, Region
from events.types import LongText, Text
from projections.models import TimelineEntry

Lang = Literal["zh", "en"]
TZID = "Asia/Shanghai"
CST = timezone(timedelta(hours=8))  # China has kept UTC+8 without DST since 1991
SHANGHAI = ZoneInfo(TZID)  # the real rules, for wall-clock times from before then
FIXED_OFFSET_SINCE = datetime(1992, 1, 1, tzinfo=UTC)  # times before this are written in UTC
TTL = "PT6H"
PRODID = "-//reform-timeline//ICS feed 1.0//"
_CRLF = b"\r\n"
_FOLD = b"\r\n "
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
VTIMEZONE = (
    "BEGIN:VTIMEZONE",
    f"TZID:{TZID}",
    f"X-LIC-LOCATION:{TZID}",
    "BEGIN:STANDARD",
    "DTSTART:19700101T000000",
    "TZNAME:CST",
    "TZOFFSETFROM:+0800",
    "TZOFFSETTO:+0800",
    "END:STANDARD",
    "END:VTIMEZONE",
)
TYPE_NAMES: dict[str, tuple[str, str]] = {
    "meeting_held": ("会议", "Meeting"),
    "pilot_designated": ("试点认定", "Pilot designation"),
    "designation_ended": ("认定终止", "Designation ended"),
    "incentive_awarded": ("激励", "Incentive"),
    "rating_awarded": ("评价", "Rating"),
    "institution_established": ("机构设立", "Institution established"),
    "policy_issued": ("政策发布", "Policy issued"),
    "metric_reported": ("指标", "Metric reported"),
    "target_set": ("目标", "Target set"),
}
_PHRASES: dict[str, tuple[str, str]] = {  # (zh, en)
    "date": ("日期：{}（EDTF：{}）", "Date: {} (EDTF {})"),
    "time": ("时间：{}（北京时间）", "Time: {} (Beijing time, UTC+8)"),
    "span": (
        "来源未给出确切日期，日历中显示为整个时段。",
        "The source gives no exact day: the calendar shows the whole span.",
    ),
    "between": ("{}至{}之间", "between {} and {}"),
    "confidence": ("可信度：{}", "Confidence: {}"),
    "note": ("备注：{}", "Note: {}"),
    "corrected": ("更正（{}）：{}", "Corrected {}: {}"),
    "retracted": ("已撤回（{}）：{}", "Retracted {}: {}"),
    "retracted_tag": ("[已撤回] ", "[Retracted] "),
    "reported_tag": ("[报道] ", "[Reported] "),
    "reported": (
        "发生于{}或之前：来源在该日报道时已成事实，实际日期不详。",
        "Happened on or before {}: already true when the source reported it; the day it happened is unknown.",
    ),
    "sources": ("来源：", "Sources:"),
    "source": ("- 《{}》（{}，{}）", "- {} ({}, {})"),
    "separator": ("，", ", "),
    "link": ("详情：{}", "Details: {}"),
    "list": ("、", ", "),
}
WORDS: dict[Lang, dict[str, str]] = {
    "zh": {key: zh for key, (zh, _) in _PHRASES.items()},
    "en": {key: en for key, (_, en) in _PHRASES.items()},
}
_CONFIDENCE = {"medium": {"zh": "中", "en": "medium"}, "low": {"zh": "低", "en": "low"}}


class FeedInfo(msgspec.Struct, frozen=True, kw_only=True):
    """What a feed is: its name and description (in `lang`), and how it places fuzzy dates."""

    name: str
    description: str
    lang: Lang
    spans: bool
    public_url: str
    reported: bool = True


class Placement(NamedTuple):
    """Where an entry goes: all day from `start` to the exclusive `end`, or at a local time."""

    start: date | datetime  # naive: wall-clock time in Asia/Shanghai; aware: a UTC instant
    end: date | None
    label: str | None  # what is known, for SUMMARY, when the calendar shows a span
    reported: bool = False  # a known-by fact, shown on the day it was reported


# -- lines --------------------------------------------------------------------------------------


def escape(text: str) -> str:
    """RFC 5545 TEXT escaping; CR LF, CR and LF each become one escaped newline."""
    # Chained replaces: several times faster than str.translate on non-ASCII text.
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\n")
        .replace("\r", "\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> bytes:
    """A content line with its CRLF, folded into physical lines of at most 75 octets.

    Cuts only between characters: never inside a UTF-8 sequence, and never inside a TEXT escape
    (`\\,` `\\;` `\\n` `\\\\`), so an escape stays on one physical line for clients that
    unfold badly. Whether a backslash before the cut opens an escape depends on the backslashes
    before it: an even run is whole escaped pairs, and the cut may fall right after them
    (icalendar steps back over the second of a pair, splitting it). Like icalendar, no cut right
    after a caret (an RFC 6868 escape in parameters), so both fold the rest alike.
    """
    data = line.encode()
    if len(data) < 75:
        return data + _CRLF
    parts: list[bytes] = []
    start, size = 0, len(data)
    while size - start > 74:
        cut = start + 74
        while data[cut] & 0xC0 == 0x80:
            cut -= 1
        run = cut
        while run > start and data[run - 1] == 0x5C:  # backslash
            run -= 1
        if ((cut - run) % 2 or data[cut - 1] == 0x5E) and cut - 1 > start:
            cut -= 1
        parts.append(data[start:cut])
        start = cut
    parts.append(data[start:])
    return _FOLD.join(parts) + _CRLF


@lru_cache(maxsize=4096)  # entries loaded together share their times
def utc_stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def modified_at(entry: TimelineEntry) -> datetime:
    """When the log last changed the entry, to the second, later with each change.

    iCalendar times have whole seconds: a correction recorded within the second of the event it
    corrects is placed one second after it, so calendars still see it as newer.
    """
    if not entry.sequence:
        return entry.last_modified
    changes = [c.recorded_at for c in entry.corrections]
    if entry.retraction is not None:
        changes.append(entry.retraction.recorded_at)
    moment = entry.recorded_at.replace(microsecond=0)
    for change in sorted(changes):
        moment = max(change.replace(microsecond=0), moment + timedelta(seconds=1))
    return moment


def day_stamp(day: date) -> str:
    return f"{day.year:04}{day.month:02}{day.day:02}"


def _day(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d")


# -- dates --------------------------------------------------------------------------------------


def placement(edtf: str, lang: Lang, *, spans: bool, reported: bool = False) -> Placement | None:
    """Where an `occurred` value goes in a calendar, or None when it must stay out."""
    value = parse_edtf(edtf)
    if value.earliest is None and value.latest is not None and reported:
        # Known by the day a source reported it: that day, labelled as a report (only when the
        # day itself is known: `../2024-08` names no day to show).
        if parse_edtf(edtf.split("/")[-1]).precision != "day":
            return None
        day = value.latest
        return Placement(day, day + timedelta(days=1), WORDS[lang]["reported_tag"], reported=True)
    if value.earliest is None or value.latest is None:
        return None  # open-ended: no start to show
    exact = not (value.uncertain or value.approximate)
    if value.precision == "time" and exact:
        return Placement(calendar_time(edtf), None, None)
    if value.precision == "day" and exact:
        return Placement(value.earliest, value.earliest + timedelta(days=1), None)
    if not spans:
        return None
    return Placement(value.earliest, value.latest + timedelta(days=1), f"[{when(edtf, lang)}] ")


def calendar_time(edtf: str) -> datetime:
    """Wall-clock time in Beijing, or the UTC instant for a time before 1992 (summer time then)."""
    moment = datetime.fromisoformat(edtf)
    instant = moment.replace(tzinfo=SHANGHAI) if moment.tzinfo is None else moment
    if instant < FIXED_OFFSET_SINCE:
        return instant.astimezone(UTC)
    return local_time(edtf)


def local_time(edtf: str) -> datetime:
    """A date-time as wall-clock time in Beijing; without an offset it is taken as written there."""
    moment = datetime.fromisoformat(edtf)
    return moment if moment.tzinfo is None else moment.astimezone(CST).replace(tzinfo=None)


def when(edtf: str, lang: Lang) -> str:
    """A fuzzy date in words: `2017年10月`, `Oct 2017`, `between 2024 and 24 Mar 2025`."""
    if "/" not in edtf:
        return _single(parse_edtf(edtf), lang)
    start, end = (_single(parse_edtf(side), lang) for side in edtf.split("/"))
    return WORDS[lang]["between"].format(start, end)


def _single(value: FuzzyDate, lang: Lang) -> str:
    day = value.earliest
    assert day is not None
    if value.precision == "year":
        text = f"{day.year}年" if lang == "zh" else f"{day.year}"
    elif value.precision == "month":
        text = f"{day.year}年{day.month}月" if lang == "zh" else f"{_MONTHS[day.month - 1]} {day.year}"
    else:
        text = (
            f"{day.year}年{day.month}月{day.day}日"
            if lang == "zh"
            else f"{day.day} {_MONTHS[day.month - 1]} {day.year}"
        )
    if value.precision == "time":
        text += " " + local_time(value.edtf).strftime("%H:%M")
    if value.approximate:
        text = ("约" if lang == "zh" else "c. ") + text
    return text + "?" if value.uncertain else text


# -- events -------------------------------------------------------------------------------------


def calendar_order(entry: TimelineEntry) -> tuple[date, int, int]:
    """Feeds list events in timeline order (`events.dates.sort_key`), then by log position."""
    occurred = entry.occurred
    day = occurred.earliest or occurred.latest
    assert day is not None
    return day, PRECISION_RANK[occurred.precision], entry.position


def render_event(entry: TimelineEntry, feed: FeedInfo, reference: Reference) -> bytes | None:
    """One VEVENT, or None when the entry's date has no place in this feed."""
    lang = feed.lang
    place = placement(entry.occurred.edtf, lang, spans=feed.spans, reported=feed.reported)
    if place is None:
        return None
    summary = (place.label or "") + pick(entry.title, lang)
    if entry.retracted:
        summary = WORDS[lang]["retracted_tag"] + summary
    url = f"{feed.public_url}/events/{entry.event_id}"
    modified = utc_stamp(modified_at(entry))
    if place.end is None and isinstance(place.start, datetime) and place.start.tzinfo is not None:
        when_lines = f"DTSTART:{place.start:%Y%m%dT%H%M%S}Z\r\n"
    elif place.end is None:
        when_lines = f"DTSTART;TZID={TZID}:{place.start:%Y%m%dT%H%M%S}\r\n"
    else:
        when_lines = (
            f"DTSTART;VALUE=DATE:{day_stamp(place.start)}\r\nDTEND;VALUE=DATE:{day_stamp(place.end)}\r\n"
        )
    status = "CANCELLED" if entry.retracted else "CONFIRMED"
    # Lines of fixed, short ASCII shape need no folding: only text and the URL go through fold().
    return b"".join(
        (
            b"BEGIN:VEVENT\r\n",
            fold(f"SUMMARY:{escape(summary)}"),
            f"{when_lines}DTSTAMP:{modified}\r\nUID:{entry.event_id}@reform-timeline\r\n"
            f"SEQUENCE:{entry.sequence}\r\n".encode(),
            fold("CATEGORIES:" + ",".join(escape(c) for c in categories(entry, lang, reference))),
            f"CLASS:PUBLIC\r\nCREATED:{utc_stamp(entry.recorded_at)}\r\n".encode(),
            fold(f"DESCRIPTION:{escape(description(entry, place, lang, reference, url))}"),
            f"LAST-MODIFIED:{modified}\r\n".encode(),
            fold(f"LOCATION:{escape(location(entry, lang, reference))}"),
            f"STATUS:{status}\r\nTRANSP:TRANSPARENT\r\n".encode(),
            fold(f"URL:{url}"),
            b"END:VEVENT\r\n",
        )
    )


def categories(entry: TimelineEntry, lang: Lang, reference: Reference) -> list[str]:
    """The event's type, then its programmes, named in `lang`."""
    names = TYPE_NAMES.get(entry.type)
    kind = (names[0] if lang == "zh" else names[1]) if names else entry.type
    programmes = [_name(reference.programme, slug, lang) for slug in entry.programmes]
    return [kind, *programmes]


def location(entry: TimelineEntry, lang: Lang, reference: Reference) -> str:
    return WORDS[lang]["list"].join(_name(reference.region, code, lang) for code in entry.regions)


def pick(text: Text | LongText, lang: Lang) -> str:
    return text.zh if lang == "zh" else text.en


def _name(lookup: Callable[[str], Region | Programme], key: str, lang: Lang) -> str:
    try:
        return pick(lookup(key).name, lang)
    except UnknownReference:
        return key


def description(entry: TimelineEntry, place: Placement, lang: Lang, reference: Reference, url: str) -> str:
    """Summary, date as known, caveats, amendments, cited sources and a link to the event."""
    words = WORDS[lang]
    edtf = entry.occurred.edtf
    lines = [pick(entry.summary, lang), ""]
    if place.end is None:
        lines.append(words["time"].format(when(edtf, lang)))
    elif place.reported:
        lines.append(words["reported"].format(_single(parse_edtf(edtf.split("/")[-1]), lang)))
    else:
        lines.append(words["date"].format(when(edtf, lang), edtf))
    if place.label and not place.reported:
        lines.append(words["span"])
    if entry.confidence in _CONFIDENCE:
        lines.append(words["confidence"].format(_CONFIDENCE[entry.confidence][lang]))
    if entry.note is not None:
        lines.append(words["note"].format(pick(entry.note, lang)))
    for correction in entry.corrections:
        lines.append(words["corrected"].format(_day(correction.recorded_at), pick(correction.reason, lang)))
    if entry.retraction is not None:
        retraction = entry.retraction
        lines.append(words["retracted"].format(_day(retraction.recorded_at), pick(retraction.reason, lang)))
    lines += ["", words["sources"]]
    lines += [_citation(ref.document, ref.locator, lang, reference) for ref in entry.sources]
    lines += ["", words["link"].format(url)]
    return "\n".join(lines)


def _citation(document: str, locator: str | None, lang: Lang, reference: Reference) -> str:
    """`- title (publisher, date), locator, url` for a cited document."""
    try:
        source = reference.source(document)
    except UnknownReference:
        return f"- {document}" + (f", {locator}" if locator else "")
    text = WORDS[lang]["source"].format(
        pick(source.title, lang), pick(source.publisher, lang), when(source.published, lang)
    )
    sep = WORDS[lang]["separator"]
    return text + (sep + locator if locator else "") + (sep + source.url if source.url else "")


# -- calendar -----------------------------------------------------------------------------------


def render_calendar(entries: Iterable[TimelineEntry], feed: FeedInfo, reference: Reference) -> bytes:
    """The whole VCALENDAR; `entries` in any order (retracted ones become STATUS:CANCELLED)."""
    head = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}{feed.lang.upper()}",
        "CALSCALE:GREGORIAN",  # no METHOD: a feed is no iTIP message (METHOD:PUBLISH wants ORGANIZER)
        f"DESCRIPTION:{escape(feed.description)}",
        f"X-WR-CALDESC:{escape(feed.description)}",
        f"NAME:{escape(feed.name)}",
        f"X-WR-CALNAME:{escape(feed.name)}",
        f"REFRESH-INTERVAL;VALUE=DURATION:{TTL}",
        f"X-PUBLISHED-TTL:{TTL}",
        *VTIMEZONE,  # always there, so even a feed without events has the component RFC 5545 wants
    ]
    parts = [fold(line) for line in head]
    for entry in sorted(entries, key=calendar_order):
        event = render_event(entry, feed, reference)
        if event is not None:
            parts.append(event)
    parts.append(b"END:VCALENDAR\r\n")
    return b"".join(parts)
