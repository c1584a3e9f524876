"""The embeddable widget in a real browser, on a host page served from another origin."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from . import data
from .conftest import Site, Tab
from .servers import closed_port

WIDGET_JS = Path(__file__).resolve().parents[2] / "api" / "static" / "widget.js"
HOST_CSS = """
li, p, time, ol { color: rgb(255, 0, 0) !important; font-family: serif !important; }
ol { list-style: upper-roman; }
.title { font-size: 40px; }
body { text-transform: uppercase; letter-spacing: 4px; }
"""
TWO_WIDGETS = (
    f'<div id="a" class="reform-timeline" data-region="{data.JIEXIU}" data-lang="zh" '
    'data-order="oldest"></div>'
    f'<div id="b" class="reform-timeline" data-region="{data.JINZHONG}" data-lang="en" '
    'data-limit="100" data-order="oldest"></div>'
)


def expected(rows: list[tuple], column: int) -> list[str]:
    return [row[column] for row in rows]


def open_two(tab: Tab, site: Site) -> None:
    tab.page.goto(site.page(TWO_WIDGETS + site.script(), css=HOST_CSS))
    tab.page.locator("#a li").nth(len(data.JIEXIU_MILESTONES) - 1).wait_for()
    tab.page.locator("#b li").first.wait_for()


def test_two_widgets_render_entries_in_order_with_dates_in_their_language(tab: Tab, site: Site) -> None:
    open_two(tab, site)
    page = tab.page
    assert page.locator("#a ol > li time").first.get_attribute("datetime") == "2017-10"
    zh_dates = page.locator("#a li .when").evaluate_all(
        "els => els.map(e => [...e.childNodes].filter(n => n.nodeName !== 'SPAN')"
        ".map(n => n.textContent).join(''))"
    )
    assert zh_dates == expected(data.JIEXIU_MILESTONES, 5)
    titles = page.locator("#a li .title").all_text_contents()
    assert titles == expected(data.JIEXIU_MILESTONES, 3)
    assert page.locator("#a .name").text_content() == "测试县"

    # The city's timeline includes its county's entries, in English.
    en_titles = page.locator("#b li .title").all_text_contents()
    assert "Test City holds a reform meeting" in en_titles
    jiexiu_en = [t for t in en_titles if t in expected(data.JIEXIU_MILESTONES, 4)]
    assert jiexiu_en == expected(data.JIEXIU_MILESTONES, 4)
    en_dates = page.locator("#b li time").all_text_contents()
    for date in ("Oct 2017", "7 May 2021", "2022", "c. Mar 2023", "28 Aug 2024"):
        assert date in en_dates
    by = page.locator("#b li .when", has_text="Test County Medical Group")
    assert (
        page.locator("#b li", has_text="Test County Medical Group")
        .locator(".when")
        .text_content()
        .startswith("reported 28 Aug 2024")
    ), by
    interval = page.locator("#b li", has_text="on-site review").locator("time")
    assert interval.evaluate_all("els => els.map(e => e.dateTime)") == ["2019-11-18", "2019-11-19"]
    assert tab.errors == []


def test_entries_form_an_ordered_list_with_time_elements(tab: Tab, site: Site) -> None:
    open_two(tab, site)
    shape = tab.page.locator("#a").evaluate(
        """el => {
          const root = el.shadowRoot;
          return {
            lists: root.querySelectorAll("ol").length,
            items: root.querySelectorAll("ol > li").length,
            times: [...root.querySelectorAll("li time")].every(t => t.hasAttribute("datetime")),
            light: el.children.length,
          };
        }"""
    )
    assert shape == {
        "lists": 1,
        "items": len(data.JIEXIU_MILESTONES),
        "times": True,
        "light": 0,
    }


def test_host_css_does_not_reach_inside_and_widget_css_does_not_leak_out(tab: Tab, site: Site) -> None:
    open_two(tab, site)
    page = tab.page
    title = page.locator("#a li .title").first
    style = title.evaluate(
        "el => { const s = getComputedStyle(el); return [s.color, s.fontFamily, s.fontSize,"
        " s.textTransform, s.letterSpacing]; }"
    )
    assert style[0] != "rgb(255, 0, 0)"
    assert style[1].split(",")[0].strip() != "serif"
    assert style[2] != "40px"
    assert style[3] == "none"
    assert style[4] == "normal"
    list_style = page.locator("#a ol").evaluate("el => getComputedStyle(el).listStyleType")
    assert list_style == "none"
    # The widget's rules do not style the host page's own lists.
    page.evaluate(
        "() => { const ol = document.createElement('ol'); ol.id = 'host-list';"
        " ol.append(document.createElement('li')); document.body.append(ol); }"
    )
    host_list = page.locator("#host-list").evaluate("el => getComputedStyle(el).listStyleType")
    assert host_list == "upper-roman"


def test_a_title_holding_markup_is_shown_as_text_and_runs_nothing(tab: Tab, site: Site) -> None:
    open_two(tab, site)
    page = tab.page
    page.wait_for_timeout(200)  # give a smuggled onerror handler time to fire
    assert page.locator("#a li .title", has_text=data.XSS).count() == 1
    assert page.locator("#b li .title", has_text=data.XSS).count() == 1
    images = page.evaluate(
        "() => [...document.querySelectorAll('.reform-timeline')]"
        ".reduce((n, el) => n + el.shadowRoot.querySelectorAll('img').length,"
        " document.images.length)"
    )
    assert images == 0
    assert tab.dialogs == []


def test_strict_csp_reports_no_violation(tab: Tab, site: Site) -> None:
    open_two(tab, site)
    tab.page.wait_for_timeout(100)
    assert tab.violations() == []
    assert tab.errors == []


def test_the_violation_recorder_does_catch_an_inline_style(tab: Tab, site: Site) -> None:
    # Proves the CSP test above can fail: an inline style attribute is reported.
    tab.page.goto(site.page('<p style="color: red">inline</p>'))
    tab.page.wait_for_function("window.__violations.length > 0")
    assert any("style-src" in v for v in tab.violations())


def test_requests_go_only_to_the_service(tab: Tab, site: Site) -> None:
    open_two(tab, site)
    origins = {f"{urlsplit(u).scheme}://{urlsplit(u).netloc}" for u in tab.requests}
    assert origins == {site.host.origin, site.service}
    api = [u for u in tab.requests if u.startswith(site.service)]
    assert sum("/widget.js" in u for u in api) == 1
    assert all(urlsplit(u).path.startswith("/widget") for u in api)


def test_only_one_global_is_added(tab: Tab, site: Site) -> None:
    tab.page.add_init_script("window.__before = Object.getOwnPropertyNames(window);")
    open_two(tab, site)
    added = tab.page.evaluate(
        "() => Object.getOwnPropertyNames(window).filter(k => !window.__before.includes(k)"
        " && k !== '__before')"
    )
    assert added == ["ReformTimeline"]
    assert tab.page.evaluate("typeof ReformTimeline.mount") == "function"
    assert tab.page.evaluate("ReformTimeline.version")


def test_error_shows_inside_the_widget_when_the_service_is_down(tab: Tab, site: Site) -> None:
    down = f"http://127.0.0.1:{closed_port()}"
    # widget.js comes from an origin whose API then refuses connections.
    tab.page.route(
        f"{down}/widget.js",
        lambda route: route.fulfill(
            body=WIDGET_JS.read_text(),
            content_type="text/javascript",
            headers={"Access-Control-Allow-Origin": "*"},
        ),
    )
    body = (
        f'<div id="a" class="reform-timeline" data-region="{data.JIEXIU}" data-lang="en">'
        f"</div>{site.script(down)}"
    )
    tab.page.goto(site.page(body, csp=site.csp(down)))
    status = tab.page.locator("#a .status")
    status.filter(has_text="could not be loaded").wait_for()
    assert tab.page.locator("#a button", has_text="Try again").is_visible()
    assert tab.page.locator("#a li").count() == 0
    tab.page.wait_for_timeout(100)
    assert [e for e in tab.errors if "pageerror" in e or "Uncaught" in e] == []
    assert tab.violations() == []


def test_unknown_region_shows_the_error_message(tab: Tab, site: Site) -> None:
    body = '<div id="a" class="reform-timeline" data-region="999999" data-lang="zh"></div>'
    tab.page.goto(site.page(body + site.script()))
    tab.page.locator("#a .status", has_text="时间线暂时无法加载").wait_for()
    assert [e for e in tab.errors if "pageerror" in e] == []


def test_load_more_appends_the_next_page(tab: Tab, site: Site) -> None:
    body = (
        f'<div id="a" class="reform-timeline" data-region="{data.JIEXIU}" data-lang="en" '
        'data-limit="3" data-order="oldest"></div>'
    )
    tab.page.goto(site.page(body + site.script()))
    items = tab.page.locator("#a li")
    items.nth(2).wait_for()
    more = tab.page.locator("#a button", has_text="Load more")
    assert items.count() == 3
    more.click()
    items.nth(5).wait_for()
    more.press("Enter") if more.is_visible() else None
    items.nth(len(data.JIEXIU_MILESTONES) - 1).wait_for()
    assert tab.page.locator("#a li .title").all_text_contents() == expected(data.JIEXIU_MILESTONES, 4)
    assert not more.is_visible()


def test_a_widget_in_a_hidden_container_renders_when_shown(tab: Tab, site: Site) -> None:
    body = (
        '<div id="box" hidden><div id="a" class="reform-timeline" '
        f'data-region="{data.JIEXIU}" data-lang="zh"></div></div>'
    )
    tab.page.goto(site.page(body + site.script()))
    tab.page.locator("#a li").nth(len(data.JIEXIU_MILESTONES) - 1).wait_for(state="attached")
    tab.page.evaluate("document.getElementById('box').hidden = false")
    first = tab.page.locator("#a li").first
    first.wait_for(state="visible")
    box = first.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 20


def test_two_thousand_entries_page_in_and_stay_usable(tab: Tab, site: Site) -> None:
    body = (
        f'<div id="a" class="reform-timeline" data-region="{data.TAIYUAN}" data-lang="en" '
        'data-limit="500" data-order="oldest"></div>'
    )
    tab.page.goto(site.page(body + site.script()))
    items = tab.page.locator("#a li")
    more = tab.page.locator("#a button", has_text="Load more")
    for shown in (500, 1000, 1500):
        items.nth(shown - 1).wait_for()
        more.click()
    items.nth(data.BULK_COUNT - 1).wait_for()
    assert items.count() == data.BULK_COUNT
    assert tab.page.locator("#a .status").text_content() == f"{data.BULK_COUNT} shown"
    # Focus moved to the first entry of the newest page; the page still answers at once.
    focused = tab.page.evaluate("document.querySelector('#a').shadowRoot.activeElement.textContent")
    assert "meeting 1501" in focused
    assert tab.page.evaluate("1 + 1") == 2


def test_links_are_reachable_by_keyboard_with_a_visible_focus_ring(tab: Tab, site: Site) -> None:
    body = (
        f'<div id="a" class="reform-timeline" data-region="{data.JIEXIU}" data-lang="en" '
        'data-limit="3"></div>'
    )
    tab.page.goto(site.page(body + site.script()))
    tab.page.locator("#a li").nth(2).wait_for()
    reached = []
    for _ in range(6):
        tab.page.keyboard.press("Tab")
        reached.append(
            tab.page.evaluate(
                """() => { const el = document.querySelector('#a').shadowRoot.activeElement;
              if (!el) return null; const s = getComputedStyle(el);
              return [el.tagName, el.textContent, s.outlineStyle, s.outlineWidth]; }"""
            )
        )
    tags = [r[0] for r in reached if r]
    assert "A" in tags and "BUTTON" in tags
    for tag, _, outline, width in (r for r in reached if r):
        assert outline == "solid" and width == "3px", (tag, outline, width)


def test_readable_at_320_pixels_wide(tab: Tab, site: Site) -> None:
    tab.page.set_viewport_size({"width": 320, "height": 640})
    open_two(tab, site)
    overflow = tab.page.locator("#a").evaluate(
        "el => { const r = el.shadowRoot.querySelector('.rt');"
        " return [r.scrollWidth, r.clientWidth, document.documentElement.scrollWidth]; }"
    )
    assert overflow[0] <= overflow[1] and overflow[2] <= 320, overflow
    size = tab.page.locator("#a li .title").first.evaluate("el => getComputedStyle(el).fontSize")
    assert float(size.removesuffix("px")) >= 14


def test_dark_theme_and_custom_properties(tab: Tab, site: Site) -> None:
    css = "#b { --rt-accent: rgb(1, 2, 3); }"
    body = (
        f'<div id="a" class="reform-timeline" data-region="{data.JIEXIU}" data-theme="dark">'
        f'</div><div id="b" class="reform-timeline" data-region="{data.JIEXIU}" data-order="oldest"></div>'
    )
    tab.page.goto(site.page(body + site.script(), css=css))
    tab.page.locator("#a li").first.wait_for()
    tab.page.locator("#b li").first.wait_for()
    dark = tab.page.locator("#a .rt").evaluate("el => getComputedStyle(el).backgroundColor")
    light = tab.page.locator("#b .rt").evaluate("el => getComputedStyle(el).backgroundColor")
    assert dark == "rgb(20, 24, 31)" and light == "rgb(255, 255, 255)"
    accent = tab.page.locator("#b li .when").first.evaluate("el => getComputedStyle(el).color")
    assert accent == "rgb(1, 2, 3)"
    # No data-lang: the host page's language (en) decides.
    assert tab.page.locator("#b li time").first.text_content() == "Oct 2017"


def test_mount_renders_an_element_added_later_and_rerenders_on_change(tab: Tab, site: Site) -> None:
    open_two(tab, site)
    page = tab.page
    ok = page.evaluate(
        f"""async () => {{
          const el = document.createElement('div');
          el.id = 'c'; el.dataset.region = '{data.JINZHONG}'; el.dataset.lang = 'zh';
          document.body.append(el);
          return ReformTimeline.mount(el);
        }}"""
    )
    assert ok is True
    assert page.locator("#c li .title", has_text="测试市召开医改会议").count() == 1
    again = page.evaluate(
        "async () => { const el = document.getElementById('c'); el.dataset.lang = 'en';"
        " return ReformTimeline.mount(el); }"
    )
    assert again is True
    assert page.locator("#c li .title", has_text="Test City holds a reform meeting").count() == 1
    assert page.locator("#c ol").count() == 1


def test_auto_theme_follows_the_reader_colour_scheme(tab: Tab, site: Site) -> None:
    tab.page.emulate_media(color_scheme="dark")
    body = f'<div id="a" class="reform-timeline" data-region="{data.JIEXIU}" data-theme="auto">'
    tab.page.goto(site.page(body + "</div>" + site.script()))
    tab.page.locator("#a li").first.wait_for()
    background = tab.page.locator("#a .rt").evaluate("el => getComputedStyle(el).backgroundColor")
    assert background == "rgb(20, 24, 31)"


def test_the_script_included_twice_renders_each_widget_once(tab: Tab, site: Site) -> None:
    body = f'<div id="a" class="reform-timeline" data-region="{data.JIEXIU}"></div>'
    tab.page.goto(site.page(body + site.script() + site.script().replace(".js", ".js?v=2")))
    tab.page.locator("#a li").nth(len(data.JIEXIU_MILESTONES) - 1).wait_for()
    tab.page.wait_for_timeout(200)
    assert tab.page.locator("#a ol").count() == 1
    assert tab.page.locator("#a li").count() == len(data.JIEXIU_MILESTONES)
    assert tab.errors == []
