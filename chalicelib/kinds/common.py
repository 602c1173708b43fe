"""What kinds share, so that no kind leans on another's package: the recording's file names,
the pieces of result schema several kinds return, their invariants and limits, the stopwatch.

Kept light (no ML): the API imports it through the declarations."""
from __future__ import annotations

import time
from contextlib import contextmanager

from chalicelib import settings, structure
from chalicelib.kinds.base import characters
from chalicelib.media import types

RECORDING = "speech.wav"  # text-to-speech's recording (the file name is a contract)
RECORDING_MP3 = "speech.mp3"  # the same recording, compressed, for downloading


class Stopwatch:
    """Milliseconds per named stage (`timings_ms` of a result)."""

    def __init__(self) -> None:
        self.ms: dict[str, int] = {}

    @contextmanager
    def stage(self, name: str):
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.ms[name] = int(round((time.perf_counter() - t0) * 1000))


TEXT = {"type": "string"}
CONFIDENCE = {"type": "number", "minimum": 0, "maximum": 1}
SECONDS = {"type": "number", "minimum": 0}
INDEX = {"type": "integer", "minimum": 0}
CODE = {"type": "string", "pattern": "^[a-z]{2,3}$", "description": "BCP 47 primary tag (GET /languages)"}
POINT = {"type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "integer"}}
BOX = {"type": "array", "minItems": 4, "maxItems": 4, "items": POINT,
       "description": "4 corners, clockwise from top-left, image pixels"}
# Documents without pages (`flow`, CONTRACTS section 13) have no pixels: their boxes and sizes are null.
_BOX_OR_NULL = {"anyOf": [BOX, {"type": "null"}], "description": "4 corners, clockwise from top-left, image "
                                                                 "pixels; null in documents without pages (flow)"}
_SIZE = {"type": ["integer", "null"], "minimum": 1, "description": "pixels; null in documents without pages (flow)"}
# A formula (issue 58): the word is the formula, its text the formula's LaTeX without spaces.
FORMULA = {"type": "object",
           "description": "this word is a formula (documents without pages: one word of its sentence; a PDF "
                          "text layer: the first of `words` words); the site shows its MathML, the recording says "
                          "`spoken`",
           "properties": {
               "mathml": {**TEXT, "description": "Presentation MathML, one <math> element in the MathML namespace "
                                                 "(display=\"block\" for display math)"},
               "latex": {**TEXT, "description": "the formula's LaTeX as the document wrote it (Markdown, a TeX "
                                                "annotation, Wikipedia's alttext)"},
               "alt": {**TEXT, "description": "the document's own text for it (MathML alttext, a tagged PDF's Alt)"},
               "display": {"const": True, "description": "display math (a block of its own), not inline"},
               "spoken": {**TEXT, "description": "the words the recording says for it (ClearSpeak); \"formula\" "
                                                 "(or its alt text) when it could not be read"},
               "language": {**CODE, "description": "the language `spoken` is in when it is not the page's"},
               "error": {**TEXT, "description": "why the formula could not be read (too deep, too long, damaged)"},
               "span": {"type": "array", "items": INDEX, "minItems": 2, "maxItems": 2,
                        "description": "[start, end) of the formula in the word's text when punctuation is glued "
                                       "to it"},
               "words": {"type": "integer", "minimum": 1,
                         "description": "a PDF's formula region: how many words, from this one, it spans"}}}
WORD = {"type": "object", "required": ["text", "confidence", "box"],
        "properties": {"text": {"type": "string", "minLength": 1}, "confidence": CONFIDENCE, "box": _BOX_OR_NULL,
                       "formula": FORMULA}}
LINE = {"type": "object", "required": ["text", "confidence", "box", "words"],
        "properties": {"text": {"type": "string", "minLength": 1}, "confidence": CONFIDENCE, "box": _BOX_OR_NULL,
                       "words": {"type": "array", "minItems": 1, "items": WORD},
                       "language": {**CODE, "description": "where the page mixes languages: this line's"}}}
LANGUAGE = {"type": "object", "required": ["code", "confidence", "detected"],
            "description": "CONTRACTS section 11: the text's language; `detected` false when the upload named it",
            "properties": {"code": CODE, "confidence": CONFIDENCE, "detected": {"type": "boolean"}}}
VOICE = {"type": "object", "required": ["language", "engine", "name", "quality"],
         "description": "CONTRACTS section 11: the voice that read it",
         "properties": {"id": {"type": "string", "description": "engine:name, as GET /voices names it"},
                        "language": CODE, "engine": TEXT, "name": TEXT,
                        "quality": {"enum": ["neural", "standard", "basic"]},
                        "timings": {"const": "estimated",
                                    "description": "the voice gives no word times: they are shared out by length"}}}
TIMINGS = {"type": "object", "additionalProperties": {"type": "number", "minimum": 0},
           "description": "milliseconds per stage"}
# A place in the text (CONTRACTS section 15): a book's part's first and last spoken word.
PLACE = {"type": ["object", "null"], "required": ["page", "line", "word"],
         "properties": {"page": INDEX, "line": INDEX, "word": INDEX}}
# result.speech: present when there is a recording (an extension of section 1).
SPEECH_INFO = {
    "type": "object", "required": ["engine", "seconds", "characters", "complete"],
    "properties": {
        "engine": TEXT, "seconds": SECONDS,
        "characters": {"type": "integer", "minimum": 0, "description": "how much of `text` is spoken"},
        "complete": {"type": "boolean", "description": "false while the recording is being made, and when the "
                                                       "text is longer than the longest recording made"},
        "reason": {"enum": ["duration"], "description": "why a finished recording is not complete"},
        "parts": {"type": "array", "description": "the recording as it is made: WAV files (outputs) that, "
                                                  "back to back, are speech.wav; kept a day after they are "
                                                  "written (speech.wav is the recording to keep). A book's "
                                                  "(CONTRACTS section 15): MP3 files kept with it, in text order, "
                                                  "made in any order by many workers",
                  "items": {"type": "object", "required": ["file", "start", "seconds"],
                            "properties": {
                                "file": TEXT, "seconds": SECONDS, "voice": VOICE,
                                "start": {"type": ["number", "null"], "minimum": 0,
                                          "description": "seconds into the whole recording; a book's part: "
                                                         "null until every part before it is made"},
                                "first": PLACE, "last": PLACE,
                                "timings": {**TEXT, "description": "a book's part: the output file of its word "
                                                                   "and sentence timings, timed from its own start"},
                                "url": {**TEXT, "description": "GET /jobs/{id}: a presigned GET of the part"},
                                "timings_url": {**TEXT, "description": "GET /jobs/{id}: a presigned GET of its "
                                                                       "timings"}}}},
        "book": {"const": True, "description": "a book's recording: its parts are the recording (no speech.wav), "
                                               "each part's timings in its own file"},
        "voice": VOICE,
        "unspoken": {"type": "array", "items": CODE, "description": "languages of the text left unspoken: no voice"},
        "sample_rate": {"type": "integer", "minimum": 1},
        "words": {"type": "array", "description": "CONTRACTS section 10: when each word is heard in speech.wav",
                  "items": {"type": "object", "required": ["line", "word", "start", "end"],
                            "properties": {"page": INDEX, "line": INDEX, "word": INDEX,
                                           "start": SECONDS, "end": SECONDS}}},
        "sentences": {"type": "array", "description": "CONTRACTS section 14: each sentence's time span in speech.wav "
                                                      "and its first word (a heading, a list item, a table cell "
                                                      "is a sentence of its own), in speaking order; grows with "
                                                      "the recording",
                      "items": {"type": "object", "required": ["start", "end", "line", "word"],
                                "properties": {"start": SECONDS, "end": SECONDS, "page": INDEX, "line": INDEX,
                                               "word": INDEX}}},
        "lexicon": {"type": "object", "required": ["entries"],
                    "description": "present when the account's pronunciations (GET /me/lexicon) changed what was "
                                   "said: how many entries the recording was made with",
                    "properties": {"entries": {"type": "integer", "minimum": 1}}},
        "download": {"type": "string", "description": "the compressed recording's output file (speech.mp3)"},
        "next_piece": {"type": "integer", "minimum": 0, "description": "where a continued recording goes on"},
    },
}
UNSURE = {"type": "array", "description": "words read with too little confidence to be in `text`, "
                                          "shown apart (marked on the image)",
          "items": {"type": "object", "required": ["text", "confidence", "box"],
                    "properties": {**WORD["properties"], "page": INDEX}}}
COVERAGE = {"type": "object", "required": ["complete", "reason", "lines_found"],
            "description": "present when reading was cut short: the lines read are the top of the page",
            "properties": {"complete": {"const": False}, "reason": {"enum": ["time", "lines"]},
                           "lines_found": {"type": "integer", "minimum": 0}}}
CUT = {"type": "object", "required": ["reason", "kept"],
       "description": "present when the text was cut at PageVoice's cap on words or characters "
                      "(per page, or per document: `of`); the first `kept` words are kept",
       "properties": {"reason": {"enum": ["words", "chars"]}, "kept": INDEX, "found": INDEX,
                      "of": {"enum": ["page", "document"]}}}
_LINE_INDEXES = {"type": "array", "items": {"type": "integer", "minimum": 0}}
BLOCKS = {"type": "array", "description": "CONTRACTS section 13: the page's blocks in reading order; every line "
                                         "is in exactly one",
          "items": {"type": "object", "required": ["role", "lines", "spoken"],
                    "properties": {"role": {"enum": list(structure.ROLES)},
                                   "level": {"type": "integer", "minimum": 1, "maximum": 6},
                                   "lines": _LINE_INDEXES, "spoken": {"type": "boolean"},
                                   "box": {"anyOf": [{"type": "null"}, {"type": "array"}]},
                                   "rows": {"type": "integer", "minimum": 0}, "cols": {"type": "integer", "minimum": 0},
                                   "cells": {"type": "array", "items": {
                                       "type": "object", "required": ["row", "col", "header", "lines"],
                                       "properties": {"row": {"type": "integer", "minimum": 0},
                                                      "col": {"type": "integer", "minimum": 0},
                                                      "header": {"type": "boolean"}, "lines": _LINE_INDEXES}}}}}}
TEXT_LAYER = {"type": "object", "required": ["trusted", "reason"],
              "description": "a PDF page whose text layer did not say what the page shows: read by OCR (the "
                             "page's `source` is then ocr), or those of its lines (`lines`, each with "
                             "`source` ocr)",
              "properties": {"trusted": {"const": False}, "reason": TEXT, "lines": _LINE_INDEXES}}
STRUCTURE = {
    "skip": {"type": "array", "items": {"enum": list(structure.ROLES)}, "description": "roles not spoken"},
    "skipped": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 1},
                "description": "blocks left out of the recording, per role"},
    "chapters": {"type": "array", "items": {
        "type": "object", "required": ["title", "level", "block"],
        "properties": {"title": TEXT, "level": {"type": "integer", "minimum": 1, "maximum": 6},
                       "page": {"type": "integer", "minimum": 0}, "block": {"type": "integer", "minimum": 0},
                       "start": {"type": "number", "minimum": 0, "description": "seconds into speech.wav"}}}},
}
PAGE = {"type": "object", "required": ["width", "height", "text", "lines", "source", "image"],
        "properties": {"width": _SIZE, "height": _SIZE,
                       "text": TEXT, "lines": {"type": "array", "items": LINE},
                       "source": {"enum": ["text", "ocr", "none"],
                                  "description": "read from the PDF's text layer, or by OCR; none: a book's page "
                                                 "that could not be read (`error` says why)"},
                       "error": {**TEXT, "description": "a book's page that could not be read: why, as a sentence"},
                       "image": {"type": ["string", "null"],
                                 "description": "output file: the page as read (null in documents without pages)"},
                       "ocr": COVERAGE, "cut": CUT, "language": LANGUAGE, "blocks": BLOCKS,
                       "text_layer": TEXT_LAYER}}
DOCUMENT = {"type": "object", "required": ["pages_in_file", "pages", "read", "complete"],
            "description": "documents only: how much of the file is read (grows while processing)",
            "properties": {"pages_in_file": INDEX, "pages": {**INDEX, "description": "pages to read (at most the limit)"},
                           "read": INDEX, "complete": {"type": "boolean"},
                           "format": {"enum": ["docx", "odt", "epub", "html", "markdown", "text", "notebook", "latex", "pdf",
                                               "tiff"],
                                      "description": "what the file was read as (documents without pages, books)"},
                           "book": {"const": True, "description": "read and recorded by many workers "
                                                                  "(CONTRACTS section 15)"},
                           "unreadable": {**INDEX, "description": "a book's pages that could not be read"},
                           "failed": {"type": "array", "items": TEXT,
                                      "description": "why each of them could not be read (the first 100)"},
                           "progress": {"type": "object", "required": ["pages_read", "pages", "seconds_recorded"],
                                        "description": "CONTRACTS section 15: a book being made, how far it is",
                                        "properties": {"pages_read": INDEX, "pages": INDEX,
                                                       "seconds_recorded": {"type": "number", "minimum": 0},
                                                       "seconds_estimated": {"type": "number", "minimum": 0},
                                                       "seconds_left": {"type": "integer", "minimum": 0}}},
                           "title": {**TEXT, "description": "the title the document declares"},
                           "source_url": {"type": "string", "description": "read by link (CONTRACTS section 18): "
                                                                          "the address read, after redirects"},
                           "words": {"type": "object", "description": "flow documents cut at the cap on words "
                                                                     "or characters: words kept of those found",
                                     "properties": {"kept": INDEX, "found": INDEX}},
                           "reason": {"enum": ["pages", "words", "chars", "unread"],
                                      "description": "pages past the limit were left out, or the text was cut at "
                                                     "the cap on words or characters, or (unread) far less text "
                                                     "was read than the document holds"},
                           "note": {**TEXT, "description": "why the document is not complete, as a sentence "
                                                           "(reason unread)"}}}


def text_result(kind: str) -> dict:
    """The properties of a result that is text found on an image, with line and word boxes
    (CONTRACTS section 1; documents' pages, section 7; the recording, section 10), for `kind`."""
    return {
        "schema": {"const": 1}, "kind": {"const": kind}, "engine": {"type": "string", "minLength": 1},
        "engine_version": TEXT,
        "width": _SIZE, "height": _SIZE,
        "flow": {"const": True, "description": "CONTRACTS section 13: a document without pages (DOCX, ODT, "
                                               "EPUB, HTML, Markdown, a notebook, LaTeX, text); its pages are its "
                                               "sections, every "
                                               "box and size null"},
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
        "language": LANGUAGE,
        "blocks": BLOCKS,
        **STRUCTURE,
        "unspoken": {"type": "object", "required": ["languages", "message"],
                     "description": "present when text was read but not spoken: no voice for its language",
                     "properties": {"languages": {"type": "array", "items": CODE}, "message": TEXT}},
    }


def check_text_result(doc: dict) -> None:
    """What the schema of a `text_result` cannot say: `text` is the lines joined (and the
    pages, for documents); read-along timings and sentences point at words that exist, in order."""
    pages = doc.get("pages")
    flow = doc.get("flow") is True
    sizes = [doc["width"], doc["height"]] + [p.get(k) for p in pages or [] for k in ("width", "height")]
    if any((v is None) != flow for v in sizes):
        raise ValueError("page result: width and height are null exactly when the result is a flow document")
    for page in pages or [doc]:
        if any((line["box"] is None) != flow for line in page["lines"]):
            raise ValueError("page result: boxes are null exactly when the result is a flow document")
        if page["text"] != "\n".join(line["text"] for line in page["lines"]):
            raise ValueError("page result: text must be the lines' texts joined by newlines")
        if "blocks" in page:
            held = sorted(i for block in page["blocks"] for i in block["lines"])
            if held != list(range(len(page["lines"]))):
                raise ValueError("page result: every line must be in exactly one block")
    if pages and doc["text"] != "\n\n".join(p["text"] for p in pages if p["text"]):
        raise ValueError("document result: text must be the pages' texts joined by a blank line")
    for field, what in (("words", "read-along timing"), ("sentences", "sentence")):
        last = 0.0
        for w in (doc.get("speech") or {}).get(field, []):
            page = pages[w["page"]] if pages else doc
            if w["line"] >= len(page["lines"]) or w["word"] >= len(page["lines"][w["line"]]["words"]) \
                    or w["end"] < w["start"] or w["start"] < last - 1e-6:
                raise ValueError(f"{what} {w} does not point at a word in order")
            last = w["start"]


def text_summary(result: dict) -> dict:
    """`Kind.summary` of a result with lines of words (a page, a document, digits): its
    characters, pages (a document's), lines and words."""
    summary = characters(result)
    pages = result.get("pages") if isinstance(result.get("pages"), list) else None
    if pages:
        summary["pages"] = len(pages)
    lines = [line for page in pages for line in page.get("lines", [])] if pages else result.get("lines")
    if isinstance(lines, list):
        summary["lines"] = len(lines)
        summary["words"] = sum(len(line.get("words", [])) for line in lines)
    return summary


def photo_limits() -> dict:
    """What a photo upload may be, from settings: its bytes and its pixels."""
    s = settings.get()
    return {"max_bytes": s.limits.max_upload_bytes, "max_pixels": s.limits.max_pixels}


def image_limits() -> dict:
    """What an image or document upload may be, from settings: a photo's bytes (`max_bytes`), a
    document's (`max_document_bytes`: PDF, TIFF and the documents without pages, `document_types`),
    the pixels of a page and the pages read of a document."""
    s = settings.get()
    return {**photo_limits(), "max_pages": s.books.max_book_pages,
            "max_document_bytes": s.books.max_book_bytes,
            "document_types": ["image/tiff", *types.DOCUMENT_TYPES]}
