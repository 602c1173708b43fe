"""Text-to-speech engines as plugins behind one protocol (`base.TtsEngine`)."""
from __future__ import annotations

from chalicelib import plugins
from chalicelib.engines.tts.base import Audio, TtsEngine  # noqa: F401

ENGINES = {
    "piper": "chalicelib.engines.tts.piper_engine:PiperEngine",
    "gtts": "chalicelib.engines.tts.gtts_engine:GttsEngine",
    "espeak": "chalicelib.engines.tts.espeak_engine:EspeakEngine",
    "pico": "chalicelib.engines.tts.pico_engine:PicoEngine",
    "kokoro": "chalicelib.engines.tts.kokoro_engine:KokoroEngine",
    "rhvoice": "chalicelib.engines.tts.rhvoice_engine:RhvoiceEngine",
}


get_engine = plugins.getter("TTS", ENGINES)
