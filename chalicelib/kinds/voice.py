"""Reading text aloud within a time budget: what every kind that makes a `speech.wav` shares."""
from __future__ import annotations

import time
from dataclasses import dataclass

from chalicelib import settings
from chalicelib.engines import tts
from chalicelib.engines.tts.base import concat, pieces, to_wav


@dataclass
class Speech:
    wav: bytes | None  # None when there is nothing to say
    info: dict | None  # result["speech"]: engine, seconds, characters spoken, complete


def speak(text: str, *, tts_engine: str | None = None, deadline: float | None = None) -> Speech:
    """Text -> WAV, piece by piece (sentences, then <= 200 characters on word boundaries).

    The recording stops after the piece that ends past `deadline` (time.monotonic) or past
    `settings.tts_max_seconds` of synthesis, whichever comes first: a worker that ran out of
    time would lose the whole job (and be retried into the same wall), so a very long text gets
    a recording of its beginning instead, and `info["complete"]` says so. Empty text is not an
    error: no WAV.
    """
    s = settings.get()
    end = time.monotonic() + s.tts_max_seconds
    if deadline is not None:
        end = min(end, deadline)
    engine = tts.get_engine(tts_engine or s.tts_engine)
    parts, spoken, complete = [], 0, True
    for piece in pieces(text):
        if parts and time.monotonic() >= end:
            complete = False
            break
        audio = engine.synthesize(piece)
        spoken += len(piece) + (1 if spoken else 0)
        if len(audio.samples):
            parts.append(audio)
    if not parts:
        return Speech(None, None)
    audio = concat(parts)
    return Speech(to_wav(audio), {"engine": engine.name, "seconds": round(audio.seconds, 2),
                                  "characters": spoken, "complete": complete})


def warm_up() -> None:
    """Load the configured voice now."""
    tts.get_engine(settings.get().tts_engine)
