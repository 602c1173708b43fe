"""A book recorded on demand (issue 77, CONTRACTS section 15 "What is recorded, what is queued"),
in a real Chromium against a stack of its own whose books record 20 s of speech ahead
(PAGEVOICE_RECORD_AHEAD_SECONDS) in sections of 200 characters: a 60-page PDF of chapters is
`done` with only its start recorded. Its page, opened then, jumps to a late chapter from the
outline: the place is asked for ("Recording from here…"), and the part that speaks it arrives
without a reload (the view goes on asking while the listener waits) and plays, the lit word on
that chapter's page and the player's time moving; the API has recorded more sections. "Download
as a book" then says the rest is recorded first, with the time and sections left. axe-core finds
nothing at both widths. The waits only stop a hung test; nothing is asserted on time.
"""
from __future__ import annotations

import re
import time

import pytest
import requests

from tests.conftest import own_stack
from tests.jobs.test_book_on_the_stack import NOUNS, chapters_pdf, upload_with
from tests.site.axe import at_both_widths
from tests.site.test_site import api_register, login_ui, new_user, url
from tests.stackclient import get_job, head_of

pytestmark = [pytest.mark.stack, pytest.mark.browser, pytest.mark.timeout(900)]

LONG = 240_000  # ms: a wait this long stops a hung test; it measures nothing
PAGES = 60
LATE = 51  # the chapter (0-based: its page) jumped to, far past the recording ahead of the start


@pytest.fixture(scope="module")
def demand_stack(tmp_path_factory):
    """Books from 21 pages, sections of ~200 characters, 20 s of speech recorded ahead of a place
    (so a 60-page book is done long before it is recorded whole); headings by the rules alone."""
    with own_stack(tmp_path_factory, "book-on-demand", {"PAGEVOICE_BOOK_PAGES": "20",
                                                        "PAGEVOICE_SECTION_CHARS": "200",
                                                        "PAGEVOICE_RECORD_AHEAD_SECONDS": "20",
                                                        "PAGEVOICE_LAYOUT_ENGINE": "none"}) as s:
        yield s


@pytest.fixture(scope="module")
def reader(demand_stack):
    user = new_user()
    api_register(demand_stack, user)
    r = requests.post(f"{demand_stack.api_url}/auth/login",
                      json={"email": user["email"], "password": user["password"]}, timeout=30)
    assert r.status_code == 200, r.text
    return user, {"Authorization": f"Bearer {r.json()['token']}"}



def sections_of(job: dict) -> dict:
    return (head_of(job).get("speech") or {}).get("sections") or {}


def wait_done(stack, headers, job_id: str) -> dict:
    """GET /jobs/{id} until the job has ended: the answer."""
    deadline = time.monotonic() + LONG / 1000
    while True:
        job = get_job(stack, headers, job_id)
        if job["status"] in ("done", "failed"):
            assert job["status"] == "done", job.get("error")
            return job
        assert time.monotonic() < deadline, job["status"]
        time.sleep(0.5)


# Every text the book's export status and the page's announcer are given (once per document).
WATCH = """(() => {
    if (window.__said) return;
    window.__said = {book: [], announcer: []};
    const look = () => {
        for (const [key, sel] of [['book', '#book-status'], ['announcer', '#announcer']]) {
            const el = document.querySelector(sel);
            const said = window.__said[key];
            if (el && el.textContent && said[said.length - 1] !== el.textContent) said.push(el.textContent);
        }
    };
    new MutationObserver(look).observe(document, {subtree: true, childList: true, characterData: true});
    look();
})()"""

PLAYING_ON = """p => document.querySelector('#play-button').dataset.state === 'playing'
    && Number(document.querySelector('#result-text .text-word.is-current')?.dataset.pageIndex) === p"""


def test_a_late_chapter_of_a_done_book_is_recorded_on_demand_and_plays(page, demand_stack, reader, shoot):
    user, headers = reader
    job_id = upload_with(demand_stack, headers, "tides.pdf", chapters_pdf(PAGES))
    job = wait_done(demand_stack, headers, job_id)
    before = sections_of(job)
    print(f"done with {before} (sections total/recorded/queued)")
    assert head_of(job)["speech"]["complete"] is False
    assert 0 < before["recorded"] < before["total"]
    title = NOUNS[LATE % len(NOUNS)]

    login_ui(page, demand_stack, user)
    page.goto(url(demand_stack, f"#/jobs/{job_id}"))
    page.evaluate(WATCH)
    page.wait_for_selector("#result-text .text-word", timeout=LONG)
    page.wait_for_function("() => document.querySelector('#job-status').dataset.status === 'done'", timeout=LONG)
    assert page.inner_text("#audio-note") == "" or page.locator("#audio-note").is_hidden()  # (not "cut short")

    # The late chapter from the outline: not recorded yet, so asked for and said so.
    page.click("#chapters summary")
    chapters = page.locator("#chapters button[data-chapter-index]", has_text=title)  # (every 30 pages: the last)
    assert chapters.count() >= 1, page.inner_text("#chapters")
    chapters.last.click()
    page.wait_for_function("() => window.__said.announcer.includes('Recording from here…')", timeout=LONG)
    assert page.locator("#book-recording").is_visible()
    assert page.inner_text("#book-recording") == "Recording from here…"

    # Its part arrives without a reload and plays there: the lit word on its page, the time moving.
    page.wait_for_function(PLAYING_ON, arg=LATE, timeout=LONG)
    page.wait_for_function("() => window.__said.announcer.includes('Recorded: playing from here.')", timeout=LONG)
    assert page.locator("#book-recording").is_hidden()
    started = float(page.input_value("#player-seek"))
    page.wait_for_function("t => Number(document.querySelector('#player-seek').value) > t + 0.5", arg=started,
                           timeout=LONG)
    after = sections_of(get_job(demand_stack, headers, job_id))
    print(f"after the jump: {after}")
    assert after["recorded"] > before["recorded"]
    assert page.locator("#job-error").is_hidden(), page.inner_text("#job-error")
    shoot(page, "book-on-demand-late-chapter")

    # The whole book asked for: the rest is recorded first, and the page says how long.
    page.click("#play-button")  # (paused)
    page.click("#book-mp3")
    page.wait_for_function("() => window.__said.book.some(t => t.startsWith('Recording the rest of the book first'))",
                           timeout=LONG)
    said = next(t for t in page.evaluate("window.__said.book") if t.startswith("Recording the rest"))
    print(f"the export said: {said}")
    assert re.fullmatch(r"Recording the rest of the book first(: (about \d+ minutes?|less than a minute|about .+) left|…)"
                        r"( \(\d+ of \d+ sections? left\))?", said), said
    assert page.locator("#book-error").is_hidden(), page.inner_text("#book-error")
    shoot(page, "book-on-demand-export")
    assert at_both_widths(page) == {}
