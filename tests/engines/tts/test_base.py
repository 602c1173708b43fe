"""Text splitting and WAV encoding shared by every TTS engine."""
from __future__ import annotations

import numpy as np

from chalicelib.engines.tts.base import MAX_PIECE_CHARS, Audio, concat, pieces, to_wav, wav_info


def test_pieces_bounded_and_lossless():
    text = " ".join(f"word{i}" for i in range(700))  # ~5,000 characters, no punctuation
    out = list(pieces(text))
    assert all(0 < len(p) <= MAX_PIECE_CHARS for p in out)
    assert " ".join(out).split() == text.split()


def test_pieces_split_sentences_and_lines():
    assert list(pieces("One. Two!\nThree")) == ["One.", "Two!", "Three"]


def test_overlong_word_is_cut():
    out = list(pieces("a " + "x" * 450 + " b"))
    assert out == ["a", "x" * 200, "x" * 200, "x" * 50, "b"] or all(len(p) <= 200 for p in out)
    assert "".join(out).replace(" ", "") == ("a" + "x" * 450 + "b")


def test_wav_is_pcm16_mono():
    audio = concat([Audio(np.ones(22050, dtype=np.int16), 22050), Audio(np.ones(11025, dtype=np.int16), 22050)])
    data = to_wav(audio)
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    channels, width, rate, seconds = wav_info(data)
    assert (channels, width, rate) == (1, 2, 22050)
    assert abs(seconds - (1.5 + 0.12)) < 0.01  # two pieces and the gap between them
