"""The /curate review page in a real Chromium against a real `timeline serve`: a bad token writes
nothing; one candidate is accepted after editing its date, another rejected, all by keyboard;
the accepted milestone is on the region's timeline and in its feed, and a second extraction
proposes neither again. Regions in roles (participants, issuers) are proposed, edited and
accepted, and changing a candidate's type swaps in that type's own fields."""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from articles import JINZHONG_NEWS, PROVINCE_ROLES, PROVINCE_ROLES_PUBLISHED

from .conftest import Tab
from .service import Service, build_database

TOKEN = "curate-browser-token"
SOURCE = "jinzhong-news-2024-06-20"


def _request(url: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers, method="POST" if data else "GET")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw[:1] in (b"{", b"[") else raw.decode()
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


@pytest.fixture(scope="module")
def curating(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    folder = tmp_path_factory.mktemp("curate")
    build_database(folder / "timeline.db")
    previous = os.environ.get("TIMELINE_TOKENS")
    os.environ["TIMELINE_TOKENS"] = TOKEN  # the service process reads its tokens from here
    try:
        with Service(folder / "timeline.db", folder / "serve.log") as server:
            yield server
    finally:
        if previous is None:
            os.environ.pop("TIMELINE_TOKENS", None)
        else:
            os.environ["TIMELINE_TOKENS"] = previous


def _card_type(tab: Tab) -> str:
    return tab.page.locator("article.candidate.current h3").inner_text()


def _go_to(tab: Tab, type_: str) -> None:
    tab.page.keyboard.press("Escape")
    for _ in range(40):
        if type_ in _card_type(tab):
            return
        tab.page.keyboard.press("j")
    raise AssertionError(f"no {type_} candidate")


def test_review_a_document_by_keyboard(tab: Tab, curating: Service) -> None:
    origin = curating.origin
    upload = {
        "title": {"zh": "晋中市医共体建设推进会召开", "en": "Jinzhong county medical community meeting"},
        "publisher": {"zh": "晋中市卫生健康委员会", "en": "Jinzhong Health Commission"},
        "published": "2024-06-20",
        "region": "140700",
        "id": SOURCE,
        "text": JINZHONG_NEWS,
    }
    status, registered = _request(f"{origin}/sources", upload, TOKEN)
    assert status == 201, registered
    head = _request(f"{origin}/health")[1]["head"]
    page = tab.page
    page.goto(f"{origin}/curate?source={SOURCE}")
    # A wrong token: a clear message, nothing written.
    page.fill("#token", "not-the-token")
    page.press("#token", "Enter")
    page.locator("#login-error", has_text="refused").wait_for()
    assert not page.locator("#review").is_visible()
    assert _request(f"{origin}/health")[1]["head"] == head
    page.fill("#token", TOKEN)
    page.press("#token", "Enter")
    page.wait_for_selector("article.candidate.current")
    assert page.evaluate("sessionStorage.getItem('reform-timeline-token')") == TOKEN
    assert page.locator("#document mark").count() > 5  # every candidate's sentence is marked

    # Accept the incentive after editing its date (and writing the English texts).
    _go_to(tab, "incentive_awarded")
    award_id = page.locator("article.candidate.current").get_attribute("data-candidate")
    page.keyboard.press("e")
    focused = page.locator("article.candidate.current [data-path='occurred']")
    assert page.evaluate("document.activeElement.getAttribute('data-path')") == "occurred"
    focused.fill("2024-05-08")
    # The region search looks names up in the whole gazetteer as one types.
    card_search = page.locator("article.candidate.current input[list='region-list']")
    card_search.fill("寿阳")
    page.locator("#region-list option[value='寿阳县 140725']").wait_for(state="attached")
    assert page.locator("article.candidate.current output.interval").inner_text() == "2024-05-08"
    card = page.locator("article.candidate.current")
    card.locator("[data-path='title.en']").fill("Shouyang receives a provincial award")
    card.locator("[data-path='summary.en']").fill(
        "Shouyang received CNY 3 million in provincial award funds."
    )
    card.locator("[data-path='awarding_body.zh']").fill("山西省")
    card.locator("[data-path='awarding_body.en']").fill("Shanxi Province")
    card.locator("[data-path='awarding_body.en']").press("Escape")
    page.keyboard.press("a")
    page.locator("#status", has_text="Accepted: ").wait_for()
    assert page.locator(f"article[data-candidate='{award_id}']").count() == 0

    # Reject the rating with a reason.
    _go_to(tab, "rating_awarded")
    rating_id = page.locator("article.candidate.current").get_attribute("data-candidate")
    page.keyboard.press("r")
    page.keyboard.type("考核结果尚未公示")
    page.keyboard.press("Enter")
    page.locator("#status", has_text="Rejected: ").wait_for()

    # The accepted milestone is on Shouyang's timeline and in its feed.
    timeline = _request(f"{origin}/regions/140725/timeline?lang=en")[1]
    titles = [entry["title"]["en"] for entry in timeline["entries"]]
    assert "Shouyang receives a provincial award" in titles
    [entry] = [e for e in timeline["entries"] if e["title"]["en"] == "Shouyang receives a provincial award"]
    assert entry["occurred"]["edtf"] == "2024-05-08"
    feed = _request(f"{origin}/feeds/regions/140725.ics?lang=en")[1]
    assert "SUMMARY:Shouyang receives a provincial award" in feed and "DTSTART;VALUE=DATE:20240508" in feed

    # The widget's entry and the embed page show the sentence the milestone rests on.
    page.goto(f"{origin}/embed/regions/140725?lang=en")
    quote = page.locator("p.quote:visible", has_text="Source sentence:").first
    quote.wait_for()
    assert "寿阳县获得省级奖励资金300万元" in quote.inner_text()

    # A second extraction proposes neither again.
    status, again = _request(f"{origin}/sources/{SOURCE}/candidates", token=TOKEN)
    ids = {item["candidate"]["candidate_id"] for item in again["candidates"]}
    assert status == 200 and award_id not in ids and rating_id not in ids
    assert tab.errors == [] and tab.violations() == []


def test_roles_and_a_changed_type_on_the_review_page(tab: Tab, curating: Service) -> None:
    origin, source = curating.origin, "shanxi-roles-2025-09-12"
    upload = {
        "title": {"zh": "全省公立医院高质量发展推进会召开", "en": "Provincial public-hospital meeting"},
        "publisher": {"zh": "山西省卫生健康委员会", "en": "Shanxi Health Commission"},
        "published": PROVINCE_ROLES_PUBLISHED,
        "region": "140000",
        "id": source,
        "text": PROVINCE_ROLES,
    }
    status, registered = _request(f"{origin}/sources", upload, TOKEN)
    assert status == 201, registered
    page = tab.page
    page.goto(f"{origin}/curate?source={source}")
    page.fill("#token", TOKEN)
    page.press("#token", "Enter")
    page.wait_for_selector("article.candidate.current")

    # The meeting comes with the counties that spoke as participants; the curator adds the
    # province as its convener (issuer) through the gazetteer search, then accepts.
    _go_to(tab, "meeting_held")
    card = page.locator("article.candidate.current")
    assert card.locator("[data-path='regions']").input_value() == "140100"
    assert card.locator("[data-path='participants']").input_value() == "140200, 140400, 140781"
    card.locator("select[data-path='']").select_option("issuers")
    search = card.locator("input[list='region-list']")
    search.fill("山西省 140000")
    search.dispatch_event("change")
    assert card.locator("[data-path='issuers']").input_value() == "140000"
    card.locator("[data-path='title.en']").fill("Provincial public-hospital meeting in Taiyuan")
    card.locator("[data-path='summary.en']").fill("Datong, Changzhi and Jiexiu spoke at the meeting.")
    card.locator("[data-path='summary.en']").press("Escape")
    page.keyboard.press("a")
    page.locator("#status", has_text="Accepted: ").wait_for()
    title = "Provincial public-hospital meeting in Taiyuan"
    for code, role in (("140100", "subject"), ("140781", "participant"), ("140000", "issuer")):
        entries = _request(f"{origin}/regions/{code}/timeline?lang=en&roles={role}")[1]["entries"]
        assert title in [e["title"]["en"] for e in entries], (code, role)
    subject_only = _request(f"{origin}/regions/140781/timeline?lang=en")[1]["entries"]
    assert title not in [e["title"]["en"] for e in subject_only]  # Jiexiu only spoke

    # A designation retyped as a reported figure: the status goes, the figure's fields come,
    # and a figure with no value is refused beside its field; back to a designation restores it.
    _go_to(tab, "pilot_designated")
    card = page.locator("article.candidate.current")
    assert card.locator("[data-path='issuers']").input_value() == "140000"  # 省卫健委将孝义市…
    card.locator("select[data-path='type']").select_option("metric_reported")
    assert card.locator("[data-path='status']").count() == 0
    assert card.locator("[data-path='value']").get_attribute("type") == "number"
    assert card.locator("[data-path='period']").input_value() == "2025-08-21/2025-08-31"
    card.locator("select[data-path='type']").select_option("target_set")
    assert card.locator("[data-path='period']").count() == 0
    assert card.locator("[data-path='deadline']").count() == 1
    card.locator("select[data-path='type']").select_option("metric_reported")
    card.locator("[data-path='title.en']").fill("Xiaoyi figure")
    card.locator("[data-path='summary.en']").fill("Xiaoyi figure.")
    card.locator("[data-path='summary.en']").press("Escape")
    head = _request(f"{origin}/health")[1]["head"]
    page.keyboard.press("a")
    card.locator("[data-problem='metric']").filter(has_text="regex").wait_for()  # empty slug
    shown = [p.inner_text() for p in card.locator(".problem").all()]
    assert [p for p in shown if p] == [card.locator("[data-problem='metric']").inner_text()]
    assert _request(f"{origin}/health")[1]["head"] == head  # nothing written
    card.locator("select[data-path='type']").select_option("pilot_designated")
    assert card.locator("[data-path='status']").input_value() == "launched"
    assert card.locator("[data-path='value']").count() == 0
    assert tab.errors == [] and tab.violations() == []
