"""Shared browser setup for the site tests: Debian's Chromium (tests/chromium.py) driven by
Playwright (sync API). The `stack` fixture (site_url, api_url, s3_url) and
`photo_with_text` come from tests/conftest.py.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests import chromium

SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
# Screenshots are for people looking at the views (PAGEVOICE_SCREENSHOTS=1 pytest tests/site):
# no assertion reads them, and `make test` took ~0.1 CPU s of Chromium for each of its ~170.
SCREENSHOTS_ON = os.environ.get("PAGEVOICE_SCREENSHOTS", "") not in ("", "0")

WIDE = {"width": 1280, "height": 900}
NARROW = {"width": 360, "height": 780}


@pytest.fixture(scope="session")
def browser():
    from playwright import sync_api

    with sync_api.sync_playwright() as pw:
        browser = chromium.launch(pw.chromium)
        yield browser
        browser.close()


class PageErrors:
    """Uncaught page errors and console errors seen during a test.

    The browser logs every HTTP error status of a fetch as a console error ("Failed to load
    resource: ... 401"). Those are answers the site handles (wrong password, ended session),
    so 4xx ones are allowed; a test that provokes other failures allows them explicitly.
    """

    ALWAYS_ALLOWED = [re.compile(r"Failed to load resource: the server responded with a status of 4\d\d")]

    def __init__(self):
        self.seen: list[str] = []
        self.allowed = list(self.ALWAYS_ALLOWED)

    def allow(self, pattern: str) -> None:
        self.allowed.append(re.compile(pattern))

    def add(self, kind: str, text: str) -> None:
        if not any(p.search(text) for p in self.allowed):
            self.seen.append(f"{kind}: {text}")


@pytest.fixture
def page_errors():
    return PageErrors()


@pytest.fixture
def context(browser):
    context = chromium.new_context(browser, viewport=WIDE, accept_downloads=True)
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def page(context, page_errors):
    page = context.new_page()
    page.on("pageerror", lambda exc: page_errors.add("pageerror", str(exc)))
    page.on("console", lambda msg: msg.type == "error" and page_errors.add("console", msg.text))
    # Playwright intercepts file choosers once a listener is there; one added only by
    # expect_file_chooser can come after the chooser opened (1 in 5 here): one from the start.
    page.on("filechooser", lambda chooser: None)
    yield page
    assert page_errors.seen == [], "errors in the page:\n" + "\n".join(page_errors.seen)


def screenshot(page, name: str, **options) -> None:
    """`page`'s screenshot as tests/artifacts/screenshots/`name`, when PAGEVOICE_SCREENSHOTS asks."""
    if SCREENSHOTS_ON:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / name), **options)


def _shoot(page, name: str) -> None:
    """The current view at 1280 and 360 px wide, then back to 1280 (full-page screenshots of both
    when PAGEVOICE_SCREENSHOTS asks).

    At 360 px the page must not scroll sideways (readable on a small phone)."""
    for label, size in (("1280", WIDE), ("360", NARROW)):
        page.set_viewport_size(size)
        page.wait_for_timeout(150)  # let layout settle after the resize
        if size is NARROW:
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{name}: the page scrolls sideways by {overflow}px at 360 px wide"
        screenshot(page, f"{name}-{label}.png", full_page=True)
    page.set_viewport_size(WIDE)


@pytest.fixture
def shoot():
    """shoot(page, name): screenshots of the current view at both widths."""
    return _shoot
