"""Examples shown in the OpenAPI document (/schema): request bodies and typical answers."""

from __future__ import annotations

from typing import Any

BASE = "https://timeline.example.org"
EVENT_ID = "0191d6a4-3c2e-7a51-9c1b-5e2f8d7a6b40"
SOURCES = [{"document": "jinzhong-daily-report-2021-05-19", "locator": "para 3"}]

EVENT: dict[str, Any] = {
    "type": "pilot_designated",
    "occurred": "2017-10",
    "regions": ["140781"],
    "programmes": ["county-medical-integration"],
    "status": "launched",  # one of the programme's statuses in seeds/programmes.toml
    "title": {"zh": "介休市列为县域医共体试点", "en": "Jiexiu named a county medical-community pilot"},
    "summary": {
        "zh": "介休市被确定为紧密型县域医疗卫生共同体建设试点。",
        "en": "Jiexiu was designated a pilot of close-knit county medical communities.",
    },
    "sources": SOURCES,
}
CORRECTION: dict[str, Any] = {
    "changes": {"occurred": "2017-09"},
    "reason": {"zh": "原文日期为九月。", "en": "The source dates it to September."},
    "sources": SOURCES,
    "expected_version": 1,
}
RETRACTION: dict[str, Any] = {
    "reason": {"zh": "该试点属于另一县。", "en": "The pilot was another county's."},
    "sources": SOURCES,
}

PROBLEM: dict[str, Any] = {
    "type": "/problems/unknown-region",
    "title": "Unknown region",
    "status": 404,
    "detail": "No region '149999'",
    "instance": "/regions/149999",
}

_JIEXIU = {"code": "140781", "name": {"zh": "介休市", "en": "Jiexiu"}, "kind": "county-level-city"}
_JINZHONG = {"code": "140700", "name": {"zh": "晋中市", "en": "Jinzhong"}, "kind": "prefecture"}
_SHANXI = {"code": "140000", "name": {"zh": "山西省", "en": "Shanxi"}, "kind": "province"}


def _ref(region: dict[str, Any]) -> dict[str, Any]:
    return {**region, "url": f"{BASE}/regions/{region['code']}"}


REGION: dict[str, Any] = {
    **_JINZHONG,
    "kind_en": "city",
    "level": "prefecture",
    "pinyin": "Jinzhong",
    "point": [112.752652, 37.687357],
    "aliases": ["晋中", "山西省晋中市"],
    "parent": _ref(_SHANXI),
    "ancestors": [_ref(_SHANXI)],
    "children": [_ref(_JIEXIU)],
    "valid_from": None,
    "valid_to": None,
    "successor": None,
    "history": {"predecessors": [], "successors": []},
    "note": None,
    "links": {
        "url": f"{BASE}/regions/140700",
        "timeline": f"{BASE}/regions/140700/timeline",
        "status": f"{BASE}/regions/140700/status",
        "feed": f"{BASE}/feeds/regions/140700.ics",
        "webcal": "webcal://timeline.example.org/feeds/regions/140700.ics",
    },
    "basis": {"position": 163, "as_of": None, "known_at": None},
}
_OCTOBER = {"edtf": "2017-10", "precision": "month", "earliest": "2017-10-01", "latest": "2017-10-31"}
TIMELINE: dict[str, Any] = {
    "region": _ref(_JINZHONG),
    "entries": [
        {
            "event_id": EVENT_ID,
            "position": 42,
            "type": "pilot_designated",
            "occurred": _OCTOBER,
            "regions": ["140781"],
            "programmes": ["county-medical-integration"],
            "title": EVENT["title"],
            "summary": EVENT["summary"],
            "sources": SOURCES,
            "confidence": "high",
            "note": None,
            "details": {"status": "designated"},
            "corrected": False,
            "corrections": [],
            "retracted": False,
            "retraction": None,
            "recorded_at": "2024-09-02T08:15:00.000000Z",
            "last_modified": "2024-09-02T08:15:00.000000Z",
            "sequence": 0,
            "display": {"lang": "en", "title": EVENT["title"]["en"], "summary": EVENT["summary"]["en"]},
        }
    ],
    "next_cursor": "WyIyMDE3LTEwLTAxIiwyLDQyXQ",
    "next": f"{BASE}/regions/140700/timeline?descendants=1&lang=en&limit=1&cursor=WyIyMDE3LTEwLTAxIiwyLDQyXQ",
    "basis": {"position": 163, "as_of": None, "known_at": None},
}
STATUS: dict[str, Any] = {
    "region": "140781",
    "as_of": "2017-10-15",
    "programmes": [
        {
            "programme": "county-medical-integration",
            "status": "designated",
            "certainty": "uncertain",
            "since": _OCTOBER,
            "window": {"earliest": "2017-10-01", "latest": "2017-10-31"},
            "previous": None,
            "evidence": [
                {"event_id": EVENT_ID, "type": "pilot_designated", "occurred": "2017-10", "sources": SOURCES}
            ],
            "inherited_from": None,
        }
    ],
    "basis": {"position": 163, "as_of": "2017-10-15", "known_at": None},
}
WRITE: dict[str, Any] = {
    "first_position": 164,
    "last_position": 164,
    "positions": [164],
    "event_ids": [EVENT_ID],
    "urls": [f"{BASE}/events/{EVENT_ID}"],
    "replayed": False,
}

SOURCE_UPLOAD: dict[str, Any] = {
    "title": {"zh": "晋中市召开医共体建设推进会", "en": "Jinzhong holds a county medical community meeting"},
    "publisher": {"zh": "晋中市卫生健康委员会", "en": "Jinzhong Health Commission"},
    "published": "2024-06-20",
    "region": "140700",
    "text": "6月18日，晋中市召开全市医共体建设推进会议。\n",
}
SUBSCRIPTION: dict[str, Any] = {
    "url": "https://newsroom.example.org/hooks/timeline",
    "regions": ["140700"],
    "types": ["pilot_designated", "rating_awarded"],
    "lang": "en",
}
