"""A book's upload from the site (issue 54, CONTRACTS section 15), in a real Chromium against a
local stack whose multipart threshold is 6 MiB (tests/conftest.py `multipart_stack`): a 10 MB PDF
goes to S3 as 5 MiB parts, several at once, with a progress bar said politely; a dropped
connection, then a reload, and the same file chosen again sends only the parts S3 lacks."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.conftest import MULTIPART_PART
from tests.media.documents import padded_text_pdf
from tests.site.test_site import api_register, fetch_job, login_ui, new_user, record_attribute, token_of

pytestmark = [pytest.mark.stack, pytest.mark.timeout(600)]

LINES = ["Call me Ishmael.", "Some years ago, never mind how long precisely."]
PARTS = 3


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    path = tmp_path_factory.mktemp("book") / "moby-dick.pdf"
    path.write_bytes(padded_text_pdf(LINES, (PARTS - 1) * MULTIPART_PART + 400_000))
    return path


def watch(page) -> None:
    """The progress bar's every value (window.__progress) and every polite announcement (__said)."""
    record_attribute(page, "#upload-progress", "value", "__progress")
    page.evaluate("""() => {
        window.__said = [];
        new MutationObserver(() => window.__said.push(document.querySelector('#announcer').textContent))
            .observe(document.querySelector('#announcer'), {childList: true, characterData: true, subtree: true});
    }""")


def part_puts(page) -> list[int]:
    """Part numbers of the PUTs to S3 the page sends, as it sends them."""
    sent: list[int] = []
    page.on("request", lambda r: r.method == "PUT" and "partNumber=" in r.url
            and sent.append(int(re.search(r"partNumber=(\d+)", r.url).group(1))))
    return sent


def test_a_book_goes_as_parts_with_a_progress_bar_to_100_and_its_job_appears(page, multipart_stack, book):
    stack = multipart_stack
    user = new_user()
    api_register(stack, user)
    login_ui(page, stack, user)
    # The limits are said per kind of file.
    limits = page.inner_text("#upload-limits")
    assert "photos up to 15 MB" in limits and "documents up to 500 MB" in limits, limits
    # The bar is a labelled <progress>; the sentences go to a polite live region.
    assert page.evaluate("document.querySelector('#upload-progress').labels[0].id") == "upload-progress-label"
    assert page.get_attribute("#announcer", "aria-live") == "polite"
    sent = part_puts(page)
    in_flight = []
    page.on("request", lambda r: r.method == "PUT" and in_flight.append(len(sent) - len(finished)))
    finished: list[str] = []
    page.on("requestfinished", lambda r: r.method == "PUT" and finished.append(r.url))
    watch(page)
    page.set_input_files("#upload-input", str(book))
    page.wait_for_url(re.compile(r"#/jobs/[^/]+$"), timeout=120_000)
    job_id = page.url.rsplit("/", 1)[-1]

    assert sorted(sent) == list(range(1, PARTS + 1))  # each part once
    assert max(in_flight) >= 2, in_flight  # several at once
    values = [int(v) for v in page.evaluate("window.__progress")]
    assert values[-1] == 100 and 0 < min(v for v in values if v) < 100, values
    said = [s for s in page.evaluate("window.__said") if "uploaded" in s]
    # Said every quarter at most (a fast connection skips some), in order, to 100%.
    quarters = [int(re.fullmatch(r"moby-dick\.pdf: (\d+)% uploaded\.", s).group(1)) for s in said]
    assert quarters == sorted(set(quarters)) and quarters[-1] == 100 and set(quarters) <= {25, 50, 75, 100}, said
    # The job appears, and is read.
    page.wait_for_selector('#job-status[data-status="done"]', timeout=240_000)
    job = fetch_job(stack, token_of(page), job_id)
    assert job["filename"] == "moby-dick.pdf" and job["size"] == book.stat().st_size
    assert job["result"]["text"] == "\n".join(LINES)
    assert page.evaluate("localStorage.getItem('pagevoice.uploads')") in (None, "{}")  # nothing left to resume


def test_a_dropped_upload_goes_on_after_a_reload_with_only_the_missing_parts(page, page_errors, multipart_stack, book):
    stack = multipart_stack
    user = new_user()
    api_register(stack, user)
    login_ui(page, stack, user)
    page_errors.allow(r"Failed to load resource: net::ERR_CONNECTION_RESET")

    # The connection drops whenever part 3 is sent; parts 1 and 2 arrive.
    def drop_last_part(route):
        if route.request.method == "PUT" and f"partNumber={PARTS}" in route.request.url:
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route(re.compile(r"partNumber="), drop_last_part)
    sent = part_puts(page)
    page.set_input_files("#upload-input", str(book))
    error = page.locator("#upload-error")
    error.wait_for(state="visible", timeout=60_000)
    assert "choose the same file again" in error.inner_text()
    assert sorted(set(sent)) == list(range(1, PARTS + 1)) and sent.count(PARTS) == 3, sent  # tried 3 times
    remembered = page.evaluate("JSON.parse(localStorage.getItem('pagevoice.uploads'))")
    [(key, entry)] = remembered.items()
    assert key.startswith(f"moby-dick.pdf|{book.stat().st_size}|")
    job_id = entry["jobId"]
    assert fetch_job(stack, token_of(page), job_id)["status"] == "uploading"

    # The tab is reloaded (or closed and opened again); the connection is back.
    page.unroute(re.compile(r"partNumber="))
    page.reload()
    page.wait_for_selector('body[data-view="dashboard"]')
    sent.clear()
    asked: list[str] = []
    page.on("request", lambda r: "/uploads" in r.url and asked.append(f"{r.method} {urlsplit(r.url).path}"))
    watch(page)
    page.set_input_files("#upload-input", str(book))
    page.wait_for_url(re.compile(rf"#/jobs/{job_id}$"), timeout=120_000)  # the same job
    assert sent == [PARTS], sent  # only what S3 lacked
    assert f"GET /uploads/{job_id}/parts" in asked and f"POST /uploads/{job_id}/complete" in asked, asked
    assert "POST /uploads" not in asked  # no new upload
    values = [int(v) for v in page.evaluate("window.__progress")]
    # Resumed at two parts of three: the bar starts there, not at 0.
    assert values[-1] == 100 and min(v for v in values if v) >= 60, values
    page.wait_for_selector('#job-status[data-status="done"]', timeout=240_000)
    assert fetch_job(stack, token_of(page), job_id)["result"]["text"] == "\n".join(LINES)
