"""Drafts of a candidate's wording from its sentence: a short Chinese title and type details.

These are starting points for the curator, who edits them; nothing here is a translation (no
offline library drafts English well enough, so English titles are left empty)."""

from __future__ import annotations

import re
from typing import Any

_BOOK_TITLE = re.compile(r"《([^《》]{2,80})》")
_DOCUMENT_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,12}[〔\[［(（]\d{4}[〕\]］)）]\d{1,4}号")
_INSTITUTION = re.compile(
    r"(?:挂牌成立|正式成立|成立了|成立|组建了|组建|设立|建立|建成|挂牌)"
    r"(?P<name>[^，。；、,;:：]{2,40}?(?:中心|集团|联盟|委员会|小组|办公室|医院|共同体|平台|基地|学院|站|所))"
)
_CLAUSE = re.compile(r"[，,；;：:]")
_LEAD = re.compile(r"^(?:同时|此外|另外|其中|目前|截至目前|近年来|[一二三四五六七八九十]是)[，,]?")
TITLE_LENGTH = 40


def draft_title(sentence: str, region_names: list[str]) -> str:
    """The clause of the sentence carrying its main verb, trimmed; prefixed with the region."""
    clauses = [c.strip() for c in _CLAUSE.split(sentence.rstrip("。！？；!?;")) if c.strip()]
    # The longest clause usually carries the fact; leading adverbials are short.
    main = max(clauses, key=len) if clauses else sentence
    main = _LEAD.sub("", main).strip() or main
    if region_names and not any(name[:2] in main for name in region_names):
        main = f"{region_names[0]}{main}"
    return main if len(main) <= TITLE_LENGTH else main[: TITLE_LENGTH - 1] + "…"


def draft_details(type_: str, sentence: str) -> dict[str, Any]:
    """Type-specific fields that can be read off the sentence itself."""
    if type_ == "policy_issued":
        title = _BOOK_TITLE.search(sentence)
        number = _DOCUMENT_NUMBER.search(sentence)
        return {
            "document_title": title.group(1) if title else None,
            "document_number": number.group() if number else None,
        }
    if type_ == "institution_established":
        match = _INSTITUTION.search(sentence)
        return {"institution": match["name"] if match else None}
    return {}
