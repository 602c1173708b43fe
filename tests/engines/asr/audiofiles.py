"""Real recordings for the speech tests: speech-dev clips, converted at test time with PyAV's
encoders (the FFmpeg the worker decodes with) and soundfile into each accepted format. Nothing
converted is committed."""
from __future__ import annotations

import functools
import io
from fractions import Fraction
from pathlib import Path

import numpy as np

DATASETS = Path(__file__).resolve().parents[3].parent / "shared" / "datasets"
SPEECH_DEV = DATASETS / "speech-dev"

# container format for PyAV, codec, encoder sample rate, what our sniffer must call it
FORMATS = {
    "wav": ("wav", "pcm_s16le", 16000, "wav"),
    "mp3": ("mp3", "libmp3lame", 16000, "mp3"),
    "flac": ("flac", "flac", 16000, "flac"),
    "ogg-vorbis": ("OGG", "VORBIS", 16000, "ogg"),  # soundfile (libsndfile): FFmpeg's own
    # Vorbis encoder is "experimental" and refused
    "ogg-opus": ("ogg", "libopus", 48000, "ogg"),
    "webm-opus": ("webm", "libopus", 48000, "webm"),
    "m4a-aac": ("ipod", "aac", 44100, "mp4"),
    "mp4-aac": ("mp4", "aac", 48000, "mp4"),
    "adts-aac": ("adts", "aac", 16000, "aac"),
}


def speech_dev(name: str) -> Path:
    path = SPEECH_DEV / name
    assert path.exists(), (f"The speech tests need {path} (the shared speech-dev data set, "
                           f"expected at {SPEECH_DEV}); it is missing.")
    return path


def read_wav(name: str) -> tuple[np.ndarray, int]:
    import soundfile as sf

    data, rate = sf.read(str(speech_dev(name)), dtype="float32")
    return data, rate


def resample(x: np.ndarray, src: int, dst: int) -> np.ndarray:
    if src == dst:
        return x.astype(np.float32)
    n = int(round(len(x) * dst / src))
    return np.interp(np.arange(n) * (src / dst), np.arange(len(x)), x).astype(np.float32)


class _Unseekable(io.RawIOBase):
    """A write-only stream, as a browser's MediaRecorder produces: the muxer cannot go back and
    write the duration."""

    def __init__(self) -> None:
        self.buf = bytearray()

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def write(self, b) -> int:
        self.buf += bytes(b)
        return len(b)


def encode(samples: np.ndarray, rate: int, fmt: str, *, seekable: bool = True) -> bytes:
    """Mono float32 samples at `rate` -> bytes of a recording in `fmt` (a FORMATS key)."""
    import av

    container_fmt, codec, enc_rate, _ = FORMATS[fmt]
    x = resample(samples, rate, enc_rate)
    if container_fmt.isupper():
        import soundfile as sf

        buf = io.BytesIO()
        sf.write(buf, x, enc_rate, format=container_fmt, subtype=codec)
        return buf.getvalue()
    out = io.BytesIO() if seekable else _Unseekable()
    with av.open(out, mode="w", format=container_fmt) as c:
        stream = c.add_stream(codec, rate=enc_rate, layout="mono")
        fmt_name = stream.codec_context.format.name if stream.codec_context.format else "s16"
        frame_size = stream.codec_context.frame_size or 1024
        pos = 0
        while pos < len(x):
            part = x[pos:pos + frame_size]
            if fmt_name.startswith("s16"):
                arr = (np.clip(part, -1, 1) * 32767).astype(np.int16)
            elif fmt_name.startswith("s32"):
                arr = (np.clip(part, -1, 1) * 2147483647).astype(np.int32)
            else:
                arr = part.astype(np.float32)
            frame = av.AudioFrame.from_ndarray(arr.reshape(1, -1), format=fmt_name, layout="mono")
            frame.sample_rate = enc_rate
            frame.pts = pos
            frame.time_base = Fraction(1, enc_rate)
            for packet in stream.encode(frame):
                c.mux(packet)
            pos += frame_size
        for packet in stream.encode(None):
            c.mux(packet)
    return bytes(out.getvalue() if seekable else out.buf)


# speech-dev's LibriVox reader (Sense and Sensibility, ch. 1; public domain): what each clip says.
LIBRIVOX = {
    "asr/librivox_sense_and_sensibility_01_austen_64kb-0870.wav":
        "and mister john dashwood had then leisure to consider how much there might be prudently in his power to do for them",
    "asr/librivox_sense_and_sensibility_01_austen_64kb-0880.wav": "he was not an ill disposed young man",
    "asr/librivox_sense_and_sensibility_01_austen_64kb-0890.wav":
        "unless to be rather cold hearted and rather selfish is to be ill disposed",
    "asr/librivox_sense_and_sensibility_01_austen_64kb-0920.wav":
        "had he married a more a amiable woman he might have been made still more respectable than he was",
    "asr/librivox_sense_and_sensibility_01_austen_64kb-0930.wav": "he might even have been made amiable himself",
}
LECTURE_SAID_AT = 33 * 60 + 20  # 0:33:20, some windows into a long recording


@functools.lru_cache(maxsize=2)
def in_silence(minutes: int, every: int) -> tuple[bytes, list[tuple[float, float, str]]]:
    """A FLAC of `minutes` of the LibriVox sentences in silence (a long recording, CONTRACTS
    section 15): one 100 s into every `every` minutes, and, in a recording long enough, the five
    back to back from 0:33:20 (LECTURE_SAID_AT). Where each starts and ends, and what it says."""
    import soundfile as sf

    rate = 16000
    clips = [((read_wav(name)[0] * 32767).astype(np.int16), text) for name, text in LIBRIVOX.items()]
    out, placed = np.zeros(minutes * 60 * rate, np.int16), []

    def put(at: float, k: int) -> float:
        samples, text = clips[k]
        out[int(at * rate):int(at * rate) + len(samples)] = samples
        placed.append((at, at + len(samples) / rate, text))
        return at + len(samples) / rate + 1.2

    for k, minute in enumerate(range(0, minutes, every)):
        put(minute * 60 + 100.0, k % len(clips))
    if minutes * 60 > LECTURE_SAID_AT + 60:
        at = float(LECTURE_SAID_AT)
        for k in range(len(clips)):
            at = put(at, k)
    buf = io.BytesIO()
    sf.write(buf, out, rate, format="FLAC", subtype="PCM_16")  # silence costs FLAC nothing: ~2 MB for 2 hours
    return buf.getvalue(), sorted(placed)
