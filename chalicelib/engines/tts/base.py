"""The TTS engine protocol, text splitting and WAV encoding shared by every engine."""
from __future__ import annotations

import io
import re
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

import numpy as np

# Piper turns unpunctuated text into one utterance: 2,800 characters took 6.4 GB.
# Pieces of this size on word boundaries keep it under ~400 MB.
MAX_PIECE_CHARS = 200

_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+|\n+")


@dataclass
class Audio:
    samples: np.ndarray  # int16, mono
    sample_rate: int

    @property
    def seconds(self) -> float:
        return len(self.samples) / float(self.sample_rate) if self.sample_rate else 0.0


class TtsEngine(Protocol):
    """What the pipeline needs of a TTS engine. Load models in `__init__` (once per process)."""

    name: str
    version: str

    def synthesize(self, text: str) -> Audio:
        """Non-empty text -> mono int16 audio."""


def pieces(text: str, limit: int = MAX_PIECE_CHARS) -> Iterator[str]:
    """Sentences (and OCR lines), then pieces of at most `limit` characters on word boundaries.

    A single word longer than `limit` (a URL, a run of digits) is cut hard.
    """
    for sentence in _SENTENCE_END.split(text):
        words = sentence.split()
        piece = ""
        for word in words:
            while len(word) > limit:
                if piece:
                    yield piece
                    piece = ""
                yield word[:limit]
                word = word[limit:]
            if piece and len(piece) + 1 + len(word) > limit:
                yield piece
                piece = word
            else:
                piece = f"{piece} {word}" if piece else word
        if piece:
            yield piece


def concat(parts: list[Audio], gap_seconds: float = 0.12) -> Audio:
    """Join pieces with a short silence so sentences do not run together."""
    if not parts:
        raise ValueError("no audio to join")
    rate = parts[0].sample_rate
    gap = np.zeros(int(rate * gap_seconds), dtype=np.int16)
    chunks: list[np.ndarray] = []
    for i, part in enumerate(parts):
        if part.sample_rate != rate:
            raise ValueError("pieces differ in sample rate")
        if i:
            chunks.append(gap)
        chunks.append(part.samples.astype(np.int16, copy=False))
    return Audio(np.concatenate(chunks), rate)


def to_wav(audio: Audio) -> bytes:
    """RIFF/WAVE, PCM 16-bit, mono (CONTRACTS section 2)."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(audio.sample_rate)
        w.writeframes(np.ascontiguousarray(audio.samples, dtype="<i2").tobytes())
    return buf.getvalue()


def wav_info(data: bytes) -> tuple[int, int, int, float]:
    """(channels, sample width in bytes, rate, seconds) of a WAV file; for tests and benchmarks."""
    with wave.open(io.BytesIO(data), "rb") as w:
        return w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes() / w.getframerate()
