"""Chinese date expressions in a text, each read as the honest EDTF value it stands for.

`2021年5月7日` is a day; `二〇一七年十月` a month; `5月上旬` the ten days it names; `上半年` or
`年底` the months they cover (loose edges carry `~`); `今年`/`去年` count from the publication
date; `截至…`, `目前` and `近年来` say only that something was true by a date (`../DATE`); `…以来`
spans from a date to the publication. A month and day without a year take the year last named in
the same paragraph, else the publication's year — marked `?` when that would put the date after
the publication. The words and their spans are data (`seeds/curation/dates.toml`).

Chinese numerals are read with `cn2an`; full-width digits are folded to ASCII first.
"""

from __future__ import annotations

import calendar
import re
from datetime import date
from functools import cached_property

import msgspec

from timeline.curation.rules import DateRules

_FULL_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
_D = "[0-9０-９]"
_CN = "〇零一二三四五六七八九"
_YEAR = f"(?:{_D}{{4}}|[{_CN}]{{4}})"
_MONTH = f"(?:{_D}{{1,2}}|十[一二]?|[一二三四五六七八九])"
_DAY = f"(?:{_D}{{1,2}}|[二三]?十[一二三四五六七八九]?|[一二三四五六七八九])"
_HOUR = f"(?:{_D}{{1,2}}|二?十[一二三四五六七八九]?|[一二三四五六七八九])"
_S = "[ \u3000]*"  # PDF-extracted text often spaces out digits and 年/月/日
_CLOCK = (
    f"(?P<ampm>上午|下午|晚上|早上|中午)?(?P<hour>{_HOUR})[时点]"
    f"(?:(?P<minute>{_D}{{1,2}})分|(?P<halfhour>半))?"
)


def _words(words: list[str] | tuple[str, ...]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def number(text: str) -> int:
    """A number written in ASCII, full-width or Chinese digits (`２０２１`, `二〇一七`, `十二`)."""
    folded = text.translate(_FULL_WIDTH)
    if folded.isdigit():
        return int(folded)
    import cn2an  # a tenth of a second to import: only once a Chinese numeral is read

    return int(cn2an.cn2an(folded, "smart"))


class DateMention(msgspec.Struct, frozen=True):
    """A date expression found at [start, end) of a text and the EDTF value it means."""

    start: int
    end: int
    surface: str
    edtf: str
    rule: str  # which rule read it, for the candidate's reasons
    note: str | None = None  # what an inferred part rests on


class _Parts(msgspec.Struct):
    year: int
    year_inferred: bool  # taken from the publication, not the text
    first: str  # EDTF of the start
    last: str  # EDTF of the end (== first for a single value)
    rule: str


def _qualify(value: str, mark: str) -> str:
    """Add a qualifier to one EDTF date, merging `?` and `~` into `%`."""
    if value == ".." or not mark:
        return value
    if value[-1] in "?~%":
        return value[:-1] + ("%" if {value[-1], mark} == {"?", "~"} else value[-1])
    return value + mark


class DateReader:
    """Finds date expressions with the rules of one `DateRules`; build once, reuse."""

    def __init__(self, rules: DateRules) -> None:
        self.rules = rules

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        r = self.rules
        rel = _words(list(r.relative_years))
        # Two-character parts stand alone (上半年); one-character ones follow 年 (年初, 2023年底).
        long_parts = [k for k in r.year_parts if len(k) > 1]
        short_parts = [k for k in r.year_parts if len(k) == 1]
        year_parts = _words(long_parts + [f"年{k}" for k in r.year_parts])
        month_tail = (
            f"(?P<month>{_MONTH}){_S}月(?:{_S}(?P<day>{_DAY}){_S}[日号]"
            f"(?:(?:{_words(r.words.range)})(?P<day2>{_DAY})[日号])?(?:{_CLOCK})?"
            f"|(?P<xun>{_words(list(r.xun))})|(?P<mpart>{_words(list(r.month_parts))}))?"
        )
        return re.compile(
            f"(?<![0-9０-９])(?:"
            f"(?P<y1>{_YEAR})年?(?:{_words(r.words.range)})(?P<y2>{_YEAR})年"
            f"|(?:(?P<year>{_YEAR}){_S}年|(?P<rel>{rel}))"
            f"(?:{_S}{month_tail}|(?P<ypart>第?(?:{year_parts})|{_words(short_parts)})|度)?"
            f"|(?P<bare>{month_tail.replace('?P<', '?P<b_')})"
            f"|(?P<now>{_words(r.words.now)})"
            f"|(?P<recent>{_words(r.words.recent)})"
            f'|[“"]?(?P<plan>{_words(list(r.plan_periods))})[”"]?(?:时期|期间)?'
            f"|(?P<half>{_words(long_parts + [f'年{k}' for k in short_parts])})"
            f")"
        )

    def find(self, text: str, *, published: date, context_year: int | None = None) -> list[DateMention]:
        """Every date expression in `text` (one paragraph), left to right."""
        mentions: list[DateMention] = []
        year_context = context_year
        for match in self.pattern.finditer(text):
            mention, named_year = self._read(text, match, published, year_context)
            if mention is not None:
                mentions.append(mention)
            if named_year is not None:
                year_context = named_year
        return mentions

    def _read(
        self, text: str, match: re.Match[str], published: date, year_context: int | None
    ) -> tuple[DateMention | None, int | None]:
        g = match.groupdict()
        pub = published.isoformat()
        if g["now"]:
            return self._mention(match, f"../{pub}", "known by publication", text), None
        if g["recent"]:
            return self._mention(match, f"../{pub}", "recent years: known by publication", text), None
        if g["plan"]:
            first, last = self.rules.plan_periods[g["plan"]]
            return self._bounded(text, match, f"{first}", f"{last}", "five-year plan period", pub), None
        if g["y1"]:
            first, last = number(g["y1"]), number(g["y2"])
            if first > last:
                return None, None
            return self._bounded(text, match, f"{first:04}", f"{last:04}", "year range", pub), last
        parts = self._parts(g, published, year_context)
        if parts is None:
            return None, None
        mention = self._bounded(text, match, parts.first, parts.last, parts.rule, pub, parts)
        return mention, (parts.year if g["year"] else None)

    def _parts(self, g: dict[str, str | None], published: date, year_context: int | None) -> _Parts | None:
        rules = self.rules
        if g["year"] or g["rel"]:
            year = number(g["year"]) if g["year"] else published.year + rules.relative_years[g["rel"] or ""]
            rule = "stated year" if g["year"] else f"{g['rel']}: relative to the publication"
            prefix = ""
        else:
            prefix = "b_"
            if year_context is not None:
                year, rule = year_context, "year named earlier in the paragraph"
            else:
                year, rule = published.year, "year of publication"
        if not 1 <= year <= 9999:
            return None
        inferred = rule == "year of publication"
        if g["half"]:
            return self._year_part(year, inferred, g["half"].removeprefix("年"), rule)
        month_text = g.get(f"{prefix}month")
        if month_text is None:
            part = (g.get("ypart") or "").removeprefix("第").removeprefix("年")
            if part:
                return self._year_part(year, inferred, part, rule)
            if g["rel"] == "今年" or g["rel"] == "本年":  # "this year", said in the past tense
                return _Parts(year, False, f"{year:04}-01-01", published.isoformat(), rule)
            return _Parts(year, False, f"{year:04}", f"{year:04}", rule)
        month = number(month_text)
        if not 1 <= month <= 12:
            return None
        ym = f"{year:04}-{month:02}"
        end_day = calendar.monthrange(year, month)[1]
        if g.get(f"{prefix}day"):
            return self._day(g, prefix, year, month, end_day, inferred, rule)
        if g.get(f"{prefix}xun"):
            first, last = rules.xun[g[f"{prefix}xun"] or ""]
            return _Parts(year, inferred, f"{ym}-{first:02}", f"{ym}-{min(last, end_day):02}", rule)
        if g.get(f"{prefix}mpart"):
            first, last = rules.month_parts[g[f"{prefix}mpart"] or ""]
            start, end = _qualify(f"{ym}-{first:02}", "~"), _qualify(f"{ym}-{min(last, end_day):02}", "~")
            return _Parts(year, inferred, start, end, rule)
        return _Parts(year, inferred, ym, ym, rule)

    def _day(
        self,
        g: dict[str, str | None],
        prefix: str,
        year: int,
        month: int,
        end_day: int,
        inferred: bool,
        rule: str,
    ) -> _Parts | None:
        day = number(g[f"{prefix}day"] or "")
        day2 = number(g[f"{prefix}day2"]) if g.get(f"{prefix}day2") else day
        if not 1 <= day <= day2 <= end_day:
            return None
        first = f"{year:04}-{month:02}-{day:02}"
        last = f"{year:04}-{month:02}-{day2:02}"
        if g.get(f"{prefix}hour") and day == day2:
            hour = number(g[f"{prefix}hour"] or "")
            if g.get(f"{prefix}ampm") in ("下午", "晚上") and hour < 12:
                hour += 12
            minute = 30 if g.get(f"{prefix}halfhour") else number(g[f"{prefix}minute"] or "0")
            if hour > 23 or minute > 59:
                return None
            first = last = f"{first}T{hour:02}:{minute:02}:00{self.rules.timezone}"
        return _Parts(year, inferred, first, last, rule)

    def _year_part(self, year: int, inferred: bool, part: str, rule: str) -> _Parts | None:
        spec = self.rules.year_parts.get(part)
        if spec is None:
            return None
        first, last = spec.months
        mark = "~" if spec.approximate else ""
        start = _qualify(f"{year:04}-{first:02}", mark)
        end = f"{year:04}-{last:02}" if last == 12 else _qualify(f"{year:04}-{last:02}", mark)
        return _Parts(year, inferred, start, end, f"{rule}; {part}")

    def _bounded(
        self,
        text: str,
        match: re.Match[str],
        first: str,
        last: str,
        rule: str,
        pub: str,
        parts: _Parts | None = None,
    ) -> DateMention:
        """Apply a cut-off word before the expression or a since word after it."""
        note = None
        if parts is not None and parts.year_inferred and max(first, last)[:10] > pub:
            first, last = _qualify(first, "?"), _qualify(last, "?")
            note = f"year not given; the publication year {pub[:4]} would put it after the publication"
        elif parts is not None and parts.year_inferred:
            note = f"year not given; taken from the publication ({pub[:4]})"
        start, end = match.start(), match.end()
        before = text[max(0, start - 4) : start]
        cutoff = next(
            (w for w in sorted(self.rules.words.cutoff, key=len, reverse=True) if before.endswith(w)), None
        )
        since = next((w for w in self.rules.words.since if text.startswith(w, end)), None)
        if cutoff:
            value, start, rule = f"../{_latest(last)}", start - len(cutoff), f"{rule}; {cutoff}: true by then"
        elif since:
            value, end, rule = (
                f"{_earliest(first)}/{pub}",
                end + len(since),
                f"{rule}; {since}: until publication",
            )
        else:
            value = first if first == last else f"{first}/{last}"
        return DateMention(start, end, text[start:end], value, rule, note)

    def _mention(self, match: re.Match[str], edtf: str, rule: str, text: str) -> DateMention:
        start = match.start()
        before = text[max(0, start - 4) : start]
        cutoff = next((w for w in self.rules.words.cutoff if before.endswith(w)), None)
        if cutoff:
            start -= len(cutoff)
        return DateMention(start, match.end(), text[start : match.end()], edtf, rule)


def _earliest(value: str) -> str:
    """The start of an EDTF value's span, as EDTF (a date-time starts on its day)."""
    return value.split("T")[0]


def _latest(value: str) -> str:
    """The last day an EDTF value may denote, as a plain day (for `../DAY`)."""
    plain = value.rstrip("?~%").split("T")[0]
    parts = plain.split("-")
    year = int(parts[0])
    if len(parts) == 1:
        return f"{year:04}-12-31"
    month = int(parts[1])
    if len(parts) == 2:
        return f"{year:04}-{month:02}-{calendar.monthrange(year, month)[1]:02}"
    return plain
