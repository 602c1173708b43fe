"""A book shown while it is made (issue 77), in a real Chromium against a local stack whose one
worker process reads and records one shard at a time (PAGEVOICE_LOCAL_WORKERS=1), so that each
book is still `processing` when its page is opened: a saved web page past 50,000 words (a
document without pages, its <h2> chapters its outline), a PDF of more than 50 pages with a text
layer, and a scanned PDF (pictures of pages only, read by OCR).

Reported: Moby-Dick's saved web page, whose chapters the API listed 10 s after its upload, opened
as an empty page titled "Photo" (the job view's title before its first answer), with no text and
no outline. Each book's page here is asserted against what the API holds when it is looked at,
never against time: its title (the document's own, or its file's name; "Photo" never, at any
moment), the first text the API has, and every chapter the API lists; then chapters the API
lists later appear on the page without a reload. The waits only stop a hung test. The page's
live regions stay quiet as pages are read (the window's status names the whole book; the job's
status says a book's numbers at most every 30 s), and axe-core finds nothing at both widths.
"""
from __future__ import annotations

import html
import random
import re
import time

import pytest
import requests

from chalicelib.structure import ROLES
from tests import images
from tests.conftest import own_stack
from tests.media import documents as docs
from tests.site.axe import at_both_widths
from tests.site.test_site import api_register, login_ui, new_user, url
from tests.stackclient import get_job, head_of, upload

pytestmark = [pytest.mark.stack, pytest.mark.browser, pytest.mark.timeout(900)]

LONG = 120_000  # ms: a wait this long stops a hung test; it measures nothing
SPOKEN = ("heading", "title")  # only titles recorded: the recording of every word is not this test's
SKIP = [r for r in ROLES if r not in SPOKEN]

WORDS = ["whale", "sea", "ship", "captain", "harpoon", "ocean", "deck", "mast", "sail", "wind", "wave", "storm", "island", "harbour", "sailor", "crew", "boat", "oar", "rope", "anchor", "voyage", "morning", "evening", "night", "sun", "moon", "star", "cloud", "rain", "fog", "shore", "sand", "rock", "cliff", "bird", "gull", "fish", "dark", "light", "old", "young", "strange", "silent", "quiet", "loud", "long", "short", "deep", "broad", "narrow", "cold", "warm", "grey", "white", "black", "blue", "green", "golden", "heavy", "walked", "looked", "spoke", "heard", "saw", "thought", "remembered", "watched", "waited", "climbed", "pulled", "lifted", "carried", "followed", "turned", "slowly", "quickly", "softly", "again", "always", "never", "often", "once", "soon", "before", "after", "above", "below", "beyond", "across", "through", "toward"]
HTML_TITLE = "Moby-Dick; or, The Whale"


def saved_web_page(words: int = 150_000, chapters: int = 100, seed: int = 77) -> bytes:
    """A saved web page of `words` words of varied sentences under `chapters` <h2> chapters."""
    rng = random.Random(seed)
    out = [f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(HTML_TITLE)}</title>'
           "</head><body><main><h1>Moby-Dick</h1>"]
    for c in range(chapters):
        out.append(f"<h2>Chapter {c + 1}. The {rng.choice(WORDS).title()} and the {rng.choice(WORDS).title()}</h2>")
        written = 0
        while written < words // chapters:
            sentences = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 16))).capitalize() + "."
                         for _ in range(rng.randint(3, 7))]
            written += sum(len(s.split()) for s in sentences)
            out.append(f"<p>{' '.join(sentences)}</p>")
    out.append("</main></body></html>")
    return "\n".join(out).encode()


NOUNS = ["Anchor", "Breeze", "Cabin", "Dolphin", "Ember", "Falcon", "Glacier", "Harbour", "Island", "Juniper"]


def text_layer_pdf(pages: int = 90, every: int = 6) -> bytes:
    """`pages` pages with a text layer: a chapter's title (28 pt) every `every` pages, a line on each."""
    contents = []
    for n in range(pages):
        title = (b"BT /F1 28 Tf 72 700 Td (Chapter %d %s) Tj ET " % (n // every + 1, NOUNS[(n // every) % 10].encode())
                 if n % every == 0 else b"")
        contents.append(title + b"BT /F1 12 Tf 72 650 Td (Page %d tells of the tide and the shore.) Tj ET" % (n + 1))
    return docs.content_pdf(contents)


def scan_pdf(pages: int = 55) -> bytes:
    """`pages` pictures of pages, no text layer (read by OCR)."""
    return docs.scanned_pdf([images.text_image([f"PAGE {n + 1} OF THE SHIP LOG", "THE SEA WAS CALM"],
                                               size=40, width=700).image for n in range(pages)])


@pytest.fixture(scope="module")
def slow_stack(tmp_path_factory):
    """One worker process for every shard (PAGEVOICE_LOCAL_WORKERS=1): a book is made a shard at a
    time, so it is seen processing. Headings by the rules alone (PAGEVOICE_LAYOUT_ENGINE=none: the
    detector's model loaded by the worker is not this test's)."""
    with own_stack(tmp_path_factory, "book-while-read", {"PAGEVOICE_LOCAL_WORKERS": "1",
                                                         "PAGEVOICE_LAYOUT_ENGINE": "none"}) as s:
        yield s


@pytest.fixture(scope="module")
def reader(slow_stack):
    user = new_user()
    api_register(slow_stack, user)
    r = requests.post(f"{slow_stack.api_url}/auth/login", json={"email": user["email"], "password": user["password"]},
                      timeout=30)
    assert r.status_code == 200, r.text
    return user, {"Authorization": f"Bearer {r.json()['token']}"}



def first_page(job: dict) -> tuple[int, str] | None:
    """(index, first words) of the book's first page with text, as the API holds it now (None
    before one is read). A result too large to travel inline: its first pages file."""
    if job.get("result") is not None:
        pages = job["result"].get("pages") or []
    else:
        parts = job.get("result_parts")
        if not parts:
            return None
        listed = next(p for p in parts["index"]["parts"] if p["path"] == ["pages"])
        if not listed["files"]:
            return None
        pages = requests.get(parts["urls"][listed["files"][0]["name"]], timeout=30).json()
    for n, page in enumerate(pages):
        words = (page or {}).get("text", "").split()
        if words:
            return n, " ".join(words[:8])
    return None


def chapters_of(job: dict) -> list[str]:
    return [c["title"] for c in head_of(job).get("chapters") or []]


def api_has(stack, headers, job_id: str, what) -> dict:
    """GET /jobs/{id} until `what(job)` holds (or the job has ended): the answer."""
    deadline = time.monotonic() + LONG / 1000
    while True:
        job = get_job(stack, headers, job_id)
        if what(job) or job["status"] in ("done", "failed") or time.monotonic() > deadline:
            assert job["status"] != "failed", job.get("error")
            return job
        time.sleep(0.5)


WATCH = """(() => {
    // Every title and heading the page shows, and every text its live regions are given, from
    // the document's start (an init script) or from now (evaluated): once per document.
    if (window.__titles) return;
    window.__titles = new Set();
    window.__said = {status: [], window: []};
    const look = () => {
        window.__titles.add(document.title);
        const h1 = document.querySelector('#job-title');
        if (h1) window.__titles.add(h1.textContent);
        for (const [key, sel] of [['status', '#job-status'], ['window', '#book-window-text']]) {
            const el = document.querySelector(sel);
            const said = window.__said[key];
            if (el && el.textContent && said[said.length - 1]?.text !== el.textContent) {
                said.push({text: el.textContent, at: performance.now(),
                           status: document.querySelector('#job-status')?.dataset.status});
            }
        }
    };
    new MutationObserver(look).observe(document, {subtree: true, childList: true, characterData: true});
    look();
})()"""

CHAPTERS_SHOWN = """titles => {
    const shown = new Set([...document.querySelectorAll('#chapters [data-testid=chapter] .chapter-title')]
        .map(t => t.textContent));
    return titles.every(t => shown.has(t));
}"""


PAGE_WORDS = """([n, words]) => [...document.querySelectorAll(
    `#result-text .text-page[data-page-index='${n}'] [data-testid=text-word]`)].map(w => w.textContent).join(' ')"""


def open_while_made(page, stack, user, headers, job_id: str, title: str) -> dict:
    """The book's page opened once the API has its text and asserted against that answer: the
    title, the first page's words and every chapter listed. The API's answer."""
    job = api_has(stack, headers, job_id, lambda j: first_page(j) is not None)
    page.add_init_script(WATCH)
    login_ui(page, stack, user)
    page.goto(url(stack, f"#/jobs/{job_id}"))
    page.evaluate(WATCH)  # (a change of the hash alone keeps the document: watched since the sign-in)
    print(f"{title}: opened while {job['status']}, {head_of(job)['document'].get('read')} of "
          f"{head_of(job)['document'].get('pages')} pages read, {len(chapters_of(job))} chapters listed")
    page.wait_for_function("t => document.title === t + ' · PageVoice'"
                           " && document.querySelector('#job-title').textContent === t", arg=title, timeout=LONG)
    n, words = first_page(job)
    # The page's words as the text shows them (each a word of the read-along; a block not spoken
    # is labelled so for screen readers, which its words are not).
    page.wait_for_function(PAGE_WORDS + ".includes(words)", arg=[n, words], timeout=LONG)
    titles = chapters_of(job)
    page.wait_for_function(CHAPTERS_SHOWN, arg=titles, timeout=LONG)
    return job


def later_chapters_appear(page, stack, headers, job_id: str, before: list[str]) -> list[str]:
    """Chapters the API lists after those `before` (asked until there are more, or the book is
    whole) shown on the page without a reload; the API's list."""
    def more(j: dict) -> bool:
        document = head_of(j).get("document") or {}
        return len(chapters_of(j)) > len(before) or document.get("read", 0) >= document.get("pages", 1)

    job = api_has(stack, headers, job_id, more)
    titles = chapters_of(job)
    page.wait_for_function(CHAPTERS_SHOWN, arg=titles, timeout=LONG)
    print(f"  then {len(titles)} chapters listed ({job['status']}) and shown")
    return titles


def assert_quiet_and_never_photo(page, total_pages: int, flow: bool) -> None:
    titles = page.evaluate("[...window.__titles]")
    assert not [t for t in titles if "Photo" in t], titles
    said = page.evaluate("window.__said")
    # The window's live status names the whole book, not the pages read so far.
    what = "Sections" if flow else "Pages"
    for entry in said["window"]:
        text = entry["text"]
        assert (text in (f"No {what.lower()} read yet.",) or text.endswith(f" of {total_pages:,} shown.")
                or text.startswith("Loading")), said["window"]
    # A book's numbers are said at most every 30 s, at once when its step changes (it can be
    # listened to, every page is read): never with every page read.
    progress = [e for e in said["status"] if e["status"] == "processing" and " pages read" in e["text"]]
    steps = {(("You can listen now" in e["text"]), e["text"].startswith(f"{total_pages:,} of ")) for e in progress}
    if len(progress) > 1:
        span = (progress[-1]["at"] - progress[0]["at"]) / 1000
        assert len(progress) <= len(steps) + span / 25 + 1, [e["text"] for e in progress]


def test_a_saved_web_page_is_shown_while_it_is_made(page, slow_stack, reader, shoot):
    user, headers = reader
    job_id = upload(slow_stack, headers, "moby-dick.html", saved_web_page(), "text/html", skip=SKIP)
    job = open_while_made(page, slow_stack, user, headers, job_id, HTML_TITLE)
    assert head_of(job)["document"]["title"] == HTML_TITLE
    assert page.inner_text("#job-file") == "File: moby-dick.html"
    assert page.locator("#result-image").is_hidden()  # a document without pages: no picture of it
    shoot(page, "book-while-read-html")
    assert at_both_widths(page) == {}
    later_chapters_appear(page, slow_stack, headers, job_id, chapters_of(job))
    assert_quiet_and_never_photo(page, head_of(job)["document"]["pages"], flow=True)


def test_a_pdf_with_a_text_layer_is_shown_while_it_is_made(page, slow_stack, reader, shoot):
    user, headers = reader
    job_id = upload(slow_stack, headers, "ledger.pdf", text_layer_pdf(), "application/pdf", skip=SKIP)
    job = open_while_made(page, slow_stack, user, headers, job_id, "ledger.pdf")
    assert page.inner_text("#image-title") == "Pages"
    assert page.locator("#job-error").is_hidden(), page.inner_text("#job-error")
    shoot(page, "book-while-read-pdf")
    assert at_both_widths(page) == {}
    titles = later_chapters_appear(page, slow_stack, headers, job_id, chapters_of(job))
    assert titles[0] == "Chapter 1 Anchor"
    assert page.locator("#job-error").is_hidden(), page.inner_text("#job-error")
    assert_quiet_and_never_photo(page, 90, flow=False)


def test_a_scan_is_shown_while_it_is_made(page, slow_stack, reader, shoot):
    user, headers = reader
    job_id = upload(slow_stack, headers, "ship-log.pdf", scan_pdf(), "application/pdf", skip=SKIP)
    job = open_while_made(page, slow_stack, user, headers, job_id, "ship-log.pdf")
    assert page.inner_text("#image-title") == "Pages"
    # Its page's picture is shown (read by OCR: its words are boxes over it).
    page.wait_for_function("() => { const i = document.querySelector('#result-image');"
                           " return i && i.complete && i.naturalWidth > 0; }", timeout=LONG)
    assert re.fullmatch(r"Page \d+ of [\d,]+, ship-log\.pdf", page.get_attribute("#result-image", "alt") or "")
    assert page.locator("#job-error").is_hidden(), page.inner_text("#job-error")
    assert at_both_widths(page) == {}
    later_chapters_appear(page, slow_stack, headers, job_id, chapters_of(job))
    assert_quiet_and_never_photo(page, 55, flow=False)
