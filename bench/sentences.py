"""Sentence segmenters on a labelled set: which boundaries each finds, per language (issue 40).

    .venv/bin/python -m bench.sentences            # the table (make bench runs this)
    .venv/bin/python -m bench.sentences --misses pagevoice --lang en   # the cases it gets wrong

The set is bench/data/sentences/<lang>.<source>.txt (bench/data/sentences/README.md says where
each file comes from). A case is its text, `---`, its sentences one a line, `===`. A boundary is
where a sentence after the first starts, counted in non-space characters from the text's start
(so whitespace and a segmenter's trimming do not matter); a case whose sentences do not spell its
text (the source cleaned it) is left out and counted. Per language and segmenter: precision,
recall and F1 of the boundaries found (micro, over every case), the share of cases split exactly
right, and the time per 1,000 labelled sentences (best of 3 passes). "Boundaries right" in the
issue is the F1: a missed boundary and an invented one both count against it.

Candidates: pysbd (its language where it has one, else English), sentencex, ICU's sentence
BreakIterator with CLDR's abbreviations (PyICU, when installed: it builds against Debian's
libicu-dev, ~15 minutes here), pysbd and ICU given single line breaks as spaces (both end a
sentence at every line break), and PageVoice's own `chalicelib.structure.sentences.split`
(the one the product uses). It prints figures and asserts nothing.
"""
from __future__ import annotations

import argparse
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).parent / "data" / "sentences"
GOALS = {"en": 0.97}
OTHER_GOAL = 0.90
PASSES = 3


@dataclass
class Case:
    lang: str
    source: str
    text: str
    sentences: list[str]
    disputed: str | None = None  # why its label is an annotation habit (disputed.tsv): not scored


def load(folder: Path = DATA) -> list[Case]:
    out = []
    for path in sorted(folder.glob("*.txt")):
        lang, source = path.name.split(".")[:2]
        body = path.read_text(encoding="utf-8")
        body = body.split("\n\n", 1)[1] if body.startswith("#") else body  # the header: comments, a blank line
        for block in re.split(r"^===[ \t]*$", body, flags=re.M):
            if not block.strip():
                continue
            text, expected = re.split(r"^---[ \t]*$", block, maxsplit=1, flags=re.M)
            sentences = [s.strip().replace("\\n", "\n") for s in expected.strip().split("\n") if s.strip()]
            out.append(Case(lang, source, text.strip("\n"), sentences))
    _mark_disputed(out, folder / "disputed.tsv")
    return out


def _mark_disputed(cases: list[Case], table: Path) -> None:
    """Mark the cases disputed.tsv names (file, the text's first characters, why); a row that
    names no case is an error, so the table cannot go stale unseen."""
    if not table.exists():
        return
    for row in table.read_text(encoding="utf-8").splitlines():
        if not row.strip() or row.startswith("#"):
            continue
        name, start, why = row.split("\t")
        hits = [c for c in cases if f"{c.lang}.{c.source}.txt" == name and c.text.startswith(start)]
        if not hits:
            raise SystemExit(f"disputed.tsv names no case: {name} {start!r}")
        for c in hits:
            c.disputed = why


def boundaries(text: str, sentences: list[str]) -> set[int] | None:
    """Where each sentence after the first starts, in non-space characters of `text`; None when
    the sentences do not spell the text."""
    if "".join("".join(s.split()) for s in sentences) != "".join(text.split()):
        return None
    out, at = set(), 0
    for s in sentences[:-1]:
        at += len("".join(s.split()))
        out.add(at)
    out.discard(0)
    return out


# ---------------------------------------------------------------- candidates


def _lines_joined(text: str) -> str:
    """OCR's lines joined by spaces (same offsets), blank lines kept: for segmenters that end a
    sentence at every line break."""
    return re.sub(r"(?<!\n)\n(?!\n)", " ", text)


def _pysbd() -> Callable[[str, str], list[str]]:
    import pysbd
    from pysbd.languages import LANGUAGE_CODES

    made: dict[str, object] = {}

    def split(lang: str, text: str) -> list[str]:
        code = lang if lang in LANGUAGE_CODES else "en"
        if code not in made:
            made[code] = pysbd.Segmenter(language=code, clean=False)
        return made[code].segment(_lines_joined(text))  # it ends a sentence at every line break
    return split


def _sentencex() -> Callable[[str, str], list[str]]:
    import sentencex

    return lambda lang, text: list(sentencex.segment(lang, text))


def _icu() -> Callable[[str, str], list[str]]:
    import icu

    made: dict[str, object] = {}

    def split(lang: str, text: str) -> list[str]:
        if lang not in made:  # with CLDR's abbreviations ("ss=standard": Mr., e.g., ...)
            made[lang] = icu.BreakIterator.createSentenceInstance(icu.Locale(f"{lang}@ss=standard"))
        it = made[lang]
        utext = icu.UnicodeString(_lines_joined(text))  # ICU also ends a sentence at each line break
        it.setText(utext)
        # boundaries are UTF-16 offsets: cut the UnicodeString, not the str
        edges = [0, *it]
        return [str(utext[a:b]) for a, b in zip(edges, edges[1:])]
    return split


def _pagevoice() -> Callable[[str, str], list[str]]:
    from chalicelib.structure import sentences

    return lambda lang, text: [text[a:b] for a, b in sentences.split(text, lang)]


CANDIDATES = {"pysbd": _pysbd, "sentencex": _sentencex, "icu": _icu, "pagevoice": _pagevoice}


def available() -> dict[str, Callable[[str, str], list[str]]]:
    out = {}
    for name, make in CANDIDATES.items():
        try:
            out[name] = make()
        except ImportError as exc:
            print(f"({name} not installed: {exc})")
    return out


# ---------------------------------------------------------------- scoring


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    cases: int = 0
    exact: int = 0
    sentences: int = 0
    seconds: float = float("inf")

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: Score) -> None:
        for k in ("tp", "fp", "fn", "cases", "exact", "sentences"):
            setattr(self, k, getattr(self, k) + getattr(other, k))
        self.seconds = other.seconds if self.seconds == float("inf") else self.seconds + other.seconds


def score(split: Callable[[str, str], list[str]], cases: list[tuple[Case, set[int]]], misses: list | None = None) -> Score:
    s = Score()
    for case, truth in cases:
        found = boundaries(case.text, split(case.lang, case.text))
        if found is None:  # the segmenter changed the text: score its sentences' starts as it gave them
            found = set()
        s.tp += len(found & truth)
        s.fp += len(found - truth)
        s.fn += len(truth - found)
        s.cases += 1
        s.exact += found == truth
        s.sentences += len(case.sentences)
        if misses is not None and found != truth:
            misses.append((case, split(case.lang, case.text)))
    for _ in range(PASSES):
        t0 = time.perf_counter()
        for case, _truth in cases:
            split(case.lang, case.text)
        s.seconds = min(s.seconds, time.perf_counter() - t0)
    return s


def long_text_seconds(split, cases: list[tuple[Case, set[int]]], lang: str = "en") -> tuple[float, int]:
    """One call on the language's cases joined by blank lines (a document's script is one text)."""
    text = "\n\n".join(c.text for c, _ in cases if c.lang == lang)
    t0 = time.perf_counter()
    split(lang, text)
    return time.perf_counter() - t0, sum(len(c.sentences) for c, _ in cases if c.lang == lang)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--misses", help="print the cases this candidate gets wrong")
    ap.add_argument("--lang", help="only this language")
    ap.add_argument("--disputed", action="store_true", help="print the cases whose labels are disputed, and why")
    args = ap.parse_args()
    all_cases = load()
    labelled, dropped, disputed = [], 0, []
    for case in all_cases:
        truth = boundaries(case.text, case.sentences)
        if truth is None:
            dropped += 1
        elif case.disputed:
            disputed.append(case)
        elif not args.lang or case.lang == args.lang:
            labelled.append((case, truth))
    if args.disputed:
        for case in disputed:
            print(f"--- {case.lang}.{case.source}: {case.disputed}\n{case.text}\n  labelled: {case.sentences}")
        return
    splitters = available()
    if args.misses:
        misses: list = []
        score(splitters[args.misses], labelled, misses)
        for case, got in misses:
            print(f"--- {case.lang}.{case.source}\n{case.text}\n  want: {case.sentences}\n  got:  {[g.strip() for g in got]}")
        return
    langs = sorted({c.lang for c, _ in labelled}, key=lambda x: (x != "en", x))
    names = list(splitters)
    print(f"{len(labelled)} cases in {len(langs)} languages ({dropped} left out: sentences that do not spell the text; "
          f"{len(disputed)} whose labels follow an annotation habit, bench/data/sentences/disputed.tsv: --disputed)\n")
    print("| language | cases | boundaries | " + " | ".join(f"{n} F1 (P/R)" for n in names) + " |")
    print("|---|---|---|" + "---|" * len(names))
    totals = {n: {"en": Score(), "other": Score()} for n in names}
    under: dict[str, list[str]] = {n: [] for n in names}
    for lang in langs:
        cases = [(c, t) for c, t in labelled if c.lang == lang]
        row = []
        for n in names:
            sc = score(splitters[n], cases)
            if sc.f1 < GOALS.get(lang, OTHER_GOAL):
                under[n].append(f"{lang} {sc.f1:.3f} ({sum(len(t) for _, t in cases)} boundaries)")
            totals[n]["en" if lang == "en" else "other"].add(sc)
            row.append(f"{sc.f1:.3f} ({sc.precision:.2f}/{sc.recall:.2f})")
        print(f"| {lang} | {len(cases)} | {sum(len(t) for _, t in cases)} | " + " | ".join(row) + " |")
    # By source: the sentencex files are sentencex's own tests, the Golden Rules pysbd's.
    sources = sorted({c.source for c, _ in labelled})
    print("\n| source | cases | boundaries | " + " | ".join(f"{n} F1" for n in names) + " |")
    print("|---|---|---|" + "---|" * len(names))
    for source in sources:
        cases = [(c, t) for c, t in labelled if c.source == source]
        row = [f"{score(splitters[n], cases).f1:.3f}" for n in names]
        print(f"| {source} | {len(cases)} | {sum(len(t) for _, t in cases)} | " + " | ".join(row) + " |")
    print("\n| candidate | en F1 | en cases exact | other languages F1 (micro) | other cases exact | "
          "ms per 1,000 sentences (set) | ms per 1,000 sentences (English as one text) |")
    print("|---|---|---|---|---|---|---|")
    for n in names:
        en, other = totals[n]["en"], totals[n]["other"]
        every = Score()
        every.add(en)
        every.add(other)
        long_s, long_n = long_text_seconds(splitters[n], labelled)
        print(f"| {n} | {en.f1:.3f} | {en.exact}/{en.cases} | {other.f1:.3f} | {other.exact}/{other.cases} | "
              f"{1000 * 1000 * every.seconds / max(1, every.sentences):.0f} | {1000 * 1000 * long_s / max(1, long_n):.0f} |")
    print(f"\nGoal: F1 >= {GOALS['en']} in English, >= {OTHER_GOAL} in the other languages.")
    for n in names:
        print(f"  {n}: under the goal in {', '.join(under[n]) or 'no language'}")


if __name__ == "__main__":
    main()
