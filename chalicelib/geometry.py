"""Boxes on an image: 4-point polygons in integer pixels, clockwise from top-left (CONTRACTS
section 1's `box`). OCR engines make them and kinds combine them, so they live below both."""
from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

Point = list  # [x, y]
Quad = list  # 4 points, clockwise from top-left


def quad(points: Sequence[Sequence[float]]) -> Quad:
    """Round any 4-point polygon to integer pixels, clockwise from top-left."""
    pts = np.asarray(points, dtype=float).reshape(4, 2)
    # Start at the corner nearest the top-left (smallest x + y), keep clockwise order.
    centre = pts.mean(axis=0)
    angles = np.arctan2(pts[:, 1] - centre[1], pts[:, 0] - centre[0])
    pts = pts[np.argsort(angles)]  # image coordinates: increasing angle is clockwise
    start = int(np.argmin(pts.sum(axis=1)))
    pts = np.roll(pts, -start, axis=0)
    return [[int(round(x)), int(round(y))] for x, y in pts]


def rect(x0: float, y0: float, x1: float, y1: float) -> Quad:
    return quad([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])


def bounds(box: Quad) -> tuple[float, float, float, float]:
    xs = [p[0] for p in box]
    ys = [p[1] for p in box]
    return min(xs), min(ys), max(xs), max(ys)


def around(boxes: Iterable[Quad]) -> Quad:
    """The upright box around `boxes` (a line's box from its words')."""
    x0, y0, x1, y1 = zip(*(bounds(b) for b in boxes))
    return rect(min(x0), min(y0), max(x1), max(y1))
