"""Which statuses of a (region, programme) pair end which, and which is the strongest.

A pair's status is a set of facts: a designation, a plan, a rating, an award and an ending are
different kinds of fact and coexist. A fact ends only when the sources say so: a later fact of
the same status replaces it, an ending (`designation_ended`) ends everything before it, and a
programme may declare in its catalogue entry that one status supersedes others
(`supersedes = { designated = ["planned"] }`). The headline answer is the strongest holding
status by the programme's `rank`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import msgspec

from events.reference import Programme

ENDED = "ended"  # the status `designation_ended` sets: the pair's participation ended


class StatusRules:
    def __init__(self, programmes: Iterable[Programme]) -> None:
        self.supersedes: dict[str, dict[str, frozenset[str]]] = {}
        self.rank: dict[str, dict[str, int]] = {}
        for programme in programmes:
            self.supersedes[programme.slug] = {
                status: frozenset(ended) for status, ended in programme.supersedes.items()
            }
            self.rank[programme.slug] = {status: at for at, status in enumerate(programme.rank)}
        declared = {
            slug: {status: sorted(ended) for status, ended in sorted(rules.items())}
            for slug, rules in sorted(self.supersedes.items())
        }
        raw = msgspec.json.encode(declared)
        # What the projected rows depend on (ranks are applied at query time).
        self.fingerprint = hashlib.sha256(raw).hexdigest()[:16]

    def ends(self, programme: str, later: str, earlier: str) -> bool:
        """Whether a fact with status `later` ends an earlier fact with status `earlier`."""
        if later in (earlier, ENDED):
            return True
        return earlier in self.supersedes.get(programme, {}).get(later, ())

    def strength(self, programme: str, status: str) -> int:
        """Lower is stronger: the position in the programme's `rank`, unlisted last."""
        ranks = self.rank.get(programme, {})
        return ranks.get(status, len(ranks))
