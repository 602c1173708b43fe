"""LaTeX sources read into flow blocks (issue 79 part 2, chalicelib/media/flow/latex.py).

Real file (tests/data/flow/SOURCES.md): George Kour's arXiv preprint template `template.tex`
(MIT): a title and two authors in a conditional, an abstract, sections three levels deep and a
\\paragraph, an equation, \\cite and \\ref, a footnote, a figure and a table with captions, a
booktabs tabular with formulas in cells, an itemize list and a thebibliography.
Hostile sources are made here.
"""
from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from chalicelib.media.flow import FlowError, latex
from tests.media.flow import shapes
from tests.media.flow.shapes import blocks, tables
from tests.media.flow.test_html_tex import formulas, said
from tests.media.flow.test_notebook import no_source

DATA = Path(__file__).parents[2] / "data" / "flow"
TEX = "application/x-tex"


def read(data: bytes | str, hint: str | None = TEX, **caps) -> dict:
    return shapes.read(data, hint, **caps)


def doc_of(body: str, preamble: str = "") -> str:
    return f"\\documentclass{{article}}\n{preamble}\n\\begin{{document}}\n{body}\n\\end{{document}}\n"


def words(doc: dict) -> list[str]:
    return [w["text"] for s in doc["sections"] for line in s["lines"] for w in line["words"] if "formula" not in w]


def test_the_arxiv_template_reads_as_its_pdf_does():
    data = (DATA / "arxiv-template.tex").read_bytes()
    doc = read(data)
    assert doc["format"] == "latex" and doc["cut"] is None and doc["title"] == "A template for the arxiv style"
    got = blocks(doc)
    assert got[0] == ("title", "A template for the arxiv style", None)
    assert got[1][0] == "paragraph" and got[1][1].startswith("David S. Hippocampus Department of Computer Science")
    assert "Elias D. Striatum" in got[1][1] and "Use footnote" not in got[1][1]  # \thanks is not read
    headings = [(t, lv) for role, t, lv in got if role == "heading"]
    assert headings[:5] == [("Abstract", 1), ("Introduction", 1), ("Headings: first level", 1),
                            ("Headings: second level", 2), ("Headings: third level", 3)]
    assert ("Paragraph", 4) in headings and [o["title"] for o in doc["outline"]] == [t for t, _ in headings]
    assert ("paragraph", "See Section 2.", None) in got  # "See Section \ref{sec:headings}.": its number
    assert ("paragraph", "See Figure 1. Here is how you add footnotes.", None) in got
    assert ("paragraph", "See awesome Table 1.", None) in got
    assert ("footnote", "1 Sample of the first footnote.", None) in got
    assert ("caption", "Sample figure caption.", None) in got and ("caption", "Sample table title", None) in got
    assert ("list-item", "consectetur adipiscing elit.", None) in got
    assert any(t.endswith("if we knew exactly why citation thought this…") for _, t, _ in got)  # \citet{hasselmo} ...\dots
    table = tables(doc)[0]
    assert [c for c, _ in table[1]] == ["Name", "Description", "Size (\\mum)"] and table[2][0] == ("Dendrite", False)
    assert ("paragraph", "The documentation for booktabs (‘Publication quality tables in LaTeX') is available from: "
            "https://www.ctan.org/pkg/booktabs", None) in got
    text = " ".join(words(doc))
    # never read: the preamble, comments, labels, citations' keys, references, the source's commands
    for unread in ("usepackage", "hypersetup", "Uncomment", "sec:headings", "kour2014real", "fig:fig1", "lipsum",
                   "orcid", "scale=", "\\"):
        assert unread not in text, unread
    found = formulas(doc)
    assert found[0]["latex"].startswith("\\xi _{ij}(t)=P(x_{t}=i") and found[0]["display"] is True
    assert [f["latex"] for f in found[1:]] == ["\\mu", "\\sim", "\\sim", "10^6"]
    spoken, page = said(doc)
    assert "the fraction with numerator" in spoken[0] or "over" in spoken[0]
    assert spoken[4] == "10 to the sixth power"
    no_source(page)


FEATURES = doc_of(r"""
\maketitle
\chapter{Intro}
\section{Basics}\label{sec:b}
Let $f \in \R$ and \(g\) be given, see~\cite{k} and \citet{x}. As \eqref{e1} shows,
\[ \norm{f}^2 = \int_0^1 g(x)\,dx \]
and \emph{also}\footnote{A note with $x^2$.} it holds.
% a comment that is not read
\begin{equation}\label{e1}
  \Var(X) = E[X^2] - E[X]^2
\end{equation}
By Equation~\eqref{e1} and
\begin{align*}
 a &= b \\
 c &= d
\end{align*}
$$ f(x) = \begin{cases} 1 & x > 0 \\ 0 & \text{otherwise} \end{cases} $$

\begin{enumerate}
\item First $\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}$
\item Second
  \begin{enumerate}\item Inner\end{enumerate}
\item[(z)] Labelled
\end{enumerate}
\begin{description}\item[Term] its meaning\end{description}
\begin{thm}[Bayes]
It is true.
\end{thm}
\begin{proof} Trivial. \end{proof}
\begin{lstlisting}[language=Python]
x = 1 % not a comment
\end{lstlisting}
Costs 5\% and \$3. Caf\'e na\"ive \c{c}a -- ``quoted''---done.
\begin{figure}\includegraphics[width=3cm,alt={A red square}]{sq.png}\caption{A square.}\end{figure}
\iffalse hidden text \fi
\begin{thebibliography}{9}
\bibitem{k} A. Author. \newblock A title. \emph{A journal}, 2020.
\bibitem[X]{x} B. Writer.
\end{thebibliography}
\ifdraft draft text \else final text \fi
""", preamble=r"""\usepackage[french,english]{babel}
\newcommand{\R}{\mathbb{R}}
\newcommand{\norm}[1]{\left| #1 \right|}
\DeclareMathOperator{\Var}{Var}
\newtheorem{thm}{Theorem}
\title{Notes on $L^2$ spaces}
\author{Ada Lovelace \and Alan Turing}
Stray preamble text.""") + "after the end is not read\n"


def test_structure_formulas_macros_and_what_is_not_read():
    doc = read(FEATURES)
    assert doc["title"] == "Notes on L^2 spaces" and doc["language"] == "en"
    assert [(o["title"], o["level"]) for o in doc["outline"]] == [("Intro", 1), ("Basics", 2), ("References", 2)]  # \chapter: 1
    got = blocks(doc)
    assert got[:4] == [("title", "Notes on L^2 spaces", None), ("paragraph", "Ada Lovelace and Alan Turing", None),
                       ("heading", "Intro", 1), ("heading", "Basics", 2)]
    body = got[4][1]
    assert body.startswith("Let f\\in\\mathbb{R} and g be given, see and citation. As equation 1.1 shows,")
    assert "By Equation 1.1 and" in body  # "Equation~\eqref{e1}": not "Equation equation 1.1"
    assert ("footnote", "1 A note with x^2.", None) in got
    items = [t for role, t, _ in got if role == "list-item"]
    assert items[0].startswith("1. First") and items[1:] == ["2. Second", "(a) Inner", "(z) Labelled",
                                                              "Term its meaning"]
    assert ("paragraph", "Theorem 1 (Bayes). It is true.", None) in got and ("paragraph", "Proof. Trivial.", None) in got
    assert ("code", "x = 1 % not a comment", None) in got
    assert ("paragraph", "Costs 5% and $3. Café naïve ça – “quoted”—done.", None) in got
    assert got[-4:-1] == [("heading", "References", 2), ("footnote", "A. Author. A title. A journal, 2020.", None),
                          ("footnote", "B. Writer.", None)]
    assert ("figure", "A red square", None) in got and ("caption", "A square.", None) in got
    text = " ".join(words(doc))
    for unread in ("comment that", "hidden", "final", "Stray", "after the end", "sec:b", "e1"):
        assert unread not in text, unread
    assert "draft text" in text  # a conditional's first branch is read (\iffalse's none)
    found = formulas(doc)
    latex_of = [f["latex"] for f in found]
    assert latex_of[:3] == ["L^2", "f \\in \\mathbb{R}", "g"]  # the title's formula, then the body's; macros expanded
    assert "\\left| f \\right|^2" in latex_of[3] and found[3]["display"] is True
    assert latex_of[4] == "\\operatorname{Var}(X) = E[X^2] - E[X]^2"  # one-line equation: its line, \label gone
    spoken, page = said(doc)
    assert spoken[1] == "f is a member of the real numbers"
    assert "integral" in spoken[3] and "variance" in spoken[4].lower() or "Var" in spoken[4]
    assert any("2 cases" in s for s in spoken) and any("2 by 2 matrix" in s for s in spoken)
    assert any(s.startswith("2 lines") for s in spoken)
    no_source(page.replace("x = 1 % not a comment", "").replace("$3", ""))


def test_a_tex_file_is_told_by_its_bytes_when_sent_as_plain_text_or_without_a_type():
    data = (DATA / "arxiv-template.tex").read_bytes()
    assert read(data, "text/plain")["format"] == "latex"
    assert read(data, None)["format"] == "latex"
    assert read(b"% a comment\n\n\\documentclass{article}\\begin{document}Hi\\end{document}", None)["format"] == "latex"
    assert read(b"Some notes about \\documentclass.", "text/plain")["format"] == "text"
    # a fragment without a preamble, declared as LaTeX: all of it is the body
    assert blocks(read(b"\\section{A}\nText $x$.", TEX)) == [("heading", "A", 1), ("paragraph", "Text x.", None)]


# ------------------------------------------------------------------------------ hostile

def test_a_10000_deep_group_fails_alone_with_a_sentence():
    deep = "{" * 10_000 + "x" + "}" * 10_000
    t0 = time.process_time()  # the reading is in this process: its CPU seconds bound the work
    with pytest.raises(FlowError, match=r"This LaTeX file nests its groups more than 256 deep"):
        read(doc_of(f"Before {deep} after."))
    with pytest.raises(FlowError, match=r"nests its groups more than 256 deep"):
        read(doc_of(f"\\section{deep}"))  # as an argument
    with pytest.raises(FlowError, match=r"nests its environments more than 64 deep"):
        read(doc_of("\\begin{quote}" * 10_000 + "x" + "\\end{quote}" * 10_000))
    # in a formula, the formula alone fails ("formula") and the rest is read
    doc = read(doc_of(f"Before ${deep}$ after.\n\nNext paragraph."))
    assert blocks(doc) == [("paragraph", "Before [formula] after.", None), ("paragraph", "Next paragraph.", None)]
    assert "error" in formulas(doc)[0]
    assert time.process_time() - t0 < 5


def test_no_file_is_opened_and_nothing_runs():
    """\\input and \\include of anything (/etc/passwd, a file beside it) read nothing; \\write18
    (shell escape), \\openin and \\read do nothing and say nothing."""
    doc = read(doc_of(r"""Start.
\input{/etc/passwd}
\input /etc/passwd
\include{chapter1}
\InputIfFileExists{/etc/hostname}{yes}{no}
\immediate\write18{cat /etc/passwd > leak.txt}
\write18{rm -rf /}
\openin5=/etc/passwd
\read5 to \line
\catcode`\%=12
End."""))
    assert blocks(doc) == [("paragraph", "Start. End.", None)]
    assert "root:" not in str(doc)
    assert not Path("leak.txt").exists()


def test_macros_that_expand_forever_are_bounded():
    t0 = time.process_time()  # the reading is in this process: its CPU seconds bound the work
    bomb = "".join(f"\\def\\m{k}{{\\m{k + 1}\\m{k + 1}}}" for k in range(40)).replace("\\m40", "x")
    names = {k: "m" + "".join(chr(ord("a") + int(d)) for d in str(k)) for k in range(41)}  # letters only
    bomb = re.sub(r"\\m(\d+)", lambda m: "\\" + names[int(m.group(1))], bomb)
    first = "\\" + names[0]
    doc = read(doc_of(f"Text {first} and ${first}$ end.\n\n\\def\\self{{\\self\\self}}\\self Tail.", preamble=bomb))
    assert time.process_time() - t0 < 10
    assert blocks(doc)[-1][1].endswith("Tail.")


def test_a_source_past_the_limit_fails_with_a_sentence():
    data = b"\\documentclass{article}\\begin{document}" + b"a " * (latex.MAX_BYTES // 2)
    with pytest.raises(FlowError, match=r"PageVoice reads LaTeX sources of up to 50 MB"):
        read(data)


def test_caps_stop_the_reading():
    doc = read(doc_of("\n\n".join(f"Paragraph {k} has $x_{{{k}}}$ in it." for k in range(5000))),
               max_words=1000)
    assert doc["cut"]["reason"] == "words" and doc["cut"]["kept"] == 1000


def test_options_of_lists_and_headings_are_not_read():
    doc = read(r"""\begin{itemize}[leftmargin=*]
\item A \ensuremath{x^2}
\end{itemize}
\begin{enumerate}[label=(\alph*)]\item B\end{enumerate}
\section*{Intro\label{s}}
\subsection[Short]{Long title}""")
    assert blocks(doc) == [("list-item", "A x^2", None), ("list-item", "1. B", None), ("heading", "Intro", 1),
                           ("heading", "Long title", 2)]
    assert [f["latex"] for f in formulas(doc)] == ["x^2"]


def test_references_say_the_numbers_latex_prints():
    """latex_labels: sections, equations (align's lines, \\nonumber, \\tag, split, subequations),
    floats and chapters numbered as the book class numbers them; what is not numbered here (a
    theorem, a subequation's 2.1a) is not said rather than said wrong."""
    src = r"""\documentclass{book}\begin{document}
\chapter{One}\label{ch:one}
\section{Alpha}\label{sec:a}
\begin{equation}\label{e:1} x = 1 \end{equation}
\begin{align}
a &= b \label{e:2}\\
c &= d \nonumber \\
e &= f \tag{$\star$}\label{e:star}
\end{align}
\begin{equation}\begin{split} g &= h \\ &= i \end{split}\label{e:3}\end{equation}
\begin{figure}\caption{A}\label{f:1}\end{figure}
\begin{theorem}\label{t:1} Hi \end{theorem}
\chapter{Two}
\section{Beta}\subsection{Gamma}\label{sec:g}
\begin{equation*} y \end{equation*}
\begin{subequations}\label{e:sub}\begin{align} p &= q \label{e:sub1} \end{align}\end{subequations}
\begin{equation}\label{e:4} z \end{equation}
\appendix
\chapter{Extra}\label{ch:x}
See \ref{sec:a}, \ref{sec:g}, \eqref{e:1}, Equation~\eqref{e:2}, \eqref{e:star}, \eqref{e:3}, \cref{f:1}, \Cref{e:4},
\autoref{ch:one}, \ref{ch:x}, \ref{t:1}, \eqref{e:sub}, \eqref{e:sub1}, \cref{sec:a,sec:g}, \pageref{sec:a}.
\end{document}"""
    doc = read(src)
    assert blocks(doc)[-1] == ("paragraph", "See 1.1, 2.1.1, equation 1.1, Equation 1.2, equation \\star, equation 1.3, "
                               "Figure 1.1, Equation 2.2, Chapter 1, A, equation 2.1, the equation, Section 1.1 and "
                               "Section 2.1.1.", None)
    assert formulas(doc)[-1]["latex"] == "\\star"  # the tag's formula is a formula word, not its source
    article = read(doc_of("\\section{A}\\begin{equation}x\\label{a}\\end{equation}\\section{B}\\label{b}"
                          "\\begin{align}y\\label{c}\\end{align} \\ref{b} \\eqref{a} \\eqref{c}"))
    assert blocks(article)[-1][1].endswith("2 equation 1 equation 2")


def test_references_to_theorems_the_document_declares():
    src = doc_of(r"""\section{A}\begin{thm}\label{t1} X\end{thm}\begin{lem}\label{l1}Y\end{lem}\label{after}
\begin{defn}\label{d1}Z\end{defn}\begin{rem}\label{r}W\end{rem}\section{B}
\begin{thm}\label{t2} X \begin{equation}\label{e}x\end{equation}\end{thm}
See \ref{t1}, \cref{l1}, \ref{after}, \autoref{d1}, \ref{r}, \ref{t2}, \eqref{e}.""",
                 preamble=r"""\newtheorem{thm}{Theorem}[section]\newtheorem{lem}[thm]{Lemma}\newtheorem{defn}{Definition}
\newtheorem*{rem}{Remark}""")
    assert blocks(read(src))[-1] == ("paragraph", "See 1.1, Lemma 1.2, 1, Definition 1, 2.1, equation 1.", None)
    assert blocks(read(src))[1:3] == [("paragraph", "Theorem 1.1. X", None), ("paragraph", "Lemma 1.2. Y", None)]
