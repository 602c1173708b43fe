"""Books other apps play, made from a finished job (CONTRACTS section 14, `GET /jobs/{id}/export`).

A format is data plus a pure function from the published result and the compressed recording
(speech.mp3) to the book's bytes, with no AWS I/O inside: `epub.build` (EPUB 3 with Media
Overlays), `mp3.build` (the recording with ID3v2 chapters), `m4b.build` (an audiobook) and
`chapters.build` (a ZIP of one MP3 per chapter). The export's plumbing (when a book
is made, where it is kept, its progress) is `chalicelib.books.export`.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Format:
    name: str          # the `format` query value
    file: str          # the book's file name beside the job's results
    content_type: str
    builder: str       # "module:function", imported only on the worker side
    suffix: str        # the download's file name ends so
    # "module:function" making it of a whole book's parts (CONTRACTS section 15), piece by piece
    # (`book_builder`); "" when the format is not made of them yet.
    parts_builder: str = ""
    # The longest recording it is made of (0: any): what the tasks function encodes within its
    # time (an M4B is encoded again: ~150x real time on a whole core, the function has 0.58).
    max_seconds: int = 0
    # Its parts_builder also takes the book's pages and each part's timings (`read_pages`,
    # `read_timings`: book_builder): the text is in it, not only the recording.
    of_text: bool = False


FORMATS = {
    "epub": Format("epub", "book.epub", "application/epub+zip", "chalicelib.books.epub:build", ".epub",
                   parts_builder="chalicelib.books.epub_book:build_book", of_text=True),
    "mp3": Format("mp3", "book.mp3", "audio/mpeg", "chalicelib.books.mp3:build", ".mp3",
                  parts_builder="chalicelib.books.mp3:build_book"),
    "m4b": Format("m4b", "book.m4b", "audio/mp4", "chalicelib.books.m4b:build", ".m4b",
                  parts_builder="chalicelib.books.m4b:build_book", max_seconds=8 * 3600),
    # Chapters as separate MP3 files: a ZIP of one MP3 per chapter ("report-chapters.zip").
    "chapters": Format("chapters", "book-chapters.zip", "application/zip", "chalicelib.books.chapters:build",
                       "-chapters.zip", parts_builder="chalicelib.books.chapters:build_book"),
}


TITLE_MAX = 200  # characters of a book's title, a chapter's (a document's declared title has no bound)
HEAD_BYTES = 4096  # a recording part's first bytes, which say how long it is (book_builder's read_head)
TEXT_CHARS = 65_536  # a whole book's text, as far as a format keeps it (an MP3's lyrics)


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
    return _imported(fmt.builder)


def book_builder(fmt: Format) -> Callable[..., Iterator[bytes]]:
    """The format's builder of a whole book (`parts_builder`): `build_book(head: dict, text: str,
    read_head: Callable[[int], bytes], read_part: Callable[[int], bytes], *, title, progress,
    left_out, text_chars)`, yielding the book's bytes piece by piece, where `head` is the book's
    index's result (its `speech.parts`, chapters and language), `text` its first TEXT_CHARS
    (of `text_chars`), `read_head(k)` part k's first HEAD_BYTES and `read_part(k)` part k's MP3;
    a format `of_text` also takes `read_pages()` (the book's pages, one at a time, in order) and
    `read_timings(k)` (part k's {"words", "sentences"}, timed from its own start)."""
    return _imported(fmt.parts_builder)


def chapters_on(head: dict, voice_at) -> list[dict]:
    """A book's chapters (each `start` on its recording's clock: its parts' `start`) moved onto a
    format's clock, where part k's voice starts at `voice_at[k]`."""
    import bisect
    from array import array

    parts = (head.get("speech") or {}).get("parts") or []
    starts = array("d", (float(p.get("start") or 0.0) for p in parts))  # (8 bytes a part)
    moved = []
    for chapter in head.get("chapters") or []:
        if not isinstance(chapter.get("start"), (int, float)) or not parts:
            continue
        k = max(0, bisect.bisect_right(starts, float(chapter["start"])) - 1)
        moved.append({**chapter, "start": round(voice_at[k] + float(chapter["start"]) - starts[k], 3)})
    return moved


def _imported(name: str):
    import importlib

    module, func = name.split(":")
    return getattr(importlib.import_module(module), func)
