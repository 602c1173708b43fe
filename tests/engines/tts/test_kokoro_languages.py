"""Kokoro's voices beyond Japanese (issues 42 and 59): phonemisation per language (misaki's eSpeak step
on Debian's libespeak-ng, misaki's pinyin one for Mandarin), real inference with read-along
timings from the model's durations, and the voice files' fetch."""
from __future__ import annotations

import json
import unicodedata

import numpy as np
import pytest

from chalicelib.engines import tts
from chalicelib.engines.tts import kokoro_engine, kokoro_voices
from chalicelib.engines.tts.kokoro_engine import KokoroConfig, KokoroEngine
from chalicelib.errors import EngineUnavailable

# language -> (phonemiser language, text, what must be in its phonemes: numbers said as words)
PHONEMES = {
    "en": ("en-us", "The train leaves at 8.", ["ðə", "tɹˈAn", "ˈAt"]),  # misaki's A (eɪ), not eSpeak's
    "en-gb": ("en-gb", "I rode home at 8.", ["ɹˈQd", "hˈQm"]),  # British Q (əʊ)
    "es": ("es", "Hola, tengo 25 años.", ["ˈola", "βˌAntiθˈinko"]),
    "fr": ("fr-fr", "Bonjour, il est 15 heures.", ["bɔ̃ʒˈuʁ", "kˈɛ̃z"]),
    "it": ("it", "Buongiorno a tutti, sono le 8.", ["bʊonʤˈɔrno", "ˈɔtːo"]),
    "pt": ("pt-br", "Olá, eu tenho 3 livros.", ["olˈa", "trˈez"]),
    "hi": ("hi", "नमस्ते, आप कैसे हैं?", ["nəmˈʌsteː", "kˈɛːseː"]),
    "zh": ("zh", "你好，今天是3月5日。", ["ni↓xau↓", "sa→n", "u↓"]),
}
SENTENCES = {"en": ("af_heart", "The train leaves at 8 in the morning."),
             "es": ("ef_dora", "El tren sale a las 8 de la mañana."),
             "fr": ("ff_siwis", "Le train part à 8 heures du matin."),
             "it": ("if_sara", "Il treno parte alle 8 di mattina."),
             "pt": ("pf_dora", "O ônibus sai às 8 horas da manhã."),
             "hi": ("hf_alpha", "ट्रेन सुबह 8 बजे चलती है।"),
             "zh": ("zf_xiaoxiao", "火车 早上 8点 出发。")}


def _vocab() -> dict:
    return json.loads((kokoro_engine._data() / "vocab.json").read_text(encoding="utf-8"))["vocab"]


@pytest.mark.parametrize("code", list(PHONEMES))
def test_each_language_is_phonemised_in_kokoros_alphabet(code):
    language, text, expected = PHONEMES[code]
    phonemes, _ = kokoro_engine._phonemiser(language)(text)
    assert all(part in phonemes for part in expected), phonemes
    assert not any(ch.isdigit() for ch in phonemes)  # numbers are said, in the language
    letters = [ch for ch in phonemes if not ch.isspace() and not unicodedata.category(ch).startswith("P")]
    unknown = {ch for ch in letters if ch not in _vocab()}
    assert not unknown, f"symbols the model does not know (dropped): {unknown}"


def test_the_espeak_step_uses_debians_library():
    kokoro_engine._phonemiser("es")
    from phonemizer.backend.espeak.wrapper import EspeakWrapper

    assert EspeakWrapper._ESPEAK_LIBRARY == "libespeak-ng.so.1"  # not a bundled build
    assert EspeakWrapper._ESPEAK_DATA_PATH.endswith("espeak-ng-data")


@pytest.fixture(scope="module")
def voices():
    """Every new language's voice, one model between them (the voice files: make fetch-weights)."""
    return {code: tts.get_engine("kokoro", KokoroConfig(voice=voice, threads=1)) for code, (voice, _) in SENTENCES.items()}


@pytest.mark.parametrize("code", list(SENTENCES))
def test_each_voice_speaks_its_language_with_word_timings(voices, code):
    engine = voices[code]
    text = SENTENCES[code][1]
    audio = engine.synthesize(text)
    assert engine.language == code and audio.sample_rate == 24000 and audio.samples.dtype == np.int16
    assert 1.0 < audio.seconds < 6.0 and np.abs(audio.samples.astype(int)).max() > 3000
    words = audio.words
    assert len(words) == len(text.split()) and all(w is not None for w in words)
    assert all(0 <= a < b <= audio.seconds + 1e-6 for a, b in words)
    assert all(w1[0] >= w0[0] for w0, w1 in zip(words, words[1:]))  # in order
    assert words[-1][1] > 0.7 * audio.seconds  # the last word is heard near the end
    assert "misaki" in engine.version and "kokoro-js 1.2.1" in engine.version


def test_a_british_voice_speaks_english_in_its_accent():
    engine = tts.get_engine("kokoro", KokoroConfig(voice="bm_george", threads=1))
    assert engine.language == "en" and "ɹˈQd" in engine.phonemes("I rode home.")
    audio = engine.synthesize("I rode home at 8.")
    assert audio.words is not None and len(audio.words) == 5 and all(audio.words)


def test_timings_follow_the_sound_over_sentences(voices):
    one = voices["es"].synthesize("Hola.")  # the same audio as the first sentence below
    two = voices["es"].synthesize("Hola. Buenos días.")
    (_, a1), (b0, _), (_, c1) = two.words
    assert a1 <= one.seconds + 0.01
    assert b0 >= one.seconds + kokoro_engine.SENTENCE_PAUSE - 0.05
    assert c1 == pytest.approx(two.seconds, abs=0.15)


def test_japanese_gets_timings_too():
    engine = tts.get_engine("kokoro", KokoroConfig(voice="jf_alpha", threads=1))
    audio = engine.synthesize("今日は いい 天気です。")
    assert audio.words is not None and len(audio.words) == 3 and all(audio.words)


def test_the_model_outputs_its_durations(voices):
    outputs = [o.name for o in voices["es"]._model.session.get_outputs()]
    assert outputs == ["audio", kokoro_engine.DURATIONS]


def test_a_voice_not_fetched_is_unavailable(tmp_path):
    with pytest.raises(EngineUnavailable, match="make fetch-weights"):
        KokoroEngine(KokoroConfig(voice="ef_dora", voices_dir=str(tmp_path), threads=1))


def test_a_damaged_voice_file_is_unavailable(tmp_path):
    (tmp_path / "ef_dora.bin").write_bytes(b"\0" * 100)
    with pytest.raises(EngineUnavailable, match="damaged"):
        KokoroEngine(KokoroConfig(voice="ef_dora", voices_dir=str(tmp_path), threads=1))


def test_voices_of_other_languages_are_refused():
    for voice in ("kf_nobody", "xf_", "xx"):
        with pytest.raises(EngineUnavailable, match="no voice"):
            KokoroEngine(KokoroConfig(voice=voice))


def test_the_fetched_voices_are_the_pinned_ones():
    folder = KokoroConfig().voices_folder
    assert (folder / "SHA256").read_text() == kokoro_voices.MARK
    names = sorted(p.stem for p in folder.glob("*.bin"))
    assert {"af_heart", "bm_george", "ef_dora", "ff_siwis", "if_sara", "pf_dora", "hf_alpha", "zf_xiaoxiao"} <= set(names)
    assert len(names) == 49 and all(n[0] in kokoro_voices.LANGUAGE_LETTERS for n in names)  # no Japanese copies


def test_fetch_without_npm_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(kokoro_voices.shutil, "which", lambda name: None)
    with pytest.raises(SystemExit, match="npm is needed"):
        kokoro_voices.fetch(tmp_path / "voices")
