"""api.ics on hand-built entries: dates, texts, escaping, folding, and icalendar's agreement."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from conftest import PROGRAMMES, REGIONS, SOURCES
from hypothesis import given
from hypothesis import strategies as st
from ical.lint import content_lines, lint
from ical.node import ical_js
from ical.oracle import oracle_calendar
from ical.samples import corrected, entry, feed, reference_of, retracted
from icalendar import Calendar, Event, vText
from icalendar.parser import Contentline

from api.ics import Lang, escape, fold, placement, render_calendar
from events.dates import parse_edtf
from events.reference import Reference
from events.types import LongText, Text

FUZZY = ["2017-10", "2024-02", "2022", "2023?", "2021-05-07~", "2015-06-17?", "2024/2025-03-24"]
OPEN = ["../2024-08-28", "../2022", "2019-11/..", "2021-05-07/.."]
LATER = datetime(2024, 10, 2, 1, 2, 3, tzinfo=UTC)


@pytest.fixture(scope="module")
def reference() -> Reference:
    return reference_of(*REGIONS, *PROGRAMMES, *SOURCES)


def events_of(body: bytes) -> list[Event]:
    return Calendar.from_ical(body).walk("VEVENT")


def test_a_day_is_an_all_day_event_ending_the_next_day(reference: Reference) -> None:
    body = render_calendar([entry(occurred="2021-05-07")], feed(), reference)
    lines = content_lines(body)
    assert "DTSTART;VALUE=DATE:20210507" in lines
    assert "DTEND;VALUE=DATE:20210508" in lines
    (event,) = events_of(body)
    assert event.decoded("dtstart") == date(2021, 5, 7)


@pytest.mark.parametrize(
    ("edtf", "local"),
    [
        ("2024-08-28T11:00:00+08:00", "20240828T110000"),
        ("2024-08-28T03:00:00Z", "20240828T110000"),
        ("2024-08-27T22:30:00-04:00", "20240828T103000"),
        ("2024-08-28T11:00:00", "20240828T110000"),  # no offset: Beijing time as written
    ],
)
def test_a_known_time_is_in_asia_shanghai_never_floating(reference: Reference, edtf: str, local: str) -> None:
    body = render_calendar([entry(occurred=edtf)], feed(), reference)
    lines = content_lines(body)
    assert f"DTSTART;TZID=Asia/Shanghai:{local}" in lines
    assert [line for line in lines if line.startswith("DTEND")] == []
    zone = Calendar.from_ical(body).walk("VTIMEZONE")[0]
    assert str(zone["TZID"]) == "Asia/Shanghai"
    (standard,) = zone.walk("STANDARD")
    assert standard.to_ical().decode().count("+0800") == 2 and not zone.walk("DAYLIGHT")
    start = events_of(body)[0].decoded("dtstart")
    assert start.utcoffset() == timedelta(hours=8)
    assert start == datetime.fromisoformat(
        edtf if edtf[-6] in "+-Z" or edtf.endswith("Z") else edtf + "+08:00"
    )


@pytest.mark.parametrize("edtf", FUZZY + OPEN)
def test_a_date_without_a_known_day_is_left_out_by_default(reference: Reference, edtf: str) -> None:
    body = render_calendar([entry(occurred=edtf)], feed(), reference)
    assert b"BEGIN:VEVENT" not in body
    assert lint(body) == []


@pytest.mark.parametrize("edtf", OPEN)
def test_open_ended_dates_are_never_included(reference: Reference, edtf: str) -> None:
    assert b"BEGIN:VEVENT" not in render_calendar([entry(occurred=edtf)], feed(spans=True), reference)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_known_by_fact_is_a_report_on_its_day(reference: Reference, lang: Lang) -> None:
    body = render_calendar([entry(occurred="../2024-08-28")], feed(lang, reported=True), reference)
    assert lint(body) == []
    (event,) = events_of(body)
    assert (event.decoded("dtstart"), event.decoded("dtend")) == (date(2024, 8, 28), date(2024, 8, 29))
    tag, words = (
        ("[报道] ", "2024年8月28日或之前") if lang == "zh" else ("[Reported] ", "on or before 28 Aug 2024")
    )
    assert str(event["SUMMARY"]).startswith(tag)
    assert words in str(event["DESCRIPTION"])
    # Known by a year, or open at the end: no day to show, so still left out.
    for edtf in ("../2022", "2019-11/.."):
        assert b"BEGIN:VEVENT" not in render_calendar(
            [entry(occurred=edtf)], feed(lang, reported=True), reference
        )


@pytest.mark.parametrize(
    ("edtf", "start", "end", "zh", "en"),
    [
        ("2017-10", "20171001", "20171101", "[2017年10月] ", "[Oct 2017] "),
        ("2024-02", "20240201", "20240301", "[2024年2月] ", "[Feb 2024] "),
        ("2022", "20220101", "20230101", "[2022年] ", "[2022] "),
        ("2023?", "20230101", "20240101", "[2023年?] ", "[2023?] "),
        ("2021-05-07~", "20210507", "20210508", "[约2021年5月7日] ", "[c. 7 May 2021] "),
        (
            "2024/2025-03-24",
            "20240101",
            "20250325",
            "[2024年至2025年3月24日之间] ",
            "[between 2024 and 24 Mar 2025] ",
        ),
    ],
)
def test_spans_show_the_whole_period_labelled_with_what_is_known(
    reference: Reference, edtf: str, start: str, end: str, zh: str, en: str
) -> None:
    for lang, label in (("zh", zh), ("en", en)):
        body = render_calendar([entry(occurred=edtf)], feed(lang, spans=True), reference)
        lines = content_lines(body)
        assert f"DTSTART;VALUE=DATE:{start}" in lines
        assert f"DTEND;VALUE=DATE:{end}" in lines
        (event,) = events_of(body)
        assert str(event["SUMMARY"]).startswith(label)


@pytest.mark.parametrize("spans", [False, True])
def test_no_day_appears_that_the_sources_do_not_give(reference: Reference, spans: bool) -> None:
    dates = ["2021-05-07", "2024-08-28T11:00:00+08:00", *FUZZY, *OPEN]
    entries = [entry(i, occurred=edtf) for i, edtf in enumerate(dates, 1)]
    by_uid = {f"{e.event_id}@reform-timeline": parse_edtf(e.occurred.edtf) for e in entries}
    events = events_of(render_calendar(entries, feed("zh", spans=spans), reference))
    assert len(events) == (2 + len(FUZZY) if spans else 2)
    for event in events:
        value = by_uid[str(event["UID"])]
        assert value.earliest is not None and value.latest is not None
        start = event.decoded("dtstart")
        if value.precision == "time":
            assert start.date() == value.earliest
            continue
        assert start == value.earliest
        assert event.decoded("dtend") == value.latest + timedelta(days=1)
        exact = value.precision == "day" and not (value.uncertain or value.approximate)
        assert str(event["SUMMARY"]).startswith("[") != exact


def test_placement_refuses_open_bounds_even_with_spans() -> None:
    assert placement("../2024-08-28", "en", spans=True) is None
    assert placement("2019-11/..", "zh", spans=True) is None


def sample_entries() -> list:
    base = entry(3, "2024-08-28T11:00:00+08:00")
    tricky = Text(zh="标题，含;分号\\反斜杠 𠀀 🎉", en="Title, with; semicolon \\ backslash 𠀀 🎉")
    return [
        entry(1, "2021-05-07", note=LongText(zh="备注。", en="A note, with a comma.")),
        entry(2, "2017-10", confidence="medium", title=tricky),
        corrected(base, LATER, occurred="2024-08-29T09:30:00+08:00"),
        retracted(entry(4, "2022-06-17"), LATER),
        entry(5, "2022", programmes=["county-integration", "dip-payment"], regions=["140781", "140725"]),
        entry(6, "../2024-08-28"),
        entry(7, "2019-11-18", summary=LongText(zh="长" * 400, en="long " * 200)),
    ]


@pytest.mark.parametrize(("lang", "spans"), [("zh", False), ("zh", True), ("en", False), ("en", True)])
def test_bytes_equal_icalendars_serialisation_of_the_same_calendar(
    reference: Reference, lang: str, spans: bool
) -> None:
    info = feed(lang, spans=spans)  # type: ignore[arg-type]
    body = render_calendar(sample_entries(), info, reference)
    assert body == oracle_calendar(sample_entries(), info, reference)


def test_icalendar_parses_without_errors_to_a_fixed_point(reference: Reference) -> None:
    body = render_calendar(sample_entries(), feed("zh", spans=True), reference)
    calendar = Calendar.from_ical(body)
    assert [c.errors for c in calendar.walk()] == [[] for _ in calendar.walk()]
    assert calendar.to_ical() == body
    assert lint(body) == []


def test_chinese_and_four_byte_characters_round_trip(reference: Reference) -> None:
    title = Text(zh="介休𠀀医改🎉" * 12, en="Reform 🎉 𠀀" * 12)
    body = render_calendar([entry(title=title)], feed("zh"), reference)
    assert lint(body) == []
    assert str(events_of(body)[0]["SUMMARY"]) == title.zh


def test_a_title_with_line_breaks_stays_inside_one_escaped_summary(reference: Reference) -> None:
    title = Text(zh="x", en="Evil\r\nEND:VEVENT\r\nBEGIN:VEVENT\nUID:forged\rSUMMARY:y")
    body = render_calendar([entry(title=title)], feed("en"), reference)
    assert lint(body) == []
    lines = content_lines(body)
    assert [line for line in lines if line.startswith("BEGIN:")] == [
        "BEGIN:VCALENDAR",
        "BEGIN:VTIMEZONE",
        "BEGIN:STANDARD",
        "BEGIN:VEVENT",
    ]
    assert [line for line in lines if line.startswith("UID")] == [
        "UID:00000000-0000-7000-8000-000000000001@reform-timeline"
    ]
    (event,) = events_of(body)
    assert str(event["SUMMARY"]) == "Evil\nEND:VEVENT\nBEGIN:VEVENT\nUID:forged\nSUMMARY:y"


def test_output_is_deterministic_whatever_the_input_order(reference: Reference) -> None:
    entries = sample_entries()
    first = render_calendar(entries, feed("en", spans=True), reference)
    random.Random(7).shuffle(entries)
    assert render_calendar(entries, feed("en", spans=True), reference) == first


def test_times_come_from_the_log_never_the_clock(reference: Reference) -> None:
    (event,) = events_of(render_calendar([entry()], feed(), reference))
    recorded = datetime(2024, 9, 1, 8, 30, 15, tzinfo=UTC)
    assert event.decoded("dtstamp") == event.decoded("last-modified") == event.decoded("created") == recorded


def test_a_correction_bumps_sequence_and_last_modified(reference: Reference) -> None:
    before = entry(1, "2021-05-07")
    after = corrected(before, LATER, occurred="2021-05-08")
    (old,) = events_of(render_calendar([before], feed(), reference))
    (new,) = events_of(render_calendar([after], feed(), reference))
    assert old["UID"] == new["UID"]
    assert (old["SEQUENCE"], new["SEQUENCE"]) == (0, 1)
    assert new.decoded("last-modified") == new.decoded("dtstamp") == LATER
    assert new.decoded("dtstart") == date(2021, 5, 8)
    assert "Corrected 2024-10-02: The source was wrong." in str(new["DESCRIPTION"])


def test_a_retraction_is_cancelled_not_dropped(reference: Reference) -> None:
    (event,) = events_of(render_calendar([retracted(entry(1), LATER)], feed("zh"), reference))
    assert str(event["STATUS"]) == "CANCELLED"
    assert event["SEQUENCE"] == 1
    assert str(event["SUMMARY"]).startswith("[已撤回] ")
    assert "已撤回（2024-10-02）：该事件不存在。" in str(event["DESCRIPTION"])


def test_the_event_says_where_what_and_on_what_evidence(reference: Reference) -> None:
    item = entry(
        5, "2021-05-07", programmes=["county-integration", "dip-payment"], regions=["140781", "140725"]
    )
    (en,) = events_of(render_calendar([item], feed("en"), reference))
    (zh,) = events_of(render_calendar([item], feed("zh"), reference))
    url = "http://timeline.test/events/00000000-0000-7000-8000-000000000005"
    assert str(en["URL"]) == url
    assert str(en["LOCATION"]) == "Jiexiu, Shouyang" and str(zh["LOCATION"]) == "介休市、寿阳县"
    assert list(en["CATEGORIES"].cats) == ["Meeting", "County integration", "DIP payment"]
    assert list(zh["CATEGORIES"].cats) == ["会议", "县域一体化", "DIP支付"]
    assert "- Test document (Test, 28 Aug 2024), para 1" in str(en["DESCRIPTION"])
    assert "- 《测试文件》（测试，2024年8月28日），para 1" in str(zh["DESCRIPTION"])
    assert str(en["DESCRIPTION"]).endswith(f"Details: {url}")


def test_a_feed_is_no_itip_message(reference: Reference) -> None:
    # METHOD:PUBLISH without ORGANIZER fails libical's iTIP restriction check; a feed needs none.
    body = render_calendar([entry()], feed(), reference)
    assert [line for line in content_lines(body) if line.startswith("METHOD")] == []
    assert "METHOD" not in Calendar.from_ical(body)


@pytest.mark.parametrize(
    ("edtf", "utc"),
    [
        ("1988-06-01T10:00:00", datetime(1988, 6, 1, 1, 0, tzinfo=UTC)),  # summer time: UTC+9
        ("1988-06-01T10:00:00+08:00", datetime(1988, 6, 1, 2, 0, tzinfo=UTC)),
        ("1990-12-01T10:00:00", datetime(1990, 12, 1, 2, 0, tzinfo=UTC)),  # winter: UTC+8
        ("1991-09-15T01:30:00Z", datetime(1991, 9, 15, 1, 30, tzinfo=UTC)),
    ],
)
def test_a_time_before_1992_is_written_in_utc_at_the_right_instant(
    reference: Reference, tmp_path: Path, edtf: str, utc: datetime
) -> None:
    body = render_calendar([entry(occurred=edtf)], feed(), reference)
    assert f"DTSTART:{utc:%Y%m%dT%H%M%S}Z" in content_lines(body)
    assert events_of(body)[0].decoded("dtstart") == utc
    path = tmp_path / "old.ics"
    path.write_bytes(body)
    assert ical_js([path])[path.name]["events"][0]["utc_start"] == utc.timestamp()
    assert lint(body) == []


def test_a_feed_without_events_is_still_a_valid_calendar(reference: Reference) -> None:
    body = render_calendar([], feed(), reference)
    assert lint(body) == []
    assert Calendar.from_ical(body).walk("VTIMEZONE")  # RFC 5545 wants at least one component


def test_ical_js_reads_the_same_events(reference: Reference, tmp_path: Path) -> None:
    files = {}
    for lang in ("zh", "en"):
        path = tmp_path / f"sample-{lang}.ics"
        path.write_bytes(render_calendar(sample_entries(), feed(lang, spans=True), reference))
        files[path.name] = path
    seen = ical_js(list(files.values()))
    for name, path in files.items():
        ours = events_of(path.read_bytes())
        theirs = seen[name]["events"]
        assert [e["uid"] for e in theirs] == [str(e["UID"]) for e in ours]
        assert [e["summary"] for e in theirs] == [str(e["SUMMARY"]) for e in ours]
        assert [e["description"] for e in theirs] == [str(e["DESCRIPTION"]) for e in ours]
        timed = next(e for e in theirs if not e["all_day"])
        assert timed["tzid"] == "Asia/Shanghai"
        assert timed["utc_start"] == datetime(2024, 8, 29, 1, 30, tzinfo=UTC).timestamp()


# -- the serialiser against icalendar's, on arbitrary text --------------------------------------

TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("\\;,:^\"'\r\n\t NnAé中文𠀀🎉")),
        st.characters(exclude_categories=("Cs", "Cc")),
    ),
    max_size=300,
)


def splits_an_escape(folded: bytes) -> bool:
    """Whether a physical line ends inside a TEXT escape (an odd run of trailing backslashes)."""
    lines = folded.removesuffix(b"\r\n").split(b"\r\n ")
    return any((len(line) - len(line.rstrip(b"\\"))) % 2 for line in lines[:-1])


@given(TEXT)
def test_folding_matches_icalendar(text: str) -> None:
    line = "DESCRIPTION:" + escape(text)
    ours, theirs = fold(line), Contentline(line).to_ical() + b"\r\n"
    assert all(len(part) <= 75 for part in ours.split(b"\r\n"))
    assert ours.replace(b"\r\n ", b"") == line.encode() + b"\r\n"
    assert not splits_an_escape(ours)
    if not splits_an_escape(theirs):  # icalendar 7 splits `\\` when the cut falls after one
        assert ours == theirs


def test_folding_keeps_an_escaped_backslash_pair_on_one_line() -> None:
    line = "DESCRIPTION:" + escape("a" * 60 + "\\" + "b" * 20)  # the pair ends at octet 74
    first, second = fold(line).removesuffix(b"\r\n").split(b"\r\n ")
    assert first.endswith(b"a\\\\") and len(first) == 74
    assert second == b"b" * 20
    # A lone escape straddling the cut still moves whole to the next line.
    line = "DESCRIPTION:" + escape("a" * 61 + ",b")
    first, second = fold(line).removesuffix(b"\r\n").split(b"\r\n ")
    assert first.endswith(b"a") and second.startswith(b"\\,")


def test_escaped_backslashes_survive_folding_in_both_parsers(reference: Reference, tmp_path: Path) -> None:
    title = Text(zh="x", en="C:\\" * 40)
    body = render_calendar([entry(title=title)], feed("en"), reference)
    assert not splits_an_escape(body)
    path = tmp_path / "backslashes.ics"
    path.write_bytes(body)
    assert str(events_of(body)[0]["SUMMARY"]) == title.en
    assert ical_js([path])[path.name]["events"][0]["summary"] == title.en


@given(TEXT.filter(lambda t: "\\N" not in t))
def test_escaping_matches_icalendar(text: str) -> None:
    # icalendar turns a literal `\N` in the input into a newline before escaping (a data change
    # we do not copy: we write `\\N`, which ical.js reads back as the two characters).
    assert escape(text).encode() == vText(text).to_ical()


def test_a_literal_backslash_n_survives_in_ical_js(reference: Reference, tmp_path: Path) -> None:
    title = Text(zh="a\\nb\\Nc\\,d", en="a\\nb\\Nc\\,d")
    path = tmp_path / "backslash.ics"
    path.write_bytes(render_calendar([entry(title=title)], feed(), reference))
    assert ical_js([path])[path.name]["events"][0]["summary"] == title.en


def test_the_lint_catches_what_lenient_parsers_accept() -> None:
    good = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
    assert lint(good) == []
    assert lint(good.replace(b"\r\n", b"\n"))
    assert lint(good.replace(b"VERSION:2.0", b"X-LONG:" + b"a" * 80))
    split_utf8 = "X-T:中文".encode()
    assert lint(good.replace(b"VERSION:2.0", split_utf8[:-1] + b"\r\n " + split_utf8[-1:]))
    assert lint(good.replace(b"VERSION:2.0", b"BEGIN:VEVENT"))
    assert lint(good.replace(b"2.0", b"2.0\x0b"))
