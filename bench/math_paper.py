"""Formulas of whole LaTeX-made documents read from their PDF (issue 79 part 3): every formula of a real
chapter of lecture notes, typeset by pdfTeX, read back through the product's PDF path and scored
against the words of its own LaTeX source.

    .venv/bin/python -m bench.math_paper build [--mirror DIR]   # /work/data/papers/<name>/, once
    nice -n 10 .venv/bin/python -m bench.math_paper [--show N] [--audio [--heard-every 4]]

Material (SOURCES; not committed, rebuilt by `build` from each repository's git directory at its
pinned commit, as the `fetch` tool brings it to /work/.mirror/<owner>+<name>/repo, each file checked
against its SHA-256): chapters of Jiri Lebl's open textbooks, dual licensed CC BY-SA 4.0 /
CC BY-NC-SA 4.0 (used here under CC BY-SA 4.0). Their own preambles (diffyqssetup.sty, realanal.tex)
need packages Debian's TeX Live here lacks (tcolorbox, titlesec, enumitem, newpx, tasks ...), so
`build` typesets each chapter with a small preamble of its own (PREAMBLE: amsmath, amssymb, amsthm,
mathtools, mathrsfs and the book's own math macros, copied from its preamble, its layout commands
stubbed), after taking out its figures and its exercises' solutions (\\exsol, printed at the
book's end), which are not on the chapter's pages; the source scored is that derived chapter
(paper.tex), exactly what pdfTeX typeset (pdflatex twice, pdfTeX's text maps on: TeX Live's default).

Extraction (`formulas`): the formulas of the source in document order, comments left out: `$..$`,
`\\(..\\)`, `$$..$$`, `\\[..\\]` and the equation, align, gather, multline, eqnarray, alignat, flalign
environments (starred too; an equation's body, the other environments whole); the book's macros
(\\newcommand, \\renewcommand, \\DeclareMathOperator of its preamble, with or without arguments, and
diffyqs' own `%mbxmacro` definitions for MathJax) expanded; a formula still holding a macro the
preamble defines but that could not be expanded is skipped and counted; \\label left out.

Reading: bench.math_pdf.read_pdf (document.open_document, Page.read, textlayer.review: the product's
path, which rebuilds and speaks the formulas), every page. Alignment (`align`): the words of the
source formulas' reference speech (the LaTeX spoken by the TeX path, bench.math.spoken, as
bench.math_pdf scores) against the words the PDF's formula words say, in order (difflib on
bench.math.words), so that a formula the PDF split across lines (several formula words) or merged
with a neighbour is still found; a source formula none of whose words matched takes, in order, the
PDF formula words left over between its found neighbours (a formula said "formula" matches nothing).

Printed per paper and overall: formulas in the source (and skipped), formula words in the PDF,
found (a formula word aligned), spoken as words (found, none of its formula words said "formula"),
and on those, speech matching the source's formula spoken by the TeX path (bench.math.wer <=
bench.math.MATCH_WER); with --audio, heard close (bench.math.transcribe, Whisper base, heard_wer <=
bench.math.HEARD_WER) on every n-th formula spoken as words. Goals (issue 79): spoken as words >= 0.7,
matching >= 0.7 (bench.math_pdf.GOALS).
"""
from __future__ import annotations

import argparse
import difflib
import hashlib
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

DATA = Path("/work/data/papers")
MIRROR = Path("/work/.mirror")


@dataclass(frozen=True)
class Source:
    name: str
    repo: str  # owner/name on GitHub
    commit: str
    licence: str
    chapter: str  # the chapter's file
    chapter_sha256: str
    preambles: tuple[tuple[str, str], ...]  # the files holding the book's macros, and their SHA-256
    title: str


SOURCES = (
    Source("diffyqs-intro", "jirilebl/diffyqs", "afd4bb788c72216d6a5c8c7be5d713a9fb7d8d88",
           "CC-BY-SA-4.0 (dual with CC-BY-NC-SA-4.0; LICENSE.md)",
           "ch-intro.tex", "c690f51ad02e77124727162df6c4895ba932b5f10d03643d2f227bcb65b61029",
           (("diffyqssetup.sty", "b1d0aa3e66a015dd0a45b1abc12b155661105c9735e1e13f5bdabf0b735916fa"),
            ("diffyqs.tex", "1c55f164180dc0c470bff67e15347e71cd4fd278cad6f7dd31cd21f35a7f0963")),
           "Notes on Diffy Qs, chapter 0 (Introduction)"),
    Source("ra-real-nums", "jirilebl/ra", "e21ec524ca7d54f800c693b948020c188d21d01f",
           "CC-BY-SA-4.0 (dual with CC-BY-NC-SA-4.0; LICENSE.md)",
           "ch-real-nums.tex", "d492090591013b5845ddfa48f7dc0f15500180bf04aa8a0af10dd7d3919f01a3",
           (("realanal.tex", "a355edf1ff287d98d13bfc50fa9cfcd541b42b8210f0172dfb5dadafb58a47ee"),),
           "Basic Analysis I, chapter 1 (Real Numbers)"),
)

# ------------------------------------------------------------------------------ the source's formulas

MATH_ENVS = ("equation", "align", "gather", "multline", "eqnarray", "alignat", "flalign")
_ENV = re.compile(r"\\begin\{(" + "|".join(MATH_ENVS) + r")(\*?)\}")


def strip_comments(tex: str) -> str:
    """`tex` without its comments: an unescaped % to the end of its line, the line's end and the
    next line's leading spaces (as TeX reads it: a comment line in a display is no paragraph break)."""
    return re.sub(r"(?<!\\)((?:\\\\)*)%[^\n]*(?:\n[ \t]*)?", r"\1", tex)


def _group(tex: str, at: int) -> int:
    """The index just past the braced group opening at `at` (tex[at] == "{")."""
    depth = 0
    for k in range(at, len(tex)):
        c = tex[k]
        if c == "\\":
            continue
        if c == "{" and (k == 0 or tex[k - 1] != "\\"):
            depth += 1
        elif c == "}" and (k == 0 or tex[k - 1] != "\\"):
            depth -= 1
            if depth == 0:
                return k + 1
    return len(tex)


def macros(preamble: str, mbx: bool = True) -> dict[str, tuple[int, str | None, str]]:
    """The preamble's \\newcommand, \\renewcommand, \\providecommand and \\DeclareMathOperator
    definitions (comments left out, but for `%mbxmacro` lines: diffyqs' MathJax macros): name ->
    (arguments, the first's default when optional, body)."""
    text = strip_comments(re.sub(r"(?m)^%mbxmacro\s*", "", preamble) if mbx else preamble)
    out: dict[str, tuple[int, str | None, str]] = {}
    for m in re.finditer(r"\\(?:re|provide|new)command\*?\s*\{?\\([A-Za-z]+)\}?", text):
        k = m.end()
        n, default = 0, None
        a = re.match(r"\s*\[(\d)\]", text[k:])
        if a:
            n, k = int(a.group(1)), k + a.end()
            d = re.match(r"\s*\[([^\]]*)\]", text[k:])
            if d:
                default, k = d.group(1), k + d.end()
        b = re.match(r"\s*\{", text[k:])
        if not b:
            continue
        start = k + b.end() - 1
        out[m.group(1)] = (n, default, text[start + 1:_group(text, start) - 1])
    for m in re.finditer(r"\\DeclareMathOperator(\*?)\s*\{\\([A-Za-z]+)\}\s*\{([^{}]*)\}", text):
        out[m.group(2)] = (0, None, f"\\operatorname{m.group(1)}{{{m.group(3)}}}")
    return out


def _argument(tex: str, k: int) -> tuple[str, int] | None:
    """A macro's argument at `k` (spaces skipped): a braced group's inside, a control word or a
    character; None at the end."""
    while k < len(tex) and tex[k] in " \t\n":
        k += 1
    if k >= len(tex) or tex[k] == "}":
        return None
    if tex[k] == "{":
        end = _group(tex, k)
        return tex[k + 1:end - 1], end
    m = re.match(r"\\(?:[A-Za-z]+|.)", tex[k:])
    if m:
        return m.group(0), k + m.end()
    return tex[k], k + 1


def expand(latex: str, defs: dict[str, tuple[int, str | None, str]], passes: int = 10) -> str | None:
    """`latex` with the preamble's macros expanded; None when one of them is left (its arguments
    not found, or still there after `passes` rounds)."""
    if not defs:
        return latex
    name = re.compile(r"\\(" + "|".join(sorted(map(re.escape, defs), key=len, reverse=True)) + r")(?![A-Za-z])")
    for _ in range(passes):
        m = name.search(latex)
        if m is None:
            return latex
        out, k = [], 0
        while m is not None:
            n, default, body = defs[m.group(1)]
            out.append(latex[k:m.start()])
            k, args = m.end(), []
            if default is not None:
                o = re.match(r"\s*\[([^\]]*)\]", latex[k:])
                args.append(o.group(1) if o else default)
                k += o.end() if o else 0
            while len(args) < n:
                a = _argument(latex, k)
                if a is None:
                    return None
                args.append(a[0])
                k = a[1]
            text = body
            for i, a in enumerate(args, 1):
                text = text.replace(f"#{i}", a)
            if re.search(r"\\[A-Za-z]+$", text) and re.match(r"[A-Za-z]", latex[k:k + 1]):
                text += " "  # \R x: the control word ends before the letter
            out.append(text)
            m = name.search(latex, k)
        latex = "".join(out) + latex[k:]
    return None if name.search(latex) else latex


def _closing(tex: str, at: int, delim: str) -> int:
    """Where `delim` closes a formula opened before `at` (outside braces: \\text{for $x$}), -1 if never."""
    depth, k = 0, at
    while k < len(tex):
        c = tex[k]
        if c == "\\":
            if delim.startswith("\\") and tex.startswith(delim, k) and depth <= 0:
                return k
            k += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif depth <= 0 and tex.startswith(delim, k):
            return k
        k += 1
    return -1


def formulas(tex: str) -> list[tuple[str, bool]]:
    """The formulas of a LaTeX body in document order: (LaTeX, displayed). Comments left out."""
    tex = strip_comments(tex)
    out: list[tuple[str, bool]] = []
    k = 0
    while k < len(tex):
        c = tex[k]
        if c == "\\":
            env = _ENV.match(tex, k)
            if env:
                end_tag = f"\\end{{{env.group(1)}{env.group(2)}}}"
                e = tex.find(end_tag, env.end())
                if e < 0:
                    break
                if env.group(1) == "equation":
                    out.append((tex[env.end():e].strip(), True))
                else:
                    out.append((tex[k:e + len(end_tag)].strip(), True))
                k = e + len(end_tag)
                continue
            two = tex[k:k + 2]
            if two in ("\\(", "\\["):
                close = "\\)" if two == "\\(" else "\\]"
                e = _closing(tex, k + 2, close)
                if e < 0:
                    break
                out.append((tex[k + 2:e].strip(), two == "\\["))
                k = e + 2
                continue
            k += 2  # an escaped character (\$, \%, \\) or the start of a control word
            continue
        if c == "$":
            display = tex.startswith("$$", k)
            delim = "$$" if display else "$"
            e = _closing(tex, k + len(delim), delim)
            if e < 0:
                break
            out.append((tex[k + len(delim):e].strip(), display))
            k = e + len(delim)
            continue
        k += 1
    return [(f, d) for f, d in out if f]


def source_formulas(tex: str, defs: dict) -> tuple[list[tuple[str, bool]], int]:
    """The body's formulas with the book's macros expanded and labels left out, and how many were
    skipped (a macro not expanded)."""
    kept, skipped = [], 0
    for latex, display in formulas(tex):
        latex = re.sub(r"\\label\{[^{}]*\}", "", latex)
        done = expand(latex, defs)
        if done is None:
            skipped += 1
            continue
        kept.append((done.strip(), display))
    return kept, skipped


# ------------------------------------------------------------------------------ alignment


def align(reference: list[list[str]], said: list[list[str]]) -> list[list[int]]:
    """For each source formula (its reference words), the indexes of the PDF formula words (their
    spoken words) found for it, in order. A PDF word is the formula's when its words and the
    formula's are matched (difflib, both streams in document order): by the most matched words of
    any formula claiming it, or by two or more (a PDF word may be two formulas' when the PDF merged
    them; one stray word, "p" in "P of 61", is not a claim). A formula none of whose words is
    matched takes the PDF words left between its found neighbours': all of them when it is the only
    one there; else one each, in order, when they are as many as those formulas (or as those of
    more than one word: a one-symbol formula is often left as text by the reader)."""
    ref = [(i, w) for i, ws in enumerate(reference) for w in ws]
    hyp = [(j, w) for j, ws in enumerate(said) for w in ws]
    sm = difflib.SequenceMatcher(None, [w for _, w in ref], [w for _, w in hyp], autojunk=False)
    count: dict[tuple[int, int], int] = {}
    for a, b, n in sm.get_matching_blocks():
        for t in range(n):
            key = (ref[a + t][0], hyp[b + t][0])
            count[key] = count.get(key, 0) + 1
    best: dict[int, int] = {}
    for (_, j), c in count.items():
        best[j] = max(best.get(j, 0), c)
    out: list[list[int]] = [[] for _ in reference]
    for (i, j), c in sorted(count.items()):
        if c == best[j] or c >= 2:
            out[i].append(j)
    used = {j for js in out for j in js}
    i = 0
    while i < len(out):
        if out[i]:
            i += 1
            continue
        g = i
        while g < len(out) and not out[g]:
            g += 1
        lo = max((out[p][-1] for p in range(i - 1, -1, -1) if out[p]), default=-1)
        hi = min((out[p][0] for p in range(g, len(out)) if out[p]), default=len(said))
        free = [j for j in range(lo + 1, hi) if j not in used]
        longer = [t for t in range(i, g) if len(reference[t]) > 1]
        if g - i == 1:
            out[i] = free
        elif len(free) == g - i:
            for t, j in zip(range(i, g), free):
                out[t] = [j]
        elif len(free) == len(longer):
            for t, j in zip(longer, free):
                out[t] = [j]
        i = g
    return out


# ------------------------------------------------------------------------------ build

PREAMBLE = r"""\documentclass[12pt]{book}
\usepackage[T1]{fontenc}
\usepackage{amsmath,amssymb,amsthm,mathtools,mathrsfs,graphicx,url,enumerate}
\usepackage[hidelinks]{hyperref}
\providecommand{\nicefrac}[2]{{}^{#1}\!/\!{}_{#2}}
\makeatletter
\newcommand{\pv@paren}{}\def\pv@paren(#1){}
\newenvironment{tasks}{\begin{enumerate}\let\task\item\@ifnextchar(\pv@paren\relax}{\end{enumerate}}
\makeatother
\newtheorem{thm}{Theorem}[section]
\newtheorem{theorem}[thm]{Theorem}
\newtheorem{lemma}[thm]{Lemma}
\newtheorem{prop}[thm]{Proposition}
\newtheorem{cor}[thm]{Corollary}
\theoremstyle{definition}
\newtheorem{defn}[thm]{Definition}
\newtheorem{example}[thm]{Example}
\newtheorem{exercise}{Exercise}[section]
\theoremstyle{remark}
\newtheorem{remark}[thm]{Remark}
"""
# the book's layout and reference commands, stubbed (what they print is not a formula)
STUBS = {
    "myindex": (1, "#1"), "glsadd": (1, ""), "exsol": (1, ""), "capstart": (0, ""), "avoidbreak": (0, ""),
    "sectionnewpage": (0, ""), "sectionnotes": (1, "\\noindent\\emph{Note: #1}\\medskip\\par"),
    "addfakecontentsline": (1, ""), "diffypdfversion": (1, "#1"), "myquote": (1, "``#1''"),
    "VolOneIntroExtrahead": (0, ""), "VolTwoIntro": (0, ""), "volIIref": (2, "#1"),
    "chapterref": (1, "chapter~\\ref{#1}"), "Chapterref": (1, "Chapter~\\ref{#1}"),
    "sectionref": (1, "section~\\ref{#1}"), "appendixref": (1, "appendix~\\ref{#1}"),
    "Appendixref": (1, "Appendix~\\ref{#1}"), "figurevref": (1, "Figure~\\ref{#1}"),
    "figureref": (1, "Figure~\\ref{#1}"), "tablevref": (1, "Table~\\ref{#1}"),
    "exampleref": (1, "Example~\\ref{#1}"), "exerciseref": (1, "Exercise~\\ref{#1}"),
    "thmref": (1, "Theorem~\\ref{#1}"), "propref": (1, "Proposition~\\ref{#1}"),
    "defnref": (1, "Definition~\\ref{#1}"), "lemmaref": (1, "Lemma~\\ref{#1}"), "corref": (1, "Corollary~\\ref{#1}"),
    "EPref": (1, "\\cite{EP}"), "BDref": (1, "\\cite{BD}"), "mybeginframe": (0, ""), "myendframe": (0, ""),
    "mybxbg": (0, ""), "inputpdft": (1, ""), "myincludepdft": (2, ""),
}
FIGURES = ("mywrapfig", "mywrapfigsimp", "myfig", "myfigureht", "figure", "table", "tikzcd")


def derived_chapter(chapter: str) -> str:
    """The chapter as typeset here: its figures and its exercises' solutions (\\exsol{..}) out."""
    tex = strip_comments(chapter)
    for env in FIGURES:
        tex = re.sub(rf"\\begin\{{{env}\}}.*?\\end\{{{env}\}}%?", "", tex, flags=re.S)
    out, k = [], 0
    for m in re.finditer(r"\\exsol\s*\{", tex):
        if m.start() < k:
            continue
        out.append(tex[k:m.start()])
        k = _group(tex, m.end() - 1)
    tex = "".join(out) + tex[k:]
    return re.sub(r"\\begin\{(equation\*?)\}\s*\\end\{\1\}", "", tex)  # a diagram's display, emptied


def document(defs: dict, body: str) -> str:
    lines = [PREAMBLE]
    for name, (n, default, text) in sorted(defs.items()):
        if name in STUBS:
            continue
        opt = f"[{n}]" + (f"[{default}]" if default is not None else "") if n else ""
        lines.append(f"\\providecommand{{\\{name}}}{{}}\\renewcommand{{\\{name}}}{opt}{{{text}}}")
    for name, (n, text) in STUBS.items():
        lines.append(f"\\providecommand{{\\{name}}}{{}}\\renewcommand{{\\{name}}}{f'[{n}]' if n else ''}{{{text}}}")
    return "\n".join(lines) + "\n\\begin{document}\n" + body + "\n\\end{document}\n"


def git_show(mirror: Path, src: Source, path: str) -> bytes:
    repo = mirror / src.repo.replace("/", "+") / "repo"
    return subprocess.run(["git", "--git-dir", str(repo), "show", f"{src.commit}:{path}"],
                          check=True, capture_output=True).stdout


def book_macros(src: Source, folder: Path, mbx: bool = True) -> dict:
    """The book's macros, from its preamble files (a later file's definition wins); `mbx`: with
    its MathJax definitions (for the formulas, not for pdfTeX)."""
    defs: dict = {}
    for path, _ in src.preambles:
        defs.update(macros((folder / Path(path).name).read_text(encoding="utf-8"), mbx=mbx))
    return defs


def build(data: Path, mirror: Path) -> None:
    """Each paper's folder: its files at the pinned commit (checked), the derived chapter, its PDF."""
    for src in SOURCES:
        folder = data / src.name
        folder.mkdir(parents=True, exist_ok=True)
        for path, sha in ((src.chapter, src.chapter_sha256), *src.preambles):
            blob = git_show(mirror, src, path)
            digest = hashlib.sha256(blob).hexdigest()
            if sha and digest != sha:
                raise SystemExit(f"{src.repo}:{path}: SHA-256 {digest}, expected {sha}")
            (folder / Path(path).name).write_bytes(blob)
        (folder / "LICENSE.md").write_bytes(git_show(mirror, src, "LICENSE.md"))
        defs = book_macros(src, folder, mbx=False)
        body = derived_chapter((folder / Path(src.chapter).name).read_text(encoding="utf-8"))
        (folder / "paper.tex").write_text(document(defs, body), encoding="utf-8")
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "paper.tex").write_text(document(defs, body), encoding="utf-8")
            for _ in range(2):  # references
                run = subprocess.run(["pdflatex", "-no-shell-escape", "-interaction=nonstopmode", "paper.tex"],
                                     cwd=tmp, capture_output=True, timeout=600)
            log = (Path(tmp) / "paper.log").read_text(encoding="latin-1")
            errors = log.count("\n! ")
            pdf = Path(tmp) / "paper.pdf"
            if not pdf.exists():
                raise SystemExit(f"{src.name}: pdflatex made no PDF (exit {run.returncode}); see its log")
            (folder / "paper.pdf").write_bytes(pdf.read_bytes())
            (folder / "paper.log").write_text(log, encoding="utf-8")
        pages = re.search(r"Output written on paper.pdf \((\d+) pages", log)
        print(f"{src.name}: {src.repo}@{src.commit[:10]} {src.chapter}, {pages.group(1) if pages else '?'} pages, "
              f"{errors} LaTeX errors (nonstop)", flush=True)


# ------------------------------------------------------------------------------ run


def read_formula_words(pdf: bytes) -> list[str]:
    """The speech of each formula word of the PDF, in reading order ("formula" when unsaid)."""
    from bench import math_pdf

    out = []
    for _, f in math_pdf.read_pdf(pdf, max_pages=200):
        if f is None:
            continue
        out.append(str(f.get("spoken") or "formula") if f.get("mathml") and "error" not in f else "formula")
    return out


def measure(src: Source, data: Path, show: int = 0) -> dict:
    from bench import math as bm

    folder = data / src.name
    t0 = time.monotonic()
    defs = book_macros(src, folder)
    tex = (folder / "paper.tex").read_text(encoding="utf-8")
    body = tex.split("\\begin{document}", 1)[1]
    kept, skipped = source_formulas(body, defs)
    reference = bm.spoken([{"latex": f, "display": d} for f, d in kept])
    pdf_said = read_formula_words((folder / "paper.pdf").read_bytes())
    ref_words = [bm.words(r) for r in reference]
    said_words = [bm.words(s) for s in pdf_said]
    aligned = align(ref_words, said_words)
    rows = []
    for (latex, _), ref, at in zip(kept, reference, aligned):
        said = " ".join(pdf_said[j] for j in at)
        unsaid = any(pdf_said[j] == "formula" for j in at)
        rows.append({"latex": latex, "reference": ref, "said": said, "found": bool(at),
                     "words": bool(at) and not unsaid and bool(ref),
                     "wer": bm.wer(ref, said) if at and ref else 1.0})
    scored = [r for r in rows if r["reference"]]
    spoken = [r for r in scored if r["words"]]
    fig = {"source": len(kept) + skipped, "skipped": skipped, "no_reference": len(rows) - len(scored),
           "scored": len(scored), "pdf_words": len(pdf_said), "found": sum(r["found"] for r in scored),
           "spoken": len(spoken), "match": sum(r["wer"] <= bm.MATCH_WER for r in spoken),
           "one_symbol_unfound": sum(not r["found"] and len(bm.words(r["reference"])) <= 1 for r in scored),
           "one_symbol": sum(len(bm.words(r["reference"])) <= 1 for r in scored),
           "seconds": time.monotonic() - t0, "rows": rows}
    if show:
        misses = [r for r in scored if (not r["words"] or r["wer"] > bm.MATCH_WER)
                  and (r["found"] or len(bm.words(r["reference"])) > 1)]  # not the one-symbol ones left as text
        for r in misses[:show]:
            kind = "not found" if not r["found"] else ("said 'formula'" if not r["words"] else f"WER {r['wer']:.2f}")
            print(f"- {kind}: {r['latex'][:90]!r}\n    said: {r['said'][:160]}\n    ref:  {r['reference'][:160]}")
    return fig


def line(name: str, f: dict) -> str:
    from bench import math_pdf

    n, u = max(1, f["scored"]), f["one_symbol_unfound"]
    return (f"{name}: {f['source']} formulas in the source ({f['skipped']} skipped: a macro not expanded; "
            f"{f['no_reference']} the TeX path does not speak), {f['pdf_words']} formula words in the PDF; "
            f"of the {f['scored']} scored: found {f['found'] / n:.2f}, spoken as words {f['spoken'] / n:.2f} "
            f"({f['spoken']}), matching the source's speech {f['match'] / max(1, f['spoken']):.2f} of those "
            f"({f['match']}); {f['one_symbol_unfound']} of the {f['one_symbol']} one-symbol formulas not found (the "
            f"reader leaves a single character as text); counting those as spoken as words and matching (not "
            f"checked): spoken as words {(f['spoken'] + u) / n:.2f}, matching {(f['match'] + u) / max(1, f['spoken'] + u):.2f}; "
            f"goals: spoken as words >= {math_pdf.GOALS['words']}, matching >= {math_pdf.GOALS['match']}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("command", nargs="?", default="run", choices=("run", "build"))
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--mirror", type=Path, default=MIRROR, help="where the fetched repositories' git directories are")
    ap.add_argument("--show", type=int, default=0, help="print the first N misses of each paper")
    ap.add_argument("--audio", action="store_true", help="Whisper hears every n-th formula spoken as words")
    ap.add_argument("--heard-every", type=int, default=4)
    args = ap.parse_args(argv)
    if args.command == "build":
        build(args.data, args.mirror)
        return 0
    missing = [s.name for s in SOURCES if not (args.data / s.name / "paper.pdf").exists()]
    if missing:
        print(f"{', '.join(missing)}: no PDF in {args.data}: python -m bench.math_paper build", file=sys.stderr)
        return 2
    from bench import math as bm

    total: dict = {}
    listen: list[tuple[str, str]] = []
    for src in SOURCES:
        f = measure(src, args.data, show=args.show)
        print(line(f"{src.name} ({src.title}; {src.repo}@{src.commit[:10]}, {f['seconds']:.0f} s)", f), flush=True)
        for key, v in f.items():
            if key not in ("rows", "seconds"):
                total[key] = total.get(key, 0) + v
        spoken = [r for r in f["rows"] if r["words"]]
        listen += [(r["reference"], r["said"]) for r in spoken[::args.heard_every]] if args.audio else []
    print(line("all", total), flush=True)
    if listen:
        t1 = time.monotonic()
        heard = bm.transcribe([s for _, s in listen])
        close = sum(bm.heard_wer(ref, h) <= bm.HEARD_WER for (ref, _), h in zip(listen, heard))
        print(f"heard close (Whisper base, WER <= {bm.HEARD_WER} to the source's words): {close / len(listen):.2f} of "
              f"{len(listen)} (every {args.heard_every}th formula spoken as words; {time.monotonic() - t1:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
