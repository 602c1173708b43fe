"""Text-to-speech engines as plugins behind one protocol (`base.TtsEngine`)."""
from __future__ import annotations

from chalicelib import plugins
from chalicelib.tts.base import Audio, TtsEngine  # noqa: F401

ENGINES = {
    "piper": "chalicelib.tts.piper_engine:PiperEngine",
    "gtts": "chalicelib.tts.gtts_engine:GttsEngine",
}


def get_engine(name: str) -> TtsEngine:
    return plugins.choose("TTS", ENGINES, name)
