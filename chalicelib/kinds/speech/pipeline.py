"""The `speech` kind's work: recording bytes -> transcript with word timings. No AWS I/O.

A recording longer than settings.books.recording_book_seconds is a book: its samples are spilled
to a file as they are decoded, and `run` raises IsBook with the survey of its windows, which
many workers transcribe (long.py, chalicelib.jobs.book)."""
from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

from chalicelib import settings
from chalicelib.engines import asr
from chalicelib.kinds.base import IsBook, Outputs
from chalicelib.kinds.common import Stopwatch
from chalicelib.kinds.speech import NAME, outline, speakers
from chalicelib.media import sandbox


def transcribe(data: bytes, *, engine_name: str | None = None, deadline: float | None = None,
               watch: Stopwatch | None = None, language: str | None = None, decoded=None) -> dict:
    """Recording bytes (or, `decoded`, its samples) -> the speech result (CONTRACTS section 9), in
    `language` when the upload names it, else in the language detected (CONTRACTS section 11)."""
    s = settings.get()
    watch = watch or Stopwatch()
    if decoded is None:
        with watch.stage("decode"):
            decoded = sandbox.decode_audio(data, max_bytes=s.limits.max_audio_bytes,
                                           max_seconds=s.limits.max_audio_seconds, deadline=deadline)
    engine = asr.get_engine(engine_name or s.worker.asr_engine)
    with watch.stage("asr"):
        transcript = engine.transcribe(decoded.samples, decoded.sample_rate, deadline=deadline,
                                       **({"language": language} if language else {}))
    out = transcript.to_dict()
    if transcript.complete and speakers.worth_diarizing(decoded.duration, out["segments"], deadline):
        with watch.stage("speakers"):
            out["segments"], found = speakers.labelled(decoded.samples, out["segments"])
    else:
        found = []
    sentences = outline.shape(out["segments"])
    result = {"schema": 1, "kind": NAME, "engine": engine.name, "engine_version": engine.version,
              "duration_s": round(float(decoded.duration), 2), "language": out["language"], "text": out["text"],
              "segments": out["segments"], "sentences": sentences, "keyword": out["keyword"],
              "complete": out["complete"], "audio": decoded.to_dict(), "timings_ms": watch.ms}
    if found:  # more than one voice (CONTRACTS section 17)
        result["speakers"] = found
    if not transcript.complete:
        result["transcribed_s"] = round(float(transcript.processed_s), 2)
    return result


def run(data: bytes, *, deadline: float | None = None,
        publish: Callable[[Outputs], None] | None = None, language: str | None = None) -> Outputs:
    from chalicelib.kinds.speech import long

    s = settings.get()
    watch = Stopwatch()
    folder = Path(tempfile.gettempdir())
    spill = folder / f"pagevoice-recording-{os.getpid()}-{uuid.uuid4().hex[:8]}.pcm"
    # A large upload goes to the decoder as a file: the pipe carries at most sandbox.MAX_MESSAGE.
    source: bytes | Path = data
    if len(data) > sandbox.FILE_BYTES:
        source = folder / f"pagevoice-upload-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        source.write_bytes(data)
    try:
        with watch.stage("decode"):
            decoded = sandbox.decode_audio(source, max_bytes=s.limits.max_audio_bytes,
                                           max_seconds=s.limits.max_audio_seconds, deadline=deadline,
                                           spill=spill, spill_after=s.books.recording_book_seconds,
                                           seconds=decode_seconds())
        if decoded.path is not None:  # longer than one worker transcribes: the executor takes the file
            raise IsBook(long.survey(decoded, language=language))
    except IsBook:
        raise
    except BaseException:
        spill.unlink(missing_ok=True)
        raise
    finally:
        if isinstance(source, Path):
            source.unlink(missing_ok=True)
    return Outputs(result=transcribe(data, deadline=deadline, language=language, decoded=decoded, watch=watch))


def decode_seconds() -> float:
    """The decoder's time for a recording of up to max_audio_seconds (decode_seconds is a
    quarter of an hour's)."""
    limits = settings.get().limits
    return float(limits.decode_seconds) * max(1.0, limits.max_audio_seconds / 900.0)


def warm_up() -> None:
    asr.get_engine(settings.get().worker.asr_engine)
    speakers.engine()
