"""A real headless Chromium (one per session), the service, and a host site on another origin."""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

try:
    from playwright.sync_api import Browser, ConsoleMessage, Page, Request, sync_playwright
except ImportError:  # pragma: no cover - the CI installs it (.ci/install-browser.sh)
    sync_playwright = None  # type: ignore[assignment]

from .servers import HostPages, ThreadServer
from .service import Service, build_database

CHROMIUM = os.environ.get("TIMELINE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"

# Recorded in every page before any of its scripts run (init scripts are exempt from the CSP).
RECORDER = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
}, true);
"""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    missing = sync_playwright is None or shutil.which(CHROMIUM) is None
    if missing and not os.environ.get("CI"):
        skip = pytest.mark.skip(reason="needs Playwright and Chromium: .ci/install-browser.sh")
        for item in items:
            if "tests/browser" in str(item.path):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    folder = tmp_path_factory.mktemp("service")
    build_database(folder / "timeline.db")
    with Service(folder / "timeline.db", folder / "serve.log") as server:
        yield server


@pytest.fixture(scope="session")
def host_pages() -> HostPages:
    return HostPages()


@pytest.fixture(scope="session")
def host(host_pages: HostPages) -> Iterator[ThreadServer]:
    with ThreadServer(host_pages) as server:
        yield server


_page_numbers = itertools.count()


@dataclass
class Site:
    """The embedding site: `page(...)` publishes a page on the host origin and returns its URL."""

    host: ThreadServer
    pages: HostPages
    service: str

    def csp(self, script_origin: str | None = None) -> str:
        origin = script_origin or self.service
        return f"default-src 'none'; script-src {origin}; connect-src {origin}; style-src 'self'"

    def page(self, body: str, *, css: str = "", csp: str | None = None, lang: str = "en") -> str:
        number = next(_page_numbers)
        stylesheet = ""
        if css:
            self.pages.add(f"/p{number}.css", css, "text/css")
            stylesheet = f'<link rel="stylesheet" href="/p{number}.css">'
        html = (
            f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width">{stylesheet}</head>'
            f"<body>{body}</body></html>"
        )
        self.pages.add(f"/p{number}.html", html, Content_Security_Policy=csp or self.csp())
        return f"{self.host.origin}/p{number}.html"

    def script(self, origin: str | None = None) -> str:
        return f'<script src="{origin or self.service}/widget.js" async></script>'


@pytest.fixture
def site(host: ThreadServer, host_pages: HostPages, service: Service) -> Site:
    return Site(host, host_pages, service.origin)


@dataclass
class Tab:
    """A page and everything it did: requests, errors, dialogs, CSP violations."""

    page: Page
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def violations(self) -> list[str]:
        return self.page.evaluate("window.__violations")

    def shadow(self, selector: str, inner: str) -> Any:
        return self.page.locator(selector).locator(inner)  # locators pierce open shadow roots


@pytest.fixture
def tab(browser: Browser) -> Iterator[Tab]:
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.add_init_script(RECORDER)
    tab = Tab(page)

    def on_request(request: Request) -> None:
        tab.requests.append(request.url)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and "Failed to load resource" not in message.text:
            tab.errors.append(f"console: {message.text}")

    def on_dialog(dialog: Any) -> None:
        tab.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("request", on_request)
    page.on("console", on_console)
    page.on("pageerror", lambda error: tab.errors.append(f"pageerror: {error}"))
    page.on("dialog", on_dialog)
    yield tab
    context.close()
