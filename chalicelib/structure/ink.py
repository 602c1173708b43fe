"""What the page image says of OCR's lines that OCR does not: which are set in bold.

A text layer names each glyph's font; a scan only shows ink. Bold type has thicker strokes:
the mean length of the horizontal runs of ink across a line (a vertical stroke's width, mostly)
grows by a third or more against the same type in regular weight. Measured per line relative to
its height, and compared with the page's running text, it tells a bold heading at body size
from the paragraph under it, as the text layer's font weight does (layout.Hints.bold)."""
from __future__ import annotations

import numpy as np

from chalicelib.geometry import bounds
from chalicelib.structure.layout import Hints

BOLD = 1.3  # stroke width (per line height) this much above the running text's is bold
MIN_RUNNING = 3  # lines of running text (4 words or more) needed to judge against


def hints(rgb: np.ndarray, lines: list[dict]) -> list[Hints] | None:
    """Hints for OCR's lines of a level page: `bold` from the ink; the size stays the line's
    height (None). None when the page has too little running text to compare with."""
    gray = rgb.mean(axis=2) if rgb.ndim == 3 else rgb
    widths = [_stroke(gray, line) for line in lines]
    running = sorted(w for w, line in zip(widths, lines) if w is not None and len(line["words"]) >= 4)
    if len(running) < MIN_RUNNING:
        return None
    body = running[len(running) // 2]
    return [Hints(bold=None if w is None else w >= BOLD * body) for w in widths]


def _stroke(gray: np.ndarray, line: dict) -> float | None:
    """Mean horizontal run of ink across the line's box, over its height; None for a box too
    small to measure."""
    x0, y0, x1, y1 = (int(round(v)) for v in bounds(line["box"]))
    x0, y0 = max(0, x0), max(0, y0)
    x1, y1 = min(gray.shape[1], x1), min(gray.shape[0], y1)
    if x1 - x0 < 8 or y1 - y0 < 6:
        return None
    crop = gray[y0:y1, x0:x1]
    ink = crop < _otsu(crop)
    starts = int(ink[:, 0].sum()) + int((ink[:, 1:] & ~ink[:, :-1]).sum())
    if starts == 0:
        return None
    return float(ink.sum()) / starts / (y1 - y0)


def _otsu(crop: np.ndarray) -> float:
    hist = np.bincount(np.clip(crop, 0, 255).astype(np.uint8).ravel(), minlength=256).astype(float)
    total = hist.sum()
    levels = np.arange(256)
    weight = np.cumsum(hist)
    mean = np.cumsum(hist * levels)
    between = (mean[-1] * weight - mean * total) ** 2 / np.maximum(weight * (total - weight), 1e-9)
    return float(np.argmax(between))
