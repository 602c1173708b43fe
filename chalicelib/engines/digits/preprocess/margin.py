"""A margin of background around the picture, for digits that touch its edge.

A digit cropped tight (a 28x28 canvas filled by a bold digit, a photo cut through a stroke)
runs along the picture's border the way the table around a sheet of paper does, so the border
rules leave it out, and the background estimate is pulled towards the ink at the edge. Read
again inside a margin of the picture's own edge colour, it is an ordinary digit.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from chalicelib.engines.digits.preprocess.ink import WORK_MAX

MARGIN = 0.15  # of the picture's long side, on every side
EDGE_CONTRAST = 40.0  # an edge pixel this far (of 255) from the edge's median colour is inked


SIDES = ("top", "bottom", "left", "right")


@dataclass
class Framed:
    rgb: np.ndarray  # the picture inside its margin
    alpha: np.ndarray | None
    scale: float  # framed pixels per input pixel (large pictures are scaled down first)
    pad: int  # margin width, framed pixels
    width: int  # the input picture's size
    height: int
    inked: dict  # side -> bool per input pixel along it: inked (see `inked_edges`)

    def to_input(self, box: list) -> list:
        """A box in framed pixels -> the input picture's pixels, inside the picture."""
        return [[int(round(min(max((x - self.pad) / self.scale, 0), self.width))),
                 int(round(min(max((y - self.pad) / self.scale, 0), self.height)))] for x, y in box]

    def along_edge(self, box: list) -> bool:
        """Whether a box (input pixels) lies along the picture's edge: its long side on the
        edge, and that stretch of the edge mostly inked. A strip of table beside the paper,
        not a digit running off the picture (that crosses the edge with a stroke or two, or
        along its short side: the bottom of a 2)."""
        (x0, y0), _, (x1, y1), _ = box
        tol = 2 + 0.01 * max(self.width, self.height)
        # (A strip: its short side a small part of the picture; a tight crop's digit fills it.)
        wide = x1 - x0 >= y1 - y0 and y1 - y0 < 0.5 * self.height
        tall = y1 - y0 > x1 - x0 and x1 - x0 < 0.5 * self.width
        touching = {"top": y0 <= tol and wide, "bottom": y1 >= self.height - tol and wide,
                    "left": x0 <= tol and tall, "right": x1 >= self.width - tol and tall}
        span = {"top": (x0, x1), "bottom": (x0, x1), "left": (y0, y1), "right": (y0, y1)}
        return any(touching[s] and span[s][1] > span[s][0] and
                   float(self.inked[s][span[s][0]:span[s][1]].mean()) >= 0.6 for s in SIDES)


def _edge(img: np.ndarray) -> np.ndarray:
    """The picture's outermost pixels, one a row: top, bottom, left and right sides."""
    edge = np.concatenate([img[0], img[-1], img[:, 0], img[:, -1]])
    return edge.reshape(len(edge), -1).astype(np.float32)


def inked_edges(rgb: np.ndarray, alpha: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Per side of the picture, which of its pixels are inked: far from the edge's median
    colour or opacity."""
    h, w = rgb.shape[:2]
    far = np.zeros(2 * (h + w), bool)
    for img in (rgb, alpha):
        if img is not None:
            edge = _edge(img)
            far |= np.abs(edge - np.median(edge, axis=0)).max(axis=1) > EDGE_CONTRAST
    return dict(zip(SIDES, np.split(far, [w, 2 * w, 2 * w + h])))


def ink_at_edge(rgb: np.ndarray, alpha: np.ndarray | None = None) -> bool:
    """Whether something other than the background lies on the picture's edge (a stroke
    running off it, or the table around a sheet)."""
    return sum(int(v.sum()) for v in inked_edges(rgb, alpha).values()) >= 2


def with_margin(rgb: np.ndarray, alpha: np.ndarray | None = None, share: float = MARGIN) -> Framed:
    h, w = rgb.shape[:2]
    inked = inked_edges(rgb, alpha)
    scale = min(1.0, WORK_MAX / max(h, w))  # no full-size copy of a large photo
    if scale < 1.0:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        alpha = None if alpha is None else cv2.resize(alpha, size, interpolation=cv2.INTER_AREA)
    pad = max(2, int(round(share * max(rgb.shape[:2]))))

    def framed(img: np.ndarray) -> np.ndarray:
        return cv2.copyMakeBorder(np.ascontiguousarray(img), pad, pad, pad, pad, cv2.BORDER_CONSTANT,
                                  value=tuple(float(v) for v in np.median(_edge(img), axis=0)))

    return Framed(rgb=framed(rgb), alpha=None if alpha is None else framed(alpha), scale=scale, pad=pad,
                  width=w, height=h, inked=inked)
