"""A region's statuses in a programme over valid time, as one interval per fact.

Each status-bearing event is a fact of a (region, programme) pair: a status taking effect at
a fuzzy date, possibly from its `earliest` day (open = unknown, any day before) and
definitely from its `latest`. Facts sort in timeline order (interval start, precision,
position). Facts coexist (see `projections.status_rules`): a fact holds on
[valid_from, valid_to), from its earliest day up to the earliest day a later fact that ends
it may take over (empty when such a fact has an open start), certain from `certain_from`.
Facts of one status end each other, so they never overlap, and "which facts hold on D" is
one index lookup per status.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import lru_cache

import msgspec

from projections.status_rules import ENDED

FIRST_DAY = date.min.toordinal()  # an open start; as `valid_to`, "never"
LAST_DAY = date.max.toordinal()  # no end (yet)
FIRST = date.min.isoformat()
LAST = date.max.isoformat()


class Fact(msgspec.Struct, array_like=True):
    """A current fact of a pair as the projection tracks it: where it sorts, its status, when
    it may start (a day ordinal, None if open), and the row showing it with its `valid_to`."""

    sort_key: int
    position: int
    status: str
    earliest: int | None
    seg_id: int
    valid_to: int


@lru_cache(maxsize=65536)
def iso(ordinal: int) -> str:
    return date.fromordinal(ordinal).isoformat()


def layout(facts: list[Fact], ends: Callable[[str, str], bool]) -> list[int]:
    """The `valid_to` of each fact (in timeline order): the earliest possible start of a later
    fact that `ends(later status, earlier status)` it, or no end."""
    bounds: list[int] = []
    # A fact ends at the earliest start of a later one that ends it; an ending itself ends at
    # the next fact of any kind (a region designated again after its designation ended).
    starts: dict[str, int] = {}  # status -> earliest start of the later facts with that status
    for fact in reversed(facts):
        if fact.status == ENDED:
            bounds.append(min(starts.values(), default=LAST_DAY))
        else:
            ending = [start for status, start in starts.items() if ends(status, fact.status)]
            bounds.append(min(ending, default=LAST_DAY))
        starts[fact.status] = min(starts.get(fact.status, LAST_DAY), _start(fact))
    bounds.reverse()
    return bounds


def _start(fact: Fact) -> int:
    return FIRST_DAY if fact.earliest is None else fact.earliest
