"""What extraction proposes: candidate milestones with their evidence and reasons."""

from __future__ import annotations

import hashlib

import msgspec


class Evidence(msgspec.Struct, frozen=True, kw_only=True):
    """The sentence a candidate rests on: paragraph (from 1), [start, end) in it, the text."""

    paragraph: int
    start: int
    end: int
    sentence: str

    @property
    def locator(self) -> str:
        return f"p{self.paragraph}:{self.start}-{self.end}"


class Figure(msgspec.Struct, frozen=True, kw_only=True):
    value: float
    unit: str
    label: str


class Candidate(msgspec.Struct, frozen=True, kw_only=True):
    """A milestone extraction proposes for review; nothing is in the log until accepted."""

    candidate_id: str
    source: str
    type: str
    occurred: str
    regions: tuple[str, ...]
    participants: tuple[str, ...] = ()  # regions that spoke, reported or attended
    issuers: tuple[str, ...] = ()  # regions that issued or awarded it
    programmes: tuple[str, ...] = ()
    status: str | None = None  # a programme status, or `planned` / `exploring` for plan words
    deadline: str | None = None  # a target's deadline (EDTF), for `target_set`
    amount_cny: int | None = None
    figure: Figure | None = None
    document_title: str | None = None
    document_number: str | None = None
    institution: str | None = None
    title_zh: str
    title_en: str = ""
    evidence: Evidence
    confidence: float
    reasons: tuple[str, ...]
    unresolved_places: tuple[str, ...] = ()  # names the matcher could not settle
    already_recorded: str | None = None  # event id of the milestone in the log it matches


def candidate_id(source: str, type_: str, evidence: Evidence, salt: str = "") -> str:
    """A stable id: the same rules on the same text propose the same ids."""
    key = f"{source}|{type_}|{evidence.locator}|{salt}".encode()
    return "c-" + hashlib.sha256(key).hexdigest()[:16]
