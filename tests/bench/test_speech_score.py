"""The speech benchmark's WER text rule (bench.speech.normalise), applied alike to both sides."""
from __future__ import annotations

import pytest

from bench.speech import chars_of, normalise, wer_counts


@pytest.mark.parametrize("ref,hyp", [
    ("five five", "5, 5."),  # number words are joined into one number by Whisper's normaliser
    ("five five", "5-5"),
    ("go forward ten meters", "Go forward 10 meters."),
    ("and mister john dashwood", "And Mr. John Dashwood"),
    ("nineteen eighty four", "1984"),
    ("he was not an ill disposed young man", "He was not an ill-disposed young man."),
])
def test_same_words_however_written(ref, hyp):
    assert wer_counts(normalise(ref), normalise(hyp)) == 0


def test_real_differences_still_count():
    assert wer_counts(normalise("ten of clubs"), normalise("10 of cloves.")) == 1
    assert wer_counts(normalise("five five"), normalise("5 6")) == 1
    assert normalise("it is five to five") == ["it", "is", "5", "to", "5"]  # a word between: apart


def test_characters_for_the_languages_cer():
    assert chars_of("Für die T-Rex, bitte!") == list("fürdietrexbitte")
    assert chars_of("復興努力、ワシントン。") == list("復興努力ワシントン")
    assert wer_counts(chars_of("Бедняга."), chars_of("Витняга")) == 3  # Бед -> Вит
