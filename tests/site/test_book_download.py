"""Download as a book (issue 41), in a real Chromium: the result view of a finished page offers
"EPUB 3 book (text and audio in step)", "MP3 with chapters", the M4B and "Chapters as separate
MP3 files (ZIP)" (a whole book read by many workers: those made of its parts); pressing one asks
GET /jobs/{id}/export, says the progress of the 202s in a polite live region with the button
busy, and on the 200 opens the presigned URL as a download.

The end-to-end test uploads a real photo to the real local stack and downloads the real EPUB
the worker makes. The wait's details (the progress said in steps, "Stop waiting", a refusal
shown as an alert, the keyboard's path) are tested on a hand-made job (tests/site/fakejob.py)
whose export answers the test holds at 202 for as long as it needs: the real worker makes a
small book too fast to stop on cue.
"""
from __future__ import annotations

import json
import re
import zipfile

import pytest

from tests.site.axe import at_both_widths
from tests.site.fakejob import cors_headers, make_job
from tests.site.test_listening import open_job, sign_in
from tests.site.test_site import api_register, login_ui, new_user, upload_and_wait

pytestmark = pytest.mark.timeout(900)

BOOK_TIMEOUT_MS = 300_000  # the worker makes the book after the page: OCR, voice, then the EPUB

# Every text the status line shows, and the EPUB button's busy state each time, kept as they come
# (a state may last less than a poll of the test).
WATCH_STATUS = """() => {
    window.__book = [];
    const status = document.querySelector('#book-status');
    new MutationObserver(() => window.__book.push([status.textContent,
        document.querySelector('#book-epub').getAttribute('aria-busy')]))
        .observe(status, {childList: true, characterData: true, subtree: true});
}"""

SIGN = ["RIVERSIDE LIBRARY", "OPEN LATE ON THURSDAYS", "RETURN BOOKS AT THE DESK"]


def assert_epub(path) -> None:
    """An EPUB's container: a zip whose first entry is `mimetype`, stored, saying application/epub+zip."""
    with zipfile.ZipFile(path) as z:
        first = z.infolist()[0]
        assert first.filename == "mimetype", z.namelist()[:5]
        assert first.compress_type == zipfile.ZIP_STORED
        assert z.read("mimetype") == b"application/epub+zip"
        assert "META-INF/container.xml" in z.namelist()


def test_an_epub_book_downloads_from_the_result_view(page, stack, tmp_path, shoot):
    from tests import images
    photo = tmp_path / "library-sign.jpg"
    photo.write_bytes(images.encode(images.text_image(SIGN, size=52, width=1100).image, "JPEG", quality=90))
    user = new_user()
    api_register(stack, user)
    login_ui(page, stack, user)
    upload_and_wait(page, photo)
    page.wait_for_selector("#book-panel:not([hidden])")
    assert page.inner_text("#book-title") == "Download as a book"
    assert page.inner_text("#book-epub") == "EPUB 3 book (text and audio in step)"
    assert page.inner_text("#book-mp3") == "MP3 with chapters"
    assert at_both_widths(page) == {}

    page.evaluate(WATCH_STATUS)
    with page.expect_download(timeout=BOOK_TIMEOUT_MS) as download:
        page.click("#book-epub")
    said = page.evaluate("window.__book")
    making = [s for s in said if re.fullmatch(r"Making your book…( \d0{0,2}%)?|Your book is waiting to be made…", s[0])]
    assert making, said  # the 202s were said...
    assert all(busy == "true" for _, busy in making), said  # ...with the button busy
    assert said[-1][0] == "Your book is ready. The download has started.", said
    got = download.value
    assert got.suggested_filename.endswith(".epub"), got.suggested_filename
    saved = tmp_path / got.suggested_filename
    got.save_as(saved)
    assert_epub(saved)
    assert page.get_attribute("#book-epub", "aria-busy") == "false"
    assert not page.is_disabled("#book-epub")
    assert page.get_attribute("#book-link", "href").startswith("http")
    assert page.evaluate("location.hash").startswith("#/jobs/")  # the page stayed where it was
    assert at_both_widths(page) == {}
    shoot(page, "book-ready")


# ---- the wait, on a hand-made job --------------------------------------------------------------

class Export:
    """GET /jobs/{id}/export answered by the test: `answers` in turn (status, body), the last
    one repeated."""

    def __init__(self, page, stack, fake, answers):
        self.answers = list(answers)
        self.asked = []
        cors = cors_headers(stack.site_url, "GET,OPTIONS")

        def handle(route):
            if route.request.method == "OPTIONS":
                route.fulfill(status=200, headers=cors, body="")
                return
            self.asked.append(route.request.url.rsplit("=", 1)[-1])
            status, body = self.answers[0] if len(self.answers) == 1 else self.answers.pop(0)
            route.fulfill(status=status, headers={**cors, "Content-Type": "application/json"}, body=json.dumps(body))

        page.route(re.compile(rf".*/jobs/{re.escape(fake.job_id)}/export\?format=[a-z0-9]+$"), handle)


def book_url(stack, data: bytes, name: str, content_type: str) -> str:
    """A file in the local stack's bucket behind a presigned GET that names it for download (as
    the API's export answers)."""
    from chalicelib import settings
    s3 = stack.aws_client("s3")
    bucket, key = settings.get().aws.bucket, f"site-tests/books/{name}"
    s3.put_object(Bucket=bucket, Key=key, Body=data, ContentType=content_type)
    return s3.generate_presigned_url("get_object", ExpiresIn=900, Params={
        "Bucket": bucket, "Key": key, "ResponseContentDisposition": f'attachment; filename="{name}"'})


def test_the_wait_is_said_can_be_stopped_and_a_refusal_is_an_alert(page, stack, shoot):
    sign_in(page, stack)
    fake = make_job(stack, [["Quiet pages", "Read aloud"]], filename="quiet-pages.png")
    export = Export(page, stack, fake, [(202, {"format": "epub", "status": "queued", "progress": 0}),
                                        (202, {"format": "epub", "status": "building", "progress": 0.42})])
    open_job(page, stack, fake)
    page.wait_for_selector("#book-panel:not([hidden])")
    assert page.get_attribute("#book-status", "role") == "status"
    assert page.get_attribute("#book-status", "aria-live") == "polite"

    # By keyboard: Enter on the EPUB option; the wait is said, the button busy, the focus on "Stop waiting".
    page.focus("#book-epub")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#book-status').textContent === 'Making your book… 40%'")
    assert export.asked[:2] == ["epub", "epub"]
    assert page.get_attribute("#book-epub", "aria-busy") == "true"
    assert page.is_disabled("#book-epub") and page.is_disabled("#book-mp3")
    assert page.inner_text("#book-epub") == "Making…"
    assert page.evaluate("document.activeElement.id") == "book-cancel"
    assert page.evaluate("document.querySelector('#book-progress').value") == pytest.approx(0.42)
    assert at_both_widths(page) == {}
    shoot(page, "book-making")

    # Stopped: said, no more asking, the option back with the focus on it.
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#book-status').textContent.startsWith('Stopped waiting.')")
    assert page.is_hidden("#book-progress-wrap")
    assert page.get_attribute("#book-epub", "aria-busy") == "false"
    assert page.inner_text("#book-epub") == "EPUB 3 book (text and audio in step)"
    assert page.evaluate("document.activeElement.id") == "book-epub"
    asked = len(export.asked)
    page.wait_for_timeout(2500)
    assert len(export.asked) == asked

    # A refusal: the server's sentence in an alert, the option usable again.
    export.answers = [(400, {"error": "no_recording", "message": "This file has no recording to make a book from."})]
    page.click("#book-mp3")
    page.wait_for_selector("#book-error:not([hidden])")
    assert page.get_attribute("#book-error", "role") == "alert"
    assert page.inner_text("#book-error") == "This file has no recording to make a book from."
    assert export.asked[-1] == "mp3"
    assert not page.is_disabled("#book-mp3")
    assert at_both_widths(page) == {}

    # Then made: a 202, a 200, and the download starts (the page stays), with a link to it as well.
    url = book_url(stack, b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x00" * 64, "quiet-pages.mp3", "audio/mpeg")
    export.answers = [(202, {"progress": {"done": 1, "total": 2}}), (200, {"url": url})]
    with page.expect_download() as download:
        page.click("#book-mp3")
    assert download.value.suggested_filename == "quiet-pages.mp3"
    assert page.is_hidden("#book-error")
    page.wait_for_selector("#book-ready:not([hidden])")
    assert page.inner_text("#book-link") == "Download the MP3 with chapters"
    assert page.inner_text("#book-status") == "Your MP3 is ready. The download has started."
    assert page.evaluate("location.hash") == f"#/jobs/{fake.job_id}"

    # Which apps play them, in the panel.
    page.click("#book-panel details summary")
    apps = page.inner_text("#book-panel details")
    for name in ("Apple Books", "Thorium Reader", "read-along", "Podcast and audiobook players"):
        assert name in apps


def test_what_did_not_fit_in_the_book_is_said_beside_its_link(page, stack, shoot):
    """The 200's `left_out` (what the format's bounds cut: GET /jobs/{id}/export) shown with the
    book's link, where a person decides to keep it or take the other format; a book with nothing
    left out shows no note."""
    sign_in(page, stack)
    fake = make_job(stack, [["Long report", "Part one"]], filename="long-report.png")
    cut = [{"what": "chapters", "count": 45, "limit": 255,
            "message": "45 of the 300 headings are not chapters: an MP3 lists at most 255 chapters."}]
    url = book_url(stack, b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x00" * 64, "long-report.mp3", "audio/mpeg")
    export = Export(page, stack, fake, [(200, {"url": url, "format": "mp3", "size": 74, "left_out": cut})])
    open_job(page, stack, fake)
    page.wait_for_selector("#book-panel:not([hidden])")
    with page.expect_download():
        page.click("#book-mp3")
    page.wait_for_selector("#book-ready:not([hidden])")
    assert page.inner_text("#book-status") == \
        "Your MP3 is ready. The download has started. The note below the link says what did not fit."
    note = page.locator('[data-testid="book-left-out"]')
    assert note.is_visible() and note.inner_text() == \
        "Not all of it fits: 45 of the 300 headings are not chapters: an MP3 lists at most 255 chapters."
    assert at_both_widths(page) == {}
    shoot(page, "book-left-out")

    export.answers = [(200, {"url": url, "format": "epub", "size": 74, "left_out": []})]
    with page.expect_download():
        page.click("#book-epub")
    page.wait_for_function("() => document.querySelector('#book-status').textContent === "
                           "'Your book is ready. The download has started.'")
    assert not page.locator('[data-testid="book-left-out"]').is_visible()


def test_the_book_is_offered_only_for_a_finished_page_with_a_recording(page, stack):
    sign_in(page, stack)
    fake = make_job(stack, [["Nothing said yet"]], filename="unsaid.png")
    fake.edit = lambda answer: {**answer, "audio_url": None}  # done, without a recording
    open_job(page, stack, fake)
    page.wait_for_selector('#job-status[data-status="done"]')
    assert page.is_hidden("#book-panel")

    fake.edit = None
    fake.status, fake.shown_parts = "processing", 1  # the recording still being made
    page.reload()
    page.wait_for_selector('#job-status[data-status="processing"]')
    assert page.is_hidden("#book-panel")
    fake.status = "done"
    page.wait_for_selector('#job-status[data-status="done"]')
    page.wait_for_selector("#book-panel:not([hidden])")


def test_a_whole_book_offers_every_format_and_its_chapters_download_as_a_zip(page, stack, shoot):
    """A finished book read by many workers (its summary says `book`; its recording is its parts,
    no speech.wav): every format is offered (each made of its parts); the ZIP of chapters
    downloads named after the file."""
    import io

    sign_in(page, stack)
    fake = make_job(stack, [["Harbour book", "Chapter one"]], filename="harbour-book.png")
    fake.edit = lambda answer: {**answer, "audio_url": None, "summary": {"pages": 60, "characters": 90_000, "book": True}}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("01 Harbour book.mp3", b"ID3\x03\x00\x00\x00\x00\x00\x00")
    url = book_url(stack, buffer.getvalue(), "harbour-book-chapters.zip", "application/zip")
    export = Export(page, stack, fake, [(202, {"format": "chapters", "status": "building", "progress": 0.5}),
                                        (200, {"url": url, "format": "chapters", "size": 10, "left_out": []})])
    open_job(page, stack, fake)
    page.wait_for_selector("#book-panel:not([hidden])")
    shown = page.eval_on_selector_all(".book-formats button:not([hidden])", "bs => bs.map((b) => b.textContent)")
    assert shown == ["EPUB 3 book (text and audio in step)", "MP3 with chapters", "M4B audiobook with chapters",
                     "Chapters as separate MP3 files (ZIP)"]
    assert at_both_widths(page) == {}
    with page.expect_download() as download:
        page.click("#book-chapters")
    assert download.value.suggested_filename == "harbour-book-chapters.zip"
    page.wait_for_selector("#book-ready:not([hidden])")
    assert page.inner_text("#book-link") == "Download the chapters (ZIP)"
    assert page.inner_text("#book-status") == "Your ZIP of chapters is ready. The download has started."
    assert export.asked == ["chapters", "chapters"]
    page.click("#book-panel details summary")
    assert "one MP3 per chapter" in page.inner_text("#book-panel details")
    assert at_both_widths(page) == {}
    shoot(page, "book-chapters")
