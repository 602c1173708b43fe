"""A new user's first ten minutes (issue 44), in a real Chromium against the running local stack:
the "check your mail" step after sign-up, the forgot page for an address never confirmed, an
export shown again after a reload, the API page's address and curl call, Enter on the file
chooser, the file list's words, the start page's drop, and a phone: no keyboard hints, the
header on one line. axe-core finds nothing on each changed view at 1280 and 360 px.

Screenshots go to tests/artifacts/screenshots/first-minutes-*.png (PAGEVOICE_SCREENSHOTS=1).
"""
from __future__ import annotations

import base64
import json
import re
import shlex
import subprocess
import time
from email import message_from_bytes, policy

import pytest
import requests

from tests import chromium
from tests.site.axe import violations
from tests.site.conftest import NARROW, WIDE, screenshot
from tests.site.fakejob import make_job
from tests.site.test_site import api, api_register, login_ui, new_user, token_of, url, wait_view
from tests.stackclient import mail_link, request_upload

pytestmark = pytest.mark.timeout(300)

RESET_ANSWER = ("If an account with this email exists and its address is verified, a link to choose a new "
                "password is on its way. The link works once, for 30 minutes.")
CONFIRM_FOR_RESET = "Confirm your email address to reset your PageVoice password"


# ---- helpers -------------------------------------------------------------------------------

def accessible(page, shoot, name: str) -> None:
    """No axe-core violation on the view at 1280 and at 360 px; screenshots of both."""
    for label, size in (("1280", WIDE), ("360", NARROW)):
        page.set_viewport_size(size)
        page.wait_for_timeout(150)
        assert violations(page) == [], f"{name} at {label} px"
    page.set_viewport_size(WIDE)
    shoot(page, f"first-minutes-{name}")


def subjects(stack, email: str) -> list[str]:
    """The subjects of the mail the stack wrote to `email`, oldest first."""
    out = []
    for path in sorted((stack.state_dir / "mail").glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        if email in str(message["To"]):
            out.append(str(message["Subject"]))
    return out


def wait_for(predicate, timeout: float = 120, message: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, message
        time.sleep(0.2)


def signed_in(page, stack) -> dict:
    user = new_user()
    api_register(stack, user)
    login_ui(page, stack, user)
    return user


def drop(page, files: list[tuple[str, str, bytes]]) -> None:
    """Drop files on the page as a person dragging them from a file manager does."""
    page.evaluate("""(files) => {
        const data = new DataTransfer();
        for (const [name, type, b64] of files) {
            const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
            data.items.add(new File([bytes], name, {type}));
        }
        const target = document.querySelector('#landing-drop, #drop-zone');
        for (const kind of ['dragenter', 'dragover', 'drop']) {
            target.dispatchEvent(new DragEvent(kind, {bubbles: true, cancelable: true, dataTransfer: data}));
        }
    }""", [[name, type_, base64.b64encode(data).decode()] for name, type_, data in files])


def text_of(page, selector: str) -> str:
    return page.locator(selector).inner_text().strip()


# ---- sign-up, verification, forgot ---------------------------------------------------------

def test_sign_up_leads_to_a_check_your_mail_step_with_resend(page, stack, shoot):
    user = new_user()
    page.goto(url(stack, "#/register"))
    wait_view(page, "register")
    page.fill("#register-name", user["name"])
    page.fill("#register-email", user["email"])
    page.fill("#register-password", user["password"])
    page.fill("#register-password-confirmation", user["password"])
    page.click("#register-submit")
    wait_view(page, "dashboard")

    # The next step is said, where the focus is, with the address the link went to.
    step = page.locator("#verify-step")
    step.wait_for(state="visible")
    page.wait_for_function("() => document.activeElement?.id === 'verify-step-title'")
    assert text_of(page, "#verify-step-title") == "Your account is ready: check your mail"
    assert text_of(page, "#verify-step-email") == user["email"]
    assert step.bounding_box()["y"] < page.locator("#upload-title").bounding_box()["y"]  # before the upload
    wait_for(lambda: subjects(stack, user["email"]), message="no sign-up mail")
    accessible(page, shoot, "verify-step")

    # Send it again: a second mail, and the API's sentence.
    page.click("#verify-step-resend")
    page.wait_for_function("() => document.querySelector('#verify-step-status').textContent.includes('on its way')")
    assert user["email"] in text_of(page, "#verify-step-status")
    wait_for(lambda: len(subjects(stack, user["email"])) == 2, message=str(subjects(stack, user["email"])))

    # The link opened (in another tab): back here, the step goes away.
    token = mail_link(stack, user["email"], "verify")
    assert requests.post(api(stack, "/auth/verify-email"), json={"token": token}, timeout=30).status_code == 204
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    step.wait_for(state="hidden")
    page.wait_for_function("() => document.querySelector('#announcer').textContent.includes('confirmed')")

    # A later visit of a verified account shows no step.
    page.reload()
    wait_view(page, "dashboard")
    page.wait_for_selector("#history-status:not(:empty)")
    assert step.is_hidden()


def test_an_unconfirmed_account_shows_the_step_on_the_dashboard_without_stealing_focus(page, stack):
    signed_in(page, stack)
    page.locator("#verify-step").wait_for(state="visible")
    assert text_of(page, "#verify-step-title") == "Confirm your email address"
    assert page.evaluate("document.activeElement.id") == "dashboard-title"


def test_forgot_password_on_an_unverified_address_mails_the_confirmation_link(page, stack, shoot):
    user = new_user()
    api_register(stack, user)
    wait_for(lambda: subjects(stack, user["email"]), message="no sign-up mail")

    page.goto(url(stack, "#/forgot"))
    wait_view(page, "forgot")
    hint = text_of(page, "#forgot-hint")
    assert "verified" in hint and "link to verify your address instead" in hint and "ask again" in hint
    accessible(page, shoot, "forgot")
    page.fill("#forgot-email", user["email"])
    page.click("#forgot-submit")
    page.wait_for_selector("#forgot-message:not([hidden])")
    assert text_of(page, "#forgot-message") == RESET_ANSWER

    # Whatever the address, the API answers the same bytes.
    answers = {requests.post(api(stack, "/auth/password-reset"), json={"email": e}, timeout=30).content
               for e in (user["email"], "nobody-" + user["email"])}
    assert len(answers) == 1

    # Two asks (the page's, then the one above): the second link replaces the first.
    wait_for(lambda: subjects(stack, user["email"]).count(CONFIRM_FOR_RESET) == 2,
             message=str(subjects(stack, user["email"])))
    page.goto(url(stack, f"#/verify/{mail_link(stack, user['email'], 'verify')}"))
    wait_view(page, "verify")
    page.wait_for_selector('#verify-status[data-status="done"]')
    page.locator("#verify-forgot").wait_for(state="visible")
    accessible(page, shoot, "verified")
    page.click("#verify-forgot")
    wait_view(page, "forgot")
    page.fill("#forgot-email", user["email"])
    page.click("#forgot-submit")
    page.wait_for_selector("#forgot-message:not([hidden])")
    assert mail_link(stack, user["email"], "reset")  # now a link to choose a new password


# ---- account: export, API keys -------------------------------------------------------------

def test_a_ready_export_is_shown_after_a_reload_and_none_is_started_unasked(page, stack, shoot):
    signed_in(page, stack)
    asked = []
    page.on("request", lambda r: "/me/export" in r.url and asked.append(r.method))
    page.click('[data-testid="nav-account"]')
    wait_view(page, "account")
    page.wait_for_selector('#email-state[data-verified="false"]')
    page.wait_for_timeout(500)
    assert asked == []  # GET /me/export would start one

    page.click("#export-start")
    page.locator("#export-download").wait_for(state="visible", timeout=60_000)
    link = page.get_attribute("#export-download", "href")

    page.reload()
    wait_view(page, "account")
    page.locator("#export-download").wait_for(state="visible", timeout=30_000)
    assert text_of(page, "#export-download").startswith("Download your export (zip,")
    assert "It can be downloaded until" in text_of(page, "#export-note")
    assert asked.count("POST") == 1  # the reload asked (GET), it did not make another
    assert requests.get(page.get_attribute("#export-download", "href"), timeout=30).status_code == 200
    assert link.split("?")[0] == page.get_attribute("#export-download", "href").split("?")[0]
    accessible(page, shoot, "account-export")


def test_the_api_page_says_where_to_send_a_key_with_a_curl_call_that_works(page, stack, shoot):
    signed_in(page, stack)
    page.click('[data-testid="nav-api-keys"]')
    wait_view(page, "api-keys")
    assert text_of(page, "#api-base") == stack.api_url
    assert page.get_attribute("#api-openapi", "href") == f"{stack.api_url}/openapi.json"
    assert page.input_value("#api-curl") == f'curl -s {stack.api_url}/jobs -H "X-Api-Key: YOUR-API-KEY"'

    page.fill("#apikey-name", "Laptop script")
    page.click("#apikey-create")
    page.locator("#apikey-new").wait_for(state="visible")
    key = page.input_value("#apikey-value")
    command = page.input_value("#api-curl")
    assert key in command and "YOUR-API-KEY" not in command
    assert "new key" in text_of(page, "#api-curl-key")
    accessible(page, shoot, "api-keys")

    # The call, as copied, works in a terminal: the caller's files.
    ran = subprocess.run(shlex.split(command), capture_output=True, text=True, timeout=30)
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout)["jobs"] == []

    page.click("#api-curl-copy")
    page.wait_for_function("() => document.querySelector('#api-curl-status').textContent !== ''")
    page.click("#apikey-done")
    assert "YOUR-API-KEY" in page.input_value("#api-curl")  # hidden with the key


# ---- upload: Enter, the file list, the start page's drop -------------------------------------

def test_enter_opens_the_file_chooser(page, stack):
    page.goto(url(stack))
    wait_view(page, "landing")
    page.focus("#landing-input")
    with page.expect_file_chooser():
        page.keyboard.press("Enter")

    signed_in(page, stack)
    page.wait_for_function("() => document.querySelector('#upload-label').textContent === 'Choose photos or a document'")
    page.focus("#upload-input")
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Enter")
    assert chooser.value.is_multiple()


def test_the_file_list_names_photos_documents_and_recordings(page, stack):
    user = signed_in(page, stack)
    headers = {"Authorization": f"Bearer {token_of(page)}"}
    for name, type_, kind in (("sign.jpg", "image/jpeg", None), ("letter.pdf", "application/pdf", None),
                              ("memo.webm", "audio/webm", "speech")):
        assert request_upload(stack, headers, name, type_, 2048, kind=kind).status_code == 201
    page.click("#history-refresh")
    page.wait_for_function("() => document.querySelectorAll('#history-list li').length === 3")
    assert text_of(page, "#history-status") == "1 photo, 1 document and 1 recording."
    memo = page.locator('[data-testid="history-item"]', has_text="memo.webm")
    memo.locator('[data-testid="history-delete"]').click()
    assert memo.locator(".confirm-text").inner_text() == "Delete this recording and its text?"
    memo.locator('[data-testid="history-delete-confirm"]').click()
    page.wait_for_function("() => document.querySelector('#history-status').textContent === '1 photo and 1 document.'")
    assert user


def test_the_start_page_says_what_it_reads_and_takes_a_drop(page, stack, photo_with_text, shoot):
    photo, _ = photo_with_text
    page.goto(url(stack))
    wait_view(page, "landing")
    reads = text_of(page, '[data-testid="landing-reads"]')
    for what in ("Pages and photos", "Documents", "Handwritten digits", "Recordings"):
        assert what in reads
    assert "drop it here" not in text_of(page, "#view")
    accessible(page, shoot, "landing")

    # Dropped before signing in: kept, and read once signed in.
    drop(page, [(photo.name, "image/jpeg", photo.read_bytes())])
    page.wait_for_function("() => document.querySelector('#landing-drop-status').textContent.includes('ready to read')")
    assert photo.name in text_of(page, "#landing-drop-status")
    user = new_user()
    api_register(stack, user)
    page.click('[data-testid="landing-login"]')
    wait_view(page, "login")
    page.fill("#login-email", user["email"])
    page.fill("#login-password", user["password"])
    page.click("#login-submit")
    page.wait_for_url(re.compile(r"#/jobs/[^/]+$"), timeout=60_000)
    job_id = page.url.rsplit("/", 1)[-1]
    job = requests.get(api(stack, f"/jobs/{job_id}"), headers={"Authorization": f"Bearer {token_of(page)}"},
                       timeout=30).json()
    assert job["filename"] == photo.name and job["kind"] == "page"

    # Signed in, a recording dropped on the start page goes to the dashboard as a recording.
    sent = []

    cors = {"Access-Control-Allow-Origin": stack.site_url, "Access-Control-Allow-Methods": "POST,OPTIONS",
            "Access-Control-Allow-Headers": "Authorization,Content-Type"}

    def refuse(route):  # (the file is not sent: what matters is the kind it was asked for as)
        if route.request.method == "OPTIONS":
            route.fulfill(status=200, headers=cors, body="")
            return
        sent.append(json.loads(route.request.post_data))
        route.fulfill(status=400, headers={**cors, "Content-Type": "application/json"},
                      body=json.dumps({"error": "bad_file", "message": "Not this time."}))

    page.route(re.compile(r".*/uploads$"), refuse)
    page.goto(url(stack))
    wait_view(page, "landing")
    drop(page, [("memo.webm", "audio/webm", b"\x1aE\xdf\xa3" + bytes(2048))])
    wait_view(page, "dashboard")
    page.wait_for_selector("#upload-error:not([hidden])")
    assert sent and sent[0]["kind"] == "speech" and sent[0]["filename"] == "memo.webm"
    assert page.is_checked('[data-testid="kind-speech"]')


# ---- a phone ---------------------------------------------------------------------------------

@pytest.fixture
def phone(browser, page_errors):
    context = chromium.new_context(browser, viewport={"width": 360, "height": 740}, has_touch=True, is_mobile=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.on("pageerror", lambda exc: page_errors.add("pageerror", str(exc)))
    yield page
    context.close()
    assert page_errors.seen == [], "errors in the page:\n" + "\n".join(page_errors.seen)


def header_rows(page) -> int:
    """How many rows the header's brand and links take."""
    tops = page.evaluate("""() => [...document.querySelectorAll('.brand, .site-header nav ul:not([hidden]) li')]
        .map((el) => { const r = el.getBoundingClientRect(); return Math.round(r.top + r.height / 2); })""")
    rows = []
    for top in sorted(tops):
        if not rows or top - rows[-1] > 8:
            rows.append(top)
    return len(rows)


def test_a_phone_gets_no_keyboard_hints_and_a_one_line_header(phone, stack):
    page = phone
    page.goto(url(stack))
    wait_view(page, "landing")
    assert header_rows(page) == 1
    assert "Drop" not in text_of(page, "#landing-drop-hint")

    user = new_user()
    api_register(stack, user)
    login_ui(page, stack, user)
    assert header_rows(page) == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # The shortened link keeps its whole name.
    assert page.get_by_role("link", name="API keys").is_visible()
    page.wait_for_function("() => document.querySelector('#upload-label').textContent !== 'Choose a file'")
    assert page.is_hidden("#drop-hint")  # no "drop", no "Ctrl+V"
    assert "Ctrl" not in page.inner_text("#view")
    phone_shot(page, "dashboard")
    assert violations(page) == []

    fake = make_job(stack, [["Please do not feed the pigeons"]])
    fake.serve(page, stack.site_url)
    page.goto(url(stack, f"#/jobs/{fake.job_id}"))
    wait_view(page, "job")
    page.wait_for_selector("#result:not([hidden])")
    assert page.is_hidden("#shortcuts")
    assert "Keyboard shortcuts" not in page.inner_text("#view")
    assert header_rows(page) == 1
    phone_shot(page, "result")


def test_a_desktop_keeps_the_keyboard_hints_and_a_narrow_window_a_one_line_header(page, stack):
    signed_in(page, stack)
    assert page.is_visible("#drop-hint") and "Ctrl+V" in text_of(page, "#drop-hint")
    page.set_viewport_size(NARROW)
    page.wait_for_timeout(150)
    assert header_rows(page) == 1
    fake = make_job(stack, [["Please do not feed the pigeons"]])
    fake.serve(page, stack.site_url)
    page.goto(url(stack, f"#/jobs/{fake.job_id}"))
    wait_view(page, "job")
    page.wait_for_selector("#result:not([hidden])")
    assert page.is_visible("#shortcuts")


def phone_shot(page, name: str) -> None:
    # The viewport only: a full-page screenshot drops the touch emulation while it captures (the
    # keyboard hints would show in the picture and nowhere else).
    screenshot(page, f"first-minutes-phone-{name}.png")
