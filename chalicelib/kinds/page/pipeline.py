"""The `page` kind's work: a photo, a scan or a document (PDF, multi-page TIFF) -> its text with
word boxes (CONTRACTS sections 1 and 7), read aloud with read-along timings (section 10). The
worker (through `run`), the CLI and the benchmarks call it; no AWS I/O here.

The work goes in stages that each publish what they made, so people see it at once and a
follow-up invocation (or a retry after a crash) goes on from the last published result instead
of starting again: the text (page by page for a document: "page 3 of 12 read"), then the
recording, part by part (chalicelib.kinds.voice), then the whole recording and its MP3.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from chalicelib import logs, settings
from chalicelib.engines import layout as layout_engines
from chalicelib.engines import ocr
from chalicelib.engines.ocr.base import read_page
from chalicelib.errors import EngineUnavailable, MediaError, UnknownFile
from chalicelib.kinds import voice
from chalicelib.kinds.base import IsBook, Outputs, Resume, Survey
from chalicelib.kinds.common import RECORDING, RECORDING_MP3, Stopwatch
from chalicelib.kinds.page import CHAPTERS, NAME, PAGE_IMAGE
from chalicelib.languages import detect
from chalicelib.media import sandbox, types
from chalicelib.structure import DEFAULT_SKIP, elements, furniture, ink, layout, regions, spoken

log = logs.get("page")

BOOK_CHARS_PER_WORD = 10  # a book's characters cap, from its words cap (English averages ~6)


@dataclass
class Processed:
    result: dict  # CONTRACTS section 1
    wav: bytes | None  # None when the image has no text


NOT_READ = ("This file is not one PageVoice can read. Upload a photo or a scan (JPEG, PNG, WebP, TIFF, BMP, GIF "
            "or HEIC), a PDF, or a document (Word, OpenDocument, EPUB, a web page, Markdown, a Jupyter notebook, "
            "LaTeX or text).")


def recognize(data: bytes, *, ocr_engine: str | None = None, watch: Stopwatch | None = None,
              deadline: float | None = None, language: str | None = None, skip=None) -> dict:
    """Image bytes -> OCR result (no speech), exported. Reading stops at `settings.worker.ocr_max_seconds`, or
    `speech_reserve_seconds` before `deadline` (time.monotonic), whichever comes first; the
    result's `ocr` then says how much was read (the top of the page). Text past the page's
    caps (words, characters) is left out and `cut` says so."""
    s = settings.get()
    watch = watch or Stopwatch()
    with watch.stage("decode"):
        # A one-page TIFF is read as an image, but uploaded as a document (a book's size).
        most = s.books.max_book_bytes if sandbox.is_tiff(data) else s.limits.max_upload_bytes
        try:
            image = sandbox.decode_image(data, max_bytes=most, max_pixels=s.limits.max_pixels, deadline=deadline)
        except UnknownFile as exc:
            if types.image_type(bytes(data[:32])) is not None:
                raise  # an image, damaged
            raise UnknownFile(NOT_READ) from exc  # neither an image nor a document: say all this kind reads
    stop = None if deadline is None else deadline - s.worker.speech_reserve_seconds
    doc = read_image(image.rgb, ocr_engine=ocr_engine, watch=watch, deadline=stop, language=language)
    page = doc.page
    page.lines, cut = cap_lines(page.lines, s.limits.max_page_words, s.limits.max_page_chars)
    if cut is not None:
        page.cut, page.blocks = cut, kept_blocks(page.blocks, len(page.lines))
    with_language(page, language)
    return structured(doc.export(), skip)


def structured(result: dict, skip=None, outline: list[dict] | None = None, settle: bool = True) -> dict:
    """The exported result's structure settled across its pages (CONTRACTS section 13): furniture that
    repeats from page to page (`settle`: once every page is read; a page published on its way
    has its own page's roles), which blocks are spoken (`skip`: roles left out; None: the
    default), what was left out (`skipped`), and its chapters."""
    pages, is_doc = spoken.pages_of(result)
    if is_doc and settle:
        furniture.across_pages(pages)
    result["skip"] = list(DEFAULT_SKIP if skip is None else skip)
    result["skipped"] = spoken.apply_skip(pages, skip)
    result["chapters"] = spoken.chapters(result, outline)
    return result


def with_language(page: elements.Page, named: str | None, fallback: str | None = None) -> elements.Page:
    """The page with its `language` (CONTRACTS section 11): the one the upload named, else
    detected from its text (falling back to `fallback`, the document's so far); and each
    line's where the page mixes languages."""
    guess, per_line = detect.page_language(told_texts(page), named, fallback)
    if any(per_line):
        page.lines = [replace(line, language=code) for line, code in zip(page.lines, per_line)]
    page.language = elements.Language(**guess.public())
    return page


def told_texts(page: elements.Page) -> list[str]:
    """Each line's text as its language is told from: code (shown, not spoken) and a formula's
    TeX tell nothing of it (a notebook's LaTeX sections were taken for Spanish, and spoken so)."""
    quiet = {i for b in page.blocks or () if b.role == "code" or b.rest.get("spoken") is False for i in b.lines}
    return ["" if i in quiet else
            " ".join(w.text for w in line.words if "formula" not in w.rest) if any("formula" in w.rest for w in line.words)
            else line.text for i, line in enumerate(page.lines)]


def read_image(rgb, *, ocr_engine: str | None = None, watch: Stopwatch | None = None,
               deadline: float | None = None, language: str | None = None, page_index: int = 0) -> elements.Document:
    """An RGB array -> what OCR read of it, its lines arranged in blocks, reading for at most
    `settings.worker.ocr_max_seconds` or until `deadline`. `language`: the one the upload named
    (its reader reads the page), or None."""
    s = settings.get()
    watch = watch or Stopwatch()
    stop = time.monotonic() + s.worker.ocr_max_seconds
    if deadline is not None:
        stop = min(stop, deadline)
    with watch.stage("ocr"):  # the reader decides which of its engines reads the page (engines/ocr/reader.py)
        lines = ocr.get_reader(ocr_engine or s.worker.ocr_engine).read(rgb, deadline=stop, language=language)
    doc = read_page(lines.engine, rgb.shape[1], rgb.shape[0], lines, watch.ms)
    doc.kind, page = NAME, doc.page
    page.lines, page.blocks = arrange(page.lines, page.width, page.height, page_index=page_index,
                                      measure=lambda ls: ink.hints(rgb, ls))
    weigh_regions(page, rgb, watch)
    if "layout" in watch.ms:
        doc.timings_ms["layout"] = watch.ms["layout"]
    page.ocr = lines.coverage()
    return doc


def weigh_regions(page: elements.Page, rgb, watch: Stopwatch) -> None:
    """The page's blocks weighed with what the layout engine sees on its image (chalicelib.structure.regions);
    settings.worker.layout_engine "none" leaves the rules' roles as they are."""
    name = layout_engines.chosen(settings.get().worker.layout_engine)
    texts = [line.text for line in page.lines]
    if name is None or not regions.worth_asking(texts, page.blocks):
        return
    t0 = time.perf_counter()
    try:
        engine = layout_engines.get_engine(name)
    except EngineUnavailable:  # keras-ocr's venv has no onnxruntime: the rules' roles stand
        log.warning("layout engine %s unavailable: headings from the rules alone", name, exc_info=True)
        return
    seen = engine.detect(rgb)
    scale = (page.width / rgb.shape[1], page.height / rgb.shape[0])
    regions.weigh(texts, page.blocks, seen, scale)
    # A document's pages add up (Stopwatch.stage keeps the last).
    watch.ms["layout"] = watch.ms.get("layout", 0) + int(round((time.perf_counter() - t0) * 1000))


def arrange(lines: list[elements.Line], width: int | None, height: int | None,
            **how) -> tuple[list[elements.Line], list[elements.Block]]:
    """The lines in reading order and the page's blocks (chalicelib.structure.layout.arrange,
    which reads lines as CONTRACTS section 1 has them)."""
    ordered, blocks = layout.arrange([line.export() for line in lines], width, height, **how)
    return _loaded(ordered, blocks)


def _loaded(lines: list[dict], blocks: list[dict]) -> tuple[list[elements.Line], list[elements.Block]]:
    """Lines and blocks as another part made them (a PDF's text layer, a flow document, the layout)."""
    return [elements.Line.load(line) for line in lines], [elements.Block.load(block) for block in blocks]


def run(data: bytes, *, deadline: float | None = None, publish: Callable[[Outputs], None] | None = None,
        resume: Resume | None = None, ocr_engine: str | None = None, tts_engine: str | None = None,
        language: str | None = None, skip=None, content_type: str | None = None,
        lexicon: list[dict] | None = None, voices: dict[str, str] | None = None) -> Outputs:
    """The kind's function (chalicelib.kinds.base). Each stage publishes as it goes; when
    `deadline` comes first, the outputs say `more` and `resume` continues them. `content_type`:
    what the upload declared (a document without pages is read as one: chalicelib.media.flow).
    `lexicon`: the account's pronunciations, applied to what the recording says; `voices`: the
    voice chosen per language (chalicelib.kinds.voice.Voices)."""
    from chalicelib.media import document as documents  # here: the keras-ocr venv's CLI has no PDF stack

    emit = publish or (lambda outputs: None)
    watch = Stopwatch()
    prior = resume.result if resume else None
    if prior is not None and prior.get("flow"):
        result = prior  # read by an earlier invocation
    elif _flow_format(data, content_type):
        result = _read_flow(data, content_type, watch, deadline, language, skip, book=prior is None)
        emit(Outputs(result=dict(result)))
    elif documents.is_document(data):
        result, more = _read_document(data, prior, emit, watch, deadline, ocr_engine, language, skip,
                                      book=prior is None)
        if more:
            return Outputs(result=result, more=True)
        if prior and "speech" in prior:
            result["speech"] = prior["speech"]
    elif prior is not None and "lines" in prior:
        result = prior  # read by an earlier invocation
    else:
        result = recognize(data, ocr_engine=ocr_engine, watch=watch, deadline=deadline, language=language, skip=skip)
        emit(Outputs(result=dict(result)))
    return _record(result, emit, watch, deadline, tts_engine, resume, lexicon, voices)


def read(data: bytes, *, ocr_engine: str | None = None, language: str | None = None,
         deadline: float | None = None, skip=None, content_type: str | None = None, book: bool = False) -> dict:
    """An image or a document -> its result without a recording (the `ocr` command, benchmarks):
    the text, its boxes and its structure (CONTRACTS sections 1, 7 and 13). `book`: a document
    past one worker's caps raises IsBook with its survey, as the worker opens an upload, instead
    of being read up to the caps (the command line then reads it whole: chalicelib.cli_book)."""
    try:
        from chalicelib.media import document as documents
    except ImportError:  # the keras-ocr venv reads images only: it has no PDF stack
        documents = None
    if documents is not None and _flow_format(data, content_type):
        return _read_flow(data, content_type, Stopwatch(), deadline, language, skip, book=book)
    if documents is not None and documents.is_document(data):
        result, _ = _read_document(data, None, lambda outputs: None, Stopwatch(), deadline, ocr_engine, language, skip,
                                   book=book)
        return result
    return recognize(data, ocr_engine=ocr_engine, deadline=deadline, language=language, skip=skip)


def _flow_format(data: bytes, content_type: str | None) -> str | None:
    from chalicelib.media import flow

    return flow.format_of(data, content_type)


def _read_flow(data: bytes, content_type: str | None, watch: Stopwatch, deadline: float | None,
               language: str | None, skip=None, book: bool = False) -> dict:
    """A document without pages (DOCX, ODT, EPUB, HTML, Markdown, text) -> its result: its
    sections as pages of reflowed text, every box null (CONTRACTS section 13, `flow: true`),
    each section's language detected (or the upload's), cut at the document's caps. `book`:
    read up to a book's caps, and raise IsBook (with the result) when it is one."""
    s = settings.get()
    most_words = s.books.max_book_words if book else s.limits.max_document_words
    most_chars = most_words * BOOK_CHARS_PER_WORD if book else s.limits.max_document_chars
    with watch.stage("decode"):
        doc = sandbox.read_flow(data, content_type=content_type, max_bytes=s.books.max_book_bytes,
                                max_words=most_words, max_chars=most_chars, deadline=deadline)
    fallback = doc.get("language")
    pages: list[elements.Page] = []
    with watch.stage("language"):
        for section in doc["sections"]:
            page = elements.Page(None, None, *_loaded(section["lines"], section["blocks"]), source="text")
            so_far = pages[-1].language.code if pages else _declared(fallback)
            pages.append(with_language(page, language, so_far))
    with watch.stage("formulas"):  # the words each formula is said with (issue 58)
        from chalicelib.engines import math

        math.speak(pages, language or "en", deadline)
    info = {"format": doc["format"], "pages_in_file": len(pages), "pages": len(pages), "read": len(pages),
            "complete": doc["cut"] is None}
    if doc.get("title"):
        info["title"] = doc["title"]
    if doc["cut"] is not None:
        info["reason"] = doc["cut"]["reason"]
        info["words"] = {"kept": doc["cut"]["kept"], "found": doc["cut"]["found"]}
        if doc["cut"]["reason"] == "unread":  # far less read than the file holds (flow.held)
            chars = doc["cut"]["chars"]
            info["note"] = (f"PageVoice could read only {round(100 * chars['kept'] / chars['held'])}% of this "
                            f"document's text ({chars['kept']:,} of {chars['held']:,} characters): the rest is "
                            "written in a way PageVoice does not read yet. Saved as a PDF, it can be read "
                            "whole.")
    outline = [{"title": o["title"], "level": o["level"], "page": o["section"]} for o in doc["outline"]]
    result = elements.Document("text", doc["format"], pages, dict(watch.ms), kind=NAME, paged=True, flow=True,
                               info=info, language=document_language(pages) if pages else None)
    result = structured(result.export(), skip, outline)
    words = text_size(p.lines for p in pages)[0]
    if book and words > s.books.book_words:
        raise IsBook(Survey(len(pages), len(pages), doc["format"], flow=result, title=doc.get("title"),
                            cut={k: info[k] for k in ("reason", "words", "note") if k in info}))
    if words > s.limits.max_document_words:  # read to a book's caps, but not a book: cut as before
        return _read_flow(data, content_type, watch, deadline, language, skip)
    return result


TEXT_LAYER_SAMPLES = 5


def _text_layer(doc) -> bool:
    """Whether a book's pages have text layers, by a few spread over it (its first, its last and
    between): what a page is read from is known once it is opened, before any OCR."""
    n = doc.page_count
    picks = sorted({round(k * (n - 1) / (TEXT_LAYER_SAMPLES - 1)) for k in range(TEXT_LAYER_SAMPLES)})
    try:
        return all(doc.page(i).source == "text" for i in picks)
    except MediaError:
        return False  # a page that cannot be opened: its shard will say so


def _declared(code: str | None) -> str | None:
    """A document's declared language ("en-GB", "fr") as the table's code, if it has one."""
    if not code:
        return None
    from chalicelib import languages

    primary = code.split("-")[0].split("_")[0].strip().lower()
    return primary if languages.get(primary) is not None else None


def _read_document(data: bytes, prior: dict | None, emit, watch: Stopwatch, deadline: float | None,
                   ocr_engine: str | None, language: str | None = None, skip=None,
                   book: bool = False) -> tuple[dict, bool]:
    """A document's pages, read in order from where `prior` (its published result) stopped; each
    page is published with its rendered image. (result, more): `more` when the deadline comes
    before the last. Reading stops early where the document's text passes its caps (words,
    characters). `book`: a document of more pages than one worker reads raises IsBook."""
    s = settings.get()
    engine = ocr.get_reader(ocr_engine or s.worker.ocr_engine)
    with watch.stage("decode"):
        doc = sandbox.open_document(data, max_bytes=s.books.max_book_bytes, max_pixels=s.limits.max_pixels,
                                    max_pages=s.books.max_book_pages if book else s.limits.max_document_pages,
                                    dpi=s.limits.pdf_render_dpi,
                                    max_page_words=s.limits.max_page_words, max_page_chars=s.limits.max_page_chars,
                                    deadline=deadline)
    if book and doc.page_count > s.books.book_pages:
        with doc:
            raise IsBook(Survey(doc.page_count, doc.pages_in_file, doc.format, outline=list(doc.outline()),
                                text_layer=_text_layer(doc)))
    if book and doc.page_count > s.limits.max_document_pages:  # opened to a book's cap: not a book, read as before
        doc.close()
        return _read_document(data, prior, emit, watch, deadline, ocr_engine, language, skip)
    with doc:
        read = elements.Document(engine.name, engine.version, [elements.Page.load(p) for p in (prior or {}).get("pages") or []],
                                 unsure=[elements.Word.load(w) for w in (prior or {}).get("unsure") or []],
                                 kind=NAME, paged=True)
        pages = read.pages
        read.info = _progress(pages, doc)
        slowest, first = 0.0, len(pages)
        for index in range(first, doc.page_count):
            if pages and (pages[-1].cut or {}).get("of") == "document":
                break  # the document's text reached its cap: the rest is left unread
            # Each invocation reads at least one page, so a document read in turns moves on.
            if index > first and deadline is not None and time.monotonic() + max(2.0, 1.5 * slowest) > deadline:
                return _document_result(read, watch, skip, doc.outline()), True
            t0 = time.monotonic()
            page = doc.page(index)
            entry, image, unsure = _read_page(page, ocr_engine, watch, deadline, language)
            read.unsure += [replace(w, page=index) for w in unsure]
            name = PAGE_IMAGE.format(index + 1)
            entry.source, entry.image = entry.source or page.source, name
            so_far = pages[-1].language.code if pages else None
            pages.append(with_language(_capped_page(pages, entry, page.cut), language, so_far))
            read.info = _progress(pages, doc)
            slowest = max(slowest, time.monotonic() - t0)
            # Published page by page; furniture across pages is settled once, at the end.
            result = _document_result(read, watch, skip, doc.outline(), settle=False)
            emit(Outputs(result=result, files={name: (image, "image/jpeg")}))
    return _document_result(read, watch, skip, doc.outline()), False


def _read_page(page, ocr_engine: str | None, watch: Stopwatch, deadline: float | None,
               language: str | None = None) -> tuple[elements.Page, bytes, list[elements.Word]]:
    """One page's lines (from its text layer, or by OCR), its image as read, its unsure words."""
    rgb = None
    if page.source == "text":
        from chalicelib.media import textlayer  # with the PDF stack (not in the keras-ocr venv)

        layer = page.read()
        rendered: list = []

        def render():
            rendered.append(page.rgb())
            return rendered[0]

        check = textlayer.review(layer["lines"], render, deadline=deadline, language=language,
                                 unmapped=layer.get("unmapped"))
        if not check.untrusted_page:
            if check.added:  # lines only OCR saw: the page's blocks are found again, as for a scan
                lines, blocks = _loaded(*layout.arrange(check.lines, page.width, page.height, page_index=page.index))
            else:
                lines, blocks = _loaded(check.lines, layer["blocks"])
            entry = elements.Page(page.width, page.height, lines, blocks)
            if check.reason:
                entry.text_layer = {"trusted": False, "reason": check.reason, "lines": check.replaced}
            rgb = rendered[0] if rendered else page.rgb()  # rendered once: the regions and the page's image
            weigh_regions(entry, rgb, watch)
            return entry, page.jpeg(rgb=rgb), []
        rgb = rendered[0] if rendered else None
        untrusted = {"trusted": False, "reason": check.reason}
    rgb = page.rgb() if rgb is None else rgb
    page_watch = Stopwatch()
    read = read_image(rgb, ocr_engine=ocr_engine, watch=page_watch, deadline=deadline, language=language,
                      page_index=page.index)
    for stage in ("ocr", "layout"):
        if stage in page_watch.ms:
            watch.ms[stage] = watch.ms.get(stage, 0) + page_watch.ms[stage]
    if page.source == "text":  # a text layer that does not say what the page shows: read as a scan
        read.page.source, read.page.text_layer = "ocr", untrusted
    return read.page, _jpeg(rgb), read.unsure


def _capped_page(pages: list[elements.Page], read: elements.Page, decoder_cut: str | None) -> elements.Page:
    """A page, its text cut at the page's caps and at what the document's caps leave after
    `pages`. A cut says its reason, the words kept and found, and `of`: "page", or
    "document" when the document's cap cut it (no page is read after that one)."""
    s = settings.get()
    words, chars = text_size(p.lines for p in pages)
    left_words, left_chars = s.limits.max_document_words - words, s.limits.max_document_chars - chars
    lines, cut = cap_lines(read.lines, min(s.limits.max_page_words, left_words), min(s.limits.max_page_chars, left_chars))
    if cut is not None:
        left = left_words if cut["reason"] == "words" else left_chars
        cap = s.limits.max_page_words if cut["reason"] == "words" else s.limits.max_page_chars
        cut["of"] = "document" if left < cap else "page"
    elif decoder_cut is not None:  # the decoder stopped reading this page's text layer at the page's cap
        cut = {"reason": decoder_cut, "kept": text_size([lines])[0], "of": "page"}
    read.lines, read.blocks, read.cut = lines, kept_blocks(read.blocks or [], len(lines)), cut
    return read


def kept_blocks(blocks: list[elements.Block], kept: int) -> list[elements.Block]:
    """The blocks of the first `kept` lines (a page cut at its cap keeps its first lines)."""
    return [b for b in (block.kept(kept) for block in blocks) if b is not None]


def text_size(pages) -> tuple[int, int]:
    """(words, characters of those words) in pages given as lists of lines."""
    words = [w.text for lines in pages for line in lines for w in line.words]
    return len(words), sum(map(len, words))


def cap_lines(lines: list[elements.Line], max_words: int, max_chars: int) -> tuple[list[elements.Line], dict | None]:
    """The first words of `lines` within `max_words` words and `max_chars` characters (of the
    words), in reading order; and the cut, if there was one: {"reason": "words" | "chars",
    "kept": words kept, "found": words there were}."""
    kept: list[elements.Line] = []
    words = chars = 0
    for line in lines:
        take = 0
        for word in line.words:
            reason = "words" if words + take >= max_words else "chars" if chars + len(word.text) > max_chars else None
            if reason is not None:
                if take:
                    kept.append(line.first_words(take))
                return kept, {"reason": reason, "kept": words + take, "found": text_size([lines])[0]}
            chars += len(word.text)
            take += 1
        kept.append(line)
        words += take
    return kept, None


def _progress(pages: list[elements.Page], doc) -> dict:
    """The result's `document`: how much is read, and why it is not complete (a text cap,
    or pages past the page limit)."""
    cuts = [p.cut["reason"] for p in pages if p.cut is not None]
    info = {"pages_in_file": doc.pages_in_file, "pages": doc.page_count, "read": len(pages),
            "complete": not cuts and len(pages) == doc.pages_in_file}
    if cuts:
        info["reason"] = cuts[-1]
    elif doc.pages_in_file > doc.page_count:
        info["reason"] = "pages"  # pages past the limit are left out
    return info


def _jpeg(rgb, quality: int = 85) -> bytes:
    """A page as read, for the site to show under its word boxes."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=quality, optimize=True)
    return buf.getvalue()


def _document_result(read: elements.Document, watch: Stopwatch, skip=None, outline: list[dict] | None = None,
                     settle: bool = True) -> dict:
    """CONTRACTS section 7, exported: the pages, and page 1 at the top level for readers of section 1."""
    read.timings_ms = dict(watch.ms)
    read.language = document_language(read.pages) if read.pages else None
    return structured(read.export(), skip, outline, settle)


def document_language(pages: list[elements.Page]) -> elements.Language:
    """A document's language: the one most of its words are in (each page's, or its lines')."""
    words: dict[str, int] = {}
    for page in pages:
        for line in page.lines:
            code = line.language or page.language.code
            words[code] = words.get(code, 0) + len(line.words)
    first = pages[0].language
    code = max(words, key=words.get) if words else first.code
    sure = [p.language.confidence for p in pages if p.language.code == code] or [first.confidence]
    return elements.Language(code, round(sum(sure) / len(sure), 3), first.detected)


def spoken_words(result: dict) -> list[list[tuple[dict, int]]]:
    """For each word the recording says of `result`, which words of the result it is, each with
    its length: [({"line", "word"} (and "page" for documents), length)], as the read-along
    timings name them (chalicelib.structure.spoken.script)."""
    return spoken.script(result, detect.FALLBACK).where


def _record(result: dict, emit, watch: Stopwatch, deadline: float | None, tts_engine: str | None,
            resume: Resume | None, lexicon: list[dict] | None = None, voices: dict[str, str] | None = None) -> Outputs:
    """The recording of `result["text"]`, part by part, then whole (speech.wav and its MP3)."""
    if not result["text"].strip():
        result.pop("speech", None)
        return Outputs(result=result)

    def on_part(info: dict, part: voice.Part) -> None:
        emit(Outputs(result={**result, "speech": info, "timings_ms": dict(watch.ms)},
                     files={part.name: (part.wav, "audio/wav")}, transient=frozenset([part.name])))

    main = (result.get("language") or {}).get("code") or detect.FALLBACK
    said = spoken.script(result, main)
    if not said.text.strip():  # everything on the page is of a role the upload skips
        result.pop("speech", None)
        return Outputs(result=result)
    with watch.stage("tts"):
        take = voice.record(said.text, where=said.where, language=main, languages_of=said.languages,
                            tts_engine=tts_engine, deadline=deadline, state=result.get("speech"), on_part=on_part,
                            lexicon=lexicon, voices=voices)
    result = {**result, "speech": take.info, "timings_ms": dict(watch.ms)}
    if take.more:
        return Outputs(result=result, more=True)
    if not take.info["parts"]:  # no voice for the text's language(s): read, not spoken
        result["unspoken"] = voice.unspoken(result.pop("speech").get("unspoken", [main]))
        return Outputs(result=result)
    made = {part.name: part.wav for part in take.parts}
    with watch.stage("join"):
        wav, mp3 = voice.whole(made[p["file"]] if p["file"] in made else resume.read(p["file"])
                               for p in take.info["parts"])
    result["speech"]["download"] = RECORDING_MP3
    result["timings_ms"] = dict(watch.ms)
    files = {RECORDING: (wav, "audio/wav"), RECORDING_MP3: (mp3, "audio/mpeg")}
    if result.get("chapters"):
        result["chapters"] = spoken.with_starts(result, result["chapters"])
        result["speech"]["chapters"] = CHAPTERS
        files[CHAPTERS] = (spoken.webvtt(result["chapters"], result["speech"]["seconds"]).encode(), "text/vtt")
    held = {part.name: (part.wav, "audio/wav") for part in take.held}  # a player holding parts plays it
    return Outputs(result=result, files={**held, **files}, transient=frozenset(held))


def process(data: bytes, *, ocr_engine: str | None = None, tts_engine: str | None = None,
            on_text: Callable[[dict], None] | None = None, deadline: float | None = None) -> Processed:
    """All of `run` in one go, for the CLI and the benchmarks: the result and the whole WAV.
    `on_text(result)` runs as soon as the text is read, before speech is made."""
    seen = {"text": False}

    def publish(outputs: Outputs) -> None:
        if on_text is not None and not seen["text"] and "speech" not in outputs.result:
            seen["text"] = True
            on_text(outputs.result)

    done = run(data, deadline=deadline, publish=publish, ocr_engine=ocr_engine, tts_engine=tts_engine)
    wav = done.files.get(RECORDING)
    return Processed(result=done.result, wav=wav[0].read() if wav else None)


def warm_up(speech: bool = True) -> None:
    """Load the configured engines now (Lambda init / process start), not on the first job.

    With `speech=False` only the OCR engine loads. The worker loads the voice after it, in a
    background thread (the kind's `warm_later`), once no job is making its text
    (jobs.worker._TextFirst): beside the first photo's OCR it delayed the text ~0.3 s and
    brought the audio no sooner (bench/cold_start.py).
    """
    ocr.get_reader(settings.get().worker.ocr_engine)
    if name := layout_engines.chosen(settings.get().worker.layout_engine):
        layout_engines.get_engine(name)
    if speech:
        detect.warm_up()
        voice.warm_up()


def warm_up_text() -> None:
    """The worker's init: the OCR engine only (see `warm_up`)."""
    warm_up(speech=False)


def warm_up_later() -> None:
    """After init, in the background: what the first page needs after its reading (language
    identification, then the English voice)."""
    detect.warm_up()
    voice.warm_up()
