"""A real recording of two people taking turns: the default voice (Piper's joe, a man's) and
Kokoro's af_heart (a woman's), a line each in turn with a pause between, as one 16 kHz WAV.
Real speech from real models (no AWS, no download beyond `make kokoro-voices`), the same bytes
each time (Piper deterministic, Kokoro's inference is): what the speaker tests diarize."""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

RATE = 16000
PAUSE_S = 0.7
LINES = (
    "Good morning, and welcome to the weekly planning meeting.",
    "Thank you. I have three things to report about the garden project.",
    "Please go ahead, we have plenty of time this morning.",
    "First, the new fence is finished and the gate now closes properly.",
    "That is good news. What about the water supply for the beds?",
    "The pipes were repaired on Tuesday, so every bed can be watered again.",
)


@dataclass(frozen=True)
class Turns:
    wav: bytes
    turns: list[tuple[float, float, int]]  # (start, end, who: 0 = joe, 1 = af_heart), seconds

    @property
    def seconds(self) -> float:
        return self.turns[-1][1] + PAUSE_S


@functools.lru_cache(maxsize=2)
def recording(lines: tuple[str, ...] = LINES) -> Turns:
    from chalicelib.engines.tts import base
    from chalicelib.engines.tts.kokoro_engine import KokoroConfig, KokoroEngine
    from chalicelib.engines.tts.piper_engine import PiperConfig, PiperEngine

    voices = (PiperEngine(PiperConfig(deterministic=True)), KokoroEngine(KokoroConfig(voice="af_heart")))
    pause = np.zeros(int(PAUSE_S * RATE), np.int16)
    pieces, turns, at = [pause], [], PAUSE_S
    for k, line in enumerate(lines):
        audio = base.resample(voices[k % 2].synthesize(line), RATE)
        pieces += [audio.samples.astype(np.int16), pause]
        turns.append((round(at, 3), round(at + audio.seconds, 3), k % 2))
        at += audio.seconds + PAUSE_S
    return Turns(base.to_wav(base.Audio(np.concatenate(pieces), RATE)), turns)
