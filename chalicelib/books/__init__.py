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


def left(out: list[dict] | None, what: str, count: int, limit: int, message: str) -> None:
    """Note in `out` (a build's `left_out`, when it was given one) that a bound of the format left
    `count` of `what` out of the book or cut them: GET /jobs/{id}/export's 200 says so."""
    if out is not None and count > 0:
        out.append({"what": what, "count": count, "limit": limit, "message": message})


def clipped_title(title: str, out: list[dict] | None) -> str:
    """The book's title within TITLE_MAX, noted in `out` when it was cut."""
    kept = clip(title, TITLE_MAX)
    left(out, "title", len(title) - len(kept.removesuffix("…")), TITLE_MAX,
         f"The title is cut to {TITLE_MAX} characters.")
    return kept


def cut_names(count: int, limit: int, name: str, where: str) -> str:
    """"3 chapter titles are cut to 80 characters in the contents." """
    return f"{count:,} {name}{'' if count == 1 else 's'} {'is' if count == 1 else 'are'} cut to {limit} characters{where}."


def builder(fmt: Format) -> Callable[..., bytes]:
    """The format's build function: `build(result: dict, recording: bytes, *, title: str,
    progress: Callable[[float], None] | None = None, left_out: list[dict] | None = None) -> bytes`,
    where `recording` is the job's speech.mp3, `progress` is told the share done (0..1) now and
    then, and `left_out` gets what the format's bounds left out (`left`)."""
    import importlib

    module, func = fmt.builder.split(":")
    return getattr(importlib.import_module(module), func)
