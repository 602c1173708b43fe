"""Documents of several pages: a PDF or a multi-page TIFF in, one page at a time out.

A PDF page whose text layer holds real text is read from it (words and boxes exact, no OCR);
other pages are rendered for OCR. Nothing is rendered or parsed up front, so a 200-page file
opens at once, and a page's pixels exist only while the caller holds them.

PDFs are read by PDFium (BSD-3-Clause, parts Apache-2.0) through pypdfium2 (Apache-2.0 OR
BSD-3-Clause). Forms are never initialised and this PDFium build has no JavaScript engine (no
V8), so a PDF's scripts never run. PDFium is not thread-safe: one document at a time per process.
"""
from __future__ import annotations

import ctypes
import io
import math
import unicodedata
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from chalicelib.errors import ImageError
from chalicelib.media import image as imaging
from chalicelib.structure import layout

# PDF readers accept a header anywhere in the first 1024 bytes (junk before it is common).
PDF_MAGIC = b"%PDF-"
PDF_HEADER_WINDOW = 1024
TIFF_SIGNATURES = tuple(imaging.TIFF_HEADERS)  # classic and BigTIFF
# Images that say what they are in their first bytes are never searched for a PDF header
# (a JPEG's comment may hold "%PDF-"); HEIF says "ftyp" at offset 4.
IMAGE_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"BM", b"RIFF", *TIFF_SIGNATURES)
# Long side of a rendered page, whatever its declared size: A3 or tabloid at 200 dpi fits
# (3307 px), 16 megapixels (48 MB of RGB) at most; a poster renders at a lower dpi instead.
MAX_SIDE = 4000
# A page is read from its text layer when it holds at least this many real characters (fewer
# is a page number or a scanner's stamp on a scan) ...
MIN_TEXT_CHARS = 20
# ... unless images cover most of the page and the text is short: a scan with a caption, whose
# content is in the picture (OCR reads the caption too; the text layer would miss the scan).
SCAN_COVERAGE = 0.5
ENOUGH_TEXT_CHARS = 200
# Characters that are never text: controls, surrogates, private use (unmapped glyphs), unassigned.
NOT_TEXT = {"Cc", "Cs", "Co", "Cn"}
# Line building, in units of the words' height: a gap wider than GUTTER (and SPACE_RATIO times
# the row's usual space) may be a column gutter: it is one when GUTTER_RUN rows in a row, looking
# GUTTER_ROWS up and down, leave it clear, as for OCR's lines (chalicelib.structure.layout); one
# wider than WIDE_GAP parts a line whatever its neighbours.
GUTTER, SPACE_RATIO, GUTTER_RUN, GUTTER_ROWS = layout.GUTTER, layout.SPACE_RATIO, layout.GUTTER_RUN, layout.GUTTER_ROWS
WIDE_GAP = 2.5


def is_document(data: bytes) -> bool:
    """A PDF, or a TIFF of more than one page (a single image goes to image.decode)."""
    return _pdf_header_at(data) >= 0 or imaging.tiff_pages(data, stop=2) > 1


@dataclass
class Page:
    index: int  # 0-based
    width: int  # pixel space of the page as rendered: every box is in it
    height: int
    source: str  # "text": read from the PDF's text layer; "ocr": needs OCR
    _render: Callable[[], np.ndarray] = field(repr=False, compare=False)
    _words: list[_Word] | None = field(default=None, repr=False, compare=False)
    cut: str | None = None  # "words" or "chars": the text layer was cut at that cap; else None
    figures: list[tuple[float, float, float, float]] = field(default_factory=list, repr=False, compare=False)
    # Boxes of glyphs the text layer draws without a character (its reviewer reads them by OCR).
    unmapped: list[tuple[float, float, float, float]] = field(default_factory=list, repr=False, compare=False)

    def lines(self) -> list[dict] | None:
        """CONTRACTS section 1 lines in reading order for a "text" page; None for an "ocr" one."""
        read = self.read()
        return None if read is None else read["lines"]

    def read(self) -> dict | None:
        """A "text" page's lines in reading order and its `blocks` (CONTRACTS section 13); None
        for an "ocr" one."""
        if self._words is None:
            return None
        segments = _segments(self._words)
        lines, blocks = layout.arrange([_line_json(s) for s in segments], self.width, self.height,
                                       [_hints(s) for s in segments], page_index=self.index, figures=self.figures)
        return {"lines": lines, "blocks": blocks, "unmapped": [list(b) for b in self.unmapped]}

    def rgb(self) -> np.ndarray:
        """(height, width, 3) uint8, rendered now: nothing keeps it after the caller drops it."""
        return self._render()

    def jpeg(self, quality: int = 85, rgb: np.ndarray | None = None) -> bytes:
        """The page as JPEG; pass the array from rgb() to spare a second rendering."""
        out = io.BytesIO()
        Image.fromarray(self.rgb() if rgb is None else rgb).save(out, "JPEG", quality=quality)
        return out.getvalue()


@dataclass
class Document:
    format: str  # "pdf" | "tiff"
    pages_in_file: int
    page_count: int  # min(pages_in_file, max_pages): the caller says when pages were left out
    _reader: _PdfReader | _TiffReader = field(repr=False, compare=False)
    # True when counting stopped past max_pages: the file holds pages_in_file pages or more.
    pages_at_least: bool = False

    def page(self, i: int) -> Page:
        if not 0 <= i < self.page_count:
            raise IndexError(f"page {i} of {self.page_count}")
        return self._reader.page(i)

    def close(self) -> None:
        self._reader.close()

    def outline(self) -> list[dict]:
        """A PDF's outline (bookmarks) as chapters: [{"title", "level" (1-based), "page" (0-based)}]."""
        return self._reader.outline() if hasattr(self._reader, "outline") else []

    def __enter__(self) -> Document:
        return self

    def __exit__(self, *_) -> None:
        self.close()


def open_document(data: bytes | imaging.FileBytes, *, max_bytes: int, max_pixels: int, max_pages: int, dpi: int,
                  max_page_words: int | None = None, max_page_chars: int | None = None) -> Document:
    """A text page keeps its first max_page_words words and max_page_chars characters (its
    `cut` says which cap it met); None: no cap. `data`: the file's bytes, or the file itself
    (image.FileBytes: read from disk as its pages need it)."""
    imaging.check_bytes(data, max_bytes)
    head = bytes(data[:PDF_HEADER_WINDOW + len(PDF_MAGIC)])
    if _pdf_header_at(head) >= 0:
        reader = _PdfReader(data, max_pixels=max_pixels, dpi=dpi, max_words=max_page_words,
                            max_chars=max_page_chars)
    elif head[:4] in TIFF_SIGNATURES:
        reader = _TiffReader(data, max_bytes=max_bytes, max_pixels=max_pixels, max_pages=max_pages)
    else:
        raise ImageError("This file is not a PDF or a TIFF. Upload a PDF, a TIFF or a photo of the page.")
    return Document(format=reader.format, pages_in_file=reader.pages, page_count=min(reader.pages, max_pages),
                    pages_at_least=reader.pages > max_pages and reader.format == "tiff", _reader=reader)


def _pdf_header_at(data: bytes) -> int:
    if data.startswith(IMAGE_SIGNATURES) or data[4:8] == b"ftyp":
        return -1
    return data.find(PDF_MAGIC, 0, PDF_HEADER_WINDOW + len(PDF_MAGIC))


# ---------------------------------------------------------------- PDF


# PDFium's load errors (FPDF_GetLastError) as what the person can do about them.
PDF_LOAD_ERRORS = {
    pdfium_c.FPDF_ERR_PASSWORD: "This PDF is protected by a password. Remove the password and upload it again.",
    pdfium_c.FPDF_ERR_SECURITY: ("This PDF is encrypted in a way that cannot be read. "
                                 "Save a copy without encryption and upload that."),
}
PDF_DAMAGED = ("This PDF is damaged or incomplete and cannot be read. "
               "Save or export it again and upload the new file.")
# Annotations (stamps, comments, filled-in form fields) are part of what the page shows. The
# byte order gives RGB, not PDFium's BGR; the limited image cache keeps big scans' memory down.
RENDER_FLAGS = pdfium_c.FPDF_ANNOT | pdfium_c.FPDF_REVERSE_BYTE_ORDER | pdfium_c.FPDF_RENDER_LIMITEDIMAGECACHE


class _PdfReader:
    format = "pdf"

    def __init__(self, data: bytes | imaging.FileBytes, *, max_pixels: int, dpi: int, max_words: int | None = None,
                 max_chars: int | None = None):
        self.max_pixels, self.dpi = max_pixels, dpi
        self.max_words, self.max_chars = max_words, max_chars
        self._data = data  # PDFium reads from this buffer (or file) for as long as the document is open
        if isinstance(data, imaging.FileBytes):
            raw = pdfium_c.FPDF_LoadDocument(data.path.encode(), None)  # read from disk as pages need it
        else:
            raw = pdfium_c.FPDF_LoadMemDocument64(data, len(data), None)
        if not raw:
            raise ImageError(PDF_LOAD_ERRORS.get(pdfium_c.FPDF_GetLastError(), PDF_DAMAGED))
        self.pdf = pdfium.PdfDocument(raw)
        self.pages = len(self.pdf)
        if self.pages < 1:
            self.close()
            raise ImageError("This PDF has no pages.")

    def page(self, i: int) -> Page:
        with self._page(i) as page:
            w_pt, h_pt = page.get_size()
            if not (w_pt > 0 and h_pt > 0):
                raise ImageError(f"Page {i + 1} of this PDF has no size and cannot be shown.")
            width, height = render_size(w_pt, h_pt, dpi=self.dpi, max_pixels=self.max_pixels)
            unmapped: list = []
            formulas: list = []
            chars, cut = _chars(page, width, height, self.max_chars, unmapped, formulas)
            words = _words(chars) if not formulas else _math_words(chars, formulas, unmapped, page, width, height)
            if self.max_words is not None and len(words) > self.max_words:
                words, cut = words[:self.max_words], "words"
            text = _is_text_page(words, page, w_pt * h_pt) or len(unmapped) >= MIN_TEXT_CHARS
            scan = None if text else _scan_dpi(page, w_pt * h_pt)
            if scan is not None and scan < self.dpi:
                # A scan is read at its own resolution: rendering a 100 dpi scan at 200 dpi only
                # makes OCR slower (and reads no better).
                width, height = render_size(w_pt, h_pt, dpi=max(MIN_SCAN_DPI, scan), max_pixels=self.max_pixels)
            figures = _figures(page, width, height) if text else []
        return Page(index=i, width=width, height=height, source="text" if text else "ocr",
                    _render=lambda: self._render(i, width, height), _words=words if text else None,
                    cut=cut if text else None, figures=figures, unmapped=unmapped if text else [])

    @contextmanager
    def _page(self, i: int):
        """Page i, loaded for the block and closed after it; PDFium's failures become a sentence."""
        try:
            page = self.pdf[i]
            try:
                yield page
            finally:
                page.close()
        except pdfium.PdfiumError as exc:
            raise ImageError(f"Page {i + 1} of this PDF is damaged and cannot be read.") from exc

    def _render(self, i: int, width: int, height: int) -> np.ndarray:
        with self._page(i) as page:
            bitmap = pdfium.PdfBitmap.new_native(width, height, pdfium_c.FPDFBitmap_BGR, rev_byteorder=True)
            bitmap.fill_rect((255, 255, 255, 255), 0, 0, width, height)
            pdfium_c.FPDF_RenderPageBitmap(bitmap, page, 0, 0, width, height, 0, RENDER_FLAGS)
            rgb = bitmap.to_numpy()  # a view of the bitmap's own buffer, which it keeps alive
            bitmap.close()
        return rgb

    def outline(self) -> list[dict]:
        out = []
        try:
            for item in self.pdf.get_toc(max_depth=6):
                page, title = _bookmark_page(self.pdf, item), item.get_title()
                if page is not None and 0 <= page < self.pages and title.strip():
                    out.append({"title": " ".join(title.split())[:200], "level": item.level + 1, "page": page})
                if len(out) >= MAX_OUTLINE:
                    break
        except pdfium.PdfiumError:
            return []
        return out

    def close(self) -> None:
        self.pdf.close()


def _bookmark_page(pdf, item) -> int | None:
    """The 0-based page a bookmark leads to: its destination, else its GoTo action's (what most
    writers use); None for one leading elsewhere (a URI, another file)."""
    dest = item.get_dest()
    if dest is None:
        action = pdfium_c.FPDFBookmark_GetAction(item)
        if action and pdfium_c.FPDFAction_GetType(action) == pdfium_c.PDFACTION_GOTO:
            raw = pdfium_c.FPDFAction_GetDest(pdf, action)
            dest = pdfium.PdfDest(raw, pdf=pdf) if raw else None
    return dest.get_index() if dest is not None else None


MAX_OUTLINE = 500
MAX_UNMAPPED = 5000  # glyph boxes kept per page: enough to judge it, bounded for a hostile one  # entries: a hostile outline does not grow the result without bound


def render_size(w_pt: float, h_pt: float, *, dpi: int, max_pixels: int) -> tuple[int, int]:
    """Pixels for a page of w_pt x h_pt points: `dpi`, lowered to fit max_pixels and MAX_SIDE."""
    scale = min(dpi / 72, MAX_SIDE / max(w_pt, h_pt), math.sqrt(max_pixels / (w_pt * h_pt)))
    return max(1, int(w_pt * scale)), max(1, int(h_pt * scale))


@dataclass
class _Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    size: float = 0.0  # the type's size in pixels (its glyphs' full height)
    bold: bool = False
    artifact: bool = False  # a tagged PDF marks it as page furniture (/Artifact)
    formula: tuple[int, str | None] | None = None  # a tagged PDF's /Formula it is part of: (its number, its /Alt)
    math: dict | None = None  # a formula rebuilt from its glyphs (chalicelib.media.pdfmath): the word's `formula`

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


# The text layer is read in batches of this many characters, so a capped page never holds more.
CHAR_BATCH = 4096
# (character, [x0, y0, x1, y1] in pixels, (bold, artifact, formula)); plain floats:
# per-character arithmetic on numpy scalars is slow.
_Char = tuple[str, list[float], tuple]
BOLD_WEIGHT = 600
BOLD_NAMES = ("bold", "black", "heavy", "semibold", "demibold", "extrabold")
FORCE_BOLD = 1 << 18  # PDF font descriptor flag 19


class _Styles:
    """What a character's text object says of it: bold, marked as an artifact (running header or
    footer of a tagged PDF), part of a tagged PDF's formula (`formulas`: its marked content ids
    -> the formula); looked up once per text object."""

    def __init__(self, textpage: pdfium.PdfTextPage, formulas: dict[int, tuple[int, str | None]] | None = None):
        self.textpage = textpage
        self.formulas = formulas or {}
        self.seen: dict[int, tuple] = {}

    def __call__(self, i: int) -> tuple:
        obj = pdfium_c.FPDFText_GetTextObject(self.textpage, i)
        key = ctypes.cast(obj, ctypes.c_void_p).value or 0
        if key not in self.seen:
            formula = self.formulas.get(pdfium_c.FPDFPageObj_GetMarkedContentID(obj)) if key and self.formulas else None
            self.seen[key] = (_bold(obj), _artifact(obj), formula) if key else (False, False, None)
        return self.seen[key]


MAX_STRUCTURE = 20_000  # structure elements looked at on one page (a tagged page has hundreds)


def _formulas(page: pdfium.PdfPage) -> dict[int, tuple[int, str | None]]:
    """A tagged PDF page's formulas (issue 58): each marked content id inside a /Formula structure
    element -> (the formula's number on the page, its /Alt text). Bounded: the walk stops after
    MAX_STRUCTURE elements or 64 levels."""
    tree = pdfium_c.FPDF_StructTree_GetForPage(page.raw)
    if not tree:
        return {}
    out: dict[int, tuple[int, str | None]] = {}
    todo = [(pdfium_c.FPDF_StructTree_GetChildAtIndex(tree, k), 1, None)
            for k in range(min(MAX_STRUCTURE, pdfium_c.FPDF_StructTree_CountChildren(tree)))]
    seen = formulas = 0
    try:
        while todo and seen < MAX_STRUCTURE:
            el, depth, inside = todo.pop()
            seen += 1
            if not el or depth > 64:
                continue
            if inside is None and _struct_text(pdfium_c.FPDF_StructElement_GetType, el) == "Formula":
                alt = " ".join(_struct_text(pdfium_c.FPDF_StructElement_GetAltText, el).split())[:500]
                inside, formulas = (formulas, alt or None), formulas + 1
            if inside is not None:
                ids = [pdfium_c.FPDF_StructElement_GetMarkedContentIdAtIndex(el, k)
                       for k in range(min(1000, max(0, pdfium_c.FPDF_StructElement_GetMarkedContentIdCount(el))))]
                for mcid in ids:
                    if mcid >= 0:
                        out[mcid] = inside
            children = min(1000, max(0, pdfium_c.FPDF_StructElement_CountChildren(el)))
            todo += [(pdfium_c.FPDF_StructElement_GetChildAtIndex(el, k), depth + 1, inside) for k in range(children)]
    finally:
        pdfium_c.FPDF_StructTree_Close(tree)
    return out


def _struct_text(getter, el) -> str:
    """A structure element's string (its type, its /Alt): UTF-16LE, its length asked first."""
    n = getter(el, None, 0)
    if n <= 2 or n > 1 << 16:
        return ""
    buf = ctypes.create_string_buffer(n)
    getter(el, buf, n)
    return buf.raw[:n - 2].decode("utf-16-le", "replace")


def _bold(obj) -> bool:
    font = pdfium_c.FPDFTextObj_GetFont(obj)
    if not font:
        return False
    if pdfium_c.FPDFFont_GetWeight(font) >= BOLD_WEIGHT:
        return True
    flags = ctypes.c_int()
    if pdfium_c.FPDFFont_GetFlags(font, flags) and flags.value & FORCE_BOLD:
        return True
    buf = ctypes.create_string_buffer(128)
    n = pdfium_c.FPDFFont_GetBaseFontName(font, buf, 128)
    name = buf.raw[:max(0, min(n, 128) - 1)].decode("latin-1").lower()
    return any(b in name.split("+")[-1] for b in BOLD_NAMES)


def _artifact(obj) -> bool:
    for k in range(min(8, pdfium_c.FPDFPageObj_CountMarks(obj))):
        mark = pdfium_c.FPDFPageObj_GetMark(obj, k)
        buf = (ctypes.c_ushort * 16)()
        size = ctypes.c_ulong()
        named = mark and pdfium_c.FPDFPageObjMark_GetName(mark, buf, ctypes.sizeof(buf), ctypes.byref(size))
        if named and bytes(buf)[:max(0, size.value - 2)].decode("utf-16-le", "replace") == "Artifact":
            return True
    return False


def _chars(page: pdfium.PdfPage, width: int, height: int, max_chars: int | None = None,
           unmapped: list | None = None, formulas: list | None = None) -> tuple[list[_Char | None], str | None]:
    """The text layer in content order: (character, [x0, y0, x1, y1] in pixels), None for a
    space or line break, and for text off the visible page (outside the crop box). Reading stops
    after `max_chars` characters of text: then the second value is "chars" (else None).
    `unmapped` collects the boxes of glyphs drawn without a character (`is_unmapped`), `formulas`
    the formulas drawn with math fonts (chalicelib.media.pdfmath.find)."""
    transform = _pixel_transform(page, width, height)
    textpage = page.get_textpage()
    styles = _Styles(textpage, _formulas(page))
    out: list[_Char | None] = []
    unmapped = [] if unmapped is None else unmapped
    kept, cut = 0, None
    try:
        n = textpage.count_chars()
        for start in range(0, n, CHAR_BATCH):
            for item in _char_batch(textpage, range(start, min(n, start + CHAR_BATCH)), transform, width, height,
                                    styles, unmapped):
                if item is not None:
                    if max_chars is not None and kept >= max_chars:
                        cut = "chars"
                        break
                    kept += 1
                out.append(item)
            if cut:
                break
        if formulas is not None and not styles.formulas:  # (a tagged PDF's formulas say themselves, by /Alt)
            from chalicelib.media import pdfmath

            formulas += pdfmath.find(page, textpage, len(out), "".join(c[0] for c in out if c is not None))
    finally:
        textpage.close()
    return out, cut


def _char_batch(textpage: pdfium.PdfTextPage, indices: range, transform, width: int,
                height: int, styles: _Styles, unmapped: list) -> list[_Char | None]:
    codes = [pdfium_c.FPDFText_GetUnicode(textpage, i) for i in indices]
    boxes = np.array([_loose_box(textpage, i) for i in indices], dtype=np.float64).reshape(-1, 4)
    px = _to_pixels(boxes, transform)
    cx, cy = (px[:, 0] + px[:, 2]) / 2, (px[:, 1] + px[:, 3]) / 2
    visible = (cx >= 0) & (cx <= width) & (cy >= 0) & (cy <= height)
    px[:, [0, 2]] = px[:, [0, 2]].clip(0, width)  # a character half off the page: its visible half
    px[:, [1, 3]] = px[:, [1, 3]].clip(0, height)
    out: list[_Char | None] = []
    for i, code, box, seen in zip(indices, codes, px.tolist(), visible.tolist()):
        ch = chr(code) if 0 < code < 0x110000 else " "
        if seen and len(unmapped) < MAX_UNMAPPED and is_unmapped(ch):
            unmapped.append(tuple(box))  # a glyph drawn without a character: the text layer's reviewer looks
        out.append((ch, box, styles(i)) if seen and not ch.isspace() and _kept(ch) else None)
    return out


def _loose_box(textpage: pdfium.PdfTextPage, i: int) -> tuple[float, float, float, float]:
    """Character i's box from its font's full height (so a word's box spans its line, as OCR's
    do), in PDF points; NaN (never visible) where PDFium has none."""
    rect = pdfium_c.FS_RECTF()
    if not pdfium_c.FPDFText_GetLooseCharBox(textpage, i, rect):
        return math.nan, math.nan, math.nan, math.nan
    return rect.left, rect.bottom, rect.right, rect.top


def _pixel_transform(page: pdfium.PdfPage, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """(M, o) with pixel = M @ (point - o): PDFium's own mapping for this rendering, so the
    crop box, /Rotate and the flip of y (PDF's origin is bottom-left) are exactly as drawn."""
    def page_point(x: int, y: int) -> np.ndarray:
        px, py = ctypes.c_double(), ctypes.c_double()
        pdfium_c.FPDF_DeviceToPage(page, 0, 0, width, height, 0, x, y, px, py)
        return np.array([px.value, py.value])

    origin = page_point(0, 0)
    to_page = np.column_stack([(page_point(width, 0) - origin) / width, (page_point(0, height) - origin) / height])
    return np.linalg.inv(to_page), origin


def _to_pixels(boxes: np.ndarray, transform: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """PDF boxes (left, bottom, right, top) to pixel boxes (x0, y0, x1, y1)."""
    M, origin = transform
    corners = [boxes[:, [0, 1]], boxes[:, [2, 3]]]
    a, b = ((c - origin) @ M.T for c in corners)
    return np.column_stack([np.minimum(a, b), np.maximum(a, b)])


def is_unmapped(ch: str) -> bool:
    """Whether a character a PDF's text layer gives for a glyph says the glyph has no character:
    the replacement character, private use, a control that is not a space (a font whose codes
    start at 1). PDFium's U+0002 is not one: it is a hyphen at a line's end (text: U+FFFE)."""
    return ch == "\ufffd" or (ch != "\x02" and not ch.isspace() and unicodedata.category(ch) in ("Co", "Cc"))


def _kept(ch: str) -> bool:
    return ch != "\ufffd" and unicodedata.category(ch) not in NOT_TEXT


def _words(chars: list[_Char | None]) -> list[_Word]:
    """Characters to words: a word ends at a space or line break, and where the next character
    is not beside it (PDFs need not put a space between words they place apart)."""
    words: list[_Word] = []
    current: list[_Char] = []
    for item in [*chars, None]:
        if current and (item is None or not _beside(current[-1], item)):
            words.append(_word(current))
            current = []
        if item is not None:
            current.append(item)
    return words


def _beside(prev: _Char, item: _Char) -> bool:
    (a, prev, _), (b, box, _) = prev, item
    h = max(prev[3] - prev[1], box[3] - box[1], 1e-6)
    same_line = abs((prev[1] + prev[3]) / 2 - (box[1] + box[3]) / 2) < h / 2
    if not same_line:
        return False
    if (_rtl(a) or _rtl(b)) and (_rtl(a) or _neutral(a)) and (_rtl(b) or _neutral(b)):
        # Arabic, Hebrew (and their punctuation): stored in logical or in visual order, either way
        return max(box[0] - prev[2], prev[0] - box[2]) < h / 3
    return -h / 2 < box[0] - prev[2] < h / 3


def _neutral(ch: str) -> bool:
    return unicodedata.bidirectional(ch) in ("ON", "CS", "ET", "ES")


def _rtl(ch: str) -> bool:
    if ch < "\u0590":  # Latin, Greek, Cyrillic...: most text, decided at once
        return False
    return unicodedata.bidirectional(ch) in ("R", "AL") or (unicodedata.category(ch) == "Mn" and ch <= "\u08ff")


def _word(chars: list[_Char]) -> _Word:
    x0, y0, x1, y1 = zip(*(box for _, box, _ in chars))
    if sum(_rtl(ch) for ch, _, _ in chars) * 2 > len(chars):
        # A right-to-left word in logical order: its characters from the right (PDFs hold them
        # in either order; the boxes tell).
        chars = sorted(chars, key=lambda c: -(c[1][0] + c[1][2]))
    text = unicodedata.normalize("NFKC", "".join(ch for ch, _, _ in chars))  # ligatures (ﬁ) as letters
    # Type size from the glyphs' full height (the font's ascent to descent, as drawn: a font of
    # size 1 scaled by its text matrix measures as it shows).
    sizes = sorted(box[3] - box[1] for _, box, _ in chars)
    return _Word(text, min(x0), min(y0), max(x1), max(y1), size=sizes[len(sizes) // 2],
                 bold=sum(style[0] for _, _, style in chars) * 2 > len(chars),
                 artifact=all(style[1] for _, _, style in chars),
                 formula=chars[0][2][2] if all(style[2] == chars[0][2][2] for _, _, style in chars) else None)


def _math_words(chars: list[_Char | None], formulas: list, unmapped: list, page: pdfium.PdfPage, width: int,
                height: int) -> list[_Word]:
    """The page's words with each formula drawn with math fonts (chalicelib.media.pdfmath) one word
    in its glyphs' place, carrying its LaTeX (or, when it could not be rebuilt, said "formula");
    the glyphs without a character inside it are no longer the reviewer's business."""
    transform = _pixel_transform(page, width, height)
    chars = list(chars)
    out: list[_Word] = []
    for found in formulas:
        kept = [i for i in found.indices if i < len(chars)]
        if not kept:
            continue
        for i in kept:
            chars[i] = None
        x0, y0, x1, y1 = (float(v) for v in _to_pixels(np.array([found.box], dtype=np.float64), transform)[0])
        text, after = found.text, kept[-1] + 1
        while after < min(len(chars), kept[-1] + 3) and chars[after] is None:  # a space PDFium put after a script
            after += 1
        if after < len(chars) and chars[after] is not None and chars[after][0] in ",.;:" \
                and abs(chars[after][1][0] - x1) < 0.5 * (y1 - y0 + 1):  # the sentence's comma, glued to it
            text += chars[after][0]
            chars[after] = None
        unmapped[:] = [b for b in unmapped if not (x0 - 1 <= (b[0] + b[2]) / 2 <= x1 + 1 and y0 - 1 <= (b[1] + b[3]) / 2 <= y1 + 1)]
        math_ = ({"latex": found.latex, **({"display": True} if found.display else {})} if found.latex
                 else {"spoken": "formula", "error": "PageVoice could not rebuild this formula from the PDF's glyphs."})
        if text != found.text:
            math_["span"] = [0, len(found.text)]
        out.append(_Word(text, x0, y0, x1, y1, math=math_))
    words = _words(chars)
    if not out:
        return words
    sizes = sorted(w.size for w in words) or [max(1.0, min(w.height for w in out))]
    for w in out:  # the type's size is the text's around it (a tall fraction is no heading)
        w.size = sizes[len(sizes) // 2]
    return words + out


def _is_text_page(words: list[_Word], page: pdfium.PdfPage, area: float) -> bool:
    real = sum(unicodedata.category(ch) not in NOT_TEXT | {"Cf"} for w in words for ch in w.text)
    if real < MIN_TEXT_CHARS:
        return False
    return real >= ENOUGH_TEXT_CHARS or _image_coverage(page, area) < SCAN_COVERAGE


MIN_SCAN_DPI = 72


def _scan_dpi(page: pdfium.PdfPage, area: float) -> int | None:
    """The resolution of the picture that covers most of the page (a scan), if one does."""
    best, dpi = 0.0, None
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]):
        if not pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
            continue
        w_pt, h_pt = right.value - left.value, top.value - bottom.value
        if w_pt <= 0 or h_pt <= 0 or w_pt * h_pt <= best:
            continue
        try:
            px_w, px_h = obj.get_px_size()
        except (pdfium.PdfiumError, AttributeError):
            continue
        best, dpi = w_pt * h_pt, int(round(max(px_w / w_pt, px_h / h_pt) * 72))
    return dpi if best >= SCAN_COVERAGE * area else None


def _image_coverage(page: pdfium.PdfPage, area: float) -> float:
    """Share of the page covered by pictures (a scan is one, or a few strips)."""
    covered = 0.0
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]):
        if pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
            covered += max(0.0, right.value - left.value) * max(0.0, top.value - bottom.value)
    return min(1.0, covered / area)


# ---------------------------------------------------------------- lines


def _segments(words: list[_Word]) -> list[list[_Word]]:
    """The text layer's lines: rows of words sharing a baseline, cut where a gap between two
    words lines up with gaps in the rows around it (a column gutter, a table's columns) or is
    wide whatever its neighbours (a form's label and value). Blocks and reading order are the
    structure's business (chalicelib.structure.layout), as they are for OCR's lines."""
    rows = _rows(words)
    gaps = [_gaps(row) for row in rows]
    out: list[list[_Word]] = []
    for r, row in enumerate(rows):
        cuts = {k for k, (a, b, h) in gaps[r].items()
                if (b - a > WIDE_GAP * h or _lines_up(a, b, gaps, rows, r)) and not _bullet(row[k].text)}
        start = 0
        for k in sorted(cuts):
            out.append(row[start:k + 1])
            start = k + 1
        out.append(row[start:])
    return [seg for seg in out if seg]


def _bullet(text: str) -> bool:
    """A list's bullet glyph stays with the item it opens, however far apart they are set."""
    return len(text) == 1 and not text.isalnum()


def _gaps(row: list[_Word]) -> dict[int, tuple[float, float, float]]:
    """The gaps between neighbouring words wider than a word space: {index of the word before:
    (gap start, gap end, the words' height)}."""
    spans = []
    for w, nxt in zip(row, row[1:]):
        spans.append((w.x1, nxt.x0) if nxt.x0 >= w.x1 else (nxt.x1, w.x0))
    # A justified line stretches all its spaces alike: a gutter is much wider than its row's
    # usual space (a "river" of stretched spaces down a narrow column is not).
    usual = sorted(b - a for a, b in spans)[len(spans) // 2] if len(spans) >= 4 else 0.0
    out = {}
    for k, ((a, b), w, nxt) in enumerate(zip(spans, row, row[1:])):
        h = max(w.height, nxt.height, 1e-6)
        if b - a > GUTTER * h and b - a > SPACE_RATIO * usual:
            out[k] = (a, b, h)
    return out


def _lines_up(a: float, b: float, gaps, rows, r: int) -> bool:
    """The gap's middle stays clear down a run of GUTTER_RUN rows or more around row r (a
    column gutter, a table's columns): the run goes on up and down until a row writes across
    it; a row on one side of the channel only neither ends nor lengthens it. A justified line's
    wide spaces line up with a neighbour's now and then, hardly ever down three rows."""
    mid = (a + b) / 2
    run = 1
    for step in (-1, 1):
        q = r + step
        while 0 <= q < len(rows) and abs(q - r) <= GUTTER_ROWS and run < GUTTER_RUN:
            row = rows[q]
            if row[0].x0 <= mid <= row[-1].x1:
                if not any(ga <= mid <= gb for ga, gb, _ in gaps[q].values()):
                    break
                run += 1
            q += step
    return run >= GUTTER_RUN


def _hints(words: list[_Word]) -> layout.Hints:
    sizes = sorted(w.size for w in words)
    chars = [len(w.text) for w in words]
    bold = sum(c for w, c in zip(words, chars) if w.bold) / max(1, sum(chars))
    # A run-in heading ("Methods. We ...") leaves its line neither bold nor plain.
    return layout.Hints(size=sizes[len(sizes) // 2] or None,
                        bold=True if bold >= 0.9 else False if bold <= 0.1 else None,
                        artifact=all(w.artifact for w in words))


def _figures(page: pdfium.PdfPage, width: int, height: int) -> list[tuple[float, float, float, float]]:
    """The page's pictures, in pixels: image objects big enough to be a figure and smaller than
    most of the page (a full-page picture is a background or a scan, not a figure)."""
    transform = _pixel_transform(page, width, height)
    out = []
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2):
        if not pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
            continue
        box = _to_pixels(np.array([[left.value, bottom.value, right.value, top.value]]), transform)[0]
        x0, y0, x1, y1 = (float(v) for v in box)
        x0, x1 = max(0.0, x0), min(float(width), x1)
        y0, y1 = max(0.0, y0), min(float(height), y1)
        share = max(0.0, x1 - x0) * max(0.0, y1 - y0) / (width * height)
        if FIGURE_MIN_SHARE <= share <= FIGURE_MAX_SHARE:
            out.append((x0, y0, x1, y1))
        if len(out) >= MAX_FIGURES:
            break
    return out


FIGURE_MIN_SHARE, FIGURE_MAX_SHARE = 0.02, 0.6
MAX_FIGURES = 50


def _rows(words: list[_Word]) -> list[list[_Word]]:
    """Words grouped into rows sharing a line (centre within half a height of the row's mean
    centre, kept as a running sum), top to bottom, each left to right."""
    rows: list[list[_Word]] = []
    total = 0.0  # sum of the last row's centres
    for word in sorted(words, key=lambda w: w.cy):
        row = rows[-1] if rows else None
        if row and abs(word.cy - total / len(row)) < max(word.height, row[0].height) / 2:
            row.append(word)
            total += word.cy
        else:
            rows.append([word])
            total = word.cy
    return [_ordered(row) for row in rows]


def _ordered(row: list[_Word]) -> list[_Word]:
    if _rtl_row(row):
        return sorted(row, key=lambda w: -w.x1)
    return sorted(row, key=lambda w: w.x0)


def _rtl_row(row: list[_Word]) -> bool:
    """A row mostly in a right-to-left script: read from the right."""
    letters = [ch for w in row for ch in w.text if ch.isalpha()]
    return sum(_rtl(ch) for ch in letters) * 2 > len(letters)


def _line_json(words: list[_Word]) -> dict:
    out = [{"text": w.text, "confidence": 1.0, "box": _quad(w.x0, w.y0, w.x1, w.y1),
            **({"formula": dict(w.math)} if w.math else {})} for w in words]
    k = 0
    while k < len(words):  # a tagged formula's run of words: said once, by its /Alt (else "formula")
        if words[k].formula is None:
            k += 1
            continue
        end = k + 1
        while end < len(words) and words[end].formula == words[k].formula:
            end += 1
        alt = words[k].formula[1]
        out[k]["formula"] = {"spoken": alt or "formula", **({"alt": alt} if alt else {}), "words": end - k}
        k = end
    return {"text": " ".join(w.text for w in words), "confidence": 1.0,
            "box": _quad(min(w.x0 for w in words), min(w.y0 for w in words),
                         max(w.x1 for w in words), max(w.y1 for w in words)),
            "words": out}


def _quad(x0: float, y0: float, x1: float, y1: float) -> list[list[int]]:
    """Four corners clockwise from top-left, whole pixels covering the box."""
    a, b, c, d = math.floor(x0), math.floor(y0), math.ceil(x1), math.ceil(y1)
    return [[a, b], [c, b], [c, d], [a, d]]


# ---------------------------------------------------------------- TIFF


class _TiffReader:
    """Pages of a TIFF, each decoded like a single image (image.py's checks and conversions)."""

    format = "tiff"

    def __init__(self, data: bytes | imaging.FileBytes, *, max_bytes: int, max_pixels: int, max_pages: int):
        self.img = imaging.open_image(data, max_bytes=max_bytes, max_pixels=max_pixels)
        try:
            # Our own walk of the directory chain, stopped one past the cap: Pillow's n_frames
            # is quadratic in the pages (40,000 one-pixel pages: 17 s).
            self.pages = max(1, imaging.tiff_pages(data, stop=max_pages + 1))
            self.sizes = [self._size(i, max_pixels) for i in range(min(self.pages, max_pages))]
        except ImageError:
            self.close()
            raise
        except Exception as exc:  # noqa: BLE001 - a broken directory chain surfaces as many types
            self.close()
            raise ImageError("This TIFF is damaged: its pages cannot be read.") from exc

    def _size(self, i: int, max_pixels: int) -> tuple[int, int]:
        """Page i's upright size, refused before any pixel is decoded if over the cap."""
        self.img.seek(i)
        imaging.check_size(self.img.width, self.img.height, max_pixels, what=f"Page {i + 1} of this TIFF")
        return imaging.upright_size(self.img)

    def page(self, i: int) -> Page:
        width, height = self.sizes[i]
        return Page(index=i, width=width, height=height, source="ocr",
                    _render=lambda: imaging.read_frame(self.img, i)[0])

    def close(self) -> None:
        self.img.close()
