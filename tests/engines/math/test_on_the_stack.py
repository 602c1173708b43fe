"""Formulas read aloud through the real local stack (issue 58): a Markdown file and a Word document
uploaded as a person does, read and spoken by the worker of `make run` (its own Node child for the
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


def heard(job: dict) -> list[str]:
    from chalicelib.engines.asr import get_engine
    from chalicelib.media.audio import decode

    wav = requests.get(job["audio_url"], timeout=60)
    assert wav.status_code == 200
    audio = decode(wav.content, max_bytes=50_000_000, max_seconds=600.0)
    return re.findall(r"[a-z']+", get_engine("whisper").transcribe(audio.samples, audio.sample_rate,
                                                                   language="en").text.lower())


@pytest.mark.parametrize("name, data, content_type", [("formulas.md", MARKDOWN, "text/markdown"),
                                                      ("formulas.docx", None, DOCX_TYPE)])
def test_formulas_are_heard_as_a_teacher_says_them(stack, name, data, content_type):
    headers = login(stack, register(stack))
    job = wait_job(stack, headers, upload(stack, headers, name, data or word_document(), content_type), timeout=300)
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
