"""Site defects found in use (issue 15's list), each pinned in the real Chromium."""
from __future__ import annotations

from tests.site.test_site import api_register, login_ui, new_user, token_of, url, wait_view
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
