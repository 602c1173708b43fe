"""Documents (issue "Documents"), in a real Chromium: a PDF of several pages, and several photos
picked at once made into one PDF in the browser, each read page by page and heard with the shown
page following the spoken word. Through the real local stack; the progress and left-out-pages
messages with a hand-made answer (tests/site/fakejob.py).
"""
from __future__ import annotations

import io
import json
import re

import pytest
import requests

from tests import images
from tests.site.fakejob import Store, make_job
from tests.site.test_site import (
    RESULT_TIMEOUT_MS,
    api_register,
    fetch_job,
    login_ui,
    new_user,
    token_of,
    url,
    wait_view,
)

pytestmark = pytest.mark.timeout(600)

PAGES = [["Harbour lights at dawn"], ["Orchard apples in autumn"], ["Mountain rivers run cold"]]


def sign_in(page, stack) -> None:
    user = new_user()
    api_register(stack, user)
    login_ui(page, stack, user)
    # (login_ui waits for the kinds: files set before, the picker refused them one by one.)
    assert page.locator("#upload-input[multiple]").count() == 1


def shown_page(page) -> str | None:
    return page.get_attribute('#page-list [aria-current="page"]', "data-page-index")


def pdf_of_pages(context, path) -> None:
    """A PDF with a text layer, one page per entry of PAGES, printed by Chromium."""
    html = "".join(
        f"<section style='page-break-after: always; font: 30px DejaVu Sans, sans-serif'><p>{' '.join(lines)}</p></section>"
        for lines in PAGES)
    maker = context.new_page()
    maker.set_content(f"<html><body style='margin: 40px'>{html}</body></html>")
    maker.pdf(path=str(path), width="15cm", height="10cm")
    maker.close()


def test_a_three_page_pdf_is_read_moved_through_and_heard(page, stack, tmp_path, shoot):
    sign_in(page, stack)
    pdf = tmp_path / "three-pages.pdf"
    pdf_of_pages(page.context, pdf)
    page.set_input_files("#upload-input", str(pdf))
    page.wait_for_url(re.compile(r"#/jobs/[^/]+$"), timeout=60_000)
    page.wait_for_selector('#job-status[data-status="done"]', timeout=RESULT_TIMEOUT_MS)
    job = fetch_job(stack, token_of(page), page.url.rsplit("/", 1)[-1])
    result = job["result"]
    assert [p["image"] for p in result["pages"]] == ["page-001.jpg", "page-002.jpg", "page-003.jpg"]
    assert page.inner_text("#job-status").startswith("Done:") and "on 3 pages" in page.inner_text("#job-status")

    # The text of every page under its heading, in order.
    headings = page.eval_on_selector_all("#result-text .text-page-title", "els => els.map(e => e.textContent)")
    assert headings == ["Page 1", "Page 2", "Page 3"]
    for i, lines in enumerate(PAGES):
        section = page.inner_text(f'#result-text .text-page[data-page-index="{i}"]')
        for word in " ".join(lines).split():
            assert word in section, (word, section)

    # Page 1 shown; its image, its boxes.
    nav = page.locator("#page-nav")
    assert nav.is_visible() and nav.get_attribute("aria-label") == "Pages"
    assert page.locator('#page-list [data-testid="page-button"]').count() == 3
    assert shown_page(page) == "0" and page.inner_text("#page-label") == "Page 1 of 3"
    assert "page-001.jpg" in page.get_attribute("#result-image", "src")
    assert page.is_disabled("#page-prev")
    labels = " ".join(b.get_attribute("aria-label") for b in page.locator('#overlay [data-testid="word-box"]').all())
    assert "Harbour" in labels and "Orchard" not in labels

    # Next page: page 2, its image and boxes; aria-current moves.
    page.click("#page-next")
    assert shown_page(page) == "1" and page.inner_text("#page-label") == "Page 2 of 3"
    assert "page-002.jpg" in page.get_attribute("#result-image", "src")
    page.wait_for_function("() => document.querySelector('#result-image').complete && document.querySelector('#result-image').naturalWidth > 0")
    labels = " ".join(b.get_attribute("aria-label") for b in page.locator('#overlay [data-testid="word-box"]').all())
    assert "Orchard" in labels and "Harbour" not in labels
    assert page.locator('#page-list [aria-current="page"]').count() == 1

    # By keyboard: the page buttons are one tab stop; arrows move; Enter shows the page.
    page.locator('#page-list [aria-current="page"]').focus()
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.dataset.pageIndex") == "2"
    page.keyboard.press("Enter")
    assert shown_page(page) == "2" and page.is_disabled("#page-next")
    page.focus("#page-prev")
    page.keyboard.press("Enter")
    assert shown_page(page) == "1"
    page.click('#page-list [data-page-index="0"]')
    assert shown_page(page) == "0"
    shoot(page, "document-pages")

    # Heard: playing from page 1's first word goes on across pages, and the shown page follows.
    page.select_option("#player-speed", "2")
    page.click('#result-text .text-page[data-page-index="0"] [data-testid="text-word"]')
    for target in ("1", "2"):
        page.wait_for_function(
            "p => document.querySelector('#result-text [aria-current=\"true\"]')?.dataset.pageIndex === p",
            arg=target, timeout=30_000)
        page.wait_for_function("p => document.querySelector('#page-list [aria-current=\"page\"]')?.dataset.pageIndex === p",
                               arg=target, timeout=5_000)
        assert f"page-00{int(target) + 1}.jpg" in page.get_attribute("#result-image", "src")
        lit_box = page.locator('#overlay [aria-current="true"]')
        if lit_box.count():  # (the next word may be between frames)
            assert lit_box.get_attribute("data-page-index") == target
    page.click("#play-button")
    page.select_option("#player-speed", "1")
    shoot(page, "document-heard")


def test_several_photos_become_one_pdf_in_the_order_chosen(page, stack, tmp_path, shoot):
    import pypdfium2 as pdfium
    sign_in(page, stack)
    drawn = {
        "first-page.png": images.text_image(["FIRST PAGE HERE"], size=44, width=700),
        "second-page.jpg": images.text_image(["SECOND PAGE NOW"], size=44, width=800),
        "third-page.webp": images.text_image(["THIRD PAGE LAST"], size=44, width=900),
    }
    files = {
        "first-page.png": images.encode(drawn["first-page.png"].image, "PNG"),
        # Stored sideways with EXIF orientation 6, as phones do: the page must come out upright.
        "second-page.jpg": images.exif_rotated_jpeg(drawn["second-page.jpg"]),
        "third-page.webp": images.encode(drawn["third-page.webp"].image, "WEBP", quality=90),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    asked = []
    page.on("request", lambda r: r.url.endswith("/uploads") and r.method == "POST" and asked.append(json.loads(r.post_data)))

    # Picked in this order: third, first, second.
    chosen = ["third-page.webp", "first-page.png", "second-page.jpg"]
    page.set_input_files("#upload-input", [str(tmp_path / n) for n in chosen])
    page.wait_for_selector("#pack:not([hidden])")
    assert page.evaluate("document.activeElement.id") == "pack-title"
    names = lambda: page.eval_on_selector_all('[data-testid="pack-item"]', "els => els.map(e => e.dataset.name)")  # noqa: E731
    assert names() == chosen
    assert page.inner_text("#pack-upload") == "Upload 3 pages as one document"
    # Reordered by keyboard: the third page moves down twice (focus stays on its button).
    page.locator('[data-name="third-page.webp"] [data-action="down"]').focus()
    page.keyboard.press("Enter")
    assert names() == ["first-page.png", "third-page.webp", "second-page.jpg"]
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Move down: third-page.webp"
    page.keyboard.press("Enter")
    assert names() == ["first-page.png", "second-page.jpg", "third-page.webp"]
    page.wait_for_function("() => /third-page.webp is now page 3 of 3/.test(document.querySelector('#announcer').textContent)")
    shoot(page, "document-pack")
    page.click("#pack-upload")
    page.wait_for_url(re.compile(r"#/jobs/[^/]+$"), timeout=60_000)
    assert len(asked) == 1 and asked[0]["content_type"] == "application/pdf"
    assert asked[0]["filename"] == "first-page (3 pages).pdf"
    page.wait_for_selector('#job-status[data-status="done"]', timeout=RESULT_TIMEOUT_MS)

    # The uploaded file: one PDF, a page per photo in the order chosen, each the photo's size
    # (at the 200 dpi the worker renders at), the rotated photo upright.
    job = fetch_job(stack, token_of(page), page.url.rsplit("/", 1)[-1])
    source = requests.get(job["image_url"], timeout=30).content
    assert source.startswith(b"%PDF-")
    doc = pdfium.PdfDocument(io.BytesIO(source))
    assert len(doc) == 3
    for i, name in enumerate(["first-page.png", "second-page.jpg", "third-page.webp"]):
        w, h = doc[i].get_size()
        img = drawn[name].image
        assert (w, h) == pytest.approx((img.width * 72 / 200, img.height * 72 / 200), abs=0.6), (name, w, h)
    # And read in that order.
    assert len(job["result"]["pages"]) == 3
    for i, word in enumerate(["FIRST", "SECOND", "THIRD"]):
        assert word in job["result"]["pages"][i]["text"].upper(), job["result"]["pages"][i]["text"]
        assert word in page.inner_text(f'#result-text .text-page[data-page-index="{i}"]').upper()


def test_a_heic_photo_cannot_join_a_document(page, stack, tmp_path):
    import pillow_heif
    sign_in(page, stack)
    heic = tmp_path / "IMG_0042.HEIC"
    pillow_heif.from_pillow(images.text_image(["HELLO"]).image).save(str(heic), quality=80)
    png = tmp_path / "page.png"
    png.write_bytes(images.encode(images.text_image(["PAGE"]).image, "PNG"))
    asked = []
    page.on("request", lambda r: r.url.endswith("/uploads") and asked.append(r.url))
    page.set_input_files("#upload-input", [str(png), str(heic)])
    error = page.locator("#upload-error")
    error.wait_for(state="visible")
    assert "“IMG_0042.HEIC” is a HEIC photo, which this browser cannot put into a document" in error.inner_text()
    assert page.is_hidden("#pack") and asked == []


def test_pages_read_so_far_and_pages_left_out_are_said(page, stack, shoot):
    sign_in(page, stack)
    fake = make_job(stack, PAGES, filename="long-report.pdf", document=True)
    read = {"pages": 1}

    def reading(answer):
        result = answer["result"]
        n = read["pages"]
        if answer["status"] == "processing":
            result["pages"] = result["pages"][:n]
            result["text"] = "\n\n".join(p["text"] for p in result["pages"])
            result["document"] = {"pages_in_file": 80, "pages": 3, "read": n, "complete": False}
            if n < 3:
                result["speech"] = {**result["speech"], "parts": [], "words": []}
                answer["outputs"] = {k: v for k, v in answer["outputs"].items() if not k.startswith("speech")}
        else:
            result["document"] = {"pages_in_file": 80, "pages": 3, "read": 3, "complete": False, "reason": "pages"}
        return answer

    fake.edit = reading
    fake.status, fake.shown_parts = "processing", 0
    page.evaluate("""() => { window.__said = [];
        new MutationObserver(() => window.__said.push(document.querySelector('#announcer').textContent))
          .observe(document.querySelector('#announcer'), {childList: true, characterData: true, subtree: true}); }""")
    fake.serve(page, stack.site_url)
    statuses = []
    page.goto(url(stack, f"#/jobs/{fake.job_id}"))
    wait_view(page, "job")
    page.wait_for_function("() => /Page 1 of 3 read/.test(document.querySelector('#job-status').textContent)")
    statuses.append(page.inner_text("#job-status"))
    assert page.get_attribute("#job-status", "aria-live") == "polite"
    assert page.inner_text("#page-label") == "Page 1 of 1 (2 more being read)"
    read["pages"] = 2
    page.wait_for_function("() => /Page 2 of 3 read/.test(document.querySelector('#job-status').textContent)")
    assert page.locator('#page-list [data-testid="page-button"]').count() == 2
    read["pages"] = 3
    fake.shown_parts = 1
    page.wait_for_function("() => /All 3 pages read/.test(document.querySelector('#job-status').textContent)")
    fake.status, fake.shown_parts = "done", None
    page.wait_for_selector('#job-status[data-status="done"]')
    note = page.locator("#document-note")
    expected = "This document has 80 pages; PageVoice read the first 3 pages. The pages after that were left out."
    assert note.inner_text() == expected
    page.wait_for_function("t => window.__said.includes(t)", arg=expected)
    assert page.locator('#page-list [data-testid="page-button"]').count() == 3
    shoot(page, "document-left-out")


def test_a_result_too_large_to_travel_inline_is_read_from_its_url(page, stack, shoot):
    """GET /jobs/{id} leaves out a result larger than PAGEVOICE_INLINE_RESULT_BYTES (a long
    document's: a Lambda answers at most 6 MB) and gives `result_url`: the page reads the result
    from there, a presigned GET of the local stack's bucket, across origins (its CORS rules)."""
    sign_in(page, stack)
    fake = make_job(stack, PAGES, filename="long-report.pdf", document=True)
    store, put = Store(stack), {}

    def too_large(answer):
        if "url" not in put:
            put["url"] = store.put("result.json", json.dumps(answer["result"]).encode(), "application/json")
        return {**answer, "result": None, "result_url": put["url"]}

    fake.edit = too_large
    fake.serve(page, stack.site_url)
    page.goto(url(stack, f"#/jobs/{fake.job_id}"))
    wait_view(page, "job")
    page.wait_for_selector('#job-status[data-status="done"]', timeout=30_000)
    assert "on 3 pages" in page.inner_text("#job-status")
    for i, lines in enumerate(PAGES):
        section = page.inner_text(f'#result-text .text-page[data-page-index="{i}"]')
        assert all(word in section for word in " ".join(lines).split()), section
    assert page.locator('#overlay [data-testid="word-box"]').count() > 0
    shoot(page, "document-large-result")


def test_a_large_result_still_being_made_is_polled_every_ten_seconds(page, stack):
    """While a long document is read and recorded, the page polls each second; a result read from
    `result_url` is megabytes each time, so then it waits 10 s between reads."""
    sign_in(page, stack)
    fake = make_job(stack, PAGES, filename="long-report.pdf", document=True)
    fake.status, fake.shown_parts = "processing", 1
    store, reads = Store(stack), []
    page.on("request", lambda r: reads.append(r.url) if "result.json" in r.url and r.method == "GET" else None)

    def too_large(answer):
        url_ = store.put("result.json", json.dumps(answer["result"]).encode(), "application/json")
        return {**answer, "result": None, "result_url": url_}

    fake.edit = too_large
    fake.serve(page, stack.site_url)
    page.goto(url(stack, f"#/jobs/{fake.job_id}"))
    wait_view(page, "job")
    page.wait_for_selector('#job-status[data-status="processing"]', timeout=30_000)
    page.wait_for_selector('#result-text .text-page[data-page-index="0"]', timeout=30_000)
    asked = fake.requests
    page.wait_for_timeout(6_000)
    assert fake.requests - asked <= 1 and len(reads) <= 2, (fake.requests - asked, reads)


def test_a_large_result_still_being_made_is_read_part_by_part(page, stack, shoot, monkeypatch):
    """While a result too large to travel inline grows, GET /jobs/{id} gives its index and a
    presigned GET of each part file (chalicelib.jobs.growing): the page reads each part once,
    only the new ones at each poll, and shows the pages as they come."""
    from chalicelib.jobs import growing as parts

    monkeypatch.setattr(parts, "PART_MIN_BYTES", 1)  # every publish makes part files
    sign_in(page, stack)
    fake = make_job(stack, PAGES, filename="long-report.pdf", document=True)
    store, growing, urls, made, reads = Store(stack), parts.Growing(), {}, {}, []
    page.on("request", lambda r: reads.append(r.url.split("?")[0].rsplit("/", 1)[-1]) if "/result-" in r.url else None)
    read = {"pages": 1}

    def growing_answer(answer):
        if answer["status"] != "processing":  # done: inline again, cut short by the size cap
            return {**answer, "result": {**answer["result"], "complete": False, "reason": "size"}}
        result = answer["result"]
        result["pages"] = result["pages"][:read["pages"]]
        result["text"] = "\n\n".join(p["text"] for p in result["pages"])
        result["document"] = {"pages_in_file": 3, "pages": 3, "read": read["pages"], "complete": False}
        if made.get("last") != json.dumps(result):  # published: what is new is written
            change = growing.diff(result)
            growing.commit(change)
            urls.update({name: store.put(name, body, "application/json") for name, body in change.files.items()})
            made.update(last=json.dumps(result), index=json.loads(change.index))
        return {**answer, "result": None, "result_parts": {"index": made["index"], "urls": dict(urls)}}

    fake.edit = growing_answer
    fake.status, fake.shown_parts = "processing", 0
    fake.serve(page, stack.site_url)
    page.goto(url(stack, f"#/jobs/{fake.job_id}"))
    wait_view(page, "job")
    page.wait_for_function("() => /Page 1 of 3 read/.test(document.querySelector('#job-status').textContent)")
    read["pages"] = 2
    page.wait_for_function("() => /Page 2 of 3 read/.test(document.querySelector('#job-status').textContent)")
    assert page.locator('#page-list [data-testid="page-button"]').count() == 2
    read["pages"], fake.shown_parts = 3, 1
    page.wait_for_function("() => /All 3 pages read/.test(document.querySelector('#job-status').textContent)")
    for i, lines in enumerate(PAGES):
        section = page.inner_text(f'#result-text .text-page[data-page-index="{i}"]')
        assert all(word in section for word in " ".join(lines).split()), section
    page.wait_for_timeout(3_000)  # polls go on: nothing read again
    assert len(urls) >= 4 and fake.requests >= 5 and sorted(reads) == sorted(urls), (reads, sorted(urls))
    fake.status, fake.shown_parts = "done", None
    page.wait_for_selector('#job-status[data-status="done"]')
    assert "on 3 pages" in page.inner_text("#job-status")
    assert page.inner_text("#document-note") == ("What PageVoice read grew too large to keep whole: it kept the "
                                                 "text read up to there (3 pages).")
    shoot(page, "document-size-cut")
