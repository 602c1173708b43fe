"""The default speech engine with its real model (Whisper base via faster-whisper), no mocks, on
speech-dev recordings converted at test time into the formats browsers upload."""
from __future__ import annotations

import time

import numpy as np
import pytest

from chalicelib.engines.asr import ENGINES, get_engine
from chalicelib.engines.asr.base import KEYWORD_LABELS, Transcript
from chalicelib.engines.asr.whisper import window_frames
from chalicelib.errors import EngineUnavailable
from chalicelib.media.audio import decode
from tests.engines.asr.audiofiles import encode, read_wav, speech_dev

LIMITS = {"max_bytes": 20_000_000, "max_seconds": 900.0}


@pytest.fixture(scope="module")
def engine():
    return get_engine("whisper")  # the registry's instance: built once per process


def _norm(text: str) -> list[str]:
    from whisper_normalizer.english import EnglishTextNormalizer

    return EnglishTextNormalizer()(text).split()


def test_registry():
    assert set(ENGINES) >= {"whisper", "whisper-tiny"}
    with pytest.raises(EngineUnavailable, match="Unknown"):
        get_engine("nope")


def test_browser_recording_to_text_with_word_timings(engine):
    samples, rate = read_wav("asr/goforward.wav")
    audio = decode(encode(samples, rate, "webm-opus"), **LIMITS)  # what Chrome uploads
    tr = engine.transcribe(audio.samples)
    assert isinstance(tr, Transcript) and tr.complete and tr.language == "en"
    assert _norm(tr.text) == ["go", "forward", "10", "meters"]
    words = [w for s in tr.segments for w in s.words]
    assert [w.text.strip(".,").lower() for w in words][:2] == ["go", "forward"]
    last = 0.0
    for w in words:
        assert 0.0 <= w.start <= w.end <= audio.duration + 0.05
        assert w.start >= last - 0.05
        last = w.end
        assert 0.0 <= w.confidence <= 1.0
    # "go" is said at ~0.5 s, "meters" ends at ~2.3 s. Whisper base's cross-attention timings
    # are coarse (here "meters" ends at ~1.8 s): check they are plausible, not exact.
    assert words[0].start < 0.8 and words[-1].end > 1.5
    assert tr.keyword is None  # 2.8 s is longer than a command clip
    d = tr.to_dict()
    assert set(d["segments"][0]) == {"start", "end", "text", "words"}
    assert set(d["segments"][0]["words"][0]) == {"text", "start", "end", "confidence"}


def test_version_names_the_model(engine):
    assert engine.name == "whisper"
    assert "faster-whisper" in engine.version and "whisper-base" in engine.version


def test_silence_is_empty_text(engine):
    tr = engine.transcribe(np.zeros(5 * 16000, np.float32))
    assert tr.text == "" and tr.segments == [] and tr.complete
    # Low noise, not digital zeros: the voice detector hears nothing either.
    rng = np.random.default_rng(3)
    tr = engine.transcribe((rng.standard_normal(4 * 16000) * 0.002).astype(np.float32))
    assert tr.text == "" and tr.complete


def test_one_second_command_clip(engine):
    audio = decode(speech_dev("kws/tflite-micro_yes_1000ms.wav").read_bytes(), **LIMITS)
    assert audio.duration == pytest.approx(1.0, abs=0.01)
    tr = engine.transcribe(audio.samples)
    assert tr.keyword["label"] == "yes"
    assert 0.5 < tr.keyword["confidence"] <= 1.0
    silence = decode(speech_dev("kws/tflite-micro_silence_1000ms.wav").read_bytes(), **LIMITS)
    kw = engine.transcribe(silence.samples).keyword
    assert kw["label"] == "silence" and kw["label"] in KEYWORD_LABELS


def test_stereo_44k_input_array(engine):
    # The engine also takes other rates and (n, 2) arrays, not only the intake's output.
    samples, rate = read_wav("asr/cards_001.wav")
    from tests.engines.asr.audiofiles import resample

    x = resample(samples, rate, 44100)
    tr = engine.transcribe(np.stack([x, x], axis=1), 44100)
    assert _norm(tr.text)[:2] == ["10", "of"]


def test_deadline_already_passed_stops_at_once(engine):
    samples, _ = read_wav("asr/librivox_sense_and_sensibility_01_austen_64kb-0870.wav")
    cpu = time.process_time()
    tr = engine.transcribe(samples, deadline=time.monotonic())
    assert time.process_time() - cpu < 1.0  # nothing decoded (a chunk is seconds of CPU)
    assert tr.complete is False and tr.processed_s == 0.0 and tr.text == ""


def test_long_recording_in_chunks_and_deadline(engine):
    # Two utterances 40 s apart: two chunks, the silence between them never decoded.
    a, _ = read_wav("asr/librivox_sense_and_sensibility_01_austen_64kb-0880.wav")
    b, _ = read_wav("asr/librivox_sense_and_sensibility_01_austen_64kb-0870.wav")
    gap = np.zeros(40 * 16000, np.float32)
    rec = np.concatenate([a, gap, b])
    chunks = engine.chunks(engine.speech_regions(rec))
    assert len(chunks) == 2 and chunks[1][0] / 16000 > 40
    whole = engine.transcribe(rec)
    assert whole.complete
    assert "young man" in whole.text.lower() and "dashwood" in whole.text.lower()
    second = [s for s in whole.segments if s.start > 40]
    assert second and second[0].words[0].start > 42.5  # times from the start of the recording
    # A deadline with room for the first chunk only, at the fixed planned rate (the second chunk
    # needs 8 s more): exactly the first chunk's words, however fast or slow the machine is.
    cfg = engine.config
    first_cost = cfg.chunk_overhead_s + cfg.planned_rtf * (chunks[0][1] - chunks[0][0]) / 16000
    assert engine.planned(chunks, first_cost + 4.0) == 1
    t = time.monotonic()
    cut = engine.transcribe(rec, deadline=t + first_cost + 4.0)
    assert not cut.complete and cut.processed_s == pytest.approx(chunks[1][0] / 16000)
    assert cut.segments == [s for s in whole.segments if s.end < 40]


def test_the_plan_is_the_chunks_and_the_budget_alone(engine):
    # No time estimate learnt from chunks already done: after a slow chunk (a loaded machine)
    # the same recording and deadline would get fewer chunks.
    chunks = [(0, 20 * 16000), (30 * 16000, 50 * 16000), (60 * 16000, 80 * 16000)]
    assert engine.planned(chunks, 1e9) == 3
    assert engine.planned(chunks, 2 * (engine.config.chunk_overhead_s + 20 * engine.config.planned_rtf)) == 2
    assert engine.planned(chunks, 0.0) == 0


def test_chunks_never_exceed_the_window(engine):
    sr = 16000
    regions = [(i * 10 * sr, i * 10 * sr + 8 * sr) for i in range(10)]  # 8 s speech every 10 s
    chunks = engine.chunks(regions)
    assert all(e - s <= engine.config.chunk_seconds * sr for s, e in chunks)
    assert chunks[0][0] == 0 and chunks[-1][1] == regions[-1][1]


def _encoder_inputs(monkeypatch) -> list[tuple[int, ...]]:
    """The feature shapes of every real encoder pass from now on (a spy; the model runs)."""
    from faster_whisper import WhisperModel

    real = WhisperModel.encode
    seen: list[tuple[int, ...]] = []

    def spy(self, features):
        seen.append(tuple(features.shape))
        return real(self, features)

    monkeypatch.setattr(WhisperModel, "encode", spy)
    return seen


def test_one_encoder_pass_on_whispers_30_second_window(engine, monkeypatch):
    # 3 s: longer than a command clip, so its language is detected (Config.language is None).
    samples, _ = read_wav("asr/librivox_sense_and_sensibility_01_austen_64kb-0880.wav")
    seen = _encoder_inputs(monkeypatch)
    tr = engine.transcribe(samples)
    assert tr.language == "en"
    assert _norm(tr.text) == _norm("he was not an ill disposed young man")
    # One pass for the language and the transcript, on Whisper's 30 s of mel frames.
    assert seen == [(80, 3000)]
    # A command clip: one pass for its transcript and its keyword.
    seen.clear()
    yes = decode(speech_dev("kws/tflite-micro_yes_1000ms.wav").read_bytes(), **LIMITS)
    assert engine.transcribe(yes.samples).keyword["label"] == "yes"
    assert seen == [(80, 3000)]


def test_window_grows_with_the_chunk():
    assert window_frames(3.0, 15.0) == 1500
    assert window_frames(20.0, 15.0) == 2100  # the chunk and 1 s of padding
    assert window_frames(28.0, 15.0) == 2900
    assert window_frames(3.0, 30.0) == 3000


def test_a_segment_holds_its_words_and_they_run_forward(engine, monkeypatch):
    """Whisper's word times (cross-attention) and segment times (timestamp tokens) disagree now
    and then by a quarter second: a segment starting after its first word, a word starting
    before the last one ended. The result says times run forward within a segment (CONTRACTS)."""
    import dataclasses
    from types import SimpleNamespace as W

    monkeypatch.setattr(engine, "config", dataclasses.replace(engine.config, drop_unsaid=False))
    found = [W(start=1.12, end=3.0, text=" He was not", words=[
        W(word=" He", start=0.88, end=1.2, probability=0.9), W(word=" was", start=1.1, end=1.4, probability=0.9),
        W(word=" not", start=1.5, end=3.2, probability=0.9)])]
    [segment] = engine._kept(iter(found), np.zeros(16000 * 4, np.float32), 16000 * 40, 16000 * 44)
    times = [segment.start] + [t for w in segment.words for t in (w.start, w.end)] + [segment.end]
    assert times == sorted(times) and segment.start == pytest.approx(40.88) and segment.end == pytest.approx(43.2)
    assert [w.text for w in segment.words] == ["He", "was", "not"] and segment.words[1].start == pytest.approx(41.2)


def _decode_calls(engine, monkeypatch) -> list[dict]:
    """The keyword arguments of each decoding of the engine's model."""
    calls, real = [], engine._model.transcribe

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(engine._model, "transcribe", spy)
    return calls


def test_a_window_decoded_into_a_loop_is_decoded_again_with_a_penalty_and_the_same_every_time(engine, monkeypatch):
    import dataclasses

    from chalicelib.engines.asr.whisper import Config, WhisperEngine

    samples, _ = read_wav("asr/librivox_sense_and_sensibility_01_austen_64kb-0880.wav")
    # Every segment counts as a loop at a threshold under any text's compression ratio: the
    # window is decoded again, with the penalty and still without temperature.
    looping = WhisperEngine(dataclasses.replace(Config(), compression_ratio_threshold=0.1))
    calls = _decode_calls(looping, monkeypatch)
    first = looping.transcribe(samples)
    assert [c.get("repetition_penalty") for c in calls] == [None, looping.config.retry_repetition_penalty]
    assert all(c["temperature"] == (0.0,) for c in calls)
    assert _norm(first.text) == _norm("he was not an ill disposed young man")
    assert looping.transcribe(samples).text == first.text
    # At Whisper's threshold (real speech, no loop), one decoding.
    calls = _decode_calls(engine, monkeypatch)
    assert _norm(engine.transcribe(samples).text) == _norm(first.text)
    assert len(calls) == 1


def _heard(*spans: tuple[float, float]) -> list:
    from chalicelib.engines.asr.base import Segment, Word

    return [Segment(start=a, end=b, text="w", words=[Word(text="w", start=a, end=b, confidence=0.9)])
            for a, b in spans]


def test_a_chunk_is_decoded_again_from_the_first_region_after_its_last_heard_word(engine):
    sr = 16000
    regions = [(1 * sr, 4 * sr), (5 * sr, 9 * sr), (10 * sr, 20 * sr)]
    # Heard up to 4.1 s: the region at 5 s (its voice after its 0.4 s of padding) was never heard.
    assert engine.unheard(regions, _heard((1.2, 2.0), (2.5, 4.1)), 1 * sr, 20 * sr) == 5 * sr
    # A last word timed into a region's padding (coarse timings: within half of it) still leaves
    # that region unheard; one timed further into it means its words were heard: the next one.
    assert engine.unheard(regions, _heard((1.2, 5.15)), 1 * sr, 20 * sr) == 5 * sr
    assert engine.unheard(regions, _heard((1.2, 5.5)), 1 * sr, 20 * sr) == 10 * sr
    # Heard to the chunk's last region, or nothing heard at all: done.
    assert engine.unheard(regions, _heard((10.5, 19.0)), 1 * sr, 20 * sr) is None
    assert engine.unheard(regions, [], 1 * sr, 20 * sr) is None
    # Only the chunk's own regions.
    assert engine.unheard(regions, _heard((1.2, 4.1)), 1 * sr, 9 * sr) == 5 * sr
    assert engine.unheard(regions, _heard((5.2, 8.0)), 5 * sr, 9 * sr) is None


def test_a_decoding_ended_with_voice_left_goes_on_at_the_next_pause(engine, monkeypatch):
    """Whisper ends a window's decoding when it takes the rest for silence, and faster-whisper
    skips to the window's end: in a long recording's chunk of several voices, utterances VAD
    hears were lost whole (issue 78). The chunk is decoded again from the next speech region
    after the last heard word, at a pause, until its voice is heard or a decoding hears nothing."""
    sr = 16000
    rec = np.concatenate([read_wav("asr/librivox_sense_and_sensibility_01_austen_64kb-0880.wav")[0]] * 6)
    regions = [(0, 3 * sr), (4 * sr, 8 * sr), (9 * sr, 12 * sr), (13 * sr, 16 * sr)]
    monkeypatch.setattr(engine, "speech_regions", lambda audio: regions)
    assert engine.chunks(regions) == [(0, 16 * sr)]
    # Stand-in decodings: the first stops after the first utterance, the second hears two, the
    # third (from 13 s) the last.
    said = {0: _heard((0.5, 2.6)), 4 * sr: _heard((4.5, 6.0), (9.5, 11.6)), 13 * sr: _heard((13.4, 15.5))}
    starts = []

    def decoded(audio, start, end, language, short):
        starts.append((start, end))
        return said[start]

    monkeypatch.setattr(engine, "_decoded", decoded)
    tr = engine.transcribe(rec, language="en")
    assert starts == [(0, 16 * sr), (4 * sr, 16 * sr), (13 * sr, 16 * sr)]
    assert [(s.start, s.end) for s in tr.segments] == [(0.5, 2.6), (4.5, 6.0), (9.5, 11.6), (13.4, 15.5)]
    assert tr.complete
    # A resumed decoding that hears nothing ends the chunk (noise VAD took for speech costs one pass).
    starts.clear()
    said[4 * sr] = []
    assert [(s.start, s.end) for s in engine.transcribe(rec, language="en").segments] == [(0.5, 2.6)]
    assert starts == [(0, 16 * sr), (4 * sr, 16 * sr)]
