"""EDTF fuzzy dates: intervals, precision, order and precise errors, checked against `edtf`."""

from __future__ import annotations

import calendar
from datetime import date

import edtf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from events.dates import parse_day, parse_edtf, sort_key
from events.errors import InvalidDate


@pytest.mark.parametrize(
    ("text", "precision", "earliest", "latest"),
    [
        ("2021-05-07", "day", date(2021, 5, 7), date(2021, 5, 7)),
        ("2017-10", "month", date(2017, 10, 1), date(2017, 10, 31)),
        ("2024-02", "month", date(2024, 2, 1), date(2024, 2, 29)),
        ("2022", "year", date(2022, 1, 1), date(2022, 12, 31)),
        ("../2024-08-28", "interval", None, date(2024, 8, 28)),
        ("2019-11/..", "interval", date(2019, 11, 1), None),
        ("2019-11-18/2019-11-19", "interval", date(2019, 11, 18), date(2019, 11, 19)),
        ("2024-08-28T11:00:00+08:00", "time", date(2024, 8, 28), date(2024, 8, 28)),
    ],
)
def test_each_form_maps_to_its_interval(text, precision, earliest, latest):
    value = parse_edtf(text)
    assert (value.precision, value.earliest, value.latest) == (precision, earliest, latest)
    assert value.edtf == text


def test_qualifiers_keep_the_interval_and_flag_the_doubt():
    assert parse_edtf("2017-10?").uncertain and not parse_edtf("2017-10?").approximate
    assert parse_edtf("2017~").approximate and parse_edtf("2017~").latest == date(2017, 12, 31)
    both = parse_edtf("2017-10-02%")
    assert both.uncertain and both.approximate and both.earliest == date(2017, 10, 2)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2021-02-30", "day 30 does not exist in February 2021"),
        ("2023-02-29", "day 29 does not exist in February 2023"),
        ("2021-13", "month 13 does not exist"),
        ("abc", "expected YYYY"),
        ("", "empty date"),
        ("../..", "at least one known end"),
        ("..", "only allowed as one side"),
        ("2020/2019", "ends (2019) before it starts (2020)"),
        ("2021-05-07T25:00:00", "time 25:00:00 does not exist"),
        (" 2021", "white space"),
        ("0000", "year 0000"),
        ("2021-05-07/2021-05-08/2021-05-09", "exactly one '/'"),
    ],
)
def test_invalid_dates_say_precisely_what_is_wrong(text, reason):
    with pytest.raises(InvalidDate) as info:
        parse_edtf(text)
    assert reason in str(info.value)


def test_parse_day_accepts_only_a_plain_day():
    assert parse_day("2021-05-07") == date(2021, 5, 7)
    for text in ("2021-05", "2021-05-07?", "../2021-05-07"):
        with pytest.raises(InvalidDate):
            parse_day(text)


def test_order_is_start_then_finer_precision():
    texts = ["2017", "2017-10", "2017-10-01", "../2017-10-01", "2017-09-30"]
    ordered = sorted(texts, key=lambda t: sort_key(parse_edtf(t)))
    # ../2017-10-01 is placed at its known end; on the same day finer precision comes first.
    assert ordered == ["2017", "2017-09-30", "2017-10-01", "2017-10", "../2017-10-01"]


# -- proof against the `edtf` library ------------------------------------------------------

years = st.integers(min_value=1, max_value=9999)
months = st.integers(min_value=1, max_value=12)


@st.composite
def valid_single(draw: st.DrawFn) -> str:
    year = draw(years)
    shape = draw(st.sampled_from(["y", "ym", "ymd"]))
    text = f"{year:04}"
    if shape != "y":
        month = draw(months)
        text += f"-{month:02}"
        if shape == "ymd":
            day = draw(st.integers(1, calendar.monthrange(year, month)[1]))
            text += f"-{day:02}"
    return text + draw(st.sampled_from(["", "", "?", "~", "%"]))


@st.composite
def valid_edtf(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["single", "open-start", "open-end", "closed"]))
    if kind == "single":
        return draw(valid_single())
    if kind == "open-start":
        return f"../{draw(valid_single())}"
    if kind == "open-end":
        return f"{draw(valid_single())}/.."
    a, b = sorted([draw(valid_single()), draw(valid_single())], key=lambda t: parse_edtf(t).earliest)
    if parse_edtf(a).earliest > parse_edtf(b).latest:  # pragma: no cover - sorted above
        a, b = b, a
    return f"{a}/{b}"


def _library_bounds(text: str) -> tuple[date | None, date | None]:
    parsed = edtf.parse_edtf(text)

    def day(bound: object) -> date | None:
        if isinstance(bound, float):  # the library's open ends are +-inf
            return None
        return date(bound.tm_year, bound.tm_mon, bound.tm_mday)  # type: ignore[attr-defined]

    return day(parsed.lower_strict()), day(parsed.upper_strict())


@settings(max_examples=150, deadline=None)
@given(valid_edtf())
def test_intervals_agree_with_the_edtf_library(text):
    ours = parse_edtf(text)
    assert (ours.earliest, ours.latest) == _library_bounds(text)


@settings(max_examples=150, deadline=None)
@given(years, months, st.integers(1, 31))
def test_impossible_days_are_refused_by_both(year, month, day):
    text = f"{year:04}-{month:02}-{day:02}"
    library_accepts = True
    try:
        edtf.parse_edtf(text)
    except Exception:
        library_accepts = False
    try:
        parse_edtf(text)
        ours_accepts = True
    except InvalidDate:
        ours_accepts = False
    exists = day <= calendar.monthrange(year, month)[1]
    assert ours_accepts == exists
    # The edtf library accepts 29 February of every year (0001-02-29, 1900-02-29): only
    # compare with it elsewhere.
    if (month, day) != (2, 29):
        assert library_accepts == exists
