"""Finding regions in the gazetteer: by parent, level and text, a page at a time.

`q` matches a code by prefix when it is digits (`1407`), else Chinese names and aliases by
substring (`介休`) and pinyin or English names by substring ignoring case, tone marks and
apostrophes (`jiexiu`, `lvliang`, `xian`). Results are in code order; the cursor is the last
code of the previous page, so pages stay stable while nothing is added before them.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable

from events.reference import Reference, Region, RegionLevel, region_level


def ascii_fold(text: str) -> str:
    """Lower case without ü, apostrophes or spaces, so `lvliang`, `luliang` and `Lüliang` match."""
    return text.lower().replace("ü", "u").replace("v", "u").replace("'", "").replace(" ", "")


class _Entry:
    __slots__ = ("chinese", "latin", "level", "region")

    def __init__(self, region: Region) -> None:
        self.region = region
        self.level = region_level(region)
        self.chinese = "\n".join([region.name.zh, *region.aliases])
        self.latin = "\n".join(ascii_fold(t) for t in (region.name.en, region.pinyin or "") if t)


class RegionIndex:
    """The regions of one catalogue with their search keys, in code order."""

    def __init__(self, regions: Iterable[Region]) -> None:
        self.entries = [_Entry(region) for region in sorted(regions, key=lambda r: r.code)]

    def search(
        self,
        *,
        q: str | None = None,
        parent: str | None = None,
        level: RegionLevel | None = None,
        after: str | None = None,
    ) -> Iterable[Region]:
        """Matching regions in code order, from the code after `after`."""
        text = (q or "").strip()
        folded = ascii_fold(text)
        for entry in self.entries:
            region = entry.region
            if after is not None and region.code <= after:
                continue
            if parent is not None and region.parent != parent:
                continue
            if level is not None and entry.level != level:
                continue
            if text and not _matches(entry, text, folded):
                continue
            yield region


def _matches(entry: _Entry, text: str, folded: str) -> bool:
    if text.isdigit():
        return entry.region.code.startswith(text)
    return text in entry.chinese or (bool(folded) and folded in entry.latin)


_INDEXES: weakref.WeakKeyDictionary[Reference, tuple[list[Region], RegionIndex]] = weakref.WeakKeyDictionary()


def region_index(reference: Reference) -> RegionIndex:
    """The index of `reference`'s regions, rebuilt when the reference has reloaded them."""
    regions = reference.regions()
    cached = _INDEXES.get(reference)
    # Reference re-decodes every entry after an upsert, so identity of an entry tells staleness.
    if (
        cached is not None
        and len(cached[0]) == len(regions)
        and all(a is b for a, b in zip(cached[0][:1], regions[:1], strict=True))
    ):
        return cached[1]
    index = RegionIndex(regions)
    _INDEXES[reference] = (regions, index)
    return index
