"""The default TTS engine, with the real bundled voice."""
from __future__ import annotations

import pytest

from chalicelib.engines import tts
from chalicelib.engines.tts.base import wav_info
from chalicelib.kinds import voice


def test_speaks_deterministically():
    engine = tts.get_engine("piper")
    a = engine.synthesize("Main Street Cafe, open twenty four hours.")
    b = engine.synthesize("Main Street Cafe, open twenty four hours.")
    assert a.sample_rate == 22050
    assert 1.0 < a.seconds < 6.0
    assert a.samples.tobytes() == b.samples.tobytes()  # PAGEVOICE_TTS_DETERMINISTIC in tests
    assert abs(int(a.samples.astype(int).max())) > 1000  # not silence


@pytest.mark.slow
def test_long_unpunctuated_text_is_split():
    text = " ".join(["receipt total amount due"] * 40)  # ~1,000 characters, one "sentence"
    speech = voice.speak(text, tts_engine="piper")
    assert wav_info(speech.wav)[3] > 20  # every piece spoken
    assert speech.info["complete"] and speech.info["characters"] == len(text)


def test_empty_text_gives_no_wav():
    assert voice.speak("  \n ", tts_engine="piper").wav is None
