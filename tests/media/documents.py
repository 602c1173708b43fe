"""Real PDF and TIFF files made by code for the document tests (chalicelib/media/document.py).

`text_pdf` writes a PDF by hand: Helvetica text at known places (PDF's standard font, drawn
by PDFium without embedding), with whatever page size, rotation, crop box or catalog entries a
test needs. Scans go through Pillow's PDF writer, Chromium prints HTML, pypdf encrypts.
"""
from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
from PIL import Image

FUNSD = Path(__file__).resolve().parents[2].parent / "shared" / "datasets" / "funsd-test" / "images"


@dataclass
class TextPage:
    lines: list[str]
    size: tuple[float, float] = (612, 792)  # points (US Letter)
    font_size: float = 24
    rotate: int = 0  # /Rotate; the text is drawn turned the other way, so it reads upright
    cropbox: tuple[float, float, float, float] | None = None
    at: tuple[float, float] = (72, 72)  # first baseline: from the left, down from the top (as seen)
    extra: dict[str, str] = field(default_factory=dict)  # more page dictionary entries


def text_pdf(pages: list[TextPage], catalog: str = "") -> bytes:
    """A PDF of Helvetica lines; `catalog` adds entries to the document catalog (/OpenAction)."""
    font = 3 + 2 * len(pages)
    objects = [f"<< /Type /Catalog /Pages 2 0 R {catalog} >>",
               "<< /Type /Pages /Kids [{}] /Count {} >>".format(
                   " ".join(f"{3 + 2 * i} 0 R" for i in range(len(pages))), len(pages))]
    for i, page in enumerate(pages):
        objects.append(_page_dict(page, content=4 + 2 * i, font=font))
        stream = _content(page)
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
    objects.append("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    return _write(objects)


def padded_text_pdf(lines: list[str], size: int, seed: int = 54) -> bytes:
    """A one-page PDF of Helvetica lines, exactly `size` bytes: an object no page uses holds
    random bytes (a large file that reads as fast as a small one: a multipart upload's test)."""
    def build(pad: int) -> bytes:
        page = TextPage(lines)
        stream = _content(page)
        filler = np.random.default_rng(seed).integers(0, 256, pad, dtype=np.uint8).tobytes().decode("latin-1")
        return _write(["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                       _page_dict(page, content=4, font=5),
                       f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
                       "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
                       f"<< /Length {pad} >>\nstream\n{filler}\nendstream"])

    # The xref's offsets have fixed widths: taking the overshoot off the filler lands exactly
    # (again when the filler's /Length lost a digit).
    pad = size
    for _ in range(3):
        data = build(pad)
        pad -= len(data) - size
    assert len(data) == size, (len(data), size)
    return data


def _page_dict(page: TextPage, content: int, font: int) -> str:
    w, h = page.size
    entries = {"/Type": "/Page", "/Parent": "2 0 R", "/MediaBox": f"[0 0 {w} {h}]",
               "/Resources": f"<< /Font << /F1 {font} 0 R >> >>", "/Contents": f"{content} 0 R",
               "/Rotate": str(page.rotate), **page.extra}
    if page.cropbox:
        entries["/CropBox"] = "[{} {} {} {}]".format(*page.cropbox)
    return "<< " + " ".join(f"{k} {v}" for k, v in entries.items()) + " >>"


def _content(page: TextPage) -> str:
    """Lines drawn so that, once the viewer applies /Rotate, they run left to right, top down."""
    w, h = page.size
    x, down = page.at
    # Text matrix per /Rotate (clockwise on screen): the text turns the other way in user space.
    # The matrix maps (along the line, up the glyph) and places the first baseline.
    a, b, c, d, e, f = {0: (1, 0, 0, 1, x, h - down), 90: (0, 1, -1, 0, down, x),
                        180: (-1, 0, 0, -1, w - x, down), 270: (0, -1, 1, 0, w - down, h - x)}[page.rotate]
    step = page.font_size * 1.5
    ops = []
    for i, line in enumerate(page.lines):
        # Next line: `step` further down the page as seen, i.e. along -up in user space.
        tx, ty = e - c * step * i, f - d * step * i
        ops.append(f"BT /F1 {page.font_size} Tf {a} {b} {c} {d} {tx} {ty} Tm ({_escape(line)}) Tj ET")
    return "\n".join(ops)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _write(objects: list[str]) -> bytes:
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{n} 0 obj\n{body}\nendobj\n".encode("latin-1"))
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    out.write("".join(f"{o:010d} 00000 n \n" for o in offsets).encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def scanned_pdf(images: list[Image.Image], dpi: float = 100) -> bytes:
    """Pages that are pictures only, as a scanner (or the site packing photos) makes them."""
    out = io.BytesIO()
    first, *rest = [im.convert("RGB") for im in images]
    first.save(out, "PDF", save_all=True, append_images=rest, resolution=dpi)
    return out.getvalue()


def funsd_pages(n: int) -> list[Image.Image]:
    paths = sorted(FUNSD.glob("*.png"))[:n]
    assert len(paths) == n, f"the document tests need {FUNSD} (../shared/datasets beside the repo)"
    return [Image.open(p) for p in paths]


def join(*pdfs: bytes) -> bytes:
    """The pages of several PDFs, in order, in one."""
    joined = pdfium.PdfDocument.new()
    for data in pdfs:
        joined.import_pages(pdfium.PdfDocument(data))
    out = io.BytesIO()
    joined.save(out)
    return out.getvalue()


def encrypted(data: bytes, *, user: str, owner: str) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=io.BytesIO(data))
    writer.encrypt(user_password=user, owner_password=owner, algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def tiff(images: list[Image.Image], **options) -> bytes:
    out = io.BytesIO()
    first, *rest = images
    first.save(out, "TIFF", save_all=bool(rest), append_images=rest, **options)
    return out.getvalue()


def chromium_pdfs(htmls: list[str]) -> list[bytes]:
    """Each HTML page printed to PDF by the real Chromium (tests/chromium.py, driven by Playwright).

    In a thread of its own: Playwright's sync API refuses a thread whose event loop is already
    running, as it is once the site tests' session browser has started in the same process."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(_chromium_pdfs, htmls).result()


def _chromium_pdfs(htmls: list[str]) -> list[bytes]:
    from playwright.sync_api import sync_playwright

    from tests import chromium

    with sync_playwright() as pw:
        browser = chromium.launch(pw.chromium, package=chromium.FULL)
        try:
            page = browser.new_page()
            pdfs = []
            for html in htmls:
                page.set_content(html)
                pdfs.append(page.pdf(format="Letter"))
            return pdfs
        finally:
            browser.close()


def ink(rgb: np.ndarray, threshold: int = 128) -> np.ndarray:
    """(H, W) bool: dark pixels."""
    return rgb.min(axis=2) < threshold


def tiny_pages_tiff(pages: int, *, big: bool = False, order: str = "<", loop_to: int | None = None) -> bytes:
    """A TIFF of `pages` one-pixel white greyscale pages, written directly (Pillow's writer is
    slow on tens of thousands of pages): classic or BigTIFF, little ("<") or big (">") endian.
    `loop_to`: the last page's next-directory offset points back at that page (a loop)."""
    word, count, entry = ("Q", "Q", "HHQQ") if big else ("I", "H", "HHII")
    pixel_at = 16 if big else 8  # one white byte shared by every page, after the header
    first = pixel_at + 8  # directories start 8-aligned
    header = (b"II" if order == "<" else b"MM") + (
        struct.pack(order + "HHHQ", 43, 8, 0, first) if big else struct.pack(order + "HI", 42, first))
    # width, height, bits, compression none, photometric min-is-black, strip offset, rows, strip bytes
    tags = [(256, 3, 1, 1), (257, 3, 1, 1), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
            (273, 4, 1, pixel_at), (278, 3, 1, 1), (279, 4, 1, 1)]
    size = struct.calcsize(order + count + entry * len(tags) + word)
    body = bytearray()
    for i in range(pages):
        nxt = first + (i + 1) * size if i + 1 < pages else (0 if loop_to is None else first + loop_to * size)
        fields = [v for tag in tags for v in (*tag[:2], tag[2], _tiff_value(tag, big, order))]
        body += struct.pack(order + count + entry * len(tags) + word, len(tags), *fields, nxt)
    return header + b"\xff" + bytes(first - pixel_at - 1) + bytes(body)


def _tiff_value(tag: tuple[int, int, int, int], big: bool, order: str) -> int:
    """A value in an entry's value field: a SHORT sits left-justified (the first bytes)."""
    _, kind, _, value = tag
    if kind != 3:
        return value
    width = 8 if big else 4
    return int.from_bytes(value.to_bytes(2, "little" if order == "<" else "big") + bytes(width - 2),
                          "little" if order == "<" else "big")


def _stream(content: bytes, extra: str = "") -> str:
    """A Flate-compressed stream object's body (latin-1, as _write writes it)."""
    packed = zlib.compress(content, 9)
    return f"<< /Length {len(packed)} /Filter /FlateDecode {extra}>>\nstream\n{packed.decode('latin-1')}\nendstream"


def content_pdf(contents: list[bytes], size: tuple[float, float] = (612, 792), count: int | None = None,
                xobjects: list[bytes] = ()) -> bytes:
    """Pages drawn by the given content streams (Helvetica as /F1, and /X0.. naming the given
    form XObject bodies, all shared); `count`: the /Count the page tree declares."""
    n = len(contents)
    font = 3 + 2 * n
    forms = " ".join(f"/X{i} {font + 1 + i} 0 R" for i in range(len(xobjects)))
    resources = f"<< /Font << /F1 {font} 0 R >> /XObject << {forms} >> >>"
    objects = ["<< /Type /Catalog /Pages 2 0 R >>",
               "<< /Type /Pages /Kids [{}] /Count {} >>".format(
                   " ".join(f"{3 + 2 * i} 0 R" for i in range(n)), n if count is None else count)]
    for i, content in enumerate(contents):
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {size[0]} {size[1]}] "
                       f"/Resources {resources} /Contents {4 + 2 * i} 0 R >>")
        objects.append(_stream(content))
    objects.append("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    objects += [_stream(body, f"/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources {resources} ")
                for body in xobjects]
    return _write(objects)


def one_line_pdf(words: int, font_size: float = 0.01, word: bytes = b"ab") -> bytes:
    """One line of `words` words ("ab ab ab ..."), in a font small enough to fit the page (a
    string a thousand words at a time: PDFium reads no longer string than 32,767 bytes)."""
    shows = b"".join(b"(" + (word + b" ") * min(1000, words - i) + b") Tj " for i in range(0, words, 1000))
    return content_pdf([b"BT /F1 %g Tf 20 400 Td " % font_size + shows + b"ET"])


def nested_forms_pdf(depth: int, fanout: int = 10, word: bytes = b"deep") -> bytes:
    """A page drawing form X0 `fanout` times, X0 drawing X1 `fanout` times, ... `depth` deep:
    fanout ** depth drawings of a word from a file of a few KB. Levels move the word across and
    down in turn, so the first four levels draw 10,000 words apart on a grid."""
    def draws(level: int) -> bytes:
        step = 10 ** (level // 2)
        moves = [(6 * i * step, 0) if level % 2 == 0 else (0, -7 * i * step) for i in range(fanout)]
        return b" ".join(b"q 1 0 0 1 %d %d cm /X%d Do Q" % (x, y, level) for x, y in moves)

    forms = [draws(level + 1) for level in range(depth - 1)] + [b"BT /F1 2 Tf 10 780 Td (" + word + b") Tj ET"]
    return content_pdf([draws(0)], xobjects=forms)


def dense_pdf(pages: int, lines: int = 130, words_per_line: int = 40,
              words: tuple[str, ...] = tuple(f"w{n}" for n in range(97))) -> bytes:
    """Pages packed with small text (the same lines on each: a few KB compressed each page)."""
    line = " ".join(words[n % len(words)] for n in range(words_per_line)).encode()
    body = b"BT /F1 4 Tf 10 785 Td 5 TL " + b"".join(b"(" + line + b") '" for _ in range(lines)) + b" ET"
    return content_pdf([body] * pages)


def page_tree_pdf(depth: int, fanout: int = 10, text: bytes = b"-- " * 12) -> bytes:
    """A page tree whose every node lists the next node `fanout` times, `depth` deep, down to one
    small page: fanout ** depth pages declared (and walked by PDFium) from a file of 1 KB."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>"]
    for level in range(depth):
        kids = " ".join([f"{3 + level} 0 R"] * fanout)
        objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {fanout ** (depth - level)} >>")
    page = len(objects) + 1
    objects.append(f"<< /Type /Page /MediaBox [0 0 200 100] /Resources << /Font << /F1 {page + 2} 0 R >> >> "
                   f"/Contents {page + 1} 0 R >>")
    objects.append(_stream(b"BT /F1 8 Tf 10 50 Td (" + text + b") Tj ET"))
    objects.append("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    return _write(objects)
