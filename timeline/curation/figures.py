"""Figures in a sentence: amounts of money, rates and counts, with the units `cues.toml` lists."""

from __future__ import annotations

import re
from functools import cached_property

import msgspec

from timeline.curation.dates import number
from timeline.curation.rules import Units

_NUMBER = (
    r"(?P<n>[0-9０-９]+(?:[.．][0-9０-９]+)?|[零一二三四五六七八九十百千两]+(?:点[零一二三四五六七八九]+)?)"
)


class Figure(msgspec.Struct, frozen=True):
    """A number and its unit at [start, end) of a sentence; `kind` is money, rate or count."""

    start: int
    end: int
    value: float
    unit: str
    kind: str
    label: str  # the words before the number in its clause: what the figure measures

    @property
    def yuan(self) -> int | None:
        return None if self.kind != "money" else round(self.value)


def _value(text: str) -> float:
    folded = text.replace("．", ".").translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    try:
        return float(folded)
    except ValueError:
        return float(number(folded)) if "点" not in folded else float(_cn_decimal(folded))


def _cn_decimal(text: str) -> float:
    whole, _, fraction = text.partition("点")
    digits = "".join(str("零一二三四五六七八九".index(c)) for c in fraction)
    return float(f"{number(whole)}.{digits}")


class FigureReader:
    def __init__(self, units: Units) -> None:
        self.units = units

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        names = sorted([*self.units.money, *self.units.rate, *self.units.count], key=len, reverse=True)
        unit = "|".join(re.escape(u) for u in names)
        # A year such as 2021年 or a date 5月 is not a figure: units never include 年/月/日.
        return re.compile(f"(?<![0-9０-９.])(?:{_NUMBER})\\s*(?P<unit>{unit})")

    def find(self, sentence: str) -> list[Figure]:
        figures = []
        for match in self.pattern.finditer(sentence):
            unit = match["unit"]
            try:
                value = _value(match["n"])
            except (ValueError, KeyError):
                continue
            if unit in self.units.money:
                kind, value = "money", value * self.units.money[unit]
            else:
                kind = "rate" if unit in self.units.rate else "count"
            clause_start = max(sentence.rfind(p, 0, match.start()) for p in "，,；;：:、。") + 1
            label = sentence[clause_start : match.start()].strip()
            figures.append(Figure(match.start(), match.end(), value, unit, kind, label))
        return figures
