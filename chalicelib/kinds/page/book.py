"""The `page` kind's work on a book (CONTRACTS section 15), one shard at a time: a range of its
pages read, or a section of its text recorded. Bytes in, outputs out; no AWS I/O (the shards'
executor, chalicelib.jobs.book, stores them). What a shard is: chalicelib.jobs.plan.

`pipeline.run` raises `kinds.base.IsBook` when the document it opened is a book (more pages, or words,
than one worker reads: settings.books), with what the planner needs (`kinds.base.Survey`); shorter
documents never come here and keep their result's shape.
"""
from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from chalicelib import logs, settings
from chalicelib.engines import ocr
from chalicelib.errors import MediaError
from chalicelib.kinds import plan, voice
from chalicelib.kinds.base import Read
from chalicelib.kinds.common import Stopwatch
from chalicelib.kinds.page import NAME, PAGE_IMAGE
from chalicelib.kinds.page import pipeline as pages_of
from chalicelib.languages import detect
from chalicelib.structure import elements, furniture, spoken

log = logs.get("book")

UNREADABLE = "Page {n} could not be read: {reason}"


def read_pages(data: bytes | Path, first: int, end: int, *, language: str | None = None, skip=None,
               ocr_engine: str | None = None, outline: list[dict] | None = None,
               deadline: float | None = None) -> Read:
    """Pages [first, end) of a PDF or TIFF, each from its text layer or by OCR (as a short
    document's are: pipeline._read_page). A page that cannot be decoded or read (a damaged or
    hostile object) is a page without text whose `error` says why; the others are read."""
    from chalicelib.media import sandbox

    s = settings.get()
    watch = Stopwatch()
    engine = ocr.get_reader(ocr_engine or s.worker.ocr_engine)
    pages: list[elements.Page] = []
    images: dict[str, bytes] = {}
    unsure: list[elements.Word] = []
    failed: list[str] = []
    doc = None

    def opened():
        nonlocal doc
        if doc is None:
            with watch.stage("decode"):
                doc = sandbox.open_document(data, max_bytes=s.books.max_book_bytes, max_pixels=s.limits.max_pixels,
                                            max_pages=s.books.max_book_pages, dpi=s.limits.pdf_render_dpi,
                                            max_page_words=s.limits.max_page_words,
                                            max_page_chars=s.limits.max_page_chars, deadline=deadline)
        return doc

    try:
        size = (1, 1)  # an unreadable page's: its own when known, else the page's before it
        for index in range(first, end):
            so_far = pages[-1].language.code if pages and pages[-1].language else None
            try:
                page = opened().page(index)
                size = (page.width, page.height)
                entry, image, words = pages_of._read_page(page, ocr_engine, watch, deadline, language)
            except MediaError as exc:  # this page's objects broke its decoder: the book goes on
                reason = UNREADABLE.format(n=index + 1, reason=exc.message)
                log.warning("page could not be read", extra={"page": index + 1, "reason": exc.message})
                failed.append(reason)
                pages.append(_unreadable(reason, so_far, language, size))
                if doc is not None:
                    with contextlib.suppress(Exception):
                        doc.close()
                    doc = None  # its decoder may have died with the page: the next page opens it again
                continue
            unsure += [replace(w, page=index) for w in words]
            name = PAGE_IMAGE.format(index + 1)
            entry.source, entry.image = entry.source or page.source, name
            images[name] = image
            entry.lines, cut = pages_of.cap_lines(entry.lines, s.limits.max_page_words, s.limits.max_page_chars)
            if cut is not None:
                entry.cut, entry.blocks = {**cut, "of": "page"}, pages_of.kept_blocks(entry.blocks or [], len(entry.lines))
            elif page.cut is not None:
                entry.cut = {"reason": page.cut, "kept": len(entry.words()), "of": "page"}
            pages.append(pages_of.with_language(entry, language, so_far))
            size = (entry.width, entry.height)
    finally:
        if doc is not None:
            doc.close()
    read = elements.Document(engine.name, engine.version, pages, dict(watch.ms), unsure=unsure, kind=NAME, paged=True)
    return _shard(read.export(), first, skip, outline, images, failed, settle=True)


def unreadable_pages(first: int, end: int, reason: str, language: str | None = None) -> Read:
    """Pages [first, end) that could not be read (their shard failed too often): each says why."""
    pages = [_unreadable(UNREADABLE.format(n=i + 1, reason=reason), None, language).export() for i in range(first, end)]
    return Read(first, pages, {}, "", [], {}, [], [], [p["error"] for p in pages], "", "")


def flow_part(result: dict, first: int, end: int) -> dict:
    """What one reading shard of a document without pages publishes: its sections [first, end)
    of the document read whole by `pipeline.run` (the survey), and their chapters."""
    return {"pages": result["pages"][first:end], "engine": result.get("engine"),
            "engine_version": result.get("engine_version"), "timings_ms": result.get("timings_ms"),
            "chapters": [c for c in result.get("chapters") or [] if "page" in c and first <= c["page"] < end]}


def flow_pages(part: dict, first: int, skip=None) -> Read:
    """A reading shard's output from its part (`flow_part`), whose sections start at `first`."""
    outline = [{**c, "page": c["page"] - first} for c in part.get("chapters") or []]
    return _shard(part, first, skip, None, {}, [], settle=False, chapters=outline)


def _shard(result: dict, first: int, skip, outline: list[dict] | None, images: dict[str, bytes],
           failed: list[str], settle: bool, chapters: list[dict] | None = None) -> Read:
    """A shard's pages with their structure settled among them (furniture repeating from page
    to page, what is spoken, chapters), and its spoken units (plan.units_of)."""
    s = settings.get()
    pages = result["pages"]
    if settle and len(pages) > 1:
        furniture.across_pages(pages)
    skipped = spoken.apply_skip(pages, skip)
    local = [{**o, "page": o["page"] - first} for o in outline or [] if first <= o["page"] < first + len(pages)]
    found = chapters if chapters is not None else spoken.chapters({"pages": pages}, local or None)
    units, words = [], 0
    for k, page in enumerate(pages):
        loaded = elements.Page.load(page)
        units += plan.units_of(first + k, page.get("blocks") or [], [len(line.text) for line in loaded.lines],
                               s.books.section_chars)
        words += len(loaded.words())
    text = "\n\n".join(t for t in (p.get("text") or "" for p in pages) if t)
    return Read(first, pages, images, text, [{**c, "page": c["page"] + first} for c in found], skipped,
                list(result.get("unsure") or []), units, failed, result.get("engine") or "", result.get("engine_version") or "",
                words, dict(result.get("timings_ms") or {}))


def _unreadable(reason: str, so_far: str | None, named: str | None, size: tuple[int, int] = (1, 1)) -> elements.Page:
    code = named or so_far or detect.FALLBACK
    return elements.Page(size[0], size[1], [], [], elements.Language(code, 0.0, named is None), source="none",
                         rest={"error": reason})


@dataclass
class Recorded:
    """A recording section: its audio (MP3) and what the book's index says of it."""
    mp3: bytes | None  # None: nothing to say (every word of a role the upload skips)
    seconds: float
    words: list[dict]  # CONTRACTS section 10 (with `page`), timed from the part's own start
    sentences: list[dict]
    first: dict | None  # the first and last spoken word: {"page", "line", "word"}
    last: dict | None
    characters: int
    voice: dict | None
    engine: str
    unspoken: list[str] = field(default_factory=list)
    timings_ms: dict = field(default_factory=dict)


def record_section(pages: dict[int, dict], section: plan.Section, *, tts_engine: str | None = None,
                   lexicon: list[dict] | None = None, deadline: float | None = None,
                   voices: dict[str, str] | None = None) -> Recorded:
    """The recording of one section (its units, from the pages that hold them: book index ->
    exported page) in the voice of each page's language, as a short document's recording is made
    (chalicelib.kinds.voice), joined into one MP3. `voices`: the voice chosen per language
    (chalicelib.voices.chosen; None: the languages' defaults)."""
    t0 = time.perf_counter()
    numbers, chosen = _section_pages(pages, section)
    main = (chosen[0].get("language") or {}).get("code") or detect.FALLBACK if chosen else detect.FALLBACK
    said = spoken.script({"pages": chosen}, main, numbers=numbers)
    named = [w[0][0] for w in said.where if w]
    if not said.text.strip():
        return Recorded(None, 0.0, [], [], None, None, 0, None, "none")
    take = voice.record(said.text, where=said.where, language=main, languages_of=said.languages,
                        tts_engine=tts_engine, deadline=None, lexicon=lexicon, voices=voices)
    info = take.info
    if not take.parts:
        return Recorded(None, 0.0, [], [], named[0] if named else None, named[-1] if named else None,
                        len(said.text), None, info.get("engine") or "none", list(info.get("unspoken") or []))
    _, mp3 = voice.whole(part.wav for part in take.parts)
    words, sentences = voice.read_along(info)
    return Recorded(mp3.read(), float(info["seconds"]), words, sentences,
                    named[0] if named else None, named[-1] if named else None, len(said.text), info.get("voice"),
                    info.get("engine") or "", list(info.get("unspoken") or []),
                    {"tts": int((time.perf_counter() - t0) * 1000)})


def _section_pages(pages: dict[int, dict], section: plan.Section) -> tuple[list[int], list[dict]]:
    """The section's pages, each holding only the blocks (or the run of a block's lines) it speaks."""
    numbers: list[int] = []
    chosen: list[dict] = []
    for unit in section.units:
        page = pages[unit.page]
        block = dict((page.get("blocks") or [])[unit.block])
        if unit.lines is not None:
            block["lines"] = block["lines"][unit.lines[0]:unit.lines[1]]
        if not numbers or numbers[-1] != unit.page:
            numbers.append(unit.page)
            chosen.append({**page, "blocks": []})
        chosen[-1]["blocks"].append(block)
    return numbers, chosen
