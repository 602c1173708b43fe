"""The voice catalog (CONTRACTS section 16): every shipped voice, its quality as measured by
bench.voices, each language's default first."""
from __future__ import annotations

import pytest

from chalicelib import languages, voices
from chalicelib.voices import Measured


def _measured(rate: float) -> Measured:
    return Measured("WER", int(rate * 100), 100, rate, 0.5, 150.0)


@pytest.fixture
def judged(monkeypatch):
    """A measured table of our own: af_heart and joe within the goal, am_adam over neural's but
    within basic's, bm_lewis over both, hf_alpha (Hindi's default) over both and hf_beta too but
    no worse, hm_psi worse."""
    table = {("kokoro:af_heart", "en"): _measured(0.05), ("piper:joe", "en"): _measured(0.1),
             ("kokoro:am_adam", "en"): _measured(0.4), ("kokoro:bm_lewis", "en"): _measured(0.7),
             ("kokoro:hf_alpha", "hi"): _measured(0.9), ("kokoro:hf_beta", "hi"): _measured(0.85),
             ("kokoro:hm_psi", "hi"): _measured(0.95)}
    monkeypatch.setattr(voices, "measured", lambda: table)
    return table


def _by_id(language: str) -> dict:
    return {v.id: v for v in voices.catalog("piper") if v.language == language}


def test_only_voices_within_their_goal_are_neural(judged):
    en = _by_id("en")
    assert en["kokoro:af_heart"].quality == "neural"
    assert en["kokoro:am_adam"].quality == "basic"  # missed 0.25, met basic's 0.5
    assert "kokoro:bm_lewis" not in en  # missed both: not offered
    assert "kokoro:bf_emma" not in en  # never measured: not offered
    assert voices.find("kokoro:hf_alpha", "hi").quality == "basic"  # a default stays, as what it measured
    hi = _by_id("hi")
    assert hi["kokoro:hf_beta"].quality == "basic" and "kokoro:hm_psi" not in hi  # vs the default


def test_the_default_comes_first_then_the_best_understood(judged):
    en = [v for v in voices.catalog("piper") if v.language == "en"]
    assert en[0].id == "piper:joe" and en[0].default and not any(v.default for v in en[1:])
    assert [v.id for v in en[1:]] == ["kokoro:af_heart", "kokoro:am_adam"]


def test_basic_voices_need_no_measure_and_a_language_without_a_voice_has_none(judged):
    el = _by_id("el")
    assert list(el) == ["espeak:el"] and el["espeak:el"].quality == "basic" and el["espeak:el"].default
    assert not _by_id("gl")  # Galician is read, not spoken


def test_every_shipped_voice_is_described():
    described = voices.described()
    assert len([i for i, _ in described if i.startswith("kokoro:")]) == 54  # all of Kokoro v1.0's voices
    for (i, code), (accent, description, licence) in described.items():
        engine, _, name = i.partition(":")
        assert engine in languages.QUALITY and languages.get(code) and accent and description and licence
    for code, language in languages.table().items():  # the languages table's voices are all described
        for v in language.voices:
            assert v.engine == "espeak" or (f"{v.engine}:{v.name}", code) in described


def test_with_gtts_chosen_google_speaks_by_default(judged):
    fr = [v for v in voices.catalog("gtts") if v.language == "fr"]
    assert fr[0].id == "gtts:fr" and fr[0].default and "Google" in fr[0].licence


def test_the_committed_table_lists_kokoros_english_voices():
    """bench.voices' verdicts (chalicelib/voices/measured.tsv) make some of Kokoro's English
    voices choices, the default stays piper's."""
    en = _by_id("en")
    assert next(iter(en)) == "piper:joe"
    assert any(i.startswith("kokoro:a") for i in en) and any(i.startswith("kokoro:b") for i in en)
    for v in en.values():
        if v.quality in ("neural", "standard"):
            assert v.measured.error_rate <= 0.25 and v.measured.cpu_per_second is not None


def test_a_jobs_voices_are_the_accounts_with_the_uploads_over_them():
    assert voices.chosen({}, {}) is None and voices.chosen(None, {"voice": None}) is None
    assert voices.chosen({"en": "pico:en-GB", "de": "pico:de-DE"}, {"voice": "piper:joe"}) == \
        {"en": "piper:joe", "de": "pico:de-DE"}  # joe speaks English only
