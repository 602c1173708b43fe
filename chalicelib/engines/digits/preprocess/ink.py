"""1. The ink map: "how much ink is here", white ink on black, whatever the input."""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

WORK_MAX = 1200  # long side of the working image (larger photos are scaled down)
WORK_MIN = 224  # small images (28x28 canvases) are scaled up so morphology has room
SEAM = 8.0  # saturation (LAB a, b) a grey seam between ink and coloured paper takes away


@dataclass
class InkMap:
    ink: np.ndarray  # float32 (h, w), 0 = background, larger = more ink, working resolution
    scale: float  # working pixels per input pixel
    noise: float  # robust noise level of the ink map
    polarity: str  # "dark-on-light", "light-on-dark" or "alpha"
    ambiguous: bool = False  # the polarity was a close call: worth reading the other way too


def _working_scale(h: int, w: int) -> float:
    long = max(h, w)
    if long > WORK_MAX:
        return WORK_MAX / long
    if long < WORK_MIN:
        return float(int(np.ceil(WORK_MIN / long)))
    return 1.0


def _resize(img: np.ndarray, scale: float) -> np.ndarray:
    if scale == 1.0:
        return img
    h, w = img.shape[:2]
    size = (max(1, int(round(w * scale))), max(1, int(round(h * scale))))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    return cv2.resize(img, size, interpolation=interp)


def _morph(img: np.ndarray, op: int, k: int) -> np.ndarray:
    return cv2.morphologyEx(img, op, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))


def _shift(img: np.ndarray, dx: int, dy: int, fill: float) -> np.ndarray:
    """img moved by (dx, dy); pixels from outside the picture are `fill`."""
    h, w = img.shape
    p = max(abs(dx), abs(dy))
    padded = cv2.copyMakeBorder(img, p, p, p, p, cv2.BORDER_CONSTANT, value=fill)
    return padded[p + dy:p + dy + h, p + dx:p + dx + w]


def _ridges(L: np.ndarray, radii) -> tuple[float, float]:
    """Total strength of dark and of light ridges (thin lines) at the given half-widths: a pixel
    on a dark ridge is darker than *both* points at distance r on either side of it, in some
    direction, and both those points are alike. Edges between two regions (paper and table, a
    shadow's edge), smooth shading and the picture's border give no ridge."""
    Lf = L.astype(np.float32)
    hp = Lf - cv2.GaussianBlur(Lf, (0, 0), 2)
    T = max(12.0, 4.0 * float(np.median(np.abs(hp))) / 0.6745)
    dark_total = light_total = 0.0
    for r in radii:
        dark = np.zeros_like(Lf)
        light = np.zeros_like(Lf)
        for ux, uy in ((1, 0), (0, 1), (1, 1), (1, -1)):
            # Both sides must match (within 60% of the depth): a smooth shading maximum or a
            # region's edge has unequal sides.
            a_d, b_d = _shift(Lf, r * ux, r * uy, 0.0), _shift(Lf, -r * ux, -r * uy, 0.0)
            depth = np.minimum(a_d, b_d) - Lf
            dark = np.maximum(dark, np.where(np.abs(a_d - b_d) < 0.6 * depth, depth, 0.0))
            a_l, b_l = _shift(Lf, r * ux, r * uy, 255.0), _shift(Lf, -r * ux, -r * uy, 255.0)
            depth = Lf - np.maximum(a_l, b_l)
            light = np.maximum(light, np.where(np.abs(a_l - b_l) < 0.6 * depth, depth, 0.0))
        dark_total += float(np.maximum(dark - T, 0).sum())
        light_total += float(np.maximum(light - T, 0).sum())
    return dark_total, light_total


def _sheet_like(L: np.ndarray, light: float, spanning: float = 0.7) -> bool:
    """Whether the largest light region is a solid sheet (paper on a table), not the strokes
    of a bold light digit (strokes and holes: far less than its convex hull); a region across
    the picture counts as a sheet from solidity `spanning` (a shadow eats into a sheet)."""
    h, w = L.shape
    n, labels, stats, _ = cv2.connectedComponentsWithStats((light <= L).astype(np.uint8), connectivity=8)
    if n <= 1:
        return False
    i = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    hull = cv2.contourArea(cv2.convexHull(cv2.findNonZero((labels == i).astype(np.uint8))))
    solidity = stats[i, cv2.CC_STAT_AREA] / max(hull, 1.0)
    spans = stats[i, cv2.CC_STAT_WIDTH] > 0.75 * w and stats[i, cv2.CC_STAT_HEIGHT] > 0.75 * h
    return bool(solidity > 0.85 or (solidity > spanning and spans))  # (a big digit's ink makes big holes)


def _polarity(L: np.ndarray, tiny: bool = False) -> tuple[str, bool]:
    """Dark ink on light ground, or light ink on dark ground?

    Paper is light far more often than not, and a photo's centre is paper. So the ink is dark
    when most of the picture is light, or its centre is; otherwise the ink is light unless its
    ridges (thin lines darker or lighter than both their sides) are mostly dark. Light ink:
    white digits on black like MNIST, chalk on a board, a white pen on dark paper. The
    picture's edge is background more often than not: it settles bold digits that fill the
    picture (`tiny`: a small canvas, upscaled).

    Also says whether the call was a close one (a light centre in a dark picture: a sheet of
    paper on a table, or a big bold light digit): the engine then reads both ways."""
    h, w = L.shape
    spanning = 0.85 if tiny else 0.7  # a small canvas is rarely a photo of a sheet on a table
    edge_light = float(np.median(np.concatenate([L[0], L[-1], L[:, 0], L[:, -1]]))) >= 128
    if float(np.median(L)) >= 128:
        if tiny and not edge_light and not _sheet_like(L, 128.0, spanning):
            # Mostly light inside a dark frame, and no sheet: a bold light digit filling a
            # small dark canvas (MNIST-like).
            return "light-on-dark", True
        return "dark-on-light", False
    if edge_light:
        # Mostly dark, but framed by light: a bold dark digit cropped tight on paper (its hole
        # would read as a 0 the other way). Still a close call: read both ways.
        return "dark-on-light", True
    centre = L[h // 4: h - h // 4, w // 4: w - w // 4]
    otsu, _ = cv2.threshold(np.ascontiguousarray(L), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    light = float(np.clip(otsu, 60, 200))  # "light" relative to this picture (shadowed paper too)
    ambiguous = float((centre >= light).mean()) > 0.6
    if ambiguous and _sheet_like(L, light, spanning):  # a sheet of paper in the middle of a dark table
        return "dark-on-light", True
    f = min(1.0, 96.0 / min(h, w))
    small = cv2.resize(L, (max(3, round(w * f)), max(3, round(h * f))), interpolation=cv2.INTER_AREA) if f < 1 else L
    short = min(small.shape)
    radii = sorted({max(1, int(round(short * q))) for q in (0.006, 0.012, 0.02, 0.03, 0.045, 0.065, 0.09, 0.12, 0.16)})
    dark, light = _ridges(small, radii)
    return ("dark-on-light" if dark > 1.2 * light else "light-on-dark"), ambiguous


def _robust_sigma(x: np.ndarray) -> float:
    sample = x.ravel()
    if sample.size > 200_000:
        sample = sample[:: sample.size // 200_000]
    med = np.median(sample)
    return float(1.4826 * np.median(np.abs(sample - med)))


def ink_map(rgb: np.ndarray, alpha: np.ndarray | None = None, polarity: str | None = None) -> InkMap:
    """`polarity` forces "dark-on-light" or "light-on-dark" instead of deciding."""
    if rgb.ndim == 2:
        rgb = np.repeat(rgb[:, :, None], 3, axis=2)
    rgb = np.ascontiguousarray(rgb[:, :, :3], dtype=np.uint8)
    h, w = rgb.shape[:2]
    scale = _working_scale(h, w)

    if alpha is not None and alpha.shape == (h, w) and int(alpha.min()) < 128 <= int(alpha.max()):
        opaque = float((alpha >= 128).mean())
        if opaque < 0.5:
            # Strokes on a transparent canvas: the alpha channel *is* the ink (any colour,
            # including white strokes that vanish when flattened onto white).
            a = _resize(alpha, scale).astype(np.float32)
            noise = max(_robust_sigma(a - cv2.medianBlur(a.astype(np.uint8), 3)), 1.0)
            return InkMap(ink=a, scale=scale, noise=noise, polarity="alpha")

    img = _resize(rgb, scale)
    H, W = img.shape[:2]
    lab = cv2.cvtColor(img, cv2.COLOR_RGB2LAB)
    L = lab[:, :, 0]
    # Background and polarity on a small copy (short side ~200 px): fast, and thin strokes
    # only get thinner.
    f = min(1.0, 200.0 / min(H, W))
    small = cv2.resize(L, (max(3, round(W * f)), max(3, round(H * f))), interpolation=cv2.INTER_AREA) if f < 1 else L
    ambiguous = False
    if polarity not in ("dark-on-light", "light-on-dark"):
        polarity, ambiguous = _polarity(small, tiny=scale > 1)
    k = max(3, int(min(small.shape) / 3) | 1)  # wider than any stroke, even a marker filling the frame
    if polarity == "dark-on-light":
        bg_small = _morph(small, cv2.MORPH_CLOSE, k)
    else:
        bg_small = _morph(small, cv2.MORPH_OPEN, k)
    bg_small = cv2.blur(bg_small, (max(3, k // 6) | 1,) * 2)
    bg = cv2.resize(bg_small, (W, H), interpolation=cv2.INTER_LINEAR).astype(np.float32) if f < 1 else bg_small.astype(np.float32)
    Lf = L.astype(np.float32)
    if polarity == "dark-on-light":
        # Divide by the background: a shadow (a multiplicative dimming) is not ink.
        lum = np.maximum(bg - Lf, 0.0) * (255.0 / np.maximum(bg, 90.0))
    else:
        lum = np.maximum(Lf - bg, 0.0) * (255.0 / np.maximum(255.0 - bg, 60.0))
    # Coloured ink: saturation above what the surroundings have (an opening removes thin
    # saturated strokes and keeps coloured paper).
    a = lab[:, :, 1].astype(np.float32) - 128
    b = lab[:, :, 2].astype(np.float32) - 128
    sat = np.sqrt(a * a + b * b)
    sat_small = cv2.resize(sat, (small.shape[1], small.shape[0]), interpolation=cv2.INTER_AREA) if f < 1 else sat
    sat_bg = _morph(sat_small, cv2.MORPH_OPEN, k)
    # Where ink meets paper of the opposite hue (blue on yellow) the mixed colours are grey: a
    # seam of low saturation the opening spreads as "paper". Where the seams closed give a
    # clearly higher background (not the paper's noise), that is the paper's saturation.
    sealed = _morph(_morph(sat_small, cv2.MORPH_CLOSE, 5), cv2.MORPH_OPEN, k)
    sat_bg = np.where(sealed > sat_bg + SEAM, sealed, sat_bg)
    sat_bg = cv2.resize(sat_bg, (W, H), interpolation=cv2.INTER_LINEAR) if f < 1 else sat_bg
    chroma = np.maximum(sat - sat_bg, 0.0)
    ink = np.maximum(lum, chroma * 1.5).astype(np.float32)
    # Noise: robust spread of the fine detail (strokes are a minority of pixels), in the ink
    # map's scale.
    hp = Lf - cv2.GaussianBlur(Lf, (0, 0), 1.5)
    gain = 255.0 / max(float(np.median(bg)), 90.0) if polarity == "dark-on-light" else 255.0 / max(255.0 - float(np.median(bg)), 60.0)
    noise = max(1.4826 * float(np.median(np.abs(hp))) * gain, 1.0)
    return InkMap(ink=ink, scale=scale, noise=noise, polarity=polarity, ambiguous=ambiguous)
