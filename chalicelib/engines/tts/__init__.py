"""Text-to-speech engines as plugins behind one protocol (`base.TtsEngine`)."""
from __future__ import annotations

from chalicelib import plugins
from chalicelib.engines.tts.base import Audio, TtsEngine  # noqa: F401

ENGINES = {
    "piper": "chalicelib.engines.tts.piper_engine:PiperEngine",
    "gtts": "chalicelib.engines.tts.gtts_engine:GttsEngine",
}


def get_engine(name: str, config=None) -> TtsEngine:
    """The named engine, built once per process and config (`config`: its Config; None: from
    the environment)."""
    return plugins.choose("TTS", ENGINES, name, config)
