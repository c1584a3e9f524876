"""Which regions of a sentence are its participants and its issuers (the rest are subjects).

A sentence names places in several roles: `山西省卫健委将介休市确定为…试点` is about Jiexiu and
issued by Shanxi; `…会议在太原市召开，介休市、平遥县作交流发言` has two counties that spoke at a
meeting held elsewhere. The role words are data (`[roles]` in `cues.toml`); this module only reads
the sentence's layout around them: a region right before a role word (an organ's name may sit
between), for participants the list of regions joined by `、`/`和`/`及` that ends there, and
for issuers also a government body standing for its level (`国家卫生健康委`: the nation).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from events.reference import Region, region_level
from timeline.curation.places import RegionMention
from timeline.curation.rules import RoleWords

_CLAUSE = re.compile(r"[，,。；;：:！？!?]")
_JOINERS = "、和及与"

Placed = tuple[RegionMention, str]  # a mention and the code it resolved to


@dataclass(frozen=True)
class Roles:
    """Region codes by role; `reasons` say which word gave each role."""

    participants: tuple[str, ...] = ()
    issuers: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()

    def without(self, subjects: tuple[str, ...]) -> Roles:
        """The roles of regions that are not subjects: one region has one role per fact."""
        return Roles(
            tuple(c for c in self.participants if c not in subjects),
            tuple(c for c in self.issuers if c not in subjects),
            self.reasons,
        )


class RoleReader:
    """Reads the roles of a sentence's regions; built once per rule set and gazetteer."""

    def __init__(self, words: RoleWords, regions: Mapping[str, Region]) -> None:
        self.words = words
        self.regions = regions
        self.issuer = _alternation(words.issuer)
        self.participant = _alternation(words.participant)
        self.body_level = {body: level for level, names in words.bodies.items() for body in names}
        self.bodies = _alternation(tuple(self.body_level))

    def read(
        self, sentence: str, mentions: list[Placed], type_: str, *, offset: int, context: str | None
    ) -> Roles:
        """Roles in `sentence` (starting at `offset` of the text the `mentions` were found in),
        of a document published by the region `context`."""
        participants: list[str] = []
        issuers: list[str] = []
        reasons: list[str] = []
        if self.participant is not None:
            for word in self.participant.finditer(sentence):
                new = [
                    code
                    for code in self._listed_before(sentence, mentions, word.start(), offset)
                    if code not in participants
                ]
                if new:
                    participants += new
                    reasons.append(f"participants {', '.join(new)}: “{word.group()}”")
        if self.issuer is not None and type_ in self.words.issuer_types:
            actors = [(m, c) for m, c in mentions if not self._is_object(sentence, m.start - offset)]
            actors += self._bodies(sentence, offset, context)
            starts = {m.start - offset for m, _ in mentions}
            for word in self.issuer.finditer(sentence):
                if word.group() in self.words.objects and word.end() not in starts:
                    continue  # `将` with no region after it means "will", not "designate X"
                before = self._listed_before(
                    sentence, actors, word.start(), offset, chain=False, passive=self.words.passive
                )
                new = [code for code in before if code not in issuers and code not in participants]
                if new:
                    issuers += new
                    reasons.append(f"issuer {', '.join(new)}: “{word.group()}”")
        return Roles(tuple(participants), tuple(issuers), tuple(reasons))

    def _bodies(self, sentence: str, offset: int, context: str | None) -> list[Placed]:
        """Government bodies in the sentence, each as a mention of the region it stands for."""
        found: list[Placed] = []
        for match in self.bodies.finditer(sentence) if self.bodies else ():
            code = self._level_of(self.body_level[match.group()], context)
            if code is not None:
                start, end = offset + match.start(), offset + match.end()
                found.append((RegionMention(start, end, match.group(), code, (code,)), code))
        return found

    def _level_of(self, level: str, context: str | None) -> str | None:
        """The region a body of `level` stands for in a document published by `context`."""
        if level == "nation":
            return next((c for c, r in self.regions.items() if r.kind == "nation"), None)
        region = self.regions.get(context or "")
        if region is not None and level == "prefecture" and region.kind == "county-level-city":
            return region.code  # a county-level city's own 市卫健局
        while region is not None and region_level(region) != level:
            region = self.regions.get(region.parent or "")
        return region.code if region is not None else None

    def _is_object(self, sentence: str, start: int) -> bool:
        return sentence[:start].endswith(self.words.objects) if self.words.objects else False

    def _listed_before(
        self,
        sentence: str,
        mentions: list[Placed],
        at: int,
        offset: int,
        *,
        chain: bool = True,
        passive: tuple[str, ...] = (),
    ) -> list[str]:
        """The region right before position `at` of the sentence (an organ's name may come
        between, no clause break, none of the `passive` words), and with `chain` the regions
        listed before it."""
        before = sorted(
            ((m.start - offset, m.end - offset, code) for m, code in mentions if m.end - offset <= at),
            reverse=True,
        )
        found: list[str] = []
        end = at
        for start, stop, code in before:
            gap = sentence[stop:end]
            if _CLAUSE.search(gap) or any(word in gap for word in passive):
                break  # `介休市被确定为`, `寿阳县获得…奖励`: the region received the act
            if found:
                # A list: names joined by 、/和, each perhaps with its organ (介休市卫健局、).
                if not gap or gap[-1] not in _JOINERS or len(gap) > self.words.body + 1:
                    break
            elif len(gap) > self.words.body:
                break
            if code not in found:
                found.append(code)
            if not chain:
                break
            end = start
        return found[::-1]


def _alternation(words: tuple[str, ...]) -> re.Pattern[str] | None:
    ordered = sorted(set(words), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, ordered))) if ordered else None
