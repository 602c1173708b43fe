"""4. MNIST normalisation: stroke width, slant, 20x20 fit centred by mass in 28x28."""
from __future__ import annotations

import cv2
import numpy as np

STROKE_MIN = 0.085  # stroke width / digit size: MNIST digits span about 0.08-0.17
STROKE_MAX = 0.19
STROKE_TARGET = 0.11  # hairlines are thickened to this


def _stroke_ratio(img: np.ndarray) -> float:
    """Stroke width relative to the digit height: 2 * area / perimeter of the binarised ink."""
    b = (img > 0.5).astype(np.uint8)
    area = float(b.sum())
    if area < 3:
        return 0.0
    contours, _ = cv2.findContours(b, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    per = sum(cv2.arcLength(c, True) for c in contours)
    ys = np.nonzero(b.any(axis=1))[0]
    height = float(ys[-1] - ys[0] + 1)
    xs = np.nonzero(b.any(axis=0))[0]
    size = max(height, float(xs[-1] - xs[0] + 1))
    return (2.0 * area / max(per, 1.0)) / max(size, 1.0)


def _disk(r: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))


def normalize_stroke(img: np.ndarray) -> np.ndarray:
    """img: float32 0..1, digit about 64-96 px tall. Thicken hairlines, thin marker strokes."""
    ratio = _stroke_ratio(img)
    if ratio <= 0:
        return img
    ys = np.nonzero((img > 0.5).any(axis=1))[0]
    xs = np.nonzero((img > 0.5).any(axis=0))[0]
    size = max(ys[-1] - ys[0] + 1, xs[-1] - xs[0] + 1)
    if ratio < STROKE_MIN:
        r = int(round((STROKE_TARGET - ratio) * size / 2))
        if r >= 1:
            img = cv2.dilate(img, _disk(r))
    elif ratio > STROKE_MAX:
        r = int(round((ratio - STROKE_MAX * 0.9) * size / 2))
        if r >= 1:
            thin = cv2.erode(img, _disk(r))
            if (thin > 0.5).sum() > 0.2 * (img > 0.5).sum():  # do not erase the digit
                img = thin
    return img


def deskew(img: np.ndarray, limit: float = 0.8) -> np.ndarray:
    """Shear the slant away (the moment-based deskew used on MNIST); the canvas widens to fit."""
    m = cv2.moments(img)
    if abs(m["mu02"]) < 1e-6 or m["m00"] < 1e-6:
        return img
    skew = float(np.clip(m["mu11"] / m["mu02"], -limit, limit))
    if abs(skew) < 0.02:
        return img
    h, w = img.shape
    cy = m["m01"] / m["m00"]
    extra = int(np.ceil(abs(skew) * h))
    out_w = w + extra
    # x' = x - skew * (y - cy) + shift ; shift keeps everything inside the wider canvas
    shift = extra / 2.0
    M = np.float32([[1, -skew, skew * cy + shift], [0, 1, 0]])
    return cv2.warpAffine(img, M, (out_w, h), flags=cv2.INTER_LINEAR, borderValue=0)


def _bbox(img: np.ndarray, level: float = 0.1):
    ys = np.nonzero((img > level).any(axis=1))[0]
    xs = np.nonzero((img > level).any(axis=0))[0]
    if ys.size == 0:
        return None
    return xs[0], ys[0], xs[-1] + 1, ys[-1] + 1


def _crop_to_ink(img: np.ndarray) -> np.ndarray | None:
    """The ink's bounding box of `img`, or None when there is no ink."""
    bb = _bbox(img)
    if bb is None:
        return None
    x0, y0, x1, y1 = bb
    return img[y0:y1, x0:x1]


def normalize_digit(img: np.ndarray, *, slant: bool = True, stroke: bool = True) -> np.ndarray:
    """float32 ink crop (white on black, 0..1, any size) -> float32 (28, 28) MNIST-style."""
    img = _crop_to_ink(np.asarray(img, np.float32))
    if img is None:
        return np.zeros((28, 28), np.float32)
    h, w = img.shape
    # Work at ~80 px so stroke and slant corrections have resolution; pad for morphology.
    s = 80.0 / max(h, w)
    img = cv2.resize(img, (max(1, round(w * s)), max(1, round(h * s))),
                     interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
    img = cv2.copyMakeBorder(img, 12, 12, 12, 12, cv2.BORDER_CONSTANT, value=0)
    if stroke:
        img = normalize_stroke(img)
    if slant:
        img = deskew(img)
    img = _crop_to_ink(img)
    if img is None:
        return np.zeros((28, 28), np.float32)
    h, w = img.shape
    s = 20.0 / max(h, w)
    nw, nh = max(1, round(w * s)), max(1, round(h * s))
    small = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_AREA)
    m = cv2.moments(small)
    if m["m00"] < 1e-6:
        return np.zeros((28, 28), np.float32)
    cx, cy = m["m10"] / m["m00"], m["m01"] / m["m00"]
    M = np.float32([[1, 0, 14.0 - cx], [0, 1, 14.0 - cy]])
    out = cv2.warpAffine(small, M, (28, 28), flags=cv2.INTER_LINEAR, borderValue=0)
    peak = float(out.max())
    if peak > 0:
        out = np.clip(out / peak, 0.0, 1.0)
    return out.astype(np.float32)
