"""Paragraphs of an archived document and locators that point into them.

A paragraph is a non-blank line of the normalised text with its surrounding white space
(including the full-width indent Chinese documents use) removed; paragraphs are numbered from 1.
A locator `p3` names paragraph 3 and `p3:12-40` the characters 12 up to (not including) 40 of
it, counted from 0 as in Python slices. Curated seeds use free-text locators such as `一、二是`
or `para 2`: those stay valid, they just cannot be resolved to a sentence.
"""

from __future__ import annotations

import re

import msgspec

_LOCATOR = re.compile(r"p(?P<para>[1-9]\d{0,5})(?::(?P<start>\d{1,7})-(?P<end>\d{1,7}))?")
_STRIP = " \t\u3000\u00a0"


class Locator(msgspec.Struct, frozen=True):
    """A paragraph number (from 1) and optionally a character range [start, end) in it."""

    paragraph: int
    start: int | None = None
    end: int | None = None

    def __str__(self) -> str:
        if self.start is None:
            return f"p{self.paragraph}"
        return f"p{self.paragraph}:{self.start}-{self.end}"


def split_paragraphs(text: str) -> list[str]:
    """The paragraphs of a normalised text, in order."""
    return [stripped for line in text.split("\n") if (stripped := line.strip(_STRIP))]


def parse_locator(locator: str | None) -> Locator | None:
    """A paragraph locator (`p3`, `p3:12-40`), or None for a free-text seed locator."""
    if locator is None:
        return None
    match = _LOCATOR.fullmatch(locator.strip())
    if not match:
        return None
    if match["start"] is None:
        return Locator(int(match["para"]))
    start, end = int(match["start"]), int(match["end"])
    if start >= end:
        return None
    return Locator(int(match["para"]), start, end)


def quote(paragraphs: list[str], locator: str | None) -> str | None:
    """The text a locator points at, or None when it is free text or outside the document."""
    parsed = parse_locator(locator)
    if parsed is None or parsed.paragraph > len(paragraphs):
        return None
    paragraph = paragraphs[parsed.paragraph - 1]
    if parsed.start is None:
        return paragraph
    if parsed.end is None or parsed.end > len(paragraph):
        return None
    return paragraph[parsed.start : parsed.end]


# Sentences end at a full stop, question or exclamation mark, or a semicolon that closes an item.
_SENTENCE_END = re.compile(r"[。！？；!?;]+[”’」』)）]*")


def sentences(paragraph: str) -> list[tuple[int, int]]:
    """[start, end) character ranges of the sentences of a paragraph, white space trimmed."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(paragraph):
        spans.append((start, match.end()))
        start = match.end()
    if start < len(paragraph):
        spans.append((start, len(paragraph)))
    trimmed = []
    for a, b in spans:
        while a < b and paragraph[a] in _STRIP:
            a += 1
        while b > a and paragraph[b - 1] in _STRIP:
            b -= 1
        if b > a:
            trimmed.append((a, b))
    return trimmed
