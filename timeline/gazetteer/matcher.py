"""Finding the regions a Chinese text names, with their character offsets.

Every official name, and every alias of two characters or more, is a surface. The text is
scanned for every surface at once (Aho-Corasick, `pyahocorasick`); overlapping finds are then
settled so that `晋中市` is one mention and never also a mention of a region named `中市`.
One-character aliases (`晋`) are left out: a single character is too often part of a word.

Where surfaces overlap, the longest wins, then the leftmost: in `介休市和平遥县` the county
`平遥县` beats `和平` (和平区) that straddles it.

A surface several regions share stays ambiguous (`code` None, every code in `candidates`)
unless the publishing region (`context`) settles it: a bare name resolves within the context
first, then within its parent, and so on up. A retired code and its successor are one place
under two codes: a bare `太谷` stays ambiguous between 140726 and 140703, since only the date of
the fact tells which code it takes (the extractor knows it; `timeline.curation.places`
settles it); the old official name `太谷县` means 140726.
`全市`, `我市`, `本市` (and 省, 县, 区, 旗, 州) mean the nearest of the context and the regions
above it whose name ends in that character.

Two-character names are often ordinary words too (资源县 in 资源, 范县 in 示范县): given a
context, a two-character surface counts only if one of its regions lies in the context's province.
"""

from __future__ import annotations

from collections.abc import Iterable

import ahocorasick
import msgspec

from events.reference import Region

DEICTIC_PREFIXES = ("全", "我", "本")
DEICTIC_SUFFIXES = ("省", "市", "县", "区", "旗", "州")


class RegionMention(msgspec.Struct, frozen=True):
    start: int
    end: int
    surface: str  # text[start:end]
    code: str | None  # resolved code, None when ambiguous
    candidates: tuple[str, ...]  # all codes the surface could mean


class _Surface(msgspec.Struct):
    official: list[str] = msgspec.field(default_factory=list)  # codes whose name (or parent+name) it is
    alias: list[str] = msgspec.field(default_factory=list)  # codes it is another name of


class RegionMatcher:
    def __init__(self, regions: Iterable[Region]) -> None:
        self.regions = {region.code: region for region in regions}
        self._surfaces: dict[str, _Surface] = {}
        for region in self.regions.values():
            parent = self.regions.get(region.parent or "")
            with_parent = parent.name.zh + region.name.zh if parent else None
            self._add(region.name.zh, region.code, official=True)
            for alias in region.aliases:
                self._add(alias, region.code, official=alias == with_parent)
        self._automaton = ahocorasick.Automaton()
        for surface in self._surfaces:
            self._automaton.add_word(surface, surface)
        for prefix in DEICTIC_PREFIXES:
            for suffix in DEICTIC_SUFFIXES:
                self._automaton.add_word(prefix + suffix, prefix + suffix)
        self._automaton.make_automaton()

    def _add(self, surface: str, code: str, *, official: bool) -> None:
        if len(surface) < 2:
            return
        entry = self._surfaces.setdefault(surface, _Surface())
        target = entry.official if official else entry.alias
        if code not in target:
            target.append(code)

    def find(self, text: str, *, context: str | None = None) -> list[RegionMention]:
        """Mentions in text order; `context` is the code of the region that published the text."""
        if not self._surfaces:
            return []
        province = self._province(context)
        found: list[RegionMention] = []
        for end, surface in self._automaton.iter(text):
            start = end - len(surface) + 1
            if surface in self._surfaces:
                code, candidates = self._resolve(self._surfaces[surface], context)
                if province and len(surface) <= 2 and not any(self._within(c, province) for c in candidates):
                    continue
            else:
                code = self._deictic(surface[-1], context)
                if code is None:
                    continue
                candidates = (code,)
            found.append(RegionMention(start, end + 1, surface, code, candidates))
        return _longest_first(found, len(text))

    def _resolve(self, entry: _Surface, context: str | None) -> tuple[str | None, tuple[str, ...]]:
        candidates = tuple(dict.fromkeys([*entry.official, *entry.alias]))
        for pool in (entry.official, candidates):  # an official name outranks an alias
            if not pool:
                continue
            for scope in self._scopes(context):
                near = [code for code in pool if scope is None or self._within(code, scope)]
                if near:
                    return (near[0] if len(near) == 1 else None), candidates
        return None, candidates

    def _province(self, context: str | None) -> str | None:
        """The context's highest region below the nation (itself, if it is a province)."""
        scopes = [s for s in self._scopes(context) if s is not None]
        below_nation = [s for s in scopes if self.regions[s].kind != "nation"]
        return below_nation[-1] if below_nation else None

    def _scopes(self, context: str | None) -> list[str | None]:
        """The context, then each region above it, then the whole country (None)."""
        scopes: list[str | None] = []
        while context is not None and context in self.regions and context not in scopes:
            scopes.append(context)
            context = self.regions[context].parent
        return [*scopes, None]

    def _within(self, code: str, scope: str) -> bool:
        seen: set[str] = set()
        while code is not None and code not in seen:
            if code == scope:
                return True
            seen.add(code)
            code = self.regions[code].parent if code in self.regions else None  # type: ignore[assignment]
        return False

    def _deictic(self, suffix: str, context: str | None) -> str | None:
        for scope in self._scopes(context):
            if scope is not None and self.regions[scope].name.zh.endswith(suffix):
                return scope
        return None


def _longest_first(found: list[RegionMention], length: int) -> list[RegionMention]:
    """Non-overlapping mentions, longer ones chosen first, then those further left; in text order."""
    taken = [False] * length
    chosen = []
    for mention in sorted(found, key=lambda m: (m.start - m.end, m.start)):
        if not any(taken[mention.start : mention.end]):
            taken[mention.start : mention.end] = [True] * (mention.end - mention.start)
            chosen.append(mention)
    return sorted(chosen, key=lambda m: m.start)
