"""EPUB 3 with Media Overlays (issue 41): a finished page job as a book other apps read aloud
with the text lit in step (Apple Books, Thorium, talking-book players).

    EPUB/package.opf           metadata (languages, durations, accessibility), manifest, spine
    EPUB/nav.xhtml             table of contents (result.chapters, else headings, else pages), page list
    EPUB/text/page-NNN.xhtml   one per page (or section of a document without pages): chalicelib.books.xhtml
    EPUB/smil/page-NNN.smil    its Media Overlay: chalicelib.books.overlay
    EPUB/audio/speech.mp3      the recording, as given
    EPUB/css/book.css

Pure (no AWS I/O) and deterministic: the same result and recording give the same bytes (fixed
zip times, an identifier drawn from the content). Pages are written one at a time, so a long
document holds one page's text in memory beside the recording and the growing zip.
"""
from __future__ import annotations

import dataclasses
import hashlib
import tempfile
import uuid
import zipfile
from collections.abc import Callable

from chalicelib.books import clipped_title, cut_names, left, overlay, package, xhtml
from chalicelib.errors import Conflict
from chalicelib.structure import FURNITURE
from chalicelib.structure.spoken import pages_of

ROOT = "EPUB/"
STYLESHEET = "css/book.css"
AUDIO = "audio/speech.mp3"
MODIFIED = "1980-01-01T00:00:00Z"  # the zip's own epoch: a book of the same job is the same file
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
NAMESPACE = uuid.UUID("5b0c2f1e-6a43-4c1e-9d0a-8c1b7e2f4a10")  # PageVoice books' uuid5 namespace
LABEL_MAX = 20  # characters of a printed page number kept as its label
TOC_LABEL_MAX = 80
CONTAINER = ('<?xml version="1.0" encoding="UTF-8"?>\n'
             '<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">\n'
             '<rootfiles><rootfile full-path="EPUB/package.opf" media-type="application/oebps-package+xml"/></rootfiles>\n'
             "</container>\n")
CSS = f"""body {{ margin: 0 5%; line-height: 1.5; }}
.{package.ACTIVE_CLASS} {{ background-color: #ffe066; color: #000; }}
figure {{ margin: 1em 0; }}
figcaption, .caption {{ font-style: italic; }}
table {{ border-collapse: collapse; margin: 1em 0; }}
th, td {{ border: 1px solid currentColor; padding: 0.2em 0.5em; text-align: start; vertical-align: top; }}
ul.marked {{ list-style: none; padding-inline-start: 1em; }}
.page-header, .page-footer, .page-number, aside {{ font-size: 0.85em; }}
pre {{ white-space: pre-wrap; }}
"""


class NotReadAloud(Conflict, ValueError):
    """The result has no recording timed by sentence: there is nothing to synchronise."""


def build(result: dict, recording: bytes, *, title: str, progress: Callable[[float], None] | None = None,
          words: bool = True, modified: str = MODIFIED, left_out: list[dict] | None = None) -> bytes:
    """The EPUB of a published page result (CONTRACTS sections 1, 7, 10, 13, 14) and its
    recording (speech.mp3). `words`: a par per word inside a seq per sentence (default), else a
    par per sentence. `modified`: dcterms:modified (default: fixed, for repeatable output).
    `left_out` gets what the book's bounds cut (chalicelib.books.left)."""
    speech = result.get("speech") or {}
    if not recording or not speech.get("sentences"):
        raise NotReadAloud("This result has no recording timed sentence by sentence, so there is no book to make "
                           "of it: only a page read aloud makes one.")
    pages, is_doc = pages_of(result)
    paged = is_doc and not result.get("flow")
    main = xhtml.language_of((result.get("language") or {}).get("code") or _page_language(pages[0], "und"))
    parts = overlay.plan(speech)
    book = package.Book(identifier=_identifier(result, recording), title=clipped_title(" ".join(title.split()) or "PageVoice", left_out),
                        modified=modified, languages=_languages(pages, main), rtl=_rtl(main),
                        narrator=_narrator(speech))
    book.items += [package.Item("nav", "nav.xhtml", "application/xhtml+xml", properties="nav"),
                   package.Item("css", STYLESHEET, "text/css")]
    with tempfile.TemporaryFile() as out:  # a growing BytesIO would hold the book twice as it grows
        data = _write(out, result, recording, book, pages, parts, main, paged, words, progress, left_out)
    if progress is not None:
        progress(1.0)
    return data


def _write(out, result: dict, recording: bytes, book: package.Book, pages: list[dict], parts: list[overlay.Part],
           main: str, paged: bool, words: bool, progress, left_out: list[dict] | None) -> bytes:
    """The book's parts into `out` (a file), in order; its bytes."""
    with zipfile.ZipFile(out, "w") as z:
        _put(z, "mimetype", b"application/epub+zip", compress=False)  # first and stored (OCF)
        _put(z, "META-INF/container.xml", CONTAINER.encode())
        _put(z, ROOT + STYLESHEET, CSS.encode())
        written = _pages(z, book, pages, parts, main, paged, words, progress, left_out)
        _put(z, ROOT + AUDIO, recording, compress=False)  # already compressed
        book.items.append(package.Item("audio", AUDIO, "audio/mpeg"))
        toc = _toc(result, pages, written, book.title, left_out)
        page_list = [package.Entry(label, f"{href}#{xhtml.page_id(p)}") for p, (href, label, _) in enumerate(written) if label]
        book.source = book.title if page_list else None
        book.features = _features(toc, page_list, pages, pages_of(result)[1])
        if any(item.properties == "mathml" for item in book.items):
            book.features.append("MathML")  # formulas as MathML with alttext (issue 58)
        # A recording cut at its length limit (complete false, reason "duration") leaves the rest unsaid.
        book.auditory_sufficient = not _cut(result) and not set(result.get("skipped") or {}) - set(FURNITURE)
        book.summary = _summary(result, paged, book, words)
        _put(z, ROOT + "nav.xhtml", package.nav(book.title, main, toc, page_list, written[0][0], STYLESHEET).encode())
        _put(z, ROOT + "package.opf", package.opf(book).encode())
    out.seek(0)
    return out.read()


def _pages(z: zipfile.ZipFile, book: package.Book, pages: list[dict], parts: list[overlay.Part], main: str,
           paged: bool, words: bool, progress, left_out: list[dict] | None) -> list[tuple[str, str | None, set[int]]]:
    """Each page's document and Media Overlay into the zip; (href, page label, block ids) of each."""
    by_page: dict[int, list[overlay.Part]] = {}
    for part in parts:
        by_page.setdefault(part.page, []).append(part)
    written, long = [], 0
    for p, page in enumerate(pages):
        name = f"page-{p + 1:03d}"
        mine = by_page.get(p, [])
        label = _label(page, p) if paged else None
        if label and len(label) > LABEL_MAX:
            long, label = long + 1, label[:LABEL_MAX]
        info = xhtml.Page(index=p, sentence_of={(c.line, c.word): part.sentence for part in mine for c in part.clips},
                          label=label, title=book.title if len(pages) == 1 else f"{book.title} ({p + 1})",
                          language=xhtml.language_of(_page_language(page, main)))
        rendered = xhtml.document(page, info, f"../{STYLESHEET}")
        href = f"text/{name}.xhtml"
        _put(z, ROOT + href, rendered.text.encode())
        item = package.Item(f"p{p + 1}", href, "application/xhtml+xml", spine=True,
                            properties="mathml" if rendered.mathml else "")
        mine = _shown(mine, rendered)
        if mine:
            smil = overlay.smil(f"../{href}", f"../{AUDIO}", mine, rendered.sentence_ids, words)
            _put(z, f"{ROOT}smil/{name}.smil", smil.encode())
            item.overlay = f"mo{p + 1}"
            book.items.append(package.Item(item.overlay, f"smil/{name}.smil", "application/smil+xml",
                                           duration=overlay.duration(mine)))
        book.items.append(item)
        written.append((href, label, rendered.block_ids))
        if progress is not None:
            progress((p + 1) / (len(pages) + 1))
    left(left_out, "page_labels", long, LABEL_MAX, cut_names(long, LABEL_MAX, "printed page number", " in the page list"))
    return written


def _shown(parts: list[overlay.Part], rendered: xhtml.Rendered) -> list[overlay.Part]:
    """The parts' clips of words the page shows (a timing naming a word the page lacks, in a
    result not as CONTRACTS says, is left out rather than pointing nowhere)."""
    kept = [dataclasses.replace(p, clips=[c for c in p.clips if (c.line, c.word) in rendered.words]) for p in parts]
    return [p for p in kept if p.clips and p.sentence in rendered.sentence_ids]


def _put(z: zipfile.ZipFile, name: str, data: bytes, compress: bool = True) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.create_system = 3  # Unix, whatever the builder runs on
    info.external_attr = 0o644 << 16
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    z.writestr(info, data, compresslevel=6 if compress else None)


def _identifier(result: dict, recording: bytes) -> str:
    """urn:uuid drawn from the recording and the text (the same job read the same way: the same book)."""
    digest = hashlib.sha256(recording)
    digest.update(str(result.get("text") or "").encode("utf-8", "replace"))
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, digest.hexdigest())}"


def _page_language(page: dict, default: str) -> str:
    return (page.get("language") or {}).get("code") or default


def _languages(pages: list[dict], main: str) -> list[str]:
    """dc:language: the book's, then every other its pages and lines are in."""
    found = [main]
    for page in pages:
        for code in [_page_language(page, main), *(line.get("language") for line in page.get("lines") or [])]:
            code = xhtml.language_of(code) if code else None
            if code and code not in found:
                found.append(code)
    return found


def _rtl(code: str) -> bool:
    return ' dir="rtl"' in xhtml.lang_attrs(code)


def _narrator(speech: dict) -> str | None:
    if speech.get("recorded"):  # a person's own recording (books.transcript): who speaks is not known
        return None
    voice = speech.get("voice") or {}
    name = " ".join(str(voice.get(k)) for k in ("engine", "name") if voice.get(k))
    return f"PageVoice synthetic voice ({name})" if name else "PageVoice synthetic voice"


def _label(page: dict, index: int) -> str:
    """A printed page's label: its page number as printed, else its place in the document."""
    lines = page.get("lines") or []
    for block in xhtml.blocks_of(page):
        if block["role"] == "page-number":
            text = " ".join(lines[i]["text"] for i in block["lines"] if 0 <= i < len(lines)).strip()
            if text:
                return " ".join(text.split())  # cut to LABEL_MAX by _pages, which tells left_out
    return str(index + 1)


def _toc(result: dict, pages: list[dict], written: list, title: str,
         left_out: list[dict] | None = None) -> list[package.Entry]:
    """The contents: the result's chapters, else its headings, else one entry a page (its first
    line); `left_out` gets the titles cut to TOC_LABEL_MAX."""
    chapters = [c for c in result.get("chapters") or [] if 0 <= int(c.get("page") or 0) < len(pages)]
    if not chapters:
        chapters = [{"title": " ".join(page["lines"][i]["text"] for i in block["lines"]), "page": p, "block": b,
                     "level": 1 if block["role"] == "title" else block.get("level") or 1}
                    for p, page in enumerate(pages) for b, block in enumerate(xhtml.blocks_of(page))
                    if block["role"] in ("title", "heading") and block["lines"]]
    entries, long = [], 0
    for c in chapters:
        href, _, ids = written[int(c.get("page") or 0)]
        block = c.get("block")
        target = f"{href}#b{block}" if block in ids else href
        label = " ".join(str(c.get("title") or "").split())
        long += len(label) > TOC_LABEL_MAX
        if label:
            entries.append(package.Entry(label[:TOC_LABEL_MAX], target, max(1, min(6, int(c.get("level") or 1)))))
    if entries:
        left(left_out, "chapter_titles", long, TOC_LABEL_MAX,
             cut_names(long, TOC_LABEL_MAX, "chapter title", " in the contents"))
        return entries
    return [package.Entry(_first_line(page) or (title if len(pages) == 1 else str(p + 1)), href)
            for p, (page, (href, _, _)) in enumerate(zip(pages, written))]


def _first_line(page: dict) -> str:
    for line in page.get("lines") or []:
        if line.get("text", "").strip():
            return " ".join(line["text"].split())[:TOC_LABEL_MAX]
    return ""


def _features(toc: list[package.Entry], page_list: list[package.Entry], pages: list[dict], is_doc: bool) -> list[str]:
    """schema:accessibilityFeature values true of this book."""
    features = ["synchronizedAudioText", "readingOrder", "displayTransformability"]
    headings = any(b["role"] in ("title", "heading") for page in pages for b in xhtml.blocks_of(page))
    if headings:
        features += ["structuralNavigation", "tableOfContents"]
    elif is_doc and len(toc) > 1:
        features.append("tableOfContents")
    if page_list:
        features += ["pageBreakMarkers", "pageNavigation"]
    return features


def _cut(result: dict) -> bool:
    return (result.get("speech") or {}).get("complete") is False


def _summary(result: dict, paged: bool, book: package.Book, words: bool) -> str:
    if (result.get("speech") or {}).get("recorded"):  # books.transcript
        return ("This book holds a recording and its transcript, written by speech recognition (which can mishear), "
                "synchronised word by word (EPUB Media Overlays), in paragraphs where the speaker paused, with "
                "chapters where the recording moves on." + ("" if book.auditory_sufficient else
                                                           " Parts of the recording are missing: their text is shown only."))
    source = ("a document's text" if result.get("flow") else
              "text recognised from a scanned or photographed page" if not paged else
              "text read from a PDF or scanned document")
    said = ("The recording reads everything but the page furniture." if book.auditory_sufficient else
            "The recording stops before the end of the text, at the longest recording PageVoice makes: the rest "
            "is text only." if _cut(result) else
            "Some parts (such as footnotes) are shown but not read aloud.")
    pages = " Printed page numbers are kept as page breaks with a page list." if paged else ""
    return (f"This book holds {source}, with its headings, lists and tables as structure, and a synthetic "
            f"voice reading it aloud, synchronised {'word by word' if words else 'sentence by sentence'} (EPUB Media Overlays). {said} Running headers, "
            f"footers and footnotes are marked so reading systems can skip or show them.{pages} Pictures are not "
            "included; their captions and any text in them are.")
