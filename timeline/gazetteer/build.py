"""Assembling the gazetteer: the package's table, named and aliased, with the curated entries on top."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import msgspec

from events.errors import FieldProblem
from events.reference import Region, RegionLevel, region_level
from events.types import Text
from timeline.gazetteer.curated import CuratedRegions, Override, read_curated
from timeline.gazetteer.names import Readings, name_division, split_name
from timeline.gazetteer.package import PACKAGE, parent_code, read_divisions

NATION = "100000"
FILE = "regions.toml"


def _code_level(code: str) -> RegionLevel:
    if code.endswith("0000"):
        return "province"
    return "prefecture" if code.endswith("00") else "county"


def import_divisions(readings: Readings) -> dict[str, Region]:
    """The package's divisions as Regions: kind, English name, pinyin and point; no aliases yet."""
    divisions = read_divisions()
    known = frozenset(d.code for d in divisions)
    regions: dict[str, Region] = {}
    for division in divisions:
        level = _code_level(division.code)
        named = name_division(division.name, level, readings)
        regions[division.code] = Region(
            code=division.code,
            name=Text(zh=division.name, en=named.english),
            kind=named.kind,
            parent=parent_code(division.code, known) or NATION,
            point=division.point,
            kind_en=named.kind_en,
            pinyin=named.pinyin,
        )
    return regions


def _apply(region: Region, override: Override) -> Region:
    changes = {
        field: getattr(override, field)
        for field in ("valid_from", "valid_to", "successor", "note")
        if getattr(override, field) is not None
    }
    if override.en:
        changes["name"] = Text(zh=region.name.zh, en=override.en)
    if override.aliases:
        changes["aliases"] = (*override.aliases, *region.aliases)
    return msgspec.structs.replace(region, **changes)


def _named(region: Region, readings: Readings) -> Region:
    """Fill in kind_en and pinyin of a curated entry that does not give them."""
    if region.kind_en and region.pinyin:
        return region
    named = name_division(region.name.zh, region_level(region), readings)
    return msgspec.structs.replace(
        region, kind_en=region.kind_en or named.kind_en, pinyin=region.pinyin or named.pinyin
    )


def _derived_aliases(region: Region, regions: dict[str, Region]) -> list[str]:
    """Short name (介休), the name with its parent's (晋中市介休市), and former names."""
    found: list[str] = []
    base, _ = split_name(region.name.zh, region_level(region))
    if len(base) >= 2 and base != region.name.zh:  # a one-character short name stands for nothing
        found.append(base)
    parent = regions.get(region.parent or "")
    if parent is not None and parent.kind != "nation":
        found.append(parent.name.zh + region.name.zh)
    return found


def _former_names(regions: dict[str, Region]) -> dict[str, list[str]]:
    """Names of retired codes, as aliases of their successors (太谷县 for 太谷区).

    A name that is only a generic word (城区, 郊区) is given with its parent's name instead.
    """
    former: dict[str, list[str]] = {}
    for old in regions.values():
        if old.successor is None or old.successor not in regions:
            continue
        base, _ = split_name(old.name.zh, region_level(old))
        parent = regions.get(old.parent or "")
        name = old.name.zh
        if base == name and parent is not None:
            name = parent.name.zh + name
        former.setdefault(old.successor, []).append(name)
    return former


def _with_aliases(regions: dict[str, Region]) -> dict[str, Region]:
    former = _former_names(regions)
    result = {}
    for code, region in regions.items():
        wanted = [*region.aliases, *_derived_aliases(region, regions), *former.get(code, [])]
        aliases = tuple(dict.fromkeys(a for a in wanted if a != region.name.zh))
        result[code] = msgspec.structs.replace(region, aliases=aliases)
    return result


def assemble(curated: CuratedRegions, problems: list[FieldProblem]) -> list[Region]:
    """Imported table (if the file names one) + curated entries and overrides, checked."""
    readings = curated.pinyin
    regions: dict[str, Region] = {}
    if curated.gazetteer is not None:
        if curated.gazetteer.package != PACKAGE:
            problems.append(FieldProblem(f"{FILE}: $.gazetteer.package", f"only {PACKAGE!r} is supported"))
            return []
        regions = import_divisions(readings)
    for index, region in enumerate(curated.region):
        label = f"{FILE}: region[{index}] ({region.code})"
        if region.code in regions:
            problems.append(
                FieldProblem(label, "duplicate code (imported or listed twice): use [[override]]")
            )
        regions[region.code] = _named(region, readings)
    for index, override in enumerate(curated.override):
        if override.code not in regions:
            label = f"{FILE}: override[{index}] ({override.code})"
            problems.append(FieldProblem(label, f"No region {override.code!r} to override"))
            continue
        regions[override.code] = _apply(regions[override.code], override)
    for region in regions.values():
        for field in ("parent", "successor"):
            code = getattr(region, field)
            if code is not None and code not in regions:
                problems.append(
                    FieldProblem(f"{FILE}: region ({region.code})", f"No {field} region {code!r}")
                )
    return sorted(_with_aliases(regions).values(), key=lambda r: r.code)


@lru_cache(maxsize=4)
def _cached(path: Path, stamp: tuple[int, int]) -> tuple[tuple[Region, ...], tuple[FieldProblem, ...]]:
    problems: list[FieldProblem] = []
    curated = read_curated(path, problems)
    regions = assemble(curated, problems) if curated is not None else []
    return tuple(regions), tuple(problems)


def build_regions(folder: Path, problems: list[FieldProblem]) -> list[Region]:
    """Every region of the gazetteer a seeds folder defines; problems are appended to `problems`.

    Built once per file version and process: naming 3,000 divisions takes a noticeable moment.
    """
    path = (folder / FILE).resolve()
    try:
        info = path.stat()
        stamp = (info.st_mtime_ns, info.st_size)
    except OSError:
        stamp = (0, 0)
    regions, found = _cached(path, stamp)
    problems.extend(found)
    return list(regions)
