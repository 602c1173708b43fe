"""Image intake: bytes from the internet in, an upright RGB array out, or a typed refusal.

Formats are identified by content (Pillow sniffs magic bytes), never by file name.
Pixel floods are refused from the header, before any pixel is decoded.
"""
from __future__ import annotations

import io
import os
import struct
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import ExifTags, Image, ImageFile, ImageOps, UnidentifiedImageError

from chalicelib.errors import ImageError, UnknownFile
from chalicelib.media.types import IMAGE_FORMATS as ALLOWED_FORMATS

# We enforce our own pixel cap before decoding; keep Pillow's guard out of the way of
# our clearer message but never let a truncated file be "decoded" with grey padding.
ImageFile.LOAD_TRUNCATED_IMAGES = False
# HEIC/HEIF (iPhone photos) through Pillow as format "HEIF". pillow-heif applies the file's own
# rotation and resets EXIF orientation to 1, so exif_transpose does not turn them twice. Only
# the primary picture is read: no thumbnails, depth maps or auxiliary images.
# The worker always has it (requirements-worker.txt); the keras-ocr venv's CLI reads no HEIC.
try:
    import pillow_heif
except ImportError:  # pragma: no cover - only the keras-ocr venv
    pillow_heif = None
if pillow_heif is not None:
    pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)
_UPLOAD_HINT = "Upload a JPEG, PNG, WebP, TIFF, BMP or GIF."


class FileBytes:
    """A file's bytes, read where they are asked for: a book's 500 MB scan is opened from disk by
    the decoding child, whose address space is capped well below it, never held whole. Sliced
    and measured as the header checks and the TIFF walk slice bytes; `stream()` for Pillow."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = os.fspath(path)
        self._fd = os.open(self.path, os.O_RDONLY)
        self.size = os.fstat(self._fd).st_size

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, key: slice) -> bytes:
        start, stop, step = key.indices(self.size)
        if step != 1:
            raise ValueError("a step is not supported")
        return os.pread(self._fd, max(0, stop - start), start)

    def close(self) -> None:
        os.close(self._fd)


def stream(data: bytes | FileBytes):
    """What Pillow opens: the bytes, or the file (Pillow then reads only the frames it decodes)."""
    return open(data.path, "rb") if isinstance(data, FileBytes) else io.BytesIO(data)


@dataclass
class Decoded:
    rgb: np.ndarray  # (H, W, 3) uint8, EXIF orientation applied, transparency flattened onto white
    format: str  # Pillow's name: JPEG, PNG, ...
    # Frames or pages in the file, counted no further than needed (only the first is read): a
    # TIFF's up to FRAMES_COUNTED + 1, other formats' 1 or 2 (2: more than one).
    frames: int
    alpha: np.ndarray | None = None  # (H, W) uint8 when the image has transparency, else None

    @property
    def width(self) -> int:
        return int(self.rgb.shape[1])

    @property
    def height(self) -> int:
        return int(self.rgb.shape[0])


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB"


def decode(data: bytes, *, max_bytes: int, max_pixels: int) -> Decoded:
    img = open_image(data, max_bytes=max_bytes, max_pixels=max_pixels)
    # A TIFF's pages by our own bounded walk, before any pixel is decoded (a loop is refused).
    pages = tiff_pages(data, stop=FRAMES_COUNTED + 1) if img.format == "TIFF" else 0
    rgb, alpha = read_frame(img, 0)  # first page of a TIFF, first frame of a GIF
    return Decoded(rgb=rgb, format=img.format, frames=pages or _later_frames(img), alpha=alpha)


def _later_frames(img: Image.Image) -> int:
    """1 or 2 frames (2: more than one), from the header or the next frame's header only:
    Pillow's n_frames walks a whole GIF and, on a TIFF, is quadratic in its pages."""
    if img.format == "GIF":
        try:
            return 2 if img.is_animated else 1  # after frame 0 is loaded: reads frame 1's header only
        except Exception:  # noqa: BLE001 - a damaged later frame is never read anyway
            return 1
    return 1 if img.format == "TIFF" else min(2, int(getattr(img, "n_frames", 1) or 1))  # from the header


# A TIFF's pages are counted no further than this where only the first is read.
FRAMES_COUNTED = 1000
TIFF_LOOP = "This TIFF is damaged: its pages loop."
# Byte order and magic -> (struct byte order, BigTIFF).
TIFF_HEADERS = {b"II*\x00": ("<", False), b"MM\x00*": (">", False),
                 b"II+\x00": ("<", True), b"MM\x00+": (">", True)}


def tiff_pages(data: bytes | FileBytes, *, stop: int) -> int:
    """Pages in a TIFF (its chain of image directories), counted up to `stop` at most, without
    decoding anything: linear in the pages counted. 0 when it is no TIFF or its first
    directory is outside the file; a directory seen twice (a loop) is refused."""
    header = TIFF_HEADERS.get(data[:4])
    if header is None:
        return 0
    order, big = header
    # Offsets and entry counts: classic 4 and 2 bytes with 12-byte entries; BigTIFF 8, 8 and 20.
    word, count_size, entry_size = ("Q", 8, 20) if big else ("I", 2, 12)
    first_at = 8 if big else 4
    if len(data) < first_at + struct.calcsize(word):
        return 0

    def at(fmt: str, offset: int):
        return struct.unpack(order + fmt, data[offset:offset + struct.calcsize(fmt)])[0]

    offset = at(word, first_at)
    seen: set[int] = set()
    while offset and len(seen) < stop:
        if offset in seen:
            raise ImageError(TIFF_LOOP)
        if offset + count_size > len(data):
            break  # a chain that runs off the end of the file: the pages before it are the file's
        entries = at("Q" if big else "H", offset)
        next_at = offset + count_size + entries * entry_size
        if next_at + struct.calcsize(word) > len(data):
            break
        seen.add(offset)
        offset = at(word, next_at)
    return len(seen)


def check_bytes(data: bytes, max_bytes: int) -> None:
    if not data:
        raise ImageError("The file is empty.")
    if len(data) > max_bytes:
        raise ImageError(f"The file is {_mb(len(data))}; the limit is {_mb(max_bytes)}.")


def open_image(data: bytes, *, max_bytes: int, max_pixels: int) -> Image.Image:
    """Identify the format and check the first frame's size from the header alone (no pixels
    decoded yet), so a refusal costs nothing; documents (TIFF pages) start here too."""
    check_bytes(data, max_bytes)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(stream(data))
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's bomb guard trips on the header alone; treat it like our own cap below.
        return _refuse_unknown_or_flood(data, max_pixels)
    except Exception as exc:  # noqa: BLE001 - Pillow raises many types for broken headers
        raise ImageError(f"The image header is damaged ({exc.__class__.__name__}).") from exc

    if img.format not in ALLOWED_FORMATS:
        raise ImageError(f"{img.format} images are not supported. {_UPLOAD_HINT}")
    check_size(img.width, img.height, max_pixels)
    return img


def read_frame(img: Image.Image, index: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Decode frame `index`: upright RGB, and its alpha channel where it has one. The caller
    has checked that frame's size (check_size) before this decodes any pixel."""
    try:
        img.seek(index)
        img.load()
        img = _upright(img)
        if _has_alpha(img):
            return _flatten(img)
        return _to_rgb(img), None
    except ImageError:
        raise
    except Exception as exc:  # noqa: BLE001 - truncated data surfaces as OSError, SyntaxError, ...
        raise ImageError("The image data is truncated or damaged and cannot be read.") from exc


def _refuse_unknown_or_flood(data: bytes, max_pixels: int):
    # Pillow refused before telling us the size: read the size from the header with its
    # guard disabled (no pixels are decoded by open()).
    previous = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None
    try:
        img = Image.open(stream(data))
    except Exception as exc:  # noqa: BLE001
        raise UnknownFile(f"This file is not an image we can read. {_UPLOAD_HINT}") from exc
    finally:
        Image.MAX_IMAGE_PIXELS = previous
    check_size(img.width, img.height, max_pixels)
    raise ImageError("The image is too large to process safely.")


def check_size(width: int, height: int, max_pixels: int, what: str = "The image") -> None:
    """Refuse a pixel flood before decoding; `what` names it in the message ("Page 3 of the TIFF")."""
    if width <= 0 or height <= 0:
        raise ImageError(f"{what} has no pixels (zero width or height).")
    if width * height > max_pixels:
        raise ImageError(
            f"{what} is {width}x{height} pixels ({width * height / 1e6:.0f} megapixels); "
            f"the limit is {max_pixels / 1e6:.0f} megapixels.")


def _upright(img: Image.Image) -> Image.Image:
    """Apply EXIF orientation; a corrupt EXIF block is ignored, not fatal. Upright already:
    the image itself (exif_transpose would copy it)."""
    try:
        if img.getexif().get(ExifTags.Base.Orientation, 1) == 1:
            return img
        return ImageOps.exif_transpose(img)
    except Exception:  # noqa: BLE001 - malformed EXIF must not lose the picture
        return img


def upright_size(img: Image.Image) -> tuple[int, int]:
    """The current frame's (width, height) as read_frame will return it, from the header alone:
    EXIF orientations 5-8 turn it a quarter."""
    try:
        turned = img.getexif().get(ExifTags.Base.Orientation, 1) in (5, 6, 7, 8)
    except Exception:  # noqa: BLE001 - malformed EXIF is ignored by _upright too
        turned = False
    return (img.height, img.width) if turned else (img.width, img.height)


def _has_alpha(img: Image.Image) -> bool:
    # A colour key (PNG tRNS) makes a palette, grey or RGB image transparent too.
    return img.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (img.mode in ("P", "L", "RGB") and "transparency" in img.info)


# Rows converted at a time: whole-image copies of a 40-megapixel picture (Pillow's RGBA, its
# bytes, a float or 16-bit array) would each cost 120-320 MB.
BAND_ROWS = 256


def _bands(img: Image.Image, mode: str):
    """(top, rows as an array in `mode`) band by band: only one band is ever converted or
    copied out of Pillow (the conversions used here are pixel by pixel)."""
    for top in range(0, img.height, BAND_ROWS):
        band = img.crop((0, top, img.width, min(img.height, top + BAND_ROWS)))
        yield top, np.asarray(band if band.mode == mode else band.convert(mode))


def _flatten(img: Image.Image) -> tuple[np.ndarray, np.ndarray]:
    """Transparency flattened onto white paper, where dark text stays readable; and the alpha
    channel: some drawings hold their ink only there (a white stroke on a transparent canvas
    would vanish)."""
    rgb = np.empty((img.height, img.width, 3), np.uint8)
    alpha = np.empty((img.height, img.width), np.uint8)
    for top, band in _bands(img, "RGBA"):
        a = band[:, :, 3:4].astype(np.uint16)
        rgb[top:top + len(band)] = (band[:, :, :3] * a + 255 * (255 - a) + 127) // 255
        alpha[top:top + len(band)] = band[:, :, 3]
    return rgb, alpha


def _to_rgb(img: Image.Image) -> np.ndarray:
    mode = img.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N"):
        # 16-bit greyscale: the top byte (a plain convert clips at 255). Integer maths on the
        # decoded buffer: float64 copies of a 40-megapixel image took over 1 GB.
        grey = (np.asarray(img) >> 8).astype(np.uint8)
        return np.repeat(grey[:, :, None], 3, axis=2)
    if mode in ("I", "F"):
        # 32-bit greyscale: scale the used range to 8 bits in float32, in place. NaN/inf pixels
        # (float TIFFs) count as black: one of them would make the scale NaN and the picture black.
        arr = np.array(img, dtype=np.float32)  # one copy, ours to change
        np.nan_to_num(arr, copy=False, nan=0.0, posinf=0.0, neginf=0.0)
        np.clip(arr, 0, None, out=arr)
        arr *= 255.0 / max(float(arr.max()), 1.0)
        grey = arr.astype(np.uint8)
        del arr
        return np.repeat(grey[:, :, None], 3, axis=2)
    rgb = np.empty((img.height, img.width, 3), np.uint8)
    for top, band in _bands(img, "RGB"):  # P, CMYK, YCbCr, L, 1, LAB, ... converted band by band
        rgb[top:top + len(band)] = band
    return rgb


def content_type(fmt: str) -> str:
    return ALLOWED_FORMATS.get(fmt, "application/octet-stream")
