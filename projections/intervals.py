"""A region's status in a programme over valid time, from the dated events that set it.

Each status-bearing event is a `Fact`: a status that takes effect at a fuzzy date, possibly
from its `earliest` day (open = unknown, any day before) and definitely from its `latest`.
Facts apply in timeline order (interval start, precision, position). On a day D the answer
is the last fact that may have happened by D: "yes" if it certainly had (latest <= D),
"uncertain" otherwise, with its window and the status before it (`previous`, the last earlier
fact certain by D). Days without a candidate are "no" and get no segment.

The answer only changes on a fact's earliest or latest day, so the status
is stored as segments [valid_from, valid_to) that an as-of question finds by index.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import msgspec

from events.dates import parse_edtf

FIRST_DAY = date.min.toordinal()
LAST_DAY = date.max.toordinal()  # `valid_to` of a segment that never ends
_encode = msgspec.json.Encoder().encode


class Fact(msgspec.Struct, frozen=True, array_like=True):
    """A status taking effect at `occurred`, with the events that support it."""

    position: int
    sort_key: int
    status: str
    occurred: str
    evidence: list[Any]


class Segment(msgspec.Struct, frozen=True, array_like=True):
    """A stored segment: its row id, its valid days and its answer (JSON, compared verbatim)."""

    seg_id: int
    valid_from: int
    valid_to: int
    answer: str


class Answer(msgspec.Struct, frozen=True):
    valid_from: int
    valid_to: int
    status: str
    certainty: str
    answer: str


def _bounds(fact: Fact) -> tuple[int | None, int | None]:
    fuzzy = parse_edtf(fact.occurred)
    earliest = fuzzy.earliest.toordinal() if fuzzy.earliest else None
    latest = fuzzy.latest.toordinal() if fuzzy.latest else None
    return earliest, latest


def _answer_at(day: int, bounds: list[tuple[int | None, int | None]]) -> tuple[int, int, int]:
    """(candidate index or -1, 1 if certain else 0, previous index or -1) on `day`."""
    candidate = -1
    for index, (earliest, _) in enumerate(bounds):
        if earliest is None or earliest <= day:
            candidate = index
    if candidate < 0:
        return -1, 0, -1
    latest = bounds[candidate][1]
    if latest is not None and latest <= day:
        return candidate, 1, -1
    previous = -1
    for index in range(candidate):
        latest = bounds[index][1]
        if latest is not None and latest <= day:
            previous = index
    return candidate, 0, previous


def segments(facts: list[Fact]) -> list[Answer]:
    """The answers over valid time for facts already in timeline order; "no" days omitted."""
    bounds = [_bounds(fact) for fact in facts]
    days = {FIRST_DAY}
    for earliest, latest in bounds:
        if earliest is not None:
            days.add(earliest)
        if latest is not None:
            days.add(latest)
    starts = sorted(days)
    out: list[Answer] = []
    last: tuple[int, int, int] | None = None
    for index, day in enumerate(starts):
        state = _answer_at(day, bounds)
        end = starts[index + 1] if index + 1 < len(starts) else LAST_DAY
        if day >= end:  # a fact ending on the last representable day
            continue
        if state == last:
            if state[0] >= 0:  # the same answer goes on: extend the segment
                previous = out[-1]
                out[-1] = Answer(
                    previous.valid_from, end, previous.status, previous.certainty, previous.answer
                )
            continue
        last = state
        if state[0] >= 0:
            out.append(_make(day, end, state, facts))
    return out


def _make(
    day: int,
    end: int,
    state: tuple[int, int, int],
    facts: list[Fact],
) -> Answer:
    candidate, certain, previous = state
    fact = facts[candidate]
    fuzzy = parse_edtf(fact.occurred)
    certainty = "yes" if certain else "uncertain"
    window = None
    evidence = list(fact.evidence)
    if not certain:
        window = {"earliest": fuzzy.earliest, "latest": fuzzy.latest}
        if previous >= 0:
            evidence.extend(facts[previous].evidence)
    answer: dict[str, Any] = {
        "status": fact.status,
        "certainty": certainty,
        "since": {
            "edtf": fact.occurred,
            "precision": fuzzy.precision,
            "earliest": fuzzy.earliest,
            "latest": fuzzy.latest,
        },
        "window": window,
        "previous": facts[previous].status if previous >= 0 else None,
        "evidence": evidence,
    }
    return Answer(day, end, fact.status, certainty, _encode(answer).decode())


def iso(ordinal: int) -> str:
    return date.fromordinal(ordinal).isoformat()
