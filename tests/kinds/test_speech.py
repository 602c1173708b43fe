"""The speech kind: its declaration, and its work on real recordings (no AWS)."""
from __future__ import annotations

import pytest

from chalicelib import kinds
from chalicelib.errors import AudioError
from tests.engines.asr.audiofiles import speech_dev
from tests.results import validate_result


def test_declaration():
    kind = kinds.get("speech")
    assert kind.accepts("audio/webm") and kind.accepts("audio/mp4") and not kind.accepts("image/png")
    assert kind.outputs == () and kind.limits()["max_seconds"] == 4 * 3600


@pytest.mark.slow
def test_a_recording_is_transcribed_with_word_times():
    out = kinds.get("speech").run(speech_dev("asr/goforward.flac").read_bytes())
    validate_result(out.result)
    assert out.files == {}  # the upload is the audio
    result = out.result
    assert "forward" in result["text"].lower() and result["complete"] is True
    assert 2.5 < result["duration_s"] < 3.1 and result["audio"]["format"] == "flac"
    words = [w for s in result["segments"] for w in s["words"]]
    assert [w["text"].strip(".").lower() for w in words][:2] == ["go", "forward"]
    assert all(0 <= w["start"] < w["end"] <= result["duration_s"] + 0.1 for w in words)


def test_not_audio_fails_with_a_reason():
    with pytest.raises(AudioError):
        kinds.get("speech").run(b"this is a text file, not a recording" * 10)
