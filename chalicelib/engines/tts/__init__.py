"""Text-to-speech engines as plugins behind one protocol (`base.TtsEngine`)."""
from __future__ import annotations

from chalicelib import plugins
from chalicelib.engines.tts.base import Audio, TtsEngine  # noqa: F401

ENGINES = {
    "piper": "chalicelib.engines.tts.piper_engine:PiperEngine",
    "gtts": "chalicelib.engines.tts.gtts_engine:GttsEngine",
}


get_engine = plugins.getter("TTS", ENGINES)
