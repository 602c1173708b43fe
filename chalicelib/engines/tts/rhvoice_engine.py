"""RHVoice: clearer standard voices for Russian and Ukrainian than espeak-ng's (offline).

Debian's `rhvoice` (non-free section for the voices) ships `RHVoice-test`, which speaks the text
on its standard input into a 24 kHz WAV file. Of the voices in `rhvoice-russian` and
`rhvoice-ukrainian` only two are licensed for commercial use (aleksandr-hq: CC BY-SA 4.0;
volodymyr: CC BY-ND 4.0); most others are CC BY-NC-ND 4.0, so this engine speaks with no other.
RHVoice speaks with its first installed voice when the one asked for is missing: the voice's own
files are checked first. It gives no timings (the caller estimates them). Plain text: no SSML.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from chalicelib.engines.tts.base import Audio, concat, pieces, program_audio
from chalicelib.errors import EngineUnavailable, Internal

# The only voices whose licences allow commercial use; their language.
VOICES = {"aleksandr-hq": "Russian", "volodymyr": "Ukrainian"}
VOICES_DIR = Path("/usr/share/RHVoice/voices")
LANGUAGES_DIR = Path("/usr/share/RHVoice/languages")
SAMPLE_RATE = 24000


@dataclass(frozen=True)
class RhvoiceConfig:
    voice: str = "aleksandr-hq"  # aleksandr-hq (ru) or volodymyr (uk): no other is licensed for commercial use
    binary: str = "RHVoice-test"  # a name on PATH or a path
    timeout_seconds: int = 60  # per piece of at most 200 characters (~0.6 s of CPU)


class RhvoiceEngine:
    name = "rhvoice"
    Config = RhvoiceConfig
    ENV_PREFIX = "PAGEVOICE_RHVOICE_"

    def __init__(self, config: RhvoiceConfig | None = None) -> None:
        self.cfg = config or RhvoiceConfig()
        if self.cfg.voice not in VOICES:
            raise EngineUnavailable(f"PageVoice may not use the RHVoice voice '{self.cfg.voice}': only "
                                    f"{' and '.join(VOICES)} are licensed for commercial use.")
        self._binary = shutil.which(self.cfg.binary)
        if self._binary is None:
            raise EngineUnavailable(
                "The RHVoice voices are not installed here (RHVoice-test was not found): install rhvoice, "
                "rhvoice-russian and rhvoice-ukrainian (Debian, non-free section) or choose another voice.")
        voice_info = _info(VOICES_DIR / self.cfg.voice / "voice.info")
        if voice_info is None:
            raise EngineUnavailable(
                f"The RHVoice voice '{self.cfg.voice}' is not installed here: install "
                f"rhvoice-{VOICES[self.cfg.voice].lower()} (Debian, non-free section) or choose another voice.")
        language = _info(LANGUAGES_DIR / VOICES[self.cfg.voice] / "language.info") or {}
        self.voice = self.cfg.voice
        self.sample_rate = SAMPLE_RATE
        self.version = (f"rhvoice {self.voice} revision {voice_info.get('revision', '?')}, "
                        f"{VOICES[self.voice]} revision {language.get('revision', '?')}")

    def synthesize(self, text: str) -> Audio:
        said = [self._piece(p) for p in pieces(text)]
        said = [a for a in said if len(a.samples)]
        return concat(said) if said else Audio(np.zeros(0, dtype=np.int16), SAMPLE_RATE)

    def _piece(self, text: str) -> Audio:
        audio = program_audio("RHVoice", lambda out: [self._binary, "-p", self.voice, "-R", str(SAMPLE_RATE), "-o", out],
                              text, timeout=self.cfg.timeout_seconds, stdin=text.encode("utf-8"))
        if audio is None:  # nothing to say (punctuation only): no file, exit 0
            return Audio(np.zeros(0, dtype=np.int16), SAMPLE_RATE)
        if audio.sample_rate != SAMPLE_RATE:
            raise Internal("RHVoice wrote audio in an unexpected format.")
        return audio


def _info(path: Path) -> dict[str, str] | None:
    """An RHVoice `key=value` info file, or None when it is missing."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    return dict(line.split("=", 1) for line in lines if "=" in line)
