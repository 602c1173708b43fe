"""The `page` kind's work: image bytes -> (OCR result, speech WAV). The worker (through `run`),
the CLI and the benchmarks call it; no AWS I/O here."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from chalicelib import settings
from chalicelib.engines import ocr
from chalicelib.engines.ocr.base import Reading, build_result
from chalicelib.kinds import voice
from chalicelib.kinds.base import Outputs
from chalicelib.kinds.page import NAME, SPEECH
from chalicelib.media import image as imaging

speak = voice.speak  # the page's recording (tests replace it here)


@dataclass
class Processed:
    result: dict  # CONTRACTS section 1
    wav: bytes | None  # None when the image has no text


class Stopwatch:
    """Milliseconds per named stage (`timings_ms` of a result)."""

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


def recognize(data: bytes, *, ocr_engine: str | None = None, watch: Stopwatch | None = None,
              deadline: float | None = None) -> dict:
    """Image bytes -> OCR result (no speech). Reading stops at `settings.ocr_max_seconds`, or
    `speech_reserve_seconds` before `deadline` (time.monotonic), whichever comes first; the
    result's `ocr` then says how much was read (the top of the page)."""
    s = settings.get()
    watch = watch or Stopwatch()
    with watch.stage("decode"):
        image = imaging.decode(data, max_bytes=s.max_upload_bytes, max_pixels=s.max_pixels)
    engine = ocr.get_engine(ocr_engine or s.ocr_engine)
    stop = time.monotonic() + s.ocr_max_seconds
    if deadline is not None:
        stop = min(stop, deadline - s.speech_reserve_seconds)
    with watch.stage("ocr"):
        lines = engine.read(image.rgb, deadline=stop)
    result = build_result(engine, image.width, image.height, lines, watch.ms)
    coverage = lines.coverage() if isinstance(lines, Reading) else None
    if coverage:
        result["ocr"] = coverage
    return {"schema": result.pop("schema"), "kind": NAME, **result}


def process(data: bytes, *, ocr_engine: str | None = None, tts_engine: str | None = None,
            on_text: Callable[[dict], None] | None = None, deadline: float | None = None) -> Processed:
    """`on_text(result)` runs as soon as the text is read, before speech is made: the worker
    publishes the text then, so people read while the recording is being made. `deadline`
    (time.monotonic) bounds the recording (see `voice.speak`)."""
    watch = Stopwatch()
    result = recognize(data, ocr_engine=ocr_engine, watch=watch, deadline=deadline)
    if on_text is not None:
        on_text(result)
    with watch.stage("tts"):
        spoken = speak(result["text"], tts_engine=tts_engine, deadline=deadline)
    result["timings_ms"] = dict(watch.ms)
    if spoken.info is not None:
        result["speech"] = spoken.info
    return Processed(result=result, wav=spoken.wav)


def run(data: bytes, *, deadline: float | None = None,
        publish: Callable[[Outputs], None] | None = None) -> Outputs:
    """The kind's function (chalicelib.kinds.base): the text is published before its recording."""
    on_text = (lambda result: publish(Outputs(result=dict(result)))) if publish else None
    done = process(data, on_text=on_text, deadline=deadline)
    files = {SPEECH: (done.wav, "audio/wav")} if done.wav is not None else {}
    return Outputs(result=done.result, files=files)


def warm_up(speech: bool = True) -> None:
    """Load the configured engines now (Lambda init / process start), not on the first job.

    With `speech=False` only the OCR engine loads; the voice loads when the first text has been
    read and published. Loading it beside the OCR model cost the first text more than a second
    on two cores (piper's session takes ~1.2 s of CPU while the detector wants both cores), and
    speech comes after the text anyway.
    """
    ocr.get_engine(settings.get().ocr_engine)
    if speech:
        voice.warm_up()


def warm_up_text() -> None:
    """The worker's init: the OCR engine only (see `warm_up`)."""
    warm_up(speech=False)
