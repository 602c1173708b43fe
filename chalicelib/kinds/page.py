"""The `page` kind (CONTRACTS sections 1 and 6): a photo or scan in; its text with line and
word boxes, and the text read aloud, out. Declaration only: the work is `page_pipeline.run`."""
from __future__ import annotations

from chalicelib import settings
from chalicelib.kinds.base import Kind
from chalicelib.media import types

NAME = "page"
SPEECH = "speech.wav"

_TEXT = {"type": "string"}
_CONFIDENCE = {"type": "number", "minimum": 0, "maximum": 1}
_POINT = {"type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "integer"}}
BOX = {"type": "array", "minItems": 4, "maxItems": 4, "items": _POINT,
       "description": "4 corners, clockwise from top-left, image pixels"}
WORD = {"type": "object", "required": ["text", "confidence", "box"],
        "properties": {"text": {"type": "string", "minLength": 1}, "confidence": _CONFIDENCE, "box": BOX}}
LINE = {"type": "object", "required": ["text", "confidence", "box", "words"],
        "properties": {"text": {"type": "string", "minLength": 1}, "confidence": _CONFIDENCE, "box": BOX,
                       "words": {"type": "array", "minItems": 1, "items": WORD}}}
TIMINGS = {"type": "object", "additionalProperties": {"type": "number", "minimum": 0},
           "description": "milliseconds per stage"}
# result.speech: present when there is a recording (an extension of section 1).
SPEECH_INFO = {
    "type": "object", "required": ["engine", "seconds", "characters", "complete"],
    "properties": {"engine": _TEXT, "seconds": {"type": "number", "minimum": 0},
                   "characters": {"type": "integer", "minimum": 0, "description": "how much of `text` was spoken"},
                   "complete": {"type": "boolean", "description": "false when the text was too long to record in time"}},
}

RESULT_SCHEMA = {
    "title": "PageResult", "description": "CONTRACTS section 1: text with line and word boxes.",
    "type": "object", "required": ["schema", "engine", "width", "height", "text", "lines", "timings_ms"],
    "properties": {
        "schema": {"const": 1}, "kind": {"const": NAME}, "engine": {"type": "string", "minLength": 1},
        "engine_version": _TEXT,
        "width": {"type": "integer", "minimum": 1}, "height": {"type": "integer", "minimum": 1},
        "text": {"type": "string", "description": "one line per line, in reading order"},
        "lines": {"type": "array", "items": LINE},
        "timings_ms": TIMINGS,
        "speech": SPEECH_INFO,
        "ocr": {"type": "object", "required": ["complete", "reason", "lines_found"],
                "description": "present when reading was cut short: the lines read are the top of the page",
                "properties": {"complete": {"const": False}, "reason": {"enum": ["time", "lines"]},
                               "lines_found": {"type": "integer", "minimum": 0}}},
    },
}


def check(doc: dict) -> None:
    """What the schema cannot say: `text` is the lines, joined."""
    if doc["text"] != "\n".join(line["text"] for line in doc["lines"]):
        raise ValueError("page result: text must be the lines' texts joined by newlines")


def limits() -> dict:
    s = settings.get()
    return {"max_bytes": s.max_upload_bytes, "max_pixels": s.max_pixels}


KIND = Kind(
    name=NAME, label="Photo or scan",
    description="A photo or scan of text: the text, its place on the image, and a recording of it.",
    content_types=types.IMAGE_TYPES,
    extensions=tuple(e for t in types.IMAGE_TYPES for e in types.EXTENSIONS[t]),
    runner="chalicelib.kinds.page_pipeline:run",
    result_schema=RESULT_SCHEMA, outputs=(SPEECH,), limits=limits, checks=check,
    # The voice loads once the first text is published (page_pipeline.warm_up).
    warm_up="chalicelib.kinds.page_pipeline:warm_up_text")
