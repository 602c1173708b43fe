"""SVOX Pico through the real pico2wave, in the four languages it is the voice for; Italian
judged by the real Whisper base."""
from __future__ import annotations

import tempfile
import wave

import numpy as np
import pytest

from bench.languages import error_rate, sentences
from chalicelib.engines import asr, tts
from chalicelib.engines.tts.pico_engine import PicoConfig, PicoEngine
from chalicelib.errors import EngineUnavailable, Internal

SENTENCES = {
    "de-DE": "Die Bibliothek öffnet am Montag um neun Uhr.",
    "es-ES": "La biblioteca abre el lunes a las nueve.",
    "fr-FR": "La bibliothèque ouvre lundi à neuf heures.",
    "it-IT": "La biblioteca apre lunedì alle nove.",
}


def engine(voice: str) -> PicoEngine:
    return tts.get_engine("pico", PicoConfig(voice=voice))


@pytest.fixture
def own_tmp(tmp_path, monkeypatch):
    """Temporary files go to a folder of this test's own, to see that none is left."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def test_registered_with_name_version_and_voice():
    e = engine("fr-FR")
    assert isinstance(e, PicoEngine) and e.name == "pico" and e.voice == "fr-FR"
    assert e.version.startswith("svox-pico ") and e.version != "svox-pico unknown"


@pytest.mark.parametrize("voice", list(SENTENCES))
def test_speaks_a_sentence(voice, own_tmp):
    audio = engine(voice).synthesize(SENTENCES[voice])
    assert audio.sample_rate == 16000 and audio.samples.dtype == np.int16
    assert 1.5 < audio.seconds < 6.0
    assert np.abs(audio.samples.astype(int)).max() > 3000
    assert audio.words is None  # pico gives no timings: the caller estimates
    assert list(own_tmp.iterdir()) == []


def test_text_starting_with_a_dash_is_said_not_taken_for_an_option():
    audio = engine("fr-FR").synthesize("-bonjour à tous")
    assert audio.seconds > 0.8


def longest_flat_run(samples: np.ndarray) -> int:
    """The most consecutive equal non-zero samples: speech has none, a constant file has many."""
    change = np.flatnonzero(np.diff(samples.astype(int)) != 0)
    edges = np.concatenate([[-1], change, [len(samples) - 1]])
    runs = np.diff(edges)
    values = samples[edges[1:]]
    return int(runs[values != 0].max(initial=0))


@pytest.mark.parametrize("voice", ["en-US", "it-IT"])  # it-IT: the text inside our <speed> tag
def test_markup_in_the_text_cannot_play_a_file(voice, tmp_path):
    loud = tmp_path / "loud.wav"
    with wave.open(str(loud), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes((np.ones(16000) * 20000).astype("<i2").tobytes())
    audio = engine(voice).synthesize(f'one <play file="{loud}"/> two </speed> <play file="{loud}"/>')
    assert longest_flat_run(audio.samples) < 100  # the file's second of constant level is not in it


def test_italian_is_understood_by_whisper_base():
    """The languages benchmark's Italian sentences: at Pico's own pace Whisper base heard 18 of
    46 words wrong (short words run into the next: "edeguali" for "ed eguali"); slower, 9."""
    judge = asr.get_engine("whisper")
    wrong = total = 0
    for sentence in sentences("it"):
        audio = engine("it-IT").synthesize(sentence)
        heard = judge.transcribe(audio.samples.astype(np.float32) / 32768.0, audio.sample_rate, language="it")
        edits, n = error_rate(sentence, heard.text, "it")
        wrong, total = wrong + edits, total + n
    assert total == 46 and wrong / total <= 0.25


def test_italian_is_spoken_slower():
    said = SENTENCES["it-IT"]
    own_pace = PicoEngine(PicoConfig(voice="it-IT"), speed=100).synthesize(said)
    assert engine("it-IT").synthesize(said).seconds > 1.15 * own_pace.seconds


@pytest.mark.parametrize("voice", ["fr-FR", "de-DE", "es-ES"])
def test_the_other_voices_keep_their_own_pace(voice):
    own_pace = PicoEngine(PicoConfig(voice=voice), speed=100).synthesize(SENTENCES[voice])
    assert np.array_equal(engine(voice).synthesize(SENTENCES[voice]).samples, own_pace.samples)


def test_a_pace_pico_cannot_take_is_engine_unavailable():
    with pytest.raises(EngineUnavailable, match="cannot speak at 600% of its pace"):
        PicoEngine(PicoConfig(voice="it-IT"), speed=600)


def test_long_text_is_spoken_in_pieces():
    text = " ".join(["Le train part à neuf heures et arrive à midi"] * 8)  # 360 characters, no full stop
    audio = engine("fr-FR").synthesize(text)
    assert audio.seconds > 15


def test_nothing_to_say(own_tmp):
    for text in ("", "  \n", "<>"):
        audio = engine("it-IT").synthesize(text)
        assert len(audio.samples) == 0 and audio.sample_rate == 16000


def test_unknown_voice_is_engine_unavailable():
    with pytest.raises(EngineUnavailable, match="no voice 'pt-PT'"):
        PicoEngine(PicoConfig(voice="pt-PT"))


def test_missing_binary_is_engine_unavailable(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(EngineUnavailable, match="pico2wave was not found"):
        PicoEngine(PicoConfig(voice="de-DE"))


def test_a_failing_binary_is_a_clear_error_and_leaves_nothing(own_tmp, tmp_path_factory):
    bin_dir = tmp_path_factory.mktemp("bin")
    fake = bin_dir / "pico2wave"
    fake.write_text("#!/bin/sh\necho 'Cannot load lingware' >&2\nexit 1\n")
    fake.chmod(0o755)
    e = PicoEngine(PicoConfig(voice="de-DE", binary=str(fake)))
    with pytest.raises(Internal, match="Cannot load lingware"):
        e.synthesize("Guten Tag.")
    assert list(own_tmp.iterdir()) == []
