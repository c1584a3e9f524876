"""Widget options and polish in a real browser: order, height, compact mode, focus, errors, text."""

from __future__ import annotations

import pytest
from playwright.sync_api import ConsoleMessage

from . import data
from .conftest import Site, Tab
from .service import Service


def widget(attributes: str = "", region: str = data.JIEXIU) -> str:
    return f'<div id="a" class="reform-timeline" data-region="{region}" data-lang="en" {attributes}></div>'


def titles(tab: Tab) -> list[str]:
    return tab.page.locator("#a li .title").all_text_contents()


def test_newest_entries_come_first_unless_the_page_asks_for_oldest(tab: Tab, site: Site) -> None:
    oldest_first = [row[4] for row in data.JIEXIU_MILESTONES]
    tab.page.goto(site.page(widget() + site.script()))
    tab.page.locator("#a li").nth(len(oldest_first) - 1).wait_for()
    assert titles(tab) == oldest_first[::-1]
    tab.page.goto(site.page(widget('data-order="oldest"') + site.script()))
    tab.page.locator("#a li").nth(len(oldest_first) - 1).wait_for()
    assert titles(tab) == oldest_first


def test_max_height_makes_the_list_scroll_inside_the_widget(tab: Tab, site: Site) -> None:
    tab.page.goto(site.page(widget('data-max-height="240" data-limit="25"', data.TAIYUAN) + site.script()))
    tab.page.locator("#a li").nth(24).wait_for(state="attached")
    box = tab.page.locator("#a ol").evaluate(
        "el => [el.clientHeight, el.scrollHeight, getComputedStyle(el).overflowY, el.tabIndex]"
    )
    assert box[0] <= 240 and box[1] > 4 * box[0] and box[2] == "auto" and box[3] == 0, box
    whole = tab.page.locator("#a").bounding_box()
    assert whole and whole["height"] < 500
    # A CSS length works too; anything else is ignored rather than injected.
    tab.page.goto(site.page(widget('data-max-height="12em"', data.TAIYUAN) + site.script()))
    tab.page.locator("#a li").first.wait_for(state="attached")
    assert tab.page.locator("#a ol").evaluate("el => getComputedStyle(el).maxHeight") != "none"
    hostile = widget('data-max-height="1px}li{display:none"', data.TAIYUAN)
    tab.page.goto(site.page(hostile + site.script()))
    tab.page.locator("#a li").first.wait_for()
    assert tab.page.locator("#a ol").evaluate("el => getComputedStyle(el).maxHeight") == "none"
    assert tab.violations() == [] and tab.errors == []


def test_compact_mode_shows_date_and_title_only(tab: Tab, site: Site) -> None:
    page = site.page(
        widget('data-limit="25"', data.TAIYUAN).replace('id="a"', 'id="full"')
        + widget('data-limit="25" data-compact="true"', data.TAIYUAN)
        + site.script()
    )
    tab.page.goto(page)
    tab.page.locator("#a li").nth(24).wait_for()
    tab.page.locator("#full li").nth(24).wait_for()
    assert tab.page.locator("#a li .title").first.is_visible()
    assert tab.page.locator("#a li .when").first.is_visible()
    assert not tab.page.locator("#a li .summary").first.is_visible()
    assert not tab.page.locator("#a li .src").first.is_visible()
    compact = tab.page.locator("#a").bounding_box()
    full = tab.page.locator("#full").bounding_box()
    assert compact and full and compact["height"] < 0.6 * full["height"]


def test_focus_after_load_more_lands_on_a_visible_ring(tab: Tab, site: Site) -> None:
    tab.page.goto(site.page(widget('data-limit="3"') + site.script()))
    tab.page.locator("#a li").nth(2).wait_for()
    tab.page.locator("#a button", has_text="Load more").focus()
    tab.page.keyboard.press("Enter")
    tab.page.locator("#a li").nth(5).wait_for()
    focused = tab.page.evaluate(
        """() => { const el = document.querySelector('#a').shadowRoot.activeElement;
          const s = getComputedStyle(el); return [el.tagName, s.outlineStyle, s.outlineWidth]; }"""
    )
    assert focused == ["LI", "solid", "3px"]


@pytest.mark.parametrize(
    ("attributes", "detail"),
    [
        ('data-region="999999"', "999999"),
        (f'data-region="{data.JIEXIU}" data-types="nonsense"', "nonsense"),
    ],
)
def test_a_refused_request_shows_the_problem_detail_and_no_retry(
    tab: Tab, site: Site, attributes: str, detail: str
) -> None:
    warnings: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "warning":
            warnings.append(message.text)

    tab.page.on("console", on_console)
    body = f'<div id="a" class="reform-timeline" data-lang="en" {attributes}></div>'
    tab.page.goto(site.page(body + site.script()))
    status = tab.page.locator("#a .status.err")
    status.wait_for()
    assert detail in (status.text_content() or "")
    assert "could not be loaded" in (status.text_content() or "")
    assert not tab.page.locator("#a button", has_text="Try again").is_visible()
    assert detail in (tab.page.locator("#a").get_attribute("data-rt-error") or "")
    tab.page.wait_for_timeout(100)
    assert any("reform-timeline" in w and detail in w for w in warnings), warnings


def test_each_source_is_listed_once_with_its_locators(tab: Tab, site: Site) -> None:
    tab.page.goto(site.page(widget() + site.script()))
    entry = tab.page.locator("#a li", has_text="Test County holds a reform meeting")
    entry.wait_for()
    assert entry.locator(".src").text_content() == "Sources: Test document (Test publisher, para 2, para 5)"
    assert entry.locator(".src a").count() == 1


def test_data_strings_are_isolated_for_either_direction(tab: Tab, site: Site) -> None:
    tab.page.goto(site.page(widget() + site.script()))
    tab.page.locator("#a li").nth(len(data.JIEXIU_MILESTONES) - 1).wait_for()
    shape = tab.page.locator("#a").evaluate(
        """el => { const r = el.shadowRoot;
          const all = (s) => [...r.querySelectorAll(s)];
          return {
            titles: all('li .title').every(p => p.dir === 'auto'),
            summaries: all('li .summary').every(p => p.dir === 'auto'),
            name: r.querySelector('.name').dir,
            names: all('li .meta bdi').map(b => b.textContent),
            sources: all('li .src bdi').length > 0,
          }; }"""
    )
    assert shape["titles"] and shape["summaries"] and shape["name"] == "auto" and shape["sources"]
    assert "Test County" in shape["names"]


def test_entries_are_painted_for_full_page_captures(tab: Tab, site: Site) -> None:
    # content-visibility:auto skips painting entries off screen, so captures showed blank areas.
    tab.page.goto(site.page(widget('data-limit="100"', data.TAIYUAN) + site.script()))
    tab.page.locator("#a li").nth(99).wait_for(state="attached")
    skipped = tab.page.locator("#a").evaluate(
        "el => [...el.shadowRoot.querySelectorAll('li')]"
        ".filter(li => getComputedStyle(li).contentVisibility !== 'visible').length"
    )
    assert skipped == 0
    last = tab.page.locator("#a li").nth(99)
    assert last.bounding_box() and (last.bounding_box() or {}).get("height", 0) > 20


def test_the_embed_page_has_one_main_landmark_and_one_h1(tab: Tab, service: Service) -> None:
    tab.page.goto(f"{service.origin}/embed/regions/{data.JIEXIU}?lang=en")
    tab.page.locator(".reform-timeline .rt li").first.wait_for()
    assert tab.page.get_by_role("main").count() == 1
    heading = tab.page.get_by_role("heading", level=1)
    assert heading.count() == 1 and "Test County" in (heading.text_content() or "")
    assert tab.errors == [] and tab.violations() == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_home_page_does_not_scroll_sideways_at_320_pixels(tab: Tab, service: Service, lang: str) -> None:
    tab.page.set_viewport_size({"width": 320, "height": 700})
    tab.page.goto(f"{service.origin}/?lang={lang}")
    tab.page.locator("#demo li").first.wait_for()
    widths = tab.page.evaluate(
        "() => [document.documentElement.scrollWidth,"
        " Math.ceil(document.getElementById('region').getBoundingClientRect().right)]"
    )
    assert widths[0] <= 320 and widths[1] <= 320, widths
