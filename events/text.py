"""Characters text fields may not hold, checked when something is written.

A single-line field (a title, a name, a locator) must not break a line: CR, LF, NEL (U+0085)
and the Unicode line and paragraph separators (U+2028, U+2029) would split a calendar line, a
log line or a heading. Paragraphs (`LongText`: summaries, notes, reasons) keep their newlines.
No field may hold the bidirectional embedding, override and isolate controls (U+202A-U+202E,
U+2066-U+2069): they reorder what follows them on a page, so a reader could be shown a
different date or name than the one stored.

The types themselves (`events.types`) stay as they are: stored events decode whatever was
accepted before, and this judges only what arrives now.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

from events.errors import FieldProblem
from events.fields import LongText

_BIDI = "\u202a-\u202e\u2066-\u2069"
_LINE_BREAKS = "\r\n\x85\u2028\u2029"
_IN_LINE = re.compile(f"[{_BIDI}{_LINE_BREAKS}]")
_IN_PARAGRAPH = re.compile(f"[{_BIDI}]")
_BIDI_CHARS = frozenset(chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def _name(char: str) -> str:
    return f"U+{ord(char):04X}"


def text_problems(value: Any, path: str, *, paragraph: bool = False) -> list[FieldProblem]:
    """Every string in `value` (a Struct, tuple, dict or str) holding a character its field may
    not; `path` names `value` (`$.event`), and each problem names the string's own path."""
    if isinstance(value, str):
        found = (_IN_PARAGRAPH if paragraph else _IN_LINE).search(value)
        if found is None:
            return []
        what = "a bidirectional control" if found.group() in _BIDI_CHARS else "a line break"
        where = "text" if paragraph else "a single-line field"
        return [FieldProblem(path, f"{what} ({_name(found.group())}) is not allowed in {where}")]
    if isinstance(value, LongText):
        return text_problems(value.zh, f"{path}.zh", paragraph=True) + text_problems(
            value.en, f"{path}.en", paragraph=True
        )
    if isinstance(value, msgspec.Struct):
        return [
            problem
            for field in value.__struct_fields__
            for problem in text_problems(getattr(value, field), f"{path}.{field}")
        ]
    if isinstance(value, (tuple, list)):
        return [problem for i, item in enumerate(value) for problem in text_problems(item, f"{path}[{i}]")]
    if isinstance(value, dict):
        return [problem for key, item in value.items() for problem in text_problems(item, f"{path}.{key}")]
    return []
