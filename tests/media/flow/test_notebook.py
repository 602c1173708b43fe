"""Jupyter notebooks read into flow blocks (issue 79 part 2, chalicelib/media/flow/notebook.py).

Real files (tests/data/flow/SOURCES.md): the Jupyter Notebook's own documentation notebooks
"Typesetting Equations.ipynb" (Markdown cells of MathJax examples: bare `align` and `equation*`
environments, `$$`, `\\(k\\)` in a heading, their sources in code fences) and "Running Code.ipynb"
(code cells with stream outputs), BSD-3-Clause, unchanged. Hostile notebooks are made here.
"""
from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from chalicelib.media.flow import FlowError, notebook
from tests.media.flow import shapes
from tests.media.flow.shapes import blocks
from tests.media.flow.test_html_tex import formulas, said

DATA = Path(__file__).parents[2] / "data" / "flow"
NOTEBOOK = "application/x-ipynb+json"


def read(data: bytes | str, hint: str | None = NOTEBOOK, **caps) -> dict:
    return shapes.read(data, hint, **caps)


def make(*cells, **meta) -> str:
    return json.dumps({"cells": list(cells), "metadata": meta, "nbformat": 4, "nbformat_minor": 5})


def md(*lines) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": list(lines)}


def code(source: str, outputs=(), tags=()) -> dict:
    return {"cell_type": "code", "metadata": {"tags": list(tags)}, "source": source, "outputs": list(outputs),
            "execution_count": 1}


def test_typesetting_equations_reads_headings_and_formulas_and_leaves_their_sources_as_code():
    doc = read((DATA / "typesetting-equations.ipynb").read_bytes())
    assert doc["format"] == "notebook" and doc["cut"] is None and doc["title"] == "Motivating Examples"
    got = blocks(doc)
    titles = [o["title"] for o in doc["outline"]]
    assert titles[:3] == ["Motivating Examples", "The Lorenz Equations", "Source"]
    assert "The probability of getting k heads when flipping n coins is" in titles  # \(k\): its LaTeX, not a token
    found = formulas(doc)
    # the align environment (here between $...$) is a formula; its fenced source stays code
    assert found[0]["latex"].startswith("\\begin{align}")
    assert any(f["latex"].startswith("\\begin{equation*}") and "vmatrix" in f["latex"] for f in found)
    assert any(f["latex"] == r"\sqrt{3x-1}+(1+x)^2" for f in found)
    assert any(role == "code" and t.startswith("\\begin{align}") for role, t, _ in got)
    # nothing outside code and formulas is TeX source
    plain = [w["text"] for s in doc["sections"] for line, _ in _spoken(s) for w in line["words"] if "formula" not in w]
    assert [w for w in plain if "\\" in w or "$" in w] == ["$$"]  # "... on the web that `$$` are needed"
    words, spoken = said({"sections": [{"lines": [line for s in doc["sections"] for line, bl in _spoken(s)]}]})
    assert "sigma" in words[0] and "3 lines" in words[0]
    assert any("square root" in w for w in words)
    no_source(spoken.replace("that $$ are needed", "").replace("to begin and end", ""))


def no_source(spoken: str) -> None:
    """No source token heard: the words bench.math counts ("fraction" is not "frac"), nor \\ or $."""
    assert not re.findall(r"\b(?:backslash|dollar|frac|begin|end\s*align)\b|[\\$]", spoken.lower()), spoken


def _spoken(section: dict):
    """The section's lines that are spoken (not code)."""
    for bl in section["blocks"]:
        if bl["role"] != "code":
            for i in bl["lines"]:
                yield section["lines"][i], bl


def test_running_code_shows_code_and_its_outputs_as_code_and_reads_the_markdown():
    data = (DATA / "running-code.ipynb").read_bytes()
    doc = read(data)
    got = blocks(doc)
    assert ("heading", "Running Code", 1) in got and doc["title"] == "Running Code"
    assert ("code", "a = 10", None) in got and ("code", "print(a)", None) in got
    assert ("code", "10", None) in got  # the stream output
    assert ("code", 'print("hi, stdout")', None) in got and ("code", "hi, stdout", None) in got
    assert any(role == "list-item" and t.startswith("Alt-Enter runs") for role, t, _ in got)
    # sent as plain text (GitHub's raw files, a link) or with no type (the command line): its bytes say what it is
    assert read(data, "text/plain")["format"] == "notebook"
    assert read(data, None)["format"] == "notebook"
    assert read(b"{\"name\": \"not a notebook\"}", "text/plain")["format"] == "text"
    # declared as a type it is not (a client mapping an unknown ending to its first type): its bytes decide
    from chalicelib.media import flow

    assert flow.format_of(data, "image/jpeg") == "notebook" and flow.format_of(b"\xff\xd8\xff", "image/jpeg") is None


def test_cells_tagged_skip_are_left_out_and_outputs_are_read_by_what_they_hold():
    doc = read(make(
        md("# Results\n", "Growth is $r^2$ here.\n", "\n", "![sales by month](plot.png)\n", "\n",
           "\\begin{align}\n", "a &= b \\\\\n", "c &= d\n", "\\end{align}\n", "```\n", "\\begin{align} x \\end{align}\n", "```"),
        code("secret_setup()", tags=["skip"]),
        {**md("Only on the slides."), "metadata": {"slideshow": {"slide_type": "skip"}}},
        code("hidden_input()", [{"output_type": "stream", "name": "stdout", "text": "shown output\n"}],
             tags=["remove-input"]),
        code("plot()", [{"output_type": "display_data", "metadata": {},
                         "data": {"image/png": "iVBORw0KGgo=", "text/plain": ["<Figure size 640x480 with 1 Axes>"]}},
                        {"output_type": "display_data", "metadata": {"image/png": {"alt": "A rising line"}},
                         "data": {"image/png": "iVBORw0KGgo="}}]),
        code("sympy.sqrt(x)", [{"output_type": "execute_result", "execution_count": 3, "metadata": {},
                                "data": {"text/latex": "$\\displaystyle \\sqrt{x}$", "text/plain": "sqrt(x)"}}]),
        code("1/0", [{"output_type": "error", "ename": "ZeroDivisionError", "evalue": "division by zero",
                      "traceback": ["\x1b[0;31m---------\x1b[0m", "\x1b[0;31mZeroDivisionError\x1b[0m"]}]),
        code("print('\\x1b[31mred\\x1b[0m')", [{"output_type": "stream", "name": "stdout",
                                                  "text": "\x1b[31mred\x1b[0m\n" + "line\n" * 500}]),
    ))
    got = blocks(doc)
    text = " ".join(t for _, t, _ in got)
    assert "secret_setup" not in text and "Only on the slides" not in text and "hidden_input" not in text
    assert ("code", "shown output", None) in got
    assert ("figure", "sales by month", None) in got  # Markdown's alt text
    assert ("figure", "Image", None) in got and ("figure", "A rising line", None) in got  # a plot: "Image" or its alt
    assert ("paragraph", r"\sqrt{x}", None) in got  # SymPy's LaTeX output is a formula
    assert ("code", "ZeroDivisionError: division by zero", None) in got  # the error, not its coloured traceback
    long = next(t for role, t, _ in got if role == "code" and t.startswith("red"))
    assert "\x1b" not in long and long.count(" / ") == notebook.OUTPUT_LINES and "(301 more lines)" in long
    found = formulas(doc)  # a bare environment is display math, as Jupyter's MathJax reads it (not in a fence)
    assert [f["latex"] for f in found] == ["r^2", "\\begin{align}\na &= b \\\\\nc &= d\n\\end{align}", r"\sqrt{x}"]
    assert found[1]["display"] is True and ("code", r"\begin{align} x \end{align}", None) in got


def test_an_environment_already_between_delimiters_is_one_formula():
    """bench.math's first run of the notebook form (at 9b69699) met `$$ \\begin{align} ... $$`
    wrapped a second time: five formulas broken in two, their source heard."""
    doc = read(make(md("$$\n", "\\begin{align}\n", "a &= b \\\\\n", "c &= d\n", "\\end{align}\n", "$$\n"),
                    md("We have $\\begin{aligned} x &= 1 \\end{aligned}$ here.")))
    assert [f["latex"] for f in formulas(doc)] == ["\\begin{align}\na &= b \\\\\nc &= d\n\\end{align}",
                                                   "\\begin{aligned} x &= 1 \\end{aligned}"]


def test_nbformat_3_worksheets_are_read():
    doc = read(json.dumps({"nbformat": 3, "metadata": {"name": "old"}, "worksheets": [{"cells": [
        {"cell_type": "heading", "level": 2, "source": ["Old notebook"], "metadata": {}},
        {"cell_type": "markdown", "source": ["Some $x$ text."], "metadata": {}},
        {"cell_type": "code", "input": ["print(1)"], "language": "python", "metadata": {},
         "outputs": [{"output_type": "stream", "stream": "stdout", "text": ["1\n"]}]}]}]}))
    assert blocks(doc) == [("heading", "Old notebook", 2), ("paragraph", "Some x text.", None),
                           ("code", "print(1)", None), ("code", "1", None)]


# ------------------------------------------------------------------------------ hostile

def test_a_cells_huge_output_is_cut_unread_and_the_rest_is_read():
    """A cell printing far past MAX_OUTPUT_BYTES: its outputs are skipped in the bytes (never
    parsed), said in a line of their own, and the cells after it are read."""
    size = 40 * 1024 * 1024
    data = make(md("# Before"), code("print(x * 10**9)", [{"output_type": "stream", "name": "stdout",
                                                              "text": "x" * size}]),
                md("After the output, the text goes on.")).encode()
    t0 = time.process_time()  # the reading is in this process: its CPU seconds bound the work
    doc = read(data)
    assert time.process_time() - t0 < 10
    got = blocks(doc)
    assert got[0] == ("heading", "Before", 1) and got[-1] == ("paragraph", "After the output, the text goes on.", None)
    assert ("paragraph", "(This cell's output, 40.0 MB, is not read.)", None) in got
    assert not any("xxxx" in t for _, t, _ in got)


def test_a_notebook_past_the_limit_fails_alone_with_a_sentence():
    """A notebook of (here, just over) MAX_BYTES of outputs is refused before any of it is parsed;
    a gigabyte, past the upload limit, never reaches the reader."""
    head = make(md("# Big"), code("big()", [{"output_type": "stream", "name": "stdout", "text": "PAD"}])).encode()
    data = head.replace(b"PAD", b"y" * (notebook.MAX_BYTES + 1 - len(head) + 3))
    assert len(data) == notebook.MAX_BYTES + 1
    t0 = time.process_time()  # the reading is in this process: its CPU seconds bound the work
    with pytest.raises(FlowError, match=r"This notebook is 100 MB; PageVoice reads notebooks of up to 100 MB\. "
                                        r"Clear its outputs"):
        read(data)
    assert time.process_time() - t0 < 2


@pytest.mark.parametrize(("data", "says"), [
    ('{"cells": ' + "[" * 100_000 + "]" * 100_000 + "}", "nests its values thousands deep"),
    ('{"cells": [{"cell_type": "markdown", "source": "unterminated', "its JSON is damaged"),
    ('{"cells": {"not": "a list"}, "nbformat": 4}', "it has no list of cells"),
    ("[1, 2, 3]", "not an object of cells"),
])
def test_damaged_or_deep_json_fails_with_a_sentence(data, says):
    with pytest.raises(FlowError, match=says):
        read(data)


def test_outputs_are_cut_by_a_scan_that_skips_strings_whole():
    """`"outputs": [` inside a string is no key, brackets inside strings do not count, and a cut
    keeps the JSON whole."""
    big = "]" * (notebook.MAX_OUTPUT_BYTES + 10)
    data = json.dumps({"cells": [md('Say "outputs": [ here'),
                                 code("x", [{"output_type": "stream", "name": "stdout", "text": big}]),
                                 md("end")], "metadata": {}, "nbformat": 4}).encode()
    cut = notebook._cut_outputs(data)
    nb = json.loads(cut)
    assert nb["cells"][0]["source"] == ['Say "outputs": [ here'] and nb["cells"][2]["source"] == ["end"]
    assert nb["cells"][1]["outputs"][0]["output_type"] == "pagevoice-cut"


def test_in_the_decoding_sandbox_a_huge_notebook_fails_with_its_sentence_and_huge_outputs_are_cut():
    """The worker's path (sandbox.read_flow: the child with its memory cap): the same sentence, not
    'needs more memory'; a notebook of 60 MB of output is read, its output said unread."""
    from chalicelib.errors import MediaError
    from chalicelib.media import sandbox

    head = make(code("x", [{"output_type": "stream", "name": "stdout", "text": "PAD"}])).encode()
    caps = {"content_type": NOTEBOOK, "max_bytes": 500 * 2**20, "max_words": 50_000, "max_chars": 500_000}
    with pytest.raises(MediaError, match=r"This notebook is 110 MB; PageVoice reads notebooks of up to 100 MB"):
        sandbox.read_flow(head.replace(b"PAD", b"y" * (110 * 2**20)), **caps)
    doc = sandbox.read_flow(head.replace(b"PAD", b"y" * (60 * 2**20)), **caps)
    assert [line["text"] for s in doc["sections"] for line in s["lines"]] == ["x", "(This cell's output, 60.0 MB, is not read.)"]


def test_a_notebooks_language_is_told_by_its_words_not_its_tex_or_code():
    """Jupyter's real "Typesetting Equations": its formulas' TeX and its cells of TeX source shown as
    code told the language of 4 of its 14 sections as Spanish, and the voice spoke them so."""
    from chalicelib.kinds.page import pipeline

    result = pipeline.read((DATA / "typesetting-equations.ipynb").read_bytes(), content_type=NOTEBOOK)
    assert [p["language"]["code"] for p in result["pages"]] == ["en"] * len(result["pages"])
    assert not any(line.get("language") for p in result["pages"] for line in p["lines"])
