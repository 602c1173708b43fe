"""The whole recording as written at the end of a job (RecordingWriter): speech.wav exactly as
its pieces, and speech.mp3 beside it at the bit rate and lame quality chosen
(bench/tts_cpu.py --mp3 measured them against the WAV)."""
from __future__ import annotations

import io
import wave

import numpy as np
import pytest

from chalicelib.media.audio import RecordingWriter, decode
from tests.engines.asr.audiofiles import read_wav
from tests.media.test_audio import LIMITS, _similar


@pytest.fixture(scope="module")
def speech():
    samples, rate = read_wav("asr/goforward.wav")
    return np.round(samples * 32767).astype("<i2"), rate  # int16, as a voice's


def written(samples: np.ndarray, rate: int, writer=RecordingWriter) -> tuple[bytes, bytes]:
    out = writer(rate)
    for i in range(0, len(samples), rate // 2):  # in pieces, as a recording's parts come
        out.write(samples[i:i + rate // 2])
    wav, mp3 = out.close()
    with wav, mp3:
        return wav.read(), mp3.read()


def test_the_wav_is_the_pieces_and_the_mp3_sounds_like_it(speech):
    samples, rate = speech
    wav, mp3 = written(samples, rate)
    with wave.open(io.BytesIO(wav)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (rate, 1, 2)
        assert w.readframes(w.getnframes()) == samples.tobytes()
    seconds = len(samples) / rate
    assert len(mp3) == pytest.approx(RecordingWriter.MP3_BIT_RATE / 8 * seconds, rel=0.2)
    heard = decode(mp3, **LIMITS)
    assert heard.format == "mp3" and heard.duration == pytest.approx(seconds, abs=0.1)
    assert _similar(heard.samples, samples.astype(np.float32) / 32768) > 0.95


def test_the_mp3_is_made_at_the_chosen_lame_quality(speech):
    """The option reaches the encoder: lame's own default (3) makes another file."""
    samples, rate = speech
    assert RecordingWriter.MP3_QUALITY != 3
    lame_default = type("Writer", (RecordingWriter,), {"MP3_QUALITY": 3})
    chosen = written(samples, rate)[1]
    assert chosen == written(samples, rate)[1]  # the same settings, the same file
    assert chosen != written(samples, rate, lame_default)[1]
