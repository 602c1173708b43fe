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


def test_a_transcript_has_paragraphs_at_long_pauses_and_sentences_by_time():
    from chalicelib.kinds.speech import outline

    def seg(start, end, *words):
        step = (end - start) / len(words)
        return {"start": start, "end": end, "text": " ".join(words),
                "words": [{"text": w, "start": start + i * step, "end": start + (i + 1) * step} for i, w in enumerate(words)]}

    segments = [seg(0.0, 2.0, "Good", "morning."), seg(2.5, 5.0, "Today", "we", "start"),
                seg(5.2, 6.0, "late."), seg(9.0, 11.0, "Questions?", "Yes")]
    sentences = outline.shape(segments)
    assert [bool(s.get("paragraph")) for s in segments] == [True, False, False, True]  # a 3 s pause
    assert sentences == [{"start": 0.0, "end": 2.0}, {"start": 2.5, "end": 6.0},
                         {"start": 9.0, "end": 10.0}, {"start": 10.0, "end": 11.0}]
    assert outline.shape([]) == []


def test_a_long_recording_has_chapters_at_its_windows_minutes_apart_titled_by_their_first_words():
    from chalicelib.kinds import plan

    starts = [(0.0, 0, ""), (26.0, 0, "Good morning everyone and welcome to the second lecture on rivers"),
              (80.0, 9, "so"), (300.0, 30, "Now the delta."), (600.0, 70, "Questions")]
    assert plan.chapters(starts) == [
        {"title": "Good morning everyone and welcome to the second…", "level": 1, "start": 26.0, "segment": 0},
        {"title": "Now the delta.", "level": 1, "start": 300.0, "segment": 30},
        {"title": "Questions", "level": 1, "start": 600.0, "segment": 70}]
    assert plan.opening("He might even have been made amiable himself. Had he") == "He might even have been made amiable himself."


def test_a_window_is_no_longer_than_one_invocation_transcribes(monkeypatch):
    """A window whose chunks the worker's time could not hold would be cut short in every shard:
    windows shrink to what the timeout holds at the pace the engine plans by."""
    from types import SimpleNamespace

    from chalicelib.kinds.speech import long

    engine = SimpleNamespace(config=SimpleNamespace(planned_rtf=1.0, chunk_overhead_s=0.5))
    sizes = {}
    for timeout in (30, 120, 900):
        monkeypatch.setenv("PAGEVOICE_WORKER_TIMEOUT_SECONDS", str(timeout))
        sizes[timeout] = round(long.longest_window(engine))
    assert sizes == {30: 30, 120: 86, 900: 300}
