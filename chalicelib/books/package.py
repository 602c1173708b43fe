"""The EPUB's package document (its metadata, manifest and spine) and navigation document
(table of contents, page list, landmarks), from what chalicelib.books.epub wrote.

Accessibility metadata follows EPUB Accessibility 1.1 / schema.org and says only what is true
of the book: text and the recording of it (accessMode textual and auditory); the text alone
suffices, and the recording alone too when it says everything but page furniture; no
dcterms:conformsTo (nobody checked the recognised text against WCAG).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from chalicelib.books.overlay import clock
from chalicelib.books.xhtml import EPUB_NS, XHTML_NS, escape, lang_attrs, quoteattr

ACTIVE_CLASS = "-epub-media-overlay-active"
PLAYING_CLASS = "-epub-media-overlay-playing"


@dataclass
class Item:
    id: str
    href: str  # relative to the package document
    media_type: str
    properties: str = ""
    overlay: str = ""  # the id of its Media Overlay document
    duration: int | None = None  # a Media Overlay's milliseconds
    spine: bool = False


@dataclass
class Entry:
    """A navigation entry: its label, where it points, its depth (1 = top)."""
    label: str
    href: str
    level: int = 1


@dataclass
class Book:
    identifier: str
    title: str
    modified: str  # dcterms:modified, CCYY-MM-DDThh:mm:ssZ
    languages: list[str]  # the first is the book's
    items: list[Item] = field(default_factory=list)
    features: list[str] = field(default_factory=list)  # schema:accessibilityFeature
    auditory_sufficient: bool = False
    summary: str = ""
    narrator: str | None = None
    source: str | None = None  # dc:source: the document whose page breaks the book marks
    rtl: bool = False


def opf(book: Book) -> str:
    return "".join(opf_pieces(book, lambda: book.items))


def opf_pieces(book: Book, items: Callable[[], Iterable[Item]]) -> Iterator[str]:
    """The package document a piece at a time; `items()` gives the manifest's items afresh each
    time it is called (a whole book's thousands of them come from a temporary file)."""
    lang = book.languages[0]
    meta = [f'<dc:identifier id="uid">{escape(book.identifier)}</dc:identifier>',
            f"<dc:title>{escape(book.title)}</dc:title>",
            *(f"<dc:language>{escape(code)}</dc:language>" for code in book.languages),
            f'<meta property="dcterms:modified">{book.modified}</meta>']
    yield ('<?xml version="1.0" encoding="UTF-8"?>\n'
           f'<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="uid" xml:lang="{lang}">\n'
           '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">\n' + "".join(line + "\n" for line in meta))
    total = 0
    for item in items():
        if item.duration is not None:
            total += item.duration
            yield f'<meta property="media:duration" refines="#{item.id}">{clock(item.duration)}</meta>\n'
    meta = [f'<meta property="media:duration">{clock(total)}</meta>',
            f'<meta property="media:active-class">{ACTIVE_CLASS}</meta>',
            f'<meta property="media:playback-active-class">{PLAYING_CLASS}</meta>']
    if book.source:  # the printed pages the page list follows (EPUB Accessibility 1.1, 2.4)
        meta += [f'<dc:source id="source">{escape(book.source)}</dc:source>',
                 '<meta refines="#source" property="source-of">pagination</meta>']
    if book.narrator:
        meta.append(f'<meta property="media:narrator">{escape(book.narrator)}</meta>')
    meta += accessibility(book)
    yield "\n".join(meta) + "\n</metadata>\n<manifest>\n"
    for item in items():
        yield (f"<item id={quoteattr(item.id)} href={quoteattr(item.href)} media-type={quoteattr(item.media_type)}"
               + (f" properties={quoteattr(item.properties)}" if item.properties else "")
               + (f" media-overlay={quoteattr(item.overlay)}" if item.overlay else "") + "/>\n")
    direction = ' page-progression-direction="rtl"' if book.rtl else ""
    yield f"</manifest>\n<spine{direction}>\n"
    for item in items():
        if item.spine:
            yield f"<itemref idref={quoteattr(item.id)}/>\n"
    yield "</spine>\n</package>\n"


def accessibility(book: Book) -> list[str]:
    """schema.org accessibility properties (EPUB Accessibility 1.1, section 2)."""
    sufficient = ["textual", "auditory"] if book.auditory_sufficient else ["textual"]
    values = ([("accessMode", "textual"), ("accessMode", "auditory")]
              + [("accessModeSufficient", mode) for mode in sufficient]
              + [("accessibilityFeature", feature) for feature in book.features]
              + [("accessibilityHazard", "none"), ("accessibilitySummary", book.summary)])
    return [f'<meta property="schema:{name}">{escape(value)}</meta>' for name, value in values]


def nav(title: str, language: str, toc: list[Entry], pages: list[Entry], start: str, stylesheet: str) -> str:
    """The navigation document: the table of contents (nested by level), the page list (the
    printed pages' numbers) and the landmarks."""
    return "".join(nav_pieces(title, language, toc, pages, bool(pages), start, stylesheet))


def nav_pieces(title: str, language: str, toc: Iterable[Entry], pages: Iterable[Entry], has_pages: bool, start: str,
               stylesheet: str) -> Iterator[str]:
    """nav() a piece at a time, its contents from `toc` and its page list from `pages`
    (`has_pages`: it gives any)."""
    yield (f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n'
           f'<html xmlns="{XHTML_NS}" xmlns:epub="{EPUB_NS}"{lang_attrs(language)}>\n'
           f"<head>\n<meta charset=\"utf-8\"/>\n<title>{escape(title)}</title>\n"
           f'<link rel="stylesheet" type="text/css" href={quoteattr(stylesheet)}/>\n</head>\n<body>\n'
           f'<nav epub:type="toc" role="doc-toc" id="toc">\n<h1>{escape(title)}</h1>\n')
    yield from _nested_pieces(toc)
    yield "</nav>\n"
    if has_pages:
        yield '<nav epub:type="page-list" role="doc-pagelist" id="page-list" hidden="hidden">\n<ol>\n'
        for p in pages:
            yield f"<li><a href={quoteattr(p.href)}>{escape(p.label)}</a></li>\n"
        yield "</ol>\n</nav>\n"
    yield ('<nav epub:type="landmarks" id="landmarks" hidden="hidden">\n<ol>\n'
           f'<li><a epub:type="bodymatter" href={quoteattr(start)}>{escape(title)}</a></li>\n</ol>\n</nav>\n'
           "</body>\n</html>\n")


def _nested(entries: list[Entry]) -> str:
    return "".join(_nested_pieces(entries))


def _nested_pieces(entries: Iterable[Entry]) -> Iterator[str]:
    """Entries as nested ordered lists: a deeper entry goes inside the one before it (one level
    at a time: a jump from 1 to 3 nests once, and a 2 after that 3 is beside it)."""
    yield "<ol>\n"
    depth = 1
    levels = [1]  # the source level open at each depth
    n = -1
    for n, entry in enumerate(entries):
        out = []
        if n:
            if entry.level > levels[-1]:
                out.append("\n<ol>\n")
                depth += 1
                levels.append(entry.level)
            else:
                out.append("</li>\n")
                # Closed up to the depth whose parent is above it (1, 3, 2: the 2 beside the 3).
                while depth > 1 and entry.level < levels[-1] and entry.level <= levels[-2]:
                    out.append("</ol>\n</li>\n")
                    depth -= 1
                    levels.pop()
                levels[-1] = min(levels[-1], entry.level)
        else:
            levels = [entry.level]
        out.append(f"<li><a href={quoteattr(entry.href)}>{escape(entry.label)}</a>")
        yield "".join(out)
    if n >= 0:
        yield "</li>\n" + "</ol>\n</li>\n" * (depth - 1)
    yield "</ol>\n"
