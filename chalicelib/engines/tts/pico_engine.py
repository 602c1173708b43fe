"""SVOX Pico: clear standard voices for en-US, en-GB, de-DE, es-ES, fr-FR and it-IT (offline).

Debian's `libttspico-utils` (non-free section; Apache-2.0) ships `pico2wave`, which speaks one
text into a 16 kHz WAV file. It gives no timings (the caller estimates them). It reads markup
in the text: `<play file="...">` would put any WAV file of this machine into the speech, so
angle brackets never reach it from the text; only our own `<speed>` tag wraps it.
"""
from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass

import numpy as np

from chalicelib.engines.tts.base import Audio, concat, pieces, program_audio
from chalicelib.errors import EngineUnavailable, Internal

VOICES = ("en-US", "en-GB", "de-DE", "es-ES", "fr-FR", "it-IT")
SAMPLE_RATE = 16000
_MARKUP = str.maketrans("<>", "  ")
# Pace in percent of the voice's own. The Italian voice runs short words into the next ("ed
# eguali" heard as "edeguali", "in dignità" as "indimità"). Whisper base's word error rate on
# Italian, UDHR text / everyday sentences: 0.24 / 0.15 at 100%, 0.12 / 0.12 at 80%; every pace
# from 70% to 90% helped on the UDHR text, on the everyday sentences only 75-82% did
# (bench/pico_voice.py). fr, de, es keep their own pace.
SPEEDS = {"it-IT": 80}
SPEED_RANGE = (20, 500)  # what SVOX Pico accepts


@dataclass(frozen=True)
class PicoConfig:
    voice: str = "en-US"  # one of VOICES
    binary: str = "pico2wave"  # a name on PATH or a path
    timeout_seconds: int = 60  # per piece of at most 200 characters (~1 s of CPU)


class PicoEngine:
    name = "pico"
    Config = PicoConfig
    ENV_PREFIX = "PAGEVOICE_PICO_"

    def __init__(self, config: PicoConfig | None = None, *, speed: int | None = None) -> None:
        """`speed`: percent of the voice's own pace; None: SPEEDS' choice for the voice (else 100)."""
        self.cfg = config or PicoConfig()
        self._binary = shutil.which(self.cfg.binary)
        if self._binary is None:
            raise EngineUnavailable(
                "The SVOX Pico voice is not installed here (pico2wave was not found): install "
                "libttspico-utils (Debian, non-free section) or choose another voice.")
        if self.cfg.voice not in VOICES:
            raise EngineUnavailable(f"SVOX Pico has no voice '{self.cfg.voice}'. Choose one of: {', '.join(VOICES)}.")
        self.voice = self.cfg.voice
        self.speed = SPEEDS.get(self.voice, 100) if speed is None else speed
        if not SPEED_RANGE[0] <= self.speed <= SPEED_RANGE[1]:
            raise EngineUnavailable(f"SVOX Pico cannot speak at {self.speed}% of its pace: choose "
                                    f"{SPEED_RANGE[0]} to {SPEED_RANGE[1]}.")
        self.sample_rate = SAMPLE_RATE
        self.version = f"svox-pico {_package_version()}"

    def synthesize(self, text: str) -> Audio:
        said = [self._piece(p) for p in pieces(text.translate(_MARKUP))]
        said = [a for a in said if len(a.samples)]
        return concat(said) if said else Audio(np.zeros(0, dtype=np.int16), SAMPLE_RATE)

    def _piece(self, text: str) -> Audio:
        said = text if self.speed == 100 else f'<speed level="{self.speed}">{text}</speed>'
        # "--": a text starting with "-" is words to say, not an option.
        audio = program_audio("SVOX Pico", lambda out: [self._binary, "-l", self.voice, "-w", out, "--", said], text,
                              timeout=self.cfg.timeout_seconds)
        if audio is None:  # pico2wave exits 0 even when it could not write the file
            raise Internal("SVOX Pico could not speak this text (no audio).")
        return audio


def _package_version() -> str:
    """Debian's version of libttspico-utils (pico2wave has no --version), or "unknown"."""
    try:
        done = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "libttspico-utils"],
                              capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else "unknown"
