"""Formulas in documents without pages (issue 58): every format's formula becomes one word of its
sentence carrying its MathML (and its LaTeX where it came as LaTeX), its text the formula's LaTeX
without spaces (chalicelib/media/flow/formula.py)."""
from __future__ import annotations

import json

from lxml import etree

from chalicelib.media import flow
from chalicelib.media.flow import formula
from tests.media.flow import docx_make
from tests.media.flow.test_epub import make as epub
from tests.media.flow.test_epub import opf, xhtml

QUADRATIC = ("<math><mi>x</mi><mo>=</mo><mfrac><mrow><mo>-</mo><mi>b</mi><mo>&#xB1;</mo><msqrt><msup><mi>b</mi>"
             "<mn>2</mn></msup><mo>-</mo><mn>4</mn><mi>a</mi><mi>c</mi></msqrt></mrow><mrow><mn>2</mn><mi>a</mi>"
             "</mrow></mfrac></math>")


def read(data: bytes, content_type: str) -> dict:
    return flow.read(data, content_type=content_type, max_words=10_000, max_chars=100_000)


def lines(doc: dict) -> list[dict]:
    return [line for s in doc["sections"] for line in s["lines"]]


def formulas(doc: dict) -> list[dict]:
    return [w for line in lines(doc) for w in line["words"] if "formula" in w]


def test_a_web_page_formula_is_one_word_of_its_sentence_with_its_mathml():
    page = f"""<html><body><p>The roots are {QUADRATIC.replace('<math>', '<math alttext="the quadratic formula">')},
        as every student knows.</p><table><tr><th>area</th></tr>
        <tr><td><math><mi>&#x3C0;</mi><msup><mi>r</mi><mn>2</mn></msup></math></td></tr></table></body></html>"""
    doc = read(page.encode(), "text/html")
    first = lines(doc)[0]
    assert first["text"] == r"The roots are x=\frac{-b±\sqrt{b^2-4ac}}{2a}, as every student knows."
    assert first["text"] == " ".join(w["text"] for w in first["words"])  # CONTRACTS section 1 still holds
    quadratic, area = formulas(doc)
    f = quadratic["formula"]
    assert f["mathml"].startswith('<math xmlns="http://www.w3.org/1998/Math/MathML">') and "<msqrt>" in f["mathml"]
    assert f["alt"] == "the quadratic formula"
    assert f["span"] == [0, len(quadratic["text"]) - 1]  # the comma glued to it stays in the word, outside the formula
    assert area["text"] == "π{}r^2" or area["text"] == "πr^2"  # a table cell's formula too
    assert "<msup><mi>r</mi><mn>2</mn></msup>" in area["formula"]["mathml"]


def test_an_epub_chapter_formula_keeps_its_tex_annotation_and_display():
    math = ('<m:math xmlns:m="http://www.w3.org/1998/Math/MathML" display="block"><m:semantics><m:mrow><m:mi>E</m:mi>'
            '<m:mo>=</m:mo><m:mi>m</m:mi><m:msup><m:mi>c</m:mi><m:mn>2</m:mn></m:msup></m:mrow>'
            '<m:annotation encoding="application/x-tex">E = mc^2</m:annotation></m:semantics></m:math>')
    book = epub({"OEBPS/content.opf": opf('<item id="c1" href="c1.xhtml" media-type="application/xhtml+xml" '
                                          'properties="mathml"/>', '<itemref idref="c1"/>'),
                 "OEBPS/c1.xhtml": xhtml(f"<p>Einstein wrote {math} in 1905.</p>")})
    doc = read(book, "application/epub+zip")
    (word,) = formulas(doc)
    assert word["text"] == "E=mc^2"
    assert word["formula"]["latex"] == "E = mc^2" and word["formula"]["display"] is True
    assert "annotation" not in word["formula"]["mathml"] and "<msup>" in word["formula"]["mathml"]


def omml(body: str) -> str:
    return f"<m:oMath>{body}</m:oMath>"


def mr(text: str) -> str:
    return f"<m:r><m:t>{text}</m:t></m:r>"


def test_a_word_document_office_math_becomes_mathml():
    fraction = f"<m:f><m:num>{mr('-b±')}<m:rad><m:radPr><m:degHide m:val=\"1\"/></m:radPr><m:deg/><m:e>" \
               f"<m:sSup><m:e>{mr('b')}</m:e><m:sup>{mr('2')}</m:sup></m:sSup>{mr('-4ac')}</m:e></m:rad></m:num>" \
               f"<m:den>{mr('2a')}</m:den></m:f>"
    total = f"<m:nary><m:naryPr><m:chr m:val=\"∑\"/></m:naryPr><m:sub>{mr('i=1')}</m:sub><m:sup>{mr('n')}</m:sup>" \
            f"<m:e><m:sSub><m:e>{mr('x')}</m:e><m:sub>{mr('i')}</m:sub></m:sSub></m:e></m:nary>"
    matrix = f"<m:d><m:dPr><m:begChr m:val=\"[\"/><m:endChr m:val=\"]\"/></m:dPr><m:e><m:m>" \
             f"<m:mr><m:e>{mr('1')}</m:e><m:e>{mr('0')}</m:e></m:mr><m:mr><m:e>{mr('0')}</m:e><m:e>{mr('1')}</m:e></m:mr>" \
             f"</m:m></m:e></m:d>"
    body = docx_make.p(runs=docx_make.r("Solve ") + omml(mr("x=") + fraction) + docx_make.r(" and add ")
                       + omml(total) + docx_make.r(" to ") + omml(mr("I=") + matrix) + docx_make.r("."))
    doc = read(docx_make.docx(body), "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    (line,) = lines(doc)
    assert line["text"] == r"Solve x=\frac{-b±\sqrt{b^2-4ac}}{2a} and add ∑_{i=1}^nx_i to I=[\begin{matrix}1&0\\0&1\end{matrix}]."
    quadratic, total_word, identity = (w["formula"]["mathml"] for w in formulas(doc))
    assert "<mfrac>" in quadratic and "<msqrt>" in quadratic and "<mi>a</mi><mi>c</mi>" in quadratic
    assert "<munderover><mo>∑</mo>" in total_word and "<msub>" in total_word
    assert "<mtable><mtr><mtd>" in identity and '<mo fence="true">[</mo>' in identity


def test_office_math_alignment_points_and_a_parenthesis_typed_into_a_scripts_base():
    cases = f"<m:eqArr><m:e>{mr('0,  &amp;x=1')}</m:e><m:e>{mr('1,  &amp;otherwise')}</m:e></m:eqArr>"
    typed = f"<m:sSup><m:e>{mr('(b')}</m:e><m:sup>{mr('M')}</m:sup></m:sSup>{mr('-b)')}"  # Word's own, typed (b^M-b)
    alone = '<m:oMath xmlns:m="http://schemas.openxmlformats.org/officeDocument/2006/math">{}</m:oMath>'
    cases_f, typed_f = (formula.from_omml(etree.fromstring(alone.format(x))) for x in (cases, typed))
    assert "&amp;" not in cases_f["mathml"] and cases_f["mathml"].count("<mtr>") == 2  # alignment points unshown
    assert typed_f["mathml"].startswith('<math xmlns="http://www.w3.org/1998/Math/MathML"><mo>(</mo><msup>')


def test_markdown_dollars_brackets_and_math_fences_but_not_money():
    md = rb"""The area is $A = \pi r^2$, costs $5 and $10, and \(x^2\) too.

$$\int_0^1 x^2\,dx = \frac{1}{3}$$

\[ a^2+b^2=c^2 \]

```math
\sqrt{2}
```
"""
    doc = read(md, "text/markdown")
    texts = [line["text"] for line in lines(doc)]
    assert texts[0] == r"The area is A=\pi{}r^2, costs $5 and $10, and x^2 too."
    got = [(w["formula"]["latex"], w["formula"].get("display", False)) for w in formulas(doc)]
    assert got == [(r"A = \pi r^2", False), ("x^2", False), (r"\int_0^1 x^2\,dx = \frac{1}{3}", True),
                   ("a^2+b^2=c^2", True), (r"\sqrt{2}", True)]
    assert all("mathml" not in w["formula"] for w in formulas(doc))  # LaTeX's MathML is the worker's (MathJax)


def test_a_dollar_inside_a_formulas_braces_does_not_close_it_in_markdown_or_a_notebook():
    """NumPy's triangular density (`$..\\text{for $l \\leq x \\leq m$}..$`): TeX, pandoc and MathJax
    close the formula at the dollar outside the braces; markdown-it's dollar rule closed it at the
    first one and read the rest as its source. Money and formulas whose braces close first read
    as before; an unclosed brace leaves the dollar rule's reading."""
    tex = r"P(x;l,m,r) = \frac{2(x-l)}{(r-l)(m-l)} \text{for $l \leq x \leq m$}"
    md = f"The density is ${tex}$, costs $5 and $10, $a_{{1}}$ and ${{b$.".encode()
    doc = read(md, "text/markdown")
    assert [w["formula"]["latex"] for w in formulas(doc)] == [tex, "a_{1}", "{b"]  # the last as before
    assert ", costs $5 and $10, " in lines(doc)[0]["text"]
    cell = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": [f"Its density: ${tex}$."]}],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    notebook = read(json.dumps(cell).encode(), "application/x-ipynb+json")
    assert [w["formula"]["latex"] for w in formulas(notebook)] == [tex]


def test_the_linear_text_has_no_whitespace_and_keeps_text_and_control_words():
    assert formula.linear({"latex": r"\alpha x + \text{if } y"}) == r"\alpha{}x+\text{if~}y"
    assert formula.linear({"latex": r"\frac{a}{b} \quad c"}) == r"\frac{a}{b}\quad{}c"
    mathml = formula.from_mathml(etree.fromstring(
        '<math xmlns="http://www.w3.org/1998/Math/MathML"><mroot><mi>x</mi><mn>3</mn></mroot><mtext>for all x</mtext>'
        "<mtable><mtr><mtd><mn>1</mn></mtd><mtd><mn>2</mn></mtd></mtr></mtable></math>"))
    assert formula.linear(mathml) == r"\sqrt[3]{x}\text{for~all~x}\begin{matrix}1&2\end{matrix}"
    assert formula.linear({"error": "too deep"}) == "[formula]"


def test_converters_digits_and_layout_tables_are_tidied():
    """A number written digit by digit is one number; a one-row table laying a formula out is the
    formula (what speech engines misread as "3 1" and "1 lines ... blank")."""
    got = formula.from_mathml(etree.fromstring(
        '<math xmlns="http://www.w3.org/1998/Math/MathML"><mtable><mtr><mtd><mn>3</mn><mn>1</mn><mo>+</mo>'
        "<msup><mi>x</mi><mn>2</mn></msup></mtd><mtd><mspace width=\"2em\"/></mtd></mtr></mtable></math>"))
    assert got["mathml"] == ('<math xmlns="http://www.w3.org/1998/Math/MathML"><mrow><mn>31</mn><mo>+</mo>'
                             "<msup><mi>x</mi><mn>2</mn></msup></mrow></math>")


def test_a_one_row_table_laying_out_an_equation_is_the_equation_and_a_row_vector_stays():
    ns = '<math xmlns="http://www.w3.org/1998/Math/MathML">'
    aligned = formula.from_mathml(etree.fromstring(
        ns + '<mtable><mtr><mtd><mi>x</mi></mtd><mtd><mo>=</mo><mi>a</mi><mo>+</mo><mi>b</mi></mtd><mtd/></mtr></mtable></math>'))
    assert aligned["mathml"] == ns + "<mrow><mi>x</mi><mo>=</mo><mi>a</mi><mo>+</mo><mi>b</mi></mrow></math>"
    row = ns + "<mo>(</mo><mtable><mtr><mtd><mn>1</mn></mtd><mtd><mn>2</mn></mtd></mtr></mtable><mo>)</mo></math>"
    assert "<mtable>" in formula.from_mathml(etree.fromstring(row))["mathml"]  # values side by side, fenced
    bare = ns + "<mtable><mtr><mtd><mn>1</mn></mtd><mtd><mn>2</mn></mtd></mtr></mtable></math>"
    assert "<mtable>" in formula.from_mathml(etree.fromstring(bare))["mathml"]  # no relation between them


def test_several_formulas_in_one_word_are_words_of_their_own():
    doc = read(b"Between $a$-$b$ and $c$.", "text/markdown")
    assert [w["text"] for w in lines(doc)[0]["words"]] == ["Between", "a-", "b", "and", "c."]
    assert [w["formula"]["latex"] for w in formulas(doc)] == ["a", "b", "c"]
