"""Which written word each spoken sound is: read-along timings from a voice's phoneme durations.

A voice that reports how many samples each phoneme lasts (piper's alignments) tells when each
sound is heard. The text's words do not map one to one onto the spoken words: "1985" is spoken
"nineteen eighty-five", "Dr." "doctor", and "of the" runs together as one word. So each written
word is phonemised on its own too, and the two phoneme sequences are aligned (an edit-distance
alignment, C-speed in rapidfuzz): a written word is heard from its first aligned sound to its
last. Numbers, dates and abbreviations stay on their written word, and words said together
are split where their sounds meet.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

# Marks that carry no sound of their own: stress, length, syllable breaks, and the voice's
# begin/end/pad symbols.
_SILENT = set("ˈˌːˑ.‿^$_") | {"\u0361", "\u035c"}
# Punctuation the phonemiser keeps: a pause after a word, not part of it.
_PUNCT = set(",.;:!?¡¿—–-…\"'«»()[]")


@dataclass
class Sound:
    phoneme: str
    start: int  # samples
    end: int


def sounds(alignments: Sequence[tuple[str, int]], offset: int = 0) -> list[Sound]:
    """(phoneme, samples) in order -> the phonemes that sound, with their sample spans; pauses
    (spaces, punctuation, pads) and marks are left out."""
    out, pos = [], offset
    for phoneme, samples in alignments:
        if phoneme != " " and phoneme not in _PUNCT and phoneme not in _SILENT:
            out.append(Sound(phoneme, pos, pos + int(samples)))
        pos += int(samples)
    return out


def sounding(phonemes: Sequence[str]) -> list[str]:
    """A phonemised written word's sounding phonemes (pauses and marks removed)."""
    return [p for p in phonemes if p != " " and p not in _PUNCT and p not in _SILENT]


def timings(written: Sequence[Sequence[str]], heard: Sequence[Sound], rate: int) -> list[tuple[float, float] | None]:
    """Seconds [start, end) of each written word (its sounding phonemes when said alone), from
    the sounds heard; None for a word none of whose sounds were heard (a symbol the voice
    skipped)."""
    symbols: dict[str, str] = {}

    def code(p: str) -> str:  # one character per phoneme, for the string alignment
        return symbols.setdefault(p, chr(0xE000 + len(symbols)))

    owner = [k for k, word in enumerate(written) for _ in word]
    a = "".join(code(p) for word in written for p in word)
    b = "".join(code(s.phoneme) for s in heard)
    spans: list[list[int] | None] = [None] * len(written)

    def take(i: int, j: int) -> None:
        k, s = owner[i], heard[j]
        if spans[k] is None:
            spans[k] = [s.start, s.end]
        else:
            spans[k][0], spans[k][1] = min(spans[k][0], s.start), max(spans[k][1], s.end)

    for op in Levenshtein.opcodes(a, b):
        if op.tag in ("equal", "replace"):
            n = min(op.src_end - op.src_start, op.dest_end - op.dest_start)
            for d in range(op.dest_end - op.dest_start):
                # A replace of unequal lengths spreads the heard sounds over the written ones.
                i = op.src_start + min(n - 1, d * (op.src_end - op.src_start) // max(1, op.dest_end - op.dest_start))
                take(i, op.dest_start + d)
        elif op.tag == "insert" and a:
            for d in range(op.dest_start, op.dest_end):  # sounds said beyond the written: the word before
                take(max(0, op.src_start - 1), d)
    return [None if s is None else (s[0] / rate, s[1] / rate) for s in spans]
