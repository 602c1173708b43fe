"""espeak-ng: a formant voice for ~100 languages (Debian's libespeak-ng1, offline), with timings.

The library is driven in-process through ctypes. Synchronous synthesis hands each block of
samples to a callback together with the events in it; a WORD event says at which millisecond
the word starting at a given character of the text is spoken, so each written word gets its
own timings. The library keeps one state per process (voice, rate, callback): every call
holds one lock.
"""
from __future__ import annotations

import bisect
import ctypes
import dataclasses
import re
import threading
from dataclasses import dataclass

import numpy as np

from chalicelib.engines.tts.base import Audio
from chalicelib.errors import EngineUnavailable, Internal

LIBRARY = "libespeak-ng.so.1"

# speak_lib.h
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_DONT_EXIT = 0x8000  # report errors instead of exiting the process
_CHARS_UTF8 = 1
_POS_CHARACTER = 1
_RATE, _PITCH_RANGE, _WORD_GAP = 1, 4, 7  # espeak_PARAMETER: words a minute, 0-100 (50), 10 ms units
_EVENT_LIST_TERMINATED, _EVENT_WORD, _EVENT_SAMPLERATE = 0, 1, 8

SILENT = 64  # |sample| at or under this is silence, when fitting a word's span to its sound


class _Event(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint),
                ("text_position", ctypes.c_int),  # 1-based character of the text
                ("length", ctypes.c_int), ("audio_position", ctypes.c_int),  # ms from the start
                ("sample", ctypes.c_int), ("user_data", ctypes.c_void_p), ("id", ctypes.c_char * 8)]


_Callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))


class _Library:
    """The process's one libespeak-ng, initialised once; `speak` under its lock."""

    def __init__(self, path: str = LIBRARY) -> None:
        try:
            lib = ctypes.CDLL(path)
        except OSError as exc:
            raise EngineUnavailable(
                "The espeak-ng voice is not installed here (libespeak-ng.so.1 is missing): install "
                "espeak-ng (Debian: apt-get install espeak-ng) or choose another voice.") from exc
        lib.espeak_Info.restype = ctypes.c_char_p
        lib.espeak_Info.argtypes = [ctypes.c_void_p]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
                                     ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
        self.rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, None, _INITIALIZE_DONT_EXIT)
        if self.rate <= 0:
            raise EngineUnavailable("espeak-ng could not start: its data (espeak-ng-data) was not found.")
        self.version = (lib.espeak_Info(None) or b"").decode() or "unknown"
        self._lib = lib
        self._callback = _Callback(self._collect)  # kept referenced: the library calls it later
        lib.espeak_SetSynthCallback(self._callback)
        self.lock = threading.Lock()
        self._chunks: list[np.ndarray] = []
        self._events: list[tuple[int, int, int, int]] = []

    def _collect(self, wav, count, events) -> int:
        if count > 0:
            self._chunks.append(np.ctypeslib.as_array(wav, (count,)).copy())
        i = 0
        while events and events[i].type != _EVENT_LIST_TERMINATED:
            e = events[i]
            if e.type != _EVENT_SAMPLERATE:
                self._events.append((e.type, e.text_position - 1, e.length, e.audio_position))
            i += 1
        return 0  # go on

    def has_voice(self, voice: str) -> bool:
        with self.lock:
            return self._lib.espeak_SetVoiceByName(voice.encode()) == 0

    def speak(self, text: str, voice: str, delivery: Delivery) -> tuple[np.ndarray, list[tuple[int, int, int, int]]]:
        """(int16 samples, events as (type, 0-based character, length, ms))."""
        data = text.replace("\0", " ").encode("utf-8")  # a NUL would end the text early
        with self.lock:
            self._chunks, self._events = [], []
            if self._lib.espeak_SetVoiceByName(voice.encode()) != 0:
                raise EngineUnavailable(f"espeak-ng has no voice '{voice}'.")
            # Every parameter every time: they outlive the call and the next may be another voice's.
            self._lib.espeak_SetParameter(_RATE, delivery.words_per_minute, 0)
            self._lib.espeak_SetParameter(_WORD_GAP, delivery.word_gap, 0)
            self._lib.espeak_SetParameter(_PITCH_RANGE, delivery.pitch_range, 0)
            err = self._lib.espeak_Synth(data, len(data) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
            chunks, events = self._chunks, self._events
            self._chunks, self._events = [], []
        if err != 0:
            raise Internal(f"espeak-ng could not speak this text (error {err}).")
        samples = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)
        return samples.astype(np.int16, copy=False), events


_library: _Library | None = None
_library_lock = threading.Lock()


def library() -> _Library:
    global _library
    with _library_lock:
        if _library is None:
            _library = _Library()
        return _library


@dataclass(frozen=True)
class Delivery:
    """How a voice speaks, in espeak-ng's own parameters."""
    words_per_minute: int = 150
    word_gap: int = 0  # a pause added between words: nominally 10 ms a unit, ~30 ms at 150 wpm
    pitch_range: int = 50  # 0 (monotone) to 100; espeak-ng's default is 50


# Per voice, measured by Whisper base on the UDHR text (bench/espeak_voice.py): a word gap of 1
# (~30 ms at 150 words a minute) took Greek's WER from 0.77 to 0.65 and Russian's from 1.00 to
# 0.84 for 5-6% more audio. Slower paces, other pitch ranges and gaps did not help ar, he, hi, ko,
# th or uk consistently (the gap doubled Thai's errors); Whisper hardly understands those at all.
DELIVERY: dict[str, Delivery] = {"el": Delivery(word_gap=1), "ru": Delivery(word_gap=1)}


@dataclass(frozen=True)
class EspeakConfig:
    voice: str = "en-us"  # an espeak-ng voice (`espeak-ng --voices`): fr, ru, el, pl, cmn, ...
    words_per_minute: int = 150  # espeak-ng says 175; slower was understood better (Whisper base, ru/el)


class EspeakEngine:
    name = "espeak"
    Config = EspeakConfig
    ENV_PREFIX = "PAGEVOICE_ESPEAK_"

    def __init__(self, config: EspeakConfig | None = None, *, delivery: Delivery | None = None) -> None:
        """`delivery`: None is DELIVERY's choice for the voice at the configured pace."""
        self.cfg = config or EspeakConfig()
        chosen = DELIVERY.get(self.cfg.voice, Delivery())
        self.delivery = delivery or dataclasses.replace(chosen, words_per_minute=self.cfg.words_per_minute)
        self._lib = library()
        if not self._lib.has_voice(self.cfg.voice):
            raise EngineUnavailable(f"espeak-ng has no voice '{self.cfg.voice}' (see `espeak-ng --voices`).")
        self.voice = self.cfg.voice
        self.sample_rate = self._lib.rate
        self.version = f"espeak-ng {self._lib.version}"

    def synthesize(self, text: str) -> Audio:
        """One call for the whole text: espeak-ng streams clause by clause, so its memory stays
        flat whatever the length, and its events index the whole text."""
        if not text.strip():
            return Audio(np.zeros(0, dtype=np.int16), self.sample_rate)
        samples, events = self._lib.speak(text, self.voice, self.delivery)
        return Audio(samples, self.sample_rate, word_timings(text, events, samples, self.sample_rate))


def word_timings(text: str, events, samples: np.ndarray, rate: int) -> list[tuple[float, float] | None]:
    """Seconds [start, end) of each whitespace token of `text`: from the first WORD event in it
    to the next event after its last (the next word, or the clause's end), fitted to the sound
    between them; None for a token espeak-ng did not speak (a lone dash)."""
    tokens = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    starts = [s for s, _ in tokens]
    bounds = sorted({ms for _, _, _, ms in events})
    spans: list[list[int] | None] = [None] * len(tokens)
    for kind, pos, length, ms in events:
        k = int(np.searchsorted(starts, pos, side="right")) - 1
        if kind != _EVENT_WORD or length <= 0 or k < 0 or pos >= tokens[k][1]:
            continue  # not a word, or one between tokens (espeak-ng's end-of-text marker)
        i = bisect.bisect_right(bounds, ms)
        start = ms * rate // 1000
        end = len(samples) if i == len(bounds) else min(len(samples), bounds[i] * rate // 1000)
        span = spans[k]
        spans[k] = [start, end] if span is None else [min(span[0], start), max(span[1], end)]
    _share_joined(text, tokens, spans)
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > SILENT)
    return [None if s is None else _fit(s[0], s[1], loud, rate) for s in spans]


def _share_joined(text: str, tokens: list[tuple[int, int]], spans: list) -> None:
    """espeak-ng says some short words together with the one before ("of the") and reports
    one event for both: the words without one share the span of the word they were said with,
    by their lengths in characters."""
    k = 0
    while k < len(tokens):
        group = k + 1
        while group < len(tokens) and spans[group] is None and re.search(r"\w", text[slice(*tokens[group])]):
            group += 1
        if spans[k] is not None and group > k + 1:
            lengths = np.array([e - s + 1 for s, e in tokens[k:group]], dtype=float)  # + a space each
            start, end = spans[k]
            cuts = (start + (end - start) * np.concatenate([[0], np.cumsum(lengths)]) / lengths.sum()).astype(int)
            for i in range(k, group):
                spans[i] = [int(cuts[i - k]), int(cuts[i - k + 1])]
        k = group


def _fit(start: int, end: int, loud: np.ndarray, rate: int) -> tuple[float, float]:
    """[start, end) in samples narrowed to the sound in it (its pauses left out), in seconds."""
    first = int(np.searchsorted(loud, start))
    last = int(np.searchsorted(loud, end)) - 1
    if first <= last:
        start, end = int(loud[first]), int(loud[last]) + 1
    return start / rate, end / rate
