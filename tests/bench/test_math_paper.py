"""bench/math_paper.py's pure parts: formulas of a LaTeX source, the book's macros, the alignment."""
from bench import math_paper as mp

PREAMBLE = r"""
\newcommand{\R}{{\mathbb{R}}}
\newcommand{\abs}[1]{\left\lvert {#1} \right\rvert}
\newcommand{\unitfrac}[3][\!\!]{#1 \,\, \nicefrac{\mathrm{#2}}{\mathrm{#3}}}
\DeclareMathOperator{\spn}{span}
%\newcommand{\gone}{x}
%mbxmacro \newcommand{\half}{\frac{1}{2}}
\newcommand{\bad}[2]{#1+#2}
"""

BODY = r"""Let $x \in \R$ and % a comment with $y$
\(\abs{x} \geq 0\), a price of \$5 and
\begin{equation}
\label{eq:one}
\spn\{v\} = \half
\end{equation}
then $\text{for $j$ odd}$, $$a^2$$ and
\[ b \]
\begin{align*}
u &= \unitfrac{m}{s}
\end{align*}
and $\bad{1}$.
"""


def test_macros_read_from_the_preamble():
    defs = mp.macros(PREAMBLE)
    assert defs["R"] == (0, None, r"{\mathbb{R}}")
    assert defs["abs"][0] == 1
    assert defs["unitfrac"][:2] == (3, r"\!\!")
    assert defs["spn"] == (0, None, r"\operatorname{span}")
    assert "half" in defs and "gone" not in defs  # MathJax's %mbxmacro kept, a commented one not
    assert "half" not in mp.macros(PREAMBLE, mbx=False)


def test_formulas_in_document_order():
    found = mp.formulas(BODY)
    assert [f for f, _ in found] == [
        r"x \in \R", r"\abs{x} \geq 0", "\\label{eq:one}\n\\spn\\{v\\} = \\half", r"\text{for $j$ odd}",
        "a^2", "b", "\\begin{align*}\nu &= \\unitfrac{m}{s}\n\\end{align*}", r"\bad{1}"]
    assert [d for _, d in found] == [False, False, True, False, True, True, True, False]


def test_macros_expanded_or_the_formula_skipped():
    kept, skipped = mp.source_formulas(BODY, mp.macros(PREAMBLE))
    latex = [f for f, _ in kept]
    assert latex[0] == r"x \in {\mathbb{R}}"
    assert latex[1] == r"\left\lvert {x} \right\rvert \geq 0"
    assert latex[2] == r"\operatorname{span}\{v\} = \frac{1}{2}"  # the label left out
    assert r"\!\! \,\, \nicefrac{\mathrm{m}}{\mathrm{s}}" in latex[6]  # the optional argument's default
    assert skipped == 1 and len(kept) == 7  # \bad{1} lacks its second argument


def test_a_control_word_keeps_its_end():
    assert mp.expand(r"\from x", {"from": (0, None, r"\leftarrow")}) == r"\leftarrow x"
    assert mp.expand(r"\from{}x", {"from": (0, None, r"\leftarrow")}) == r"\leftarrow{}x"


def test_alignment_finds_split_merged_and_unsaid_formulas():
    reference = [["x", "in", "r"], ["a", "squared", "plus", "b", "squared"], ["y"], ["n", "plus", "1"], ["z", "prime"]]
    said = [["x", "in", "r"],  # the first
            ["a", "squared", "plus"], ["b", "squared"],  # the second, split across two lines
            ["formula"],  # the third, said "formula": it takes the word left between its neighbours
            ["n", "plus", "1", "z", "prime"]]  # the fourth and fifth merged into one formula word
    assert mp.align(reference, said) == [[0], [1, 2], [3], [4], [4]]


def test_alignment_leaves_a_formula_missing_from_the_pdf_unfound():
    reference = [["x"], ["q", "over", "p"], ["y"]]
    said = [["x"], ["y"]]
    assert mp.align(reference, said) == [[0], [], [1]]


def test_alignment_one_stray_word_is_no_claim():
    reference = [["p"], ["p", "of", "61", "almost", "equals", "6859"]]
    said = [["p", "of", "61", "almost", "equals", "6859"]]
    assert mp.align(reference, said) == [[], [0]]
