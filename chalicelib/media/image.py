"""Image intake: bytes from the internet in, an upright RGB array out, or a typed refusal.

Formats are identified by content (Pillow sniffs magic bytes), never by file name.
Pixel floods are refused from the header, before any pixel is decoded.
"""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import ExifTags, Image, ImageFile, ImageOps, UnidentifiedImageError

from chalicelib.errors import ImageError
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


@dataclass
class Decoded:
    rgb: np.ndarray  # (H, W, 3) uint8, EXIF orientation applied, transparency flattened onto white
    format: str  # Pillow's name: JPEG, PNG, ...
    frames: int  # frames or pages in the file (only the first is read)
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
    frames = int(getattr(img, "n_frames", 1) or 1)
    rgb, alpha = read_frame(img, 0)  # first page of a TIFF, first frame of a GIF
    return Decoded(rgb=rgb, format=img.format, frames=frames, alpha=alpha)


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
            img = Image.open(io.BytesIO(data))
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
        return _to_rgb(img), _alpha(img)
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
        img = Image.open(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001
        raise ImageError(f"This file is not an image we can read. {_UPLOAD_HINT}") from exc
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
    """Apply EXIF orientation; a corrupt EXIF block is ignored, not fatal."""
    try:
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


def _alpha(img: Image.Image) -> np.ndarray | None:
    """The alpha channel, where there is one: some drawings hold their ink only there
    (flattened onto white, a white stroke on a transparent canvas would vanish)."""
    if img.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (img.mode == "P" and "transparency" in img.info):
        return np.asarray(img.convert("RGBA"), dtype=np.uint8)[:, :, 3].copy()
    return None


def _to_rgb(img: Image.Image) -> np.ndarray:
    mode = img.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N"):
        # 16-bit greyscale: the top byte (a plain convert clips at 255). Integer maths on the
        # decoded buffer: float64 copies of a 40-megapixel image took over 1 GB.
        grey = (np.asarray(img) >> 8).astype(np.uint8)
        return np.repeat(grey[:, :, None], 3, axis=2)
    if mode in ("I", "F"):
        # 32-bit greyscale: scale the used range to 8 bits in float32, in place. NaN/inf pixels
        # (float TIFFs) count as black: one of them used to make the scale NaN and the picture black.
        arr = np.array(img, dtype=np.float32)  # one copy, ours to change
        np.nan_to_num(arr, copy=False, nan=0.0, posinf=0.0, neginf=0.0)
        np.clip(arr, 0, None, out=arr)
        arr *= 255.0 / max(float(arr.max()), 1.0)
        grey = arr.astype(np.uint8)
        del arr
        return np.repeat(grey[:, :, None], 3, axis=2)
    if mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
        mode = img.mode
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        # Flatten transparency onto white paper, where dark text stays readable.
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(white, rgba)
    if img.mode != "RGB":
        img = img.convert("RGB")  # CMYK, YCbCr, L, 1, LAB, ...
    return np.asarray(img, dtype=np.uint8).copy()


def content_type(fmt: str) -> str:
    return ALLOWED_FORMATS.get(fmt, "application/octet-stream")
