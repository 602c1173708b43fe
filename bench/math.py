"""Formulas read aloud (issue 58): is each formula said as a teacher says it, and is it heard so.

    nice -n 10 .venv/bin/python -m bench.math               # the product's engine: speech and Whisper
    nice -n 10 .venv/bin/python -m bench.math --compare     # the candidates side by side (no audio)
    nice -n 10 .venv/bin/python -m bench.math --forms       # per form: the same formulas as pages write them

Material: bench/data/math/formulas.json, 468 real formulas from documents PageVoice did not write
(each item names its repository, file, commit and licence; docs/licences.md) with the speech
PageVoice's authors wrote for each, in ClearSpeak's conventions, before any engine was run on them:
fractions, roots, powers, sums, products and integrals, subscripts, matrices and determinants,
cases and text inside math, as LaTeX, MathML and Word's Office Math. Parts (bench/README.md): the
tuned part (MDN, Jupyter, GitHub), "held out" (Beezer's linear algebra EPUB), and "held-out-2" to
"held-out-10" and "word", each written blind (by helpers who never saw an engine's words) and run
once before anything was changed for it. The figures are printed per part and all.

Each formula goes the product's way: MathML through media/flow/formula.from_mathml, LaTeX through
from_latex, then chalicelib.engines.math (MathJax for LaTeX, Speech Rule Engine's ClearSpeak).
- Speech matches: the engine's words against ours, both through Whisper's English normaliser
  (bench.speech_common.normalise: "four" is 4, punctuation gone) and without "the", word error
  rate <= 0.1 (at most one word in ten differs: "times" said or not); exact matches are printed too.
- Heard: our recording of the engine's words (chalicelib.kinds.voice.speak, the default English
  voice) transcribed by Whisper base (bench.languages.Transcriber, the product's engine), against
  our expected words (the goal's figure) and against the words recorded (how well the recording
  itself is understood); close when the WER is <= 0.25 (bench.languages' goal for a voice). The
  transcript's letters Whisper writes joined ("sub ij", "dx", "2x") count as the letters our words
  say one by one there, and its hyphen between terms ("alpha-1") as "minus" (`heard_wer`).
Goals (issue 58): speech matches >= 0.9, heard close >= 0.8.
`--compare` prints each candidate's share of speech matches: SRE ClearSpeak (the product's),
SRE MathSpeak, the accessible-math-reader package (PyPI, MIT; when installed), and for the LaTeX
formulas the MathML of MathJax's TeX input against latex2mathml's (PyPI, MIT; when installed),
both spoken by ClearSpeak.
`--forms` (issue 79) reads the same formulas the ways documents write them, each in a sentence of
its own page through the product's reader (chalicelib.media.flow.read), and prints per form speech
matches, heard close (unless --no-audio) and the formulas whose spoken page says a source token
("backslash", "dollar", "frac", "begin": what a formula read as text says):
- MathML page: the MathML items in a web page's paragraph (html.py reads <math>).
- TeX page: the LaTeX items as `pandoc --mathjax` writes them, `<span class="math inline">\\(..\\)</span>`
  or `<span class="math display">\\[..\\]</span>` (tex.py).
- KaTeX page: the LaTeX items as KaTeX's output saved with a page (`.katex-mathml` holding MathML
  and the TeX annotation, `.katex-html` glyphs aria-hidden). KaTeX is not installed here: its MathML
  is MathJax's for the same LaTeX (the worker's engine), so this measures the page's shape, not
  KaTeX's MathML.
- MathJax-rendered saved page: every item with MathML (the MathML items, and the LaTeX items with
  MathJax's MathML) as MathJax 3's CHTML output saved: `<mjx-container>` with its drawn
  `<mjx-math>` and `<mjx-assistive-mml>`.
- Markdown: the LaTeX items as `$..$` or a `$$` block (markdown.py).
- notebook: the LaTeX items in a Jupyter notebook's Markdown cell as Markdown has them, after a
  code cell with its output (shown, not spoken: left out of the page's words as the recording
  leaves it out) (notebook.py).
- .tex: the LaTeX items in a LaTeX source (a preamble with packages, a title and \\maketitle):
  `$..$` in a sentence; a display item as `\\begin{equation}..\\end{equation}`, as `\\[..\\]` when
  it breaks lines, or bare when it is an environment itself (align, gather ...) (latex.py).
- pdf: the LaTeX items typeset by pdfTeX and read back from the PDF's text layer (bench/math_pdf.py:
  formulas found, spoken as words, speech matching the LaTeX source's words); only when named,
  `--pdf-held-out` for its held-out documents.
`--form NAME` (repeatable) runs only those forms.
A formula's words are heard once per distinct words (the recording and transcript are the same).
"""
from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

FIXTURE = Path(__file__).resolve().parent / "data" / "math" / "formulas.json"
MATCH_WER = 0.1
HEARD_WER = 0.25
GOALS = {"speech": 0.9, "heard": 0.8}


def formulas() -> list[dict]:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))["formulas"]


# ClearSpeak's own alternatives for one reading (its preference settings, SRE's `clearspeak`
# preference strings), made one canonical form on both sides so that a right reading in another
# of ClearSpeak's settings is not scored as wrong. Each: (words, canonical, the preferences).
EQUIVALENT = (
    # Fraction_General ("the fraction with numerator X and denominator Y") against Fraction_Over
    # ("X over Y"), both ClearSpeak's; Fraction_Auto uses either by the fraction's size.
    (("fraction", "with", "numerator"), (), "Fraction_General = Fraction_Over"),
    (("and", "denominator"), ("over",), "Fraction_General = Fraction_Over"),
    # Exponent_Ordinal ("x to the n-th power") against Exponent_Auto ("x to the n power"), and
    # "raised to the" (Auto's words for a base or exponent that is not simple) against "to the".
    (("th", "power"), ("power",), "Exponent_Ordinal = Exponent_Auto"),
    (("raised", "to"), ("to",), "Exponent_Auto (raised) = Exponent_Auto"),
    # Exponent_Auto's wording for a compound exponent ("raised to the exponent, 1 divided by 2, end
    # exponent") against its wording for a simple one ("raised to the 1 divided by 2 power").
    (("exponent",), (), "Exponent_Auto (compound) = Exponent_Auto (simple)"),
    (("end",), ("power",), "Exponent_Auto (compound) = Exponent_Auto (simple)"),
    # Matrix_SpeakColNum ("Column 1, a; Column 2, b") against Matrix_SilentColNum ("a, b"), and a
    # column matrix's entries with their row numbers (Matrix_Auto, for entries not simple) or without.
    (("column", "<n>"), (), "Matrix_SpeakColNum = Matrix_SilentColNum"),
    (("row", "<n>"), (), "Matrix_Auto (rows named) = Matrix_Auto (a column's entries)"),
    # Not a preference: the voice says ClearSpeak's abbreviation "paren" as the word (math.voiced),
    # which Whisper then writes; one word either way.
    (("parenthesis",), ("paren",), "paren = parenthesis"),
    (("exponential",), ("exp",), "exp = exponential"),  # the same: the voice says the name "exp" stands for
)


def _number(word: str) -> bool:
    return word.isdigit() or word in ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def canonical(tokens: list[str]) -> list[str]:
    """`tokens` with each of ClearSpeak's alternatives (EQUIVALENT) in its one canonical form."""
    out: list[str] = []
    k = 0
    while k < len(tokens):
        for said, into, _ in EQUIVALENT:
            window = tokens[k:k + len(said)]
            if len(window) == len(said) and all(w == s or (s == "<n>" and _number(w)) for w, s in zip(window, said)):
                out.extend(into)
                k += len(said)
                break
        else:
            out.append(tokens[k])
            k += 1
    return out


# A named function's argument with "of" or without: one reading ("sine phi", "sine of phi"; SRE says
# "of" only before parentheses, the product always).
NAMED_FUNCTIONS = frozenset({"sine", "cosine", "tangent", "cotangent", "secant", "cosecant", "log", "exp",
                             "determinant", "squared", "cubed"})


def _argument_parens(tokens: list[str]) -> list[str]:
    """`tokens` without the parentheses right after "of" (a function's or a sum's argument) and
    their matching close: ClearSpeak's Paren_Silent against Paren_Auto ("exp of negative x squared"
    / "exp of, open paren, negative x squared, close paren"), applied to both sides; and a named
    function's "of" (NAMED_FUNCTIONS)."""
    out: list[str] = []
    depth, silent = 0, []  # the depths of the open parens left unsaid
    k = 0
    while k < len(tokens):
        pair = tokens[k:k + 2]
        if pair == ["open", "paren"]:
            depth += 1
            if out and out[-1] == "of":
                silent.append(depth)
                k += 2
                continue
        elif pair == ["close", "paren"]:
            closing = depth
            depth = max(0, depth - 1)
            if silent and silent[-1] == closing:
                silent.pop()
                k += 2
                continue
        out.append(tokens[k])
        k += 1
    return [w for k, w in enumerate(out) if not (w == "of" and k and out[k - 1] in NAMED_FUNCTIONS)]


def words(text: str) -> list[str]:
    """Whisper's English normaliser's words, without "the" (an article said or not changes nothing),
    in ClearSpeak's canonical forms (EQUIVALENT, and a function's argument without its parentheses)."""
    from bench.speech_common import normalise

    return _argument_parens(canonical([w for w in normalise(text) if w != "the"]))


def wer(expected: str, said: str) -> float:
    from bench.speech_common import wer_counts

    ref, hyp = words(expected), words(said)
    return wer_counts(ref, hyp) / max(1, len(ref))


# How Whisper writes what it hears of a formula, which is not what was misheard: letters said one by
# one written as one token ("sub ij", "dx", "2x"), a minus written as a hyphen ("alpha-1", "1-x").
_DIGIT_LETTER = re.compile(r"(?<=\d)(?=[A-Za-z])(?!(?:st|nd|rd|th)\b)|(?<=[A-Za-z])(?=\d)")
_HYPHEN_MINUS = re.compile(r"(?<=[A-Za-z0-9])-(?=[A-Za-z0-9]\b)")  # "alpha-1", "1-x"; not "n-th", "one-half"


def heard_wer(expected: str, transcript: str) -> float:
    """`wer` of a transcript, after writing its joined letters as the letters `expected` says one
    by one (only where `expected` has them side by side) and its hyphens between terms as "minus"."""
    text = _HYPHEN_MINUS.sub(" minus ", _DIGIT_LETTER.sub(" ", transcript))
    ref = words(expected)
    singles = {" ".join(ref[k:k + n]) for n in (2, 3, 4) for k in range(len(ref) - n + 1)
               if all(len(w) == 1 and w.isalpha() for w in ref[k:k + n])}
    hyp = []
    for w in words(text):
        spelt = " ".join(w)
        hyp.extend(spelt.split() if len(w) in (2, 3, 4) and w.isalpha() and spelt in singles else [w])
    from bench.speech_common import wer_counts

    return wer_counts(ref, hyp) / max(1, len(ref))


def read(item: dict) -> dict:
    """The item as a reader gives it (media/flow/formula.py)."""
    from chalicelib.media.flow import formula

    if "mathml" in item:
        from lxml import etree

        return formula.from_mathml(etree.fromstring(item["mathml"].encode()))
    if "omml" in item:  # a Word document's m:oMath or m:oMathPara, as the DOCX reader meets it
        from lxml import etree

        return formula.from_omml(etree.fromstring(item["omml"].encode()))
    return formula.from_latex(item["latex"], display=bool(item.get("display")))


def spoken(items: list[dict], domain: str = "clearspeak", tex_by: str = "mathjax") -> list[str]:
    """Each item's words by the product's engine (or another rule set, another LaTeX reader)."""
    from chalicelib.engines import math

    jobs = []
    for k, item in enumerate(items):
        found = read(item)
        if tex_by == "latex2mathml" and "latex" in item:
            import latex2mathml.converter

            found = {"mathml": latex2mathml.converter.convert(item["latex"])}
        job = math.job(k, found, "en")  # as the worker sends it
        if domain != "clearspeak":
            job["domain"] = domain
        jobs.append(job)
    answers = math.run(jobs)
    return [math.pauses((answers.get(k) or {}).get("speech", "")) for k in range(len(items))]  # as the worker says it


# ------------------------------------------------------------------------------ forms (issue 79)

SOURCE_TOKENS = ("backslash", "dollar", "frac", "begin")  # as words ("fraction" is not "frac"); "$" and "\\" as written
_KATEX = ('<span class="katex"><span class="katex-mathml"><math xmlns="http://www.w3.org/1998/Math/MathML"{d}>'
          '<semantics><mrow>{inner}</mrow><annotation encoding="application/x-tex">{tex}</annotation></semantics>'
          '</math></span><span class="katex-html" aria-hidden="true"><span class="base"><span class="mord">{glyphs}'
          '</span></span></span></span>')
_MJX = ('<mjx-container class="MathJax" jax="CHTML"{d}><mjx-math class="MJX-TEX" aria-hidden="true">'
        '<mjx-mi class="mjx-i"><mjx-c class="mjx-c1D465 TEX-I"></mjx-c></mjx-mi></mjx-math>'
        '<mjx-assistive-mml unselectable="on" display="{block}">{math}</mjx-assistive-mml></mjx-container>')


def _page(body: str) -> bytes:
    return ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Formulas</title></head><body><main>"
            f"<h1>Formulas</h1>{body}</main></body></html>").encode()


def _mathjax_mathml(items: list[dict]) -> list[str | None]:
    """MathJax's MathML for each item's LaTeX (the worker's engine), None for the others."""
    from chalicelib.engines import math

    jobs = [{"id": k, "tex": it["latex"], "display": bool(it.get("display")), "locale": "en"}
            for k, it in enumerate(items) if "latex" in it]
    answers = math.run(jobs)
    return [(answers.get(k) or {}).get("mathml") if "latex" in it else None for k, it in enumerate(items)]


def _unprefixed(mathml: str) -> str:
    """MathML as an HTML page writes it: an XHTML book's <m:math xmlns:m=...> is not MathML in HTML
    (Standard Ebooks' two items), so its prefix goes."""
    m = re.match(r"\s*<(\w+):math\b", mathml)
    if not m:
        return mathml
    p = re.escape(m.group(1))
    return re.sub(rf"xmlns:{p}=", "xmlns=", re.sub(rf"<(/?){p}:", r"<\1", mathml))


def _inner(mathml: str) -> str:
    """What a <math> element holds, as text."""
    from lxml import etree

    root = etree.fromstring(mathml.encode())
    return (root.text or "") + "".join(etree.tostring(c, encoding="unicode") for c in root)


def form_documents(items: list[dict]) -> dict[str, list[tuple[int, bytes, str]]]:
    """Each form's documents: (item index, the document, its content type), one formula each."""
    import html

    from chalicelib.media.flow import formula

    made = _mathjax_mathml(items)
    out: dict[str, list[tuple[int, bytes, str]]] = {f: [] for f in FORMS}
    for k, it in enumerate(items):
        display = bool(it.get("display"))
        if "mathml" in it:
            mathml = _unprefixed(it["mathml"])
            out["MathML page"].append((k, _page(f"<p>We have {mathml} here.</p>"), "text/html"))
        else:
            mathml = made[k]
        if "latex" in it:
            t = html.escape(it["latex"], quote=False)
            span = (f'<p><span class="math display">\\[{t}\\]</span></p>' if display
                    else f'<p>We have <span class="math inline">\\({t}\\)</span> here.</p>')
            out["TeX page"].append((k, _page(span), "text/html"))
            if made[k] and "merror" not in made[k]:
                glyphs = html.escape(formula.linear({"latex": it["latex"]}).replace("\\", ""), quote=False)
                d = ' display="block"' if display else ""
                katex = _KATEX.format(d=d, inner=_inner(made[k]), tex=t, glyphs=glyphs)
                if display:
                    katex = f'<span class="katex-display">{katex}</span>'
                out["KaTeX page"].append((k, _page(f"<p>We have {katex} here.</p>"), "text/html"))
            md = f"$$\n{it['latex']}\n$$\n" if display else f"We have ${it['latex']}$ here.\n"
            out["Markdown"].append((k, md.encode(), "text/markdown"))
            out["notebook"].append((k, _notebook(md), "application/x-ipynb+json"))
            out[".tex"].append((k, _tex_source(it["latex"], display), "application/x-tex"))
        if mathml and "merror" not in mathml:
            mjx = _MJX.format(d=' display="true"' if display else "", block="block" if display else "inline",
                              math=mathml)
            out["MathJax-rendered saved page"].append((k, _page(f"<p>We have {mjx} here.</p>"), "text/html"))
    return out


FORMS = ("MathML page", "TeX page", "KaTeX page", "MathJax-rendered saved page", "Markdown", "notebook", ".tex")
PDF_FORM = "pdf"  # bench/math_pdf.py: LaTeX typeset by pdfTeX, read back from the PDF's text layer
_ENVIRONMENT = re.compile(r"\s*\\begin\{(?:equation|align|gather|multline|eqnarray|alignat|flalign)\*?\}")


def _notebook(markdown: str) -> bytes:
    """A notebook: a code cell with its output, then `markdown` as a Markdown cell."""
    cells = [{"cell_type": "code", "execution_count": 1, "metadata": {}, "source": ["import numpy as np\n", "np.pi"],
              "outputs": [{"output_type": "execute_result", "execution_count": 1, "metadata": {},
                           "data": {"text/plain": ["3.141592653589793"]}}]},
             {"cell_type": "markdown", "metadata": {}, "source": markdown.splitlines(keepends=True)}]
    return json.dumps({"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                   "language": "python"}},
                       "nbformat": 4, "nbformat_minor": 5}, indent=1).encode()


def tex_body(latex: str, display: bool, label: str = "") -> str:
    """`latex` as a paper's body writes it: in a sentence, or displayed (its own environment, lines
    between \\[ \\], else a numbered equation with `label`)."""
    if not display:
        return f"We have ${latex}$ here."
    if _ENVIRONMENT.match(latex):
        return latex
    if "\\\\" in latex:
        return f"\\[\n{latex}\n\\]"
    return f"\\begin{{equation}}\n{latex}\n{label}\\end{{equation}}"


def _tex_source(latex: str, display: bool) -> bytes:
    """A LaTeX source holding `latex` as a paper writes it (module docstring)."""
    body = tex_body(latex, display, label="\\label{eq:one}\n")
    return ("\\documentclass{article}\n\\usepackage{amsmath,amssymb}\n\\title{Formulas}\n"
            f"\\begin{{document}}\n\\maketitle\n% the formula\n{body}\n\\end{{document}}\n").encode()


def source_token(spoken: str, expected: str) -> bool:
    """Whether a page's spoken words say its formula's source: a SOURCE_TOKENS word our expected
    words do not say (MDN's \\sqrt{\\$4} is "the square root of dollar sign 4"), or a written \\ or $."""
    said = set(re.findall(r"[a-z]+", spoken.lower())) - set(re.findall(r"[a-z]+", expected.lower()))
    return bool(said & set(SOURCE_TOKENS)) or "\\" in spoken or "$" in spoken


def read_form(doc_bytes: bytes, content_type: str) -> tuple[list[dict], list[str]]:
    """The formula words of a document as the product reads it, and its other words' text."""
    from chalicelib.media import flow
    from chalicelib.structure import DEFAULT_SKIP

    doc = flow.read(doc_bytes, content_type=content_type, max_words=10_000, max_chars=1_000_000)
    found, text = [], []
    for s in doc["sections"]:
        unspoken = {i for b in s["blocks"] if b["role"] in DEFAULT_SKIP for i in b["lines"]}  # a notebook's code
        for n, line in enumerate(s["lines"]):
            for w in [] if n in unspoken else line["words"]:
                (found.append(w["formula"]) if "formula" in w else text.append(w["text"]))
    return found, text


def forms(items: list[dict], audio: bool, only: list[str] | None = None, pdf_held_out: bool = False,
          show: bool = False, pdf_heard_every: int = 4) -> None:
    """Per form (or those `only` names): speech matches, heard close and source tokens, each
    part and all."""
    from chalicelib.engines import math

    heard_cache: dict[str, str] = {}  # words -> Whisper's transcript of their recording
    if only and PDF_FORM in only:
        from bench import math_pdf

        scoring = math_pdf.Scoring(part=part, spoken=spoken, wer=wer, heard_wer=heard_wer, transcribe=transcribe,
                                   match_wer=MATCH_WER, heard_close_wer=HEARD_WER, body=tex_body)
        math_pdf.run(items, scoring, held_out=pdf_held_out, show=show, heard_every=pdf_heard_every if audio else 0)
        only = [f for f in only if f != PDF_FORM]
        if not only:
            return
    for name, docs in form_documents(items).items():
        if only and name not in only:
            continue
        t0 = time.monotonic()
        sub, jobs, around, failed = [], [], [], 0
        for k, data, kind in docs:
            found, text = read_form(data, kind)
            sub.append(items[k])
            around.append(" ".join(w for w in text if w not in ("We", "have", "here.", "Formulas")))  # (.tex: the title)
            if len(found) != 1 or "error" in found[0]:
                failed += 1
                jobs.append(None)
            else:
                jobs.append(math.job(len(sub) - 1, found[0], "en"))
        answers = math.run([j for j in jobs if j is not None])
        said = [math.pauses((answers.get(n) or {}).get("speech", "")) if j else "" for n, j in enumerate(jobs)]
        spoken_pages = [f"{a} {s}".strip() for a, s in zip(around, said)]
        sources = sum(source_token(p, it["expected"]) for p, it in zip(spoken_pages, sub))
        print(f"{name}: {len(sub)} formulas read in {time.monotonic() - t0:.1f} s, {failed} not one formula word, "
              f"{sources} with a source token heard", flush=True)
        _print_shares(f"  {name}", shares(sub, said))
        if audio:
            fresh = list(dict.fromkeys(w for w in said if w not in heard_cache))
            heard_cache.update(zip(fresh, transcribe(fresh)))
            for pname, idx in parts(sub).items():
                close = sum(heard_wer(sub[i]["expected"], heard_cache[said[i]]) <= HEARD_WER for i in idx)
                print(f"  {name} heard close (Whisper base, WER <= {HEARD_WER}): {pname} {close / max(1, len(idx)):.2f} "
                      f"of {len(idx)}", flush=True)


def _amr(items: list[dict]) -> list[str] | None:
    """accessible-math-reader's words (its MathML or LaTeX reader), None when it is not installed."""
    try:
        from accessible_math_reader import reader as amr
    except ImportError:
        return None
    out = []
    for item in items:
        try:
            r = amr.MathReader()
            out.append(str(r.to_speech(item.get("mathml") or item.get("latex") or read(item).get("mathml", ""))))
        except Exception as exc:  # noqa: BLE001 - a candidate failing on a formula scores it unsaid
            out.append(f"[{type(exc).__name__}]")
    return out


def part(item: dict) -> str:
    """The item's part: tuned, held out (the first, FCLA's), or a later held-out set named by "part"."""
    return item.get("part") or ("held out" if item["held_out"] else "tuned")


def parts(items: list[dict]) -> dict[str, list[int]]:
    """Each part's item indexes, then all; a held-out part is only reported, never tuned on."""
    out: dict[str, list[int]] = {}
    for i, item in enumerate(items):
        out.setdefault(part(item), []).append(i)
    numbered = sorted(set(out) - {"tuned", "held out"}, key=lambda n: (len(n), n))  # held-out-2 before held-out-10
    order = ["tuned", "held out"] + numbered
    return {name: out[name] for name in order if name in out} | {"all": list(range(len(items)))}


def shares(items: list[dict], said: list[str]) -> dict:
    out = {}
    for name, idx in parts(items).items():
        errs = [wer(items[i]["expected"], said[i]) for i in idx]
        out[name] = {"n": len(idx), "match": sum(e <= MATCH_WER for e in errs) / max(1, len(idx)),
                     "exact": sum(e == 0 for e in errs) / max(1, len(idx)),
                     "wer": sum(errs) / max(1, len(idx))}
    return out


def heard(items: list[dict], said: list[str]) -> list[tuple[str, float, float]]:
    """Whisper base's transcript of our recording of each item's words, its WER against our
    expected words and against the words recorded (the recording's own intelligibility)."""
    return [(text, heard_wer(item["expected"], text), heard_wer(words or "formula", text))
            for item, words, text in zip(items, said, transcribe(said))]


def transcribe(said: list[str]) -> list[str]:
    """Whisper base's transcript of our recording of each formula's words."""
    import io
    import wave

    import numpy as np

    from bench.languages import Transcriber
    from chalicelib.engines import math
    from chalicelib.kinds import voice

    if not said:
        return []
    listen = Transcriber()
    out = []
    for words in said:
        rec = voice.speak(math.voiced(words or "formula", "en"), language="en")  # as spoken.script sends it
        with wave.open(io.BytesIO(rec.wav)) as w:
            rate, frames = w.getframerate(), w.readframes(w.getnframes())
        samples = np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32768
        if rate != 16000:
            from chalicelib.engines.tts.base import Audio, resample

            samples = resample(Audio((samples * 32768).astype(np.int16), rate), 16000).samples.astype(np.float32) / 32768
        text, _ = listen(samples, "en")
        out.append(text)
    return out


def _print_shares(title: str, figures: dict) -> None:
    cells = "; ".join(f"{name} {f['match']:.2f} ({f['exact']:.2f} exact, mean WER {f['wer']:.2f}) of {f['n']}"
                      for name, f in figures.items() if f["n"])
    print(f"{title}: speech matches {cells}", flush=True)


def compare(items: list[dict]) -> None:
    _print_shares("SRE ClearSpeak, LaTeX by MathJax (the product's)", shares(items, spoken(items)))
    _print_shares("SRE MathSpeak", shares(items, spoken(items, domain="mathspeak")))
    try:
        import latex2mathml  # noqa: F401
        tex = [it for it in items if "latex" in it]
        _print_shares(f"LaTeX formulas ({len(tex)}) by MathJax", shares(tex, spoken(tex)))
        _print_shares(f"LaTeX formulas ({len(tex)}) by latex2mathml", shares(tex, spoken(tex, tex_by="latex2mathml")))
    except ImportError:
        print("latex2mathml: not installed (pip install latex2mathml==3.81.1 to compare)")
    amr = _amr(items)
    if amr is None:
        print("accessible-math-reader: not installed (pip install accessible-math-reader==0.4.1 to compare)")
    else:
        _print_shares("accessible-math-reader 0.4.1", shares(items, amr))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--compare", action="store_true", help="the candidates' speech side by side (no audio)")
    ap.add_argument("--show", action="store_true", help="print each formula's words and what was heard")
    ap.add_argument("--no-audio", action="store_true", help="speech only (no recording, no Whisper)")
    ap.add_argument("--forms", action="store_true", help="per form: the formulas as web pages and Markdown write them")
    ap.add_argument("--form", action="append", choices=(*FORMS, PDF_FORM),
                    help="with --forms: only this form (repeatable); pdf only when named (bench/math_pdf.py)")
    ap.add_argument("--pdf-held-out", action="store_true", help="with --form pdf: the held-out PDFs (run once)")
    ap.add_argument("--pdf-heard-every", type=int, default=4,
                    help="with --form pdf and audio: Whisper hears every n-th formula spoken as words")
    ap.add_argument("--part", help="only this part (tuned, 'held out', held-out-2): tune on the tuned part alone")
    args = ap.parse_args(argv)
    items = [it for it in formulas() if args.part in (None, part(it))]
    if args.compare:
        compare(items)
        return 0
    if args.forms:
        forms(items, audio=not args.no_audio, only=args.form, pdf_held_out=args.pdf_held_out, show=args.show,
              pdf_heard_every=args.pdf_heard_every)
        return 0
    t0 = time.monotonic()
    said = spoken(items)
    print(f"{len(items)} formulas spoken in {time.monotonic() - t0:.1f} s", flush=True)
    figures = shares(items, said)
    _print_shares("SRE ClearSpeak", figures)
    listened = None if args.no_audio else heard(items, said)
    if listened is not None:
        for name, idx in parts(items).items():
            close = sum(listened[i][1] <= HEARD_WER for i in idx) / max(1, len(idx))
            own = sum(listened[i][2] <= HEARD_WER for i in idx) / max(1, len(idx))
            print(f"heard close (Whisper base, WER <= {HEARD_WER}): {name} {close:.2f} of {len(idx)} to our expected "
                  f"words, {own:.2f} to the words recorded", flush=True)
    if args.show:  # the tuned part only: the held-out formulas are not looked at
        for k, item in enumerate(items):
            if item["held_out"]:
                continue
            print(f"- {item['id']} ({wer(item['expected'], said[k]):.2f}): {said[k]}")
            if wer(item["expected"], said[k]) > MATCH_WER:
                print(f"    expected: {item['expected']}")
            if listened is not None:
                print(f"    heard ({listened[k][1]:.2f}): {listened[k][0]}")
    match, close = figures["all"]["match"], None if listened is None else \
        sum(w <= HEARD_WER for _, w, _ in listened) / len(listened)
    print(f"goals: speech matches >= {GOALS['speech']} ({'met' if match >= GOALS['speech'] else 'missed'})"
          + ("" if close is None else f", heard close >= {GOALS['heard']} ({'met' if close >= GOALS['heard'] else 'missed'})"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
