"""Fuzzy dates in EDTF (ISO 8601-2, Library of Congress Extended Date/Time Format).

A source may give a day, a month, a year, a span, or only a bound ("already true by the day the
article appeared"). Each value is kept as written and maps to an interval [earliest, latest] of
whole days; `None` stands for an open bound.

Supported: `2021-05-07`, `2017-10`, `2022`, date-times `2024-08-28T11:00:00+08:00`, the level-1
qualifiers `?` (uncertain), `~` (approximate) and `%` (both) on a whole date, closed intervals
`2019-11-18/2019-11-19` and open ones `../2024-08-28`, `2019-11/..`.

The `edtf` package parses the full grammar but takes milliseconds per value; the log parses one
per event, so this module implements the subset above and the tests prove it against `edtf`.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, time
from functools import lru_cache
from typing import Literal

import msgspec

from events.errors import InvalidDate

Precision = Literal["time", "day", "month", "year", "interval"]

# Finer precision sorts first among entries that start on the same day.
PRECISION_RANK: dict[str, int] = {"time": 0, "day": 1, "month": 2, "year": 3, "interval": 4}

# re.ASCII: `\d` would otherwise take any script's digits (Arabic-Indic, full-width...).
_DATE = re.compile(r"(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2}))?)?(?P<q>[?~%])?", re.ASCII)
_DATETIME = re.compile(
    r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})"
    r"T(?P<H>\d{2}):(?P<M>\d{2}):(?P<S>\d{2})(?P<tz>Z|[+-]\d{2}:\d{2})?",
    re.ASCII,
)
OPEN = ".."

# What `parse_edtf` accepts, as one regular expression for JSON Schema (ECMA-262 and Python
# alike): every value it accepts matches; a few that match are still refused by it (30 February,
# an interval that ends before it starts).
_YEAR = "(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})"
_MONTH_DAY = "(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_ONE = (
    f"({_YEAR}-{_MONTH_DAY}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](Z|[+-](0[0-9]|1[0-4]):[0-5][0-9])?"
    f"|{_YEAR}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?[?~%]?)"
)
EDTF_PATTERN = rf"^({_ONE}|{_ONE}/{_ONE}|\.\./{_ONE}|{_ONE}/\.\.)$"


class FuzzyDate(msgspec.Struct, frozen=True, kw_only=True):
    """An EDTF value with the interval of days it may denote."""

    edtf: str
    precision: Precision
    earliest: date | None
    latest: date | None
    uncertain: bool = False
    approximate: bool = False

    @property
    def sort_day(self) -> date:
        """The day an entry is placed at: its start, or its end when only the end is known."""
        day = self.earliest or self.latest
        assert day is not None  # parse_edtf refuses `../..`
        return day

    @property
    def clock(self) -> time | None:
        """Local time of day for a date-time value, else None."""
        if self.precision != "time":
            return None
        match = _DATETIME.fullmatch(self.edtf)
        assert match is not None
        return time(int(match["H"]), int(match["M"]), int(match["S"]))

    def contains(self, day: date) -> bool:
        return (self.earliest is None or self.earliest <= day) and (self.latest is None or day <= self.latest)


def _month_end(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _single(text: str, whole: str) -> FuzzyDate:
    """Parse one date (no interval)."""
    match = _DATETIME.fullmatch(text)
    if match:
        year, month, day = int(match["y"]), int(match["m"]), int(match["d"])
        _check_day(whole, year, month, day)
        hour, minute, second = int(match["H"]), int(match["M"]), int(match["S"])
        if hour > 23 or minute > 59 or second > 59:
            raise InvalidDate(whole, f"time {hour:02}:{minute:02}:{second:02} does not exist")
        if match["tz"] not in (None, "Z"):
            tz_hours, tz_minutes = int(match["tz"][1:3]), int(match["tz"][4:6])
            if tz_hours > 14 or tz_minutes > 59:
                raise InvalidDate(whole, f"time zone offset {match['tz']} does not exist")
        day_value = date(year, month, day)
        return FuzzyDate(edtf=text, precision="time", earliest=day_value, latest=day_value)
    match = _DATE.fullmatch(text)
    if not match:
        raise InvalidDate(
            whole,
            "expected YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss, optionally qualified "
            "with ?, ~ or %, or an interval A/B where either side may be '..'",
        )
    year = int(match["y"])
    if year == 0:
        raise InvalidDate(whole, "year 0000 is outside the supported range 0001-9999")
    qualifier = match["q"] or ""
    flags = {
        "uncertain": qualifier in "?%" and bool(qualifier),
        "approximate": qualifier in "~%" and bool(qualifier),
    }
    if match["m"] is None:
        return FuzzyDate(
            edtf=text,
            precision="year",
            earliest=date(year, 1, 1),
            latest=date(year, 12, 31),
            **flags,
        )
    month = int(match["m"])
    if not 1 <= month <= 12:
        raise InvalidDate(whole, f"month {month:02} does not exist (months are 01-12)")
    if match["d"] is None:
        return FuzzyDate(
            edtf=text,
            precision="month",
            earliest=date(year, month, 1),
            latest=date(year, month, _month_end(year, month)),
            **flags,
        )
    day = int(match["d"])
    _check_day(whole, year, month, day)
    value = date(year, month, day)
    return FuzzyDate(edtf=text, precision="day", earliest=value, latest=value, **flags)


def _check_day(whole: str, year: int, month: int, day: int) -> None:
    if not 1 <= month <= 12:
        raise InvalidDate(whole, f"month {month:02} does not exist (months are 01-12)")
    last = _month_end(year, month)
    if not 1 <= day <= last:
        name = calendar.month_name[month]
        raise InvalidDate(whole, f"day {day:02} does not exist in {name} {year:04} (1-{last})")


@lru_cache(maxsize=65536)
def parse_edtf(text: str) -> FuzzyDate:
    """Parse an EDTF string into a FuzzyDate, or raise InvalidDate saying what is wrong."""
    if not isinstance(text, str) or not text:
        raise InvalidDate(str(text), "empty date")
    if text != text.strip():
        raise InvalidDate(text, "surrounding white space is not allowed")
    if "/" not in text:
        if text == OPEN:
            raise InvalidDate(text, "'..' is only allowed as one side of an interval")
        return _single(text, text)
    if text.count("/") > 1:
        raise InvalidDate(text, "an interval has exactly one '/'")
    start_text, end_text = text.split("/")
    if start_text == OPEN and end_text == OPEN:
        raise InvalidDate(text, "an interval needs at least one known end")
    start = None if start_text == OPEN else _single(start_text, text)
    end = None if end_text == OPEN else _single(end_text, text)
    if start is None and end is None:  # pragma: no cover - excluded above
        raise InvalidDate(text, "an interval needs at least one known end")
    if start is not None and end is not None:
        assert start.earliest is not None and end.latest is not None
        if start.earliest > end.latest:
            raise InvalidDate(text, f"the interval ends ({end_text}) before it starts ({start_text})")
    return FuzzyDate(
        edtf=text,
        precision="interval",
        earliest=start.earliest if start else None,
        latest=end.latest if end else None,
        uncertain=bool((start and start.uncertain) or (end and end.uncertain)),
        approximate=bool((start and start.approximate) or (end and end.approximate)),
    )


def parse_day(text: str) -> date:
    """Parse a plain calendar day (YYYY-MM-DD), as used by `as_of=` and range filters."""
    parsed = parse_edtf(text)
    if parsed.precision != "day" or parsed.uncertain or parsed.approximate:
        raise InvalidDate(text, "expected a single calendar day YYYY-MM-DD")
    assert parsed.earliest is not None
    return parsed.earliest


def sort_key(value: FuzzyDate) -> tuple[date, int]:
    """Timeline order: by the day an entry is placed at, then finer precision first."""
    return value.sort_day, PRECISION_RANK[value.precision]


def check_edtf(field: str, value: str | None) -> None:
    """For a Struct's `__post_init__`: msgspec turns the ValueError into a ValidationError
    naming `field` (its message starts with the field, as `events.errors.field_problem` reads)."""
    if value is None:
        return
    try:
        parse_edtf(value)
    except InvalidDate as e:
        raise ValueError(f"`{field}`: {e}") from None
