"""Real image files made by code for the tests (no dataset needed).

`text_image` draws known words at known places, so a test can check both what OCR
read and where its boxes landed.
"""
from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

BOLD_FONTS = ["/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
              "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"]
REGULAR_FONTS = ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"]


def font(size: int, bold: bool = True) -> ImageFont.FreeTypeFont:
    for path in (BOLD_FONTS + REGULAR_FONTS) if bold else (REGULAR_FONTS + BOLD_FONTS):
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    raise RuntimeError("no TrueType font found: install fonts-dejavu-core (make system-deps)")


@dataclass
class Drawn:
    image: Image.Image
    words: dict[str, tuple[int, int, int, int]]  # word -> (x0, y0, x1, y1) ink box


def text_image(lines: list[str], size: int = 44, margin: int = 40, width: int = 900) -> Drawn:
    """Black words on white, one line per entry; records each word's ink box."""
    f = font(size)
    height = margin * 2 + len(lines) * int(size * 1.8)
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    words = {}
    y = margin
    for line in lines:
        x = margin
        for word in line.split():
            draw.text((x, y), word, font=f, fill="black")
            words[word] = draw.textbbox((x, y), word, font=f)
            x = draw.textbbox((x, y), word + " ", font=f)[2] + size // 3
        y += int(size * 1.8)
    return Drawn(img, words)


def encode(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def exif_rotated_jpeg(drawn: Drawn) -> bytes:
    """Pixels stored sideways with EXIF Orientation 6 ("rotate 90 CW to view"), as phones do."""
    stored = drawn.image.transpose(Image.Transpose.ROTATE_90)  # counter-clockwise storage
    exif = Image.Exif()
    exif[0x0112] = 6
    return encode(stored, "JPEG", quality=92, exif=exif.tobytes())


def png_bomb(width: int = 40000, height: int = 40000) -> bytes:
    """A complete, valid 1-bit PNG of width x height white pixels in a few hundred KB."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + b"\xff" * ((width + 7) // 8)
    comp = zlib.compressobj(9)
    idat = b"".join(comp.compress(row * 1000) for _ in range(height // 1000))
    idat += comp.compress(row * (height % 1000)) + comp.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


def animated_gif(drawn: Drawn) -> bytes:
    blank = Image.new("RGB", drawn.image.size, "white")
    return encode(drawn.image, "GIF", save_all=True, append_images=[blank, blank], duration=200, loop=0)


def cmyk_jpeg(drawn: Drawn) -> bytes:
    return encode(drawn.image.convert("CMYK"), "JPEG", quality=92)


def png16(drawn: Drawn) -> bytes:
    grey = drawn.image.convert("L")
    wide = Image.frombytes("I;16", grey.size, bytes(b for px in grey.tobytes() for b in (px, px)))
    return encode(wide, "PNG")


def iou(a, b) -> float:
    """Intersection over union of two (x0, y0, x1, y1) boxes."""
    ix = min(a[2], b[2]) - max(a[0], b[0])
    iy = min(a[3], b[3]) - max(a[1], b[1])
    if ix <= 0 or iy <= 0:
        return 0.0
    inter = ix * iy
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def strokes(crop, x0: int, x1: int, y0: int = 14, y1: int = 34, pitch: int = 6) -> None:
    """Draw glyph-like vertical strokes (2 px wide, every `pitch` px) into a white line crop."""
    for x in range(x0, x1, pitch):
        crop[y0:y1, x:x + 2] = 0
