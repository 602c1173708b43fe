"""The `speech` kind's work: recording bytes -> transcript with word timings. No AWS I/O."""
from __future__ import annotations

from collections.abc import Callable

from chalicelib import settings
from chalicelib.engines import asr
from chalicelib.kinds.base import Outputs
from chalicelib.kinds.common import Stopwatch
from chalicelib.kinds.speech import NAME
from chalicelib.media import sandbox


def transcribe(data: bytes, *, engine_name: str | None = None, deadline: float | None = None,
               watch: Stopwatch | None = None, language: str | None = None) -> dict:
    """Recording bytes -> the speech result (CONTRACTS section 9), in `language` when the
    upload names it, else in the language detected (CONTRACTS section 11)."""
    s = settings.get()
    watch = watch or Stopwatch()
    with watch.stage("decode"):
        decoded = sandbox.decode_audio(data, max_bytes=s.limits.max_audio_bytes, max_seconds=s.limits.max_audio_seconds,
                                       deadline=deadline)
    engine = asr.get_engine(engine_name or s.worker.asr_engine)
    with watch.stage("asr"):
        transcript = engine.transcribe(decoded.samples, decoded.sample_rate, deadline=deadline,
                                       **({"language": language} if language else {}))
    out = transcript.to_dict()
    result = {"schema": 1, "kind": NAME, "engine": engine.name, "engine_version": engine.version,
              "duration_s": round(float(decoded.duration), 2), "language": out["language"], "text": out["text"],
              "segments": out["segments"], "keyword": out["keyword"], "complete": out["complete"],
              "audio": decoded.to_dict(), "timings_ms": watch.ms}
    if not transcript.complete:
        result["transcribed_s"] = round(float(transcript.processed_s), 2)
    return result


def run(data: bytes, *, deadline: float | None = None,
        publish: Callable[[Outputs], None] | None = None, language: str | None = None) -> Outputs:
    return Outputs(result=transcribe(data, deadline=deadline, language=language))


def warm_up() -> None:
    asr.get_engine(settings.get().worker.asr_engine)
