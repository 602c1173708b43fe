"""Formulas wherever they are written (issue 79), through the real local stack and a real Chromium,
from real files (tests/data/flow/SOURCES.md): a page made by `pandoc --mathjax`, one made by
`pandoc --katex` (bare TeX handed to katex.render), the first saved as Chromium shows it once
MathJax 3 has drawn it, Jupyter's "Typesetting Equations" notebook, an arXiv template's LaTeX
source and a PDF made by pdfTeX (its formulas rebuilt from the text layer's glyphs). Each formula is drawn as MathML (a fraction's numerator over its denominator, a root
around its radicand), lit as one word while it is spoken, heard by Whisper base as a teacher says
it, and axe-core finds nothing at 1280 and 360 px."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests

from tests import stackclient
from tests.engines.math.test_on_the_stack import heard
from tests.site.axe import at_both_widths
from tests.site.test_math_view import played_from_a_formula
from tests.site.test_site import login_ui

pytestmark = [pytest.mark.timeout(600), pytest.mark.stack, pytest.mark.browser]

DATA = Path(__file__).resolve().parents[1] / "data" / "flow"
PAGES = ("pandoc-mathjax", "pandoc-katex", "mathjax-saved")
# Each file: (name, type, what its formulas draw, how many formulas at least)
FILES = {**{name: (f"math/{name}.html", "text/html", ("mfrac", "msqrt", "msup", "munderover"), 7) for name in PAGES},
         "notebook": ("typesetting-equations.ipynb", "application/x-ipynb+json", ("mfrac", "msup"), 10),
         "latex": ("arxiv-template.tex", "application/x-tex", ("msup",), 3),
         # pdfTeX's PDF without its text maps (as older arXiv PDFs are): formulas rebuilt from the glyphs
         "pdf": ("../pdfmath/formulas-nomap.pdf", "application/pdf", ("mfrac", "msqrt", "msup", "munderover"), 5)}
SOURCE_TOKENS = {"backslash", "dollar", "frac", "begin", "end", "sqrt", "mathrm"}


@pytest.fixture(scope="module")
def finished(stack):
    email = stackclient.register(stack)
    headers = stackclient.login(stack, email)
    ids = {name: stackclient.upload(stack, headers, Path(path).name, (DATA / path).read_bytes(), content_type,
                                    patience=120)
           for name, (path, content_type, _, _) in FILES.items()}
    jobs = stackclient.wait_jobs(stack, headers, ids.values(), timeout=500)
    out = {}
    for name, job_id in ids.items():
        job = jobs[job_id]
        assert job["status"] == "done", (name, job.get("error"))
        if job.get("result") is None:
            job = {**job, "result": requests.get(job["result_url"], timeout=60).json()}
        out[name] = job
    return email, out


def formulas(result: dict) -> list[dict]:
    return [w["formula"] for p in result["pages"] for ln in p["lines"] for w in ln["words"] if w.get("formula")]


@pytest.mark.parametrize("name", PAGES)
def test_a_web_pages_tex_is_read_once_as_formulas_and_heard_as_a_teacher_says_them(finished, name):
    _, jobs = finished
    job = jobs[name]
    spoken = [f["spoken"] for f in formulas(job["result"])]
    assert "s squared" in spoken and "the square root of 2" in spoken, spoken
    assert any("d over t" in s for s in spoken) and any(s.startswith("the sum from k equals 1 to n") for s in spoken)
    assert "formula" not in spoken and len(spoken) == 7, spoken  # each once: not its drawing and its MathML
    said = heard(job)
    text = " ".join(said)
    assert "squared" in said and "square root" in text and "over" in said and "sum" in said, text
    assert not SOURCE_TOKENS & set(said), text
    assert re.search(r"\b(5|five) dollars\b", text), text  # money stays money


def test_a_latex_made_pdfs_formulas_are_spoken_as_words_and_heard(finished):
    _, jobs = finished
    job = jobs["pdf"]
    spoken = [f["spoken"] for f in formulas(job["result"])]
    assert "x squared" in spoken and "the square root of 2" in spoken and "x over y" in spoken, spoken
    assert any(s.startswith("the sum from i equals 1 to n of") and "alpha sub i" in s for s in spoken), spoken
    assert spoken.count("formula") == 1, spoken  # the harpoon, which has no reading here
    said = heard(job)
    text = " ".join(said)
    assert "squared" in said and "square root" in text and "over" in said and "sum" in said, text
    assert not SOURCE_TOKENS & set(said), text


@pytest.mark.parametrize("name", list(FILES))
def test_formulas_are_drawn_and_lit_as_one_word(page, stack, finished, name):
    email, jobs = finished
    job = jobs[name]
    _, _, draws, at_least = FILES[name]
    assert len(formulas(job["result"])) >= at_least
    login_ui(page, stack, {"email": email, "password": stackclient.PASSWORD, "name": "Ada Reader"})
    page.goto(stack.site_url.rstrip("/") + f"/#/jobs/{job['job_id']}")
    page.wait_for_selector('#player[data-ready="true"]', timeout=60_000)
    text = page.locator("#result-text")
    assert text.locator(".text-word.is-formula math").count() >= at_least
    for element in draws:
        assert text.locator(f".text-word.is-formula math {element}").count() >= 1, element
    drawn = page.evaluate("""() => {
        const box = (e) => e.getBoundingClientRect();
        const frac = document.querySelector('#result-text mfrac');
        const root = document.querySelector('#result-text msqrt');
        return {
            fraction: !frac || box(frac.children[0]).bottom <= box(frac.children[1]).top + 1,
            root: !root || box(root).width > box(root.firstElementChild).width,
            // the words read (a notebook shows its cells' TeX source as code: <pre>, not read)
            source: [...document.querySelectorAll('#result-text .text-word')].filter((w) => !w.closest('pre'))
                .some((w) => /\\\\(frac|sqrt|begin)\\b/.test(w.textContent)),
        };
    }""")
    assert drawn == {"fraction": True, "root": True, "source": False}
    played_from_a_formula(page)
    assert at_both_widths(page) == {}
