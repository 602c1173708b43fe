"""A bad-input corpus made by code: what the internet may upload, and what PageVoice must do with it.

Each `Case` is bytes plus what the client declares at POST /uploads, and the outcome the
service owes the user:

- "refused": POST /uploads answers 400 (the declared type or size would be refused), so
  nothing is uploaded at all;
- "failed":  the upload is accepted (S3 cannot look inside), the job ends `failed` with a
  readable reason;
- "done":    the file is a valid image after all (odd, but readable): the job ends `done`;
- "storage": the presigned form's policy refuses the bytes (an empty file is below its
  content-length-range), so S3 answers 4xx and nothing is uploaded or processed.

Nothing here is read from disk: every file is built from a few bytes or drawn with Pillow,
so the corpus is the same on every machine.
"""
from __future__ import annotations

import functools
import io
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image

from tests import images


@dataclass(frozen=True)
class Case:
    name: str
    # The bytes, or what builds them (called once, at first use: collecting the tests, in every
    # pytest process of `make test`, needs only the names; the bombs took ~2.5 CPU s to build).
    make: bytes | Callable[[], bytes]
    content_type: str  # what the client declares (the worker sniffs the bytes, never trusts this)
    expect: str  # "refused", "failed" or "done"
    why: str
    size: int | None = None  # declared size, when a client lies about it

    @property
    def data(self) -> bytes:
        return _built(self.name) if callable(self.make) else self.make

    @property
    def declared_size(self) -> int:
        return len(self.data) if self.size is None else self.size

    @property
    def filename(self) -> str:
        ext = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/tiff": "tif",
               "image/gif": "gif", "image/bmp": "bmp"}.get(self.content_type, "bin")
        return f"{self.name}.{ext}"


# --- Building blocks ---

def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png(width: int, height: int, idat: bytes, *, extra: bytes = b"", depth: int = 8, colour: int = 2) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + extra + _png_chunk(b"IDAT", idat)
            + _png_chunk(b"IEND", b""))


@functools.cache
def _word() -> Image.Image:
    # One short word keeps OCR and speech fast for the cases that should end `done`.
    return images.text_image(["HELLO"], size=40, width=320).image


def _enc(img: Image.Image, fmt: str, **kw) -> bytes:
    return images.encode(img, fmt, **kw)


def _jpeg_with_size(width: int, height: int) -> bytes:
    """A valid little JPEG whose SOF header is patched to claim width x height."""
    data = bytearray(_enc(Image.new("RGB", (16, 16), "white"), "JPEG"))
    i = 2
    while i < len(data):
        marker, length = data[i + 1], struct.unpack(">H", data[i + 2:i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            data[i + 5:i + 9] = struct.pack(">HH", height, width)
            return bytes(data)
        i += 2 + length
    raise AssertionError("no SOF marker")


def _tiff(width: int, height: int, strip: bytes = b"\x00" * 8, *, next_ifd: int | None = 0) -> bytes:
    """A little-endian baseline TIFF (8-bit grey, one strip) claiming width x height.

    `next_ifd` is the offset of the following IFD: 8 points back at this one (a loop)."""
    entries = [(256, 4, 1, width), (257, 4, 1, height), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
               (273, 4, 1, 0), (277, 3, 1, 1), (278, 4, 1, height), (279, 4, 1, len(strip))]
    ifd_size = 2 + 12 * len(entries) + 4
    strip_at = 8 + ifd_size
    body = struct.pack("<H", len(entries))
    for tag, kind, count, value in entries:
        value = strip_at if tag == 273 else value
        packed = struct.pack("<H", value) + b"\0\0" if kind == 3 else struct.pack("<I", value)
        body += struct.pack("<HHI", tag, kind, count) + packed
    body += struct.pack("<I", 8 if next_ifd == 8 else (next_ifd or 0))
    return b"II*\x00" + struct.pack("<I", 8) + body + strip


def _gif(width: int, height: int) -> bytes:
    """A GIF whose screen and only frame claim width x height, with one byte of pixel data."""
    return (b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
            + b"\x2c" + struct.pack("<HHHHB", 0, 0, width, height, 0) + b"\x02\x02\x4c\x01\x00" + b"\x3b")


def _bmp(width: int, height: int) -> bytes:
    """A BITMAPINFOHEADER BMP (24-bit) claiming width x height, with a few bytes of pixels."""
    pixels = b"\xff" * 16
    header = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, len(pixels), 2835, 2835, 0, 0)
    return b"BM" + struct.pack("<IHHI", 14 + len(header) + len(pixels), 0, 0, 14 + len(header)) + header + pixels


def _webp_vp8x(width: int, height: int) -> bytes:
    """An extended WebP header claiming a width x height canvas, and nothing else."""
    vp8x = struct.pack("<I", 0) + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    chunk = b"VP8X" + struct.pack("<I", len(vp8x)) + vp8x
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


def _zip(name: str, payload: bytes) -> bytes:
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, payload)
    return buf.getvalue()


def _corrupt_exif_jpeg() -> bytes:
    """A JPEG whose APP1 Exif block is a TIFF header pointing its IFD far past the end."""
    jpeg = _enc(_word(), "JPEG", quality=90)
    exif = b"Exif\x00\x00" + b"MM\x00*" + struct.pack(">I", 0x7FFFFFF0) + b"\xde\xad\xbe\xef" * 8
    app1 = b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif
    return jpeg[:2] + app1 + jpeg[2:]


def _png_text_bomb() -> bytes:
    """A valid 8x8 PNG carrying a zTXt chunk that inflates to 64 MB."""
    ztxt = b"Comment\x00\x00" + zlib.compress(b"A" * (64 * 1024 * 1024), 9)
    raw = b"".join(b"\x00" + b"\xff" * 24 for _ in range(8))
    return _png(8, 8, zlib.compress(raw), extra=_png_chunk(b"zTXt", ztxt))


def _many_frames_gif(frames: int = 300) -> bytes:
    first = _word().convert("P")
    rest = [Image.new("P", first.size, i % 2) for i in range(frames - 1)]
    return _enc(first, "GIF", save_all=True, append_images=rest, duration=20, loop=0)


def _multipage_tiff() -> bytes:
    blank = Image.new("RGB", _word().size, "white")
    return _enc(_word(), "TIFF", save_all=True, append_images=[blank, blank], compression="tiff_deflate")


def _long_text() -> bytes:
    """About 3,000 characters of dense, unpunctuated text on one page (one long utterance)."""
    words = ["the", "quick", "brown", "fox", "jumps", "over", "a", "lazy", "dog", "while", "seven", "pale", "wizards", "quietly", "hex", "boxing", "judges"]
    lines = [" ".join(words[(i + j) % len(words)] for j in range(9)) for i in range(56)]
    drawn = images.text_image(lines, size=22, margin=30, width=1400)
    return _enc(drawn.image.convert("L"), "PNG", optimize=True)


def _blank_page_at_cap() -> bytes:
    """A 1-bit white page of 6,300 x 6,300 (39.7 megapixels: just under the default cap)."""
    return _enc(Image.new("1", (6300, 6300), 1), "PNG", optimize=True)


def _gif_js_polyglot() -> bytes:
    """`GIF89a/*...*/=alert(1)//`: a file that is both a GIF header and a script."""
    return b"GIF89a/*\x00\x00\x00\x00*/=alert(document.domain);//" + b"\x00" * 16 + b"\x3b"


def _float_tiff_with_nan() -> bytes:
    """The word as a 32-bit float TIFF (white 1.0, ink 0.0) with one NaN and one inf pixel."""
    import numpy as np

    grey = np.asarray(_word().convert("L"), dtype=np.float32) / 255.0
    grey[0, 0], grey[0, 1] = np.nan, np.inf
    return _enc(Image.fromarray(grey, "F"), "TIFF")


def _truncate(data: bytes, keep: float) -> bytes:
    return data[:int(len(data) * keep)]


# --- The corpus ---

@functools.cache
def _word_png() -> bytes:
    return _enc(_word(), "PNG")


@functools.cache
def _word_jpeg() -> bytes:
    return _enc(_word(), "JPEG", quality=90)


@functools.cache
def _word_webp() -> bytes:
    return _enc(_word(), "WEBP", quality=80)


@functools.cache
def _drawn() -> images.Drawn:
    return images.text_image(["HELLO"], size=40, width=320)


def _bad_crc() -> bytes:
    bad = bytearray(_word_png())
    bad[-20] ^= 0xFF  # inside the last IDAT's data: its CRC no longer matches
    return bytes(bad)


@functools.cache
def _built(name: str) -> bytes:
    return by_name(name).make()


@functools.lru_cache(maxsize=1)
def cases() -> tuple[Case, ...]:
    """The corpus; each case's bytes are built when first read (Case.data)."""
    return (
        # Refused before any bytes move: the declared type or size says no.
        Case("declared-empty", b"", "image/png", "refused", "a zero-byte file is refused by its declared size"),
        Case("declared-too-large", _word_png, "image/png", "refused", "over the 15 MB cap by its declared size",
             size=16 * 1024 * 1024),
        Case("declared-svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "image/svg+xml", "refused",
             "SVG is not a type we read (and can carry script)"),
        Case("pdf-header-only", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "application/pdf", "failed",
             "a PDF's first line and nothing else: damaged"),
        Case("declared-script", b"alert(1)", "text/javascript", "refused", "not a type any kind reads"),
        Case("heic-header-only", b"\x00\x00\x00\x18ftypheic", "image/heic", "failed", "a HEIC box header, no picture"),
        # Accepted by S3, refused by the worker after sniffing the bytes.
        Case("empty-lying-size", b"", "image/png", "storage",
             "declared 10 bytes, sent none: below the form's content-length-range, S3 refuses it", size=10),
        Case("truncated-jpeg", lambda: _truncate(_word_jpeg(), 0.5), "image/jpeg", "failed", "half a JPEG"),
        Case("truncated-png", lambda: _truncate(_word_png(), 0.6), "image/png", "failed", "PNG cut inside IDAT"),
        Case("truncated-webp", lambda: _truncate(_word_webp(), 0.5), "image/webp", "failed", "half a WebP"),
        Case("jpeg-soi-only", b"\xff\xd8\xff", "image/jpeg", "failed", "a JPEG start marker and nothing else"),
        Case("png-signature-only", b"\x89PNG\r\n\x1a\n", "image/png", "failed", "a PNG signature and nothing else"),
        Case("png-bad-crc", _bad_crc, "image/png", "failed", "IDAT data does not match its CRC"),
        Case("wrong-magic", lambda: b"\x89PNX" + _word_png()[4:], "image/png", "failed", "a PNG with its signature damaged"),
        Case("random-bytes", bytes((i * 97 + 13) % 256 for i in range(4096)), "image/jpeg", "failed", "noise"),
        Case("text-as-png", b"hello, this is a plain text file\n" * 20, "image/png", "failed", "text named .png"),
        Case("html-as-jpeg", b"<!doctype html><script>alert(1)</script>", "image/jpeg", "failed", "HTML named .jpg"),
        Case("svg-as-png", b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
             b'<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>', "image/png", "failed",
             "SVG with an external entity, named .png"),
        Case("pdf-as-jpeg", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "image/jpeg", "failed",
             "a PDF named .jpg"),
        Case("zip-as-png", lambda: _zip("a.txt", b"hello"), "image/png", "failed", "a ZIP archive named .png"),
        Case("gif-js-polyglot", _gif_js_polyglot, "image/gif", "failed", "GIF header that is also a script"),
        Case("ico-as-png", lambda: _enc(_word().resize((64, 64)), "ICO"), "image/png", "failed",
             "an image format outside the allow-list (ICO)"),
        Case("ppm-as-jpeg", lambda: _enc(_word(), "PPM"), "image/jpeg", "failed", "an image format outside the allow-list"),
        # Pixel floods: tiny files claiming enormous pictures, refused from the header.
        Case("png-bomb-40000", lambda: images.png_bomb(40000, 40000), "image/png", "failed",
             "a complete 1.6-gigapixel PNG that compresses to a few hundred KB"),
        Case("jpeg-claims-65500", lambda: _jpeg_with_size(65500, 65500), "image/jpeg", "failed", "SOF claims 65500x65500"),
        Case("tiff-claims-100000", lambda: _tiff(100000, 100000), "image/tiff", "failed", "TIFF tags claim 100000x100000"),
        Case("gif-claims-65535", lambda: _gif(65535, 65535), "image/gif", "failed", "GIF screen claims 65535x65535"),
        Case("bmp-claims-50000", lambda: _bmp(50000, 50000), "image/bmp", "failed", "BMP header claims 50000x50000"),
        Case("webp-claims-16384", lambda: _webp_vp8x(16384, 16384), "image/webp", "failed", "VP8X canvas of 16384x16384"),
        Case("png-text-bomb", _png_text_bomb, "image/png", "failed",
             "an 8x8 PNG whose zTXt inflates to 64 MB: refused at open by Pillow's text-chunk cap"),
        # Zero-size dimensions.
        Case("png-zero-width", lambda: _png(0, 10, zlib.compress(b"")), "image/png", "failed", "IHDR width 0"),
        Case("gif-zero-size", lambda: _gif(0, 0), "image/gif", "failed", "GIF of 0x0"),
        Case("bmp-zero-height", lambda: _bmp(10, 0), "image/bmp", "failed", "BMP of height 0"),
        Case("tiff-zero-width", lambda: _tiff(0, 10), "image/tiff", "failed", "TIFF of width 0"),
        Case("tiff-ifd-loop", lambda: _tiff(8, 1, next_ifd=8), "image/tiff", "failed",
             "a TIFF whose only page is its own next: refused, its pages loop"),
        # Odd but valid images: read the first frame/page, convert, end done.
        Case("corrupt-exif", _corrupt_exif_jpeg, "image/jpeg", "done", "EXIF pointing past the end is ignored"),
        Case("exif-rotated", lambda: images.exif_rotated_jpeg(_drawn()), "image/jpeg", "done", "EXIF orientation 6"),
        Case("cmyk-jpeg", lambda: images.cmyk_jpeg(_drawn()), "image/jpeg", "done", "CMYK JPEG"),
        Case("png-16bit", lambda: images.png16(_drawn()), "image/png", "done", "16-bit greyscale PNG"),
        Case("animated-gif", lambda: images.animated_gif(_drawn()), "image/gif", "done", "first of three frames"),
        Case("gif-300-frames", _many_frames_gif, "image/gif", "done", "frame counting stays bounded"),
        Case("animated-webp", lambda: _enc(_word(), "WEBP", save_all=True, append_images=[Image.new("RGB", _word().size)]),
             "image/webp", "done", "animated WebP"),
        Case("multipage-tiff", _multipage_tiff, "image/tiff", "done", "three-page TIFF"),
        Case("float-tiff-nan", _float_tiff_with_nan, "image/tiff", "done",
             "32-bit float pixels, one NaN and one inf (a NaN once turned the whole picture black)"),
        Case("jpeg-zip-polyglot", lambda: _word_jpeg() + _zip("payload.js", b"alert(1)"), "image/jpeg", "done",
             "a JPEG with a ZIP appended: the picture is what is read"),
        Case("png-trailing-html", lambda: _word_png() + b"<script>alert(1)</script>", "image/png", "done",
             "bytes after IEND are ignored"),
        Case("declared-jpeg-is-png", _word_png, "image/jpeg", "done", "the declared type is not trusted: PNG is read"),
        Case("one-pixel", lambda: _enc(Image.new("RGB", (1, 1), "white"), "PNG"), "image/png", "done", "1x1: no text"),
        Case("wide-strip-20000x20", lambda: _enc(Image.new("L", (20000, 20), 255), "PNG"), "image/png", "done",
             "an enormously wide strip"),
        Case("tall-strip-20x20000", lambda: _enc(Image.new("L", (20, 20000), 255), "PNG"), "image/png", "done",
             "an enormously tall strip"),
        Case("blank-page-at-cap", _blank_page_at_cap, "image/png", "done", "39.7 megapixels, just under the cap"),
        Case("long-text", _long_text, "image/png", "done",
             "~3,000 characters of dense text: OCR and speech must stay bounded in time and memory"),
    )


def by_name(name: str) -> Case:
    return next(c for c in cases() if c.name == name)
