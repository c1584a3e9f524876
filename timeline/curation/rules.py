"""The extraction rules kept as data in `seeds/curation/`: date words and cue phrases.

A curator extends them by editing TOML; each file decodes into the Structs below, so a misspelt
key or a wrong type is reported with its path instead of being ignored.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import msgspec

from events.errors import FieldProblem, InvalidEvent


class YearPart(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    months: tuple[int, int]
    approximate: bool = False


class DateWords(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    now: tuple[str, ...]
    recent: tuple[str, ...]
    cutoff: tuple[str, ...]
    since: tuple[str, ...]
    range: tuple[str, ...]


class DateRules(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """`dates.toml`: how date words map to EDTF."""

    timezone: str
    xun: dict[str, tuple[int, int]]
    month_parts: dict[str, tuple[int, int]]
    year_parts: dict[str, YearPart]
    relative_years: dict[str, int]
    plan_periods: dict[str, tuple[int, int]]
    words: DateWords


class TypeCues(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Cue phrases that make a sentence a candidate of one milestone type.

    In a cue, `…` stands for up to `gap` characters of anything within the sentence, so
    `召开…会议` matches a meeting however it is named."""

    type: str
    cues: tuple[str, ...]
    weight: float = 0.5
    needs: tuple[str, ...] = ()  # what else the sentence must hold: "amount", "programme", "number"


class StatusWords(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Plan versus achievement: words that make a sentence a plan or an exploration.

    `achieved` words win over both: `已确定为…试点` is done even in a paragraph of plans."""

    planned: tuple[str, ...]
    exploring: tuple[str, ...]
    achieved: tuple[str, ...]


class Units(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Units that make a number a reported figure, and money units with their yuan factor."""

    money: dict[str, int]
    rate: tuple[str, ...]
    count: tuple[str, ...]


class RoleWords(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Words that give a region named just before them a role other than subject.

    A region followed by an `issuer` word (with at most `body` characters of an organ's name
    between, `山西省卫健委将…`) issued or awarded the fact, but only in `issuer_types` and only
    when another region is left as the subject. A region, or a list of them joined by `、`/`和`,
    before a `participant` word spoke, reported or attended."""

    issuer: tuple[str, ...] = ()
    participant: tuple[str, ...] = ()
    issuer_types: tuple[str, ...] = ()
    # A region right after one of these is the object (`将介休市确定为…`), never the issuer.
    objects: tuple[str, ...] = ()
    # A region before one of these and the act (`介休市被确定为…`) is what was acted on.
    passive: tuple[str, ...] = ()
    # Government bodies that stand for a level of government (`国家卫生健康委` the nation,
    # `省卫健委` the publishing region's province): issuers even though no place is named.
    bodies: dict[str, tuple[str, ...]] = {}
    body: int = 12


class CueRules(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """`cues.toml`: milestone types by cue phrase, status words, units and region words."""

    gap: int
    types: tuple[TypeCues, ...]
    statuses: StatusWords
    units: Units
    # Words meaning the publishing region itself (`全市` in a city paper).
    own_region: tuple[str, ...]
    # Clause openers that list items without being facts themselves.
    skip: tuple[str, ...] = ()
    roles: RoleWords = RoleWords()


def cue_pattern(cue: str, gap: int) -> re.Pattern[str]:
    """A cue phrase as a regular expression: literal text, `…` for a short gap."""
    parts = [re.escape(part) for part in cue.split("…")]
    return re.compile(f"[^。；！？]{{0,{gap}}}?".join(parts))


def _load(path: Path, cls: type) -> msgspec.Struct:
    try:
        with path.open("rb") as f:
            return msgspec.convert(tomllib.load(f), type=cls)
    except FileNotFoundError:
        raise InvalidEvent([FieldProblem(str(path), "file is missing")]) from None
    except tomllib.TOMLDecodeError as e:
        raise InvalidEvent([FieldProblem(str(path), f"not valid TOML: {e}")]) from None
    except msgspec.ValidationError as e:
        raise InvalidEvent([FieldProblem(str(path), str(e))]) from None


def load_date_rules(seeds_dir: str | Path) -> DateRules:
    return _load(Path(seeds_dir) / "curation" / "dates.toml", DateRules)  # type: ignore[return-value]


def load_cue_rules(seeds_dir: str | Path) -> CueRules:
    return _load(Path(seeds_dir) / "curation" / "cues.toml", CueRules)  # type: ignore[return-value]
