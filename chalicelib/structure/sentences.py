"""Sentences: where they start in a text, and when each is heard in a recording (issue 40).

`split` finds a text's sentences (sentencex, chosen by bench/sentences.py on a labelled set in
the languages PageVoice reads, with rules of ours on top: list markers and lists on one line,
initials, ordinals, lowercase continuations, ellipses). `timed` turns the spoken script
(chalicelib.structure.spoken.Script) and the recording's word timings into
`result.speech.sentences` (CONTRACTS section 14): each sentence's start and end in seconds and
its first written word. The script's pauses say what structure says: a paragraph, a list item or
a heading ends with a blank line or more, a table cell or a figure with one line break after its
closing stop, and each of these ends a sentence whatever the segmenter thinks; inside them the
segmenter decides. `Timeline` does the same as words arrive (a recording published part by part,
and continued by a later invocation).
"""
from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

from chalicelib.structure.spoken import ENDS

# A "sentence" that is only a list item's marker ("1.", "iv.", "a)", "(2).", "•"): it belongs to
# what follows it, not to a sentence of its own.
_MARKER_TEXT = r"(?:[-*•◦▪⁃]\s*)?(?:§\s*)?[(\[]?(?:\d{1,3}|[ivxlc]{1,5}|[a-zA-Z])[.)\]]{1,2}"
# A sentence that starts an enumeration ("1. ...", "a) ...") and holds the next item inline.
_FIRST_ITEM = re.compile(r"\s*[-*•◦▪⁃]?\s*[(\[]?(\d{1,3}|[a-zA-Z])[.)]\s")
_MARKER = re.compile(r"^\s*(?:" + _MARKER_TEXT + r"|[-*•◦▪–—])\s*$", re.I)
_STARTS_WITH_MARKER = re.compile(r"^\s*" + _MARKER_TEXT + r"\s", re.I)
# An ellipsis, or "?!", then a capital: sentencex reads them as pauses inside the sentence.
_ELLIPSIS = re.compile(r"(?:…|\.\.\.|[?!]{2,})[\"'”’»)]?\s+(?=[\"'“‘«(]?[A-ZÀ-ÖØ-ÞА-ЯΑ-Ω])")
# A single capital and a stop after a word: an initial ("John F. Kennedy", "á D. Sebastian"), not an
# end. Not "I" (a pronoun), nor after another initial ("U. A. E.": the segmenter decides).
_INITIAL = re.compile(r"(?:^|\s)[^\s.]+\s[A-HJ-ZÀ-ÖØ-ÞА-ЯΑ-Ω]\.$")
_BULLET = re.compile(r"^\s*[-*•◦▪⁃]")
# Scripts without capitals abbreviate with one letter and a stop too (Arabic "د." for Dr.,
# "ص." for page); the stop may sit between directional marks.
_CASELESS_INITIAL = re.compile(r"(?:^|\s)[\u0590-\u05FF\u0600-\u06FF]\.$")
_BIDI = re.compile(r"[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# A double quote after a sentence's stop and before a space closes that sentence; one standing
# apart after the stop opens the next. (Single quotes are left to the segmenter: they are also
# apostrophes, and tokenised text sets both apart.)
_QUOTES = "\"”»״"
_ENDS_SENTENCE = re.compile(r"[.!?…]$")
# Languages that write ordinals with a stop ("am 13. März", "im 19. Jahrhundert"): a number and a
# stop goes on far more often than it ends a sentence.
ORDINAL_STOP = frozenset({"de", "da", "no", "nb", "nn", "fi", "et", "is", "fo", "cs", "sk", "sl", "hr", "bs",
                          "sr", "hu", "pl", "lv", "lt", "tr"})
_ORDINAL = re.compile(r"(?:^|[\s(–-])\d{1,2}\.$")
# A word's stop, then a count or a year (three digits or more, not an ordinal) and a word: a sentence
# opening with a number, where the segmenter's ordinal caution keeps them together.
_COUNT_OPENS = re.compile(r"(?<=\w\w\w\w\.)\s+(?=\d{1,3}(?:[.,]\d{3})+\s|\d{3,}\s)")
_HARD = re.compile(r"\n{2,}|(?<=[" + re.escape("".join(ENDS)) + r"])\n")


def split(text: str, language: str) -> list[tuple[int, int]]:
    """The sentences of `text` in `language` (a BCP 47 primary tag; a language sentencex does not
    know falls back to its generic rules), as (start, end) character offsets, in order. A blank
    line always ends a sentence; a single line break (a line as OCR gives it) does not by itself."""
    import sentencex  # the worker's; the API never splits sentences

    starts = {0}
    for b in sentencex.get_sentence_boundaries(language, text):
        if not b["is_paragraph_break"]:
            starts.add(b["start_index"])
    starts |= {m.end() for m in _ELLIPSIS.finditer(text)}
    if language in ORDINAL_STOP:  # sentencex keeps "entzogen. 15.000 Juden" together there
        starts |= {m.end() for m in _COUNT_OPENS.finditer(text)}
    edges = sorted(s for s in starts if s < len(text))
    spans = _joined(text, [(a, b) for a, b in zip(edges, [*edges[1:], len(text)]) if text[a:b].strip()], language)
    out: list[tuple[int, int]] = []
    for a, b in [cut for span in spans for cut in _items(text, *span)]:
        if out and _MARKER.match(text[out[-1][0]:out[-1][1]]):  # an item's marker cut off its text
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    out = _quoted(text, out)
    return [(a + len(text[a:b]) - len(text[a:b].lstrip()), a + len(text[a:b].rstrip())) for a, b in out
            if text[a:b].strip()]


def _quoted(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Quotes on the right side of a cut: `...stable." Meanwhile` keeps its closing quote, and
    `...normal. "Let us` gives its opening quote to the sentence it opens."""
    out = list(spans)
    for i in range(1, len(out)):
        (a, b), (c, d) = out[i - 1], out[i]
        glued = re.match(r"[^\w\s]+(?=\s|$)", text[c:d])
        if c > 0 and not text[c - 1].isspace() and glued:  # "ist.- Unter": what is glued to the stop stays
            out[i - 1], out[i] = (a, c + glued.end()), (c + glued.end(), d)
            continue
        before, after = text[a:b].rstrip(), text[c:d]
        lead = len(after) - len(after.lstrip())
        if (after.lstrip()[:1] in _QUOTES and after.lstrip()[:1] and (len(after.lstrip()) == 1 or after.lstrip()[1].isspace())
                and _ENDS_SENTENCE.search(before)):
            cut = c + lead + 1  # the closing quote stays with the sentence it closes
        elif before[-1:] in _QUOTES and before[-1:] and before[-2:-1].isspace() and _ENDS_SENTENCE.search(before[:-1].rstrip()):
            cut = a + len(before) - 1  # a quote standing before the cut opens the next sentence
        else:
            continue
        out[i - 1], out[i] = (a, cut), (cut, d)
    return out


def _joined(text: str, spans: list[tuple[int, int]], language: str) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in spans:
        if out and _continues(text[out[-1][0]:out[-1][1]], text[a:b], language):
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def _items(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """text[a:b] cut before each next item of an enumeration it starts ("1. Open it 2. Plug it
    in", "a. This b. That"): a numbered list written on one line."""
    out = []
    while (m := _FIRST_ITEM.match(text, a, b)) is not None:
        mark = m.group(1)
        after = str(int(mark) + 1) if mark.isdigit() else chr(ord(mark) + 1)
        nxt = re.compile(r"\s([-*•◦▪⁃]?[(\[]?" + re.escape(after) + r"[.)])(?=\s|$)").search(text, m.end(), b)
        if nxt is None:
            break
        out.append((a, nxt.start(1)))
        a = nxt.start(1)
    return [*out, (a, b)]


def _continues(before: str, after: str, language: str) -> bool:
    """Whether `after` is not a sentence of its own but goes on from `before`: `before` is only a
    list marker, or ends with an initial or (in languages that write them so) an ordinal, or
    `after` starts in lowercase (a dialogue's "– Che fai? – mia moglie mi domandò", OCR's stray
    stop) and not with a marker ("a) ...")."""
    tail = _BIDI.sub("", before[-60:]).rstrip()[-40:]
    if (_MARKER.match(before) or _INITIAL.search(tail) or _CASELESS_INITIAL.search(tail)
            or (language in ORDINAL_STOP and _ORDINAL.search(tail))):
        return True
    if before[-60:].rstrip(" \t").endswith("\n") and _BULLET.match(after):  # a bulleted line
        return False
    letter = next((c for c in after if c.isalpha() or c.isdigit()), "")
    return letter.islower() and not _STARTS_WITH_MARKER.match(after)


def sentence_starts(text: str, language: str, languages: Sequence[str] | None = None) -> list[int]:
    """The index (among `text.split()`) of each sentence's first word, for a spoken script:
    its structural breaks, then `split` inside each stretch between them (in the language of
    the stretch's first word when `languages` gives one per word)."""
    offsets = [m.start() for m in re.finditer(r"\S+", text)]
    starts: list[int] = []
    k = 0
    for a, b in _stretches(text):
        first = k
        while k < len(offsets) and offsets[k] < b:
            k += 1
        if first == k:
            continue
        code = languages[first] if languages and first < len(languages) else language
        chunk = text[a:b]
        for s, _ in split(chunk, code):
            at = _word_at(offsets, a + s, first, k)
            if not starts or at > starts[-1]:
                starts.append(at)
    return starts


def _stretches(text: str) -> list[tuple[int, int]]:
    out, at = [], 0
    for m in _HARD.finditer(text):
        out.append((at, m.start()))
        at = m.end()
    out.append((at, len(text)))
    return out


def _word_at(offsets: list[int], pos: int, lo: int, hi: int) -> int:
    """The word (of words lo..hi-1) that `pos` is in: a sentence starts on a word, and one that
    starts inside a word ("rained.Then", a Chinese line) starts at that word; the next word is
    already inside it."""
    return max(bisect.bisect_right(offsets, pos, lo, hi) - 1, lo)


class Timeline:
    """result.speech.sentences of a recording, as its word timings arrive.

    `text`, `where`, `language`, `languages`: the spoken script (Script.text, Script.where,
    its main language, Script.languages). `update(words)` takes the recording's
    `speech.words` (all of them so far, in speaking order) and returns the sentences so far."""

    def __init__(self, text: str, where: Sequence[list[tuple[dict, int]]], language: str,
                 languages: Sequence[str] | None = None) -> None:
        starts = sentence_starts(text, language, languages)
        sentence = 0
        self._sentence_of: dict[tuple, int] = {}  # a written word -> the sentence it is in
        for k, names in enumerate(where):
            while sentence + 1 < len(starts) and starts[sentence + 1] <= k:
                sentence += 1
            for name, _ in names:
                self._sentence_of.setdefault(_key(name), sentence)
        self._seen = 0
        self._index: dict[int, int] = {}  # sentence -> its place in `sentences`
        self.sentences: list[dict] = []

    def update(self, words: Sequence[dict]) -> list[dict]:
        if len(words) < self._seen:  # another recording: start again
            self._seen, self._index, self.sentences = 0, {}, []
        for w in words[self._seen:]:
            sentence = self._sentence_of.get(_key(w))
            if sentence is None:
                continue
            at = self._index.get(sentence)
            if at is None:
                self._index[sentence] = len(self.sentences)
                self.sentences.append({"start": w["start"], "end": w["end"],
                                       **{k: w[k] for k in ("page", "line", "word") if k in w}})
            else:
                entry = self.sentences[at]
                entry["end"] = max(entry["end"], w["end"])
        self._seen = len(words)
        return [dict(s) for s in self.sentences]


def timed(text: str, where: Sequence[list[tuple[dict, int]]], words: Sequence[dict], language: str,
          languages: Sequence[str] | None = None) -> list[dict]:
    """result.speech.sentences: for each sentence of the spoken script with a written word heard,
    in speaking order, {"start", "end"} (seconds: its first word's start, its last word's end)
    and its first written word ("page" for documents, "line", "word"), from the recording's
    word timings `words` (result.speech.words)."""
    return Timeline(text, where, language, languages).update(words)


def _key(name: dict) -> tuple:
    return name.get("page", 0), name["line"], name["word"]
