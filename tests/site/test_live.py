"""Live reading (#/live, issue 45) in a real Chromium whose fake camera plays a short Y4M
video (bench/live_video.py): the real models run by onnxruntime-web in the page's worker.

Headless Chromium has no voice, so `speechSynthesis` is replaced in the page by a recorder that
ends each utterance after a speaking-like time (`bench.live_video.FAKE_SPEECH`): the tests count what the page asked
to say. The site is served as `make run` serves it (tests see its CSP), by a server that counts
the requests it answers.
"""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from bench import live_video
from tests import chromium
from tests.images import font
from tests.site.axe import violations

W, H = 640, 360
SIGN = "NO PARKING"



@pytest.fixture(scope="module")
def site():
    """(url, requests answered): the site with the live reader's models copied in."""
    from infra import live_assets

    live_assets.build()
    seen: list[str] = []
    server = live_video.serve_site(seen)
    yield f"http://127.0.0.1:{server.server_port}", seen
    server.shutdown()


def scene(text: str, size: int, at: tuple[int, int] = (40, 130)) -> Image.Image:
    img = Image.new("RGB", (W, H), (238, 238, 232))
    ImageDraw.Draw(img).text(at, text, font=font(size), fill=(20, 20, 20))
    return img


def video(tmp_path, img: Image.Image, name: str = "camera") -> str:
    rgb = np.asarray(img)
    return str(live_video.write_y4m(tmp_path / f"{name}.y4m", [(rgb, 10)], fps=10))


@pytest.fixture
def camera(browser, page_errors):
    """camera(y4m) -> a page in a Chromium whose camera plays `y4m` in a loop."""
    launched = []

    def open_page(y4m: str):
        b = chromium.launch(browser.browser_type, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                            f"--use-file-for-fake-video-capture={y4m}")
        launched.append(b)
        context = chromium.new_context(b, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(30_000)
        context.add_init_script(live_video.FAKE_SPEECH)
        page = context.new_page()
        page.on("pageerror", lambda exc: page_errors.add("pageerror", str(exc)))
        page.on("console", lambda msg: msg.type == "error" and page_errors.add("console", msg.text))
        return page

    yield open_page
    for b in launched:
        b.close()
    assert page_errors.seen == [], "errors in the page:\n" + "\n".join(page_errors.seen)


def start(page, url: str) -> None:
    page.goto(f"{url}/#/live")
    page.wait_for_selector("body[data-view='live']")
    page.click("#live-start")
    page.wait_for_selector("section[data-view='live'][data-state='reading']", timeout=60_000)


def said(page) -> list[str]:
    return [s["text"] for s in page.evaluate("window.__said")]


def test_a_sign_is_said_once_with_nothing_sent(camera, site, tmp_path):
    url, answered = site
    page = camera(video(tmp_path, scene(SIGN, 64)))
    page.goto(f"{url}/#/live")
    page.wait_for_selector("body[data-view='live']")
    assert violations(page) == []
    start(page, url)
    page.wait_for_function(f"() => window.__said.some(s => s.text === {SIGN!r})", timeout=30_000)

    # From here on, the reader is reading: count every request, the page's, its worker's and
    # those that reach the server. The browser itself may re-fetch the service worker's script
    # to check for an update (on a slow machine its first install can still be under way): a
    # GET of our own code that carries nothing from the page, so it alone is allowed.
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    asked: list[tuple[str, str, str | None]] = []
    page.context.on("request", lambda r: asked.append((r.method, r.url, r.post_data)))
    before = len(answered)
    frames = int(page.get_attribute("section[data-view='live']", "data-read"))
    page.wait_for_function(f"() => Number(document.querySelector('section[data-view=live]').dataset.read) >= {frames + 6}")
    assert said(page).count(SIGN) == 1, said(page)  # not repeated while it stays in view
    update_check = ("GET", f"{url}/sw.js", None)
    assert [r for r in asked if r != update_check] == []
    assert [p for p in answered[before:] if p != "/sw.js"] == []
    assert page.locator("#live-log li").all_inner_texts() == [SIGN]
    assert page.get_attribute("#live-hint", "data-hint") == ""
    assert int(page.get_attribute("section[data-view='live']", "data-dropped")) > 0  # dropped, not queued
    assert violations(page) == []


def test_tiny_text_says_move_closer(camera, site, tmp_path):
    url, _ = site
    img = scene("Opening hours Monday to Friday nine to five", 5, at=(200, 170))
    page = camera(video(tmp_path, img))
    start(page, url)
    page.wait_for_function("() => window.__said.some(s => s.text === 'Move closer')", timeout=30_000)
    assert page.get_attribute("#live-hint", "data-hint") == "closer"


def test_text_cut_at_the_left_edge_says_move_left(camera, site, tmp_path):
    url, _ = site
    page = camera(video(tmp_path, scene("DEPARTURES", 72, at=(-120, 130))))
    start(page, url)
    page.wait_for_function("() => window.__said.some(s => s.text === 'Move left')", timeout=30_000)


def test_the_screen_reader_option_writes_to_the_live_region(camera, site, tmp_path):
    url, _ = site
    page = camera(video(tmp_path, scene(SIGN, 64)))
    page.goto(f"{url}/#/live")
    page.check("#live-sr")
    start(page, url)
    page.wait_for_function(f"() => document.querySelector('#live-said').textContent.includes({SIGN!r})", timeout=30_000)
    assert page.get_attribute("#live-said", "aria-live") == "polite"
    assert said(page) == []  # the browser's voice is not used


def test_live_reading_works_with_the_network_off_after_the_first_load(camera, tmp_path):
    from infra import live_assets

    live_assets.build()
    server = live_video.serve_site()
    url = f"http://127.0.0.1:{server.server_port}"
    page = camera(video(tmp_path, scene(SIGN, 64)))
    try:
        start(page, url)
        page.wait_for_function(f"() => window.__said.some(s => s.text === {SIGN!r})", timeout=30_000)
        assert page.evaluate("navigator.serviceWorker.controller !== null")
    finally:
        server.shutdown()
        server.server_close()
    # The network is gone: the server no longer answers at all.
    page.reload()
    page.evaluate("window.__said.length = 0")
    page.click("#live-start")
    page.wait_for_selector("section[data-view='live'][data-state='reading']", timeout=60_000)
    page.wait_for_function(f"() => window.__said.some(s => s.text === {SIGN!r})", timeout=30_000)


def test_read_all_with_the_full_pipeline_sends_the_frame_as_a_photo(camera, stack, tmp_path):
    """Signed in: one press sends the camera's frame through the dashboard's upload, as a page
    job of the existing kind, read by the worker; the job's text has the sign's words."""
    from infra import live_assets
    from tests.site.test_site import RESULT_TIMEOUT_MS, api_register, login_ui, new_user, url, wait_view

    live_assets.build()
    page = camera(video(tmp_path, scene(SIGN, 64)))
    user = new_user()
    api_register(stack, user)
    login_ui(page, stack, user)
    page.click('[data-testid="dashboard-live"]')
    wait_view(page, "live")
    page.click("#live-start")
    page.wait_for_selector("section[data-view='live'][data-state='reading']", timeout=60_000)
    page.wait_for_function(f"() => window.__said.some(s => s.text === {SIGN!r})", timeout=30_000)
    page.click("#live-full")
    wait_view(page, "job", timeout=60_000)
    page.wait_for_selector('#job-status[data-status="done"]', timeout=RESULT_TIMEOUT_MS)
    assert "PARKING" in page.inner_text("#result-text")
    assert url(stack, "#/jobs/") in page.url
