"""Site defects found in use, each pinned in the real Chromium."""
from __future__ import annotations

import base64
import re

from tests.site.test_site import api_register, login_ui, new_user, register_again_ui, token_of, url, wait_view
from tests.stackclient import upload


def headers_of(page) -> dict:
    return {"Authorization": f"Bearer {token_of(page)}"}


def test_history_badges_follow_jobs_and_say_when_there_was_no_text(page, stack):
    """Badges stayed "Reading" until Refresh, and a job with no text showed "Ready"."""
    user = new_user()
    api_register(stack, user)
    login_ui(page, stack, user)
    slow = upload(stack, headers_of(page), "slow.txt", b"slow:3", "text/plain", kind="stub")
    empty = upload(stack, headers_of(page), "empty.txt", b"echo:", "text/plain", kind="stub")
    page.click('[data-testid="history-refresh"]')
    badge = page.locator(f'[data-job-id="{slow}"] .badge')
    badge.wait_for()
    page.wait_for_function(  # no Refresh: the badge follows the job to its end
        "id => document.querySelector(`[data-job-id='${id}'] .badge`)?.textContent === 'Ready'", arg=slow,
        timeout=60_000)
    page.wait_for_function(
        "id => document.querySelector(`[data-job-id='${id}'] .badge`)?.textContent === 'No text'", arg=empty,
        timeout=60_000)


def test_a_phone_style_file_name_does_not_make_the_page_scroll_sideways(page, stack, shoot):
    user = new_user()
    api_register(stack, user)
    login_ui(page, stack, user)
    page.set_viewport_size({"width": 360, "height": 740})
    name = "PXL_20261122_075512345_LONG_BURST_COVER.txt"
    job_id = upload(stack, headers_of(page), name, b"echo:", "text/plain", kind="stub")
    page.goto(url(stack, f"#/jobs/{job_id}"))
    wait_view(page, "job")
    page.wait_for_selector("#result:not([hidden])", timeout=60_000)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shoot(page, "job-long-name")
    # Nothing to download for an empty text: the link is disabled, not an empty file.
    link = page.locator('[data-testid="download-text"]')
    assert link.get_attribute("aria-disabled") == "true" and link.get_attribute("href") is None


# ---- issue "Listening"/"Documents": the site defects found in use ---------------------------

def visible_with(page, text: str) -> int:
    """How many visible elements of the view say `text` (the innermost ones; the polite live
    region outside the view is not counted)."""
    return page.evaluate("""(text) => {
        const says = (el) => el.textContent.toLowerCase().includes(text.toLowerCase());
        return [...document.querySelectorAll('#view *')].filter((el) => says(el) && el.checkVisibility()
            && ![...el.children].some((child) => says(child) && child.checkVisibility())).length;
    }""", text)


def test_server_errors_are_shown_once(page, stack):
    """A server error on a form was shown twice (beside the field and at the top)."""
    user = new_user()
    api_register(stack, user)
    register_again_ui(page, stack, user)
    page.wait_for_function("() => document.querySelector('#register-email-error').textContent.length > 0")
    assert visible_with(page, "already exists") == 1
    assert page.is_hidden("#register-error")
    assert page.evaluate("document.activeElement.id") == "register-email"  # where the message is
    page.wait_for_function("() => /already exists/.test(document.querySelector('#announcer').textContent)")

    page.goto(url(stack, "#/login"))
    wait_view(page, "login")
    page.fill("#login-email", user["email"])
    page.fill("#login-password", "not-the-password")
    page.click("#login-submit")
    page.locator("#login-error").wait_for(state="visible")
    message = page.inner_text("#login-error")
    assert visible_with(page, message) == 1

    login_ui(page, stack, user)
    page.set_input_files("#upload-input", files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"\x00\x01hi"}])
    page.locator("#upload-error").wait_for(state="visible")
    assert visible_with(page, "notes.txt") == 1


def test_not_found_is_said_once(page, stack):
    user = new_user()
    api_register(stack, user)
    login_ui(page, stack, user)
    page.goto(url(stack, "#/jobs/01M800Z3DD9NDMHEDG9P9KD5XD"))
    wait_view(page, "job")
    page.wait_for_selector('#job-status[data-status="error"]')
    assert visible_with(page, "not found") == 1
    assert page.inner_text("#job-status") == "This file was not found. It may have been deleted."
    assert page.is_hidden("#job-error") and page.is_hidden("#job-retry")
    page.goto(url(stack, "#/no-such-page"))
    wait_view(page, "not-found")
    assert visible_with(page, "not found") == 1


def test_the_site_opened_as_localhost_signs_in_and_uploads(page, stack, photo_with_text):
    """http://localhost:8080 could not sign in: the API and the bucket allowed 127.0.0.1 only."""
    import requests

    from chalicelib import settings

    photo, _ = photo_with_text
    site = stack.site_url.replace("127.0.0.1", "localhost").rstrip("/")
    # The API answers with the page's own origin (one origin per answer), preflight included.
    preflight = requests.options(f"{stack.api_url}/auth/login", timeout=30, headers={
        "Origin": site, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == site
    assert "Origin" in preflight.headers["Vary"]
    for origin in (site, stack.site_url.rstrip("/")):
        r = requests.get(f"{stack.api_url}/health", headers={"Origin": origin}, timeout=30)
        assert r.headers["Access-Control-Allow-Origin"] == origin and "Origin" in r.headers["Vary"]
    other = requests.get(f"{stack.api_url}/health", headers={"Origin": "http://evil.example"}, timeout=30)
    assert other.headers["Access-Control-Allow-Origin"] != "http://evil.example"
    # The bucket takes the presigned POST from either origin.
    bucket = requests.options(f"{stack.s3_url}/{settings.get().aws.bucket}", timeout=30, headers={
        "Origin": site, "Access-Control-Request-Method": "POST"})
    assert bucket.headers.get("Access-Control-Allow-Origin") == site, bucket.headers

    user = new_user()
    api_register(stack, user)
    page.goto(f"{site}/#/login")
    wait_view(page, "login")
    page.fill("#login-email", user["email"])
    page.fill("#login-password", user["password"])
    page.click("#login-submit")
    wait_view(page, "dashboard")
    page.set_input_files("#upload-input", str(photo))
    page.wait_for_url(re.compile(r"#/jobs/[^/]+$"), timeout=60_000)
    page.wait_for_selector('#job-status[data-status="done"]', timeout=240_000)
    assert "CAFE" in page.inner_text("#result-text").upper()


def test_a_48_mp_photo_is_reduced_in_the_browser_before_upload(page, stack, tmp_path):
    """A 48 MP phone photo failed after uploading; it is reduced first, upright (EXIF)."""
    import io

    from PIL import Image

    from tests import images

    upright = Image.new("RGB", (6000, 8000), "white")
    text = images.text_image(["REDUCED PHOTO", "STILL READS"], size=260, width=5600).image
    upright.paste(text, (200, 600))
    # Stored sideways (8000 x 6000) with EXIF orientation 6, as phones do.
    stored = upright.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "PXL_48MP.jpg"
    stored.save(path, "JPEG", quality=80, exif=exif.tobytes())
    assert stored.size == (8000, 6000)

    user = new_user()
    api_register(stack, user)
    login_ui(page, stack, user)
    asked = []
    page.on("request", lambda r: r.url.endswith("/uploads") and r.method == "POST" and asked.append(r.post_data_json))
    page.set_input_files("#upload-input", str(path))
    page.wait_for_url(re.compile(r"#/jobs/[^/]+$"), timeout=120_000)
    assert asked and asked[0]["content_type"] == "image/jpeg"
    note = page.locator("#job-note")
    assert note.inner_text() == "Photo reduced from 48 MP to 16 MP before uploading, so that PageVoice can read it."
    page.wait_for_selector('#job-status[data-status="done"]', timeout=240_000)
    assert "REDUCED" in page.inner_text("#result-text").upper()
    sent = fetch_uploaded(stack, page)
    img = Image.open(io.BytesIO(sent))
    assert img.width < img.height, img.size  # upright: the orientation was applied
    assert img.width * img.height <= 16_000_000
    assert img.getexif().get(0x0112, 1) == 1


def fetch_uploaded(stack, page) -> bytes:
    import requests

    job_id = page.url.rsplit("/", 1)[-1]
    job = requests.get(f"{stack.api_url}/jobs/{job_id}", headers=headers_of(page), timeout=30).json()
    return requests.get(job["image_url"], timeout=30).content


def test_a_heic_photo_is_accepted_with_its_type_from_the_name(page, stack, tmp_path):
    """HEIC photos were refused; browsers often give no type for .heic: the name says it."""
    import pillow_heif

    from tests import images

    heic = images.text_image(["HEIC PHOTO WORKS"], size=56).image
    buf = tmp_path / "IMG_0042.HEIC"
    pillow_heif.from_pillow(heic).save(str(buf), quality=90)
    user = new_user()
    api_register(stack, user)
    login_ui(page, stack, user)
    asked, stored = [], []
    page.on("request", lambda r: r.url.endswith("/uploads") and r.method == "POST" and asked.append(r.post_data_json))
    page.on("request", lambda r: r.url.startswith(stack.s3_url) and r.method == "POST" and stored.append(r.url))
    # Chosen in the picker with no type, as browsers often report a .heic file.
    page.evaluate("""([b64, name]) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([bytes], name, {type: ""}));
        const input = document.querySelector('#upload-input');
        input.files = dt.files;
        window.__type = input.files[0].type;
        input.dispatchEvent(new Event('change', {bubbles: true}));
    }""", [base64.b64encode(buf.read_bytes()).decode(), "IMG_0042.HEIC"])
    page.wait_for_url(re.compile(r"#/jobs/[^/]+$"), timeout=60_000)
    assert page.evaluate("window.__type") == ""  # the browser gave no type
    assert asked[0]["content_type"] == "image/heic" and asked[0]["filename"] == "IMG_0042.HEIC"
    assert stored  # sent to the bucket (the presigned POST pins its Content-Type to the declared type)
    page.wait_for_selector('#job-status[data-status="done"]', timeout=240_000)
    assert "HEIC" in page.inner_text("#result-text").upper()
    import requests
    job = requests.get(f"{stack.api_url}/jobs/{page.url.rsplit('/', 1)[-1]}", headers=headers_of(page), timeout=30).json()
    assert job["content_type"] == "image/heic"
