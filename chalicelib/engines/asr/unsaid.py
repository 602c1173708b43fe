"""Words nobody said at the end of a chunk (issue 42): Whisper, given a window that ends in
silence or padding, sometimes writes a last word or phrase that is not in the audio ("... of the
week. You", "... before you go out What?"). A chunk's words are checked against where its voice
really ends (the last frame Silero VAD calls speech, measured on the real audio); what is left
at the end is a suffix of the chunk's words that
- starts in the chunk's padding (after its real audio), or
- starts more than `after_voice_s` after the last voiced frame, or
- is one of the phrases Whisper is known to invent at the end of a window (`PHRASES`), when it
  starts where the voice has ended or runs well past it (a said "thank you" ends with the voice),
  or when its words are squeezed into less time than anyone says them in (Whisper timed an
  invented "Thank you very much." at 0.32 s, three of its words at 0 s, inside the last word's
  voice).
Only a suffix is dropped: a word before a kept word is kept, whatever its timing.

Times are seconds from the chunk's start. Nothing here imports a model.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Protocol

import numpy as np

# What Whisper writes for silence or noise at the end of a window, collected from its known
# failure reports (subtitle credits and sign-offs learnt from video captions), in the languages
# PageVoice transcribes most. Compared with case, punctuation and spaces removed (`key`).
PHRASES = (
    "you", "thank you", "thank you so much", "thank you very much", "thanks for watching",
    "thank you for watching", "please subscribe", "bye", "bye bye", "what",
    "vielen dank", "untertitel im auftrag des zdf", "untertitel der amara.org-community",
    "merci", "sous-titres réalisés par la communauté d'amara.org", "sous-titrage st' 501",
    "gracias", "subtítulos realizados por la comunidad de amara.org", "suscríbete",
    "obrigado", "legendas pela comunidade amara.org",
    "grazie", "sottotitoli creati dalla comunità amara.org",
    "продолжение следует", "субтитры сделал dimatorzok", "спасибо",
    "ご視聴ありがとうございました", "字幕由amara.org社区提供", "시청해주셔서 감사합니다",
)
# Seconds of slack for Whisper's word timings (a few tenths of a second on base): a said last
# word starts before the voice ends and ends within ~0.2 s of it (speech-dev, languages-dev).
TIMING_SLACK_S = 0.1
PHRASE_OVERRUN_S = 0.3
MAX_PHRASE_WORDS = 8
SQUEEZED_S_PER_WORD = 0.12  # a said "thank you" takes 0.3 s or more


class WordLike(Protocol):
    word: str
    start: float
    end: float


def key(text: str) -> str:
    """`text` compared as a phrase: NFKC, lower case, letters and digits only."""
    return "".join(c for c in unicodedata.normalize("NFKC", text).lower()
                   if unicodedata.category(c)[0] in "LN")


_KEYS = frozenset(key(p) for p in PHRASES)


def voice_end(speech_probs: np.ndarray, threshold: float, frame_s: float, start_s: float,
              end_s: float) -> float:
    """Seconds from `start_s` to the end of the last frame in [start_s, end_s) whose speech
    probability is at least `threshold` (0.0 when none is)."""
    first, last = int(start_s / frame_s), min(len(speech_probs), int(np.ceil(end_s / frame_s)))
    voiced = np.nonzero(np.asarray(speech_probs[first:last]) >= threshold)[0]
    if not len(voiced):
        return 0.0
    return min(end_s, (first + voiced[-1] + 1) * frame_s) - start_s


def unsaid_from(words: Sequence[WordLike], *, audio_s: float, voice_s: float,
                after_voice_s: float) -> int:
    """Index of the first word of the unsaid suffix of a chunk's `words` (len(words): none).
    audio_s: the chunk's real audio; voice_s: where its voice ends; after_voice_s: how far past
    it a word may start."""
    cut = len(words)
    while cut and _late(words[cut - 1], audio_s, voice_s, after_voice_s):
        cut -= 1
    # A known end-of-window phrase right before that, timed where the voice has ended.
    for n in range(min(MAX_PHRASE_WORDS, cut), 0, -1):
        phrase = words[cut - n:cut]
        if key("".join(w.word for w in phrase)) in _KEYS and (
                phrase[0].start >= voice_s - TIMING_SLACK_S or phrase[-1].end > voice_s + PHRASE_OVERRUN_S
                or (n > 1 and phrase[-1].end - phrase[0].start < SQUEEZED_S_PER_WORD * n)):
            return cut - n
    return cut


def _late(word: WordLike, audio_s: float, voice_s: float, after_voice_s: float) -> bool:
    return word.start >= audio_s - 0.02 or word.start >= voice_s + after_voice_s
