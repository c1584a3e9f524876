"""A stand-in for the service's widget routes, used until the real app serves them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from events.dates import parse_edtf, sort_key

from . import data
from .servers import Response

WIDGET_JS = Path(__file__).resolve().parents[2] / "api" / "static" / "widget.js"
NAMES = {
    "140781": {"zh": "介休市", "en": "Jiexiu"},
    "140700": {"zh": "晋中市", "en": "Jinzhong"},
    "140725": {"zh": "寿阳县", "en": "Shouyang"},
    "140100": {"zh": "太原市", "en": "Taiyuan"},
}
CHILDREN = {"140700": {"140781", "140725"}}


def _entry(i: int, event: dict[str, Any], lang: str) -> dict[str, Any]:
    occurred = parse_edtf(event["occurred"])
    return {
        "id": f"e{i}",
        "type": event["type"],
        "label": event["type"],
        "occurred": {
            "edtf": occurred.edtf,
            "precision": occurred.precision,
            "earliest": occurred.earliest and occurred.earliest.isoformat(),
            "latest": occurred.latest and occurred.latest.isoformat(),
        },
        "title": event["title"][lang],
        "summary": event["summary"][lang],
        "regions": [{"code": c, "name": NAMES[c][lang]} for c in event["regions"]],
        "programmes": [],
        "sources": [{"title": "Test document", "url": "https://example.org/doc"}],
        "corrected": False,
        "retracted": False,
    }


class FakeApi:
    def __init__(self) -> None:
        self.events = data.all_events()
        self.requests: list[str] = []

    def __call__(self, path: str, query: dict[str, list[str]]) -> Response | None:
        self.requests.append(path)
        if path == "/widget.js":
            return 200, {"Content-Type": "text/javascript; charset=utf-8"}, WIDGET_JS.read_bytes()
        prefix, suffix = "/widget/regions/", ".json"
        if not (path.startswith(prefix) and path.endswith(suffix)):
            return None
        code = path[len(prefix) : -len(suffix)]
        if code not in NAMES:
            return 404, {"Access-Control-Allow-Origin": "*"}, b"{}"
        lang = query.get("lang", ["zh"])[0]
        limit = int(query.get("limit", ["25"])[0])
        start = int(query.get("cursor", ["0"])[0])
        codes = {code} | CHILDREN.get(code, set())
        chosen = sorted(
            (e for e in self.events if set(e["regions"]) & codes),
            key=lambda e: sort_key(parse_edtf(e["occurred"])),
        )
        page = chosen[start : start + limit]
        body = {
            "region": {"code": code, "name": NAMES[code][lang]},
            "lang": lang,
            "entries": [_entry(start + i, e, lang) for i, e in enumerate(page)],
            "next_cursor": str(start + limit) if start + limit < len(chosen) else None,
            "basis": len(self.events),
        }
        headers = {"Content-Type": "application/json", "Access-Control-Allow-Origin": "*"}
        return 200, headers, json.dumps(body, ensure_ascii=False).encode()
