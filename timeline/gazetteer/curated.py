"""The curated part of the gazetteer: `seeds/regions.toml`.

`[gazetteer] package` names the data package whose table is imported; `[pinyin]` fixes
readings; `[[override]]` changes or extends an imported division; `[[region]]` adds a division
the table lacks (the nation, retired codes). See the file's header and `seeds/README.md`.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import msgspec

from events.errors import FieldProblem
from events.reference import Region
from events.text import text_problems
from events.types import EdtfText, Line, LongText, RegionCode
from timeline.gazetteer.names import Readings


class Override(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Changes to an imported division: a conventional English name, more aliases, its history."""

    code: RegionCode
    en: Line | None = None  # replaces the English name made from the pinyin
    aliases: tuple[Line, ...] = ()  # added before the derived ones
    valid_from: EdtfText | None = None
    valid_to: EdtfText | None = None
    successor: RegionCode | None = None
    note: LongText | None = None


class GazetteerSource(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    package: str


class CuratedRegions(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    gazetteer: GazetteerSource | None = None
    pinyin: Readings = Readings()
    region: list[Region] = []
    override: list[Override] = []


def read_curated(path: Path, problems: list[FieldProblem]) -> CuratedRegions | None:
    """The decoded file, or None with the problem recorded (named by file and item path)."""
    try:
        with path.open("rb") as f:
            raw = tomllib.load(f)
    except FileNotFoundError:
        problems.append(FieldProblem(path.name, "file is missing"))
        return None
    except tomllib.TOMLDecodeError as e:
        problems.append(FieldProblem(path.name, f"not valid TOML: {e}"))
        return None
    lists = {key: raw.pop(key, []) for key in ("region", "override")}
    try:
        header = msgspec.convert(raw, type=CuratedRegions)
    except msgspec.ValidationError as e:
        problems.append(FieldProblem(path.name, str(e)))
        return None
    items: dict[str, list] = {}
    for (key, entries), cls in zip(lists.items(), (Region, Override), strict=True):
        if not isinstance(entries, list):
            problems.append(FieldProblem(path.name, f"expected [[{key}]] tables"))
            continue
        items[key] = []
        for index, entry in enumerate(entries):
            code = entry.get("code") if isinstance(entry, dict) else None
            label = f"{path.name}: {key}[{index}]" + (f" ({code})" if code else "")
            try:
                item = msgspec.convert(entry, type=cls)
            except msgspec.ValidationError as e:
                problems.append(FieldProblem(label, str(e)))
                continue
            found = text_problems(item, "$")  # names and notes stay on one line, and so on
            problems += [FieldProblem(label, f"{p.message} - at `{p.path}`") for p in found]
            items[key].append(item)
    return msgspec.structs.replace(header, **items)
