"""espeak-ng through libespeak-ng: real speech in several languages, with real word timings."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from chalicelib.engines import tts
from chalicelib.engines.tts.espeak_engine import Delivery, EspeakConfig, EspeakEngine, _Library
from chalicelib.errors import EngineUnavailable

SENTENCES = {
    "en-us": "The library opens at nine on Monday morning.",
    "ru": "Библиотека открывается в девять утра в понедельник.",
    "el": "Η βιβλιοθήκη ανοίγει στις εννέα το πρωί της Δευτέρας.",
    "pl": "Biblioteka jest otwarta od dziewiątej w poniedziałek rano.",
    "ar": "تفتح المكتبة في الساعة التاسعة صباح يوم الاثنين.",
}


def engine(voice: str) -> EspeakEngine:
    return tts.get_engine("espeak", EspeakConfig(voice=voice))


def test_registered_with_name_version_and_voice():
    e = engine("fr")
    assert isinstance(e, EspeakEngine) and e.name == "espeak" and e.voice == "fr"
    assert e.version.startswith("espeak-ng 1.")


@pytest.mark.parametrize("voice", list(SENTENCES))
def test_speaks_a_sentence_with_a_timing_per_word(voice):
    text = SENTENCES[voice]
    audio = engine(voice).synthesize(text)
    assert audio.sample_rate == 22050 and audio.samples.dtype == np.int16
    assert 1.5 < audio.seconds < 8.0
    assert np.abs(audio.samples.astype(int)).max() > 3000  # not silence
    words = audio.words
    assert words is not None and len(words) == len(text.split()) and None not in words
    assert all(0 <= s < e <= audio.seconds for s, e in words)
    assert all(a[1] <= b[0] + 1e-9 for a, b in zip(words, words[1:]))  # in order, not overlapping
    assert words[-1][1] > 0.8 * audio.seconds  # the last word is at the end


def test_timings_are_where_the_words_are_heard():
    # A long pause (the full stop) between the two sentences: the second starts after it.
    audio = engine("en-us").synthesize("One two three. Four five six.")
    loud = np.abs(audio.samples.astype(int)) > 64
    gap = [w[0] - v[1] for v, w in zip(audio.words, audio.words[1:])]
    assert max(gap) == gap[2]  # "three." -> "Four"
    start, end = (int(t * audio.sample_rate) for t in audio.words[2])
    assert loud[start] and loud[end - 1] and not loud[end:int(audio.words[3][0] * audio.sample_rate)].any()


def test_words_said_together_share_the_span():
    # espeak-ng says "of the" as one word and reports one event for both.
    audio = engine("en-us").synthesize("three items of the list")
    of, the = audio.words[2], audio.words[3]
    assert of[1] == pytest.approx(the[0]) and of[0] < of[1] < the[1]


def test_symbols_it_does_not_say_have_no_timing():
    text = "Bonjour — dit-il."
    audio = engine("fr").synthesize(text)
    assert audio.words[1] is None and audio.words[0] and audio.words[2]


def test_nothing_to_say():
    for text in ("", "   \n"):
        audio = engine("de").synthesize(text)
        assert len(audio.samples) == 0 and audio.sample_rate == 22050


def test_unknown_voice_is_engine_unavailable():
    with pytest.raises(EngineUnavailable, match="no voice 'xx-nope'"):
        EspeakEngine(EspeakConfig(voice="xx-nope"))


def test_missing_library_is_engine_unavailable():
    with pytest.raises(EngineUnavailable, match="espeak-ng"):
        _Library("/nonexistent/libespeak-ng.so.1")


def test_threads_in_several_voices_get_their_own_speech():
    """The library is one global state: calls from threads must not mix voices or samples."""
    alone = {v: engine(v).synthesize(SENTENCES[v]) for v in ("ru", "pl")}
    results: dict[str, list] = {"ru": [], "pl": []}

    def speak(voice):
        for _ in range(3):
            results[voice].append(engine(voice).synthesize(SENTENCES[voice]))

    threads = [threading.Thread(target=speak, args=(v,)) for v in results]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for voice, said in results.items():
        for audio in said:  # espeak-ng's noise source varies a few samples run to run
            assert abs(audio.seconds - alone[voice].seconds) < 0.05
            assert len(audio.words) == len(SENTENCES[voice].split())


def test_greek_has_a_short_gap_between_words_that_stays_greek():
    """A short pause between Greek words (Whisper understood it better); timings still follow
    the sound, and the gap does not carry over to the next voice (espeak-ng keeps parameters)."""
    text = SENTENCES["el"]
    plain = EspeakEngine(EspeakConfig(voice="el"), delivery=Delivery()).synthesize(text)
    gapped = engine("el").synthesize(text)
    per_gap = (gapped.seconds - plain.seconds) / (len(text.split()) - 1)
    assert 0.01 <= per_gap <= 0.05  # espeak-ng's unit is 10 ms, longer at a slower pace (~30 ms)
    assert len(gapped.words) == len(text.split()) and None not in gapped.words
    assert all(a[1] <= b[0] for a, b in zip(gapped.words, gapped.words[1:]))
    assert gapped.words[-1][1] > 0.8 * gapped.seconds
    before = engine("ru").synthesize(SENTENCES["ru"]).seconds
    engine("el").synthesize(text)
    assert abs(engine("ru").synthesize(SENTENCES["ru"]).seconds - before) < 0.05
