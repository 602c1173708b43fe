"""Formulas in the EPUB export (issue 58 item 3): a document's formulas read aloud come out as
MathML with alttext (their spoken words) inside the word's span the Media Overlay lights, the
content document says `properties="mathml"`, the package lists MathML among its accessibility
features, and the book passes EPUBCheck and Ace. A real job: the page pipeline reads a Markdown
file and a web page with formulas, Speech Rule Engine speaks them, the default voice records."""
from __future__ import annotations

import re
import zipfile
from xml.etree import ElementTree

import pytest

from tests.books.test_epub import Book, read_aloud

MATH = "{http://www.w3.org/1998/Math/MathML}"
MARKDOWN = r"""# Areas and roots

The area of a circle is $A = \pi r^2$, and the roots of a quadratic are

$$x = \frac{-b \pm \sqrt{b^2 - 4ac}}{2a}$$

A broken one, $\frac{1}{$, is said as a formula.
"""
PAGE = ("<html><body><h1>Pythagoras</h1><p>In a right triangle <math><msup><mi>a</mi><mn>2</mn></msup><mo>+</mo>"
        "<msup><mi>b</mi><mn>2</mn></msup><mo>=</mo><msup><mi>c</mi><mn>2</mn></msup></math>.</p></body></html>")


@pytest.fixture(scope="module")
def tmp(tmp_path_factory):
    return tmp_path_factory.mktemp("math-books")


@pytest.mark.slow
@pytest.mark.parametrize("name, data, content_type", [("markdown", MARKDOWN.encode(), "text/markdown"),
                                                      ("html", PAGE.encode(), "text/html")])
def test_formulas_export_as_mathml_with_alttext_and_pass_epubcheck_and_ace(tmp, name, data, content_type):
    result, mp3, seconds = read_aloud(data, content_type=content_type)
    book = Book(f"formulas-{name}", result, mp3, tmp, seconds)
    book.check()
    z = zipfile.ZipFile(book.path)
    opf = z.read("EPUB/package.opf").decode()
    assert re.search(r'<item id="p1" href="text/page-001.xhtml" media-type="application/xhtml\+xml" '
                     r'properties="mathml"', opf)
    assert '<meta property="schema:accessibilityFeature">MathML</meta>' in opf
    page = ElementTree.fromstring(z.read("EPUB/text/page-001.xhtml"))
    maths = list(page.iter(f"{MATH}math"))
    assert maths and all(m.get("alttext") for m in maths)
    said = [m.get("alttext") for m in maths]
    if name == "markdown":
        assert said[:2] == ["A equals pi r squared", "x equals, the fraction with numerator negative b plus or minus "
                            "the square root of b squared minus 4 a c, and denominator 2 a"]
        assert len(maths) == 2  # the broken formula stays its text
    else:
        assert said == ["a squared plus b squared equals c squared"]
    smil = z.read("EPUB/smil/page-001.smil").decode()
    lit = [m for m in re.findall(r'src="[^"]*#([^"]+)"', smil)]
    holders = {el.get("id") for el in page.iter() if any(c.tag == f"{MATH}math" for c in el)}
    assert holders & set(lit), "the overlay lights a formula's word"
