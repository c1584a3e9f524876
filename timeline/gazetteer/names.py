"""Names of a division: its kind from the suffix, the name without the suffix, and its pinyin.

`介休市` at county level is a county-level city whose short name is `介休` and whose English
name is `Jiexiu`; `祁县` is `Qi County`; `黔南布依族苗族自治州` is the autonomous prefecture
`黔南`. Pinyin comes from `pypinyin`; where it reads a place name wrongly (`长治` is Changzhi,
not Zhangzhi) the curated `[pinyin]` table of `seeds/regions.toml` wins.
"""

from __future__ import annotations

from functools import cache

import msgspec

from events.reference import RegionKind, RegionLevel
from timeline.gazetteer.package import read_ethnic_groups

# (suffix, English kind) per level, longest suffix first.
_SUFFIXES: dict[str, tuple[tuple[str, str], ...]] = {
    "province": (
        ("特别行政区", "special administrative region"),
        ("自治区", "autonomous region"),
        ("省", "province"),
        ("市", "municipality"),
    ),
    "prefecture": (
        ("自治州", "autonomous prefecture"),
        ("地区", "prefecture"),
        ("新区", "new area"),
        ("盟", "league"),
        ("市", "city"),
    ),
    "county": (
        ("自治县", "autonomous county"),
        ("自治旗", "autonomous banner"),
        ("新区", "new area"),
        ("县", "county"),
        ("旗", "banner"),
        ("市", "county-level city"),
        ("区", "district"),
    ),
}
# English kinds written after the name ("Qingxu County"); cities and provinces go bare ("Jiexiu").
_NAMED_KINDS = {
    "county": "County",
    "district": "District",
    "banner": "Banner",
    "autonomous county": "Autonomous County",
    "autonomous banner": "Autonomous Banner",
    "forestry district": "Forestry District",
    "special district": "Special District",
    "new area": "New Area",
    "prefecture": "Prefecture",
    "autonomous prefecture": "Autonomous Prefecture",
    "league": "League",
}


class DivisionName(msgspec.Struct, frozen=True, kw_only=True):
    kind: RegionKind
    kind_en: str
    base: str  # the name without its suffix (and the ethnic groups of an autonomous unit)
    pinyin: str  # of `base`: "Jiexiu", "Xi'an"
    english: str  # "Jiexiu", "Qi County", "Inner Mongolia" (with an override)


@cache
def _ethnic_groups() -> tuple[str, ...]:
    """Ethnic group names, longest first, also without 族 (新疆维吾尔自治区 omits it)."""
    forms = {form for name in read_ethnic_groups() for form in (name, name.removesuffix("族"))}
    return tuple(sorted(forms, key=len, reverse=True))


def _strip_groups(stem: str) -> str:
    """黔南布依族苗族 → 黔南: drop ethnic group names from the end while two characters remain."""
    stripped = True
    while stripped:
        stripped = False
        for group in _ethnic_groups():
            if stem.endswith(group) and len(stem) - len(group) >= 2:
                stem, stripped = stem[: -len(group)], True
                break
    return stem


# Unique kinds, named in full: `林区` and `特区` alone would also cut 万柏林区 wrongly.
_SINGULAR = {"神农架林区": ("神农架", "forestry district"), "六枝特区": ("六枝", "special district")}


class Readings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Curated pinyin: whole short names, and characters read one way in place names."""

    names: dict[str, str] = {}
    characters: dict[str, str] = {}


def split_name(name: str, level: RegionLevel) -> tuple[str, str]:
    """(base, English kind) of a division's official name at its level."""
    if name in _SINGULAR:
        return _SINGULAR[name]
    for suffix, kind_en in _SUFFIXES.get(level, ()):
        if name.endswith(suffix) and len(name) > len(suffix):
            base = name[: -len(suffix)]
            if suffix.startswith("自治"):
                base = _strip_groups(base)
            if suffix == "区" and len(base) < 2:  # 城区, 郊区, 矿区 are names in their own right
                base = name
            return base, kind_en
    return name, {"nation": "country"}.get(level, level)


NO_READINGS = Readings()


def romanise(text: str, readings: Readings = NO_READINGS) -> str:
    """Pinyin without tones, syllables joined, an apostrophe before a/e/o (`Xi'an`), capitalised."""
    if text in readings.names:
        return readings.names[text]
    # Imported here: pypinyin loads its dictionaries on import (~0.1 s), which every `timeline`
    # command would pay otherwise; only building the gazetteer needs them.
    from pypinyin import Style, lazy_pinyin

    syllables = lazy_pinyin(text, style=Style.NORMAL, v_to_u=True, errors="ignore")
    if len(syllables) == len(text):  # one syllable per character: apply the place-name readings
        syllables = [readings.characters.get(c, s) for c, s in zip(text, syllables, strict=True)]
    joined = "".join(("'" if i and s[:1] in "aeo" else "") + s for i, s in enumerate(syllables))
    return joined[:1].upper() + joined[1:]


def region_kind(level: RegionLevel, kind_en: str) -> RegionKind:
    if level in ("nation", "province", "prefecture"):
        return level
    if kind_en == "county-level city":
        return "county-level-city"
    return "district" if kind_en in ("district", "new area") else "county"


def name_division(name: str, level: RegionLevel, readings: Readings = NO_READINGS) -> DivisionName:
    """Kind, short name, pinyin and English name of one division."""
    base, kind_en = split_name(name, level)
    pinyin = romanise(base, readings)
    word = _NAMED_KINDS.get(kind_en)
    return DivisionName(
        kind=region_kind(level, kind_en),
        kind_en=kind_en,
        base=base,
        pinyin=pinyin,
        english=f"{pinyin} {word}" if word else pinyin,
    )


def ascii_fold(text: str) -> str:
    """Lower case without ü or apostrophes, so `lvliang`, `luliang` and `Lüliang` compare equal."""
    return text.lower().replace("ü", "u").replace("v", "u").replace("'", "").replace(" ", "")
