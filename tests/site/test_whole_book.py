"""A whole book in hand (issue 57 item 1), in a real Chromium against the real local stack.

A 1,000-page PDF with a text layer, made here (a chapter's heading every 25 pages and one near the
end, one short sentence on each page; only the headings are spoken: recording a thousand pages
beside the other tests slowed make test's heavy part from 14.6 to 23.5 minutes), read whole by the stack's workers while the site has
it open: the view opens at once, a window of its pages from a few of its files (the DOM's pages and
the files fetched are counted; the seconds are printed), the outline jumps to the last chapter and the recording starts there (the worker
makes that place first), a search finds a phrase near the end and plays it, the place is resumed
in a second browser context, the sleep timer pauses, and axe-core finds nothing at both widths.
The 300,000-word EPUB of tests/jobs/test_book_formats_on_the_stack.py (`worlds_book`, made once
for both) opens the same way, its 137 chapters in the outline, its last one heard.
"""
from __future__ import annotations

import time
from typing import NamedTuple
from urllib.parse import urlsplit

import pytest
import requests

from chalicelib import settings
from chalicelib.jobs import growing
from chalicelib.kinds import plan
from chalicelib.structure import ROLES
from tests import chromium
from tests.jobs.test_book_on_the_stack import upload_with
from tests.media import documents as docs
from tests.site.axe import at_both_widths
from tests.site.test_site import api_register, login_ui, new_user, url
from tests.stackclient import PASSWORD, get_job, head_of

pytestmark = [pytest.mark.stack, pytest.mark.browser, pytest.mark.timeout(900)]

PAGES = 1000
EVERY = 25  # a chapter every 25 pages: 40 chapters
NOUNS = ["Anchor", "Breeze", "Cabin", "Dolphin", "Ember", "Falcon", "Glacier", "Harbour", "Island", "Juniper",
         "Kelp", "Lantern", "Meadow", "Nectar", "Orchard", "Pebble", "Quarry", "Raven", "Saddle", "Timber"]
NEAR_END = 987  # the page (from 0) whose heading the search looks for
PHRASE = "the keeper counted nine grey gulls"
HEADING = "The Keeper Counted Nine Grey Gulls"
MAX_DOM_PAGES = 17  # the window (static_site/js/book-index.js): 4 pages before the place, 12 after
SPOKEN = ("heading", "title")
MAX_DOM_SECTIONS = 5  # ...and of a document without pages: 1 section before, 3 after
MAX_FILES_OPENED = 8  # the files of text and timings those come from (the 1,000 pages are in 33 shards' files)


def title(c: int) -> str:
    return f"Chapter {c + 1} {NOUNS[c % len(NOUNS)]}"


def sentence(n: int) -> str:
    # (more than 20 letters a page: fewer is read as a scan, by OCR)
    return f"Leaf {n + 1} of the ledger: cargo and stores."


def heading_of(n: int) -> str | None:
    return title(n // EVERY) if n % EVERY == 0 else HEADING if n == NEAR_END else None


TITLES = [h for n in range(PAGES) if (h := heading_of(n))]


def book_pdf() -> bytes:
    """1,000 small pages (5 x 3.3 in: a page's image is what reading one costs most): a chapter's
    heading (20 pt) every 25 pages and on page 988, one short sentence (10 pt) on each."""
    streams = []
    for n in range(PAGES):
        heading = b"BT /F1 20 Tf 24 200 Td (%s) Tj ET " % heading_of(n).encode() if heading_of(n) else b""
        streams.append(heading + b"BT /F1 10 Tf 24 150 Td (%s) Tj ET" % sentence(n).encode())
    return docs.content_pdf(streams, size=(360, 240))


@pytest.fixture(scope="module")
def book_site(formats_stack):
    """The stack the 300,000-word EPUB is made on (tests/conftest.py `formats_stack`: TOGETHER
    there puts this file on its pytest worker, after it): a stack of its own for this book cost a
    start and its workers' warm-up again (~20 CPU s)."""
    return formats_stack



@pytest.fixture(scope="module")
def book(book_site):
    """(user, headers, job id, seconds from the upload's end to every page read): the book
    uploaded and its pages all read; its recording goes on while the tests listen."""
    user = new_user()
    api_register(book_site, user)
    r = requests.post(f"{book_site.api_url}/auth/login", json={"email": user["email"], "password": user["password"]},
                      timeout=30)
    headers = {"Authorization": f"Bearer {r.json()['token']}"}
    t0 = time.monotonic()
    job_id = upload_with(book_site, headers, "ledger.pdf", book_pdf(), skip=[r for r in ROLES if r not in SPOKEN])
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        job = get_job(book_site, headers, job_id)
        if (head_of(job).get("document") or {}).get("read") == PAGES or job["status"] in ("done", "failed"):
            break
        time.sleep(1)
    assert job["status"] in ("processing", "done"), job.get("error")
    yield user, headers, job_id, time.monotonic() - t0
    # What is left of its recording is not made for the files after this one (the stack goes on
    # serving them; a stack of its own was stopped here).
    requests.delete(f"{book_site.api_url}/jobs/{job_id}", headers=headers, timeout=30)


class Opened(NamedTuple):
    seconds: float  # from asking for its page to its text shown (printed; a figure, not a bound)
    files: list[str]  # the files of the book's result and timings fetched meanwhile (the work)


def open_book(page, stack, user, job_id) -> Opened:
    """Signs in and opens the book: how long it took, and what it fetched from storage."""
    login_ui(page, stack, user)
    files: list[str] = []

    def fetched(request) -> None:
        path = urlsplit(request.url).path
        if request.url.startswith(stack.s3_url) and path.endswith(".json"):
            files.append(path.rsplit("/", 1)[-1])

    page.on("request", fetched)
    started = time.monotonic()
    page.goto(url(stack, f"#/jobs/{job_id}"))
    page.wait_for_selector("#result-text .text-word", timeout=60_000)
    seconds = time.monotonic() - started
    page.remove_listener("request", fetched)
    return Opened(seconds, files)


def in_dom(page) -> tuple[int, int]:
    """(pages or sections, words) the text's DOM holds."""
    return page.evaluate("""() => [document.querySelectorAll('#result-text .text-page').length,
                                   document.querySelectorAll('#result-text .text-word').length]""")


def playing_at(page, timeout: float = 150_000) -> int:
    """Waits until the recording plays and a word is lit; that word's page. (A place not recorded
    yet is made first, by the listener's worker: 5-23 s alone, 52 s in a CI run beside the other
    stack tests and two other sessions' work.)"""
    # (read in the same turn as the wait: the window may be drawn again between two calls)
    lit = page.wait_for_function("() => document.querySelector('#play-button').dataset.state === 'playing'"
                                 " && document.querySelector('#result-text .text-word.is-current')?.dataset.pageIndex",
                                 timeout=timeout)
    return int(lit.json_value())


def test_a_thousand_page_pdf_is_read_whole(book_site, book):
    """(Was tests/jobs/test_book_on_the_stack.py's: this book reads the same 1,000 pages.)"""
    _, headers, job_id, took = book
    job = get_job(book_site, headers, job_id)
    print(f"{PAGES} pages read {took:.0f} s after the upload began")
    index = job["result_parts"]["index"]
    result = growing.assemble(index, lambda name: requests.get(job["result_parts"]["urls"][name], timeout=30).content)
    assert len(result["pages"]) == PAGES and result["document"]["read"] == PAGES
    assert result["document"]["book"] is True and {p["source"] for p in result["pages"]} == {"text"}
    expected = [(f"{heading_of(n)}\n" if heading_of(n) else "") + sentence(n) for n in range(PAGES)]
    assert [p["text"] for p in result["pages"]] == expected
    assert [c["title"] for c in result["chapters"]] == TITLES
    # It travels as its index: each reading shard's pages and text (1, then
    # settings.books.text_shard_pages a shard).
    shards = plan.reading(PAGES, settings.get().books.text_shard_pages)
    assert job["result"] is None and len(index["parts"][0]["files"]) == len(shards) < 40


def test_the_book_opens_at_once_with_a_window_of_its_pages(page, book_site, book, shoot):
    user, headers, job_id, _ = book
    opened = open_book(page, book_site, user, job_id)
    pages, words = in_dom(page)
    in_book = len(get_job(book_site, headers, job_id)["result_parts"]["index"]["parts"][0]["files"])
    print(f"a {PAGES}-page book's view opened in {opened.seconds:.2f} s with {pages} pages ({words} words) in the "
          f"DOM, {len(opened.files)} of its {in_book} files fetched: {opened.files}")
    # At once, whatever the machine's load: a window of its pages, from the few files that hold them.
    assert 0 < pages <= MAX_DOM_PAGES
    assert 0 < len(opened.files) <= MAX_FILES_OPENED < in_book
    assert page.inner_text("#book-window-text") == f"Pages 1–{pages} of 1,000 shown."
    assert page.locator("#chapters button[data-chapter-index]").count() == len(TITLES)
    # A thousand pages are not a thousand buttons: a page is gone to by its number.
    assert page.locator("#page-list").is_hidden() and page.locator("#book-go").is_visible()
    page.fill("#book-page", "640")
    page.click("#book-go-button")
    page.wait_for_function("() => document.activeElement?.dataset?.pageIndex === '639'")
    assert "Leaf 640 of" in page.inner_text("#result-text") and in_dom(page)[0] <= MAX_DOM_PAGES
    page.click("#book-later")
    page.wait_for_function("() => document.activeElement?.dataset?.pageIndex === '652'")
    assert page.inner_text("#book-window-text").startswith("Pages 649–")
    shoot(page, "whole-book-opened")
    assert at_both_widths(page) == {}


def test_a_move_of_the_window_says_it_is_loading_and_one_that_failed_is_tried_again(page, page_errors, book_site, book,
                                                                                   shoot):
    """The window's move to page 640 held on its way (the answer for the pages around it): the
    text is busy and the status names the pages coming; the move failing says so with "Try
    again", which makes the same move (the page comes and takes the focus)."""
    user, _, job_id, _ = book
    page_errors.allow(r"Failed to load resource: net::ERR_FAILED")  # (the requests this test fails)
    open_book(page, book_site, user, job_id)
    held, failing = [], []
    asked = "pages=619-660"  # (api.js pagesQuery: the page images 20 either side of page 640)
    page.route(lambda u: asked in u, lambda route: route.abort() if failing else held.append(route))
    page.fill("#book-page", "640")
    page.click("#book-go-button")
    page.wait_for_function("""() => document.querySelector('#result-text').getAttribute('aria-busy') === 'true'
        && document.querySelector('#book-window-text').textContent === 'Loading pages 636–652…'""")
    assert page.get_attribute("#book-window-text", "aria-live") == "polite" and page.locator("#book-retry").is_hidden()
    shoot(page, "whole-book-loading")
    failing.append(True)  # (the page's polls for that window too, until the connection is back)
    held[0].abort()
    page.wait_for_selector("#book-retry:not([hidden])")
    assert page.inner_text("#book-window-text") == (
        "Pages 636–652 could not be loaded. Check the connection and try again.")
    assert page.get_attribute("#result-text", "aria-busy") is None
    shoot(page, "whole-book-load-failed")
    assert at_both_widths(page) == {}
    page.unroute_all()
    page.focus("#book-retry")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement?.dataset?.pageIndex === '639'")
    assert page.inner_text("#book-window-text") == "Pages 636–652 of 1,000 shown."
    assert page.get_attribute("#result-text", "aria-busy") is None and page.locator("#book-retry").is_hidden()
    assert "Leaf 640 of" in page.inner_text("#result-text")


def test_the_last_chapter_is_jumped_to_and_heard_there(page, book_site, book, shoot):
    user, _, job_id, _ = book
    open_book(page, book_site, user, job_id)
    page.click("#chapters summary")
    last = page.locator("#chapters button[data-chapter-index]").last
    assert HEADING in last.inner_text()
    asked = time.monotonic()
    last.click()
    heard = playing_at(page)
    print(f"the last chapter heard {time.monotonic() - asked:.1f} s after it was chosen (page {heard + 1})")
    assert heard == NEAR_END
    assert in_dom(page)[0] <= MAX_DOM_PAGES
    shoot(page, "whole-book-last-chapter")


def test_search_finds_a_phrase_near_the_end_and_plays_it(page, book_site, book, shoot):
    user, _, job_id, _ = book
    open_book(page, book_site, user, job_id)
    # By keyboard: the phrase typed and Enter; the hit reached and Enter.
    page.fill("#book-search-input", PHRASE.upper())
    page.press("#book-search-input", "Enter")
    page.wait_for_function("() => /result/.test(document.querySelector('#book-search-status').textContent)",
                           timeout=30_000)
    assert page.inner_text("#book-search-status") == f"1 result for “{PHRASE.upper()}”."
    assert page.inner_text("#book-search-results h3") == HEADING  # hits by chapter
    assert f"Page {NEAR_END + 1}:" in page.inner_text("[data-testid=search-hit]")
    page.focus("[data-testid=search-hit]")
    page.keyboard.press("Enter")
    assert playing_at(page) == NEAR_END
    assert page.inner_text("#result-text .text-word.is-current").lower() in PHRASE.split()
    shoot(page, "whole-book-search")
    assert at_both_widths(page) == {}


def test_the_place_is_resumed_in_another_browser_and_the_sleep_timer_pauses(browser, book_site, book, shoot):
    from tests.site.conftest import WIDE

    user, headers, job_id, _ = book
    first = chromium.new_context(browser, viewport=WIDE)
    page = first.new_page()
    open_book(page, book_site, user, job_id)
    page.fill("#book-page", "701")
    page.click("#book-go-button")
    page.wait_for_function("() => document.activeElement?.dataset?.pageIndex === '700'")
    page.click('#result-text .text-word[data-page-index="700"]')  # its heading played from there (made first)
    assert playing_at(page) >= 700
    page.click("#play-button")  # paused: the place is saved
    deadline = time.monotonic() + 120  # (only stops a hang: saved within a second or two)
    while (get_job(book_site, headers, job_id).get("position") or {}).get("place", {}).get("page", 0) < 700:
        assert time.monotonic() < deadline, get_job(book_site, headers, job_id).get("position")
        time.sleep(0.5)
    first.close()
    # Another browser (another device): the book opens at that page and offers to go on.
    second = chromium.new_context(browser, viewport=WIDE)
    page = second.new_page()
    page.clock.install()
    open_book(page, book_site, user, job_id)
    page.wait_for_selector("#resume:not([hidden])")
    assert page.inner_text("#resume-text") == "You stopped on page 701." or "page 70" in page.inner_text("#resume-text")
    assert "Leaf 701 of" in page.inner_text("#result-text")
    page.click("#resume-play")
    assert playing_at(page) >= 700
    # The sleep timer: 15 minutes later (the page's clock moved on), playback pauses and says so.
    page.select_option("#sleep-timer", "15")
    assert page.inner_text("#sleep-timer-state").startswith("Pauses in 1")
    page.clock.fast_forward("15:01")
    page.wait_for_function("() => document.querySelector('#play-button').dataset.state === 'paused'", timeout=10_000)
    assert page.input_value("#sleep-timer") == ""
    shoot(page, "whole-book-resumed")
    second.close()


def test_a_300000_word_epub_opens_at_once_and_its_last_chapter_is_heard(page, formats_stack, worlds_book, shoot):
    user = {"name": "Ada Reader", "email": worlds_book["email"], "password": PASSWORD}
    opened = open_book(page, formats_stack, user, worlds_book["job_id"])
    sections, words = in_dom(page)
    print(f"a 300,000-word EPUB's view opened in {opened.seconds:.2f} s with {sections} sections ({words} words) "
          f"in the DOM, {len(opened.files)} files fetched: {opened.files}")
    assert 0 < sections <= MAX_DOM_SECTIONS and 0 < len(opened.files) <= MAX_FILES_OPENED
    assert page.locator("#chapters button[data-chapter-index]").count() == len(worlds_book["titles"])
    page.click("#chapters summary")
    last = page.locator("#chapters button[data-chapter-index]").last
    assert worlds_book["titles"][-1] in last.inner_text()
    last.click()
    heard = playing_at(page)
    assert heard == worlds_book["job"]["result_parts"]["index"]["result"]["chapters"][-1]["page"]
    assert page.inner_text("#result-text .text-word.is-current") in worlds_book["titles"][-1].split()
    assert in_dom(page)[0] <= MAX_DOM_SECTIONS
    shoot(page, "whole-book-epub")
    assert at_both_widths(page) == {}
