"""What a listener hears in a recording: Whisper base's words and the voice's median pitch
(bench.voices' measure), so tests tell what was said and which voice said it."""
from __future__ import annotations


def heard(recording: bytes, language: str = "en") -> tuple[str, float | None]:
    """(the words Whisper base hears, lowercased without punctuation; the median pitch in Hz)."""
    from bench.voices import pitch
    from chalicelib.engines.asr.whisper import Config, WhisperEngine
    from chalicelib.media.audio import decode

    samples = decode(recording, max_bytes=50_000_000, max_seconds=60).samples
    text = WhisperEngine(Config(language=language)).transcribe(samples).text
    return " ".join("".join(c for c in text.lower() if c.isalnum() or c.isspace()).split()), pitch(samples)
