"""Region mentions in a text, through the gazetteer's matcher when it is installed.

The gazetteer (`timeline.gazetteer.matcher`) owns the real matcher: aliases, history, pinyin.
Until it is on this branch, `CatalogueMatcher` stands in behind the same interface, built only
from the catalogue's own names: the full name (`介休市`) and the name without its
administrative suffix (`介休`), plus the words meaning the publishing region (`全市`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Protocol

import msgspec

from events.dates import parse_edtf
from events.reference import Region

_SUFFIXES = ("自治县", "自治州", "地区", "省", "市", "县", "区", "旗", "盟")
_OWN = re.compile(r"(?:全|我|本)(?P<kind>省|市|县|区)")


class RegionMention(msgspec.Struct, frozen=True):
    """A place name at [start, end) of a text and the region codes it may mean."""

    start: int
    end: int
    surface: str
    code: str | None  # resolved code, None when ambiguous
    candidates: tuple[str, ...]


class Matcher(Protocol):
    def find(self, text: str, *, context: str | None = None) -> list[RegionMention]: ...


def _short_names(region: Region) -> list[str]:
    names = [region.name.zh]
    for suffix in _SUFFIXES:
        short = region.name.zh.removesuffix(suffix)
        if short != region.name.zh and len(short) >= 2:
            names.append(short)
            break
    return names


class CatalogueMatcher:
    """Longest-name-first matching over the catalogue's Chinese names (a stand-in)."""

    def __init__(self, regions: Iterable[Region]) -> None:
        self.regions = {r.code: r for r in regions}
        self.by_name: dict[str, list[str]] = {}
        for region in self.regions.values():
            if region.kind == "nation":
                continue
            for name in _short_names(region):
                self.by_name.setdefault(name, []).append(region.code)
        names = sorted(self.by_name, key=len, reverse=True)
        self.pattern = re.compile("|".join(re.escape(n) for n in names)) if names else None

    def _within(self, code: str, context: str) -> bool:
        while code:
            if code == context:
                return True
            code = self.regions[code].parent or ""
        return False

    def find(self, text: str, *, context: str | None = None) -> list[RegionMention]:
        found: list[RegionMention] = []
        if self.pattern is not None:
            for match in self.pattern.finditer(text):
                codes = tuple(sorted(self.by_name[match.group()]))
                code = codes[0] if len(codes) == 1 else None
                if code is None and context in self.regions:
                    inside = [c for c in codes if self._within(c, context or "")]
                    code = inside[0] if len(inside) == 1 else None
                found.append(RegionMention(match.start(), match.end(), match.group(), code, codes))
        if context in self.regions:
            kind = self.regions[context or ""].kind
            own = {
                "province": "省",
                "prefecture": "市",
                "county-level-city": "市",
                "county": "县",
                "district": "区",
            }
            for match in _OWN.finditer(text):
                if own.get(kind) == match["kind"]:
                    found.append(
                        RegionMention(match.start(), match.end(), match.group(), context, (context or "",))
                    )
        return sorted(found, key=lambda m: m.start)


def region_matcher(regions: Iterable[Region]) -> Matcher:
    """The gazetteer's matcher when installed, else the catalogue stand-in."""
    try:
        from timeline.gazetteer.matcher import RegionMatcher  # type: ignore[import-not-found]
    except ImportError:
        return CatalogueMatcher(regions)
    return RegionMatcher(regions)  # type: ignore[no-any-return]


class Lineage:
    """Regions that are one place under successive codes (a county that became a district)."""

    def __init__(self, regions: dict[str, Region]) -> None:
        self.regions = regions
        self.predecessors: dict[str, list[str]] = {}
        for region in regions.values():
            if region.successor:
                self.predecessors.setdefault(region.successor, []).append(region.code)

    def of(self, code: str) -> set[str]:
        """Every code of the place `code` names, before and after each change."""
        found, todo = set(), [code]
        while todo:
            current = todo.pop()
            if current in found or current not in self.regions:
                continue
            found.add(current)
            successor = self.regions[current].successor
            todo += [*self.predecessors.get(current, []), *([successor] if successor else [])]
        return found

    def on(self, mention: RegionMention, day: date | None) -> str | None:
        """The code a mention means on `day`: `太谷` is 太谷县 (140726) before 2019 and 太谷区
        (140703) after, whichever of them the matcher resolved it to; a mention whose codes
        are different places stays unresolved (None) for the curator."""
        codes = [mention.code] if mention.code else list(mention.candidates)
        places = {frozenset(self.of(c)) for c in codes if c in self.regions}
        if len(places) != 1 or len(codes) != len([c for c in codes if c in self.regions]):
            return mention.code
        lineage = next(iter(places))
        if day is None or len(lineage) == 1:
            return mention.code or (codes[0] if len(codes) == 1 else None)
        valid = [c for c in sorted(lineage) if _valid_on(self.regions[c], day)]
        return valid[0] if len(valid) == 1 else mention.code


def _valid_on(region: Region, day: date) -> bool:
    if region.valid_from:
        start = parse_edtf(region.valid_from).earliest
        if start and day < start:
            return False
    if region.valid_to:
        end = parse_edtf(region.valid_to).latest
        # A code retired during a year: the year's end is its latest possible day.
        if end and day > end:
            return False
    return True
