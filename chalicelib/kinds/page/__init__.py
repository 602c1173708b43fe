"""The `page` kind (CONTRACTS sections 1 and 6): a photo or scan in; its text with line and
word boxes, and the text read aloud, out. Declaration only: the work is `pipeline.run`."""
from __future__ import annotations

from chalicelib.kinds.base import Kind
from chalicelib.kinds.common import RECORDING, RECORDING_MP3, check_text_result, image_limits, text_result, text_summary
from chalicelib.media import types
from chalicelib.structure import DEFAULT_SKIP, ROLES

NAME = "page"
PAGE_IMAGE = "page-{:03d}.jpg"  # a document's page as read (its boxes are in its pixels)
CHAPTERS = "chapters.vtt"  # WebVTT chapters of speech.wav (CONTRACTS section 13)

RESULT_SCHEMA = {
    "title": "PageResult", "description": "CONTRACTS section 1: text with line and word boxes.",
    "type": "object", "required": ["schema", "engine", "width", "height", "text", "lines", "timings_ms"],
    "properties": text_result(NAME),
}

KIND = Kind(
    name=NAME, label="Photo, scan or document",
    description="A photo, a scan or a document (PDF, Word, OpenDocument, EPUB, web page, Markdown, Jupyter notebook, "
                "LaTeX or text): "
                "its text with its structure, and a recording of it that lights up each word as it is spoken.",
    content_types=types.IMAGE_TYPES + types.DOCUMENT_TYPES,
    extensions=tuple(dict.fromkeys(e for t in types.IMAGE_TYPES + types.DOCUMENT_TYPES for e in types.EXTENSIONS[t])),
    runner="chalicelib.kinds.page.pipeline:run", resumable=True,
    result_schema=RESULT_SCHEMA, outputs=(RECORDING, RECORDING_MP3, CHAPTERS), audio=RECORDING, limits=image_limits,
    checks=check_text_result, summary=text_summary, declared_type=True, pronunciations=True,
    # The OCR model at init; language identification and the voice behind it, in the
    # background once no job is making its text (pipeline.warm_up).
    warm_up="chalicelib.kinds.page.pipeline:warm_up_text", warm_later="chalicelib.kinds.page.pipeline:warm_up_later",
    language_use="read", book="chalicelib.kinds.page.book",
    options={"skip": {"description": "Roles of the document's blocks not to speak (CONTRACTS section 13); "
                                     "[] speaks everything.",
                      "default": list(DEFAULT_SKIP), "roles": list(ROLES)}})
