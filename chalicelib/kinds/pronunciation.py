"""An account's pronunciations (CONTRACTS section 14, `/me/lexicon`): what its entries may be, and
how they change what the voice says. Pure: no I/O (the store is chalicelib.auth.pronunciations).

An entry says a written form is spoken another way: {"written": "Dr.", "spoken": "doctor",
"whole_word": true, "match_case": false}. It applies to what the voice says only: each piece's
text is rewritten just before it is spoken (`Lexicon.say`), and the voice's word timings are
mapped back onto the written words (`Said.timings`), so the result's text, boxes, read-along
words and sentences stay on what the page says. Where several entries could match at one place,
the longest written form wins; a written form of several words matches them across any
whitespace, and its letters composed or decomposed ("é" or "e" and a combining acute); a whole
word has no letter, digit or combining mark beside it, and a whole number is not part of a
longer one ("7" of "7.5" or "1" of "1,000"). An entry that does not match case matches its letters
in any case, letter for letter (`fold`), never another spelling: "Straße" matches "STRAẞE" but not
"STRASSE"; two entries are repeats exactly when one would match the other's text (the site's
check before saving, static_site/js/views/pronunciations/entries.js, folds the same way).
(chalicelib.engines.ocr.lexicon is another thing: the OCR's word list.)
"""
from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from chalicelib.errors import InputError

LIMITS = {"entries": 500, "written": 100, "spoken": 200}  # GET /me/lexicon says them as `limits`
FLAGS = {"whole_word": True, "match_case": False}  # each entry's flags, and their defaults
# What a piece of text may become: GROWTH times its length plus one spoken form (so one entry
# always applies). Past it the rest is said as written: one "a" made 200 characters would turn a
# piece (engines/tts/base.MAX_PIECE_CHARS) into ~20 minutes of speech in one call to the voice,
# past a worker's turn, which only ends between pieces.
GROWTH = 4


def _entry_text(entry: dict, name: str, n: int) -> str:
    value = entry.get(name)
    if not isinstance(value, str):
        raise InputError(f"Entry {n}: '{name}' must be text.", field="entries")
    value = " ".join(value.split())  # one space between words: spoken text is joined so too
    if not value:
        raise InputError(f"Entry {n}: '{name}' is empty.", field="entries")
    if len(value) > LIMITS[name]:
        raise InputError(f"Entry {n} (\"{value[:30]}...\"): '{name}' is longer than {LIMITS[name]} characters.",
                         field="entries")
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in value):
        raise InputError(f"Entry {n}: '{name}' must not contain control characters.", field="entries")
    return value


def entries(value) -> list[dict]:
    """The entries of a PUT /me/lexicon body (`value`: its "entries"), checked and in their stored
    shape; a 400 naming the entry at fault (numbered from 1, as a person counts)."""
    if not isinstance(value, list):
        raise InputError("'entries' must be a list of pronunciations, e.g. "
                         "[{\"written\": \"Dr.\", \"spoken\": \"doctor\"}].", field="entries")
    if len(value) > LIMITS["entries"]:
        raise InputError(f"At most {LIMITS['entries']} pronunciations can be kept ({len(value)} were sent).",
                         field="entries")
    out: list[dict] = []
    # Two entries that would both rewrite the same text: which one applies would be a guess.
    exact: dict[str, int] = {}
    folded: dict[str, int] = {}  # every written form, case folded
    folded_any_case: dict[str, int] = {}  # those of entries that ignore case
    for n, entry in enumerate(value, 1):
        if not isinstance(entry, dict):
            raise InputError(f"Entry {n} must be an object with 'written' and 'spoken'.", field="entries")
        written, spoken = _entry_text(entry, "written", n), _entry_text(entry, "spoken", n)
        flags = {}
        for flag, default in FLAGS.items():
            flags[flag] = entry.get(flag, default)
            if not isinstance(flags[flag], bool):
                raise InputError(f"Entry {n} (\"{written}\"): '{flag}' must be true or false.", field="entries")
        same = unicodedata.normalize("NFC", written)  # composed or not, the same letters match (Lexicon)
        key = fold(unicodedata.normalize("NFD", written))  # decomposed: "J" and a caron is "ǰ" in capitals
        earlier = exact.get(same) or (folded.get(key) if not flags["match_case"] else folded_any_case.get(key))
        if earlier:
            raise InputError(f"Entries {earlier} and {n} both say how to speak \"{written}\"; keep one.",
                             field="entries")
        exact[same] = n
        folded.setdefault(key, n)
        if not flags["match_case"]:
            folded_any_case.setdefault(key, n)
        out.append({"written": written, "spoken": spoken, **flags})
    return out


def fold(text: str) -> str:
    """`text` with case set aside, one character for each (so a place in it is the same place in
    `text`): each character's simple case folding, Unicode's for caseless matching ("É" -> "é",
    "ẞ" -> "ß", "ς" -> "σ", the Kelvin sign -> "k"). Never the full folding, which changes
    spellings ("Straße" -> "strasse", "ﬁ" -> "fi") and lengths; "İ" and the dotless "ı" stay
    themselves (Turkish pairs them otherwise than English). What matching ignores when an entry
    does not match case, and what makes two entries repeats."""
    return "".join(map(_fold_one, text))


@functools.lru_cache(maxsize=4096)
def _fold_one(ch: str) -> str:
    # Python has the full folding only (str.casefold): where it gives several characters, the
    # simple one is the lowercase (where that is one character), else none.
    for folded in (ch.casefold(), ch.lower()):
        if len(folded) == 1:
            return folded
    return ch


@dataclass(frozen=True)
class Said:
    """A piece of text as the voice is to say it: `text`, and `groups`: for each stretch of it, the
    written words (indexes into the piece's whitespace-separated words) and the spoken words it
    became, both in order; unchanged words are groups of one and one. `weights`: each written
    word's length (a group's time is shared by it); `applied`: the entries that changed something."""
    text: str
    groups: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]
    weights: tuple[int, ...]
    applied: frozenset[int] = frozenset()

    def timings(self, spoken: Sequence[tuple[float, float] | None] | None):
        """The voice's timings of the spoken words (`spoken`, one per word of `text`, as
        engines/tts/base.Audio.words) as timings of the written words: each group's span (from its
        first heard spoken word to its last) shared among its written words by their length, so
        every written word keeps a span of its own, in order. None stays None (no timings)."""
        if spoken is None:
            return None
        out: list[tuple[float, float] | None] = [None] * len(self.weights)
        for written, said in self.groups:
            heard = [spoken[j] for j in said if j < len(spoken) and spoken[j] is not None]
            if heard:
                start, end = min(s for s, _ in heard), max(e for _, e in heard)
                for k, span in zip(written, _share(start, end, [self.weights[k] for k in written])):
                    out[k] = span
        return out


def _share(start: float, end: float, weights: list[int]) -> list[tuple[float, float]]:
    total = sum(max(1, w) for w in weights)
    out, at = [], start
    for i, w in enumerate(weights):
        until = end if i == len(weights) - 1 else at + (end - start) * max(1, w) / total
        out.append((at, until))
        at = until
    return out


class Lexicon:
    """Checked entries (`entries`' output) made ready to rewrite text: one pattern, longest
    written form first, each entry's word-boundary rule inline, searched in the text's `fold`;
    an entry that matches case is then held to its own case in the text itself."""

    def __init__(self, checked: Sequence[dict]):
        self.entries = list(checked)
        order = sorted(range(len(self.entries)), key=lambda i: -len(self.entries[i]["written"]))
        alternatives = []
        for i in order:
            alternatives.append(f"(?P<e{i}>{_body(self.entries[i], fold)})")
        self._order = order
        self._pattern = re.compile("|".join(alternatives)) if alternatives else None
        self._alone: dict[int, re.Pattern] = {}
        self._cased = {i: re.compile(_body(entry)) for i, entry in enumerate(self.entries) if entry["match_case"]}

    def _matches(self, text: str):
        """(entry, start, end) of each rewrite, left to right. A whole word's pattern sees letters,
        digits and "_" around it; a combining mark beside it, or a number going on past it ("7" of
        "7.5"), also makes it part of a word (checked here: cheaper than in every pattern): then
        the entries after it in the pattern's order are tried at the same place, as the pattern
        would have."""
        at, folded = 0, fold(text)
        while (m := self._pattern.search(folded, at)) is not None:
            index, start = int(m.lastgroup[1:]), m.start()
            found = (index, m.end()) if self._fits(index, text, start, m.end()) else None
            for i in self._order[self._order.index(index) + 1:] if found is None else ():
                alone = self._alone.get(i) or self._alone.setdefault(i, re.compile(_body(self.entries[i], fold)))
                if (n := alone.match(folded, start)) is not None and n.end() > start and self._fits(i, text, start, n.end()):
                    found = (i, n.end())
                    break
            if found is None:
                at = start + 1
                continue
            yield found[0], start, found[1]
            at = max(found[1], start + 1)

    def _fits(self, index: int, text: str, start: int, end: int) -> bool:
        cased = self._cased.get(index)
        if cased is not None and ((n := cased.match(text, start)) is None or n.end() != end):
            return False  # its letters, in another case
        if not self.entries[index]["whole_word"]:
            return True
        if (start > 0 and _is_mark(text[start - 1])) or (end < len(text) and _is_mark(text[end])):
            return False
        # A number's stop or comma and digit go on with it ("7.5", "1,000"): "7" is not a whole word there.
        return not (text[end - 1].isdigit() and re.match(r"[.,]\d", text[end:end + 2])
                    or text[start].isdigit() and re.search(r"\d[.,]$", text[max(0, start - 2):start]))

    def __len__(self) -> int:
        return len(self.entries)

    def say(self, text: str) -> Said:
        """`text` as the voice is to say it, with how its words map back (`Said`); at most GROWTH
        times as long plus one spoken form, the rest as written."""
        said = _unchanged(text)
        if self._pattern is None:
            return said
        # Each output character's written word (None: whitespace), with the matches' characters
        # standing for every written word the match touches.
        words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
        owner = [None] * len(text)
        for k, (a, b) in enumerate(words):
            for c in range(a, b):
                owner[c] = k
        out: list[str] = []
        marks: list[frozenset[int] | None] = []
        at, applied, room = 0, set(), GROWTH * len(text) + LIMITS["spoken"] - len(text)
        for index, start, end in self._matches(text):
            if start == end:
                continue
            spoken = self.entries[index]["spoken"]
            room -= len(spoken) - (end - start)
            if room < 0:
                break
            out.append(text[at:start])
            marks += [None if owner[c] is None else frozenset([owner[c]]) for c in range(at, start)]
            applied.add(index)
            touched = frozenset(owner[c] for c in range(start, end) if owner[c] is not None)
            out.append(spoken)
            marks += [None if ch.isspace() else touched for ch in spoken]
            at = end
        if not applied:
            return said
        out.append(text[at:])
        marks += [None if owner[c] is None else frozenset([owner[c]]) for c in range(at, len(text))]
        spoken_text = "".join(out)
        # Each spoken word: the written words its characters stand for; spoken and written words
        # that share any are one group (unions of runs, so groups stay in order).
        spoken_sets = [frozenset().union(*(marks[c] for c in range(a, b) if marks[c] is not None))
                       for a, b in ((m.start(), m.end()) for m in re.finditer(r"\S+", spoken_text))]
        groups: list[tuple[list[int], list[int]]] = []
        for j, written in enumerate(spoken_sets):
            if groups and written and min(written) <= max(groups[-1][0], default=-1):
                groups[-1][1].append(j)
                groups[-1][0].extend(k for k in sorted(written) if k not in groups[-1][0])
            else:
                groups.append((sorted(written), [j]))
        return Said(" ".join(spoken_text.split()), tuple((tuple(w), tuple(s)) for w, s in groups),
                    said.weights, frozenset(applied))


def _forms(written: str) -> list[str]:
    """`written` as itself, composed and decomposed ("é" or "e" and a combining acute: the page and
    the entry may each have either), longest first."""
    return sorted({written, unicodedata.normalize("NFC", written), unicodedata.normalize("NFD", written)},
                  key=lambda form: (-len(form), form))


def _body(entry: dict, case=str) -> str:
    """An entry's pattern: its written form (as itself, composed or decomposed) through `case`
    (`fold`: for a folded text), its words apart by any whitespace, whole or not."""
    body = "|".join(r"\s+".join(re.escape(case(part)) for part in form.split()) for form in _forms(entry["written"]))
    return rf"(?<!\w)(?:{body})(?!\w)" if entry["whole_word"] else f"(?:{body})"


def _is_mark(ch: str) -> bool:
    """A combining mark: part of the letter before it ("e" and an acute, an Indic vowel sign or virama)."""
    return unicodedata.category(ch)[0] == "M"


def _unchanged(text: str) -> Said:
    words = text.split()
    return Said(text, tuple(((k,), (k,)) for k in range(len(words))), tuple(len(w) for w in words))
