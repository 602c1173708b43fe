"""Whether a PDF page's text layer says what the page shows (issue 38).

A text layer is only as good as its fonts' maps from glyphs to Unicode. Without one (a subset
font with its own encoding and no /ToUnicode) the text is the glyph codes read as characters
("/1' #4<"); with a wrong one, a math font's symbols come out as the Latin-1 characters of
their codes (a textbook's "S = kB ln Ω" as "S 1⁄4 kB ln Ω", "+" as "þ"). Such text is shown
and spoken as it is unless someone looks at the page.

`review(lines, rgb)` looks, cheaply first: every line is checked for signs of a broken map
(replacement and private-use characters, characters unusual in running text such as "þ" or a
vulgar fraction, many stray symbols such as "#$&", few dictionary words in English text). A clean page (nearly all) costs a scan of its characters and nothing else. Lines that
raise a sign are read by the OCR engine on their region of the rendered page (all of them at
once, stacked in one image), and a line is taken as wrong only when that reading disagrees:
OCR reads something else where its unusual characters are (a symbol OCR drops is no evidence),
or the two share too few characters while OCR's reads more like text. So a real "¼" or a correct formula stays as the PDF gives it. A page
where most lines raise a sign, and a sample of them is found wrong, is not trusted at all:
the caller reads it by OCR.
"""
from __future__ import annotations

import string
import time
import unicodedata
from dataclasses import dataclass, field

import cv2
import numpy as np

from chalicelib.geometry import around, bounds, quad, rect
from chalicelib.media.document import is_unmapped  # noqa: F401 - the text layer's reader decides it

# Characters that are never text: replacement, private use (unmapped glyphs), unassigned, surrogates, controls.
BAD_CATEGORIES = {"Co", "Cn", "Cs", "Cc"}
# Characters that running text in a Latin script rarely holds and that broken maps often give:
# a math font's "=", "+", "(", ")" read as Latin-1 (¼ þ ð Þ, and ¼ ½ ¾ become "1⁄4" under the
# NFKC that document.py applies, hence the fraction slash), negation and broken-bar signs, and
# "Ã"/"Â" (UTF-8 read as Latin-1). Each only raises a sign: OCR of the line decides.
UNUSUAL = set("þÞðÐ¼½¾¬¦¤ÃÂ\u2044")
# Punctuation stripped from a token's ends before it is judged a word or a number.
EDGES = string.punctuation + "“”‘’«»…–—•·"
WORD_INNER = set("'’-.")  # inside a word ("don't", "micro-states", "e.g.")
NUMBER_INNER = set(".,:/-%+")  # inside a number ("14,000", "3.5%", "1/2")
MIN_TOKENS = 3  # a line needs this many tokens for its words to say anything
SYMBOLS = 0.35  # share of a line's characters that are neither letters nor digits (English text: ~0.05)...
STRAY_SYMBOLS = 0.12  # ...with this share outside prose and formulas' own ("#", "$", "&", '"', "!", "*")...
MIN_CHARS = 8  # ...in a line of at least this many characters
PROSE_SYMBOLS = set("=+-−–—()/.,[]<>×·±'’:;%")
MIN_WORDS = 3  # English words (3+ letters) a line needs before its dictionary share counts...
CAPS_WORD = 5  # a word in capitals this long is a word (shorter: likely an acronym)
DICTIONARY_SHARE = 0.34  # ...which is suspicious below this (English lines: ~0.9)
FOREIGN_CONFIDENCE = 0.8  # a page identified as another language this surely has no dictionary test
# OCR's verdict on a line that raised a sign:
SIMILAR = 0.6  # character similarity under which the two readings disagree
# Page level: when at least this share of a page's lines (and MOST_MIN of them) raise a sign,
# a sample of SAMPLE lines is read first; if at least half of those are wrong, the whole page is.
MOST = 0.5
MOST_MIN = 3
SAMPLE = 4
MIN_ROW_GLYPHS = 3  # glyphs without characters that make a line the text layer left out
MAX_CHECKED = 40  # lines read by OCR on one page at most (the rest of a worse page: the whole page)
# Line crops for OCR: a margin around the text layer's box (in line heights) and a blank between
# crops (0.4 each: 12% less CPU than 0.6/0.8 on the broken pages, the same verdicts).
MARGIN_X = 0.4
MARGIN_Y = 0.0  # the text layer's boxes span the font's full height: past them is the neighbours' ink
GAP = 0.4
STACK_MAX_SIDE = 2000  # the stacked image stays within the detector's own limits (no downscaling)
STACK_MAX_PIXELS = 2_400_000

REASONS = {
    "unmapped": "fonts without a text map",
    "symbols": "symbols mapped to the wrong characters",
    "words": "text that is not words",
}


@dataclass
class Review:
    """What `review` found. `untrusted_page`: read the whole page by OCR instead (`reason` says
    why, in a sentence for the person; `lines` are then the lines as given). Otherwise `lines`
    are the page's lines, those found wrong re-read by OCR (`"source": "ocr"` on them), and
    `reason` says why when any were."""
    lines: list[dict]
    untrusted_page: bool = False
    reason: str | None = None
    suspicious: int = 0  # lines that raised a sign
    checked: int = 0  # lines read by OCR
    replaced: list[int] = field(default_factory=list)  # indices (in `lines`) of the lines re-read by OCR
    added: list[int] = field(default_factory=list)  # indices of lines the text layer left out, read by OCR
    ms: float = 0.0  # CPU time the review took (milliseconds, this thread)


@dataclass
class _Sign:
    unmapped: int = 0  # replacement / private-use / unassigned characters
    unusual: int = 0  # characters unusual in running text
    stray: bool = False  # much of the line is symbols, and not a formula's
    few_words: bool = False  # English text with few dictionary words

    def __bool__(self) -> bool:
        return bool(self.unmapped or self.unusual or self.stray or self.few_words)

    @property
    def kind(self) -> str:
        if self.unmapped or self.stray or self.few_words:
            return "unmapped" if self.unmapped or self.stray else "words"
        return "symbols"


def review(lines: list[dict], rgb, *, deadline: float | None = None, language: str | None = None,
           engine=None, unmapped=None) -> Review:
    """Which of a text-layer page's `lines` (CONTRACTS section 1, boxes in the pixels of `rgb`,
    the page rendered at that size, or a function rendering it on demand) say what the page
    shows. `deadline` (time.monotonic): no OCR starts after it (lines not read yet stay as
    given). `language`: the upload's, when it names one (the dictionary test is for English).
    `engine`: the OCR engine (default: the configured one). `unmapped`: the pixel boxes
    (x0, y0, x1, y1) of glyphs the PDF draws but maps to no character (document.py leaves them
    out of the lines): a line they stand in raises a sign; where they make a line of their own,
    that line is read by OCR and added (`Review.added`)."""
    t0 = time.thread_time()
    signs = [_signs(_prose(line)) for line in lines]
    if language is None and any(s.few_words for s in signs) and _foreign(lines):
        language = "other"
    if language not in (None, "en"):
        for s in signs:
            s.few_words = False
    unmapped = list(unmapped or ())
    if unmapped and len(unmapped) > MOST * (sum(len(line["text"]) for line in lines) + len(unmapped)):
        return _untrusted(Review(lines=list(lines), suspicious=len(lines)), {"unmapped"}, t0)
    missing = _place_unmapped(lines, signs, unmapped)
    flagged = [i for i, s in enumerate(signs) if s]
    out = Review(lines=list(lines), suspicious=len(flagged) + len(missing))
    if not flagged and not missing:
        formulas(out.lines)
        out.ms = (time.thread_time() - t0) * 1000
        speak(out.lines, language, deadline)
        return out
    if len(missing) > MAX_CHECKED:
        return _untrusted(out, {"unmapped"}, t0)
    engine = engine or _engine()
    if callable(rgb):  # rendered only for a page that needs a look
        rgb = rgb()
    regions = lines + missing  # the missing lines' regions are read like the lines'
    signs += [_Sign(unmapped=1) for _ in missing]
    if len(flagged) >= max(MOST_MIN, MOST * len(lines)) or len(flagged) > MAX_CHECKED:
        sample = sorted({flagged[round(k * (len(flagged) - 1) / (SAMPLE - 1))] for k in range(SAMPLE)})
        verdicts = _check(regions, sample, signs, rgb, engine, deadline)
        out.checked = len(verdicts)
        wrong = [i for i, (bad, _) in verdicts.items() if bad]
        if verdicts and len(wrong) * 2 >= len(verdicts):
            return _untrusted(out, {signs[i].kind for i in wrong}, t0)
        # The sample stands: the rest is taken as it is (a page of formulas, another language).
        flagged = []
    else:
        verdicts = {}
    verdicts.update(_check(regions, flagged + list(range(len(lines), len(regions))), signs, rgb, engine, deadline))
    out.checked = len(verdicts)
    _replace(out, verdicts, signs)
    formulas(out.lines)
    out.ms = (time.thread_time() - t0) * 1000
    speak(out.lines, language, deadline)
    return out


def _prose(line: dict) -> str:
    """A line's text without its formulas rebuilt from their glyphs (their LaTeX is no sign)."""
    words = line.get("words")
    if not words or not any("formula" in w for w in words):
        return line["text"]
    return " ".join(w["text"] for w in words if "formula" not in w)


class _Lines:
    """`lines` (dicts) as chalicelib.engines.math.speak reads a page's: lines of words whose
    `rest` holds their `formula`."""

    def __init__(self, lines: list[dict]):
        self.language = None
        self.lines = [_Line(line) for line in lines]


class _Line:
    def __init__(self, line: dict):
        self.language = line.get("language")
        self.words = [_Rest(w) for w in line.get("words") or []]


class _Rest:
    def __init__(self, word: dict):
        self.rest = word


def speak(lines: list[dict], language: str | None = None, deadline: float | None = None) -> int:
    """The formulas of a PDF's text layer rebuilt as LaTeX from their glyphs (chalicelib.media.pdfmath,
    issue 79) made ready to speak by the formula engine every other format's formulas go through
    (chalicelib.engines.math: their words, their MathML); how many were spoken by it."""
    if not any("latex" in (w.get("formula") or {}) for line in lines for w in line.get("words") or []):
        return 0
    from chalicelib.engines import math

    return math.speak([_Lines(lines)], language if language not in (None, "other") else "en", deadline)


# A formula the text layer gives as symbols no voice says (issue 58): a math font's wrong map (the
# UNUSUAL characters), or math operators past ASCII; their run of formula-like tokens is said
# "formula" (a tagged PDF's formulas come marked already, with their alt text: document.py).
SOUP = UNUSUAL | {"\u2211", "\u220f", "\u222b", "\u222e", "\u221a", "\u2202", "\u2207", "\u2206", "\u2264",
                  "\u2265", "\u2260", "\u2248", "\u2261", "\u221d", "\u221e", "\u2208", "\u2209", "\u2282",
                  "\u2283", "\u222a", "\u2229", "\u2200", "\u2203", "\u21d2", "\u21d4", "\u2297", "\u2295"}


FORMULA_RUN = 3  # tokens a run of soup needs to be a formula


def formulas(lines: list[dict]) -> None:
    """Each line's runs of symbol soup marked as formulas: the run's first word gets
    `formula: {"spoken": "formula", "words": n}` (chalicelib.structure.spoken says the run so)."""
    for line in lines:
        words = line.get("words") or []
        if not any(ch in SOUP or unicodedata.category(ch) == "Co" for w in words for ch in w["text"]) \
                or any("formula" in w for w in words):
            continue
        k = 0
        while k < len(words):
            if not any(ch in SOUP or unicodedata.category(ch) == "Co" for ch in words[k]["text"]):
                k += 1
                continue
            start, end = k, k + 1
            while start > 0 and _mathy(words[start - 1]["text"]):
                start -= 1
            while end < len(words) and _mathy(words[end]["text"]):
                end += 1
            if end - start >= FORMULA_RUN:  # (a real "¼ of the cake" is no formula)
                words[start]["formula"] = {"spoken": "formula", "words": end - start}
            k = end


def _mathy(token: str) -> bool:
    """A token that belongs to a formula beside it: a symbol, a number, a letter or two that is
    no word ("kB", "ln", "x"), a Greek letter."""
    core = token.strip(EDGES) or token
    if any(ch in SOUP or not (ch.isalnum() or ch in EDGES) for ch in token) or any("\u0370" <= ch <= "\u03ff" for ch in core):
        return True
    if core.isdigit():
        return True
    return len(core) <= 2 and core.lower() not in _SHORT_WORDS


# Words of one or two letters (English and the languages' commonest): never part of a formula's run.
_SHORT_WORDS = frozenset(("a", "i", "an", "as", "at", "be", "by", "do", "go", "he", "if", "in", "is", "it", "me",
                          "my", "no", "of", "on", "or", "so", "to", "up", "us", "we", "am", "la", "le", "de", "du",
                          "en", "et", "il", "un", "ou", "si", "da", "di", "el", "lo", "al", "ja", "es", "zu", "im",
                          "um"))


def _untrusted(out: Review, kinds: set[str], t0: float) -> Review:
    out.untrusted_page = True
    out.reason = f"The PDF's text did not match the page ({_because(kinds)}): read from the page's image."
    out.ms = (time.thread_time() - t0) * 1000
    return out


def _replace(out: Review, verdicts: dict[int, tuple[bool, dict | None]], signs: list[_Sign]) -> None:
    """The lines found wrong replaced by OCR's, and the missing lines OCR read put in place."""
    n = len(out.lines)
    replaced = [i for i, (bad, line) in sorted(verdicts.items()) if i < n and bad and line is not None]
    for i in replaced:
        out.lines[i] = verdicts[i][1]
    added = [line for i, (_, line) in sorted(verdicts.items())
             if i >= n and line is not None and any(ch.isalnum() for ch in line["text"])]
    for line in added:
        out.lines.insert(_position(out.lines, line), line)
    out.replaced = [i for i, line in enumerate(out.lines) if any(line is verdicts[j][1] for j in replaced)]
    out.added = [i for i, line in enumerate(out.lines) if any(line is a for a in added)]
    parts = []
    if replaced:
        kinds = {signs[i].kind for i in replaced}
        parts.append(f"{_count(len(replaced))} of the PDF's text did not match the page ({_because(kinds)})")
    if added:
        parts.append(f"{_count(len(added))} of the page {'were' if len(added) > 1 else 'was'} missing from the "
                     f"PDF's text ({REASONS['unmapped']})")
    if parts:
        out.reason = "; ".join(parts) + ": read from the page's image."


def _count(n: int) -> str:
    return f"{n} line{'s' if n > 1 else ''}"


def _position(lines: list[dict], new: dict) -> int:
    """Where a line found on the page goes among `lines` (reading order): before the first line
    below it in its column (a line whose box overlaps it across), else at the end."""
    x0, y0, x1, y1 = bounds(new["box"])
    cy = (y0 + y1) / 2
    for k, line in enumerate(lines):
        a0, b0, a1, b1 = bounds(line["box"])
        if a0 < x1 and x0 < a1 and (b0 + b1) / 2 > cy:
            return k
    return len(lines)


def _place_unmapped(lines: list[dict], signs: list[_Sign], boxes: list) -> list[dict]:
    """Glyphs without a character: counted on the line they stand in, or gathered into rows of
    their own (lines the text layer left out). -> the rows, as lines without text to read."""
    rows: list[list] = []
    for box in sorted(boxes, key=lambda b: (b[1] + b[3]) / 2):
        x0, y0, x1, y1 = box
        home = next((i for i, line in enumerate(lines) if _on(box, bounds(line["box"]))), None)
        if home is not None:
            signs[home].unmapped += 1
        elif rows and abs((y0 + y1) / 2 - (rows[-1][1] + rows[-1][3]) / 2) < (y1 - y0) / 2:
            r = rows[-1]
            rows[-1] = [min(r[0], x0), min(r[1], y0), max(r[2], x1), max(r[3], y1), r[4] + 1]
        else:
            rows.append([x0, y0, x1, y1, 1])
    # A glyph or two alone is a symbol font's bullet or icon (Word's bullets are private use), not a line.
    return [{"text": "", "confidence": 0.0, "box": rect(*r[:4]), "words": []} for r in rows if r[4] >= MIN_ROW_GLYPHS]


def _on(box, line) -> bool:
    """A glyph's box stands on a line: it overlaps it along, and by half its height across."""
    x0, y0, x1, y1 = box
    a0, b0, a1, b1 = line
    return x0 < a1 and a0 < x1 and min(y1, b1) - max(y0, b0) > (y1 - y0) / 2


def _because(kinds: set[str]) -> str:
    return " and ".join(REASONS[k] for k in sorted(kinds))


def _engine():
    from chalicelib import settings
    from chalicelib.engines import ocr

    return ocr.get_engine(settings.get().worker.ocr_engine)


# ---------------------------------------------------------------- cheap signs


def _signs(text: str) -> _Sign:
    sign = _Sign()
    for ch in text:
        if ch in UNUSUAL:
            sign.unusual += 1
        elif ch == "\ufffd" or (not ch.isascii() and unicodedata.category(ch) in BAD_CATEGORIES):
            sign.unmapped += 1
    tokens = text.split()
    chars = sum(map(len, tokens))
    if chars >= MIN_CHARS:
        symbols = [ch for t in tokens for ch in t if not ch.isalnum()]
        sign.stray = (len(symbols) > SYMBOLS * chars
                           and sum(ch not in PROSE_SYMBOLS for ch in symbols) > STRAY_SYMBOLS * chars)
    if not sign.stray and len(tokens) >= MIN_TOKENS:
        # Lower-case words, and capitals past an acronym's length: names are rarely in a word list.
        words = [w for t in tokens if len(w := t.strip(EDGES)) >= 3 and w.isalpha() and w.isascii()
                 and (w.islower() or (w.isupper() and len(w) >= CAPS_WORD))]
        if len(words) >= MIN_WORDS:
            known = _dictionary()
            found = sum(w.lower() in known for w in words)
            sign.few_words = found < DICTIONARY_SHARE * len(words)
    return sign


def _plain(token: str) -> bool:
    """A word (letters, with apostrophes, hyphens or dots inside), a number, or punctuation alone."""
    core = token.strip(EDGES)
    if not core:
        return True
    if all(ch.isalpha() or ch in WORD_INNER for ch in core):
        return True
    return any(ch.isdigit() for ch in core) and all(ch.isdigit() or ch in NUMBER_INNER for ch in core)


_WORDS: dict[str, int] | None = None


def _dictionary() -> dict[str, int]:
    """The OCR engine's English word list (lexicon.py), shared with it (same cached load)."""
    global _WORDS
    if _WORDS is None:
        from chalicelib.engines.ocr import lexicon
        from chalicelib.engines.ocr.rapid import RapidConfig

        _WORDS = lexicon.load(str(lexicon.default_path()), RapidConfig.lexicon_min_count)
    return _WORDS


def _foreign(lines: list[dict]) -> bool:
    """The page is surely in a language other than English (its words are not in the list
    because they are not English, not because they are garbled)."""
    from chalicelib.languages import detect

    guess = detect.identify(" ".join(line["text"] for line in lines))
    return guess is not None and guess.code != "en" and guess.confidence >= FOREIGN_CONFIDENCE


# ---------------------------------------------------------------- OCR's verdict


def _check(lines: list[dict], which: list[int], signs: list[_Sign], rgb: np.ndarray, engine,
           deadline: float | None) -> dict[int, tuple[bool, dict | None]]:
    """{line index: (wrong, the line as OCR reads it)} for the lines read before `deadline`."""
    verdicts: dict[int, tuple[bool, dict | None]] = {}
    for group in _stacks(lines, which, rgb.shape):
        if deadline is not None and time.monotonic() >= deadline:
            break
        for i, line in _read(lines, group, rgb, engine, deadline).items():
            verdicts[i] = (_wrong(lines[i]["text"], line["text"] if line else "", signs[i]), line)
    return verdicts


def _wrong(text: str, ocr: str, sign: _Sign) -> bool:
    """Whether OCR's reading of a line's region (`ocr`) disagrees with the text layer's (`text`)."""
    if not ocr.strip():
        return False  # OCR sees nothing readable there: no evidence against the text layer
    a, marks = _normalized(text)
    b, _ = _normalized(ocr)
    from rapidfuzz.distance import Indel

    if marks:
        confirmed, contradicted = _marks(a, b, marks)
        if contradicted and contradicted >= confirmed:
            return True
    if sign.unmapped:
        # The text layer lacks a character for some glyphs of the line: OCR reads them there.
        matched = sum(i2 - i1 for tag, i1, i2, _, _ in Indel.opcodes(a, b) if tag == "equal")
        if 2 * (len(b) - matched) >= sign.unmapped:
            return True
    if Indel.normalized_similarity(a, b) < SIMILAR:
        # Garbled text (a font without a map) shares little with the page; so may a good line
        # OCR reads badly, which then reads less like text than the layer does.
        return _textlike(ocr) > _textlike(text)
    return False


def _marks(a: str, b: str, marks: set[int]) -> tuple[int, int]:
    """(marked characters of `a` that `b` reads at their place, those where `b` reads something
    else). A mark OCR reads nothing at (a symbol it dropped as unsure) counts as neither."""
    from rapidfuzz.distance import Indel

    same = [(i1, i2, j1) for tag, i1, i2, j1, _ in Indel.opcodes(a, b) if tag == "equal"]
    confirmed = contradicted = 0
    for m in marks:
        if any(i1 <= m < i2 for i1, i2, _ in same):
            confirmed += 1
            continue
        # The stretch of `b` between the agreeing characters on either side of the mark.
        before = max(((i2, j1 + i2 - i1) for i1, i2, j1 in same if i2 <= m), default=(0, 0))[1]
        after = min((j1 for i1, _, j1 in same if i1 > m), default=len(b))
        contradicted += after > before
    return confirmed, contradicted


# Both readings are compared in one form: NFKC, case-folded, look-alike punctuation merged, no
# spaces. The fraction slash stays itself: OCR reads a real "¼" as "¼" (NFKC: "1⁄4").
_FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "−": "-"})


def _normalized(text: str) -> tuple[str, set[int]]:
    """(the comparable form of `text`, positions in it that come from unusual or unmapped characters)."""
    out: list[str] = []
    marks: set[int] = set()
    for ch in text:
        if ch.isspace():
            continue
        part = unicodedata.normalize("NFKC", ch).casefold().translate(_FOLD).replace(" ", "")
        if ch in UNUSUAL or ch == "\ufffd" or (not ch.isascii() and unicodedata.category(ch) in BAD_CATEGORIES):
            marks.update(range(len(out), len(out) + len(part)))
        out.extend(part)
    return "".join(out), marks


def _textlike(text: str) -> float:
    """Share of a reading's tokens that are words or numbers, with dictionary words counting double."""
    tokens = text.split()
    if not tokens:
        return 0.0
    known = _dictionary()
    score = sum(_plain(t) + (t.strip(EDGES).lower() in known) for t in tokens)
    return score / (2 * len(tokens))


# ---------------------------------------------------------------- reading line regions


def _band(lines: list[dict], i: int) -> tuple[float, float, float, float]:
    """Line i's box, its top and bottom cut halfway to the centres of the lines just above and
    below it (the text layer's boxes span the font's full height and may reach into them)."""
    x0, y0, x1, y1 = bounds(lines[i]["box"])
    cy = (y0 + y1) / 2
    for j, other in enumerate(lines):
        a0, b0, a1, b1 = bounds(other["box"])
        if j == i or a1 <= x0 or a0 >= x1:
            continue
        c = (b0 + b1) / 2
        if y0 < c < cy:
            y0 = max(y0, (c + cy) / 2)
        elif cy < c < y1:
            y1 = min(y1, (c + cy) / 2)
    return x0, y0, x1, y1


def _region(lines: list[dict], i: int, shape) -> tuple[int, int, int, int, int]:
    """(x0, y0, x1, y1, blank): the pixels of the page cropped for line i, and the blank put
    around the crop."""
    h_img, w_img = shape[:2]
    x0, y0, x1, y1 = _band(lines, i)
    h = max(1.0, y1 - y0)
    mx, my = MARGIN_X * h, MARGIN_Y * h
    return (max(0, int(x0 - mx)), max(0, int(y0 - my)), min(w_img, int(np.ceil(x1 + mx))),
            min(h_img, int(np.ceil(y1 + my))), int(np.ceil(GAP * h)))


def _stacks(lines: list[dict], which: list[int], shape) -> list[list[int]]:
    """The lines to read, in groups whose stacked crops fit the detector's limits."""
    groups: list[list[int]] = []
    height = width = 0
    for i in which:
        x0, y0, x1, y1, blank = _region(lines, i, shape)
        h, w = y1 - y0 + 2 * blank, x1 - x0 + 2 * blank
        if groups and (height + h > STACK_MAX_SIDE or (height + h) * max(width, w) > STACK_MAX_PIXELS):
            groups.append([])
            height = width = 0
        if not groups:
            groups.append([])
        groups[-1].append(i)
        height, width = height + h, max(width, w)
    return groups


def _read(lines: list[dict], group: list[int], rgb: np.ndarray, engine, deadline: float | None) -> dict[int, dict | None]:
    """Each line's region of the page, stacked one above the other on blank paper and read by
    the OCR engine in one call: {line index: the line as OCR reads it there, or None}."""
    crops, places = [], []  # places: (line index, top of its band in the stack, crop's page origin)
    top = 0
    for i in group:
        x0, y0, x1, y1, blank = _region(lines, i, rgb.shape)
        crop = rgb[y0:y1, x0:x1]
        if crop.size == 0:
            continue
        paper = [int(v) for v in np.median(np.concatenate([crop[0], crop[-1]]), axis=0)]
        crops.append(cv2.copyMakeBorder(crop, blank, blank, blank, blank, cv2.BORDER_CONSTANT, value=paper))
        places.append((i, top, x0 - blank, y0 - blank))
        top += crop.shape[0] + 2 * blank
    if not crops:
        return {i: None for i in group}
    width = max(c.shape[1] for c in crops)
    stack = np.vstack([cv2.copyMakeBorder(c, 0, 0, 0, width - c.shape[1], cv2.BORDER_CONSTANT,
                                          value=[int(v) for v in c[0, -1]]) for c in crops])
    found = engine.read(np.ascontiguousarray(stack), deadline=deadline)
    per_line: dict[int, list] = {i: [] for i in group}
    for ocr_line in found:
        _, cy0, _, cy1 = bounds(ocr_line.box)
        cy, half = (cy0 + cy1) / 2, (cy1 - cy0) / 2
        for i, band, ox, oy in places:
            _, y0, _, y1 = _band(lines, i)
            # Only a reading centred on the line itself: not a neighbour's ink caught in the crop.
            if abs(band + (y0 + y1) / 2 - oy - cy) < half:
                per_line[i].append((ocr_line, band, ox, oy))
                break
    return {i: _as_line(lines[i], parts) for i, parts in per_line.items()}


def _as_line(original: dict, parts: list) -> dict | None:
    """OCR's lines found on one text-layer line, left to right, as that line (section 1 shape,
    boxes in page pixels, the original's other keys kept, `source` "ocr")."""
    words = []
    confidences = []
    for ocr_line, band, ox, oy in sorted(parts, key=lambda p: bounds(p[0].box)[0]):
        confidences.append(float(ocr_line.confidence))
        for w in ocr_line.words:
            if w.text.strip():
                box = quad([[x + ox, y - band + oy] for x, y in w.box])
                words.append({"text": w.text, "confidence": round(float(w.confidence), 4), "box": box})
    if not words:
        return None
    return {**original, "text": " ".join(w["text"] for w in words), "confidence": round(float(np.mean(confidences)), 4),
            "box": around(w["box"] for w in words), "words": words, "source": "ocr"}
