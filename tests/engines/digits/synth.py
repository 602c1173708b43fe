"""Real image files for the digit tests and benchmark, made from MNIST digits with OpenCV:
phone-photo-like pictures (paper texture, ink colour, gradient shadow, crooked perspective,
JPEG), alpha-only PNGs, a blank page and a photo of printed text.

Digits come from the MNIST test images of digits-dev that training never saw
(source_index % 4 == 2), so a test is not a memory test.
"""
from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

DATASETS = Path(__file__).resolve().parents[3].parent / "shared" / "datasets"
DIGITS_DEV = DATASETS / "digits-dev"


def require_digits_dev(datasets: Path = DATASETS) -> Path:
    root = datasets / "digits-dev"
    if not (root / "mnist_test_even.npz").is_file() or not (root / "labels.csv").is_file():
        raise AssertionError(
            f"digits-dev is missing: expected {root}/mnist_test_even.npz and labels.csv "
            "(the shared datasets folder beside the repository).")
    return root


def held_out_mnist(datasets: Path = DATASETS):
    """(images uint8 (N,28,28) white on black, labels) never used in training."""
    d = np.load(require_digits_dev(datasets) / "mnist_test_even.npz")
    keep = d["source_index"] % 4 == 2
    return d["images"][keep], d["labels"][keep].astype(int)


def pick(images, labels, digit: int, nth: int = 0) -> np.ndarray:
    return images[np.nonzero(labels == digit)[0][nth]]


def encode(rgb: np.ndarray, fmt: str = "PNG", alpha: np.ndarray | None = None, quality: int = 85) -> bytes:
    if alpha is not None:
        img = Image.fromarray(np.dstack([rgb, alpha]).astype(np.uint8), "RGBA")
    else:
        img = Image.fromarray(rgb.astype(np.uint8), "RGB" if rgb.ndim == 3 else "L")
    buf = io.BytesIO()
    img.save(buf, format=fmt, **({"quality": quality} if fmt == "JPEG" else {}))
    return buf.getvalue()


def paper(h: int, w: int, rng: np.random.Generator, colour=(238, 234, 222)) -> np.ndarray:
    """Off-white paper with fibre noise and a slow brightness wave, float32 0..255 RGB."""
    base = np.ones((h, w, 3), np.float32) * np.array(colour, np.float32)
    grain = cv2.GaussianBlur(rng.normal(0, 6, (h, w)).astype(np.float32), (0, 0), 1.2)
    wave = cv2.resize(rng.normal(0, 5, (4, 4)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    return np.clip(base + (grain + wave)[..., None], 0, 255)


def write_digits(page: np.ndarray, digits: list[np.ndarray], x: int, y: int, height: int,
                 ink=(30, 40, 110), gap: float = 0.15, overlap: bool = False, jitter: float = 0.0,
                 rng: np.random.Generator | None = None) -> list[tuple]:
    """Blend MNIST digits (white on black) onto the page as ink; returns their boxes.
    `jitter`: each digit's height and baseline vary by up to that share (an unsteady hand)."""
    boxes = []
    rng = rng or np.random.default_rng(0)
    for d in digits:
        ys, xs = np.nonzero(d > 30)
        crop = d[ys.min():ys.max() + 1, xs.min():xs.max() + 1].astype(np.float32) / 255.0
        h = int(round(height * (1 + rng.uniform(-jitter, jitter)))) if jitter else height
        dy = int(round(height * rng.uniform(-jitter, jitter) / 2)) if jitter else 0
        s = h / crop.shape[0]
        crop = cv2.resize(crop, (max(2, round(crop.shape[1] * s)), h), interpolation=cv2.INTER_CUBIC)
        crop = np.clip(crop, 0, 1)
        ch, cw = crop.shape
        region = page[y + dy:y + dy + ch, x:x + cw]
        a = crop[..., None]
        region[:] = region * (1 - a) + np.array(ink, np.float32) * a
        boxes.append((x, y + dy, x + cw, y + dy + ch))
        x += cw - int(0.12 * cw) if overlap else cw + int(gap * height)
    return boxes


def shadow_and_perspective(page: np.ndarray, rng: np.random.Generator, out_size=(900, 700),
                           angle: float = 9.0, table=(70, 60, 50)) -> tuple[np.ndarray, np.ndarray]:
    """Gradient shadow over the page, then the sheet photographed crooked on a table.
    Returns the photo (uint8 RGB) and the 3x3 homography page -> photo."""
    h, w = page.shape[:2]
    gy, gx = np.mgrid[0:h, 0:w].astype(np.float32)
    # A soft diagonal shadow: the lower-right part darker by up to 45%.
    t = np.clip((gx / w + gy / h - 0.7) / 0.9, 0, 1)
    shade = 1.0 - 0.45 * t
    page = page * shade[..., None]
    W, H = out_size
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    c, s = np.cos(np.deg2rad(angle)), np.sin(np.deg2rad(angle))
    centre = np.float32([W / 2, H / 2])
    k = 0.8 * min(W / w, H / h)
    pts = (src - np.float32([w / 2, h / 2])) * k
    rot = np.float32([[c, -s], [s, c]])
    dst = pts @ rot.T + centre
    dst += rng.normal(0, 0.02 * min(W, H), dst.shape).astype(np.float32)  # perspective
    dst[0:2] += np.float32([[0.03 * W, 0], [-0.03 * W, 0]])  # top edge further away
    Hm = cv2.getPerspectiveTransform(src, dst)
    bg = np.ones((H, W, 3), np.float32) * np.array(table, np.float32)
    warped = cv2.warpPerspective(page, Hm, (W, H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                                 borderValue=(-1, -1, -1))
    photo = np.where(warped >= 0, warped, bg)
    photo = photo + rng.normal(0, 3, photo.shape)
    return np.clip(photo, 0, 255).astype(np.uint8), Hm


def photo_of_number(digits: list[np.ndarray], seed: int = 0, height: int = 110, angle: float = 9.0,
                    ink=(30, 40, 110), overlap: bool = False, jitter: float = 0.0) -> tuple[bytes, list]:
    """JPEG bytes of a phone-photo-like picture of the digits, and their boxes (photo pixels)."""
    rng = np.random.default_rng(seed)
    total = int(len(digits) * height * 0.95)
    pw = max(680, total + 160)
    page = paper(max(520, height + 300), pw, rng)
    x0 = int(max(40, (pw - total) / 2))
    boxes = write_digits(page, digits, x0, 200, height, ink=ink, overlap=overlap, jitter=jitter, rng=rng)
    photo, Hm = shadow_and_perspective(page, rng, angle=angle)
    out = []
    for x0, y0, x1, y1 in boxes:
        p = cv2.perspectiveTransform(np.float32([[[x0, y0], [x1, y0], [x1, y1], [x0, y1]]]), Hm)[0]
        out.append(p)
    return encode(photo, "JPEG", quality=80), out


def alpha_only_png(digit: np.ndarray, size: int = 140) -> bytes:
    """A digit drawn only in the alpha channel: every pixel white (RGB 255), transparent
    background, opaque strokes -- flattened onto white it would be invisible."""
    a = cv2.resize(digit, (size, size), interpolation=cv2.INTER_CUBIC)
    rgb = np.full((size, size, 3), 255, np.uint8)
    return encode(rgb, "PNG", alpha=a)


def blank_page(seed: int = 1) -> bytes:
    rng = np.random.default_rng(seed)
    page = paper(600, 800, rng)
    photo, _ = shadow_and_perspective(page, rng, angle=4.0)
    return encode(photo, "JPEG", quality=85)


def font(size: int):
    for name in ("DejaVuSans.ttf", "DejaVuSerif.ttf"):
        p = Path("/usr/share/fonts/truetype/dejavu") / name
        if p.is_file():
            return ImageFont.truetype(str(p), size)
    return ImageFont.load_default()


PRINTED = ["The quick brown fox jumps over the lazy dog.",
           "Please return this form to the office",
           "before the end of the week. Thank you!",
           "Handwriting is read, print is not a digit."]


def printed_text_photo(seed: int = 2, lines=PRINTED, size: int = 30) -> bytes:
    rng = np.random.default_rng(seed)
    page = Image.fromarray(paper(520, 820, rng).astype(np.uint8))
    d = ImageDraw.Draw(page)
    for i, line in enumerate(lines):
        d.text((40, 60 + 90 * i), line, font=font(size), fill=(25, 25, 25))
    photo, _ = shadow_and_perspective(np.asarray(page, np.float32), rng, angle=6.0)
    return encode(photo, "JPEG", quality=85)


def lined_paper_photo(digits: list[np.ndarray], seed: int = 0, height: int = 120, angle: float = 5.0,
                      spacing: int = 44, grid: bool = False) -> bytes:
    """Digits written across the light-blue lines of ruled (or squared) notebook paper, with a
    red margin line, photographed crooked with a shadow."""
    rng = np.random.default_rng(seed)
    total = int(len(digits) * height * 0.95)
    pw = max(680, total + 200)
    ph = max(520, height + 300)
    page = paper(ph, pw, rng, colour=(245, 245, 240))
    for y in range(60, ph, spacing):
        cv2.line(page, (0, y), (pw, y), (150, 185, 225), 2, cv2.LINE_AA)
    if grid:
        for x in range(30, pw, spacing):
            cv2.line(page, (x, 0), (x, ph), (150, 185, 225), 2, cv2.LINE_AA)
    else:
        cv2.line(page, (70, 0), (70, ph), (220, 90, 90), 2, cv2.LINE_AA)
    write_digits(page, digits, int((pw - total) / 2) + 30, 170, height, ink=(25, 30, 60))
    photo, _ = shadow_and_perspective(page, rng, angle=angle)
    return encode(photo, "JPEG", quality=85)


def photo_of_big_digit(digit: np.ndarray, seed: int = 0, angle: float = 5.0) -> bytes:
    """One digit filling most of a sheet, the sheet filling most of a photo taken on a dark
    table with a shadow (the table then covers much of the picture)."""
    rng = np.random.default_rng(seed)
    page = paper(600, 800, rng)
    write_digits(page, [digit], 150, 80, 420, ink=(30, 30, 60))
    photo, _ = shadow_and_perspective(page, rng, out_size=(640, 640), angle=angle)
    return encode(photo, "JPEG", quality=85)
