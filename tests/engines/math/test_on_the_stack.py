"""Formulas read aloud through the real local stack (issue 58): a Markdown file, a Word document, a
web page, an EPUB and an ODT (its formula objects) uploaded as a person does, read and spoken by the worker of `make run` (its own Node child for the
formulas' speech), and Whisper base hears "squared", "square root" and "over" in speech.wav; each
formula is one word with its MathML and one read-along timing."""
from __future__ import annotations

import re

import pytest
import requests

from tests.media.flow import docx_make
from tests.stackclient import login, register, upload, wait_job

pytestmark = [pytest.mark.timeout(600), pytest.mark.stack]

MARKDOWN = rb"""# Three formulas

The area of a square is $s^2$. The diagonal of a unit square is $\sqrt{2}$. The speed is $\frac{d}{t}$.
"""
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def word_document() -> bytes:
    t = lambda s: f"<m:r><m:t>{s}</m:t></m:r>"  # noqa: E731
    square = f"<m:oMath><m:sSup><m:e>{t('s')}</m:e><m:sup>{t('2')}</m:sup></m:sSup></m:oMath>"
    root = f'<m:oMath><m:rad><m:radPr><m:degHide m:val="1"/></m:radPr><m:deg/><m:e>{t("2")}</m:e></m:rad></m:oMath>'
    ratio = f"<m:oMath><m:f><m:num>{t('d')}</m:num><m:den>{t('t')}</m:den></m:f></m:oMath>"
    r = docx_make.r
    body = docx_make.p(runs=r("The area of a square is ") + square + r(". The diagonal of a unit square is ") + root
                       + r(". The speed is ") + ratio + r("."))
    return docx_make.docx(docx_make.p("Three formulas", "Heading1") + body)


MATHML = '<math xmlns="http://www.w3.org/1998/Math/MathML">{}</math>'
SQUARE, ROOT, RATIO = (MATHML.format("<msup><mi>s</mi><mn>2</mn></msup>"), MATHML.format("<msqrt><mn>2</mn></msqrt>"),
                       MATHML.format("<mfrac><mi>d</mi><mi>t</mi></mfrac>"))
SENTENCES = "The area of a square is {}. The diagonal of a unit square is {}. The speed is {}."


def web_page() -> bytes:
    return ('<!doctype html><html lang="en"><head><title>Three formulas</title></head><body><h1>Three formulas</h1>'
            f"<p>{SENTENCES.format(SQUARE, ROOT, RATIO)}</p></body></html>").encode()


def book() -> bytes:
    from tests.media.flow.test_epub import make, opf, xhtml

    return make({"OEBPS/content.opf": opf('<item id="c1" href="c1.xhtml" media-type="application/xhtml+xml" '
                                          'properties="mathml"/>', '<itemref idref="c1"/>'),
                 "OEBPS/c1.xhtml": xhtml(f"<h1>Three formulas</h1><p>{SENTENCES.format(SQUARE, ROOT, RATIO)}</p>")})


def odf_text() -> bytes:
    from tests.media.flow import odt_make

    frame = '<draw:frame text:anchor-type="as-char"><draw:object xlink:href="./Object {}"/></draw:frame>'
    return odt_make.odt(odt_make.p(SENTENCES.format(frame.format(1), frame.format(2), frame.format(3))),
                        extra={f"Object {k}/content.xml": f.encode() for k, f in enumerate((SQUARE, ROOT, RATIO), 1)})


def heard(job: dict) -> list[str]:
    from chalicelib.engines.asr import get_engine
    from chalicelib.media.audio import decode

    wav = requests.get(job["audio_url"], timeout=60)
    assert wav.status_code == 200
    audio = decode(wav.content, max_bytes=50_000_000, max_seconds=600.0)
    return re.findall(r"[a-z']+", get_engine("whisper").transcribe(audio.samples, audio.sample_rate,
                                                                   language="en").text.lower())


@pytest.mark.parametrize("name, make, content_type", [
    ("formulas.md", lambda: MARKDOWN, "text/markdown"), ("formulas.docx", word_document, DOCX_TYPE),
    ("formulas.html", web_page, "text/html"), ("formulas.epub", book, "application/epub+zip"),
    ("formulas.odt", odf_text, "application/vnd.oasis.opendocument.text")])
def test_formulas_are_heard_as_a_teacher_says_them(stack, name, make, content_type):
    headers = login(stack, register(stack))
    job = wait_job(stack, headers, upload(stack, headers, name, make(), content_type), timeout=300)
    assert job["status"] == "done", job.get("error")
    result = job["result"]
    words = [(p, li, wi, w) for p, page in enumerate(result["pages"]) for li, line in enumerate(page["lines"])
             for wi, w in enumerate(line["words"])]
    formulas = [(p, li, wi, w["formula"]) for p, li, wi, w in words if "formula" in w]
    assert [f["spoken"] for *_, f in formulas] == ["s squared", "the square root of 2", "d over t"]
    assert all(f["mathml"].startswith('<math xmlns="http://www.w3.org/1998/Math/MathML"') for *_, f in formulas)
    timed = result["speech"]["words"]
    for p, li, wi, _ in formulas:  # lit once, as a whole
        assert len([t for t in timed if (t["page"], t["line"], t["word"]) == (p, li, wi)]) == 1
    said = heard(job)
    text = " ".join(said)
    assert "squared" in said and "square root" in text and "over" in said, text
