"""The speech engines as the worker and the benchmark get them: by name, configured from the
environment under each engine's own prefix."""
from __future__ import annotations

import pytest

from chalicelib.engines import asr


@pytest.mark.slow
def test_each_name_builds_its_own_model(monkeypatch):
    monkeypatch.delenv("PAGEVOICE_ASR_MODEL", raising=False)
    base, tiny = asr.get_engine("whisper"), asr.get_engine("whisper-tiny")
    assert "whisper-base" in base.version and "tiny.en" in tiny.version
    assert base.config.model == "base" and tiny.config.model == "tiny.en"


def test_the_base_models_config_reads_its_prefix(monkeypatch):
    from chalicelib import plugins

    monkeypatch.setenv("PAGEVOICE_ASR_THREADS", "1")
    engine_class = plugins.engine_class("speech", "whisper", asr.ENGINES["whisper"])
    assert plugins.default_config(engine_class).threads == 1


@pytest.mark.slow
def test_the_speech_benchmark_changes_decoding_settings_by_name():
    from bench.speech import _engine

    spec = "whisper:beam_size=1:temperatures=0.0/0.4:vad=false"
    engine = _engine(spec)
    assert (engine.config.beam_size, engine.config.temperatures, engine.config.vad) == (1, (0.0, 0.4), False)
    assert engine.config.model == "base" and engine is _engine(spec)  # built once per config
    with pytest.raises(AttributeError):
        _engine("whisper:beam=1")  # a misspelt field is an error, not ignored
