"""The dashboard's "Continue listening" (issue 40) in a real Chromium against the running local
stack: a job whose place was saved (PUT /jobs/{id}/position, as the player does) is listed with
its progress ("0:02 of 0:04", a progress bar with an accessible name) and links to its result;
a job without a place is not listed; axe-core finds nothing at both widths.
"""
from __future__ import annotations

import pytest
import requests

from tests.site.axe import at_both_widths
from tests.site.test_account import bearer
from tests.site.test_site import api, api_register, login_ui, new_user, texts, wait_view
from tests.stackclient import upload, wait_job

pytestmark = pytest.mark.timeout(600)


def clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 60}:{s % 60:02d}"


def test_continue_listening_lists_a_saved_place_with_its_progress(page, stack, photo_with_text, shoot):
    photo, _ = photo_with_text
    user = new_user()
    api_register(stack, user)
    login_ui(page, stack, user)
    assert page.locator("#continue").is_hidden()  # nothing heard yet

    headers = bearer(page)
    data = photo.read_bytes()
    heard_id = upload(stack, headers, "cafe-sign.jpg", data, "image/jpeg", patience=60)
    other_id = upload(stack, headers, "not-heard.jpg", data, "image/jpeg", patience=60)
    for job_id in (heard_id, other_id):
        assert wait_job(stack, headers, job_id, timeout=240)["status"] == "done"
    seconds = next(j for j in requests.get(api(stack, "/jobs"), headers=headers, timeout=30).json()["jobs"]
                   if j["job_id"] == heard_id)["seconds"]
    t = round(seconds / 2, 1)
    r = requests.put(api(stack, f"/jobs/{heard_id}/position"), headers=headers, json={"t": t}, timeout=30)
    assert r.status_code == 204, r.text

    page.click('[data-testid="history-refresh"]')
    page.wait_for_selector('[data-testid="continue-item"]')
    items = page.locator('[data-testid="continue-item"]')
    assert items.count() == 1
    item = items.first
    assert item.get_attribute("data-job-id") == heard_id
    assert texts(page, '[data-testid="continue-open"]') == ["cafe-sign.jpg"]
    assert item.locator('[data-testid="continue-open"]').get_attribute("href") == f"#/jobs/{heard_id}"
    assert texts(page, '[data-testid="continue-time"]') == [f"{clock(t)} of {clock(seconds)}"]
    bar = item.locator("progress")
    assert abs(float(bar.get_attribute("max")) - seconds) < 0.01
    assert abs(float(bar.get_attribute("value")) - t) < 0.01
    name = page.evaluate("() => document.querySelector('#continue-list progress').getAttribute('aria-label')")
    assert name.startswith("cafe-sign.jpg: heard "), name
    assert at_both_widths(page) == {}
    shoot(page, "continue-listening")

    # It opens the result (which resumes there: the result view's part).
    item.locator('[data-testid="continue-open"]').click()
    wait_view(page, "job")
    assert page.url.endswith(f"#/jobs/{heard_id}")
