"""The live widget (`data-live="true"`) in Chromium, against a real server that is written to."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from live.server import AUTH, LiveServer, meeting, post_event

from .conftest import Site, Tab
from .servers import HostPages, ThreadServer

REGION = "140781"
SOURCE = [{"document": "jinzhong-daily-report-2021-05-19"}]
REASON = {"zh": "原稿有误。", "en": "The first report was wrong."}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with LiveServer(tmp_path_factory.mktemp("live-widget")) as server:
        yield server


@pytest.fixture
def live_site(host: ThreadServer, host_pages: HostPages, live: LiveServer) -> Site:
    return Site(host, host_pages, live.base)


def open_widget(tab: Tab, site: Site, order: str = "newest") -> None:
    body = f'<div id="w" class="reform-timeline" data-region="{REGION}" data-lang="en" data-limit="500" '
    body += f'data-order="{order}" data-live="true"></div>'
    tab.page.goto(site.page(body + site.script()))  # under the strict CSP of `Site.csp`
    tab.page.locator("#w li").first.wait_for()
    tab.page.evaluate("window.__loaded = 'first'")  # gone if the page reloads


def sort_keys(tab: Tab) -> list[str]:
    return tab.page.locator("#w li").evaluate_all("els => els.map(e => e.dataset.sortKey)")


@pytest.mark.parametrize("order", ["newest", "oldest"])
def test_a_live_widget_shows_corrects_and_strikes_through_without_reload(
    tab: Tab, live_site: Site, order: str
) -> None:
    open_widget(tab, live_site, order)
    page = tab.page
    shown = page.locator("#w li").count()
    title = f"Live widget meeting {order}"
    written = post_event(live_site.service, meeting(title, region=REGION, occurred="2021-06"))
    entry = page.locator("#w li", has_text=title)
    entry.wait_for()
    assert page.locator("#w li").count() == shown + 1
    keys = sort_keys(tab)
    assert keys == sorted(keys, reverse=order == "newest")  # slid in at its place
    assert entry.locator("time").first.get_attribute("datetime") == "2021-06"
    announced = page.locator("#w [aria-live=polite]")
    assert announced.text_content() == f"New: {title}"

    event_id = written["event_ids"][0]
    correction = {"changes": {"title": {"zh": "直播更正", "en": f"{title} (corrected)"}}}
    response = httpx.post(
        f"{live_site.service}/events/{event_id}/corrections",
        json={**correction, "reason": REASON, "sources": SOURCE},
        headers=AUTH,
    )
    assert response.status_code == 201, response.text
    page.locator("#w li .title", has_text="(corrected)").wait_for()
    assert page.locator("#w li").count() == shown + 1  # in place, not added again
    response = httpx.post(
        f"{live_site.service}/events/{event_id}/retractions",
        json={"reason": REASON, "sources": SOURCE},
        headers=AUTH,
    )
    assert response.status_code == 201, response.text
    page.locator("#w li.retracted").wait_for()
    struck = page.locator("#w li.retracted .title").evaluate("e => getComputedStyle(e).textDecorationLine")
    assert struck == "line-through"
    assert announced.text_content() == f"Retracted: {title} (corrected)"

    assert page.evaluate("window.__loaded") == "first"
    assert tab.violations() == [] and tab.errors == []
    origins = {url.split("/", 3)[2] for url in tab.requests}
    assert origins == {live_site.host.origin.split("/")[2], live_site.service.split("/")[2]}


def test_a_hidden_page_pauses_and_resumes_after_the_last_event(tab: Tab, live_site: Site) -> None:
    open_widget(tab, live_site)
    page = tab.page
    post_event(live_site.service, meeting("Before hiding", region=REGION))
    page.locator("#w li", has_text="Before hiding").wait_for()
    page.evaluate(
        "Object.defineProperty(document, 'hidden', {value: true, configurable: true});"
        "document.dispatchEvent(new Event('visibilitychange'))"
    )
    streams = len([u for u in tab.requests if "/stream" in u])
    post_event(live_site.service, meeting("While hidden", region=REGION))
    page.wait_for_timeout(700)
    assert page.locator("#w li", has_text="While hidden").count() == 0  # paused: nothing arrives
    page.evaluate(
        "Object.defineProperty(document, 'hidden', {value: false, configurable: true});"
        "document.dispatchEvent(new Event('visibilitychange'))"
    )
    page.locator("#w li", has_text="While hidden").wait_for()
    resumed = [u for u in tab.requests if "/stream" in u][streams:]
    assert resumed and "after=" in resumed[0]
    assert page.locator("#w li", has_text="Before hiding").count() == 1  # nothing repeated
    assert page.evaluate("window.__loaded") == "first"


def test_the_home_page_widget_is_live(tab: Tab, live: LiveServer) -> None:
    tab.page.goto(f"{live.base}/?lang=en")
    tab.page.locator("#demo li").first.wait_for()
    # The newest entry: at the top of the first page the home page shows.
    post_event(live.base, meeting("Home page live entry", region="140781", occurred="2026-11"))
    tab.page.locator("#demo li", has_text="Home page live entry").wait_for()
    assert tab.violations() == [] and tab.errors == []
