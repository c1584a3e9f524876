"""Candidates as seed TOML (each commented for the curator) or as JSON.

The TOML is in the format of `seeds/milestones/*.toml`: a curator fills in what is left empty
(English texts, a metric's slug, an awarding body), deletes what is wrong, saves the file in a
seeds folder's `milestones/` and runs `timeline load`. A candidate the log already has is kept
only as a comment naming the event, so loading the file never records a fact twice.
"""

from __future__ import annotations

from typing import Any

import msgspec

from timeline.curation.candidates import Candidate

_json = msgspec.json.Encoder()


def confidence_word(confidence: float) -> str:
    """The seeds' three confidence levels for a 0-1 score."""
    return "high" if confidence >= 0.75 else "medium" if confidence >= 0.5 else "low"


def draft_event(candidate: Candidate) -> dict[str, Any]:
    """The event a candidate proposes, in the shape `POST /events` and the seeds take.

    English texts are left empty: the curator writes them (the event is invalid until then)."""
    title = candidate.title_zh
    event: dict[str, Any] = {
        "type": candidate.type,
        "occurred": candidate.occurred,
        "regions": list(candidate.regions),
        "programmes": list(candidate.programmes),
        "title": {"zh": title, "en": candidate.title_en},
        "summary": {"zh": title.rstrip("…。") + "。", "en": ""},
        "sources": [{"document": candidate.source, "locator": candidate.evidence.locator}],
        "confidence": confidence_word(candidate.confidence),
    }
    if candidate.participants:
        event["participants"] = list(candidate.participants)
    if candidate.issuers:
        event["issuers"] = list(candidate.issuers)
    event.update(_details(candidate))
    return event


# Every milestone type a candidate can be reviewed as, in the order the review page lists them.
MILESTONE_TYPES = (
    "meeting_held",
    "pilot_designated",
    "designation_ended",
    "incentive_awarded",
    "rating_awarded",
    "institution_established",
    "policy_issued",
    "metric_reported",
    "target_set",
)


def details_by_type(candidate: Candidate) -> dict[str, dict[str, Any]]:
    """The type-specific fields each milestone type drafts for this candidate: when a curator
    changes the type on the review page, these replace the old type's fields."""
    return {t: _details(msgspec.structs.replace(candidate, type=t)) for t in MILESTONE_TYPES}


def _details(c: Candidate) -> dict[str, Any]:
    blank = {"zh": "", "en": ""}
    if c.type == "pilot_designated":
        return {"status": c.status or "designated"}
    if c.type == "incentive_awarded":
        return {"amount_cny": c.amount_cny or 0, "awarding_body": blank}
    if c.type == "rating_awarded":
        return {"grade": "", "rating": blank, "period": c.occurred}
    if c.type == "institution_established":
        return {"institution": {"zh": c.institution or "", "en": ""}}
    if c.type == "policy_issued":
        details: dict[str, Any] = {
            "issuer": blank,
            "document_title": {"zh": c.document_title or "", "en": ""},
        }
        if c.document_number:
            details["document_number"] = c.document_number
        return details
    if c.type in ("metric_reported", "target_set"):
        # Without a figure in the sentence the value stays empty (null) for the curator to give.
        figure = {
            "metric": "",
            "label": {"zh": (c.figure.label if c.figure else "") or c.title_zh, "en": ""},
            "value": c.figure.value if c.figure else None,
            "unit": c.figure.unit if c.figure else "",
        }
        when = (
            {"period": c.occurred} if c.type == "metric_reported" else {"deadline": c.deadline or c.occurred}
        )
        return figure | when
    if c.type == "designation_ended":
        return {"reason": "completed"}
    return {}


def _value(value: Any) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 2**53 else repr(value)
    # A JSON string is a valid TOML basic string (msgspec never writes `\/`).
    return _json.encode(value).decode() if isinstance(value, str) else str(value)


def _comment(text: str) -> str:
    return "# " + " ".join(text.split())


def to_toml(candidates: list[Candidate], *, source_id: str) -> str:
    """A milestones file with one commented `[[milestone]]` per candidate."""
    lines = [
        f"# Candidate milestones extracted from source {source_id!r} by `timeline extract`.",
        "# Review each one: fix what is wrong, fill in the empty English texts and any empty field,",
        "# delete what is not a milestone, then save the file in a seeds folder's milestones/ and",
        "# run `timeline load`. Each candidate's sentence and the reasons behind it are above it.",
    ]
    for c in candidates:
        lines += [
            "",
            f"# candidate {c.candidate_id} · confidence {c.confidence:.2f} · {c.evidence.locator}",
            _comment(f"sentence: {c.evidence.sentence}"),
            *(_comment(f"- {reason}") for reason in c.reasons),
        ]
        if c.status in ("planned", "exploring"):
            lines.append(_comment(f"status: {c.status} (a plan or exploration, not an achievement)"))
        if c.unresolved_places:
            lines.append(_comment("places to resolve by hand: " + ", ".join(c.unresolved_places)))
        entry = [f"id = {_value(f'{source_id}-{c.candidate_id}')}"]
        entry += [f"{key} = {_value(value)}" for key, value in draft_event(c).items()]
        if c.already_recorded:
            lines.append(f"# already recorded as event {c.already_recorded}; not proposed again:")
            lines += ["# [[milestone]]", *(f"# {line}" for line in entry)]
        else:
            lines += ["[[milestone]]", *entry]
    return "\n".join(lines) + "\n"


def to_json(candidates: list[Candidate]) -> bytes:
    return msgspec.json.format(msgspec.json.encode(candidates), indent=2) + b"\n"
