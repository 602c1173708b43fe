"""resample: same duration, same pitch, no aliasing, timings kept."""
from __future__ import annotations

import numpy as np
import pytest

from chalicelib.engines.tts.base import Audio, resample


def tone(freq: float, rate: int, seconds: float = 2.0, amplitude: float = 10000) -> Audio:
    t = np.arange(int(rate * seconds)) / rate
    return Audio((amplitude * np.sin(2 * np.pi * freq * t)).astype(np.int16), rate, [(0.1, 0.5), None])


def dominant(audio: Audio) -> float:
    x = audio.samples.astype(float)
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.argmax(spectrum)) * audio.sample_rate / len(x)


def rms(audio: Audio) -> float:
    x = audio.samples[200:-200].astype(float)  # the edges meet the zero padding
    return float(np.sqrt(np.mean(x ** 2)))


@pytest.mark.parametrize("src,dst,freq", [(22050, 16000, 440), (16000, 22050, 440), (24000, 22050, 1000),
                                          (16000, 24000, 3000), (48000, 16000, 7000), (22050, 44100, 5000)])
def test_keeps_duration_pitch_and_level(src, dst, freq):
    before = tone(freq, src)
    after = resample(before, dst)
    assert after.sample_rate == dst and after.samples.dtype == np.int16 and after.samples.ndim == 1
    assert abs(len(after.samples) - before.seconds * dst) <= 1
    assert dominant(after) == pytest.approx(freq, abs=1.0)
    assert rms(after) == pytest.approx(rms(before), rel=0.02)
    assert after.words == before.words  # seconds: the same at any rate


def test_downsampling_filters_what_the_new_rate_cannot_hold():
    # 10 kHz is above 16 kHz's Nyquist: dropped samples alone would fold it to 6 kHz.
    after = resample(tone(10000, 24000), 16000)
    assert rms(after) < 0.01 * rms(tone(10000, 24000))


def test_same_rate_and_empty():
    audio = tone(440, 16000)
    assert resample(audio, 16000) is audio
    empty = resample(Audio(np.zeros(0, np.int16), 24000), 22050)
    assert empty.sample_rate == 22050 and len(empty.samples) == 0


def test_loud_input_does_not_wrap_around():
    square = Audio(np.where(np.arange(16000) % 40 < 20, 32767, -32768).astype(np.int16), 16000)
    after = resample(square, 22050)  # ringing overshoots full scale: clipped, not wrapped
    assert after.samples.max() == 32767 and after.samples.min() == -32768
    assert np.mean(np.abs(after.samples.astype(int)) > 20000) > 0.8
