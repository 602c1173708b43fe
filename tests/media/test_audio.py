"""Audio intake on real recordings: speech-dev's "go forward ten meters" converted at test time
into every accepted format, plus corrupt, empty, not-audio, too long and stereo 44.1 kHz files."""
from __future__ import annotations

import io
import struct

import numpy as np
import pytest

from chalicelib.errors import AudioError
from chalicelib.media import types
from chalicelib.media.audio import SAMPLE_RATE, decode, sniff
from tests.engines.asr.audiofiles import FORMATS, encode, read_wav, resample, speech_dev

LIMITS = {"max_bytes": 20_000_000, "max_seconds": 900.0}


@pytest.fixture(scope="module")
def speech():
    samples, rate = read_wav("asr/goforward.wav")
    assert rate == 16000 and samples.ndim == 1
    return samples


def _similar(decoded: np.ndarray, original: np.ndarray) -> float:
    """Best correlation of the two loudness envelopes (10 ms frames) within +-150 ms: lossy
    codecs keep the envelope; raw ADTS AAC keeps its encoder delay (no edit list to remove it)."""
    def env(x):
        n = len(x) // 160 * 160
        return np.sqrt((x[:n].reshape(-1, 160) ** 2).mean(axis=1))

    a, b = env(decoded), env(original)
    best = -1.0
    for lag in range(0, 16):
        n = min(len(a) - lag, len(b))
        best = max(best, float(np.corrcoef(a[lag:lag + n], b[:n])[0, 1]))
    return best


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_accepted_format_decodes_to_mono_16k(fmt, speech):
    data = encode(speech, 16000, fmt)
    assert sniff(data) == FORMATS[fmt][3]
    audio = decode(data, **LIMITS)
    assert audio.format == FORMATS[fmt][3]
    assert audio.sample_rate == SAMPLE_RATE and audio.samples.dtype == np.float32
    assert audio.samples.ndim == 1 and audio.channels == 1
    assert audio.source_sample_rate == FORMATS[fmt][2]
    # Encoders add a little priming/padding; the speech itself must be there and in place.
    assert abs(audio.duration - len(speech) / 16000) < 0.15, audio.duration
    assert _similar(audio.samples, speech) > 0.9
    assert float(np.abs(audio.samples).max()) <= 1.0


def test_dataset_files_in_their_own_formats():
    for name, fmt, codec in [("asr/librivox_sense_and_sensibility_01_austen_64kb-0880.mp3", "mp3", "mp3float"),
                             ("asr/cards_001.ogg", "ogg", "vorbis"), ("asr/goforward.flac", "flac", "flac"),
                             ("asr/goforward.wav", "wav", "pcm_s16le")]:
        audio = decode(speech_dev(name).read_bytes(), **LIMITS)
        assert (audio.format, audio.codec) == (fmt, codec)
        assert audio.duration > 1.0


def test_identified_by_content_not_name(speech, tmp_path):
    # An Opus WebM saved as "recording.wav": the name plays no part.
    path = tmp_path / "recording.wav"
    path.write_bytes(encode(speech, 16000, "webm-opus"))
    audio = decode(path.read_bytes(), **LIMITS)
    assert (audio.format, audio.codec) == ("webm", "opus")


def test_stereo_44k_is_averaged_and_resampled(speech):
    import soundfile as sf

    left = resample(speech, 16000, 44100)
    buf = io.BytesIO()
    sf.write(buf, np.stack([left, 0.5 * left], axis=1), 44100, format="WAV", subtype="PCM_16")
    audio = decode(buf.getvalue(), **LIMITS)
    assert (audio.channels, audio.source_sample_rate, audio.sample_rate) == (2, 44100, 16000)
    assert abs(len(audio.samples) - len(speech)) <= 16
    n = min(len(audio.samples), len(speech))
    assert np.corrcoef(audio.samples[:n], speech[:n])[0, 1] > 0.99
    # The mean of the two channels: 0.75 of the original level, never a clipped sum.
    assert 0.7 < audio.samples.std() / speech.std() < 0.8


def test_silence_decodes_to_silence():
    import soundfile as sf

    buf = io.BytesIO()
    sf.write(buf, np.zeros(3 * 16000, np.float32), 16000, format="FLAC")
    audio = decode(buf.getvalue(), **LIMITS)
    assert audio.duration == pytest.approx(3.0, abs=0.01)
    assert float(np.abs(audio.samples).max()) == 0.0


def test_too_long_refused_up_front_from_declared_duration():
    import soundfile as sf

    buf = io.BytesIO()
    sf.write(buf, np.zeros(20 * 8000, np.int16), 8000, format="WAV", subtype="PCM_16")  # 20 s
    with pytest.raises(AudioError, match="longer than the limit of 10.0 s"):
        decode(buf.getvalue(), max_bytes=10**8, max_seconds=10)


def test_too_long_stopped_while_decoding_when_nothing_is_declared(speech):
    # A WebM written as a stream (what MediaRecorder uploads) declares no duration.
    data = encode(np.tile(speech, 4), 16000, "webm-opus", seekable=False)
    with pytest.raises(AudioError, match="longer than the limit"):
        decode(data, max_bytes=10**8, max_seconds=5)


def test_fifteen_minute_cap_message():
    import soundfile as sf

    buf = io.BytesIO()  # 16 minutes at 8 kHz, 8 bits: 7.7 MB
    sf.write(buf, np.zeros(16 * 60 * 8000, np.float32), 8000, format="WAV", subtype="PCM_U8")
    with pytest.raises(AudioError, match="15 min"):
        decode(buf.getvalue(), max_bytes=10**8, max_seconds=900)


def test_too_large_refused_before_anything():
    with pytest.raises(AudioError, match="limit is 0.0 MB|limit is"):
        decode(b"RIFF" + bytes(2000), max_bytes=1000, max_seconds=900)


@pytest.mark.parametrize("data,reason", [
    (b"", "empty"),
    (b"hello, this is a text file and not a recording\n" * 20, "not a recording"),
    (b"\x89PNG\r\n\x1a\n" + bytes(200), "not a recording"),
    (bytes(range(256)) * 40, "not a recording"),
    (b"ID3\x04\x00", "not a recording"),  # an MP3 tag's first bytes, cut before its size
])
def test_not_audio(data, reason):
    with pytest.raises(AudioError, match=reason):
        decode(data, **LIMITS)


def test_corrupt_files_fail_with_a_reason(speech):
    rng = np.random.default_rng(7)
    good = {f: encode(speech, 16000, f) for f in ("mp3", "ogg-opus", "webm-opus", "m4a-aac", "flac")}
    cases = [
        _wav_header(16000, 1000)[:30],  # header cut short
        _wav_header(16000, 1000)[:12] + b"junk" + rng.bytes(2000),  # RIFF/WAVE, no fmt chunk
        b"OggS" + rng.bytes(4000),  # right magic, garbage after it
        b"\x1a\x45\xdf\xa3" + rng.bytes(3000),
        good["m4a-aac"][:40] + rng.bytes(3000),  # ftyp box, then garbage
        good["flac"][:200],  # FLAC header and no audio frames
    ]
    for data in cases:
        with pytest.raises(AudioError) as info:
            decode(data, **LIMITS)
        assert info.value.message.endswith(".") and len(info.value.message) > 20


@pytest.mark.parametrize("fmt", ["mp3", "m4a-aac", "webm-opus"])
def test_a_glitch_is_tolerated_a_ruined_file_is_not(fmt, speech):
    rng = np.random.default_rng(1)
    good = encode(speech, 16000, fmt)
    glitch = bytearray(good)
    mid = len(glitch) // 2
    glitch[mid:mid + 16] = rng.bytes(16)  # a few damaged bytes mid-recording
    audio = decode(bytes(glitch), **LIMITS)
    assert abs(audio.duration - len(speech) / 16000) < 0.2
    ruined = bytearray(good)
    ruined[600:] = rng.bytes(len(ruined) - 600)  # the header survives, the sound does not
    with pytest.raises(AudioError, match="damaged"):
        decode(bytes(ruined), **LIMITS)


def test_declared_types_cover_what_browsers_record():
    for ct in ("audio/wav", "audio/x-wav", "audio/wave", "audio/mpeg", "audio/mp3", "audio/flac",
               "audio/x-flac", "audio/ogg", "audio/opus", "audio/webm", "video/webm", "audio/mp4",
               "audio/x-m4a", "audio/aac", "video/mp4"):
        assert ct in types.AUDIO_TYPES
        assert types.EXTENSIONS[ct]
    assert not set(types.AUDIO_TYPES) & set(types.IMAGE_TYPES)


def _wav_header(rate: int, n_samples: int) -> bytes:
    data_size = n_samples * 2
    return (b"RIFF" + struct.pack("<I", 36 + data_size) + b"WAVE" + b"fmt " +
            struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16) + b"data" + struct.pack("<I", data_size))


# ---------------------------------------------------------------- hostile files


def _refused(data: bytes, **limits) -> str:
    with pytest.raises(AudioError) as err:
        decode(data, **{**LIMITS, **limits})
    return err.value.message


@pytest.mark.parametrize("name", ["flac-10-hz", "flac-frames-10-hz", "ogg-vorbis-10-hz"])
def test_sample_rates_below_8_khz_are_refused_declared_or_per_frame(name):
    from tests.hardening import hostile

    assert _refused(hostile.by_name(name).data) == (
        "This recording's sample rate (10 Hz) is outside what PageVoice reads (8-384 kHz).")


def test_sample_rates_and_channels_at_the_edges():
    from tests.hardening import hostile

    assert "(1 Hz)" in _refused(hostile.wav(1))
    assert "(400,000 Hz)" in _refused(hostile.wav(400_000))
    assert _refused(hostile.wav(16000, channels=9)) == "This recording has 9 channels; PageVoice reads at most 8."
    for rate, channels in ((8000, 1), (384_000, 1), (16000, 8)):
        out = decode(hostile.wav(rate, channels=channels, seconds=channels), **LIMITS)
        assert (out.source_sample_rate, out.channels) == (rate, channels)


def test_the_length_cap_is_on_input_seconds_before_resampling(monkeypatch):
    """A FLAC of 10 Hz frames, with no length declared: 65,535 samples a frame are 109 minutes,
    which resampled to 16 kHz was 2.4 GB. With the rate check lifted, the length cap alone
    refuses it at its first frame, having resampled nothing."""
    import tracemalloc

    from chalicelib.media import audio
    from tests.hardening import hostile

    monkeypatch.setattr(audio, "MIN_RATE", 1)
    data = hostile.flac(10, frames=3, block=65535, declare_length=False)
    tracemalloc.start()
    try:
        message = _refused(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert message == "The recording is longer than the limit of 15 min (1 h 49 min 14 s or more)."
    assert peak < 20 * 2 ** 20


def test_a_wav_lying_about_its_length_is_read_to_its_real_end():
    from tests.hardening import hostile

    out = decode(hostile.wav(16000, seconds=2, data_size=0xFFFFFFF0), **LIMITS)
    assert abs(out.duration - 2.0) < 0.05


def test_a_long_recording_is_spilled_to_a_pcm_file_past_its_threshold(speech, tmp_path):
    """Past `spill_after` the samples go to a file (16-bit PCM) instead of memory: the same
    samples, to a 16-bit step."""
    from chalicelib.media.audio import from_pcm16

    data = encode(speech, SAMPLE_RATE, "flac")
    whole = decode(data, **LIMITS)
    spill = tmp_path / "spill.pcm"
    out = decode(data, **LIMITS, spill=str(spill), spill_after=1.0)
    assert out.samples is None and out.path == str(spill) and out.duration == whole.duration
    kept = from_pcm16(spill.read_bytes())
    assert len(kept) == len(whole.samples) and np.max(np.abs(kept - whole.samples)) < 2 / 32767
    # Shorter than the threshold: in memory, as before, and no file.
    short = decode(data, **LIMITS, spill=str(tmp_path / "none.pcm"), spill_after=whole.duration + 1)
    assert short.path is None and not (tmp_path / "none.pcm").exists()
    # Read from a path as from bytes.
    path = tmp_path / "speech.flac"
    path.write_bytes(data)
    assert np.array_equal(decode(str(path), **LIMITS).samples, whole.samples)


def test_hours_are_said_in_hours():
    from chalicelib.media.audio import _minutes

    assert (_minutes(4 * 3600), _minutes(3600 + 23 * 60 + 45), _minutes(900)) == ("4 h", "1 h 23 min 45 s", "15 min")
