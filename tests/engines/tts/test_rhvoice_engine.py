"""RHVoice through the real RHVoice-test, with the only two voices PageVoice may use."""
from __future__ import annotations

import numpy as np
import pytest

from chalicelib import languages
from chalicelib.engines import tts
from chalicelib.engines.tts import rhvoice_engine
from chalicelib.engines.tts.rhvoice_engine import RhvoiceConfig, RhvoiceEngine
from chalicelib.errors import EngineUnavailable, Internal
from tests.engines.tts.test_pico import own_tmp  # noqa: F401 - temporary files go to the test's tmp_path

SENTENCES = {
    "aleksandr-hq": "Библиотека открывается в понедельник в девять часов.",
    "volodymyr": "Бібліотека відкривається в понеділок о дев'ятій годині.",
}


def engine(voice: str) -> RhvoiceEngine:
    return tts.get_engine("rhvoice", RhvoiceConfig(voice=voice))


def test_registered_with_name_version_and_voice():
    e = engine("volodymyr")
    assert isinstance(e, RhvoiceEngine) and e.name == "rhvoice" and e.voice == "volodymyr"
    assert e.version.startswith("rhvoice volodymyr revision ") and "?" not in e.version


@pytest.mark.usefixtures("own_tmp")
@pytest.mark.parametrize("voice", list(SENTENCES))
def test_speaks_a_sentence(voice, tmp_path):
    audio = engine(voice).synthesize(SENTENCES[voice])
    assert audio.sample_rate == 24000 and audio.samples.dtype == np.int16
    assert 2.0 < audio.seconds < 7.0  # ~3.9 s: 50-odd characters at a reading pace
    assert np.abs(audio.samples.astype(int)).max() > 3000
    assert audio.words is None  # no timings: the caller estimates
    assert list(tmp_path.iterdir()) == []


def test_the_two_voices_are_different_voices():
    text = "Добрий день."
    a, b = engine("aleksandr-hq").synthesize(text), engine("volodymyr").synthesize(text)
    assert len(a.samples) != len(b.samples) or not np.array_equal(a.samples, b.samples)


def test_long_text_is_spoken_in_pieces():
    text = " ".join(["Поезд отправляется в девять часов и прибывает в полдень"] * 6)  # 340 characters
    assert engine("aleksandr-hq").synthesize(text).seconds > 15


@pytest.mark.usefixtures("own_tmp")
def test_nothing_to_say(tmp_path):
    for text in ("", "  \n", "..."):
        audio = engine("aleksandr-hq").synthesize(text)
        assert len(audio.samples) == 0 and audio.sample_rate == 24000
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("voice", ["anna", "aleksandr", "marianna", "nobody", "../aleksandr-hq"])
def test_a_voice_not_cleared_for_use_is_refused(voice):
    with pytest.raises(EngineUnavailable, match=f"may not use the RHVoice voice '{voice}'"):
        RhvoiceEngine(RhvoiceConfig(voice=voice))


def test_an_allowed_voice_that_is_not_installed_is_engine_unavailable(tmp_path, monkeypatch):
    """RHVoice would speak with its first installed voice instead: never let it."""
    monkeypatch.setattr(rhvoice_engine, "VOICES_DIR", tmp_path)
    with pytest.raises(EngineUnavailable, match="install rhvoice-ukrainian"):
        RhvoiceEngine(RhvoiceConfig(voice="volodymyr"))


def test_missing_binary_is_engine_unavailable(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(EngineUnavailable, match="RHVoice-test was not found"):
        RhvoiceEngine(RhvoiceConfig(voice="aleksandr-hq"))


@pytest.mark.usefixtures("own_tmp")
def test_a_failing_binary_is_a_clear_error_and_leaves_nothing(tmp_path, tmp_path_factory):
    fake = tmp_path_factory.mktemp("bin") / "RHVoice-test"
    fake.write_text("#!/bin/sh\necho 'No voices found' >&2\nexit 1\n")
    fake.chmod(0o755)
    e = RhvoiceEngine(RhvoiceConfig(voice="aleksandr-hq", binary=str(fake)))
    with pytest.raises(Internal, match="No voices found"):
        e.synthesize("Добрый день.")
    assert list(tmp_path.iterdir()) == []


def test_the_table_speaks_russian_and_ukrainian_with_the_allowed_voices_and_espeak_after():
    for code, voice in (("ru", "aleksandr-hq"), ("uk", "volodymyr")):
        assert languages.get(code).voices == (languages.Voice("rhvoice", voice, "standard"),
                                              languages.Voice("espeak", code, "basic"))
    named = {v.name for lang in languages.table().values() for v in lang.voices if v.engine == "rhvoice"}
    assert named <= set(rhvoice_engine.VOICES)
