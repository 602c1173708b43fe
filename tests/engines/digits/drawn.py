"""Pictures of digits people really upload, drawn here by code (OpenCV's Hershey fonts at
marker widths), so the tests need no dataset file: a black brush digit on a transparent PNG,
a thick coloured marker on white or coloured paper, a 28x28 light-on-dark canvas, chalk on a
board, a digit running off the picture's edge, a photo with uneven light and a shadow.

Every maker returns the file's bytes (PNG or JPEG) and the text the picture holds.
"""
from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image

from tests.engines.digits.synth import encode

SCRIPT = cv2.FONT_HERSHEY_SCRIPT_SIMPLEX  # a handwriting-like face
PLAIN = cv2.FONT_HERSHEY_SIMPLEX
FONTS = (PLAIN, cv2.FONT_HERSHEY_DUPLEX, SCRIPT)


def stroke_mask(text: str, size: tuple[int, int], font: int = PLAIN, height: float = 0.6,
                thickness: float = 0.1, at: tuple[float, float] | None = None) -> np.ndarray:
    """uint8 (h, w) mask of `text` drawn `height` of the picture tall (less when it would not
    fit across), strokes `thickness` of the text's height wide, centred (or with its
    bottom-left corner at `at`, as shares)."""
    h, w = size
    (tw, th), _ = cv2.getTextSize(text, font, 1.0, 1)
    scale = min(height * h / th, 0.9 * w / tw)  # (a long number narrower, to fit)
    thick = max(1, int(round(thickness * scale * th)))
    (tw, th), _ = cv2.getTextSize(text, font, scale, thick)
    org = (int((w - tw) / 2), int((h + th) / 2)) if at is None else (int(at[0] * w), int(at[1] * h))
    m = np.zeros((h, w), np.uint8)
    cv2.putText(m, text, org, font, scale, 255, thick, cv2.LINE_AA)
    return m


def _blend(ground: np.ndarray, mask: np.ndarray, ink, strength: float = 1.0) -> np.ndarray:
    a = (mask.astype(np.float32) / 255.0 * strength)[..., None]
    return ground * (1 - a) + np.asarray(ink, np.float32) * a


def _u8(img: np.ndarray) -> np.ndarray:
    return np.clip(img, 0, 255).astype(np.uint8)


def transparent_brush(text: str, font: int = SCRIPT, size=(300, 300), soft: bool = True) -> tuple[bytes, str]:
    """A black brush digit on a transparent PNG: RGB zero everywhere, the stroke only in alpha
    (soft brush edges when `soft`)."""
    a = stroke_mask(text, size, font, thickness=0.14)
    if soft:
        a = cv2.GaussianBlur(a, (0, 0), 2.0)
    return encode(np.zeros(size + (3,), np.uint8), "PNG", alpha=a), text


def transparent_palette(text: str, size=(200, 200)) -> tuple[bytes, str]:
    """A palette PNG (mode P) whose background colour is the transparent one (tRNS), the ink
    a dark colour: Pillow's own "P with transparency"."""
    m = stroke_mask(text, size, PLAIN, thickness=0.15)
    idx = np.where(m > 127, 1, 0).astype(np.uint8)
    img = Image.fromarray(idx, "P")
    img.putpalette([0, 0, 0, 20, 20, 20] + [0, 0, 0] * 254)
    buf = io.BytesIO()
    img.save(buf, format="PNG", transparency=0)
    return buf.getvalue(), text


def colour_key_png(text: str, mode: str = "L", size=(200, 200)) -> tuple[bytes, str]:
    """A PNG without an alpha channel whose background is transparent by a colour key (tRNS):
    the background value 0, the ink 1 -- both black until the key is applied."""
    m = np.where(stroke_mask(text, size, PLAIN, thickness=0.15) > 127, 1, 0).astype(np.uint8)
    img = Image.fromarray(m if mode == "L" else np.repeat(m[..., None], 3, axis=2), mode)
    buf = io.BytesIO()
    img.save(buf, format="PNG", transparency=0 if mode == "L" else (0, 0, 0))
    return buf.getvalue(), text


def marker(text: str, ink=(25, 70, 215), paper=(255, 255, 255), font: int = PLAIN, size=(360, 480),
           seed: int = 0, height: float = 0.55, thickness: float = 0.2, noise: float = 3.0) -> tuple[bytes, str]:
    """A thick coloured marker stroke (a fifth of the digit's height) on white or coloured
    paper, photographed (`noise`, JPEG) or drawn (no noise)."""
    rng = np.random.default_rng(seed)
    m = stroke_mask(text, size, font, height=height, thickness=thickness)
    page = np.ones(size + (3,), np.float32) * np.asarray(paper, np.float32)
    img = _blend(page, m, ink) + rng.normal(0, noise, size + (3,))
    return encode(_u8(img), "JPEG", quality=85), text


def tiny_light_on_dark(text: str, font: int = PLAIN, fill: float = 0.92, bold: float = 0.16) -> tuple[bytes, str]:
    """A 28x28 greyscale canvas, white digit on black as in MNIST, but bold and filling the
    canvas (its ink `fill` of the height) as a drawing app or a downscaled photo makes it."""
    big = stroke_mask(text, (280, 280), font, height=0.7, thickness=bold)
    ys, xs = np.nonzero(big > 60)
    ink = big[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    h = int(round(fill * 28))
    w = min(28, max(1, int(round(ink.shape[1] * h / ink.shape[0]))))
    canvas = np.zeros((28, 28), np.uint8)
    top, left = (28 - h) // 2, (28 - w) // 2
    canvas[top:top + h, left:left + w] = cv2.resize(ink, (w, h), interpolation=cv2.INTER_AREA)
    return encode(canvas, "PNG"), text


def chalkboard(text: str, font: int = PLAIN, size=(900, 1200), seed: int = 0) -> tuple[bytes, str]:
    """Light chalk on a dark green board: a light gradient across the board, grain, and chalk
    that leaves gaps in its stroke (a large inverted photo)."""
    rng = np.random.default_rng(seed)
    h, w = size
    gx = np.linspace(0.65, 1.25, w, dtype=np.float32)[None, :, None]
    board = np.ones((h, w, 3), np.float32) * np.float32((38, 62, 48)) * gx
    board += cv2.GaussianBlur(rng.normal(0, 6, (h, w)).astype(np.float32), (0, 0), 1.5)[..., None]
    m = stroke_mask(text, size, font, height=0.45, thickness=0.09).astype(np.float32)
    m *= np.clip(rng.normal(0.85, 0.2, (h, w)), 0, 1).astype(np.float32)  # chalk's grainy stroke
    img = _blend(board, m.astype(np.uint8), (232, 232, 222), strength=0.95)
    return encode(_u8(img), "JPEG", quality=85), text


def off_the_edge(text: str, side: str = "bottom", font: int = PLAIN, size=(220, 300)) -> tuple[bytes, str]:
    """Dark digits cropped so they run off one side of the picture (a tight crop)."""
    m = stroke_mask(text, size, font, height=0.7, thickness=0.13)
    ys, xs = np.nonzero(m)
    cut = {"bottom": m[:ys.max() - 2], "top": m[ys.min() + 2:], "left": m[:, xs.min() + 2:],
           "right": m[:, :xs.max() - 2]}[side]
    img = _blend(np.full(cut.shape + (3,), 245, np.float32), cut, (30, 30, 35))
    return encode(_u8(img), "PNG"), text


def tight_crop(text: str, font: int = PLAIN) -> tuple[bytes, str]:
    """A bold dark digit cropped to its ink: it touches the picture's edge on every side, and
    its ink is most of the picture."""
    m = stroke_mask(text, (240, 240), font, height=0.7, thickness=0.16)
    ys, xs = np.nonzero(m > 60)
    m = m[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    return encode(255 - m, "PNG"), text


def uneven_light(text: str, font: int = SCRIPT, size=(600, 800), seed: int = 0) -> tuple[bytes, str]:
    """Pencil-dark digits on paper lit from one side, with a hand's soft shadow across part of
    the number (phone photo, JPEG)."""
    rng = np.random.default_rng(seed)
    h, w = size
    gy, gx = np.mgrid[0:h, 0:w].astype(np.float32)
    light = 0.5 + 0.5 * gx / w
    shadow = 1.0 - 0.35 * np.clip((gy / h + gx / w - 0.9) / 0.2, 0, 1) * (gx > 0.5 * w)
    m = stroke_mask(text, size, font, height=0.4, thickness=0.08)
    img = _blend(np.full((h, w, 3), (236, 232, 222), np.float32), m, (45, 45, 60))
    img = img * (light * shadow)[..., None] + rng.normal(0, 4, (h, w, 3))
    return encode(_u8(img), "JPEG", quality=80), text


def real_image_cases(count: int = 8, seed: int = 26) -> list[tuple[str, bytes, str]]:
    """(kind, file bytes, text) for the benchmark: `count` numbers of each kind above, with
    random digits (1-3 of them), faces and sides."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(count):
        one = str(rng.integers(10))
        text = "".join(str(d) for d in rng.integers(10, size=int(rng.integers(1, 4))))
        font = FONTS[i % len(FONTS)]
        side = ("bottom", "top", "left", "right")[i % 4]
        out += [("transparent brush", *transparent_brush(text, font, soft=bool(i % 2))),
                ("transparent palette", *transparent_palette(one)),
                ("marker on white", *marker(text, font=font, seed=i)),
                ("marker on coloured paper", *marker(text, paper=((250, 236, 170), (205, 225, 245))[i % 2],
                                                     font=font, seed=i)),
                ("28x28 light on dark", *tiny_light_on_dark(one, font, fill=0.93, bold=(0.12, 0.17, 0.22)[i % 3])),
                ("chalk on a board", *chalkboard(text, font, seed=i)),
                ("off the edge", *off_the_edge(text, side, font)),
                ("cropped to the ink", *tight_crop(one, font)),
                ("uneven light", *uneven_light(text, font, seed=i))]
    return out
