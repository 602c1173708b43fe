"""The `digits` kind's work: image bytes -> (digits result, the number spoken). No AWS I/O."""
from __future__ import annotations

from collections.abc import Callable

from chalicelib import settings
from chalicelib.engines import digits as engines
from chalicelib.geometry import around
from chalicelib.kinds import voice
from chalicelib.kinds.base import Outputs
from chalicelib.kinds.common import RECORDING, Stopwatch
from chalicelib.kinds.digits import NAME
from chalicelib.media import sandbox

UNSURE = "?"
UNSURE_SPOKEN = "unclear"


def read(data: bytes, *, engine_name: str | None = None, watch: Stopwatch | None = None,
         deadline: float | None = None) -> dict:
    """Image bytes -> the digits result (no speech)."""
    s = settings.get()
    watch = watch or Stopwatch()
    with watch.stage("decode"):
        decoded = sandbox.decode_image(data, max_bytes=s.limits.max_upload_bytes, max_pixels=s.limits.max_pixels, deadline=deadline)
    engine = engines.get_engine(engine_name or s.worker.digits_engine)
    with watch.stage("digits"):
        found = engine.read(decoded.rgb, decoded.alpha)
    lines = []
    for index in sorted({d.line for d in found}):
        row = [d for d in found if d.line == index]
        words = [{"text": UNSURE if d.value is None else str(d.value), "confidence": round(float(d.confidence), 4),
                  "box": d.box} for d in row]
        lines.append({"text": "".join(w["text"] for w in words),
                      "confidence": round(min(float(d.confidence) for d in row), 4),
                      "box": around(d.box for d in row), "words": words})
    # CONTRACTS section 8: `digit` is always a digit (the likeliest); `unsure` says when
    # PageVoice is not sure of it (its word then reads "?").
    digits = [{"digit": int(max(range(10), key=lambda i: d.probabilities[i])), "unsure": d.value is None,
               "confidence": round(float(d.confidence), 4),
               "probabilities": [round(float(p), 4) for p in d.probabilities], "box": d.box, "line": d.line}
              for d in found]
    return {"schema": 1, "kind": NAME, "engine": engine.name, "engine_version": engine.version,
            "width": decoded.width, "height": decoded.height,
            "text": "\n".join(line["text"] for line in lines), "lines": lines, "digits": digits,
            "sure": all(d.value is not None for d in found), "timings_ms": watch.ms}


def spoken(result: dict) -> str:
    """What the recording says: the number as a number ("forty-two") when every digit is sure,
    else digit by digit with "unclear" where PageVoice is not sure."""
    if result["sure"]:
        return ". ".join(line["text"] for line in result["lines"])
    return ". ".join(", ".join(UNSURE_SPOKEN if w["text"] == UNSURE else w["text"] for w in line["words"])
                     for line in result["lines"])


def run(data: bytes, *, deadline: float | None = None,
        publish: Callable[[Outputs], None] | None = None, language: str | None = None,
        lexicon: list[dict] | None = None, voices: dict[str, str] | None = None) -> Outputs:
    """The kind's function: the number read, and read aloud in `language` (named at upload;
    English otherwise: a number carries no language of its own), as the account's
    pronunciations (`lexicon`) have it, in the voice chosen for it (`voices`: {language: id})."""
    watch = Stopwatch()
    result = read(data, watch=watch, deadline=deadline)
    if language is not None:
        result["language"] = {"code": language, "confidence": 1.0, "detected": False}
    if publish is not None and result["digits"]:
        publish(Outputs(result=dict(result)))
    with watch.stage("tts"):
        recording = (voice.speak(spoken(result), language=language or "en", deadline=deadline, lexicon=lexicon,
                                 voices=voices)
                     if result["digits"] else voice.Recording(None, None))
    result["timings_ms"] = dict(watch.ms)
    if recording.wav is not None:
        result["speech"] = recording.info
    elif recording.info is not None:  # no voice for the language named
        result["unspoken"] = voice.unspoken(recording.info["unspoken"])
    return Outputs(result=result, files={RECORDING: (recording.wav, "audio/wav")} if recording.wav is not None else {})


def warm_up() -> None:
    engines.get_engine(settings.get().worker.digits_engine)
