"""Lexicon correction of words the recogniser misread (default OCR engine).

Low-resolution scans and blurry photos make the recogniser swap look-alike letters ("Datc",
"agcnt", "Retall", "prohíbited"). A word that is not in the English word list is replaced by a
listed word one edit away (or by itself without accents, or with a look-alike letter group
swapped, or with up to two unsure letters swapped for the recogniser's runners-up) when the
recogniser's own CTC probabilities find it nearly as likely as what it read (within `margin`
nats): the list only breaks near-ties, so confident readings of names and codes are kept. Among
such words the most frequent, weighed with its likelihood, wins.

The word list (word -> frequency, lower case) is pyspellchecker's English list
(`spellchecker/resources/en.json.gz`, MIT; counted from OpenSubtitles). Turn the step off with
`PAGEVOICE_OCR_LEXICON=never`. The list is English: a page named as another language, and a line
identified with confidence as another language (chalicelib.languages.detect), are left as read
(`applies`), so "été" stays "été".
"""
from __future__ import annotations

import gzip
import json
import math
import string
import unicodedata
from concurrent.futures import Future
from functools import lru_cache
from pathlib import Path
from threading import Thread

import numpy as np

from chalicelib.engines.ocr.postprocess import Char, Decoded

LETTERS = "abcdefghijklmnopqrstuvwxyz"
LANGUAGE = "en"  # the word list's language
FOREIGN_CONFIDENCE = 0.8  # a line identified as another language this surely is left as read...
FOREIGN_MIN_LETTERS = 12  # ...when it has this many letters (shorter lines identify poorly)


def applies(text: str, language: str | None = None) -> bool:
    """Whether the English list may correct a line: its page is named English, or (language
    unknown) the line is not surely another language."""
    if language is not None:
        return language == LANGUAGE
    from chalicelib.languages import detect

    if detect.letters(text) < FOREIGN_MIN_LETTERS:
        return True
    guess = detect.identify(text)
    return guess is None or guess.code == LANGUAGE or guess.confidence < FOREIGN_CONFIDENCE
# Letter groups that low-resolution print merges or splits (one edit would not reach them).
LOOKALIKE = (("rn", "m"), ("m", "rn"), ("cl", "d"), ("d", "cl"), ("li", "h"), ("h", "li"),
             ("vv", "w"), ("w", "vv"), ("ri", "n"), ("in", "m"), ("m", "in"), ("ni", "m"))
NEG = -1e30
_PUNCT = string.punctuation + "\u2018\u2019\u201c\u201d\u2013\u2014\u00ab\u00bb"  # around a word: not its letters


def default_path() -> Path:
    """pyspellchecker's English list, found without importing the package."""
    import importlib.util

    spec = importlib.util.find_spec("spellchecker")
    path = (Path(list(spec.submodule_search_locations)[0]) / "resources" / "en.json.gz"
            if spec is not None and spec.submodule_search_locations else None)
    if path is None or not path.exists():
        raise ModuleNotFoundError("the OCR word list needs pyspellchecker (pip install -r requirements-worker.txt); "
                                  "PAGEVOICE_OCR_LEXICON=never turns the correction off")
    return path


def load_async(min_count: int) -> Future:
    """`load(default_path(), min_count)` on a daemon thread; the Future holds the words (or the
    error, raised where they are first needed)."""
    future: Future = Future()
    path = default_path()  # a missing package is reported now, at engine start

    def run() -> None:
        try:
            future.set_result(load(str(path), min_count))
        except BaseException as exc:  # noqa: BLE001 - handed to whoever waits for the words
            future.set_exception(exc)

    Thread(target=run, name="ocr-word-list", daemon=True).start()
    return future


@lru_cache(maxsize=4)
def load(path: str, min_count: int) -> dict[str, int]:
    """Words (lower case) with at least `min_count` occurrences in the list -> their count."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        counts = json.load(f)
    # Most words are letters only: isalpha first halves the filter's time (part of a cold start).
    return {w: n for w, c in counts.items() if (n := int(c)) >= min_count and (w.isalpha() or _wordlike(w))}


def _wordlike(text: str) -> bool:
    """Letters, with apostrophes inside ("attorney's")."""
    return text.replace("'", "").isalpha() and text[0] != "'" and text[-1] != "'"


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def edits1(word: str) -> set[str]:
    """Norvig's: every string one deletion, transposition, substitution or insertion away."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    swaps = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    subs = {a + c + b[1:] for a, b in splits if b for c in LETTERS}
    inserts = {a + c + b for a, b in splits for c in LETTERS}
    return deletes | swaps | subs | inserts


def _replacements(word: str, old: str, new: str) -> set[str]:
    """`word` with one occurrence of `old` replaced by `new`, each occurrence in turn."""
    out, i = set(), word.find(old)
    while i >= 0:
        out.add(word[:i] + new + word[i + len(old):])
        i = word.find(old, i + 1)
    return out


def match_case(word: str, like: str) -> str:
    """`word` (lower case) cased like `like`: ALL CAPS, Capitalised or lower."""
    letters = [c for c in like if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return word.upper()
    if letters and letters[0].isupper():
        return word[:1].upper() + word[1:]
    return word


def ctc_align(logp: np.ndarray, labels: list[int]) -> tuple[float, float, list[int]]:
    """CTC over `logp` (T, C log-probabilities; class 0 blank) for the label sequence `labels`:
    (log-likelihood summed over all paths, log-probability of the best path, the frame where the
    best path emits each label)."""
    T = len(logp)
    ext = [0]
    for lab in labels:
        ext += [lab, 0]
    S = len(ext)
    if T == 0 or S > 2 * T + 1:
        return NEG, NEG, []
    ext_a = np.array(ext)
    # A transition may skip a blank between two different labels.
    skip = np.zeros(S, dtype=bool)
    skip[2:] = (ext_a[2:] != 0) & (ext_a[2:] != ext_a[:-2])
    emit = logp[:, ext_a]  # (T, S)
    alpha = np.full(S, NEG)
    best = np.full(S, NEG)
    alpha[:2] = emit[0, :2]
    best[:2] = emit[0, :2]
    back = np.zeros((T, S), dtype=np.int8)  # 0 stay, 1 from s-1, 2 from s-2
    for t in range(1, T):
        a1 = np.concatenate([[NEG], alpha[:-1]])
        a2 = np.where(skip, np.concatenate([[NEG, NEG], alpha[:-2]]), NEG)
        alpha = np.logaddexp(np.logaddexp(alpha, a1), a2) + emit[t]
        b1 = np.concatenate([[NEG], best[:-1]])
        b2 = np.where(skip, np.concatenate([[NEG, NEG], best[:-2]]), NEG)
        stack = np.stack([best, b1, b2])
        back[t] = stack.argmax(axis=0)
        best = stack.max(axis=0) + emit[t]
    ends = [S - 1, S - 2] if S > 1 else [S - 1]
    total = float(np.logaddexp.reduce(alpha[ends]))
    s = max(ends, key=lambda k: best[k])
    path_lp = float(best[s])
    frames = [0] * len(labels)
    for t in range(T - 1, -1, -1):
        if ext[s] != 0 and (t == 0 or back[t, s] != 0):  # first frame of this label's run
            frames[(s - 1) // 2] = t
        s -= int(back[t, s]) if t else 0
    return total, path_lp, frames


class Corrector:
    """Re-reads out-of-list words of a decoded line against the word list (see module doc)."""

    def __init__(self, words: dict[str, int] | Future, alphabet: list[str], margin: float = 3.0,
                 min_len: int = 3) -> None:
        self._words = words
        self.alphabet = alphabet
        self.index = {ch: i for i, ch in enumerate(alphabet) if ch}
        self.margin = margin  # nats of CTC log-likelihood a listed word may lose to the reading
        self.min_len = min_len

    @property
    def words(self) -> dict[str, int]:
        if isinstance(self._words, Future):
            self._words = self._words.result()  # still loading: wait (a cold start's first page)
        return self._words

    def knows(self, text: str, min_letters: int = 3) -> bool:
        """Whether `text` (leading and trailing punctuation aside) is a listed word of at
        least `min_letters` letters: one- and two-letter readings are where misreads hide
        ("te", "th", "or" for "of")."""
        core = text.strip(_PUNCT)
        return len(core) >= min_letters and _wordlike(core) and core.lower() in self.words

    def correct(self, decoded: Decoded, probs: np.ndarray) -> Decoded:
        chars = decoded.chars
        out: list[Char] = []
        i = 0
        while i < len(chars):
            if chars[i].text.isspace():
                out.append(chars[i])
                i += 1
                continue
            j = i
            while j < len(chars) and not chars[j].text.isspace():
                j += 1
            # The word's core: its letters, without leading and trailing punctuation.
            a, b = i, j
            while a < b and not chars[a].text.isalpha():
                a += 1
            while b > a and not chars[b - 1].text.isalpha():
                b -= 1
            core = "".join(c.text for c in chars[a:b])
            fixed = None
            if len(core) >= self.min_len and _wordlike(core) and core.lower() not in self.words:
                lo = chars[a - 1].frame + 1 if a > 0 else 0
                hi = chars[b].frame if b < len(chars) else decoded.frames
                # The word's frames only: a line's log-probabilities are frames x ~7,000-19,000 classes.
                fixed = self._fix(core, chars[a:b], np.log(np.maximum(probs[lo:hi], 1e-30)), lo)
            out.extend(chars[i:a])
            out.extend(fixed if fixed is not None else chars[a:b])
            out.extend(chars[b:j])
            i = j
        return Decoded(chars=out, frames=decoded.frames)

    def _runners_up(self, core: str, chars: list[Char], logp: np.ndarray, offset: int,
                    unsure: float = 0.9, top: int = 3, most: int = 2) -> set[str]:
        """Two edits away, but only where the recogniser hesitated: the readings that swap up
        to `most` of its unsure characters for the letters it ranked next at their frames."""
        options = []
        for k, c in enumerate(chars):
            t = c.frame - offset
            if c.prob >= unsure or not 0 <= t < len(logp):
                continue
            ranked = np.argpartition(logp[t], -(top + 1))[-(top + 1):]  # the best few of ~19,000 classes
            alts = {strip_accents(self.alphabet[i]).lower() for i in ranked if self.alphabet[i].isalpha()}
            alts.discard(strip_accents(c.text).lower())
            if alts:
                options.append((k, sorted(alts)))
        plain = strip_accents(core).lower()
        out: set[str] = set()
        for a in range(len(options)):
            ka, alts_a = options[a]
            for x in alts_a:
                one = plain[:ka] + x + plain[ka + 1:]
                out.add(one)
                if most > 1:
                    for kb, alts_b in options[a + 1:]:
                        out.update(one[:kb] + y + one[kb + 1:] for y in alts_b)
        return {w for w in out if len(w) == len(plain)}

    def _fix(self, core: str, chars: list[Char], logp: np.ndarray, offset: int) -> list[Char] | None:
        lower = core.lower()
        plain = strip_accents(lower)
        cands = {plain} if plain != lower and plain in self.words else set()
        cands |= {w for w in edits1(plain) if w in self.words}
        cands |= {w for a, b in LOOKALIKE for w in _replacements(plain, a, b) if w in self.words}
        cands |= {w for w in self._runners_up(core, chars, logp, offset) if w in self.words}
        if not cands:
            return None
        labels = [self.index.get(c) for c in core]
        if None in labels:
            return None
        base, _, _ = ctc_align(logp, labels)
        best = None
        for cand in sorted(cands):
            text = match_case(cand, core)
            labs = [self.index.get(c) for c in text]
            if None in labs:
                continue
            ll, _, frames = ctc_align(logp, labs)
            if ll < base - self.margin:
                continue
            key = ll + math.log(self.words[cand])
            if best is None or key > best[0]:
                best = (key, text, frames)
        if best is None:
            return None
        _, text, frames = best
        probs = np.exp(logp)
        return [Char(c, offset + t, float(max(probs[t, self.index[c]], chars[min(k, len(chars) - 1)].prob)))
                for k, (c, t) in enumerate(zip(text, frames))]
