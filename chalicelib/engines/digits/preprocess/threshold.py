"""2. The ink mask: ruled lines erased, regions along the border left out, Otsu with floors, hysteresis."""
from __future__ import annotations

import cv2
import numpy as np

from chalicelib.engines.digits.preprocess.ink import InkMap
from chalicelib.engines.digits.preprocess.rules import ruled_lines

MIN_CONTRAST = 40.0  # ink must differ from the background by this much (of 255) somewhere
BORDER_CONTACT = 0.10  # share of the picture's border a component may touch and still be ink


def _border_regions(mask: np.ndarray) -> np.ndarray:
    """Components that run along the picture's border (the table around a sheet of paper, a
    dark frame, a page edge): not ink."""
    H, W = mask.shape
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if n <= 1:
        return np.zeros(mask.shape, bool)
    border = np.concatenate([labels[0, :], labels[-1, :], labels[:, 0], labels[:, -1]])
    contact = np.bincount(border, minlength=n)
    bad = (contact > BORDER_CONTACT * 2 * (H + W)) | (contact > 0.5 * np.maximum(stats[:, 2], stats[:, 3]))
    bad[0] = False
    return bad[labels]


def threshold(im: InkMap) -> tuple[np.ndarray, float]:
    """Binary ink mask (uint8 0/1) and the threshold used; an all-zero mask when there is no
    ink worth the name (a blank page, paper texture, JPEG noise).

    The lines of ruled paper are erased, and regions along the border (a table around the
    paper) are left out before the threshold is chosen, so they cannot push it above faint
    pencil strokes."""
    ink = im.ink
    floor = max(8.0 * im.noise, 0.45 * MIN_CONTRAST)
    rules = ruled_lines((ink > floor).astype(np.uint8))
    if rules is not None:  # ruled or squared paper: its lines are not ink
        ink = np.where(rules, 0.0, ink).astype(np.float32)
    coarse = (ink > max(floor, MIN_CONTRAST)).astype(np.uint8)
    # Thin lines (ruled lines, a stroke that runs off the paper) must not tie digits to the
    # table: look for border regions in a copy opened by a few pixels.
    k = max(3, (min(coarse.shape) // 150) | 1)
    outside = _border_regions(cv2.morphologyEx(coarse, cv2.MORPH_OPEN, np.ones((k, k), np.uint8)))
    if outside.any():
        g = max(5, (min(coarse.shape) // 60) | 1)  # and their ragged fringe
        outside = cv2.dilate(outside.astype(np.uint8), np.ones((g, g), np.uint8)) > 0
        ink = np.where(outside, 0.0, ink).astype(np.float32)
    above = ink[ink > floor]
    if above.size < 12:
        return np.zeros(ink.shape, np.uint8), float("inf")
    peak = float(np.percentile(above, 99))
    if peak < max(MIN_CONTRAST, 10.0 * im.noise):
        return np.zeros(ink.shape, np.uint8), float("inf")
    u8 = np.clip(ink * (255.0 / max(peak, 1.0)), 0, 255).astype(np.uint8)
    otsu, _ = cv2.threshold(u8, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    t = max(float(otsu) * peak / 255.0, floor, 0.25 * peak)
    t = min(t, 0.6 * peak)
    strong = (ink > t).astype(np.uint8)
    weak = (ink > 0.55 * t).astype(np.uint8)
    # Hysteresis: keep the weak components that hold strong pixels.
    n, labels = cv2.connectedComponents(weak, connectivity=8)
    if n > 1:
        keep = np.zeros(n, bool)
        keep[np.unique(labels[strong > 0])] = True
        keep[0] = False
        mask = keep[labels].astype(np.uint8)
    else:
        mask = strong
    return mask, t
