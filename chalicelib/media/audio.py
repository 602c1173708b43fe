"""Audio intake: any accepted recording (bytes) -> mono float32 samples at 16 kHz.

The format is identified from the content (magic bytes), never from a file name or a declared
content type, and FFmpeg is then told which demuxer to use: it never probes on its own. That
keeps FFmpeg's playlist and concatenation demuxers (hls, concat, which can open other files or
URLs) out of reach of an upload.

Decoder: PyAV (`av`), whose wheels bundle an LGPL build of FFmpeg (libavformat, libavcodec,
libswresample; no GPL or non-free parts: see av.libs in the installed wheel). PyAV itself is
BSD-3-Clause. faster-whisper depends on it already, so the worker gains nothing by it.

Limits are refused up front where the container declares them (byte size, declared
duration), and decoding also stops as soon as it passes the duration cap, so a file that
lies about its length cannot make the worker decode more than the cap.

A long recording (past `spill_after` seconds) is not held in memory: from there on its samples
go to a file of 16-bit PCM (`spill`), which a long recording's windows are cut from
(chalicelib.kinds.speech.long), so decoding four hours takes the memory of a few seconds.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

from chalicelib.errors import AudioError

SAMPLE_RATE = 16000
# What a recording may be, checked as declared and again on every decoded frame (a frame may
# change them): outside this, resampling turns a few bytes into gigabytes (10 Hz to 16 kHz is
# 1,600 samples out for each one in).
MIN_RATE, MAX_RATE = 8_000, 384_000
MAX_CHANNELS = 8

# Our name -> (FFmpeg demuxer, what a person calls it)
FORMATS = {
    "wav": ("wav", "WAV"),
    "mp3": ("mp3", "MP3"),
    "flac": ("flac", "FLAC"),
    "ogg": ("ogg", "Ogg"),
    "webm": ("matroska", "WebM"),
    "mp4": ("mp4", "MP4/M4A"),
    "aac": ("aac", "AAC (ADTS)"),
}


PCM = "<i2"  # a spilled recording's samples: 16-bit little-endian, mono, SAMPLE_RATE Hz


@dataclass
class DecodedAudio:
    samples: np.ndarray | None  # mono float32 in [-1, 1], SAMPLE_RATE Hz; None when spilled to `path`
    sample_rate: int  # of `samples`: always 16000
    format: str  # our container name: wav, mp3, flac, ogg, webm, mp4, aac
    codec: str  # FFmpeg's codec name of the audio stream: pcm_s16le, mp3, vorbis, opus, aac...
    source_sample_rate: int
    channels: int
    duration: float  # seconds of decoded audio
    path: str | None = None  # a long recording's samples, as PCM (16-bit, mono, SAMPLE_RATE Hz)

    def to_dict(self) -> dict:
        return {"format": self.format, "codec": self.codec, "sample_rate": self.source_sample_rate,
                "channels": self.channels, "duration_s": round(self.duration, 3)}


# The first four bytes -> the container (WAV's also need "WAVE" at byte 8).
_MAGIC = {b"fLaC": "flac", b"OggS": "ogg", b"\x1a\x45\xdf\xa3": "webm"}  # 1A45DFA3: EBML (WebM / Matroska)


def sniff(data: bytes) -> str | None:
    """The container, from the first bytes; None when it is none we read."""
    head = data[:64]
    if len(head) < 4:
        return None
    if head[:4] in (b"RIFF", b"RF64", b"BW64") and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] in _MAGIC:
        return _MAGIC[head[:4]]
    if head[4:8] == b"ftyp":  # ISO base media: MP4, M4A, 3GP, MOV-like
        return "mp4"
    if head[:3] == b"ID3":  # a tag's header is 10 bytes: a shorter file is no recording
        return _after_id3(data, head) if len(head) >= 10 else None
    return _frame_sync(head)


def _after_id3(data: bytes, head: bytes) -> str:
    """ID3v2 tag; what follows decides (MP3 almost always; sometimes AAC or FLAC)."""
    size = ((head[6] & 0x7F) << 21 | (head[7] & 0x7F) << 14 | (head[8] & 0x7F) << 7 | (head[9] & 0x7F))
    rest = data[10 + size + (10 if head[5] & 0x10 else 0):]
    inner = sniff(rest) if rest[:3] != b"ID3" else None
    return inner if inner in ("flac", "aac") else "mp3"


def _frame_sync(head: bytes) -> str | None:
    """A bare MPEG audio or ADTS frame: sync bits 0xFFF (11 of them for MPEG audio)."""
    if head[0] == 0xFF and (head[1] & 0xE0) == 0xE0:
        layer = (head[1] >> 1) & 0x3
        if layer == 0 and (head[1] & 0xF0) == 0xF0:
            return "aac"  # ADTS: sync 0xFFF, layer 00
        if layer != 0 and (head[2] >> 4) != 0xF:  # MPEG audio frame with a valid bitrate index
            return "mp3"
    return None


def decode(data: bytes | str, *, max_bytes: int, max_seconds: float, spill: str | None = None,
           spill_after: float | None = None) -> DecodedAudio:
    """Decode a recording (its bytes, or the path of a file holding them) to mono float32 at
    16 kHz, or raise AudioError with a reason. With `spill`, a recording longer than
    `spill_after` seconds is written there as PCM instead (the result's `path`, no `samples`)."""
    import os

    size = os.path.getsize(data) if isinstance(data, str) else len(data)
    if not size:
        raise AudioError("The file is empty.")
    if size > max_bytes:
        raise AudioError(f"The recording is {size / 1e6:.1f} MB; the limit is "
                         f"{max_bytes / 1e6:.1f} MB.")
    if isinstance(data, str):
        with open(data, "rb") as fh:
            head = fh.read(1 << 20)  # an ID3 tag may hold cover art
    else:
        head = data[: 1 << 20]
    kind = sniff(head)
    if kind is None:
        raise AudioError("This is not a recording we can read. Accepted: WAV, MP3, FLAC, "
                         "Ogg (Vorbis or Opus), WebM (Opus) and M4A/MP4 (AAC).")
    import av

    demuxer, label = FORMATS[kind]
    try:
        container = av.open(data if isinstance(data, str) else io.BytesIO(data), mode="r", format=demuxer,
                            options={"probesize": "5000000"})
    except (av.error.FFmpegError, ValueError, OSError, EOFError) as exc:
        raise AudioError(f"This {label} file is damaged or incomplete and cannot be read.") from exc
    try:
        return _decode(container, kind, label, max_seconds, spill, spill_after)
    except (av.error.FFmpegError, ValueError, EOFError, IndexError) as exc:
        raise AudioError(f"This {label} file is damaged and cannot be decoded ({_reason(exc)}).") from exc
    finally:
        container.close()


def _reason(exc: Exception) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return text.strip().rstrip(".") or type(exc).__name__


def _too_long(seconds: float, max_seconds: float) -> AudioError:
    return AudioError(f"The recording is longer than the limit of {_minutes(max_seconds)} "
                      f"({_minutes(seconds)} or more).")


def _minutes(seconds: float) -> str:
    if seconds >= 3600:
        h, rest = divmod(int(round(seconds)), 3600)
        m, s = divmod(rest, 60)
        return f"{h} h" + (f" {m:02d} min" if m or s else "") + (f" {s:02d} s" if s else "")
    if seconds >= 60:
        m, s = divmod(int(round(seconds)), 60)
        return f"{m} min {s:02d} s" if s else f"{m} min"
    return f"{seconds:.1f} s"


def check_shape(rate: int, channels: int) -> None:
    """Refuse a sample rate outside MIN_RATE-MAX_RATE or more than MAX_CHANNELS channels (0:
    not declared, nothing to check)."""
    if rate and not MIN_RATE <= rate <= MAX_RATE:
        raise AudioError(f"This recording's sample rate ({rate:,} Hz) is outside what PageVoice reads "
                         f"({MIN_RATE // 1000}-{MAX_RATE // 1000} kHz).")
    if channels > MAX_CHANNELS:
        raise AudioError(f"This recording has {channels} channels; PageVoice reads at most {MAX_CHANNELS}.")


def _decode(container, kind: str, label: str, max_seconds: float, spill: str | None = None,
            spill_after: float | None = None) -> DecodedAudio:
    streams = [s for s in container.streams if s.type == "audio"]
    if not streams:
        raise AudioError(f"This {label} file has no sound track.")
    stream = streams[0]
    ctx = getattr(stream, "codec_context", None)
    codec = getattr(ctx, "name", None) or "unknown"
    source_rate = int(_attr(stream, "sample_rate") or _attr(ctx, "sample_rate") or 0)
    channels = int(_attr(stream, "channels") or _attr(ctx, "channels") or 0)
    check_shape(source_rate, channels)
    # What the container declares: refuse before decoding anything.
    declared = _declared_seconds(container, stream)
    if declared is not None and declared > max_seconds + 0.5:
        raise _too_long(declared, max_seconds)
    decoding = _Decoding(label, max_seconds, source_rate, channels, spill, spill_after)
    try:
        decoding.run(container, stream)
        samples = decoding.samples(declared)
    finally:
        decoding.close()
    return DecodedAudio(samples=samples, sample_rate=SAMPLE_RATE, format=kind, codec=codec,
                        source_sample_rate=decoding.source_rate, channels=decoding.channels,
                        duration=decoding.total / SAMPLE_RATE, path=spill if decoding.out else None)


def _declared_seconds(container, stream) -> float | None:
    import av

    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return None


class _Decoding:
    """One stream decoded to mono float32 at SAMPLE_RATE, frame by frame, stopping as soon as
    it passes the duration cap; past `spill_after` seconds, written to `spill` as PCM."""

    def __init__(self, label: str, max_seconds: float, source_rate: int, channels: int,
                 spill: str | None = None, spill_after: float | None = None) -> None:
        self.label = label
        self.max_seconds = max_seconds
        self.source_rate = source_rate  # as declared, or else the first frame's
        self.channels = channels
        self.limit = int(max_seconds * SAMPLE_RATE) + SAMPLE_RATE // 2  # tolerate padding of a frame
        self.resamplers: dict = {}
        self.parts: list[np.ndarray] = []
        self.total = 0
        self.heard = 0.0  # seconds of input decoded: capped before any frame is resampled
        self.spill = spill
        self.spill_at = None if spill is None or spill_after is None else int(spill_after * SAMPLE_RATE)
        self.out = None  # the spill file, once the recording passed spill_after

    def run(self, container, stream) -> None:
        import av

        packets = bad = 0
        for packet in container.demux(stream):
            if packet.size == 0:  # the flush packet at the end
                continue
            packets += 1
            try:
                frames = packet.decode()
            except (av.error.FFmpegError, ValueError):
                # One damaged packet (a glitch in a recording) costs its few milliseconds; a file
                # that is mostly damaged fails below.
                bad += 1
                continue
            for frame in frames:
                self._convert(frame)
        if bad and bad > max(2, packets // 10):
            raise AudioError(f"This {self.label} file is damaged: {bad} of its {packets} audio packets "
                             "cannot be decoded.")
        for resampler in self.resamplers.values():
            self._add(resampler.resample(None))
        if not self.resamplers:
            raise AudioError(f"This {self.label} file contains no decodable sound.")

    def _convert(self, frame) -> None:
        rate, layout = int(frame.sample_rate or 0), (frame.layout.nb_channels if frame.layout else 0)
        check_shape(rate, layout)
        if not rate:
            raise AudioError(f"This {self.label} file is damaged: its sound has no sample rate.")
        self.heard += frame.samples / rate
        if self.heard > self.max_seconds + 0.5:
            raise _too_long(self.heard, self.max_seconds)
        self.channels = self.channels or layout
        self.source_rate = self.source_rate or rate
        self._add(self._resampler(frame).resample(frame))

    def _resampler(self, frame):
        import av

        key = (frame.format.name, frame.layout.name, frame.sample_rate)
        resampler = self.resamplers.get(key)
        if resampler is None:
            # Keep the channels, convert rate and sample type; the channel average is ours
            # (FFmpeg's own stereo->mono rematrix sums at -3 dB and can exceed 1.0).
            resampler = self.resamplers[key] = av.AudioResampler(format="flt", layout=frame.layout.name,
                                                                 rate=SAMPLE_RATE)
        return resampler

    def _add(self, frames) -> None:
        for out in frames:
            # Packed float, (1, n * channels): PyAV's planar arrays of 8 channels read past its
            # plane pointers (a segmentation fault).
            width = out.layout.nb_channels or 1
            arr = out.to_ndarray().reshape(-1, width)
            arr = arr.mean(axis=1) if width > 1 else arr.reshape(-1)
            self.parts.append(arr.astype(np.float32, copy=False))
            self.total += arr.shape[0]
        if self.total > self.limit:
            raise _too_long(self.total / SAMPLE_RATE, self.max_seconds)
        if self.spill_at is not None and (self.out is not None or self.total > self.spill_at):
            if self.out is None:
                self.out = open(self.spill, "wb")  # noqa: SIM115 - closed by close()
            for part in self.parts:
                self.out.write(pcm16(part).tobytes())
            self.parts = []

    def samples(self, declared: float | None) -> np.ndarray | None:
        """All of it (None when spilled), refused when much less than the container declared
        could be decoded."""
        if declared and self.total / SAMPLE_RATE < 0.5 * declared - 0.5:
            raise AudioError(f"This {self.label} file is damaged or incomplete: only "
                             f"{_minutes(self.total / SAMPLE_RATE)} of its {_minutes(declared)} "
                             "could be decoded.")
        if self.out is not None:
            return None
        samples = np.concatenate(self.parts) if self.parts else np.zeros(0, np.float32)
        samples = np.nan_to_num(samples, copy=False)
        np.clip(samples, -1.0, 1.0, out=samples)
        return samples

    def close(self) -> None:
        if self.out is not None:
            self.out.close()


def pcm16(samples: np.ndarray) -> np.ndarray:
    """float32 samples -> 16-bit PCM (clipped; NaN as silence)."""
    clean = np.clip(np.nan_to_num(samples.astype(np.float32, copy=False)), -1.0, 1.0)
    return np.round(clean * 32767.0).astype(PCM)


def from_pcm16(data: bytes | np.ndarray) -> np.ndarray:
    """16-bit PCM -> float32 samples in [-1, 1]."""
    pcm = np.frombuffer(data, dtype=PCM) if isinstance(data, (bytes, bytearray, memoryview)) else data
    return (pcm.astype(np.float32) / 32767.0).astype(np.float32)


def _attr(obj, name: str):
    try:
        return getattr(obj, name, None)
    except (AttributeError, ValueError, TypeError):  # PyAV properties of a half-made stream
        return None


def mp3_of(samples: np.ndarray, rate: int, channels: int = 1) -> bytes:
    """16-bit samples (interleaved when `channels` > 1) as an MP3, by the recordings' encoder
    (RecordingWriter's, without its WAV)."""
    writer = RecordingWriter(rate, channels=channels, wav=False)
    writer.write(samples)
    _, mp3 = writer.close()
    with mp3:
        return mp3.read()


class RecordingWriter:
    """The whole recording, written as it comes in pieces: RIFF/WAVE PCM 16-bit mono
    (CONTRACTS section 2) and a compressed MP3 beside it, each into a temporary file, so an
    hour of speech never sits in memory twice. `close()` returns both files, rewound. With
    `wav=False` only the MP3 is written (a book's part encoded again, chalicelib.books.mp3),
    of `channels` channels (samples interleaved)."""

    MP3_BIT_RATE = 48_000  # mono speech: ~350 kB per minute, against 2.6 MB of WAV at 22 kHz
    # lame's algorithm quality (FFmpeg's compression_level, 0 slowest .. 9 fastest): 5 is the
    # fastest with nothing lost against the WAV (bench/tts_cpu.py --mp3): 14% less CPU than
    # lame's default 3 at the same log-mel distance and WER; 7 halves the CPU but its log-mel
    # distance to the WAV is 3.4 dB against 2.0.
    MP3_QUALITY = 5

    def __init__(self, sample_rate: int, *, channels: int = 1, wav: bool = True) -> None:
        import tempfile
        import wave

        import av

        self.rate, self.channels = sample_rate, channels
        layout = "mono" if channels == 1 else "stereo"
        # Handed to the caller open (close() returns them): no context manager can hold them.
        self.wav_file = self._wav = None
        if wav:
            self.wav_file = tempfile.TemporaryFile()  # noqa: SIM115
            self._wav = wave.open(self.wav_file, "wb")  # noqa: SIM115
            self._wav.setnchannels(channels)
            self._wav.setsampwidth(2)
            self._wav.setframerate(sample_rate)
        self.mp3_file = tempfile.TemporaryFile()  # noqa: SIM115
        self._mp3 = av.open(self.mp3_file, "w", format="mp3")
        self._stream = self._mp3.add_stream("libmp3lame", rate=sample_rate, layout=layout,
                                            options={"compression_level": str(self.MP3_QUALITY)})
        self._stream.bit_rate = self.MP3_BIT_RATE
        self._pts = 0

    def write(self, samples: np.ndarray) -> None:
        """int16 samples (interleaved when there are several channels)."""
        import av

        pcm = np.ascontiguousarray(samples, dtype="<i2").reshape(1, -1)
        if self._wav is not None:
            self._wav.writeframes(pcm.tobytes())
        count = pcm.shape[1] // self.channels
        if not count:
            return
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout=self._stream.layout.name)
        frame.sample_rate, frame.pts = self.rate, self._pts
        self._pts += count
        for packet in self._stream.encode(frame):
            self._mp3.mux(packet)

    def close(self):
        """(wav file or None, mp3 file), rewound, for the caller to store and close."""
        if self._wav is not None:
            self._wav.close()  # writes the RIFF sizes
        for packet in self._stream.encode(None):
            self._mp3.mux(packet)
        self._mp3.close()
        for f in (self.wav_file, self.mp3_file):
            if f is not None:
                f.seek(0)
        return self.wav_file, self.mp3_file
