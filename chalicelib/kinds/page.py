"""The `page` kind (CONTRACTS sections 1 and 6): a photo or scan in; its text with line and
word boxes, and the text read aloud, out. Declaration only: the work is `page_pipeline.run`."""
from __future__ import annotations

from chalicelib import settings
from chalicelib.kinds.base import Kind
from chalicelib.media import types

NAME = "page"
SPEECH = "speech.wav"
SPEECH_MP3 = "speech.mp3"  # the same recording, compressed, for downloading
PAGE_IMAGE = "page-{:03d}.jpg"  # a document's page as read (its boxes are in its pixels)

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
_SECONDS = {"type": "number", "minimum": 0}
_INDEX = {"type": "integer", "minimum": 0}
# result.speech: present when there is a recording (an extension of section 1).
SPEECH_INFO = {
    "type": "object", "required": ["engine", "seconds", "characters", "complete"],
    "properties": {
        "engine": _TEXT, "seconds": _SECONDS,
        "characters": {"type": "integer", "minimum": 0, "description": "how much of `text` is spoken"},
        "complete": {"type": "boolean", "description": "false while the recording is being made, and when the "
                                                       "text is longer than the longest recording made"},
        "reason": {"enum": ["duration"], "description": "why a finished recording is not complete"},
        "parts": {"type": "array", "description": "the recording as it is made: WAV files (outputs) that, "
                                                  "back to back, are speech.wav",
                  "items": {"type": "object", "required": ["file", "start", "seconds"],
                            "properties": {"file": _TEXT, "start": _SECONDS, "seconds": _SECONDS}}},
        "words": {"type": "array", "description": "CONTRACTS section 10: when each word is heard in speech.wav",
                  "items": {"type": "object", "required": ["line", "word", "start", "end"],
                            "properties": {"page": _INDEX, "line": _INDEX, "word": _INDEX,
                                           "start": _SECONDS, "end": _SECONDS}}},
        "download": {"type": "string", "description": "the compressed recording's output file (speech.mp3)"},
        "next_piece": {"type": "integer", "minimum": 0, "description": "where a continued recording goes on"},
    },
}
UNSURE = {"type": "array", "description": "words read with too little confidence to be in `text`, "
                                          "shown apart (marked on the image)",
          "items": {"type": "object", "required": ["text", "confidence", "box"],
                    "properties": {**WORD["properties"], "page": _INDEX}}}
COVERAGE = {"type": "object", "required": ["complete", "reason", "lines_found"],
            "description": "present when reading was cut short: the lines read are the top of the page",
            "properties": {"complete": {"const": False}, "reason": {"enum": ["time", "lines"]},
                           "lines_found": {"type": "integer", "minimum": 0}}}
CUT = {"type": "object", "required": ["reason", "kept"],
       "description": "present when the text was cut at PageVoice's cap on words or characters "
                      "(per page, or per document: `of`); the first `kept` words are kept",
       "properties": {"reason": {"enum": ["words", "chars"]}, "kept": _INDEX, "found": _INDEX,
                      "of": {"enum": ["page", "document"]}}}
PAGE = {"type": "object", "required": ["width", "height", "text", "lines", "source", "image"],
        "properties": {"width": {"type": "integer", "minimum": 1}, "height": {"type": "integer", "minimum": 1},
                       "text": _TEXT, "lines": {"type": "array", "items": LINE},
                       "source": {"enum": ["text", "ocr"], "description": "read from the PDF's text layer, or by OCR"},
                       "image": {"type": "string", "description": "output file: the page as read"},
                       "ocr": COVERAGE, "cut": CUT}}
DOCUMENT = {"type": "object", "required": ["pages_in_file", "pages", "read", "complete"],
            "description": "documents only: how much of the file is read (grows while processing)",
            "properties": {"pages_in_file": _INDEX, "pages": {**_INDEX, "description": "pages to read (at most the limit)"},
                           "read": _INDEX, "complete": {"type": "boolean"},
                           "reason": {"enum": ["pages", "words", "chars"],
                                      "description": "pages past the limit were left out, or the text was cut at "
                                                     "the cap on words or characters"}}}

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
        "ocr": COVERAGE,
        "cut": CUT,
        "unsure": UNSURE,
        "pages": {"type": "array", "items": PAGE, "description": "CONTRACTS section 7: documents' pages"},
        "document": DOCUMENT,
        "complete": {"const": False, "description": "present when the result was cut short to fit the "
                                                    "result size cap (PAGEVOICE_MAX_RESULT_BYTES)"},
        "reason": {"enum": ["size"], "description": "why the result is not complete"},
    },
}


def check(doc: dict) -> None:
    """What the schema cannot say: `text` is the lines joined (and the pages, for documents);
    read-along timings point at words that exist, in order."""
    pages = doc.get("pages")
    for page in pages or [doc]:
        if page["text"] != "\n".join(line["text"] for line in page["lines"]):
            raise ValueError("page result: text must be the lines' texts joined by newlines")
    if pages and doc["text"] != "\n\n".join(p["text"] for p in pages if p["text"]):
        raise ValueError("document result: text must be the pages' texts joined by a blank line")
    last = 0.0
    for w in (doc.get("speech") or {}).get("words", []):
        page = pages[w["page"]] if pages else doc
        if w["word"] >= len(page["lines"][w["line"]]["words"]) or w["end"] < w["start"] or w["start"] < last - 1e-6:
            raise ValueError(f"read-along timing {w} does not point at a word in order")
        last = w["start"]


def limits() -> dict:
    s = settings.get()
    return {"max_bytes": s.max_upload_bytes, "max_pixels": s.max_pixels, "max_pages": s.max_document_pages}


KIND = Kind(
    name=NAME, label="Photo, scan or document",
    description="A photo, a scan or a PDF of text: the text, its place on each page, and a recording of it "
                "that lights up each word as it is spoken.",
    content_types=types.IMAGE_TYPES + types.DOCUMENT_TYPES,
    extensions=tuple(e for t in types.IMAGE_TYPES + types.DOCUMENT_TYPES for e in types.EXTENSIONS[t]),
    runner="chalicelib.kinds.page_pipeline:run", resumable=True,
    result_schema=RESULT_SCHEMA, outputs=(SPEECH, SPEECH_MP3), audio=SPEECH, limits=limits, checks=check,
    # The OCR model at init; the voice behind it at low priority (page_pipeline.warm_up).
    warm_up="chalicelib.kinds.page_pipeline:warm_up_text", warm_later="chalicelib.kinds.voice:warm_up")
