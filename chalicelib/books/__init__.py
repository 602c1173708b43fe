"""Books other apps play, made from a finished job (CONTRACTS section 14, `GET /jobs/{id}/export`).

A format is data plus a pure function from the published result and the compressed recording
(speech.mp3) to the book's bytes, with no AWS I/O inside: `epub.build` (EPUB 3 with Media
Overlays) and `mp3.build` (the recording with ID3v2 chapters). The export's plumbing (when a book
is made, where it is kept, its progress) is `chalicelib.books.export`.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Format:
    name: str          # the `format` query value
    file: str          # the book's file name beside the job's results
    content_type: str
    builder: str       # "module:function", imported only on the worker side
    suffix: str        # the download's file name ends so


FORMATS = {
    "epub": Format("epub", "book.epub", "application/epub+zip", "chalicelib.books.epub:build", ".epub"),
    "mp3": Format("mp3", "book.mp3", "audio/mpeg", "chalicelib.books.mp3:build", ".mp3"),
}


TITLE_MAX = 200  # characters of a book's title, a chapter's (a document's declared title has no bound)


def clip(text: str, limit: int) -> str:
    """`text` of at most `limit` characters: cut at a space where one is near the end, marked "…"."""
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip() + "…"


def builder(fmt: Format) -> Callable[..., bytes]:
    """The format's build function: `build(result: dict, recording: bytes, *, title: str,
    progress: Callable[[float], None] | None = None) -> bytes`, where `recording` is the job's
    speech.mp3 and `progress` is told the share done (0..1) now and then."""
    import importlib

    module, func = fmt.builder.split(":")
    return getattr(importlib.import_module(module), func)
