"""The whole user journey in a real Chromium against the running local stack.

Needs: `stack` (site_url, api_url, s3_url) and `photo_with_text` ((path, expected words))
from tests/conftest.py, and Debian's chromium. Screenshots of each view at 1280 and 360 px
go to tests/artifacts/screenshots/ when PAGEVOICE_SCREENSHOTS=1 (tests/site/conftest.py).
"""
from __future__ import annotations

import base64
import mimetypes
import re
import uuid
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.timeout(600)

RESULT_TIMEOUT_MS = 240_000  # OCR + TTS on a cold worker
PASSWORD = "Quiet-Lantern-Harbour-81"
BOX_TOLERANCE_PX = 2.5


# ---- helpers -----------------------------------------------------------------------------

def new_user() -> dict:
    tag = uuid.uuid4().hex[:10]
    return {"name": f"Ada Tester {tag[:4]}", "email": f"site-{tag}@example.com", "password": PASSWORD}


def url(stack, hash_path: str = "") -> str:
    return stack.site_url.rstrip("/") + "/" + hash_path


def api(stack, path: str) -> str:
    return stack.api_url.rstrip("/") + path


def api_register(stack, user: dict) -> None:
    r = requests.post(api(stack, "/auth/register"), json={
        "name": user["name"], "email": user["email"],
        "password": user["password"], "password_confirmation": user["password"],
    }, timeout=30)
    assert r.status_code == 201, r.text


def token_of(page) -> str | None:
    return page.evaluate("localStorage.getItem('pagevoice.token')")


def wait_view(page, name: str, timeout: float = 15_000) -> None:
    page.wait_for_selector(f'body[data-view="{name}"]', timeout=timeout)


def open_fake_job(page, stack, fake) -> None:
    """A new user signed in, looking at `fake` (tests/site/fakejob.py), done."""
    user = new_user()
    api_register(stack, user)
    login_ui(page, stack, user)
    fake.serve(page, stack.site_url)
    page.goto(url(stack, f"#/jobs/{fake.job_id}"))
    wait_view(page, "job")
    page.wait_for_selector('#job-status[data-status="done"]', timeout=30_000)


def texts(page, selector: str) -> list[str]:
    """The text of each element `selector` finds, its spaces collapsed."""
    return page.eval_on_selector_all(selector, "els => els.map(e => e.textContent.replace(/\\s+/g, ' ').trim())")


def login_ui(page, stack, user: dict) -> None:
    page.goto(url(stack, "#/login"))
    wait_view(page, "login")
    page.fill("#login-email", user["email"])
    page.fill("#login-password", user["password"])
    page.click("#login-submit")
    wait_view(page, "dashboard")
    page.wait_for_function(
        "name => document.querySelector('#user-name')?.textContent === name", arg=user["name"])
    # The upload form is ready once the kinds are known (GET /kinds, after the sign-in): its limits
    # said, its picker taking what the kind takes. Read before, they were empty under load.
    page.wait_for_function("() => document.querySelector('#upload-limits')?.textContent.trim()")


def fill_register(page, name: str, email: str, password: str, confirmation: str | None = None) -> None:
    """Fill in the registration form (already shown) and submit it."""
    page.fill("#register-name", name)
    page.fill("#register-email", email)
    page.fill("#register-password", password)
    page.fill("#register-password-confirmation", password if confirmation is None else confirmation)
    page.click("#register-submit")


def register_again_ui(page, stack, user: dict, email: str | None = None) -> None:
    """Open the registration page and sign up `user` (already registered) once more."""
    page.goto(url(stack, "#/register"))
    wait_view(page, "register")
    fill_register(page, user["name"], email or user["email"], user["password"])


def record_attribute(page, selector: str, attribute: str, key: str) -> None:
    """Record every value an attribute takes (in window[key]), even if it changes quickly."""
    page.evaluate(
        """([selector, attribute, key]) => {
            window[key] = [];
            const seen = (el) => { const v = el.getAttribute(attribute); if (v !== null) window[key].push(v); };
            new MutationObserver((records) => {
                for (const r of records) {
                    if (r.type === 'attributes' && r.target.matches?.(selector)) seen(r.target);
                    for (const n of r.addedNodes || []) {
                        if (n.nodeType === 1) n.querySelectorAll(selector).forEach(seen);
                    }
                }
            }).observe(document.body, {subtree: true, childList: true, attributes: true, attributeFilter: [attribute]});
        }""",
        [selector, attribute, key],
    )


def upload_and_wait(page, path, patience_ms: int = RESULT_TIMEOUT_MS) -> str:
    """Upload through the file input and wait for the finished result; returns the job id."""
    record_attribute(page, "#upload-progress", "value", "__progress")
    page.set_input_files("#upload-input", str(path))
    page.wait_for_url(re.compile(r"#/jobs/[^/]+$"), timeout=60_000)
    record_attribute(page, "#job-status", "data-status", "__statuses")
    page.wait_for_selector('#job-status[data-status="done"]', timeout=patience_ms)
    return page.url.rsplit("/", 1)[-1]


def fetch_job(stack, token: str, job_id: str) -> dict:
    r = requests.get(api(stack, f"/jobs/{job_id}"), headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def wait_image_loaded(page) -> None:
    page.wait_for_function(
        "() => { const i = document.querySelector('#result-image'); return i && i.complete && i.naturalWidth > 0; }",
        timeout=30_000)


def assert_boxes_match(page, result: dict) -> int:
    """Each overlay box's page geometry equals its result box scaled to the displayed image."""
    img = page.locator("#result-image").bounding_box()
    scale_x = img["width"] / result["width"]
    scale_y = img["height"] / result["height"]
    # The displayed image keeps the result's aspect ratio.
    assert abs(scale_x - scale_y) < 0.01, (scale_x, scale_y)
    index = 0
    for li, line in enumerate(result["lines"]):
        for wi, word in enumerate(line["words"]):
            box = page.locator(f'#overlay [data-word-index="{index}"]')
            assert box.count() == 1, f"no overlay box for word {index} {word['text']!r}"
            assert box.get_attribute("data-line-index") == str(li)
            assert box.get_attribute("data-word-in-line") == str(wi)
            low = isinstance(word.get("confidence"), (int, float)) and word["confidence"] < 0.6
            assert box.get_attribute("data-low-confidence") == ("true" if low else "false")
            xs = [p[0] for p in word["box"]]
            ys = [p[1] for p in word["box"]]
            expected = {
                "x": img["x"] + min(xs) * scale_x,
                "y": img["y"] + min(ys) * scale_y,
                "width": (max(xs) - min(xs)) * scale_x,
                "height": (max(ys) - min(ys)) * scale_y,
            }
            actual = box.bounding_box()
            for key, value in expected.items():
                assert abs(actual[key] - value) <= BOX_TOLERANCE_PX, (
                    f"word {index} {word['text']!r}: {key} is {actual[key]:.1f}, expected {value:.1f}")
            index += 1
    return index


# ---- tests -------------------------------------------------------------------------------

def test_journey_register_upload_read_listen(page, stack, photo_with_text, shoot):
    photo, expected_words = photo_with_text
    user = new_user()

    # Landing.
    page.goto(url(stack))
    wait_view(page, "landing")
    shoot(page, "landing")

    # Register, with inline validation first.
    page.click('[data-testid="nav-register"]')
    wait_view(page, "register")
    assert page.evaluate("document.activeElement.id") == "register-title"  # focus moved to the view
    shoot(page, "register")
    fill_register(page, user["name"], "not-an-email", "short", "different")
    assert page.locator("#register-email-error").inner_text().strip()
    assert "8" in page.locator("#register-password-error").inner_text()
    assert "match" in page.locator("#register-password-confirmation-error").inner_text()
    assert page.get_attribute("#register-password", "aria-invalid") == "true"
    shoot(page, "register-errors")
    page.fill("#register-email", user["email"])
    page.fill("#register-password", user["password"])
    page.fill("#register-password-confirmation", user["password"])
    page.click("#register-submit")

    # Dashboard with the name.
    wait_view(page, "dashboard")
    page.wait_for_function("n => document.querySelector('#user-name').textContent === n", arg=user["name"])
    shoot(page, "dashboard-empty")

    # Log out, then log in.
    page.click('[data-testid="logout"]')
    wait_view(page, "login")
    assert token_of(page) is None
    assert "logged out" in page.locator("#login-message").inner_text()
    shoot(page, "login")
    login_ui(page, stack, user)

    # Upload a real photo; the progress bar reaches 100, the status goes to done.
    job_id = upload_and_wait(page, photo)
    assert "100" in page.evaluate("window.__progress"), page.evaluate("window.__progress")
    assert page.get_attribute("#job-status", "aria-live") == "polite"
    page.wait_for_selector("#result:not([hidden])")

    # The text has the expected words.
    text = page.locator("#result-text").inner_text()
    for word in expected_words:
        assert word.lower() in text.lower(), f"{word!r} not in the text {text!r}"

    # The overlay's boxes are where the result says, at 1280 and at 360 px wide.
    job = fetch_job(stack, token_of(page), job_id)
    assert job["status"] == "done"
    result = job["result"]
    wait_image_loaded(page)
    count = assert_boxes_match(page, result)
    assert count == page.locator('[data-testid="word-box"]').count() > 0
    page.set_viewport_size({"width": 360, "height": 780})
    page.wait_for_timeout(150)
    assert_boxes_match(page, result)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.wait_for_timeout(150)

    # Each expected word has a box over it.
    labels = [(b.get_attribute("aria-label") or "").lower() for b in page.locator('[data-testid="word-box"]').all()]
    for word in expected_words:
        assert any(word.lower() in label for label in labels), f"no box for {word!r}"

    # Box -> text and text -> box highlighting.
    page.locator('#overlay [data-word-index="0"]').click()
    assert "selected" in page.locator('#result-text [data-word-index="0"]').get_attribute("class")
    last = count - 1
    page.locator(f'#result-text [data-word-index="{last}"]').click()
    assert "selected" in page.locator(f'#overlay [data-word-index="{last}"]').get_attribute("class")
    if last:
        assert "selected" not in page.locator('#result-text [data-word-index="0"]').get_attribute("class")

    # The overlay toggle.
    page.uncheck("#overlay-toggle")
    assert page.locator("#overlay").is_hidden()
    page.check("#overlay-toggle")
    assert page.locator("#overlay").is_visible()

    # Download .txt gives the text.
    with page.expect_download() as download:
        page.click("#download-text")
    with open(download.value.path(), encoding="utf-8") as f:
        assert f.read() == result["text"]

    # Copy puts the text on the clipboard.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=stack.site_url.rstrip("/"))
    page.click("#copy-text")
    page.wait_for_function("() => document.querySelector('#announcer').textContent === 'Text copied.'")
    assert page.evaluate("navigator.clipboard.readText()") == result["text"]

    # The recording plays for more than half a second.
    page.wait_for_function(
        "() => { const a = document.querySelector('#result-audio'); return a.readyState >= 1 || a.error; }",
        timeout=30_000)
    assert page.evaluate("document.querySelector('#result-audio').error") is None
    duration = page.evaluate("document.querySelector('#result-audio').duration")
    assert duration > 0.5, duration
    page.locator('#overlay [data-word-index="0"]').click()
    shoot(page, "result")

    # Reload keeps the session (and the result).
    page.reload()
    wait_view(page, "job")
    page.wait_for_selector('#job-status[data-status="done"]', timeout=30_000)
    assert page.locator('[data-testid="logout"]').is_visible()

    # History lists the job; open it from there.
    page.click('[data-testid="back-to-dashboard"]')
    wait_view(page, "dashboard")
    item = page.locator(f'[data-testid="history-item"][data-job-id="{job_id}"]')
    item.wait_for()
    assert item.get_attribute("data-status") == "done"
    assert item.locator("time").inner_text().strip()
    page.wait_for_function("n => document.querySelector('#user-name').textContent === n", arg=user["name"])
    shoot(page, "dashboard")
    item.locator('[data-testid="history-open"]').click()
    wait_view(page, "job")
    page.wait_for_selector('#job-status[data-status="done"]')

    # Delete it (two steps); it leaves the history and the API.
    token = token_of(page)
    page.click("#job-delete")
    page.click("#job-delete-confirm")
    wait_view(page, "dashboard")
    page.wait_for_selector("#history-status:not(:empty)")
    assert page.locator(f'[data-testid="history-item"][data-job-id="{job_id}"]').count() == 0
    gone = requests.get(api(stack, f"/jobs/{job_id}"), headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert gone.status_code == 404, gone.text

    # Log out returns to log in and forgets the token.
    page.click('[data-testid="logout"]')
    wait_view(page, "login")
    assert token_of(page) is None
    page.goto(url(stack, "#/app"))
    wait_view(page, "login")


def test_revoked_token_returns_to_login(page, stack, shoot):
    user = new_user()
    api_register(stack, user)
    login_ui(page, stack, user)
    token = token_of(page)
    assert token

    # Log the same token out from another client, then act in the page.
    r = requests.post(api(stack, "/auth/logout"), headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert r.status_code == 204, r.text
    page.click('[data-testid="history-refresh"]')

    wait_view(page, "login")
    assert page.locator("#login-message").inner_text() == "Your session has ended. Please log in again."
    assert token_of(page) is None
    shoot(page, "login-session-ended")

    # A reload does not bring the dead session back.
    page.reload()
    wait_view(page, "login")
    page.goto(url(stack, "#/app"))
    wait_view(page, "login")


def test_refused_files_show_a_message(page, stack, tmp_path, shoot):
    user = new_user()
    api_register(stack, user)
    login_ui(page, stack, user)
    asked = []
    page.on("request", lambda req: "/uploads" in req.url and asked.append(req.url))

    # A text file renamed to .png: the browser calls it image/png, its bytes say otherwise.
    fake = tmp_path / "holiday.png"
    fake.write_text("this is not a picture\n" * 20)
    page.set_input_files("#upload-input", str(fake))
    error = page.locator("#upload-error")
    error.wait_for(state="visible")
    assert "holiday.png" in error.inner_text()
    shoot(page, "upload-refused")

    # A file named .txt that is not text (plain text is read since issue 39).
    page.set_input_files("#upload-input", files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"\0\1hello"}])
    page.wait_for_function("() => document.querySelector('#upload-error').textContent.includes('notes.txt')")

    # Too large: one byte over the limit (a PNG signature, so only the size is wrong). The limit
    # the page enforces is the API's (GET /kinds), the one the API and the worker apply.
    limit = requests.get(f"{stack.api_url}/kinds").json()["kinds"][0]["max_bytes"]
    big = b"\x89PNG\r\n\x1a\n" + b"\0" * (limit + 1 - 8)
    page.set_input_files("#upload-input", files=[{"name": "huge.png", "mimeType": "image/png", "buffer": big}])
    page.wait_for_function("() => document.querySelector('#upload-error').textContent.includes('huge.png')")
    assert "MB" in error.inner_text()

    assert asked == [], "a refused file must not be offered to the API"
    assert body_view(page) == "dashboard"


def body_view(page) -> str:
    return page.evaluate("document.body.dataset.view")


def test_server_messages_are_shown(page, stack):
    user = new_user()
    api_register(stack, user)

    # The same email again: the API's 409 message is shown.
    register_again_ui(page, stack, user, email=user["email"].upper())
    # Beside the field it is about (and only there: tests/site/test_defects.py).
    page.wait_for_function("() => document.querySelector('#register-email-error').textContent.trim()")
    assert page.is_hidden("#register-error")
    assert body_view(page) == "register"

    # A wrong password: the API's 401 message, still on the login page, no session.
    page.goto(url(stack, "#/login"))
    wait_view(page, "login")
    page.fill("#login-email", user["email"])
    page.fill("#login-password", "not-the-password")
    page.click("#login-submit")
    page.locator("#login-error").wait_for(state="visible")
    assert page.locator("#login-error").inner_text().strip()
    assert body_view(page) == "login"
    assert token_of(page) is None


def test_unreachable_api_shows_a_readable_message(page, page_errors, stack):
    """A failed request always ends in a readable message and a usable page.

    API Gateway's own 4XX/5XX carry no CORS headers, which the browser reports exactly like a
    dropped connection (Playwright adds CORS headers to fulfilled responses, so abort() is the
    faithful stand-in)."""
    page_errors.allow(r"net::ERR_FAILED|Failed to load resource")
    user = new_user()
    api_register(stack, user)
    login_ui(page, stack, user)
    jobs = re.compile(r".*/jobs(\?.*)?$")

    page.route(jobs, lambda route: route.abort("failed"))
    page.click('[data-testid="history-refresh"]')
    page.wait_for_function(
        "() => /Could not reach PageVoice/.test(document.querySelector('#history-error').textContent)")
    assert page.locator("#history-refresh").is_enabled()
    page.unroute(jobs)

    # A 5XX with a body that is not JSON: a generic sentence with the status.
    page.route(jobs, lambda route: route.fulfill(status=502, body="<html>Bad Gateway</html>",
                                                 headers={"Content-Type": "text/html"}))
    page.click('[data-testid="history-refresh"]')
    page.wait_for_function("() => /error 502/.test(document.querySelector('#history-error').textContent)")
    page.unroute(jobs)

    # A 429 with the API's JSON error: its message is what the user reads.
    page.route(jobs, lambda route: route.fulfill(
        status=429, headers={"Content-Type": "application/json", "Retry-After": "7"},
        body='{"error": "throttled", "message": "Slow down a little."}'))
    page.click('[data-testid="history-refresh"]')
    page.wait_for_function(
        "() => document.querySelector('#history-error').textContent.startsWith('Slow down a little.')")
    page.unroute(jobs)

    # A dropped connection on login.
    page.click('[data-testid="logout"]')
    wait_view(page, "login")
    page.route(re.compile(r".*/auth/login$"), lambda route: route.abort("failed"))
    page.fill("#login-email", user["email"])
    page.fill("#login-password", user["password"])
    page.click("#login-submit")
    page.locator("#login-error").wait_for(state="visible")
    assert "Could not reach PageVoice" in page.locator("#login-error").inner_text()
    assert page.locator("#login-submit").is_enabled()


def test_keyboard_only(page, stack, photo_with_text):
    """Log in, upload and explore the result with the keyboard alone."""
    photo, _ = photo_with_text
    user = new_user()
    api_register(stack, user)
    page.goto(url(stack))
    wait_view(page, "landing")

    def tab_to(selector: str, limit: int = 40, key: str = "Tab") -> None:
        for _ in range(limit):
            page.keyboard.press(key)
            if page.evaluate("s => document.activeElement?.matches(s)", selector):
                return
        raise AssertionError(f"could not reach {selector} with Tab")

    tab_to('[data-testid="landing-login"]')
    page.keyboard.press("Enter")
    wait_view(page, "login")
    tab_to("#login-email")
    page.keyboard.type(user["email"])
    page.keyboard.press("Tab")
    page.keyboard.type(user["password"])
    page.keyboard.press("Enter")
    wait_view(page, "dashboard")
    assert page.evaluate("document.activeElement.id") == "dashboard-title"
    page.wait_for_function("() => document.querySelector('#upload-limits')?.textContent.trim()")  # as login_ui

    tab_to("#upload-input")
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(str(photo))
    page.wait_for_url(re.compile(r"#/jobs/[^/]+$"), timeout=60_000)
    page.wait_for_selector('#job-status[data-status="done"]', timeout=RESULT_TIMEOUT_MS)

    # One tab stop into the word boxes; arrows move; Enter selects and highlights the text.
    tab_to('#overlay [data-testid="word-box"]')
    assert page.evaluate("document.activeElement.dataset.wordIndex") == "0"
    if page.locator('[data-testid="word-box"]').count() > 1:
        page.keyboard.press("ArrowRight")
        assert page.evaluate("document.activeElement.dataset.wordIndex") == "1"
    index = page.evaluate("document.activeElement.dataset.wordIndex")
    page.keyboard.press("Enter")
    assert "selected" in page.locator(f'#result-text [data-word-index="{index}"]').get_attribute("class")
    tab_to('[data-testid="logout"]', key="Shift+Tab")  # the header comes before the result
    page.keyboard.press("Enter")
    wait_view(page, "login")


def test_drop_and_paste_start_an_upload(page, stack, photo_with_text, shoot):
    """Drag and drop and paste from the clipboard hand the photo to the same upload.

    Also screenshots the job view while processing and after a failure: the real job's
    answer is rewritten on its way to the page, since a real worker is too quick to catch."""
    photo, _ = photo_with_text
    user = new_user()
    api_register(stack, user)
    login_ui(page, stack, user)
    data = base64.b64encode(Path(photo).read_bytes()).decode()
    mime = mimetypes.guess_type(str(photo))[0] or "image/jpeg"

    for how in ("drop", "paste"):
        page.goto(url(stack, "#/app"))
        wait_view(page, "dashboard")
        name = f"{how}ped-{Path(photo).name}"
        page.evaluate(
            """([b64, name, mime, how]) => {
                const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
                const dt = new DataTransfer();
                dt.items.add(new File([bytes], name, {type: mime}));
                if (how === "drop") {
                    const zone = document.querySelector("#drop-zone");
                    for (const type of ["dragenter", "dragover", "drop"]) {
                        zone.dispatchEvent(new DragEvent(type, {bubbles: true, cancelable: true, dataTransfer: dt}));
                    }
                } else {
                    document.dispatchEvent(new ClipboardEvent("paste", {bubbles: true, cancelable: true, clipboardData: dt}));
                }
            }""",
            [data, name, mime, how],
        )
        if how == "drop":
            page.route(one_job, as_status("processing"))
        page.wait_for_url(re.compile(r"#/jobs/[^/]+$"), timeout=60_000)
        page.wait_for_selector("#job-status[data-status]")
        page.wait_for_function("n => document.querySelector('#job-title').textContent === n", arg=name)
        if how == "drop":
            page.wait_for_selector('#job-status[data-status="processing"]')
            shoot(page, "job-processing")
            page.unroute(one_job)
            page.route(one_job, as_status("failed", error={
                "code": "bad_image", "message": "This photo could not be read: the file is damaged."}))
            page.reload()
            page.wait_for_selector('#job-status[data-status="failed"]')
            assert "damaged" in page.locator("#job-error").inner_text()
            shoot(page, "job-failed")
            page.unroute(one_job)


one_job = re.compile(r".*/jobs/[^/?]+$")


def as_status(status: str, error=None):
    """A route handler that passes GET /jobs/{id} to the API and rewrites the job's status. A poll
    caught mid-fetch by the test's reload (its route handled by then: the page dropped it) is
    left alone (a CI run failed on "Route is already handled!")."""
    from playwright.sync_api import Error as PlaywrightError

    def handle(route):
        if route.request.method != "GET":
            route.continue_()
            return
        try:
            response = route.fetch()
            job = response.json()
            job.update(status=status, result=None, audio_url=None, error=error)
            route.fulfill(response=response, json=job)
        except PlaywrightError as gone:
            if "already handled" not in str(gone) and "closed" not in str(gone):
                raise
    return handle


def test_a_shortened_recording_is_explained(page, stack, photo_with_text, shoot):
    """A text too long for the worker's time gets a recording of its beginning (result.speech
    says so; tests/test_worker.py makes one for real): the page says how much it covers. The
    real job's answer is rewritten on its way, since a real page that long takes minutes."""
    photo, _ = photo_with_text
    user = new_user()
    api_register(stack, user)
    login_ui(page, stack, user)
    page.goto(url(stack, "#/app"))
    wait_view(page, "dashboard")
    upload_and_wait(page, photo)
    note = page.locator("#audio-note")
    assert note.is_hidden()  # a whole recording needs no note

    def shortened(route):
        response = route.fetch()
        job = response.json()
        job["result"]["speech"] = {**job["result"].get("speech", {}), "characters": 1234, "complete": False}
        route.fulfill(response=response, json=job)

    page.route(one_job, shortened)
    page.reload()
    page.wait_for_selector('#job-status[data-status="done"]', timeout=RESULT_TIMEOUT_MS)
    assert "first 1,234 characters" in note.inner_text()
    assert page.locator("#result-audio").get_attribute("src")  # the shortened recording still plays
    shoot(page, "job-recording-shortened")
    page.unroute(one_job)


def test_uploads_follow_the_kinds_the_api_declares(page, stack, shoot):
    """What the picker accepts, the limits it states and the kinds offered are the API's
    (GET /kinds): the stack has the tests' stub kind plugged in, so there are two."""
    declared = requests.get(api(stack, "/kinds"), timeout=30).json()
    page_kind = next(k for k in declared["kinds"] if k["name"] == "page")
    user = new_user()
    api_register(stack, user)
    login_ui(page, stack, user)
    page.wait_for_selector('[data-testid="kind-page"]')
    assert page.is_checked('[data-testid="kind-page"]')  # the default
    accept = page.get_attribute("#upload-input", "accept").split(",")
    assert accept == page_kind["content_types"] + page_kind["extensions"]
    formats = page_kind["formats"]
    named = f"{', '.join(formats[:-1])} or {formats[-1]}" if len(formats) > 1 else formats[0]
    assert f"{named} files: photos up to 15 MB, documents up to 500 MB" in page.inner_text("#upload-limits")
    assert formats[:6] == ["JPEG", "PNG", "WebP", "TIFF", "BMP", "GIF"]
    shoot(page, "dashboard-kinds")

    # Another kind: its own types; its result is shown by the plain view (no photo, its files).
    page.check('[data-testid="kind-stub"]')
    assert page.get_attribute("#upload-input", "accept") == "text/plain,.txt"
    page.set_input_files("#upload-input", files=[{"name": "note.txt", "mimeType": "text/plain",
                                                  "buffer": b"echo:hello from a note"}])
    page.wait_for_url(re.compile(r"#/jobs/[^/]+$"), timeout=60_000)
    page.wait_for_selector("#result:not([hidden])", timeout=60_000)
    assert page.get_attribute("#result", "data-kind") == "stub"
    assert page.inner_text("#result-text") == "hello from a note"
    assert page.is_hidden(".result-image-panel")
    assert page.inner_text("#result-files").strip() == "echo.txt"
