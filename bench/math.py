"""Formulas read aloud (issue 58): is each formula said as a teacher says it, and is it heard so.

    nice -n 10 .venv/bin/python -m bench.math               # the product's engine: speech and Whisper
    nice -n 10 .venv/bin/python -m bench.math --compare     # the candidates side by side (no audio)

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
    import io
    import wave

    import numpy as np

    from bench.languages import Transcriber
    from chalicelib.engines import math
    from chalicelib.kinds import voice

    listen = Transcriber()
    out = []
    for item, words in zip(items, said):
        rec = voice.speak(math.voiced(words or "formula", "en"), language="en")  # as spoken.script sends it
        with wave.open(io.BytesIO(rec.wav)) as w:
            rate, frames = w.getframerate(), w.readframes(w.getnframes())
        samples = np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32768
        if rate != 16000:
            from chalicelib.engines.tts.base import Audio, resample

            samples = resample(Audio((samples * 32768).astype(np.int16), rate), 16000).samples.astype(np.float32) / 32768
        text, _ = listen(samples, "en")
        out.append((text, heard_wer(item["expected"], text), heard_wer(words or "formula", text)))
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
    ap.add_argument("--part", help="only this part (tuned, 'held out', held-out-2): tune on the tuned part alone")
    args = ap.parse_args(argv)
    items = [it for it in formulas() if args.part in (None, part(it))]
    if args.compare:
        compare(items)
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
