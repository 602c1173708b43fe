"""Real PDF and TIFF files made by code for the document tests (chalicelib/media/document.py).

`text_pdf` writes a PDF by hand: Helvetica text at known places (PDF's standard font, drawn
by PDFium without embedding), with whatever page size, rotation, crop box or catalog entries a
test needs. Scans go through Pillow's PDF writer, Chromium prints HTML, pypdf encrypts.
"""
from __future__ import annotations

import io
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
from PIL import Image

FUNSD = Path(__file__).resolve().parents[2].parent / "shared" / "datasets" / "funsd-test" / "images"
# Without these Chromium tries the network at start (as in tests/site/conftest.py).
CHROMIUM_ARGS = ["--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


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
    """Each HTML page printed to PDF by the real Chromium (Debian's, driven by Playwright)."""
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    assert executable, "Debian's chromium is not installed (apt-get install -y chromium)"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
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
