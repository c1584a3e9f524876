"""The sentence an event rests on: a locator into an archived source's text, quoted.

Evidence cites `{document, locator}`; where the document's text is archived and the locator is a
paragraph locator (`p3`, `p3:12-40`), answers also carry the quoted text, so a reader sees the
exact words without opening the document. Free-text seed locators (`一、二是`) quote nothing.
"""

from __future__ import annotations

import functools
from typing import Any

import msgspec
import msgspec.inspect

from events.errors import UnknownReference
from events.reference import Reference
from projections.models import Source
from timeline.curation.paragraphs import parse_locator, quote, split_paragraphs


class Quoter:
    """Quotes locators of one Reference's archived texts; each text is split once."""

    def __init__(self, reference: Reference) -> None:
        self.reference = reference
        self._paragraphs: dict[str, list[str] | None] = {}

    def __call__(self, document: str, locator: str | None) -> str | None:
        if parse_locator(locator) is None:
            return None
        if document not in self._paragraphs:
            try:
                archived = self.reference.source_text(document)
            except UnknownReference:
                archived = None
            text = archived.text if archived is not None else None
            self._paragraphs[document] = split_paragraphs(text) if text else None
        paragraphs = self._paragraphs[document]
        return quote(paragraphs, locator) if paragraphs else None


def with_quotes(answer: Any, quoter: Quoter) -> Any:
    """`answer` with `quote` set on every evidence `Source` whose locator can be quoted."""
    if isinstance(answer, Source):
        found = quoter(answer.document, answer.locator)
        return msgspec.structs.replace(answer, quote=found) if found else answer
    if isinstance(answer, list):
        items = [with_quotes(item, quoter) for item in answer]
        return answer if all(new is old for new, old in zip(items, answer, strict=True)) else items
    if isinstance(answer, msgspec.Struct):
        changed = {}
        for name in _source_fields(type(answer)):  # only fields whose type may hold a Source
            value = getattr(answer, name)
            if value and isinstance(value, list | msgspec.Struct):  # most evidence lists are empty
                new = with_quotes(value, quoter)
                if new is not value:
                    changed[name] = new
        return msgspec.structs.replace(answer, **changed) if changed else answer
    return answer


@functools.cache
def _source_fields(cls: type[msgspec.Struct]) -> tuple[str, ...]:
    """The fields of `cls` whose declared type may hold a `Source`: a status report walks its
    dozens of programmes without visiting every string and date of them."""
    info = msgspec.inspect.type_info(cls)
    assert isinstance(info, msgspec.inspect.StructType)
    return tuple(field.name for field in info.fields if _may_hold_source(field.type, set()))


def _may_hold_source(kind: msgspec.inspect.Type, seen: set[type]) -> bool:
    if isinstance(kind, msgspec.inspect.StructType):
        if kind.cls is Source:
            return True
        if kind.cls in seen:
            return False
        seen.add(kind.cls)
        return any(_may_hold_source(field.type, seen) for field in kind.fields)
    if isinstance(kind, msgspec.inspect.ListType):  # the walk goes into lists and Structs only
        return _may_hold_source(kind.item_type, seen)
    if isinstance(kind, msgspec.inspect.UnionType):
        return any(_may_hold_source(member, seen) for member in kind.types)
    return isinstance(kind, msgspec.inspect.AnyType)  # whatever it holds, walked as before
