"""Formulas in a PDF's text layer rebuilt from its glyphs (issue 79 part 3).

A PDF made by LaTeX or Word draws a formula as glyphs of math fonts placed around a baseline,
with rules for fraction bars and radicals; its text layer holds those glyphs one by one ("x 2 +
y 2", or CMMI's codes where a font has no text map). `find` reads the page's glyphs
(glyphs.py: the character, its font, size, box and baseline, as TeX tokens), gathers each
formula (a run, in the order the page draws them, of glyphs of math fonts and the digits,
operators and smaller glyphs beside them) and rebuilds it as TeX (rebuild.py: fractions, roots,
powers and indices, big operators with limits, Greek letters, functions' names). The caller
(chalicelib.media.document) puts one word in the formula's place carrying it as LaTeX, so it is
spoken as Markdown's and a .tex file's formulas are (chalicelib.engines.math, through
chalicelib.media.textlayer); a formula that cannot be rebuilt (a glyph no table reads) is one word
said "formula".

Bounded and deterministic: at most glyphs.MAX_GLYPHS characters and MAX_FORMULAS formulas a page,
MAX_FORMULA_GLYPHS glyphs a formula; a page without a math font or math character costs one
pass over its characters.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from chalicelib.media.pdfmath import glyphs as glyphs_mod
from chalicelib.media.pdfmath.glyphs import Glyph, Rule
from chalicelib.media.pdfmath.rebuild import ACCENTS, FUNCTIONS, Unreadable, tex_of

MAX_FORMULAS = 400  # formulas on one page
MAX_FORMULA_GLYPHS = 400  # glyphs of one formula (a long display; past it: "formula")
NOT_FORMULA = frozenset({"\\bullet", "\\dagger", "\\ddagger", "\\S", "\\P", "\\clubsuit", "\\diamondsuit",
                         "\\heartsuit", "\\spadesuit", "\\circ", "\\bigcirc", "-", ".", ",", "*", "|"})
OPERATORS = frozenset("0123456789+-=()[]<>/|!',.;:*") | {"\\{", "\\}"}
SCRIPT = 0.85  # a glyph this much smaller than the text is a script
END_PUNCTUATION = frozenset(".,;:")
SPACED = frozenset({"=", "<", ">", "+", "-", "*", "\\leq", "\\geq", "\\times", "\\cdot", "\\pm", "\\approx",
                    "\\equiv", "\\sim", "\\in", "\\to", "\\neq"})


@dataclass
class Found:
    """One formula: the text page's character indices it covers, its box (PDF points: left,
    bottom, right, top), its LaTeX (None when it cannot be rebuilt) and its display text."""
    indices: list[int]
    box: tuple[float, float, float, float]
    latex: str | None
    text: str
    display: bool = False


def find(page, textpage, limit: int = glyphs_mod.MAX_GLYPHS, text: str | None = None) -> list[Found]:
    """The formulas of a page (pypdfium2 page and its text page) among its first `limit`
    characters, in the order the page draws them. `text`: those characters as already read (a
    page without a math font or a math character among them is not read again)."""
    glyphs, rules = glyphs_mod.read(page, textpage, limit, text)
    if not glyphs:
        return []
    body = _body_size(glyphs)
    out = []
    for run in _runs(glyphs, body, rules)[:MAX_FORMULAS]:
        latex = None
        if len(run) <= MAX_FORMULA_GLYPHS:
            try:
                latex = tex_of(run, rules) or None
            except Unreadable:
                latex = None
        if latex is None and any(_unmapped(g.ch) for g in run):
            continue  # glyphs without characters: the reviewer reads their line by OCR, as before
        box = (min(g.x0 for g in run), min(g.y0 for g in run), max(g.x1 for g in run), max(g.y1 for g in run))
        text = linear(latex) if latex else "".join(g.tex if len(g.tex) == 1 else "?" for g in run)
        display = box[3] - box[1] > 1.8 * body
        out.append(Found([g.index for g in run], box, latex, text or "?", display))
    return out


def _unmapped(ch: str) -> bool:
    """A character the text layer gives for a glyph it has no character for (document.is_unmapped)."""
    return ch == "\ufffd" or unicodedata.category(ch) in ("Co", "Cn")


def linear(latex: str) -> str:
    """The formula's text as the page's copy carries it: its LaTeX without spaces (as the flow
    readers' formula words, chalicelib.media.flow.formula.linear)."""
    out = ""
    for tok in latex.split():
        out += " " + tok if re.search(r"\\[A-Za-z]+$", out) and tok[:1].isalnum() else tok  # "\\Delta t"
    return out


def _body_size(glyphs: list[Glyph]) -> float:
    sizes = sorted(g.size for g in glyphs if g.kind == "text") or sorted(g.size for g in glyphs)
    return sizes[len(sizes) // 2] or 10.0


def _seed(g: Glyph) -> bool:
    return g.kind in ("math", "big") and g.tex not in NOT_FORMULA


def _joins(g: Glyph, run: list[Glyph], body: float, word: str = "", rules: list[Rule] = ()) -> bool:
    """Whether glyph `g`, next in the page's order, belongs to the formula `run` so far."""
    x0 = min(x.x0 for x in run)
    x1 = max(x.x1 for x in run)
    y0, y1 = min(x.y0 for x in run), max(x.y1 for x in run)
    if not (y0 - 1.5 * body <= g.cy <= y1 + 1.5 * body and x0 - 1.5 * body <= g.x0):
        return False
    braces = [x for x in run if x.kind == "big" and x.tex in ("\\{", "(")]  # (CMEX's brace at code 0x28 reads "(")
    if braces and g.tex and min(x.x1 for x in braces) <= g.x0 <= x1 + 4 * body \
            and min(x.y0 for x in braces) <= g.cy <= max(x.y1 for x in braces) \
            and max(x.y1 for x in braces) - min(x.y0 for x in braces) > 2 * body \
            and abs(g.by - run[0].by) > 0.3 * body:  # (not the sentence's line the formula is on)
        return True  # the rows of cases, their conditions' words too
    # A fraction's numerator is centred over its bar: it may start well past the run's end.
    if g.x0 > x1 + 1.5 * body and not any(r.x0 <= x1 + 1.0 * body and r.x0 <= g.cx <= r.x1
                                          and abs(r.y - g.cy) < 1.5 * body for r in rules):
        return False
    if _seed(g) or g.kind in ("math", "big") or g.tex in ACCENTS:
        return True
    if not g.tex:
        return False
    if g.size < SCRIPT * body or g.tex in OPERATORS:
        return True
    # a function's name ("sin"), or one upright letter beside the formula (\\mathbf{x}); not a sentence's word
    return g.upright and (word in FUNCTIONS or (len(word) == 1 and g.x0 - x1 < 0.6 * body))


def _lead(pending: list[Glyph], seed: Glyph, body: float, rules: list[Rule] = ()) -> list[Glyph]:
    """What of the text glyphs just before a formula belongs to it: digits and operators set
    close before it ("2" of "2x"), and a word written just before a parenthesis ("Sigmoid(x)")."""
    chain: list[Glyph] = []
    nxt = seed
    name = len(pending)
    while name and pending[name - 1].upright and pending[name - 1].tex.isalpha():
        name -= 1
    word = pending[name:]
    if word and "".join(g.tex for g in word) in FUNCTIONS and seed.cy < word[0].by \
            and word[0].x0 - body <= seed.cx <= word[-1].x1 + body:  # \\lim with its limit under it
        chain, nxt, pending = word, word[0], pending[:name]
    k = len(pending)
    over = next((r for r in rules if r.x0 <= seed.cx <= r.x1 and abs(r.y - seed.cy) < 1.5 * body), None)
    if over is not None and not chain:  # the formula starts inside a fraction: its bar's glyphs, then the row
        while k and over.x0 - 0.5 <= pending[k - 1].cx <= over.x1 + 0.5 and abs(pending[k - 1].cy - over.y) < 2 * body:
            k -= 1
        chain = pending[k:]
        row = over.y - 0.25 * body
        nxt = Glyph(-1, "", "text", body, over.x0, row, over.x1, row + 0.5 * body, over.x0, row)
    while k:
        bar = next((r for r in rules if 0 <= nxt.x0 - r.x1 < 0.6 * body and abs(r.y - nxt.cy) < body), None)
        if bar is not None:  # a fraction just before: "\\frac{4}{3} \\pi"
            j = k
            while j and bar.x0 - 0.5 <= pending[j - 1].cx <= bar.x1 + 0.5 and abs(pending[j - 1].cy - bar.y) < 2 * body:
                j -= 1
            if j < k:
                chain = pending[j:k] + chain
                nxt = Glyph(-1, "", "text", nxt.size, bar.x0, nxt.y0, bar.x1, nxt.y1, bar.x0, nxt.by)
                k = j
                continue
        p = pending[k - 1]
        gap = nxt.x0 - p.x1
        scripts = min(p.size, nxt.size) < SCRIPT * body  # a script's baseline is raised or lowered
        spaced = p.tex in SPACED or nxt.tex in SPACED  # TeX sets relations and operators apart
        if gap >= (0.6 if spaced else 0.3) * body or gap < -0.5 * body or abs(p.by - nxt.by) >= (0.6 if scripts else 0.3) * body:
            break
        chain.insert(0, p)
        nxt = p
        k -= 1
    # Letters in the chain: a word of the sentence ends it, unless it is one letter (\\mathbf{x}),
    # a function's name or a word written just before a parenthesis ("Sigmoid(x)").
    end = len(chain)
    while True:
        last = max((k for k in range(end) if chain[k].tex.isalpha()), default=None)
        if last is None:
            return chain
        start = last
        while start > 0 and chain[start - 1].tex.isalpha() and chain[start].x0 - chain[start - 1].x1 < 0.15 * body \
                and chain[start - 1].bold == chain[start].bold:
            start -= 1
        after = chain[last + 1] if last + 1 < len(chain) else seed
        if not ((after is not None and after.tex in ("(", "[") and after.x0 - chain[last].x1 < 0.2 * body)
                or "".join(g.tex for g in chain[start:last + 1]) in FUNCTIONS or start == last):
            return chain[last + 1:]
        end = start


def _runs(glyphs: list[Glyph], body: float, rules: list[Rule] = ()) -> list[list[Glyph]]:
    """Formulas as runs of the page's glyphs in drawing order, each holding a math glyph."""
    runs: list[list[Glyph]] = []
    run: list[Glyph] = []
    pending: list[Glyph] = []  # digits and operators just before: "2" of "2x"
    words = _upright_words(glyphs, body)
    for k, g in enumerate(glyphs):
        if run and _joins(g, run, body, words.get(k, ""), rules):
            run.append(g)
            continue
        if run:
            runs.append(run)
            run = []
        if _seed(g):
            run = _lead(pending, g, body, rules) + [g]
            pending = []
        elif g.tex:
            if pending and (g.x0 - pending[-1].x1 >= 1.5 * body or abs(g.by - pending[-1].by) >= 1.5 * body):
                pending = []
            pending = (pending + [g])[-24:]
        else:
            pending = []
    if run:
        runs.append(run)
    wrong = [(g.y0, g.y1) for g in glyphs if g.wrong]
    out = []
    for r in runs:
        r = _trim(r, body)
        y0, y1 = min((g.y0 for g in r), default=0), max((g.y1 for g in r), default=0)
        if len(r) == 1 and r[0].ch.isprintable() and not r[0].ch.isspace():
            continue  # one character the text layer has right ("x", "Ω"): the page's text as it was
        if r and any(_seed(g) for g in r) and not any(a < y1 and y0 < b for a, b in wrong):
            out.append(r)
    return out



def _upright_words(glyphs: list[Glyph], body: float) -> dict[int, str]:
    """Each upright letter's word (the letters beside it on its baseline), by glyph position."""
    out: dict[int, str] = {}
    k = 0
    while k < len(glyphs):
        if not (glyphs[k].upright and glyphs[k].tex.isalpha()):
            k += 1
            continue
        end = k + 1
        while end < len(glyphs) and glyphs[end].upright and glyphs[end].tex.isalpha() \
                and abs(glyphs[end].by - glyphs[end - 1].by) < 0.2 * body \
                and -0.1 * body < glyphs[end].x0 - glyphs[end - 1].x1 < 0.15 * body:
            end += 1
        word = "".join(g.tex for g in glyphs[k:end])
        for j in range(k, end):
            out[j] = word
        k = end
    return out


def _trim(run: list[Glyph], body: float) -> list[Glyph]:
    """A run without the sentence's punctuation after it, unmatched parentheses at its ends and
    a text word's letters it took at its end."""
    level = sorted(g.by for g in run if g.kind != "big" and g.tex != "\\surd")
    main = level[len(level) // 2] if level else 0.0  # the formula's baseline (a radical's origin is its top)
    while run:
        last = run[-1]
        base = abs(last.by - main) < 0.3 * body
        if last.kind == "text" and ((last.tex in END_PUNCTUATION and base)
                                    or (last.upright and last.tex.isalpha() and not _name_end(run) and _word_len(run) > 1)):
            run = run[:-1]
            continue
        opened = sum(g.tex == "(" for g in run) - sum(g.tex == ")" for g in run)
        if opened < 0 and last.tex == ")" and last.kind == "text":
            run = run[:-1]
            continue
        break
    while run and run[0].tex == "(" and run[0].kind == "text" \
            and sum(g.tex == "(" for g in run) > sum(g.tex == ")" for g in run):
        run = run[1:]
    return run


def _word_len(run: list[Glyph]) -> int:
    """How many upright letters end `run`."""
    k = len(run)
    while k and run[k - 1].upright and run[k - 1].tex.isalpha():
        k -= 1
    return len(run) - k


def _name_end(run: list[Glyph]) -> bool:
    """The upright letters ending `run` are a function's name or an upright word between math."""
    k = len(run)
    while k and run[k - 1].upright and run[k - 1].tex.isalpha():
        k -= 1
    word = "".join(g.tex for g in run[k:])
    return word in FUNCTIONS


__all__ = ["Found", "Glyph", "Rule", "find", "linear"]
