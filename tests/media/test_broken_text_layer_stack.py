"""Issue 38 through the real local stack (moto server over HTTP, the worker processes of
`make run`): PDFs whose text layer does not say what the page shows are read by OCR where it
does not, the result says so (`source`, `text_layer`), and the recording speaks what the page
shows (its words, and Whisper's hearing of speech.wav)."""
from __future__ import annotations

from pathlib import Path

import pytest
import requests

from tests import stackclient as sc
from tests.media import broken_pdfs
from tests.media.test_textlayer import LAYOUT, TEXTBOOK, WRONG, near

GARBLE = set("#$&!\"*;@")  # what the font without a map gives for letters


@pytest.fixture(scope="module")
def finished(stack):
    """Every job of this module, uploaded at once and waited for together."""
    headers = sc.login(stack, sc.register(stack))
    uploads = {"mixed": broken_pdfs.mixed().pdf, "no-map": broken_pdfs.no_unicode_map().pdf,
               "unmapped": broken_pdfs.unmapped_codes().pdf,
               "textbook": (Path(LAYOUT) / f"{TEXTBOOK[0]}.pdf").read_bytes()}
    ids = {name: sc.upload(stack, headers, f"{name}.pdf", data, "application/pdf", patience=60)
           for name, data in uploads.items()}
    jobs = sc.wait_jobs(stack, headers, ids.values(), timeout=600)
    return {name: jobs[job_id] for name, job_id in ids.items()}


def _done(job: dict) -> dict:
    assert job["status"] == "done", job.get("error")
    return job["result"]


def spoken(result: dict) -> list[str]:
    """The words the recording speaks, in its order (CONTRACTS section 10)."""
    pages = result.get("pages") or [result]
    return [pages[w.get("page", 0)]["lines"][w["line"]]["words"][w["word"]]["text"] for w in result["speech"]["words"]]


def heard(job: dict, between: tuple[float, float] | None = None) -> list[str]:
    """speech.wav (or its seconds `between`) as Whisper hears it, normalised (numbers as digits,
    no punctuation)."""
    from whisper_normalizer.english import EnglishTextNormalizer

    from chalicelib.engines.asr import get_engine
    from chalicelib.media.audio import decode

    wav = requests.get(job["audio_url"], timeout=60)
    assert wav.status_code == 200
    audio = decode(wav.content, max_bytes=50_000_000, max_seconds=900.0)
    samples = audio.samples
    if between is not None:
        samples = samples[int(between[0] * audio.sample_rate):int(between[1] * audio.sample_rate)]
    return EnglishTextNormalizer()(get_engine("whisper").transcribe(samples).text).split()


def test_a_mixed_page_reads_its_broken_lines_from_the_image(finished):
    page_made = broken_pdfs.mixed()
    result = _done(finished["mixed"])
    page = result["pages"][0]
    assert page["source"] == "text"  # the page stands on its text layer; three of its lines do not
    lines = page["lines"]
    assert [i for i, line in enumerate(lines) if line.get("source") == "ocr"] == page_made.broken
    for line, shown in zip(lines, page_made.shown):
        assert near(line["text"], shown) >= 0.85, (line["text"], shown)
        assert line["text"] == " ".join(w["text"] for w in line["words"])
    words = spoken(result)
    assert not any(set(w) & GARBLE or any(c in w for c in WRONG) for w in words), words
    assert " ".join(words).find("Every word of this line is lost to the reader today.") >= 0
    hearing = heard(finished["mixed"])
    assert " ".join(["every", "word", "of", "this", "line", "is", "lost"]) in " ".join(hearing), hearing
    assert not {"quarter", "thorn", "eth"} & set(hearing), hearing


def test_a_page_in_a_font_without_a_map_is_read_by_ocr_and_says_why(finished):
    page_made = broken_pdfs.no_unicode_map()
    result = _done(finished["no-map"])
    page = result["pages"][0]
    assert page["source"] == "ocr"
    assert page["text_layer"]["trusted"] is False and "did not match the page" in page["text_layer"]["reason"]
    assert near(page["text"], "\n".join(page_made.shown)) >= 0.9, page["text"]
    words = spoken(result)
    assert " ".join(words).startswith("Reading aloud needs the words that the page shows.")
    hearing = heard(finished["no-map"])
    assert "reading aloud needs the words that the page shows" in " ".join(hearing), hearing


def test_the_textbook_of_the_issue_is_spoken_as_its_page_shows(finished):
    result = _done(finished["textbook"])
    page = result["pages"][0]
    formula = next(line for line in page["lines"] if line["text"].replace(" ", "").startswith("S=kBln"))
    assert formula["source"] == "ocr"
    assert not any(c in page["text"] for c in WRONG), page["text"]
    words = spoken(result)
    assert not any(c in w for w in words for c in WRONG)
    # Whisper hears the formula's paragraph, from the heading "4. Entropy" to the line after the
    # formulas (the page's whole recording is three and a half minutes).
    lines = [line["text"] for line in page["lines"]]
    first, last = lines.index("4. Entropy"), next(i for i, t in enumerate(lines) if t.startswith("where Ω denotes"))
    times = [(w["start"], w["end"]) for w in result["speech"]["words"] if first <= w["line"] <= last]
    hearing = " ".join(heard(finished["textbook"], (times[0][0], times[-1][1])))
    assert "entropy" in hearing and "1 4" not in hearing and "one four" not in hearing, hearing


def test_a_line_whose_glyphs_map_to_no_character_is_read_from_the_image(finished):
    # document.py drops such glyphs as not text; their boxes go to review as `unmapped`.
    page_made = broken_pdfs.unmapped_codes()
    result = _done(finished["unmapped"])
    page = result["pages"][0]
    hidden = page_made.broken[0]
    assert [line["text"] for line in page["lines"]] == page_made.shown
    assert [i for i, line in enumerate(page["lines"]) if line.get("source") == "ocr"] == [hidden]
    assert " ".join(spoken(result)).find(page_made.shown[hidden]) >= 0
