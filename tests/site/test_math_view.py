"""Formulas on the site (issue 58 item 3), through the real local stack and a real Chromium: each
format's formula (a Markdown file's LaTeX, a web page's and an EPUB's MathML, a Word document's
Office Math, an ODT's formula object) read by the worker (MathJax, Speech Rule Engine), then drawn
in the document view as the browser's MathML (numerator over denominator, a root around its
radicand), each one word: lit as a whole while it is spoken; axe-core finds nothing at 1280 and
360 px."""
from __future__ import annotations

import pytest
import requests

from tests import stackclient
from tests.media.flow import docx_make, odt_make
from tests.media.flow.test_epub import make as epub
from tests.media.flow.test_epub import opf, xhtml
from tests.media.flow.test_formula import mr, omml
from tests.site.axe import at_both_widths
from tests.site.test_site import login_ui

pytestmark = [pytest.mark.timeout(600), pytest.mark.stack, pytest.mark.browser]

MARKDOWN = """# Circles and roots

The area of a circle is $A = \\pi r^2$, where r is its radius.

The roots of a quadratic equation are

$$x = \\frac{-b \\pm \\sqrt{b^2 - 4ac}}{2a}$$

and nothing more is needed to find them.
"""

HTML = """<!doctype html><html lang="en"><head><title>Energy</title></head><body><h1>Energy</h1>
<p>Einstein wrote <math alttext="E = m c squared"><mi>E</mi><mo>=</mo><mi>m</mi><msup><mi>c</mi><mn>2</mn></msup></math>
in a short paper.</p></body></html>"""


ENERGY = ("<math xmlns=\"http://www.w3.org/1998/Math/MathML\"><mi>E</mi><mo>=</mo><mi>m</mi><msup><mi>c</mi>"
          "<mn>2</mn></msup></math>")


def documents() -> dict[str, tuple[str, bytes, str]]:
    """name -> (file name, bytes, type): one formula in each format that carries formulas."""
    root = f'<m:rad><m:radPr><m:degHide m:val="1"/></m:radPr><m:deg/><m:e>{mr("2")}</m:e></m:rad>'
    word = docx_make.docx(docx_make.p(runs=docx_make.r("The diagonal of a unit square is ") + omml(root) + docx_make.r(".")))
    odt = odt_make.odt(odt_make.p('Energy <draw:frame text:anchor-type="as-char"><draw:object xlink:href="./Object 1"/>'
                                  "</draw:frame> is conserved."), extra={"Object 1/content.xml": ENERGY.encode()})
    book = epub({"OEBPS/content.opf": opf('<item id="c1" href="c1.xhtml" media-type="application/xhtml+xml" '
                                          'properties="mathml"/>', '<itemref idref="c1"/>'),
                 "OEBPS/c1.xhtml": xhtml(f"<p>Einstein wrote {ENERGY} in 1905.</p>")})
    return {"markdown": ("roots.md", MARKDOWN.encode(), "text/markdown"),
            "html": ("energy.html", HTML.encode(), "text/html"),
            "docx": ("root.docx", word, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            "odt": ("energy.odt", odt, "application/vnd.oasis.opendocument.text"),
            "epub": ("energy.epub", book, "application/epub+zip")}


@pytest.fixture(scope="module")
def finished(stack):
    email = stackclient.register(stack)
    headers = stackclient.login(stack, email)
    ids = {name: stackclient.upload(stack, headers, filename, data, content_type, patience=120)
           for name, (filename, data, content_type) in documents().items()}
    jobs = stackclient.wait_jobs(stack, headers, ids.values(), timeout=400)
    out = {}
    for name, job_id in ids.items():
        job = jobs[job_id]
        assert job["status"] == "done", job.get("error")
        if job.get("result") is None:
            job = {**job, "result": requests.get(job["result_url"], timeout=60).json()}
        out[name] = job
    return email, out


def _formulas(result: dict) -> list[dict]:
    return [w for p in result["pages"] for ln in p["lines"] for w in ln["words"] if w.get("formula")]


def played_from_a_formula(page) -> None:
    """Played from the first formula's word, then paused: the formula is lit, and lit as one word
    (nothing else lit with it). Every change of the lit words is recorded as it happens (a
    MutationObserver) from before the click: a short formula is lit for a fraction of a second,
    which a poll on a busy machine missed."""
    page.evaluate("""() => {
        const text = document.querySelector('#result-text');
        window.__litSeen = [];
        new MutationObserver(() => {
            const lit = [...text.querySelectorAll('.text-word.is-current')];
            if (lit.length) window.__litSeen.push(lit.map((w) => w.classList.contains('is-formula')));
        }).observe(text, {subtree: true, attributes: true, attributeFilter: ['class']});
    }""")
    page.locator("#result-text .text-word.is-formula").first.click()
    page.click('[data-testid="play"]')
    page.wait_for_function("() => window.__litSeen.some((lit) => lit.includes(true))", timeout=20_000)
    page.click('[data-testid="play"]')
    seen = page.evaluate("window.__litSeen")
    assert all(lit == [True] for lit in seen if True in lit), seen


def test_formulas_are_drawn_as_mathematics_and_lit_as_one_word(page, stack, finished, shoot):
    email, jobs = finished
    assert [bool(f["formula"].get("mathml")) for f in _formulas(jobs["markdown"]["result"])] == [True, True]
    login_ui(page, stack, {"email": email, "password": stackclient.PASSWORD, "name": "Ada Reader"})
    page.goto(stack.site_url.rstrip("/") + f"/#/jobs/{jobs['markdown']['job_id']}")
    page.wait_for_selector('#player[data-ready="true"]', timeout=60_000)
    text = page.locator("#result-text")
    assert text.locator(".text-word.is-formula math").count() == 2
    drawn = page.evaluate("""() => {
        const box = (e) => e.getBoundingClientRect();
        const frac = document.querySelector('#result-text mfrac');
        const root = document.querySelector('#result-text msqrt');
        return {
            fraction: box(frac.children[0]).bottom <= box(frac.children[1]).top + 1,
            root: box(root).width > box(root.firstElementChild).width,
            display: document.querySelectorAll('#result-text math[display="block"]').length,
            power: document.querySelectorAll('#result-text msup').length,
            hostile: document.querySelectorAll('#result-text math annotation, #result-text math [style]').length,
        };
    }""")
    assert drawn == {"fraction": True, "root": True, "display": 1, "power": 2, "hostile": 0}
    # Without a source's alt text, the formula's label is what the voice says for it.
    assert "squared" in text.locator(".text-word.is-formula math").first.get_attribute("alttext")
    played_from_a_formula(page)
    assert at_both_widths(page) == {}
    shoot(page, "document-formulas")

    page.goto(stack.site_url.rstrip("/") + f"/#/jobs/{jobs['html']['job_id']}")
    page.wait_for_selector('#player[data-ready="true"]', timeout=60_000)
    math = page.locator("#result-text .text-word.is-formula math")
    assert math.count() == 1 and math.get_attribute("alttext") == "E = m c squared"
    assert page.locator("#result-text .text-word.is-formula msup").count() == 1
    assert at_both_widths(page) == {}


@pytest.mark.parametrize("name, drawn", [("docx", "msqrt"), ("odt", "msup"), ("epub", "msup")])
def test_every_format_s_formula_is_drawn(page, stack, finished, name, drawn):
    email, jobs = finished
    (formula,) = _formulas(jobs[name]["result"])
    assert formula["formula"]["mathml"] and formula["formula"]["spoken"] != "formula", formula
    login_ui(page, stack, {"email": email, "password": stackclient.PASSWORD, "name": "Ada Reader"})
    page.goto(stack.site_url.rstrip("/") + f"/#/jobs/{jobs[name]['job_id']}")
    page.wait_for_selector('#player[data-ready="true"]', timeout=60_000)
    assert page.locator(f"#result-text .text-word.is-formula math {drawn}").count() == 1
