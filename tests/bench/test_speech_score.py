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


def test_words_lost_at_the_end():
    from bench.speech_paired import trailing_lost

    ref = ["he", "might", "even", "have", "been", "made", "amiable", "himself"]
    assert trailing_lost(ref, ref) == 0
    assert trailing_lost(ref, ref[:4]) == 4  # the second half never written
    assert trailing_lost(ref, ref[:-1] + ["herself"]) == 0  # a wrong last word is not a lost one
    assert trailing_lost(ref, ["he"] + ref[2:]) == 0  # lost in the middle, not at the end


def test_the_resampled_copy_is_44k_stereo_and_decodes_back():
    import io

    import av
    import numpy as np

    from bench.speech_paired import joined, stereo_44k
    from chalicelib.media.audio import decode

    t = np.arange(16000, dtype=np.float32) / 16000
    tone = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    data = stereo_44k(tone)
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        assert stream.sample_rate == 44100 and stream.channels == 2
    back = decode(data, max_bytes=10_000_000, max_seconds=60)
    assert back.source_sample_rate == 44100 and abs(len(back.samples) - 16000) < 50
    # The right channel 6 dB lower: the mean of both is 3/4 of the tone.
    assert 0.7 * 0.3 < float(np.max(np.abs(back.samples))) < 0.8 * 0.3
    both = joined([tone, tone])
    assert len(both) == 2 * 16000 + int(0.3 * 16000) + 16000 and not both[16000:16000 + 4800].any()
