"""TeX in web pages (issue 79 part 1, chalicelib/media/flow/tex.py): a page that writes its formulas
as TeX for MathJax or KaTeX, or was saved with their drawing, has each formula read once as a
formula word (as MathML formulas are), never as its source ("backslash", "dollar") or its glyphs.

The pages are small hand-written copies of what each tool writes: pandoc is not installed here,
so the pandoc page is written in the exact shape `pandoc --standalone --mathjax` (3.x) gives
(`<span class="math inline">\\(...\\)</span>`, `<span class="math display">\\[...\\]</span>`, <, >
and & escaped, MathJax's script from its CDN); the KaTeX page in the shape of KaTeX 0.16's
auto-render example and its server-side output (katex-mathml with the TeX annotation, katex-html
aria-hidden); MathJax 3's CHTML output with its assistive MathML; MathJax 2's scripts with the
preview and HTML-CSS frame it puts before them. The words spoken are the product's engine's
(chalicelib/engines/math, as test_speech.py uses it)."""
from __future__ import annotations

from pathlib import Path

import pytest

from chalicelib.engines import math
from chalicelib.media import flow
from chalicelib.media.flow import tex

SOURCE_TOKENS = ("backslash", "dollar", "frac", "begin", "align", "ampersand", "&", "\\", "$")

PANDOC = r"""<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" lang="en" xml:lang="en">
<head>
  <meta charset="utf-8" />
  <meta name="generator" content="pandoc" />
  <meta name="viewport" content="width=device-width, initial-scale=1.0, user-scalable=yes" />
  <title>Notes on series</title>
  <style>
    code{white-space: pre-wrap;}
    span.smallcaps{font-variant: small-caps;}
  </style>
  <script
  src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml-full.js"
  type="text/javascript"></script>
</head>
<body>
<header id="title-block-header">
<h1 class="title">Notes on series</h1>
</header>
<h1 id="powers">Powers</h1>
<p>The area of a square of side <span class="math inline">\(x\)</span> is
<span class="math inline">\(x^2\)</span>, and its diagonal is <span
class="math inline">\(\sqrt{2}\,x\)</span>.</p>
<p>The first <span class="math inline">\(n\)</span> numbers add up to</p>
<p><span class="math display">\[\sum_{i=1}^{n} i = \frac{n(n+1)}{2}\]</span></p>
<p>when <span class="math inline">\(0 &lt; n\)</span>.</p>
<p><span class="math display">\[\begin{aligned}
a &amp;= b + c \\
d &amp;= e
\end{aligned}\]</span></p>
<p><span class="math display">\[f(x) = \begin{cases} 1 &amp; x &gt; 0 \\ 0 &amp; \text{otherwise} \end{cases}\]</span></p>
<p><span class="math display">\[A = \begin{pmatrix} 1 &amp; 2 \\ 3 &amp; 4 \end{pmatrix}\]</span></p>
<p>Type <code>\(x^2\)</code> to write one.</p>
</body>
</html>
"""

KATEX_AUTO = r"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Rates</title>
<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/katex@0.16.9/dist/katex.min.css">
<script defer src="https://cdn.jsdelivr.net/npm/katex@0.16.9/dist/katex.min.js"></script>
<script defer src="https://cdn.jsdelivr.net/npm/katex@0.16.9/dist/contrib/auto-render.min.js"></script>
<script>
    document.addEventListener("DOMContentLoaded", function() {
        renderMathInElement(document.body, {
          delimiters: [
              {left: '$$', right: '$$', display: true},
              {left: '$', right: '$', display: false},
              {left: '\\(', right: '\\)', display: false},
              {left: '\\[', right: '\\]', display: true}
          ],
          throwOnError : false
        });
    });
</script></head>
<body><article><h1>Rates</h1>
<p>A tutor costs $5 and a book $10, so the growth $y = x^2$ is what counts, and $r$ is its rate.</p>
<p>$$\int_0^1 x^2\,dx = \frac{1}{3}$$</p>
<p>Also \[\sqrt{a^2+b^2}\] and \begin{equation} E = mc^2 \label{eq:einstein} \end{equation}</p>
</article></body></html>
"""

KATEX_SERVER = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Saved</title>
<link rel="stylesheet" href="katex.min.css"></head><body><main>
<p>Its side is <span class="katex"><span class="katex-mathml"><math xmlns="http://www.w3.org/1998/Math/MathML">\
<semantics><mrow><msup><mi>x</mi><mn>2</mn></msup></mrow><annotation encoding="application/x-tex">x^2</annotation>\
</semantics></math></span><span class="katex-html" aria-hidden="true"><span class="base"><span class="strut" \
style="height:0.8141em;"></span><span class="mord"><span class="mord mathnormal">x</span><span class="msupsub">\
<span class="vlist-t"><span class="vlist-r"><span class="vlist" style="height:0.8141em;"><span style="top:-3.063em;">\
<span class="pstrut" style="height:2.7em;"></span><span class="sizing reset-size6 size3 mtight"><span class="mord \
mtight">2</span></span></span></span></span></span></span></span></span></span></span> long.</p>
<p><span class="katex-display"><span class="katex"><span class="katex-mathml"><math \
xmlns="http://www.w3.org/1998/Math/MathML" display="block"><semantics><mrow><msqrt><mn>2</mn></msqrt></mrow>\
<annotation encoding="application/x-tex">\\sqrt{2}</annotation></semantics></math></span><span class="katex-html">\
<span class="base"><span class="mord sqrt"><span class="mord">2</span><span class="hide-tail">\u221a</span></span>\
</span></span></span></span></p>
<p>And <span class="katex-error" title="ParseError: KaTeX parse error" style="color:#cc0000">\\frac{a}{b}</span>.</p>
</main></body></html>"""

MATHJAX3 = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Saved MathJax page</title>
<style id="MJX-CHTML-styles">mjx-container[jax="CHTML"]{line-height: 0;}</style></head><body><main>
<p>The sum is <mjx-container class="MathJax CtxtMenu_Attached_0" jax="CHTML" tabindex="0" ctxtmenu_counter="0" \
style="font-size: 113.1%; position: relative;"><mjx-math class="MJX-TEX"><mjx-msup><mjx-mi class="mjx-i">\
<mjx-c class="mjx-c1D465 TEX-I">x</mjx-c></mjx-mi><mjx-script style="vertical-align: 0.363em;"><mjx-mn \
class="mjx-n" size="s"><mjx-c class="mjx-c32">2</mjx-c></mjx-mn></mjx-script></mjx-msup></mjx-math>\
<mjx-assistive-mml unselectable="on" display="inline"><math xmlns="http://www.w3.org/1998/Math/MathML"><msup>\
<mi>x</mi><mn>2</mn></msup></math></mjx-assistive-mml></mjx-container> here.</p>
<mjx-container class="MathJax" jax="CHTML" display="true" style="position: relative;"><mjx-math display="true" \
class="MJX-TEX" aria-hidden="true"><mjx-mfrac><mjx-c>1</mjx-c><mjx-c>2</mjx-c></mjx-mfrac></mjx-math>\
<mjx-assistive-mml unselectable="on" display="block"><math xmlns="http://www.w3.org/1998/Math/MathML" \
display="block"><mfrac><mn>1</mn><mn>2</mn></mfrac></math></mjx-assistive-mml></mjx-container>
</main></body></html>"""

MATHJAX2 = r"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>MathJax 2</title>
<script type="text/x-mathjax-config">MathJax.Hub.Config({tex2jax: {inlineMath: [['$','$'], ['\\(','\\)']]}});</script>
<script src="https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.9/MathJax.js?config=TeX-AMS_HTML"></script>
</head><body><div id="content">
<p>Before it runs: <script type="math/tex">\frac{a}{b}</script> and</p>
<script type="math/tex; mode=display">\sum_{k=0}^{n} k</script>
<p>As saved after it ran: <span class="MathJax_Preview" style="color: inherit;">x^2</span><span class="MathJax" \
id="MathJax-Element-3-Frame" tabindex="0" role="presentation" style="position: relative;"><nobr><span class="math" \
id="MathJax-Span-1"><span class="mi">x</span><span class="mn">2</span></span></nobr><span \
class="MJX_Assistive_MathML" role="presentation"><math xmlns="http://www.w3.org/1998/Math/MathML"><msup><mi>x</mi>\
<mn>2</mn></msup></math></span></span><script type="math/tex" id="MathJax-Element-3">x^2</script> is drawn.</p>
<span class="MathJax_Preview"></span><div class="MathJax_Display" style="text-align: center;"><span class="MathJax" \
id="MathJax-Element-4-Frame"><nobr><span class="mi">y</span></nobr></span></div><script \
type="math/tex; mode=display" id="MathJax-Element-4">\sqrt{y}</script>
</div></body></html>"""


def read(page: str) -> dict:
    return flow.read(page.encode(), content_type="text/html", max_words=10_000, max_chars=100_000)


def lines(doc: dict) -> list[dict]:
    return [line for s in doc["sections"] for line in s["lines"]]


def formulas(doc: dict) -> list[dict]:
    return [w["formula"] for line in lines(doc) for w in line["words"] if "formula" in w]


def said(doc: dict) -> tuple[list[str], str]:
    """Each formula's words by the product's engine, and the whole document as it is spoken (its
    words' text, a formula's its words)."""
    found = formulas(doc)
    got = math.run([math.job(k, f, "en") for k, f in enumerate(found) if "error" not in f])
    words = [math.pauses((got.get(k) or {}).get("speech", "")) for k in range(len(found))]
    spoken, k = [], 0
    for line in lines(doc):
        for w in line["words"]:
            if "formula" in w:
                spoken.append(words[k])
                k += 1
            else:
                spoken.append(w["text"])
    return words, " ".join(spoken)


def no_source(spoken: str) -> None:
    low = spoken.lower()
    assert not [t for t in SOURCE_TOKENS if t in low], spoken


# ------------------------------------------------------------------------------ forms

def test_a_pandoc_mathjax_page_reads_each_formula_once_as_a_teacher_says_it():
    doc = read(PANDOC)
    got = [(f["latex"], f.get("display", False)) for f in formulas(doc)]
    assert got[:6] == [("x", False), ("x^2", False), (r"\sqrt{2}\,x", False), ("n", False),
                       (r"\sum_{i=1}^{n} i = \frac{n(n+1)}{2}", True), ("0 < n", False)]
    assert len(got) == 9 and all(display for _, display in got[6:])
    texts = [line["text"] for line in lines(doc)]
    assert r"The area of a square of side x is x^2, and its diagonal is \sqrt{2}\,x." in texts
    assert r"Type \(x^2\) to write one." in texts  # code is shown as written
    words, spoken = said(doc)
    assert words[1] == "x squared" and words[2].startswith("the square root of 2")
    assert words[4].startswith("the sum from i equals 1 to n of i, equals") and "over 2" in words[4]
    assert words[5] == "0 is less than n"
    assert words[6].startswith("2 lines, Line 1: a; equals b plus c")  # aligned: lines, no "&" heard
    assert "2 cases" in words[7] and "otherwise" in words[7]
    assert words[8].startswith("A equals the 2 by 2 matrix, Row 1: 1, 2")
    no_source(spoken.replace(r"Type \(x^2\) to write one.", ""))  # (the code line is left unspoken by default)


REAL = Path(__file__).resolve().parents[2] / "data" / "flow" / "math"  # made by math_pages.py from formulas.md


@pytest.mark.parametrize("name", ["pandoc-mathjax", "pandoc-katex", "mathjax-saved"])
def test_real_pandoc_and_mathjax_pages_read_each_formula_once(name):
    """pandoc's real output (--mathjax: delimiters in its math spans; --katex: bare TeX there, which
    the page's script hands to katex.render) and the first page saved after MathJax 3 drew it."""
    doc = read((REAL / f"{name}.html").read_text(encoding="utf-8"))
    words, spoken = said(doc)
    assert words[:4] == ["s", "s squared", "the square root of 2", "v equals, d over t"], words
    assert words[5].startswith("the sum from k equals 1 to n of k, equals") and "2 cases" in words[6]
    assert len(words) == 7
    no_source(spoken.replace("5 dollars", ""))


def test_a_math_span_is_bare_tex_only_where_the_page_loads_katex():
    plain = ('<html><body><p>pandoc without a math option draws <span class="math inline"><em>x</em><sup>2</sup>'
             '</span> and <span class="math inline">\\alpha</span> stays text.</p></body></html>')
    assert formulas(read(plain)) == []
    katex = plain.replace("<body>", '<head><script src="/katex/katex.min.js"></script></head><body>')
    assert [f["latex"] for f in formulas(read(katex))] == ["\\alpha"]  # the drawn one (it has elements) stays


def test_katex_auto_render_dollars_where_the_page_asks_for_them_but_money_stays_text():
    doc = read(KATEX_AUTO)
    assert tex.asks_for_dollars(flow.html.parse(KATEX_AUTO.encode()))
    texts = [line["text"] for line in lines(doc)]
    assert texts[1] == "A tutor costs $5 and a book $10, so the growth y=x^2 is what counts, and r is its rate."
    got = [(f["latex"], f.get("display", False)) for f in formulas(doc)]
    assert got == [("y = x^2", False), ("r", False), (r"\int_0^1 x^2\,dx = \frac{1}{3}", True),
                   ("\\sqrt{a^2+b^2}", True), ("E = mc^2", True)]  # the equation's label is not part of it
    words, spoken = said(doc)
    assert words[0] == "y equals x squared" and words[2].startswith("the integral from 0 to 1 of x squared")
    assert words[2].endswith("equals one third")
    assert words[3] == "the square root of a squared plus b squared" and words[4] == "E equals m c squared"
    no_source(spoken.replace("$5", "").replace("$10", ""))


def test_without_a_configuration_dollars_are_math_only_where_they_cannot_be_money():
    page = r"""<html><body><p>It costs $5 and $10, or $US 3 and $CA 4; a $1,000$ prize; $x$ is one and $a_i^2$ another,
        $\alpha$-th too, and \$ stays.</p></body></html>"""
    doc = read(page)
    assert [f["latex"] for f in formulas(doc)] == ["x", "a_i^2", r"\alpha"]
    assert lines(doc)[0]["text"].startswith("It costs $5 and $10, or $US 3 and $CA 4; a $1,000$ prize; x is one")
    assert lines(doc)[0]["text"].endswith(r"\alpha-th too, and $ stays.")  # an escaped dollar is a dollar sign


JUPYTER = r"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>Notebook</title>
<script type="text/x-mathjax-config">
    init_mathjax = function() {
        if (window.MathJax) {
            MathJax.Hub.Config({
                TeX: {equationNumbers: {autoNumber: "AMS", useLabelIds: true}},
                tex2jax: {
                    inlineMath: [ ['$','$'], ["\\(","\\)"] ],
                    displayMath: [ ['$$','$$'], ["\\[","\\]"] ],
                    processEscapes: true,
                    processEnvironments: true
                },
                displayAlign: 'center'
            });
        }
    }
    init_mathjax();
</script></head><body class="jp-Notebook"><main>
<div class="jp-Cell jp-MarkdownCell jp-Notebook-cell"><div class="jp-Cell-inputWrapper"><div class="jp-InputArea jp-Cell-inputArea">
<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown jp-MarkdownOutput" data-mime-type="text/markdown">
<h2 id="Growth">Growth<a class="anchor-link" href="#Growth">&#182;</a></h2>
<p>The model is $y = e^{kt}$, so $k$ is the rate and $\ln y$ grows by $k$ each step:</p>
$$\frac{dy}{dt} = ky$$
</div></div></div></div>
<div class="jp-Cell jp-CodeCell jp-Notebook-cell"><div class="jp-InputArea jp-Cell-inputArea"><div class="jp-CodeMirrorEditor">
<div class="highlight hl-ipython3"><pre><span></span><span class="n">price</span> <span class="o">=</span> <span class="s2">"$5"</span> <span class="c1"># $k$</span>
</pre></div></div></div></div>
</main></body></html>"""


def test_a_jupyter_notebooks_html_reads_its_markdown_cells_dollars_and_not_its_code():
    doc = read(JUPYTER)
    got = [(f["latex"], f.get("display", False)) for f in formulas(doc)]
    assert got == [("y = e^{kt}", False), ("k", False), (r"\ln y", False), ("k", False), (r"\frac{dy}{dt} = ky", True)]
    texts = [line["text"] for line in lines(doc)]
    assert "The model is y=e^{kt}, so k is the rate and \\ln{}y grows by k each step:" in texts
    root = flow.html.parse(JUPYTER.encode())
    assert tex.prepare(root) == 5
    assert "".join(root.find(".//pre").itertext()).strip() == 'price = "$5" # $k$'  # the code cell as written


def test_katex_server_rendered_formulas_are_spoken_once_and_their_glyphs_never_read():
    doc = read(KATEX_SERVER)
    texts = [line["text"] for line in lines(doc)]
    assert texts == ["Its side is x^2 long.", r"\sqrt{2}", r"And \frac{a}{b}."]
    first, second, error = formulas(doc)
    assert first["latex"] == "x^2" and "<msup>" in first["mathml"] and "annotation" not in first["mathml"]
    assert second["display"] is True and second["latex"] == r"\sqrt{2}"  # glyphs not aria-hidden: dropped all the same
    assert error["latex"] == r"\frac{a}{b}"  # what KaTeX could not draw, it showed as source: MathJax reads it
    words, spoken = said(doc)
    assert words == ["x squared", "the square root of 2", "a over b"]
    no_source(spoken)
    assert "2 2" not in spoken and "\u221a" not in spoken


def test_a_saved_mathjax_3_page_reads_its_assistive_mathml_once():
    doc = read(MATHJAX3)
    texts = [line["text"] for line in lines(doc)]
    assert texts == ["The sum is x^2 here.", r"\frac{1}{2}"]  # the drawing's own characters are not read
    inline, display = formulas(doc)
    assert "<msup>" in inline["mathml"] and display["display"] is True
    words, spoken = said(doc)
    assert words == ["x squared", "one half"]
    no_source(spoken)


def test_mathjax_2_scripts_are_formulas_and_what_it_drew_before_them_is_not_read():
    doc = read(MATHJAX2)
    got = [(f["latex"], f.get("display", False)) for f in formulas(doc)]
    assert got == [(r"\frac{a}{b}", False), (r"\sum_{k=0}^{n} k", True), ("x^2", False), (r"\sqrt{y}", True)]
    texts = [line["text"] for line in lines(doc)]
    assert "As saved after it ran: x^2 is drawn." in texts  # its preview "x^2" and frame "x2" once, as the formula
    assert all("MathJax" not in t for t in texts)
    words, spoken = said(doc)
    assert words == ["a over b", "the sum from k equals 0 to n of k", "x squared", "the square root of y"]
    no_source(spoken)


# ------------------------------------------------------------------------------ environments

def test_environments_speak_as_lines_cases_and_matrices_and_one_line_is_its_line():
    assert tex.tidy(r"\begin{align*} x &= 1 \end{align*}") == "x = 1"
    assert tex.tidy(r"\begin{equation} E = mc^2 \label{eq:1} \end{equation}") == "E = mc^2"
    assert tex.tidy(r"\begin{align} a &= b \\ c &= d \nonumber \end{align}") == r"\begin{align} a &= b \\ c &= d  \end{align}"
    assert tex.tidy(r"\begin{align} a &= b \tag{3} \\ \end{align}") == "a = b"
    assert tex.tidy(r"\begin{aligned} x &= \{1 \& 2\} \end{aligned}") == r"x = \{1 \& 2\}"
    page = r"""<html><body><p>\begin{align} a &amp;= b + c \\ d &amp;= e \end{align}</p>
        <p>\[\begin{bmatrix} a &amp; b \\ c &amp; d \end{bmatrix}\]</p><p>\[\begin{matrix} 1 &amp; 0 \end{matrix}\]</p>
        <p>\begin{align*} x &amp;= 1 \end{align*}</p><p>\begin{eqnarray} y &amp;=&amp; 2 \end{eqnarray}</p></body></html>"""
    doc = read(page)
    words, spoken = said(doc)
    assert words[0] == "2 lines, Line 1: a; equals b plus c, Line 2: d; equals e"
    assert words[1] == "the 2 by 2 matrix, Row 1: a, b, Row 2: c, d"
    assert words[3] == "x equals 1" and words[4] == "y equals 2"  # not "1 lines, Line 1: ..."
    no_source(spoken)


# ------------------------------------------------------------------------------ bounds

def test_an_unterminated_delimiter_is_text_and_the_page_goes_on():
    page = r"""<html><body><p>Open \( here, then $$ there, and \begin{align} too.</p>
        <p>Later \(y^2\) and the rest of the page.</p></body></html>"""
    doc = read(page)
    texts = [line["text"] for line in lines(doc)]
    assert texts == [r"Open \( here, then $$ there, and \begin{align} too.", "Later y^2 and the rest of the page."]
    assert [f["latex"] for f in formulas(doc)] == ["y^2"]


def test_a_huge_or_deep_formula_fails_alone_and_is_said_formula():
    deep = "{" * 2000 + "x" + "}" * 2000
    lefts = r"\left(" * 100 + "x" + r"\right)" * 100
    huge = "x+" * 20_000 + "1"
    page = f"<html><body><p>Deep \\({deep}\\), left \\({lefts}\\), huge \\[{huge}\\] and \\(z^2\\) after.</p></body></html>"
    doc = read(page)
    deep_f, lefts_f, huge_f, fine = formulas(doc)
    assert "nests its parts more than 64 deep" in deep_f["error"]
    assert "nests its parts more than 64 deep" in lefts_f["error"]
    assert "characters long" in huge_f["error"]
    assert fine == {"latex": "z^2"}
    words, _ = said(doc)
    assert words[3] == "z squared"


def test_a_page_of_many_openers_without_closers_is_read_in_linear_time():
    # each opener looks for its closer once: 100,000 of them are a few passes over the text, not 10^10 steps
    page = "<html><body><p>" + r"\( \[ \begin{align} $5 " * 100_000 + "end</p></body></html>"
    doc = flow.read(page.encode(), content_type="text/html", max_words=1_000_000, max_chars=10_000_000)
    assert not formulas(doc) and lines(doc)[-1]["text"].endswith("end")


def test_scripts_code_and_ignored_elements_keep_their_dollars_and_brackets():
    page = r"""<html><body><p class="tex2jax_ignore">Write \(x\) like this.</p><pre>\[y\]</pre>
        <p>A <kbd>$x$</kbd> key and <script>var s = "\\(z\\)";</script>\(w\).</p></body></html>"""
    doc = read(page)
    assert [f["latex"] for f in formulas(doc)] == ["w"]
    assert lines(doc)[0]["text"] == r"Write \(x\) like this."


@pytest.mark.parametrize("opener, closer", [(r"\(", r"\)"), (r"\[", r"\]"), ("$$", "$$")])
def test_split_keeps_text_around_formulas_and_escapes(opener, closer):
    assert tex.split(f"a {opener}x{closer} b", False) == ["a ", ("x", opener != r"\("), " b"]
    assert tex.split(rf"a \\{opener[1:]}x b", False) == [rf"a \\{opener[1:]}x b"]  # a line break, not an opener
    assert tex.split(f"{opener}\\${closer}", False) == ["", ("\\$", opener != r"\("), ""]


@pytest.mark.slow
def test_through_the_page_pipeline_a_tex_formula_is_drawn_spoken_and_exported_as_mathml_formulas_are():
    import zipfile
    from io import BytesIO
    from xml.etree import ElementTree

    from chalicelib.books import FORMATS, builder
    from tests.books.test_epub import read_aloud

    result, mp3, _ = read_aloud(PANDOC.encode(), content_type="text/html")
    words = [w for page in result["pages"] for line in page["lines"] for w in line["words"] if "formula" in w]
    assert len(words) == 9
    square = words[1]["formula"]
    assert square["spoken"] == "x squared" and "<msup>" in square["mathml"]  # drawn from the worker's MathML
    said = [w["formula"]["spoken"] for w in words]
    assert not [s for s in said if {"backslash", "dollar", "frac", "begin"} & set(s.lower().split())]
    book = zipfile.ZipFile(BytesIO(builder(FORMATS["epub"])(result, mp3, title="TeX page")))
    alts = [m.get("alttext") for name in book.namelist() if name.startswith("EPUB/text/")
            for m in ElementTree.fromstring(book.read(name)).iter("{http://www.w3.org/1998/Math/MathML}math")]
    assert "x squared" in alts and len(alts) == 9
