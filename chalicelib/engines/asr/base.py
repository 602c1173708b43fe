"""The speech-to-text engine protocol and the transcript shape every engine maps into.

Times are seconds from the start of the recording. `Transcript.to_dict()` gives the fields of
the speech result (CONTRACTS section 9) that come from the engine: text, language, segments
(with words) and keyword; the worker adds schema, kind, engine, duration and timings.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

# The 35 words of Speech Commands v2 (Warden 2018), plus the two extra labels.
COMMAND_WORDS = (
    "backward", "bed", "bird", "cat", "dog", "down", "eight", "five", "follow", "forward",
    "four", "go", "happy", "house", "learn", "left", "marvin", "nine", "no", "off", "on", "one",
    "right", "seven", "sheila", "six", "stop", "three", "tree", "two", "up", "visual", "wow",
    "yes", "zero",
)
SILENCE = "silence"
UNKNOWN = "unknown"
KEYWORD_LABELS = COMMAND_WORDS + (SILENCE, UNKNOWN)


@dataclass
class Word:
    text: str
    start: float
    end: float
    confidence: float

    def to_dict(self) -> dict:
        return {"text": self.text, "start": round(float(self.start), 2), "end": round(float(self.end), 2),
                "confidence": round(float(self.confidence), 4)}


@dataclass
class Segment:
    start: float
    end: float
    text: str
    words: list[Word] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"start": round(float(self.start), 2), "end": round(float(self.end), 2), "text": self.text,
                "words": [w.to_dict() for w in self.words]}


@dataclass
class Transcript:
    text: str
    language: str | None
    segments: list[Segment] = field(default_factory=list)
    complete: bool = True  # False: stopped at the deadline; `segments` cover the start only
    keyword: dict | None = None  # {"label": ..., "confidence": ...} for command-length clips
    processed_s: float = 0.0  # seconds of the recording covered (all of it when complete)

    def to_dict(self) -> dict:
        return {"language": self.language, "text": self.text,
                "segments": [s.to_dict() for s in self.segments],
                "keyword": self.keyword, "complete": self.complete}


class AsrEngine(Protocol):
    """What the worker needs of a speech-to-text engine. Load models in `__init__` (once per
    process)."""

    name: str
    version: str

    def transcribe(self, samples: np.ndarray, sample_rate: int = 16000, *,
                   deadline: float | None = None, language: str | None = None) -> Transcript:
        """Mono float32 samples -> transcript. Stops before `deadline` (time.monotonic()) and
        returns what it has with complete=False rather than running over. `language`: the
        spoken language when known (a code of chalicelib.languages); None: detect it."""

    def language_of(self, samples: np.ndarray, sample_rate: int = 16000) -> str | None:
        """The language `transcribe` would detect in `samples` (None: nothing is said there)."""


def join_text(segments: list[Segment]) -> str:
    return " ".join(s.text.strip() for s in segments if s.text.strip())
