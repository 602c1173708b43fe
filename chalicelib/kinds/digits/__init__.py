"""The `digits` kind (CONTRACTS sections 6 and 8): a photo, scan or drawing of a handwritten digit
or number in; the number, each digit's value, confidence, probabilities and box, and the number
read aloud, out. Declaration only: the work is `pipeline.run`."""
from __future__ import annotations

from chalicelib.kinds.base import Kind
from chalicelib.kinds.common import BOX, RECORDING, check_text_result, photo_limits, text_result, text_summary
from chalicelib.media import types

NAME = "digits"

DIGIT = {
    "type": "object", "required": ["digit", "confidence", "probabilities", "box"],
    "properties": {
        "digit": {"type": "integer", "minimum": 0, "maximum": 9,
                  "description": "the likeliest digit; `unsure` is true when PageVoice is not sure of it"},
        "unsure": {"type": "boolean"},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        "probabilities": {"type": "array", "minItems": 10, "maxItems": 10,
                          "items": {"type": "number", "minimum": 0, "maximum": 1}},
        "box": BOX, "line": {"type": "integer", "minimum": 0},
    },
}

RESULT_SCHEMA = {
    "title": "DigitsResult",
    "description": "CONTRACTS section 8: section 1's shape (a line per line of handwriting, a word per "
                   "digit) plus `digits`.",
    "type": "object",
    "required": ["schema", "kind", "engine", "width", "height", "text", "lines", "digits", "timings_ms"],
    "properties": {
        **text_result(NAME),
        "text": {"type": "string", "description": "the number; '?' stands for a digit PageVoice is not sure of"},
        "digits": {"type": "array", "items": DIGIT},
        "sure": {"type": "boolean", "description": "false when any digit is unsure"},
    },
}


def check(doc: dict) -> None:
    check_text_result(doc)
    words = [w for line in doc["lines"] for w in line["words"]]
    if len(words) != len(doc["digits"]):
        raise ValueError("digits result: one word per digit")


KIND = Kind(
    name=NAME, label="Handwritten digits",
    description="A photo or drawing of a handwritten digit or number: the number, each digit's box and "
                "how sure PageVoice is, and the number read aloud.",
    content_types=types.IMAGE_TYPES,
    extensions=tuple(e for t in types.IMAGE_TYPES for e in types.EXTENSIONS[t]),
    runner="chalicelib.kinds.digits.pipeline:run",
    result_schema=RESULT_SCHEMA, outputs=(RECORDING,), audio=RECORDING, limits=photo_limits, checks=check,
    summary=text_summary, pronunciations=True,
    warm_up="chalicelib.kinds.digits.pipeline:warm_up",
    language_use="voice")
