"""The account pages (issue 25) in a real Chromium against the running local stack: change the
password, sign out everywhere, API keys, export, delete the account, the forgot-password
journey through the mail the stack writes, and the keyboard alone.

Screenshots of the account and API-key pages (and the forms around them) at 1280 and 360 px
go to tests/artifacts/screenshots/.
"""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
import requests

from tests import chromium
from tests.site.conftest import WIDE
from tests.site.test_site import PASSWORD, api, api_register, login_ui, new_user, token_of, url, wait_view
from tests.stackclient import mail_link, upload, wait_job

pytestmark = pytest.mark.timeout(300)

NEW_PASSWORD = "Amber-Window-Orchard-27"
PASSWORD_CHANGED = "Password changed; your other sessions were signed out."
SIGNED_OUT_EVERYWHERE = "You were signed out everywhere, on this device too. Log in again to continue."
SESSION_ENDED = "Your session has ended. Please log in again."
RESET_DONE = "Your password was changed. Sign in with the new one."
ACCOUNT_DELETED = "Your account and everything in it were deleted."
RESET_ANSWER = ("If an account with this email exists and its address is verified, a link to choose a new "
                "password is on its way. The link works once, for 30 minutes.")


def bearer(page) -> dict:
    return {"Authorization": f"Bearer {token_of(page)}"}


def focused(page) -> str:
    return page.evaluate("document.activeElement?.id || ''")


def text_of(page, selector: str) -> str:
    return page.locator(selector).inner_text().strip()


def open_account(page) -> None:
    page.click('[data-testid="nav-account"]')
    wait_view(page, "account")
    page.wait_for_selector('#email-state[data-verified="true"], #email-state[data-verified="false"]')


def open_api_keys(page) -> None:
    page.click('[data-testid="nav-api-keys"]')
    wait_view(page, "api-keys")
    page.wait_for_selector("#apikey-status:not(:empty)")


def account_of(stack, page) -> dict:
    return requests.get(api(stack, "/me"), headers=bearer(page), timeout=30).json()


def key_works(stack, key: str) -> int:
    return requests.get(api(stack, "/me"), headers={"X-Api-Key": key}, timeout=30).status_code


def tab_to(page, selector: str, limit: int = 60, key: str = "Tab") -> None:
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate("s => document.activeElement?.matches(s)", selector):
            return
    raise AssertionError(f"could not reach {selector} with {key}")


def test_change_password_and_sign_out_everywhere(browser, page, stack, shoot):
    user = new_user()
    api_register(stack, user)
    login_ui(page, stack, user)
    other = chromium.new_context(browser, viewport=WIDE)  # the same account on another device
    try:
        phone = other.new_page()
        login_ui(phone, stack, user)

        open_account(page)
        assert focused(page) == "account-title"
        assert text_of(page, "#account-email") == user["email"]
        assert text_of(page, "#email-state") == "Not verified yet"
        assert "cannot send you a link to reset" in text_of(page, "#verify-panel")
        shoot(page, "account")

        # A wrong current password is refused beside its field.
        page.fill("#password-current", "not-my-password")
        page.fill("#password-new", NEW_PASSWORD)
        page.fill("#password-confirm", NEW_PASSWORD)
        page.click("#password-submit")
        page.wait_for_function("() => document.querySelector('#password-current-error').textContent.trim()")
        assert "password is incorrect" in text_of(page, "#password-current-error")
        assert page.get_attribute("#password-current", "aria-invalid") == "true"
        assert focused(page) == "password-current"

        page.fill("#password-current", user["password"])
        page.click("#password-submit")
        page.wait_for_selector("#password-done:not([hidden])")
        assert text_of(page, "#password-done") == PASSWORD_CHANGED
        assert focused(page) == "password-done"
        assert page.input_value("#password-current") == ""

        # The other device's session ended; this one goes on.
        phone.click('[data-testid="history-refresh"]')
        wait_view(phone, "login")
        assert text_of(phone, "#login-message") == SESSION_ENDED
        assert requests.get(api(stack, "/me"), headers=bearer(page), timeout=30).status_code == 200

        # Sign out everywhere: this page lands on login, the other device on its next call.
        login_ui(phone, stack, {**user, "password": NEW_PASSWORD})
        old = bearer(page)
        page.click("#logout-everywhere")
        wait_view(page, "login")
        assert text_of(page, "#login-message") == SIGNED_OUT_EVERYWHERE
        assert token_of(page) is None
        assert page.locator('[data-testid="nav-account"]').is_hidden()
        assert requests.get(api(stack, "/me"), headers=old, timeout=30).status_code == 401
        phone.click('[data-testid="history-refresh"]')
        wait_view(phone, "login")
        assert text_of(phone, "#login-message") == SESSION_ENDED
        assert token_of(phone) is None
    finally:
        other.close()


def test_api_key_create_copy_revoke(page, stack, shoot):
    user = new_user()
    api_register(stack, user)
    login_ui(page, stack, user)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=stack.site_url.rstrip("/"))
    open_api_keys(page)
    assert focused(page) == "apikeys-title"
    assert text_of(page, "#apikey-status") == "You have no API keys yet."

    page.click("#apikey-create")  # no name
    assert text_of(page, "#apikey-name-error") == "Enter a name for the key."
    assert focused(page) == "apikey-name"

    page.fill("#apikey-name", "Laptop script")
    page.click("#apikey-create")
    page.wait_for_selector("#apikey-new:not([hidden])")
    assert focused(page) == "apikey-new-title"
    assert "will not be shown again" in text_of(page, "#apikey-warning")
    key = page.input_value("#apikey-value")
    assert page.get_attribute("#apikey-value", "readonly") is not None
    item = page.locator('[data-testid="apikey-item"]')
    item.wait_for()
    assert item.count() == 1
    assert item.locator('[data-testid="apikey-name"]').inner_text() == "Laptop script"
    prefix = item.locator('[data-testid="apikey-prefix"]').inner_text().rstrip("…").rstrip("_")
    assert key.startswith(prefix + "_"), (key, prefix)
    assert item.locator('[data-testid="apikey-last-used"]').inner_text() == "Never used"
    assert item.locator('[data-testid="apikey-created"]').inner_text().strip()

    page.click("#apikey-copy")
    page.wait_for_function("() => document.querySelector('#apikey-copy-status').textContent === 'Copied to the clipboard.'")
    assert page.evaluate("navigator.clipboard.readText()") == key
    shoot(page, "api-keys")

    # Where the browser refuses the clipboard, the key is selected for Ctrl+C, and it says so.
    page.evaluate("() => { navigator.clipboard.writeText = () => Promise.reject(new DOMException('no', 'NotAllowedError')); }")
    page.click("#apikey-copy")
    page.wait_for_function("() => document.querySelector('#apikey-copy-status').textContent.startsWith('Could not copy')")
    assert "press Ctrl+C" in text_of(page, "#apikey-copy-status")
    assert focused(page) == "apikey-value"
    assert page.evaluate("(() => { const t = document.activeElement; "
                         "return t.value.slice(t.selectionStart, t.selectionEnd); })()") == key

    # The key works through the API; the list then says when it was last used.
    assert key_works(stack, key) == 200
    page.reload()
    wait_view(page, "api-keys")
    page.wait_for_selector('[data-testid="apikey-item"]')
    assert page.locator("#apikey-new").is_hidden()  # shown once: gone after a reload
    assert item.locator('[data-testid="apikey-last-used"]').inner_text().startswith("Last used ")

    # Revoke asks once; "Keep" goes back with the focus where it was.
    item.locator('[data-testid="apikey-revoke"]').click()
    assert page.evaluate("document.activeElement.dataset.testid") == "apikey-revoke-confirm"
    assert "Laptop script" in page.evaluate("document.activeElement.getAttribute('aria-label')")
    item.locator('[data-testid="apikey-revoke-cancel"]').click()
    assert page.evaluate("document.activeElement.dataset.testid") == "apikey-revoke"
    assert key_works(stack, key) == 200
    item.locator('[data-testid="apikey-revoke"]').click()
    item.locator('[data-testid="apikey-revoke-confirm"]').click()
    page.wait_for_function("() => !document.querySelector('[data-testid=\"apikey-item\"]')")
    assert text_of(page, "#apikey-status") == "You have no API keys yet."
    assert focused(page) == "apikey-list-title"
    assert key_works(stack, key) == 401


def record_texts(page, selector: str, key: str) -> None:
    """Record every text `selector` shows (in window[key]), even briefly."""
    page.evaluate("""([selector, key]) => {
        window[key] = [];
        const el = document.querySelector(selector);
        new MutationObserver(() => window[key].push(el.textContent))
            .observe(el, {childList: true, characterData: true, subtree: true});
    }""", [selector, key])


EXPORT = re.compile(r".*/me/export$")


def building(route):
    """GET /me/export passed to the API, its answer shown as a build at 1 of 3 files."""
    if route.request.method != "GET":
        route.continue_()
        return
    response = route.fetch()
    held = {**response.json()["export"], "status": "building", "progress": {"done": 1, "total": 3}}
    for ready_only in ("url", "size", "expires_at", "complete"):
        held.pop(ready_only, None)
    route.fulfill(response=response, status=202, json={"export": held})


def test_export_download(page, stack, shoot):
    user = new_user()
    api_register(stack, user)
    login_ui(page, stack, user)
    job = upload(stack, bearer(page), "hello.txt", b"echo:hello from the export", "text/plain", kind="stub",
                 patience=60)
    assert wait_job(stack, bearer(page), job)["status"] == "done"

    open_account(page)
    record_texts(page, "#export-progress-label", "__progress")
    record_texts(page, "#export-status", "__status")
    # The real export is quicker than a look: its first answers are held at "building", 1 of 3.
    page.route(EXPORT, building)
    page.click("#export-start")
    page.wait_for_function(
        "() => document.querySelector('#export-progress-label').textContent === 'Packing your files: 1 of 3 files.'")
    assert page.evaluate("[document.querySelector('#export-progress').value, document.querySelector('#export-progress').max]") == [1, 3]
    assert page.get_attribute("#export-start", "aria-busy") == "true"
    page.locator("#export-title").scroll_into_view_if_needed()
    shoot(page, "account-export-progress")
    page.unroute(EXPORT)
    link = page.locator("#export-download")
    link.wait_for(state="visible", timeout=120_000)
    assert re.fullmatch(r"Download your export \(zip, [\d.]+ (bytes|KB|MB)\)", link.inner_text()), link.inner_text()
    assert page.evaluate("window.__progress")[0] in ("Waiting to start your export…", "Packing your files…")
    assert page.evaluate("window.__status")[-1].startswith("Your export is ready")
    assert page.locator("#export-progress-wrap").is_hidden()
    assert "downloaded until" in text_of(page, "#export-note")
    assert page.get_attribute("#export-start", "aria-busy") == "false"
    page.locator("#export-title").scroll_into_view_if_needed()
    shoot(page, "account-export")

    with page.expect_download() as download:
        link.click()
    data = Path(download.value.path()).read_bytes()
    assert data[:2] == b"PK"
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert any("hello" in name for name in names), names


def test_delete_account(page, stack, shoot):
    user = new_user()
    api_register(stack, user)
    login_ui(page, stack, user)
    open_account(page)

    page.click("#delete-start")
    assert page.locator("#delete-form").is_visible() and page.locator("#delete-start").is_hidden()
    assert focused(page) == "delete-password"
    page.click("#delete-confirm")  # nothing given
    assert text_of(page, "#delete-password-error") == "Enter your password."
    assert "Tick this box" in text_of(page, "#delete-understood-error")
    page.fill("#delete-password", "not-my-password")
    page.check("#delete-understood")
    page.click("#delete-confirm")
    page.wait_for_function("() => document.querySelector('#delete-password-error').textContent.trim()")
    assert focused(page) == "delete-password"
    assert page.get_attribute("#delete-password", "aria-invalid") == "true"
    shoot(page, "account-delete")

    page.click("#delete-cancel")  # the second step can be left
    assert page.locator("#delete-form").is_hidden() and focused(page) == "delete-start"
    assert token_of(page)

    page.click("#delete-start")
    page.fill("#delete-password", user["password"])
    page.check("#delete-understood")
    page.click("#delete-confirm")
    wait_view(page, "landing")
    assert text_of(page, "#landing-message") == ACCOUNT_DELETED
    page.wait_for_function("t => document.querySelector('#announcer').textContent === t", arg=ACCOUNT_DELETED)
    assert token_of(page) is None
    assert page.locator('[data-testid="nav-login"]').is_visible()

    page.click('[data-testid="nav-login"]')
    wait_view(page, "login")
    page.fill("#login-email", user["email"])
    page.fill("#login-password", user["password"])
    page.click("#login-submit")
    page.locator("#login-error").wait_for(state="visible")
    assert token_of(page) is None


def test_forgot_password_journey(page, stack, shoot):
    user = new_user()
    api_register(stack, user)

    # The address is verified through the sign-up mail's link, opened in the site.
    page.goto(url(stack, f"#/verify/{mail_link(stack, user['email'], 'verify')}"))
    wait_view(page, "verify")
    page.wait_for_selector('#verify-status[data-status="done"]')
    assert "verified" in text_of(page, "#verify-status")
    assert page.get_attribute("#verify-continue", "href") == "#/login"

    page.goto(url(stack, "#/login"))
    wait_view(page, "login")
    page.click("#login-forgot")
    wait_view(page, "forgot")
    assert "verified" in text_of(page, "#forgot-hint")
    page.fill("#forgot-email", "nobody-" + user["email"])  # the same answer for an unknown address
    page.click("#forgot-submit")
    page.wait_for_selector("#forgot-message:not([hidden])")
    assert text_of(page, "#forgot-message") == RESET_ANSWER
    page.fill("#forgot-email", user["email"])
    page.click("#forgot-submit")
    page.wait_for_function("() => !document.querySelector('#forgot-submit').disabled")
    assert text_of(page, "#forgot-message") == RESET_ANSWER
    assert focused(page) == "forgot-message"
    shoot(page, "forgot")

    token = mail_link(stack, user["email"], "reset")
    page.goto(url(stack, f"#/reset/{token}"))
    wait_view(page, "reset")
    page.fill("#reset-password", NEW_PASSWORD)
    page.fill("#reset-password-confirmation", NEW_PASSWORD + "x")
    page.click("#reset-submit")
    assert text_of(page, "#reset-password-confirmation-error") == "The passwords do not match."
    page.fill("#reset-password-confirmation", NEW_PASSWORD)
    page.click("#reset-submit")
    wait_view(page, "login")
    assert text_of(page, "#login-message") == RESET_DONE
    login_ui(page, stack, {**user, "password": NEW_PASSWORD})
    open_account(page)
    assert text_of(page, "#email-state") == "Verified"
    assert page.locator("#verify-panel").is_hidden()

    # The link a second time: refused, with the way to ask for a new one.
    page.click('[data-testid="logout"]')
    wait_view(page, "login")
    page.goto(url(stack, f"#/reset/{token}"))
    wait_view(page, "reset")
    page.fill("#reset-password", PASSWORD + "-2")
    page.fill("#reset-password-confirmation", PASSWORD + "-2")
    page.click("#reset-submit")
    page.wait_for_selector("#reset-token-error:not([hidden])")
    assert "expired or was already used" in text_of(page, "#reset-token-error")
    assert focused(page) == "reset-token-error"
    shoot(page, "reset-spent")
    page.click("#reset-ask-again")
    wait_view(page, "forgot")


def test_keyboard_only_api_key_and_password(page, stack):
    """Create, copy and revoke a key, then change the password: Tab, Enter, Space and typing."""
    user = new_user()
    api_register(stack, user)
    login_ui(page, stack, user)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=stack.site_url.rstrip("/"))

    tab_to(page, '[data-testid="nav-api-keys"]', key="Shift+Tab")
    page.keyboard.press("Enter")
    wait_view(page, "api-keys")
    assert focused(page) == "apikeys-title"
    tab_to(page, "#apikey-name")
    page.keyboard.type("Keyboard key")
    page.keyboard.press("Enter")
    page.wait_for_selector("#apikey-new:not([hidden])")
    assert focused(page) == "apikey-new-title"
    tab_to(page, "#apikey-copy")
    page.keyboard.press("Space")
    page.wait_for_function("() => document.querySelector('#apikey-copy-status').textContent === 'Copied to the clipboard.'")
    key = page.input_value("#apikey-value")
    assert page.evaluate("navigator.clipboard.readText()") == key
    tab_to(page, "#apikey-done")
    page.keyboard.press("Enter")
    assert focused(page) == "apikey-name" and page.locator("#apikey-new").is_hidden()
    tab_to(page, '[data-testid="apikey-revoke"]')
    page.keyboard.press("Enter")
    page.keyboard.press("Space")  # the focus is on "Yes, revoke"
    page.wait_for_function("() => !document.querySelector('[data-testid=\"apikey-item\"]')")
    assert focused(page) == "apikey-list-title"
    assert key_works(stack, key) == 401

    tab_to(page, '[data-testid="nav-account"]', key="Shift+Tab")
    page.keyboard.press("Enter")
    wait_view(page, "account")
    tab_to(page, "#password-current")
    page.keyboard.type(user["password"])
    page.keyboard.press("Tab")
    page.keyboard.type(NEW_PASSWORD)
    page.keyboard.press("Tab")
    page.keyboard.type(NEW_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_selector("#password-done:not([hidden])")
    assert focused(page) == "password-done"
    r = requests.post(api(stack, "/auth/login"), json={"email": user["email"], "password": NEW_PASSWORD}, timeout=30)
    assert r.status_code == 200, r.text


def test_retention_and_a_new_verification_link(page, stack):
    user = new_user()
    api_register(stack, user)
    login_ui(page, stack, user)
    open_account(page)
    assert not page.is_checked("#retention-enabled") and page.is_disabled("#retention-days")  # off by default
    assert text_of(page, "#retention-current") == "Your files are kept until you delete them."

    page.check("#retention-enabled")
    page.fill("#retention-days", "0")
    page.click("#retention-save")
    assert text_of(page, "#retention-days-error") == "Choose from 1 to 3650 days."
    assert focused(page) == "retention-days"
    assert account_of(stack, page)["retention_days"] is None

    page.fill("#retention-days", "7")
    page.click("#retention-save")
    page.wait_for_function("() => document.querySelector('#retention-status').textContent.startsWith('Saved.')")
    assert text_of(page, "#retention-status") == "Saved. Each file is deleted 7 days after you upload it."
    assert account_of(stack, page)["retention_days"] == 7
    page.reload()
    wait_view(page, "account")
    page.wait_for_function("() => document.querySelector('#retention-enabled').checked")
    assert page.input_value("#retention-days") == "7"

    page.uncheck("#retention-enabled")
    page.click("#retention-save")
    page.wait_for_function("() => document.querySelector('#retention-status').textContent.startsWith('Saved.')")
    assert account_of(stack, page)["retention_days"] is None

    page.click("#resend-verification")
    page.wait_for_function("() => document.querySelector('#resend-status').textContent.trim()")
    assert "on its way to " + user["email"] in text_of(page, "#resend-status")
