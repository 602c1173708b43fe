"""Notebooks and LaTeX sources through the real local stack (issue 79 part 2): uploaded as the
site declares them (GET /kinds' endings), read by the worker of `make run`, their formulas spoken
by its Node child and heard by Whisper base ("squared", "square root", "over"); a notebook's code
and output are shown and not spoken; a hostile source fails alone with its sentence and the next
upload is read."""
from __future__ import annotations

import json

import pytest

from tests.engines.math.test_on_the_stack import heard
from tests.stackclient import login, register, upload, wait_job

pytestmark = [pytest.mark.timeout(600), pytest.mark.stack]

SENTENCES = "The area of a square is {}. The diagonal of a unit square is {}. The speed is {}."


def notebook() -> bytes:
    cells = [{"cell_type": "markdown", "metadata": {}, "source": ["# Three formulas\n", "\n",
                                                                 SENTENCES.format("$s^2$", "$\\sqrt{2}$",
                                                                                  "$\\frac{d}{t}$")]},
             {"cell_type": "code", "execution_count": 1, "metadata": {}, "source": ["print(2 ** 0.5)"],
              "outputs": [{"output_type": "stream", "name": "stdout", "text": ["1.4142135623730951\n"]}]}]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()


def latex() -> bytes:
    body = SENTENCES.format("$s^2$", "\\(\\sqrt{2}\\)", "$\\frac{d}{t}$\\footnote{Distance over time.}")
    return ("\\documentclass{article}\n\\usepackage{amsmath}\n\\title{Three formulas}\n\\begin{document}\n\\maketitle\n"
            f"% a comment\n\\section{{Formulas}}\\label{{s}}\n{body}\n\\end{{document}}\n").encode()


@pytest.mark.parametrize("name, make, content_type", [
    ("formulas.ipynb", notebook, "application/x-ipynb+json"), ("formulas.tex", latex, "application/x-tex")])
def test_formulas_in_notebooks_and_latex_are_heard_as_a_teacher_says_them(stack, name, make, content_type):
    headers = login(stack, register(stack))
    job = wait_job(stack, headers, upload(stack, headers, name, make(), content_type), timeout=300)
    assert job["status"] == "done", job.get("error")
    result = job["result"]
    assert result["document"]["format"] == ("notebook" if name.endswith(".ipynb") else "latex")
    formulas = [w["formula"] for page in result["pages"] for line in page["lines"] for w in line["words"]
                if "formula" in w]
    assert [f["spoken"] for f in formulas] == ["s squared", "the square root of 2", "d over t"]
    roles = {b["role"]: b["spoken"] for page in result["pages"] for b in page["blocks"]}
    if name.endswith(".ipynb"):
        assert roles["code"] is False  # the code and its output: shown, not spoken
    said = heard(job)
    text = " ".join(said)
    assert "squared" in said and "square root" in text and "over" in said, text
    assert not {"backslash", "dollar", "frac", "begin", "print", "comment"} & set(said), text


def test_a_hostile_source_fails_alone_with_a_sentence(stack):
    headers = login(stack, register(stack))
    deep = ("\\documentclass{article}\\begin{document}" + "{" * 10_000 + "x" + "}" * 10_000
            + "\\end{document}").encode()
    bad = wait_job(stack, headers, upload(stack, headers, "deep.tex", deep, "application/x-tex"), timeout=300)
    assert bad["status"] == "failed" and "nests its groups more than 256 deep" in bad["error"], bad
    passwd = b"\\documentclass{article}\\begin{document}Before. \\input{/etc/passwd} \\write18{id} After.\\end{document}"
    good = wait_job(stack, headers, upload(stack, headers, "input.tex", passwd, "application/x-tex"), timeout=300)
    assert good["status"] == "done", good.get("error")
    assert good["result"]["text"] == "Before. After."
