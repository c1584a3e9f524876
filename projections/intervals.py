"""A region's status in a programme over valid time, as one interval per fact.

Each status-bearing event is a fact of a (region, programme) pair: a status taking effect at
a fuzzy date, possibly from its `earliest` day (open = unknown, any day before) and
definitely from its `latest`. Facts apply in timeline order (interval start, precision,
position). On a day D the answer is the last fact that may have happened by D; it is
certain ("yes") once D reaches its `latest`, "uncertain" before, and "no" if no fact may
have happened yet.

So a fact answers on [valid_from, valid_to): from its earliest day up to the earliest day a
later fact may take over (empty when a later fact has an open start), certain from
`certain_from`. Facts with earliest days in timeline order make these intervals disjoint,
and an as-of question is an index lookup for the interval containing D.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import msgspec

FIRST_DAY = date.min.toordinal()  # an open start; as `valid_to`, "never"
LAST_DAY = date.max.toordinal()  # no end (yet)
FIRST = date.min.isoformat()
LAST = date.max.isoformat()


class Fact(msgspec.Struct, array_like=True):
    """A current fact of a pair as the projection tracks it: where it sorts, when it may start
    (a day ordinal, None if open), and the row showing it with that row's `valid_to`."""

    sort_key: int
    position: int
    earliest: int | None
    seg_id: int
    valid_to: int


@lru_cache(maxsize=65536)
def iso(ordinal: int) -> str:
    return date.fromordinal(ordinal).isoformat()


def relayout(facts: list[Fact], index: int, inserted: bool) -> list[tuple[int, int]]:
    """After a fact was inserted at `index` (or removed from there): (index, valid_to) of each
    fact whose row must change, the inserted one included.

    A fact holds until the earliest possible start of any later fact, so a change at `index`
    only shortens or lengthens the facts before it, back to the first one it leaves alone.
    """
    changes: list[tuple[int, int]] = []
    bound = LAST_DAY
    if index + 1 < len(facts):
        following = facts[index + 1]
        bound = min(following.valid_to, _start(following))
    for at in range(min(index, len(facts) - 1), -1, -1):
        fact = facts[at]
        if fact.valid_to == bound and not (inserted and at == index):
            if at < index:
                break
        else:
            changes.append((at, bound))
        bound = min(bound, _start(fact))
    return changes


def _start(fact: Fact) -> int:
    return FIRST_DAY if fact.earliest is None else fact.earliest
