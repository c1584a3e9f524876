"""The service's own pages in a real browser: the home page, the iframe page, and date formats."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser

from api.widget.dates import format_date
from projections.models import date_value

from . import data
from .conftest import ARTIFACTS, Site, Tab
from .service import Service

EDTF_SAMPLES = [row[0] for row in data.JIEXIU_MILESTONES] + [
    "2021-05-07?",
    "2017%",
    "2019-11/..",
    "2019-11/2020",
    "0999-01-02",
    "2020-02-29~",
    "2024-08-28T11:00:00Z",
]


def test_python_and_the_browser_format_every_date_alike(tab: Tab, service: Service) -> None:
    tab.page.goto(f"{service.origin}/embed/regions/{data.JIEXIU}")
    tab.page.wait_for_function("window.ReformTimeline")
    values = [date_value(edtf) for edtf in EDTF_SAMPLES]
    occurred = [
        {
            "edtf": v.edtf,
            "precision": v.precision,
            "earliest": v.earliest and v.earliest.isoformat(),
            "latest": v.latest and v.latest.isoformat(),
        }
        for v in values
    ]
    for lang in ("zh", "en"):
        shown = tab.page.evaluate(
            "([items, lang]) => items.map(o => ReformTimeline.formatDate(o, lang))", [occurred, lang]
        )
        assert shown == [format_date(v, lang) for v in values], lang


def test_home_page_shows_the_widget_a_picker_and_the_snippet(tab: Tab, service: Service) -> None:
    page = tab.page
    page.set_viewport_size({"width": 1100, "height": 900})
    page.goto(f"{service.origin}/")
    page.locator("#demo li").nth(4).wait_for()
    assert page.locator("#demo .name").text_content() == "晋中市"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "home.png"), full_page=True)

    # Any division can be picked: the search box asks GET /regions (here by code prefix).
    assert page.locator(f'#region option[value="{data.JIEXIU}"]').count() == 0
    page.fill("#region-search", data.JIEXIU[:4])
    page.locator(f'#region option[value="{data.JIEXIU}"]').wait_for(state="attached")
    page.select_option("#region", data.JIEXIU)
    page.locator("#demo .name", has_text="测试县").wait_for()
    page.locator("#demo li").nth(len(data.JIEXIU_MILESTONES) - 1).wait_for()
    assert page.locator("#demo li .title").first.text_content() == data.JIEXIU_MILESTONES[-1][3]  # newest
    snippet = page.locator("#snippet").text_content() or ""
    assert f'data-region="{data.JIEXIU}"' in snippet
    assert f'<script src="{service.origin}/widget.js" async></script>' in snippet
    assert f"region={data.JIEXIU}" in page.url

    page.select_option("#lang", "en")
    page.locator("#demo .name", has_text="Test County").wait_for()
    option = page.locator(f'#region option[value="{data.JIEXIU}"]')
    assert option.text_content() == f"Test County ({data.JIEXIU})"  # relabelled in English
    assert page.locator("#demo li time").last.text_content() == "Oct 2017"  # oldest last

    page.fill("#region-search", "xinjiang")  # a division far from the seeds, by pinyin
    page.locator('#region option[value="650000"]').wait_for(state="attached")
    page.select_option("#region", "650000")
    page.locator("#demo .name", has_text="Xinjiang").wait_for()
    assert 'data-region="650000"' in (page.locator("#snippet").text_content() or "")
    assert tab.violations() == []
    assert tab.errors == []


def test_the_iframe_page_works_inside_a_host_that_forbids_its_scripts(
    tab: Tab, site: Site, service: Service
) -> None:
    src = f"{service.origin}/embed/regions/{data.JIEXIU}?lang=en"
    csp = f"default-src 'none'; frame-src {service.origin}; style-src 'self'"
    tab.page.goto(site.page(f'<iframe id="f" src="{src}" title="Timeline"></iframe>', csp=csp))
    frame = tab.page.frame_locator("#f")
    frame.locator(".rt li").nth(len(data.JIEXIU_MILESTONES) - 1).wait_for()
    assert frame.locator(".rt li .title", has_text=data.XSS).count() == 1
    inner = tab.page.frames[1]
    assert inner.evaluate("document.querySelector('.reform-timeline').shadowRoot !== null")
    assert inner.evaluate("window.__violations") == []
    assert tab.violations() == []
    assert tab.dialogs == [] and tab.errors == []


def test_the_iframe_page_reads_well_without_scripts(browser: Browser, service: Service) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{service.origin}/embed/regions/{data.JIEXIU}?lang=zh&limit=3&order=oldest")
        items = page.locator(".rt-static ol > li")
        assert items.count() == 3
        assert items.first.locator("time").get_attribute("datetime") == "2017-10"
        assert items.nth(2).locator(".title").text_content() == data.XSS
        page.locator("a.more").click()
        following = page.locator(".rt-static ol > li .title").first.text_content()
        assert following == data.JIEXIU_MILESTONES[3][3]
        assert page.locator("img").count() == 0
    finally:
        context.close()


@pytest.mark.parametrize("width", [320])
def test_home_page_fits_a_narrow_screen(tab: Tab, service: Service, width: int) -> None:
    tab.page.set_viewport_size({"width": width, "height": 700})
    tab.page.goto(f"{service.origin}/?region={data.JIEXIU}&theme=dark")
    tab.page.locator("#demo li").first.wait_for()
    assert tab.page.evaluate("document.documentElement.scrollWidth") <= width
    Path(ARTIFACTS).mkdir(exist_ok=True)
    tab.page.screenshot(path=str(ARTIFACTS / "home-320-dark.png"), full_page=True)
