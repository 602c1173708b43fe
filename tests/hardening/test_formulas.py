"""Hostile formulas (issue 58 item 4): a formula 10,000 elements deep, a megabyte of LaTeX, a
formula of a million parts fail that formula with a reason (said "formula"), never the job:
the rest of the document is read and spoken. Through the page kind's reading (the decoding
sandbox, then the formulas' speech), as the worker reads an upload."""
from __future__ import annotations

import random
import time

import pytest

from chalicelib.kinds.page import pipeline
from tests.media.flow import docx_make
from tests.media.flow.test_epub import make as epub
from tests.media.flow.test_epub import opf, xhtml

DEEP = 10_000
GOOD = "<math><msup><mi>x</mi><mn>2</mn></msup></math>"


def html_deep() -> tuple[bytes, str]:
    deep = "<math>" + "<mrow>" * DEEP + "<mi>x</mi>" + "</mrow>" * DEEP + "</math>"
    return f"<html><body><p>First {deep} then.</p><p>Later {GOOD} is fine.</p></body></html>".encode(), "text/html"


def epub_deep() -> tuple[bytes, str]:
    ns = 'xmlns="http://www.w3.org/1998/Math/MathML"'
    deep = f"<math {ns}>" + "<mrow>" * DEEP + "<mi>x</mi>" + "</mrow>" * DEEP + "</math>"
    good = GOOD.replace("<math>", f"<math {ns}>")
    book = epub({"OEBPS/content.opf": opf('<item id="c" href="c.xhtml" media-type="application/xhtml+xml"/>',
                                          '<itemref idref="c"/>'),
                 "OEBPS/c.xhtml": xhtml(f"<p>First {deep} then.</p><p>Later {good} is fine.</p>")})
    return book, "application/epub+zip"


def docx_deep() -> tuple[bytes, str]:
    deep = "<m:oMath>" + "<m:d><m:e>" * (DEEP // 2) + "<m:r><m:t>x</m:t></m:r>" + "</m:e></m:d>" * (DEEP // 2) + "</m:oMath>"
    good = "<m:oMath><m:sSup><m:e><m:r><m:t>x</m:t></m:r></m:e><m:sup><m:r><m:t>2</m:t></m:r></m:sup></m:sSup></m:oMath>"
    body = (docx_make.p(runs=docx_make.r("First ") + deep + docx_make.r(" then."))
            + docx_make.p(runs=docx_make.r("Later ") + good + docx_make.r(" is fine.")))
    return docx_make.docx(body), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def odt_deep() -> tuple[bytes, str]:
    from tests.media.flow.odt_make import odt as make
    from tests.media.flow.odt_make import p

    deep = "<math:math>" + "<math:mrow>" * DEEP + "<math:mi>x</math:mi>" + "</math:mrow>" * DEEP + "</math:math>"
    good = "<math:math><math:msup><math:mi>x</math:mi><math:mn>2</math:mn></math:msup></math:math>"
    noise = random.Random(58).randbytes(60_000).hex()  # the deep markup deflates past the zip ratio guard alone
    body = (p(f'First <draw:frame><draw:object>{deep}</draw:object></draw:frame> then.') + p(noise)
            + p(f'Later <draw:frame><draw:object>{good}</draw:object></draw:frame> is fine.'))
    return make(body), "application/vnd.oasis.opendocument.text"


def markdown_megabyte() -> tuple[bytes, str]:
    latex = "x+" * (1 << 19)  # a megabyte
    braces = "{" * 5000 + "x" + "}" * 5000
    return f"First $${latex}$$ then.\n\nAnd ${braces}$ too.\n\nLater $x^2$ is fine.\n".encode(), "text/markdown"


def html_wide() -> tuple[bytes, str]:
    wide = "<math>" + "<mi>x</mi><mo>+</mo>" * 200_000 + "<mn>1</mn></math>"
    return f"<html><body><p>First {wide} then.</p><p>Later {GOOD} is fine.</p></body></html>".encode(), "text/html"


CASES = {"html 10,000 deep": html_deep, "epub 10,000 deep": epub_deep, "docx 10,000 deep": docx_deep,
         "odt 10,000 deep": odt_deep, "markdown: a megabyte of LaTeX, 10,000 braces deep": markdown_megabyte,
         "html: a formula of 400,000 parts": html_wide}


@pytest.mark.parametrize("name", list(CASES))
def test_a_hostile_formula_fails_alone_with_a_reason(name):
    data, content_type = CASES[name]()
    t0 = time.monotonic()
    result = pipeline.read(data, content_type=content_type, language="en")
    assert time.monotonic() - t0 < 60
    words = [w for p in result["pages"] for line in p["lines"] for w in line["words"]]
    found = [w["formula"] for w in words if "formula" in w]
    failed = [f for f in found if "error" in f]
    assert failed, "the hostile formula is a formula word that failed"
    for f in failed:
        assert "PageVoice" in f["error"] and f["spoken"] == "formula"  # said "formula", with the reason kept
    fine = [f for f in found if "error" not in f]
    assert fine and fine[-1]["spoken"] == "x squared"  # the rest of the document is read and spoken
    assert "then." in result["text"] and "is fine." in result["text"]
