"""The PDF form of bench.math (issue 79 part 3): formulas typeset by LaTeX, read back from the PDF's
text layer (chalicelib.media.document, pdfmath, textlayer) and spoken, scored against the words of
their own LaTeX source.

    nice -n 10 .venv/bin/python -m bench.math --forms --form pdf --no-audio    # the dev PDFs
    nice -n 10 .venv/bin/python -m bench.math --forms --form pdf --no-audio --pdf-held-out  # once, at the end
    nice -n 10 .venv/bin/python -m bench.math --forms --form pdf               # and Whisper hears every 4th

Material: the fixture's LaTeX formulas (bench/data/math/formulas.json: real formulas of real
documents, each naming its repository, file, commit and licence; docs/licences.md), each typeset by
pdfTeX (Debian's TeX Live 2022: texlive-latex-base, -latex-recommended, -fonts-recommended; the
Type 1 Computer Modern fonts, amsmath and amssymb) as a paper writes it: in a sentence ($..$) or as
an equation with its number (bench.math._tex_source's shapes, without the title), once with
pdfTeX's text maps (\\pdfgentounicode=1, TeX Live's default) for even items and once without
(\\pdfgentounicode=0: the glyph codes of CMMI, CMSY, CMEX, as older arXiv PDFs have them) for odd
ones. Built PDFs are kept in CACHE (by the source's SHA-256).
Held out by document: the formulas of the fixture's parts HELD_OUT (documents no tuning looked at),
set aside before the reader was first run on a PDF; `--pdf-held-out` runs them.

Printed: PDFs built; formulas found (the PDF's text holds a formula word); spoken as words (every
formula word of the PDF spoken by the engine, none said "formula"); and, on those, speech matching
the reference, which is the item's LaTeX spoken by the TeX speech path (bench.math.spoken: from_latex,
MathJax, ClearSpeak; WER <= bench.math.MATCH_WER), and against the fixture's own expected words;
with audio, heard close: every n-th formula spoken as words (--pdf-heard-every, 4) recorded by the
default English voice as the recording says it and transcribed by Whisper base (bench.math.transcribe),
close when its WER to the reference is <= bench.math.HEARD_WER.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

CACHE = Path(os.environ.get("PV_BENCH_PDFMATH_CACHE", Path.home() / ".cache" / "pagevoice-bench" / "pdfmath"))
HELD_OUT = ("held-out-8", "held-out-9", "held-out-10")  # set aside (by document) before any PDF was read
GOALS = {"words": 0.7, "match": 0.7}
LEAD = "Formulas are read aloud as a teacher says them."  # a page of a few characters would be read by OCR


@dataclass(frozen=True)
class Scoring:
    """bench.math's own scoring, handed in by it (this module is its form, not its importer)."""
    part: Callable  # an item's part
    spoken: Callable  # items' LaTeX by the TeX speech path
    wer: Callable
    heard_wer: Callable
    transcribe: Callable  # Whisper base's hearing of words as the recording says them
    match_wer: float
    heard_close_wer: float
    body: Callable  # a formula as a paper's body writes it (bench.math.tex_body)


def pdf_source(latex: str, display: bool, to_unicode: bool, body: Callable) -> bytes:
    """A LaTeX source holding `latex` as a paper writes it (after LEAD)."""
    body = body(latex, display)
    return ("\\documentclass{article}\n\\usepackage{amsmath,amssymb}\n"
            f"\\pdfgentounicode={int(to_unicode)}\n\\pagestyle{{empty}}\n"
            f"\\begin{{document}}\n{LEAD}\n\n{body}\n\\end{{document}}\n").encode()


def build(source: bytes) -> bytes | None:
    """The PDF pdfTeX makes of `source` (cached), None when it fails or pdflatex is missing."""
    key = hashlib.sha256(source).hexdigest()[:32]
    cached = CACHE / f"{key}.pdf"
    if cached.exists():
        return cached.read_bytes() or None
    if shutil.which("pdflatex") is None:
        return None
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "f.tex").write_bytes(source)
        try:
            run = subprocess.run(["pdflatex", "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error", "f.tex"],
                                 cwd=tmp, capture_output=True, timeout=60)
        except subprocess.TimeoutExpired:
            run = None
        out = Path(tmp) / "f.pdf"
        data = out.read_bytes() if run is not None and run.returncode == 0 and out.exists() else b""
    cached.write_bytes(data)  # a failure is kept too (empty): the same source fails the same way
    return data or None


def read_pdf(data: bytes, max_pages: int = 5) -> list[tuple[str, dict | None]]:
    """The PDF's words as the product reads them, in reading order: (text, the word's formula or None);
    its first `max_pages` pages (bench/math_paper.py reads whole chapters)."""
    from chalicelib.media import document, textlayer

    out = []
    with document.open_document(data, max_bytes=50_000_000, max_pixels=40_000_000, max_pages=max_pages, dpi=150) as doc:
        for i in range(doc.page_count):
            page = doc.page(i)
            layer = page.read()
            if layer is None:
                continue
            check = textlayer.review(layer["lines"], page.rgb, language="en", unmapped=layer.get("unmapped"))
            for line in check.lines:
                out += [(w["text"], w.get("formula")) for w in line["words"]]
    return out


def said(words: list[tuple[str, dict | None]]) -> tuple[str, int, int]:
    """(what the page says from its first formula word to its last, equation numbers left out;
    formula words; those said "formula"). The engine's words, as the reference's (not yet voiced)."""
    at = [k for k, (_, f) in enumerate(words) if f is not None]
    parts, unsaid = [], 0
    for text, f in words[at[0]:at[-1] + 1] if at else []:
        if f is None:
            if not (text.startswith("(") and text.endswith(")") and text[1:-1].isdigit()):
                parts.append(text)
            continue
        if not f.get("mathml") or "error" in f:
            unsaid += 1
        parts.append(str(f.get("spoken") or "formula"))
    return " ".join(parts), len(at), unsaid


def run(items: list[dict], scoring: Scoring, held_out: bool = False, show: bool = False,
        heard_every: int = 0) -> dict:
    """The PDF form on the dev items (or the held-out ones): its figures, printed. `heard_every`:
    also Whisper base's hearing of every n-th formula spoken as words (bench.math.transcribe, the
    voice as the recording says it), close when its WER to the reference is <= bench.math.HEARD_WER."""
    part, spoken, wer, heard_wer, transcribe = (scoring.part, scoring.spoken, scoring.wer, scoring.heard_wer,
                                                scoring.transcribe)
    MATCH_WER, HEARD_WER = scoring.match_wer, scoring.heard_close_wer  # noqa: N806 - bench.math's names

    chosen = [it for it in items if "latex" in it and (part(it) in HELD_OUT) == held_out]
    t0 = time.monotonic()
    reference = spoken(chosen)  # the item's LaTeX by the TeX speech path
    built = found = words = matched = matched_expected = 0
    listen: list[tuple[str, str]] = []  # (reference, said) of the formulas heard
    for k, it in enumerate(chosen):
        data = build(pdf_source(it["latex"], bool(it.get("display")), to_unicode=k % 2 == 0,
                                body=scoring.body))
        if data is None:
            continue
        built += 1
        text, n, unsaid = said(read_pdf(data))
        found += n > 0
        if n and not unsaid:
            words += 1
            e = wer(reference[k], text)
            matched += e <= MATCH_WER
            matched_expected += wer(it["expected"], text) <= MATCH_WER
            if heard_every and words % heard_every == 1 % heard_every:
                listen.append((reference[k], text))
            if show and e > MATCH_WER and not held_out:
                print(f"- {it['id']}: {it['latex'][:100]!r}\n    said: {text}\n    ref:  {reference[k]}")
        elif show and not held_out:
            print(f"- {it['id']} not spoken ({n} formula words, {unsaid} said 'formula'): {it['latex'][:100]!r}")
    name = "held out" if held_out else "dev"
    figures = {"formulas": len(chosen), "built": built, "found": found / max(1, built), "words": words / max(1, built),
               "match": matched / max(1, words), "match_expected": matched_expected / max(1, words)}
    print(f"PDF text layer ({name}: parts {', '.join(HELD_OUT) if held_out else 'other than ' + ', '.join(HELD_OUT)}): "
          f"{len(chosen)} LaTeX formulas, {built} PDFs built, read in {time.monotonic() - t0:.1f} s; "
          f"formulas found {figures['found']:.2f}, spoken as words {figures['words']:.2f} ({words} of {built}), "
          f"speech matching the LaTeX source's {figures['match']:.2f} of those "
          f"(the fixture's expected words {figures['match_expected']:.2f}); goals: spoken as words >= "
          f"{GOALS['words']}, matching >= {GOALS['match']}", flush=True)
    if listen:
        t1 = time.monotonic()
        transcripts = transcribe([said_ for _, said_ in listen])
        close = sum(heard_wer(ref, heard) <= HEARD_WER for (ref, _), heard in zip(listen, transcripts))
        figures["heard"] = close / len(listen)
        print(f"  heard close (Whisper base, WER <= {HEARD_WER} to the LaTeX source's words): {figures['heard']:.2f} "
              f"of {len(listen)} (every {heard_every}th formula spoken as words; {time.monotonic() - t1:.0f} s)",
              flush=True)
    return figures
