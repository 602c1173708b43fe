"""EPUB 3 with Media Overlays of a whole book read by many workers (CONTRACTS section 15): the
short document's book (chalicelib.books.epub) made of the book's shards' files, streamed.

    EPUB/text/page-NNNN.xhtml     a run of pages from page NNNN (or sections of a document without pages)
    EPUB/smil/page-NNNN.smil      its Media Overlay: each clip in the recording part that says it
    EPUB/audio/part-NNNN.mp3      the recording's parts, as the workers made them
    EPUB/nav.xhtml, package.opf   written last, from what the pages said

A content document holds the pages from a top-level chapter's start (or the book's) until the
next one, or until it reaches DOCUMENT_BYTES: a page is a div (`p<N>`, where the contents may
point) whose elements' ids start `p<N>-`, its page break (`page-<N>`) the page list's target.
A document a page made 1,000 spine items of a 1,000-page book, which reading systems page
through poorly and Ace by DAISY 1.4 could not check at all: its reading of the package looks up
each spine item's manifest entry by XPath, sorting the whole manifest each time (daisy/ace#441),
so its time grows with the spine items times the manifest's items squared (1,000 pages: hours).

Pages come one at a time from the shards' pages files (`read_pages`), each part's word and
sentence timings (`read_timings(k)`: timed from the part's own start, which is its MP3's clock)
when the first page it speaks comes, and each part's MP3 (`read_part(k)`) after the pages, one at
a time; the ZIP is written as it goes (chalicelib.books.zipstream; a document and its overlay
through temporary files): the book is never whole in memory nor on disk. What the end needs of
every page and part (the manifest, the page list, the contents, the ZIP's directory: a few
hundred bytes each) goes to temporary files as it comes, so memory does not grow with the book
(bench/book_exports.py: 1.82 MB on 100 pages, 1.99 MB on 1,000). No AWS I/O.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator
from functools import partial

from chalicelib.books import clipped_title, cut_names, epub, left, overlay, package, xhtml, zipstream
from chalicelib.structure import FURNITURE

PROGRESS_PAGES = 0.6  # the share of the work the pages are (then the recording's parts)
# A content document ends at the page that brings it to this many bytes (if no chapter starts
# before): a reading system lays out a document whole (Adobe's older RMSDK readers stopped near
# 300 KB), and Ace's time grows with the documents' count (the module's docstring). ~130
# synthetic pages of bench/book_exports.py (~1.9 KB each); ~20 dense printed pages (~350
# words, ~13 KB with a span a word).
DOCUMENT_BYTES = 256 * 1024
# What the documents, their overlays and the navigation are given back in from their temporary
# files: a piece is held while the next is made (by the caller too), so the peak holds a few. A
# 1,000-page book's overlays pass zipstream's 64 KB (a 100-page one's do not): 16 KB took ~30 KB
# off its peak (bench/book_exports.py).
PIECE_BYTES = 16 * 1024


def build_book(head: dict, text: str, read_head: Callable[[int], bytes], read_part: Callable[[int], bytes], *,
               title: str, progress: Callable[[float], None] | None = None, left_out: list[dict] | None = None,
               text_chars: int | None = None, read_pages: Callable[[], Iterable[dict]],
               read_timings: Callable[[int], dict], modified: str = epub.MODIFIED) -> Iterator[bytes]:
    """A whole book's EPUB (its index's `head`: speech.parts with their `file`, `first` place and
    `seconds`, chapters with their page and block, language, document), piece by piece.
    `read_pages()` gives its pages in order; `read_timings(k)` part k's {"words", "sentences"};
    `read_part(k)` part k's MP3. Refused (epub.NotReadAloud, a 409) when nothing was recorded."""
    parts = (head.get("speech") or {}).get("parts") or []
    if not parts:
        raise epub.NotReadAloud("This book has no recording timed sentence by sentence, so there is no EPUB to "
                                "make of it: only a document read aloud makes one.")
    main = xhtml.language_of((head.get("language") or {}).get("code"))
    paged = not head.get("flow")
    book = package.Book(identifier=_identifier(head, text), title=clipped_title(" ".join(title.split()) or "PageVoice",
                                                                                left_out),
                        modified=modified, languages=[main], rtl=epub._rtl(main), narrator=epub._narrator(head["speech"]))
    items = _Spool(package.Item)  # the manifest, for the end
    items.add(package.Item("nav", "nav.xhtml", "application/xhtml+xml", properties="nav"))
    items.add(package.Item("css", epub.STYLESHEET, "text/css"))
    archive = zipstream.Zip()
    yield archive.whole("mimetype", b"application/epub+zip", compress=False)  # first and stored (OCF)
    yield archive.whole("META-INF/container.xml", epub.CONTAINER.encode())
    yield archive.whole(epub.ROOT + epub.STYLESHEET, epub.CSS.encode())
    pages = _Pages(head, book, items, main, paged, parts, read_timings)
    yield from pages.write(archive, iter(read_pages()), progress)
    if pages.count == 0:
        raise ValueError("the book's index lists no pages")
    label_cut = pages.long_labels
    left(left_out, "page_labels", label_cut, epub.LABEL_MAX,
         cut_names(label_cut, epub.LABEL_MAX, "printed page number", " in the page list"))
    for k in range(len(parts)):  # each part once: in memory while it is written
        data = read_part(k)
        yield archive.whole(epub.ROOT + audio_href(k), data, compress=False)  # already compressed
        items.add(package.Item(f"a{k + 1}", audio_href(k), "audio/mpeg"))
        del data
        if progress is not None:
            progress(PROGRESS_PAGES + (1 - PROGRESS_PAGES) * (k + 1) / len(parts))
    toc = pages.contents(left_out)
    book.source = book.title if pages.page_list.count else None
    book.features = _features(pages)
    if pages.any_mathml:
        book.features.append("MathML")  # formulas as MathML with alttext (issue 58)
    book.auditory_sufficient = not epub._cut(head) and not set(head.get("skipped") or {}) - set(FURNITURE)
    book.summary = epub._summary(head, paged, book, True)
    nav = package.nav_pieces(book.title, main, toc, pages.page_list, bool(pages.page_list.count), page_href(0),
                             epub.STYLESHEET)
    yield from archive.streamed(epub.ROOT + "nav.xhtml", (piece.encode() for piece in nav), piece_bytes=PIECE_BYTES)
    yield from archive.streamed(epub.ROOT + "package.opf", (piece.encode() for piece in package.opf_pieces(book, items)),
                                piece_bytes=PIECE_BYTES)
    yield from archive.directory()
    for spool in (items, pages.page_list, pages.toc, pages.firsts):
        spool.close()
    if progress is not None:
        progress(1.0)


def page_href(p: int) -> str:
    """The content document that starts with page `p`."""
    return f"text/page-{p + 1:04d}.xhtml"


def anchor(p: int) -> str:
    """Page `p`'s div in its document (its elements' ids are this and a dash before theirs)."""
    return f"p{p + 1}"


def audio_href(k: int) -> str:
    return f"audio/part-{k + 1:04d}.mp3"


class _Pages:
    """The pages written so far and what the end needs of them; the overlays of the parts that
    speak the pages to come (a part's timings read when the first page it speaks comes)."""

    def __init__(self, head: dict, book: package.Book, items: _Spool, main: str, paged: bool, parts: list[dict],
                 read_timings: Callable[[int], dict]):
        self.book, self.items, self.main, self.paged = book, items, main, paged
        self.parts, self.read_timings = parts, read_timings
        self.loaded = 0  # parts whose timings are read
        self.sentences = 0  # sentences of the parts read (a part's sentence k is the book's base + k)
        self.waiting: dict[int, list[overlay.Part]] = {}  # page -> its overlay parts, from the parts read
        self.count, self.long_labels, self.headed = 0, 0, False  # (count: pages written)
        self.next_page: dict | None = None  # read, not yet written
        self.duration = 0  # milliseconds of the clips of the document being written
        self.page_list = _Spool(package.Entry)
        self.toc = _Spool(package.Entry)  # the contents: the chapters, else the headings, of the pages written
        self.firsts = _Spool(list)  # each page's [first line, where it starts], for contents without either
        self.long_titles = 0  # contents' labels cut to TOC_LABEL_MAX
        self.chapters = sorted((c for c in head.get("chapters") or [] if isinstance(c.get("page"), int)),
                               key=lambda c: c["page"])  # (in text order already: kept so)
        self.next_chapter = 0
        self.mathml = self.any_mathml = False  # formulas' MathML in the document being written, in the book
        # The pages that start a document: each top-level chapter's (its sections stay in it).
        top = min((_level(c) for c in self.chapters), default=1)
        self.starts = {c["page"] for c in self.chapters if _level(c) == top}

    def write(self, archive: zipstream.Zip, pages: Iterator[dict], progress) -> Iterator[bytes]:
        """Every page, a content document and its overlay at a time."""
        self.next_page = next(pages, None)
        while self.next_page is not None:
            first, href = self.count, page_href(self.count)
            with tempfile.TemporaryFile() as smil:  # the overlay, while its document is written
                smil.write(overlay.smil_head(f"../{href}").encode())
                self.duration = 0
                yield from archive.streamed(epub.ROOT + href, self._document(pages, href, smil, progress),
                                            piece_bytes=PIECE_BYTES)
                item = package.Item(f"p{first + 1}", href, "application/xhtml+xml", spine=True,
                                    properties="mathml" if self.mathml else "")
                if self.duration:
                    name = f"smil/page-{first + 1:04d}.smil"
                    smil.write(overlay.SMIL_TAIL.encode())
                    smil.seek(0)
                    yield from archive.streamed(epub.ROOT + name, iter(partial(smil.read, PIECE_BYTES), b""),
                                                piece_bytes=PIECE_BYTES)
                    item.overlay = f"mo{first + 1}"
                    self.items.add(package.Item(item.overlay, name, "application/smil+xml", duration=self.duration))
                self.items.add(item)

    def _document(self, pages: Iterator[dict], href: str, smil, progress) -> Iterator[bytes]:
        """The content document at `href`: pages from the next one until a top-level chapter
        starts, the book ends or it holds DOCUMENT_BYTES; their clips into `smil`."""
        first = self.count
        self.mathml = False  # whether this document holds a formula's MathML (its manifest item says so)
        yield xhtml.head(f"{self.book.title} ({first + 1})", self.main, f"../{epub.STYLESHEET}").encode()
        size = 0
        while True:
            text = self._page(self.count, self.next_page, href, first, smil).encode()
            yield text
            size += len(text)
            self.next_page = next(pages, None)
            if progress is not None:
                progress(PROGRESS_PAGES * self.loaded / len(self.parts))
            if self.next_page is None or size >= DOCUMENT_BYTES or self.count in self.starts:
                break
        yield xhtml.TAIL.encode()

    def _page(self, p: int, page: dict, href: str, first: int, smil) -> str:
        """Page `p` in the document at `href` (which starts with page `first`): its div; its
        clips written to `smil`, their milliseconds added to self.duration."""
        self._load_until(p)
        mine = self.waiting.pop(p, [])
        label = epub._label(page, p) if self.paged else None
        if label and len(label) > epub.LABEL_MAX:
            self.long_labels, label = self.long_labels + 1, label[:epub.LABEL_MAX]
        language = xhtml.language_of(epub._page_language(page, self.main))
        info = xhtml.Page(index=p, sentence_of={(c.line, c.word): part.sentence for part in mine for c in part.clips},
                          label=label, title=self.book.title, language=language, prefix=f"{anchor(p)}-")
        rendered = xhtml.section(page, info, self.main, anchor(p))
        self.mathml = self.mathml or rendered.mathml
        self.any_mathml = self.any_mathml or rendered.mathml
        mine = epub._shown(mine, rendered)
        if mine:
            smil.write(overlay.pars(f"../{href}", "", mine, rendered.sentence_ids, prefix=info.prefix).encode())
            self.duration += overlay.duration(mine)
        self._note(p, page, label, rendered, href if p == first else f"{href}#{anchor(p)}", href)
        return rendered.text

    def _load_until(self, p: int) -> None:
        """The overlays of every part whose first word is on page `p` or before, by page."""
        while self.loaded < len(self.parts) and int((self.parts[self.loaded].get("first") or {}).get("page", 0)) <= p:
            k = self.loaded
            timings = self.read_timings(k)
            speech = {"sentences": timings.get("sentences") or [], "words": timings.get("words") or [],
                      "seconds": self.parts[k].get("seconds")}
            if speech["sentences"]:
                for part in overlay.plan(speech):
                    self.waiting.setdefault(part.page, []).append(dataclasses.replace(
                        part, sentence=self.sentences + part.sentence, audio=f"../{audio_href(k)}"))
            self.sentences += len(speech["sentences"])
            self.loaded += 1
        for gone in [q for q in self.waiting if q < p]:  # (words of pages already written: none in a whole book)
            del self.waiting[gone]

    def _note(self, p: int, page: dict, label: str | None, rendered: xhtml.Rendered, at: str, href: str) -> None:
        """What the contents, the page list, the languages and the features need of the page
        (`at`: where it starts, in the document at `href`)."""
        self.count += 1
        if label:
            self.page_list.add(package.Entry(label, f"{href}#{xhtml.page_id(p)}"))
        while self.next_chapter < len(self.chapters) and self.chapters[self.next_chapter]["page"] <= p:
            c = self.chapters[self.next_chapter]
            self.next_chapter += 1
            if c["page"] == p:  # at its heading's element when the page has it
                block = c.get("block")
                self._entry(c.get("title"), f"{href}#{anchor(p)}-b{block}" if block in rendered.block_ids else at,
                            c.get("level"))
        lines = page.get("lines") or []
        for b, block in enumerate(xhtml.blocks_of(page)):
            if block["role"] in ("title", "heading") and block["lines"]:
                self.headed = True
                if not self.chapters:
                    self._entry(" ".join(lines[i]["text"] for i in block["lines"] if 0 <= i < len(lines)),
                                f"{href}#{anchor(p)}-b{b}", 1 if block["role"] == "title" else block.get("level"))
        if not self.chapters and not self.toc.count:
            self.firsts.add([epub._first_line(page), at])
        for code in [epub._page_language(page, self.main), *(line.get("language") for line in lines)]:
            code = xhtml.language_of(code) if code else None
            if code and code not in self.book.languages:
                self.book.languages.append(code)

    def _entry(self, title, href: str, level) -> None:
        label = " ".join(str(title or "").split())
        if label:
            self.long_titles += len(label) > epub.TOC_LABEL_MAX
            self.toc.add(package.Entry(label[:epub.TOC_LABEL_MAX], href, max(1, min(6, int(level or 1)))))

    def contents(self, left_out: list[dict] | None) -> Iterable[package.Entry]:
        """The book's chapters, else its headings, else one entry a page (its first line)."""
        if self.toc.count:
            left(left_out, "chapter_titles", self.long_titles, epub.TOC_LABEL_MAX,
                 cut_names(self.long_titles, epub.TOC_LABEL_MAX, "chapter title", " in the contents"))
            return self.toc
        return (package.Entry(first or str(p + 1), at) for p, (first, at) in enumerate(self.firsts))

    @property
    def toc_count(self) -> int:
        return self.toc.count or self.firsts.count


class _Spool:
    """Values of one kind written to a temporary file as they come (a JSON line each), read back
    in order as often as wanted: what the end of a book needs of every page, out of memory."""

    def __init__(self, kind):
        self.kind, self.count = kind, 0
        self.file = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 - closed by build_book

    def add(self, value) -> None:
        self.file.seek(0, 2)
        # (its fields as they are: dataclasses.astuple deep-copies them, leaving garbage only a
        # full collection frees)
        fields = list(vars(value).values()) if dataclasses.is_dataclass(value) else value
        self.file.write(json.dumps(fields, ensure_ascii=False, separators=(",", ":")) + "\n")
        self.count += 1

    def __iter__(self) -> Iterator:
        self.file.seek(0)
        for line in self.file:
            fields = json.loads(line)
            yield self.kind(*fields) if dataclasses.is_dataclass(self.kind) else fields

    def __call__(self) -> Iterator:
        return iter(self)

    def close(self) -> None:
        self.file.close()


def _level(chapter: dict) -> int:
    try:
        return max(1, min(6, int(chapter.get("level") or 1)))
    except (TypeError, ValueError):
        return 1


def _features(pages: _Pages) -> list[str]:
    """schema:accessibilityFeature values true of this book (epub._features, from what the pages said)."""
    features = ["synchronizedAudioText", "readingOrder", "displayTransformability"]
    if pages.headed:
        features += ["structuralNavigation", "tableOfContents"]
    elif pages.toc_count > 1:
        features.append("tableOfContents")
    if pages.page_list.count:
        features += ["pageBreakMarkers", "pageNavigation"]
    return features


def _identifier(head: dict, text: str) -> str:
    """urn:uuid drawn from the recording's parts and the text (the same book read the same way:
    the same identifier)."""
    parts = [[p.get("file"), p.get("seconds")] for p in (head.get("speech") or {}).get("parts") or []]
    digest = hashlib.sha256(json.dumps(parts).encode())
    digest.update(text.encode("utf-8", "replace"))
    return f"urn:uuid:{uuid.uuid5(epub.NAMESPACE, digest.hexdigest())}"
