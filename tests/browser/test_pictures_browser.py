"""The pictures in a real Chromium: Jiexiu's lanes, the widget's lanes view under a strict CSP,
and the home page's explorer with its keyboard-operable month slider. Screenshots go to
tests/artifacts/."""

from __future__ import annotations

import re
from datetime import date

from playwright.sync_api import expect

from api.pictures.lanes import Axis

from .conftest import ARTIFACTS, Site, Tab
from .service import Service

JIEXIU = "140781"  # the real county of the seeds (not the widget tests' 990101)
SPANS = """(key) => [...document.querySelectorAll(`g[data-key="${key}"] rect`)]
  .filter((r) => r.getAttribute("fill") !== "#f6f7f9")
  .map((r) => ({fill: r.getAttribute("fill"), x: r.getBBox().x, right: r.getBBox().x + r.getBBox().width}))"""


def test_jiexiu_lanes_show_the_incentive_certain_and_a_fuzzy_status_hatched(
    tab: Tab, service: Service
) -> None:
    page = tab.page
    query = "lang=en&as_of=2021-05-07&from=2016-01-01&to=2025-12-31"
    response = page.goto(f"{service.origin}/regions/{JIEXIU}/lanes.svg?{query}")
    assert response is not None and response.headers["content-type"].startswith("image/svg+xml")
    axis = Axis(date(2016, 1, 1), date(2025, 12, 31))
    incentive = page.evaluate(SPANS, "state-council-supervision-incentive")
    assert [span["fill"] for span in incentive] == ["#E69F00"]  # solid, from the day on
    assert abs(incentive[0]["x"] - axis.x(date(2021, 5, 7))) < 0.1
    # A status known only to a year (rated in 2020): hatched across that year, solid after it.
    hatched, solid = page.evaluate(SPANS, "improve-medical-services")
    assert hatched["fill"].startswith("url(#hatch-") and not solid["fill"].startswith("url(")
    assert abs(hatched["x"] - axis.x(date(2020, 1, 1))) < 0.1
    assert abs(hatched["right"] - axis.x(date(2020, 12, 31))) < 0.2
    assert page.evaluate("document.querySelector('svg > title').textContent") == "Jiexiu · status over time"
    assert "as of 2021-05-07" in page.evaluate("document.querySelector('svg > desc').textContent")
    ARTIFACTS.mkdir(exist_ok=True)
    # A full-page screenshot of a bare SVG document never settles: size the viewport to it.
    height = int(page.evaluate("document.documentElement.getAttribute('height')"))
    page.set_viewport_size({"width": 900, "height": height})
    page.screenshot(path=str(ARTIFACTS / "lanes-jiexiu.png"))
    page.goto(f"{service.origin}/regions/{JIEXIU}/lanes.svg?lang=zh&as_of=2021-05-07")
    page.screenshot(path=str(ARTIFACTS / "lanes-jiexiu-zh.png"))


def test_widget_lanes_view_draws_the_picture_above_the_list_under_a_strict_csp(tab: Tab, site: Site) -> None:
    body = f'<div class="reform-timeline" data-region="{JIEXIU}" data-view="lanes" data-lang="en"></div>'
    tab.page.goto(site.page(body + site.script()))  # the host allows the service's script and fetch only
    svg = tab.shadow(".reform-timeline", "figure.lanes svg")
    svg.wait_for()
    tab.shadow(".reform-timeline", "li").first.wait_for()
    assert svg.get_attribute("role") == "img" and svg.get_attribute("aria-labelledby") == "title desc"
    assert tab.shadow(".reform-timeline", "figure.lanes svg > title").text_content() == (
        "Jiexiu · status over time"
    )
    texts = tab.shadow(".reform-timeline", "figure.lanes svg text").all_text_contents()
    assert "State Council supervision incentive" in texts
    order = tab.page.evaluate(
        """() => [...document.querySelector('.reform-timeline').shadowRoot.querySelector('section')
            .children].map((c) => c.tagName)"""
    )
    assert order.index("FIGURE") < order.index("OL")  # the picture, then the cards
    assert tab.violations() == [] and tab.errors == []
    tab.page.locator(".reform-timeline").screenshot(path=str(ARTIFACTS / "widget-lanes.png"))


def test_home_explorer_month_slider_is_keyboard_operable_and_kept_in_the_address(
    tab: Tab, service: Service
) -> None:
    page = tab.page
    page.set_viewport_size({"width": 1100, "height": 900})
    page.goto(f"{service.origin}/?region={JIEXIU}&lang=en&programme=county-medical-integration&month=2021-05")
    month = page.locator("#month")
    # `expect` polls from outside the page: its CSP refuses wait_for_function's eval.
    expect(page.locator("#map-img")).to_have_attribute("src", re.compile("as_of=2021-05-31"))
    assert page.locator("#month-out").text_content() == "2021-05"
    assert f"/regions/{JIEXIU}/lanes.svg" in (page.locator("#lanes-img").get_attribute("src") or "")
    month.focus()
    page.keyboard.press("ArrowLeft")
    assert page.locator("#month-out").text_content() == "2021-04"
    assert month.get_attribute("aria-valuetext") == "2021-04"
    expect(page).to_have_url(re.compile(r"[?&]month=2021-04(&|$)"))  # kept in the address
    assert "as_of=2021-04-30" in (page.locator("#map-img").get_attribute("src") or "")
    page.keyboard.press("PageDown")
    assert page.locator("#month-out").text_content() == "2020-04"
    page.keyboard.press("ArrowRight")
    expect(page).to_have_url(re.compile(r"[?&]month=2020-05(&|$)"))
    assert "map.svg" in (page.locator("#map-snippet").text_content() or "")
    shared = page.url
    page.goto(shared)  # the address alone brings the same view back
    expect(page.locator("#map-img")).to_have_attribute("src", re.compile("as_of=2020-05-31"))
    assert page.locator("#month-out").text_content() == "2020-05"
    expect(page.locator("#lanes-img")).to_have_js_property("naturalWidth", 900)
    assert tab.violations() == [] and tab.errors == []
    page.screenshot(path=str(ARTIFACTS / "home-explorer.png"), full_page=True)


MAP_DOTS = """() => Object.fromEntries([...document.querySelectorAll('g.dot')].map((g) => [g.dataset.code,
  [g.dataset.status, g.dataset.certainty, g.querySelector('circle').getAttribute('fill')]]))"""


def test_programme_map_on_two_dates_differs_as_the_log_says(tab: Tab, service: Service) -> None:
    page = tab.page
    slug, within = "county-medical-integration", "140700"
    shown = {}
    for day in ("2016-06-30", "2021-05-31"):
        members = page.request.get(
            f"{service.origin}/programmes/{slug}/regions?as_of={day}&within={within}"
        ).json()["members"]
        page.set_viewport_size({"width": 900, "height": 700})
        response = page.goto(
            f"{service.origin}/programmes/{slug}/map.svg?as_of={day}&within={within}&lang=en"
        )
        assert response is not None and response.headers["content-type"].startswith("image/svg+xml")
        dots = page.evaluate(MAP_DOTS)
        expected = {m["code"]: [m["status"], m["certainty"]] for m in members}
        desc = page.evaluate("document.querySelector('svg > desc').textContent")
        for code in set(expected) - set(dots):  # a member without a point is named, not drawn
            assert code in desc.split("without a point, not drawn:")[1]
            del expected[code]
        # Every member as the log says, in its certainty; every other division hollow.
        assert {code: dot[:2] for code, dot in dots.items() if dot[0]} == expected
        assert all(dot[2] == "#ffffff" for dot in dots.values() if not dot[0])
        assert all(
            dot[2].startswith("url(#hatch-") == (dot[1] == "uncertain") for dot in dots.values() if dot[0]
        )
        assert "Legend" in page.locator("svg g.legend").inner_html()
        assert page.evaluate("document.querySelector('svg > title').textContent").endswith(day)
        page.screenshot(path=str(ARTIFACTS / f"map-{slug}-{day}.png"))
        shown[day] = dots
    assert shown["2016-06-30"] != shown["2021-05-31"]
