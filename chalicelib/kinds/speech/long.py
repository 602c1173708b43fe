"""A long recording, transcribed by many workers (CONTRACTS section 15, for recordings): the
`speech` kind's book module. Bytes and files in, outputs out; no AWS I/O (the shards' executor,
chalicelib.jobs.book, stores them).

`pipeline.run` decodes a recording longer than settings.books.recording_book_seconds to a file
of 16 kHz PCM (never whole in memory) and raises `kinds.base.IsBook` with its `survey`: where
its pauses are (Silero's speech probability, weighed only where a window may end), the windows
cut there (kinds.plan.windows: the first 30 s, then 60, 120... up to recording_window_seconds),
and the language of its first minutes, which every window is transcribed in. The executor
stores each window's samples (`window_audio`, FLAC) and workers transcribe them in parallel
(`transcribe_window`), each on the whole recording's clock. A window's transcript depends only
on its samples and the settings, so the same bytes give the same transcript however many
workers share them.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from chalicelib import settings
from chalicelib.engines import asr
from chalicelib.kinds import plan
from chalicelib.kinds.base import Read, Survey
from chalicelib.kinds.common import Stopwatch
from chalicelib.kinds.speech import outline, speakers
from chalicelib.media import audio

RATE = audio.SAMPLE_RATE
FRAME = 512  # samples per Silero frame (32 ms)
LEAD_FRAMES = 94  # ~3 s weighed before the frames asked for, for Silero's state to settle
WIDTH = 2  # bytes per PCM sample


def survey(decoded: audio.DecodedAudio, *, language: str | None = None, engine_name: str | None = None) -> Survey:
    """What the executor needs of a long recording spilled to `decoded.path`: its windows and
    the language they are transcribed in (the upload's, else the one its first minutes speak)."""
    s = settings.get()
    path = Path(str(decoded.path))
    engine = asr.get_engine(engine_name or s.worker.asr_engine)
    cut = plan.windows(lambda lo, hi: speech_frames(path, lo, hi), FRAME / RATE, decoded.duration,
                       most=longest_window(engine), slack=float(s.books.recording_window_slack))
    detected = language is None
    if detected:
        language = engine.language_of(audio.from_pcm16(_samples(path, 0, min(decoded.duration, 120.0))), RATE)
    recording = {"path": str(path), "windows": [[round(a, 3), round(b, 3)] for a, b in cut],
                 "duration": round(decoded.duration, 3), "audio": decoded.to_dict(),
                 "language": language, "detected": detected}
    return Survey(pages=len(cut), pages_in_file=len(cut), format=decoded.format, recording=recording)


def longest_window(engine) -> float:
    """The longest window: recording_window_seconds, or less where one worker's invocation (its
    timeout, less the executor's 10 s) could not transcribe it whole at the pace the engine plans
    by (a fifth to spare): Lambda's 120 s give 86 s windows, 900 s give 300 s."""
    s = settings.get()
    config = getattr(engine, "config", None)
    pace = float(getattr(config, "planned_rtf", 1.0)) + float(getattr(config, "chunk_overhead_s", 0.5)) / 28.0
    fits = 0.8 * (s.worker.worker_timeout_seconds - 10) / pace
    return max(plan.FIRST_WINDOW_S, min(float(s.books.recording_window_seconds), fits))


def speech_frames(path: Path, lo: int, hi: int) -> np.ndarray:
    """The speech probability (Silero, as the engine's VAD) of 32 ms frames lo..hi-1 of the
    spilled recording, weighed with a few seconds before them (Silero carries a state): the
    planner asks only where a window may end, ~20 s of each 5 minutes."""
    from faster_whisper.vad import get_vad_model

    lead = min(lo, LEAD_FRAMES)
    with open(path, "rb") as fh:
        fh.seek((lo - lead) * FRAME * WIDTH)
        block = fh.read((hi - lo + lead) * FRAME * WIDTH)
    samples = audio.from_pcm16(block[: len(block) - len(block) % WIDTH])
    samples = np.pad(samples, (0, -len(samples) % FRAME))
    if not len(samples):
        return np.zeros(0, np.float32)
    return np.asarray(get_vad_model()(samples), dtype=np.float32).reshape(-1)[lead:]


def _samples(path: Path, start: float, end: float) -> bytes:
    """The PCM bytes of seconds [start, end) of the spilled recording."""
    first, last = int(round(start * RATE)), int(round(end * RATE))
    with open(path, "rb") as fh:
        fh.seek(first * WIDTH)
        return fh.read(max(0, last - first) * WIDTH)


def window_audio(recording: dict, index: int) -> bytes:
    """Window `index`'s samples as FLAC (16-bit, mono, 16 kHz: lossless, and a pause costs
    nothing), cut from the survey's file: what the executor stores for the window's worker."""
    import io

    import av

    start, end = recording["windows"][index]
    pcm = np.frombuffer(_samples(Path(recording["path"]), start, end), dtype=audio.PCM)
    out = io.BytesIO()
    with av.open(out, "w", format="flac") as container:
        stream = container.add_stream("flac", rate=RATE, layout="mono")
        if len(pcm):
            frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
            frame.sample_rate, frame.pts = RATE, 0
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return out.getvalue()


def window_samples(data: bytes) -> np.ndarray:
    """A stored window's samples (`window_audio`'s FLAC, which only the worker writes) as float32."""
    import io

    import av

    with av.open(io.BytesIO(data), "r", format="flac") as container:
        frames = [f.to_ndarray().reshape(-1) for f in container.decode(audio=0)]
    return audio.from_pcm16(np.concatenate(frames).astype(audio.PCM) if frames else np.zeros(0, audio.PCM))


def window_mp3(data: bytes) -> bytes:
    """A stored window's samples (`window_audio`'s FLAC) as MP3, by the recording's own encoder
    (media.audio.RecordingWriter): the part of the recording a book export joins (its MP3 with
    chapters, its EPUB's audio), made by the window's worker so no export encodes a whole recording."""
    return audio.mp3_of(audio.pcm16(window_samples(data)), RATE)


def transcribe_window(data: bytes, index: int, recording: dict, *, engine_name: str | None = None,
                      deadline: float | None = None) -> Read:
    """Window `index` of a long recording transcribed: its segments (CONTRACTS section 9) on the
    whole recording's clock, as a reading shard's `pages`."""
    s = settings.get()
    start, end = recording["windows"][index]
    watch = Stopwatch()
    engine = asr.get_engine(engine_name or s.worker.asr_engine)
    samples = window_samples(data)
    with watch.stage("asr"):
        found = engine.transcribe(samples, RATE, deadline=deadline,
                                  **({"language": recording["language"]} if recording.get("language") else {}))
    segments = [_shifted(seg.to_dict(), start) for seg in found.segments]
    voices = None  # its speakers, labelled with every window's once all are done (`speakers_of`)
    if found.complete and speakers.worth_diarizing(end - start, segments, deadline):
        with watch.stage("speakers"):
            voices = speakers.heard(samples, offset=start)
    sentences = outline.shape(segments)  # a window starts in a pause: its first segment starts a paragraph
    failed = []
    if not found.complete:
        failed.append(f"The recording from {_clock(start + found.processed_s)} to {_clock(end)} was not "
                      "transcribed: the worker's time ran out.")
    return Read(first=index, pages=segments, images={}, text=found.text, chapters=[], skipped={}, unsure=[],
                units=[], failed=failed, engine=engine.name, engine_version=engine.version,
                words=sum(len(seg["words"]) for seg in segments), timings_ms=dict(watch.ms),
                language=found.language, sentences=sentences, speakers=voices)


def untranscribed(index: int, recording: dict, reason: str) -> Read:
    """A window that could not be transcribed (its shard failed too often): it says why."""
    start, end = recording["windows"][index]
    return Read(first=index, pages=[], images={}, text="", chapters=[], skipped={}, unsure=[], units=[],
                failed=[f"The recording from {_clock(start)} to {_clock(end)} could not be transcribed: {reason}"],
                engine="", engine_version="")


def _shifted(segment: dict, offset: float) -> dict:
    def at(t: float) -> float:
        return round(t + offset, 2)

    return {**segment, "start": at(segment["start"]), "end": at(segment["end"]),
            "words": [{**w, "start": at(w["start"]), "end": at(w["end"])} for w in segment["words"]]}


def _clock(seconds: float) -> str:
    total = int(seconds)
    h, m, sec = total // 3600, total % 3600 // 60, total % 60
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def speakers_of(windows: list[dict | None]) -> tuple[list[dict[int, str]], list[dict]]:
    """Once every window is transcribed: each window's voices labelled for the whole recording
    (the same person the same label in every window) and the result's `speakers` (CONTRACTS
    section 17); one voice: no labels, no speakers."""
    labels = speakers.match(windows)
    return labels, (speakers.seconds(windows, labels) if any(labels) else [])


def labelled_window(segments: list[dict], found: dict | None, named: dict[int, str]) -> list[dict]:
    """A window's segments with the speakers `speakers_of` labelled."""
    return speakers.label(segments, found, {int(k): v for k, v in named.items()})
