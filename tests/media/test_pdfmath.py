"""Formulas of a LaTeX-made PDF spoken as words (issue 79 part 3): chalicelib.media.pdfmath rebuilds
them from the text layer's glyphs, document.py puts one word in their place, textlayer.review has
them spoken by the formula engine; a formula it cannot rebuild is said "formula"; a page without
formulas is read as before. The PDFs: tests/data/pdfmath (SOURCES)."""
from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pytest

from chalicelib.engines import math
from chalicelib.media import document, pdfmath, textlayer
from chalicelib.structure import spoken

DATA = Path(__file__).resolve().parents[1] / "data" / "pdfmath"


class NoOcr:
    """An engine that must not be asked: these pages raise no sign."""
    name, version = "none", "0"

    def read(self, *args, **kwargs):
        raise AssertionError("OCR ran on a LaTeX page")


def opened(name: str):
    return document.open_document((DATA / name).read_bytes(), max_bytes=10_000_000, max_pixels=20_000_000,
                                  max_pages=5, dpi=100)


def read(name: str) -> tuple[list[dict], str]:
    """The page's lines as the pipeline keeps them and what the recording says of it."""
    with opened(name) as doc:
        page = doc.page(0)
        layer = page.read()
        check = textlayer.review(layer["lines"], page.rgb, language="en", unmapped=layer["unmapped"], engine=NoOcr())
    assert not check.untrusted_page and not check.replaced
    return check.lines, spoken.script({"lines": check.lines, "blocks": layer["blocks"]}, "en").text


def formula_words(lines: list[dict]) -> list[dict]:
    return [w for line in lines for w in line["words"] if "formula" in w]


@pytest.mark.skipif(not math.available(), reason="the formula engine (Node, speech-rule-engine) is not installed")
@pytest.mark.parametrize("name", ["formulas.pdf", "formulas-nomap.pdf"])
def test_a_latex_pdfs_formulas_are_spoken_as_words(name):
    # formulas.pdf has pdfTeX's text maps; formulas-nomap.pdf has none (CMMI's alpha is code 0x0B).
    lines, said = read(name)
    words = formula_words(lines)
    rebuilt = [w["formula"]["latex"] for w in words if "latex" in w["formula"]]
    assert rebuilt == ["x^{2}", "m = \\frac{a + b}{2} .", "\\frac{x}{y}", "\\sqrt{2}",
                       "\\sum_{i = 1}^{n} \\alpha_{i} = 1 ."]  # (the stop inside the display)
    said = " ".join(said.split())
    assert "side x is x squared, and the mean" in said  # the comma stays the sentence's
    assert "m equals, the fraction with numerator eh plus b, and denominator 2, period" in said  # ("a" said as its letter)
    assert "The ratio of the sides is x over y" in said
    assert "the diagonal of a unit square is the square root of 2" in said
    assert "the sum from i equals 1 to n of, alpha sub i, equals 1 period" in said
    assert "formula" not in said.replace("A harpoon formula has", "").replace("formulas,", "")
    # The word's text is the formula's LaTeX (a copy of the page carries it); its box covers the glyphs.
    sqrt = next(w for w in words if w["formula"].get("latex") == "\\sqrt{2}")
    assert sqrt["text"] == "\\sqrt{2}," and sqrt["formula"]["span"] == [0, 8] and sqrt["formula"]["mathml"].startswith("<math")


@pytest.mark.skipif(not math.available(), reason="the formula engine (Node, speech-rule-engine) is not installed")
def test_a_formula_that_cannot_be_rebuilt_is_said_formula():
    lines, said = read("formulas.pdf")
    harpoon = [w for w in formula_words(lines) if "latex" not in w["formula"]]
    assert len(harpoon) == 1 and harpoon[0]["formula"]["spoken"] == "formula" and "error" in harpoon[0]["formula"]
    assert "A harpoon formula has no reading here." in " ".join(said.split())


def test_a_page_without_formulas_is_read_as_before(monkeypatch):
    lines, said = read("plain.pdf")
    assert not formula_words(lines)
    assert " ".join(said.split()) == ("A page of plain prose: no formula is written on it, and its words are read as "
                                      "they are. The second sentence of the page says nothing more than that.")
    monkeypatch.setattr(pdfmath, "find", lambda *a, **k: [])  # as before pdfmath
    before, _ = read("plain.pdf")
    assert before == lines


def test_formulas_are_found_within_the_pages_cap_and_the_same_each_time():
    pdf = pdfium.PdfDocument((DATA / "formulas.pdf").read_bytes())
    try:
        page = pdf[0]
        textpage = page.get_textpage()
        first = pdfmath.find(page, textpage)
        assert [f.latex for f in first] == [f.latex for f in pdfmath.find(page, textpage)]
        assert [f.indices for f in first] == [f.indices for f in pdfmath.find(page, textpage)]
        cap = first[0].indices[-1] + 1  # the page read up to x^2's last glyph
        assert [f.latex for f in pdfmath.find(page, textpage, cap)] == ["x^{2}"]
        assert pdfmath.find(page, textpage, 0) == []
        textpage.close()
        page.close()
    finally:
        pdf.close()


def test_a_capped_page_keeps_its_formulas_within_the_cap():
    data = (DATA / "formulas.pdf").read_bytes()
    with document.open_document(data, max_bytes=10_000_000, max_pixels=20_000_000, max_pages=5, dpi=100,
                                max_page_chars=100) as doc:
        page = doc.page(0)
        assert page.cut == "chars"
        words = [w for line in page.read()["lines"] for w in line["words"]]
    assert [w["formula"]["latex"] for w in words if "formula" in w] == ["x^{2}"]  # the fraction is past 100
