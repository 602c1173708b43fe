"""Documents through the page kind (CONTRACTS section 7), with real files and the real engines:
a scan made of FUNSD pages, a PDF printed by Chromium (its text layer read exactly), a mixed
one, a multi-page TIFF, limits, and a document read in turns."""
from __future__ import annotations

import io
import time

import pytest
from PIL import Image

from chalicelib.errors import ImageError
from chalicelib.kinds.base import Resume
from chalicelib.kinds.common import check_text_result
from chalicelib.kinds.page import pipeline as page_pipeline
from chalicelib.structure import elements
from tests import images
from tests.media import documents as docs
from tests.results import validate_result

KNOWN = [["Dear Ms. Rivera,", "Your library card is ready.", "Please collect it by Friday."],
         ["The reading room opens at 9 a.m.", "Bring this letter with you."]]


def html(lines: list[str]) -> str:
    return "<html><body style='font: 22px serif; margin: 60px'>" + "".join(f"<p>{t}</p>" for t in lines) + "</body></html>"


@pytest.fixture(scope="module")
def printed() -> bytes:
    return docs.join(*docs.chromium_pdfs([html(lines) for lines in KNOWN]))


def run_all(data: bytes, **kw):
    published = []
    done = page_pipeline.run(data, publish=published.append, **kw)
    validate_result(done.result)
    check_text_result(done.result)
    return done, published


def test_a_printed_pdf_is_read_from_its_text_layer_exactly(printed):
    t0 = time.perf_counter()
    result = page_pipeline.run(printed).result  # no publish: the text alone is what matters here
    seconds = time.perf_counter() - t0
    assert [p["source"] for p in result["pages"]] == ["text", "text"]
    assert [p["text"].split("\n") for p in result["pages"]] == KNOWN
    assert result["text"] == "\n\n".join("\n".join(lines) for lines in KNOWN)
    assert result["lines"] == result["pages"][0]["lines"] and result["width"] == result["pages"][0]["width"]
    assert result["document"] == {"pages_in_file": 2, "pages": 2, "read": 2, "complete": True}
    assert result["speech"]["complete"] and seconds < 60


def test_a_scanned_pdf_is_read_page_by_page_with_images_and_progress():
    data = docs.scanned_pdf(docs.funsd_pages(2))
    done, published = run_all(data)
    result = done.result
    assert [p["source"] for p in result["pages"]] == ["ocr", "ocr"]
    assert all(len(p["lines"]) > 10 for p in result["pages"])
    # Progress: one publish per page read, each with its page's image, before any recording.
    reads = [(o.result["document"]["read"], sorted(o.files)) for o in published if "speech" not in o.result]
    assert reads == [(1, ["page-001.jpg"]), (2, ["page-002.jpg"])]
    shown = Image.open(io.BytesIO(published[0].files["page-001.jpg"][0]))
    assert shown.size == (result["pages"][0]["width"], result["pages"][0]["height"])
    # The read-along goes on across pages, in order.
    words = result["speech"]["words"]
    assert {w["page"] for w in words} == {0, 1}
    assert [w["page"] for w in words] == sorted(w["page"] for w in words)


def test_a_mixed_document_reads_each_page_its_way(printed):
    scan = docs.scanned_pdf(docs.funsd_pages(1))
    result = page_pipeline.read(docs.join(printed, scan))  # how each page is read; no recording
    assert [p["source"] for p in result["pages"]] == ["text", "text", "ocr"]
    assert result["pages"][1]["text"].split("\n") == KNOWN[1]


def test_a_multi_page_tiff_is_a_document():
    lines = [["FIRST PAGE OF THE FAX"], ["SECOND PAGE OF THE FAX"], ["THIRD PAGE OF THE FAX"]]
    data = docs.tiff([images.text_image(t).image for t in lines], compression="tiff_lzw")
    result = page_pipeline.run(data, publish=lambda o: None).result
    assert [p["text"] for p in result["pages"]] == [t[0] for t in lines]


def test_more_pages_than_the_limit_are_left_out_and_said(monkeypatch):
    monkeypatch.setenv("PAGEVOICE_MAX_BOOK_PAGES", "3")  # a document is opened to a book's page limit
    data = docs.text_pdf([docs.TextPage([f"Page number {n}"]) for n in range(1, 201)])
    t0 = time.perf_counter()
    result = page_pipeline.run(data, publish=lambda o: None, tts_engine="piper").result
    assert result["document"] == {"pages_in_file": 200, "pages": 3, "read": 3, "complete": False, "reason": "pages"}
    assert result["text"] == "Page number 1\n\nPage number 2\n\nPage number 3"
    assert time.perf_counter() - t0 < 60


@pytest.mark.parametrize("make, message", [
    (lambda pdf: docs.encrypted(pdf, user="secret", owner="owner"), "password"),
    (lambda pdf: pdf[: len(pdf) // 2], "damaged"),
])
def test_unreadable_pdfs_fail_with_a_reason(printed, make, message):
    with pytest.raises(ImageError, match=message):
        page_pipeline.run(make(printed))


def test_an_owner_password_only_pdf_is_read(printed):
    result = page_pipeline.run(docs.encrypted(printed, user="", owner="owner")).result
    assert result["pages"][0]["text"].split("\n") == KNOWN[0]


def test_a_huge_page_is_rendered_within_the_pixel_limit():
    data = docs.text_pdf([docs.TextPage(["THIS IS A VERY LARGE POSTER"], size=(200 * 72, 200 * 72), font_size=600,
                                          at=(720, 1200))])
    result = page_pipeline.run(data, publish=lambda o: None).result
    p = result["pages"][0]
    assert p["width"] * p["height"] <= 40_000_000 and max(p["width"], p["height"]) <= 4000
    assert p["text"] == "THIS IS A VERY LARGE POSTER"


def test_a_document_out_of_time_goes_on_from_the_page_it_reached():
    data = docs.scanned_pdf([images.text_image([f"PAGE {n} OF THE REPORT"]).image for n in ("ONE", "TWO", "THREE")])
    stored, last = {}, {}

    def publish(outputs):
        last["result"] = outputs.result
        stored.update({name: body for name, (body, _) in outputs.files.items()})

    first = page_pipeline.run(data, publish=publish, deadline=time.monotonic() + 1.0)
    assert first.more and first.result["document"]["read"] < 3
    reached = first.result["document"]["read"]
    second = page_pipeline.run(data, publish=publish, resume=Resume(last["result"], stored.__getitem__))
    assert not second.more
    result = second.result
    assert [p["text"] for p in result["pages"]] == [f"PAGE {n} OF THE REPORT" for n in ("ONE", "TWO", "THREE")]
    assert result["document"]["read"] == 3 and result["speech"]["complete"]
    assert reached >= 0 and {f"page-00{n}.jpg" for n in (1, 2, 3)} <= set(stored)


# ---------------------------------------------------------------- caps on the text kept


def lines_of(*texts: str) -> list[dict]:
    box = [[0, 0], [10, 0], [10, 10], [0, 10]]
    return [{"text": t, "confidence": 1.0, "box": box,
             "words": [{"text": w, "confidence": 1.0, "box": [[i, 0], [i + 1, 0], [i + 1, 1], [i, 1]]}
                       for i, w in enumerate(t.split())]} for t in texts]


def test_a_cap_keeps_the_first_words_in_reading_order():
    lines = [elements.Line.load(line) for line in lines_of("one two three", "four five six")]
    kept, cut = page_pipeline.cap_lines(lines, max_words=4, max_chars=100)
    assert [line.text for line in kept] == ["one two three", "four"]
    assert kept[1].box == [[0, 0], [1, 0], [1, 1], [0, 1]] and cut == {"reason": "words", "kept": 4, "found": 6}
    kept, cut = page_pipeline.cap_lines(lines, max_words=100, max_chars=12)  # "onetwothree" is 11
    assert [line.text for line in kept] == ["one two three"] and cut == {"reason": "chars", "kept": 3, "found": 6}
    assert page_pipeline.cap_lines(lines, max_words=6, max_chars=26) == (lines, None)


FIVE_WORDS = [docs.TextPage([f"Page {n} has five words"]) for n in range(1, 6)]


def test_a_page_over_its_cap_keeps_its_first_words_and_the_document_says_so(monkeypatch):
    monkeypatch.setenv("PAGEVOICE_MAX_PAGE_WORDS", "3")
    done, _ = run_all(docs.text_pdf(FIVE_WORDS[:2]))
    result = done.result
    assert [p["text"] for p in result["pages"]] == ["Page 1 has", "Page 2 has"]
    assert all(p["cut"]["reason"] == "words" and p["cut"]["kept"] == 3 and p["cut"]["of"] == "page"
               for p in result["pages"])
    assert result["document"] == {"pages_in_file": 2, "pages": 2, "read": 2, "complete": False, "reason": "words"}


def test_a_document_over_its_cap_stops_reading_and_resumed_turns_count_on(monkeypatch):
    monkeypatch.setenv("PAGEVOICE_MAX_DOCUMENT_WORDS", "12")
    data = docs.text_pdf(FIVE_WORDS)
    done, published = run_all(data)
    result, stored = done.result, {name: body for o in published for name, (body, _) in o.files.items()}
    assert [p["text"] for p in result["pages"]] == ["Page 1 has five words", "Page 2 has five words", "Page 3"]
    assert result["pages"][2]["cut"] == {"reason": "words", "kept": 2, "found": 5, "of": "document"}
    assert result["document"] == {"pages_in_file": 5, "pages": 5, "read": 3, "complete": False, "reason": "words"}
    # A later turn that goes on after page 2 counts the words of pages 1 and 2 ...
    after_two = next(o.result for o in published if o.result.get("document", {}).get("read") == 2)
    assert after_two["document"]["complete"] is False and "reason" not in after_two["document"]
    resumed = page_pipeline.run(data, resume=Resume(after_two, stored.__getitem__)).result
    assert resumed["text"] == result["text"] and resumed["document"] == result["document"]
    # ... and one after the cut reads nothing more.
    again = page_pipeline.run(data, resume=Resume(result, stored.__getitem__)).result
    assert again["document"] == result["document"] and again["text"] == result["text"]


def test_a_cap_on_characters_cuts_the_same_way(monkeypatch):
    monkeypatch.setenv("PAGEVOICE_MAX_DOCUMENT_CHARS", "30")  # a page is 17 characters of words
    result = run_all(docs.text_pdf(FIVE_WORDS))[0].result
    assert [p["text"] for p in result["pages"]] == ["Page 1 has five words", "Page 2 has five"]
    assert result["document"]["reason"] == "chars" and result["document"]["read"] == 2


def test_an_image_over_the_page_cap_says_how_much_was_kept(monkeypatch):
    monkeypatch.setenv("PAGEVOICE_MAX_PAGE_WORDS", "2")
    result = page_pipeline.recognize(images.encode(images.text_image(["READ THESE WORDS ALOUD"]).image, "PNG"))
    assert result["text"] == "READ THESE" and result["cut"] == {"reason": "words", "kept": 2, "found": 4}
    validate_result(result)
    check_text_result(result)


def test_a_pdf_that_spins_its_decoder_fails_with_a_sentence_and_the_next_is_read(monkeypatch, printed):
    from tests.media.test_sandbox import nested_forms

    monkeypatch.setenv("PAGEVOICE_DECODE_SECONDS", "3")
    # Its sandbox's 3 s ended it, whatever the machine's load: the sentence says so
    # (tests/media/test_sandbox.py checks the timer that kills it).
    with pytest.raises(ImageError, match=r"^This PDF took too long to open \(over 3 s\)"):
        page_pipeline.run(nested_forms())
    assert page_pipeline.run(printed).result["pages"][0]["text"].split("\n") == KNOWN[0]
