"""bytes -> (OCR result, speech WAV): the one function the worker, the CLI and the benchmarks call."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from chalicelib import imaging, ocr, settings, tts
from chalicelib.ocr.base import build_result
from chalicelib.tts.base import concat, pieces, to_wav


@dataclass
class Processed:
    result: dict  # CONTRACTS section 1
    wav: bytes | None  # None when the image has no text


class _Stopwatch:
    def __init__(self) -> None:
        self.ms: dict[str, int] = {}

    def stage(self, name: str):
        watch = self

        class _Stage:
            def __enter__(self):
                self.t0 = time.perf_counter()

            def __exit__(self, *exc):
                watch.ms[name] = int(round((time.perf_counter() - self.t0) * 1000))

        return _Stage()


def recognize(data: bytes, *, ocr_engine: str | None = None, watch: _Stopwatch | None = None) -> dict:
    """Image bytes -> OCR result (no speech)."""
    s = settings.get()
    watch = watch or _Stopwatch()
    with watch.stage("decode"):
        image = imaging.decode(data, max_bytes=s.max_upload_bytes, max_pixels=s.max_pixels)
    engine = ocr.get_engine(ocr_engine or s.ocr_engine)
    with watch.stage("ocr"):
        lines = engine.read(image.rgb)
    return build_result(engine, image.width, image.height, lines, watch.ms)


@dataclass
class Speech:
    wav: bytes | None  # None when there is nothing to say
    info: dict | None  # result["speech"]: engine, seconds, characters spoken, complete


def speak(text: str, *, tts_engine: str | None = None, deadline: float | None = None) -> Speech:
    """Text -> WAV, piece by piece (sentences, then <= 200 characters on word boundaries).

    The recording stops after the piece that ends past `deadline` (time.monotonic) or past
    `settings.tts_max_seconds` of synthesis, whichever comes first: a worker that ran out of
    time would lose the whole job (and be retried into the same wall), so a very long text gets
    a recording of its beginning instead, and `info["complete"]` says so. Empty text is not an
    error: no WAV.
    """
    s = settings.get()
    end = time.monotonic() + s.tts_max_seconds
    if deadline is not None:
        end = min(end, deadline)
    engine = tts.get_engine(tts_engine or s.tts_engine)
    parts, spoken, complete = [], 0, True
    for piece in pieces(text):
        if parts and time.monotonic() >= end:
            complete = False
            break
        audio = engine.synthesize(piece)
        spoken += len(piece) + (1 if spoken else 0)
        if len(audio.samples):
            parts.append(audio)
    if not parts:
        return Speech(None, None)
    audio = concat(parts)
    return Speech(to_wav(audio), {"engine": engine.name, "seconds": round(audio.seconds, 2),
                                  "characters": spoken, "complete": complete})


def process(data: bytes, *, ocr_engine: str | None = None, tts_engine: str | None = None,
            on_text: Callable[[dict], None] | None = None, deadline: float | None = None) -> Processed:
    """`on_text(result)` runs as soon as the text is read, before speech is made: the worker
    publishes the text then, so people read while the recording is being made. `deadline`
    (time.monotonic) bounds the recording (see `speak`)."""
    watch = _Stopwatch()
    result = recognize(data, ocr_engine=ocr_engine, watch=watch)
    if on_text is not None:
        on_text(result)
    with watch.stage("tts"):
        speech = speak(result["text"], tts_engine=tts_engine, deadline=deadline)
    result["timings_ms"] = dict(watch.ms)
    if speech.info is not None:
        result["speech"] = speech.info
    return Processed(result=result, wav=speech.wav)


def warm_up(speech: bool = True) -> None:
    """Load the configured engines now (Lambda init / process start), not on the first job.

    With `speech=False` only the OCR engine loads; the voice loads when the first text has been
    read and published. Loading it beside the OCR model cost the first text more than a second
    on two cores (piper's session takes ~1.2 s of CPU while the detector wants both cores), and
    speech comes after the text anyway.
    """
    s = settings.get()
    ocr.get_engine(s.ocr_engine)
    if speech:
        tts.get_engine(s.tts_engine)
