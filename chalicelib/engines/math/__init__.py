"""Formulas spoken (issue 58): each formula word of a document (media/flow/formula.py) gets the
words a teacher says for it (`formula["spoken"]`), and a formula read as LaTeX its MathML.

The engine is Speech Rule Engine's ClearSpeak rules, and LaTeX becomes MathML by MathJax's TeX
input, both in Node.js (`speech.cjs`, packages pinned in package.json / package-lock.json beside
it, installed by `make venv` and by the worker image), chosen by measuring (bench/math.py,
docs/documents.md "Formulas"): on the fixture's formulas ClearSpeak's words match ours far more
often than MathSpeak's ("StartFraction ... EndFraction") or a Python speech library's, and
MathJax reads the LaTeX that latex2mathml misreads (eqnarray, \\text with math, vmatrix).
MathCAT (NVDA's engine) is Rust with no PyPI or npm build: it cannot be installed here.

One Node child per batch (a document's formulas at once), bounded in time: a batch that runs past
its time loses only the formula it was on (said "formula", with the reason), and the rest are
sent again to a new child. Nothing is spoken when Node or the packages are missing (the formulas
are said by their alt text, else "formula").
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

from chalicelib import logs

log = logs.get("math")

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "speech.cjs"
MODULES = HERE / "node_modules"
# Speech Rule Engine's languages (its mathmaps); a page in another language hears English.
LOCALES = frozenset({"en", "de", "es", "fr", "it", "hi", "ko", "nb", "nn", "sv", "ca", "da"})
# Node, SRE's English rules and MathJax load in ~1 s here, a formula takes ~5-20 ms (a matrix of 100
# entries ~0.2 s); on a machine loaded 4x (the tests' CI) 40 formulas took 35 s: room for that.
START_SECONDS = 30.0
PER_FORMULA_SECONDS = 0.5
HEAP_MB = 512
SAID_MAX = 2000  # characters of one formula's speech (a 10 x 10 matrix says ~1,500)
FALLBACK = "formula"


def available() -> bool:
    return shutil.which("node") is not None and (MODULES / "speech-rule-engine").is_dir()


def run(jobs: list[dict], deadline: float | None = None) -> dict[int, dict]:
    """Each job ({"id", "mathml" | "tex", "display", "locale"}) through speech.cjs: {id: {"mathml",
    "speech"} or {"error"}}. Bounded: a child that runs past its time is killed, the formula it was
    on fails ("took too long") and the rest go to a new child, until `deadline`."""
    out: dict[int, dict] = {}
    todo = list(jobs)
    while todo:
        budget = START_SECONDS + PER_FORMULA_SECONDS * len(todo)
        if deadline is not None:
            budget = min(budget, deadline - time.monotonic())
        if budget <= 1:
            break
        got, finished = _child(todo, budget)
        out.update(got)
        if finished:
            break
        stuck = next((j for j in todo if j["id"] not in got), None)
        if stuck is None:
            break
        out[stuck["id"]] = {"error": "PageVoice took too long to read this formula."}
        todo = [j for j in todo if j["id"] not in out]
    for j in jobs:
        out.setdefault(j["id"], {"error": "PageVoice had no time left to read this formula."})
    return out


def _child(jobs: list[dict], seconds: float) -> tuple[dict[int, dict], bool]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "NODE_PATH": str(MODULES), "HOME": "/tmp"}
    data = "".join(json.dumps(j, ensure_ascii=False) + "\n" for j in jobs).encode()
    proc = subprocess.Popen(["node", f"--max-old-space-size={HEAP_MB}", str(SCRIPT)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=str(HERE))
    finished = True
    try:
        stdout, stderr = proc.communicate(data, timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        stdout, stderr = proc.communicate()
        finished = False
    if proc.returncode not in (0, None) and finished:
        log.warning("math speech child failed", extra={"code": proc.returncode, "stderr": stderr.decode()[-300:]})
        finished = False
    got: dict[int, dict] = {}
    for line in stdout.decode("utf-8", "replace").splitlines():
        try:
            answer = json.loads(line)
        except ValueError:
            continue
        if isinstance(answer, dict) and "id" in answer:
            got[answer.pop("id")] = answer
    return got, finished


def speak(pages, language: str = "en", deadline: float | None = None) -> int:
    """Every formula word of `pages` (chalicelib.structure.elements.Page) made ready to speak:
    `spoken` (its words), its MathML when it was read as LaTeX, `language` when the page's
    language has no math rules (English is spoken); one that cannot be read gets `error` and is
    said by its alt text, else "formula". How many were spoken by the engine."""
    found = [(f, code) for page in pages for line in page.lines for f, code in _formulas(page, line, language)]
    if not found:
        return 0
    jobs = [job(k, f, code) for k, (f, code) in enumerate(found) if _readable(f)]
    ready = available()
    if jobs and not ready:
        log.warning("math speech unavailable: formulas said by their alt text", extra={"formulas": len(jobs)})
    answers = run(jobs, deadline) if jobs and ready else {}
    return sum(_settle(f, code, answers.get(k)) for k, (f, code) in enumerate(found))


def _formulas(page, line, language: str):
    code = line.language or (page.language.code if page.language else None) or language
    for w in line.words:
        f = w.rest.get("formula")
        if isinstance(f, dict) and "spoken" not in f:
            yield f, code


def _readable(f: dict) -> bool:
    return "error" not in f and bool(f.get("mathml") or f.get("latex"))


def job(k: int, f: dict, code: str) -> dict:
    """What speech.cjs is sent for formula `f` of a page in language `code`."""
    out = {"id": k, "locale": code if code in LOCALES else "en", "display": bool(f.get("display"))}
    if f.get("mathml"):
        out["mathml"] = f["mathml"]
    else:
        out["tex"] = f["latex"]
    if out["locale"] == "en" and (found := words_in(out.get("mathml") or out["tex"])):
        out["words"] = found
    return out


# A word written in math italics ("head_1", Word's "otherwise" typed in an equation, a subscript's
# "fix") is said as the word, not spelt (words.cjs, wordRuns and subscriptWords): these are the
# candidates, runs of letters in the source (LaTeX without its commands, MathML and Office Math
# without their tags) that are common English words. Rarer words stay letters: "tanh", "abcd".
WORD_LETTERS = 3  # a subscript's "fix"; a word outside subscripts has four or more (words.cjs)
WORD_MIN_COUNT = 1000  # occurrences in the OCR engine's English word list (pyspellchecker's)
_RUNS = re.compile(rf"[A-Za-z]{{{WORD_LETTERS},}}")
_TAGS = re.compile(r"<[^>]*>")
_NOT_LETTERS = re.compile(r"&[#\w]+;|\\[A-Za-z]+")


def words_in(source: str) -> list[str]:
    """The words of `source` (LaTeX, or MathML: its tags dropped, so the letters of one word in
    elements side by side join) that may be said as words."""
    runs = set(_RUNS.findall(_NOT_LETTERS.sub(" ", _TAGS.sub("", source))))
    if not runs:
        return []
    try:
        from chalicelib.engines.ocr import lexicon

        known = lexicon.load(str(lexicon.default_path()), WORD_MIN_COUNT)
    except (ModuleNotFoundError, OSError):  # no word list: every run stays letters
        return []
    return sorted(w for w in runs if w.lower() in known)


def pauses(speech: str) -> str:
    """The rules' words with their pauses as commas: a stop inside a formula ("the 2 by 2 matrix.
    Row 1: ...") would end its sentence for the sentence steps and the voice's pieces; a number's
    point ("3.5") stays; a pause before each row or line the rules run on without one."""
    said = " ".join(speech.split())
    said = re.sub(r"\.(?=\s|$)", ",", said)
    # SRE puts no pause between a matrix's rows ("Row 1: a, b Row 2: c, d"): one before each.
    said = re.sub(r"(?<=[^\s,;:])\s+(?=(?:Row|Line|Column|Case) \d+:)", ", ", said)
    return re.sub(r",(\s*,)+", ",", said).strip(" ,")


# A variable named "a" is said by espeak-ng's English rules (the phonemiser of piper and espeak, the
# default voices) as the article "uh": "a squared" is heard "the squared", by Whisper and by a
# person. Spelt "eh" it is said as the letter's name (/eɪ/). ClearSpeak's English words use the
# article only in "is (not) a member of". The other letters are said as their names already.
_LETTER_A = re.compile(r"^(\W*)[aA](\W*)$")
# ClearSpeak's "open paren" is an abbreviation few listeners know by ear ("open Perrin", "open per
# in"), and "exp" one the voice cannot say ("the x-booth"): the voice says the word each stands for.
_PAREN = re.compile(r"^(\W*)paren(\W*)$")
_EXP = re.compile(r"^(\W*)exp(\W*)$")


def voiced(speech: str, locale: str) -> str:
    """A formula's English words as the voice is to say them: each variable "a" said as its letter,
    "paren" as "parenthesis", "exp" as "exponential", one word for one word (the read-along maps
    them back); other languages unchanged."""
    if locale.split("-")[0] != "en":
        return speech
    words = speech.split()
    for k, word in enumerate(words):
        if _LETTER_A.match(word) and (k + 1 == len(words) or words[k + 1].strip(",.;:") != "member"):
            words[k] = _LETTER_A.sub(r"\1eh\2", word)
        words[k] = _EXP.sub(r"\1exponential\2", _PAREN.sub(r"\1parenthesis\2", words[k]))
    return " ".join(words)


def _settle(f: dict, code: str, answer: dict | None) -> int:
    """The engine's answer kept on the formula: 1 when it is spoken by its words, else 0 (said
    by its alt text or "formula")."""
    from chalicelib.media.flow import formula as formulas

    answer = answer or {}
    if answer.get("mathml") and "mathml" not in f:
        made = formulas.parse_mathml(answer["mathml"])
        if "error" in made:
            answer = {"error": made["error"]}
        else:
            f["mathml"] = made["mathml"]
    if "error" in answer and "error" not in f:
        f["error"] = answer["error"]
    said = pauses(answer.get("speech", ""))[:SAID_MAX]
    if said and "error" not in f:
        f["spoken"] = said
        if code not in LOCALES:
            f["language"] = "en"
        return 1
    alt = f.get("alt")
    f["spoken"] = alt if alt and "\\" not in alt else FALLBACK
    return 0
