"""3. Components -> digit candidates in reading order; a candidate's soft crop and its column spans."""
from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from chalicelib.engines.digits.preprocess.ink import InkMap
from chalicelib.engines.digits.preprocess.threshold import BORDER_CONTACT


@dataclass
class Candidate:
    """One digit (or a group of touching digits) in working-image coordinates."""

    x0: int
    y0: int
    x1: int  # exclusive
    y1: int
    mask: np.ndarray  # bool (y1-y0, x1-x0): the pixels of this candidate's components
    line: int = 0
    parts: list = field(default_factory=list)  # component labels

    @property
    def w(self) -> int:
        return self.x1 - self.x0

    @property
    def h(self) -> int:
        return self.y1 - self.y0


@dataclass
class FindConfig:
    min_rel_height: float = 0.33  # a digit is at least this tall relative to the tallest
    max_candidates: int = 24  # more than this: a page of text or noise, not a number
    border_contact: float = BORDER_CONTACT  # share of the image border a component may touch
    merge_overlap: float = 0.5  # horizontal overlap (of the narrower) that merges pieces


# A component while candidates are found: [x0, y0, x1, y1, area, labels] (x1, y1 exclusive).


def find_digits(mask: np.ndarray, cfg: FindConfig = FindConfig()) -> list[Candidate]:
    labels, comps = _components(mask, cfg)
    if not comps:
        return []
    comps = _without_frames_and_rules(_without_specks(comps))
    if not comps:
        return []
    comps = _merge_stacked(comps, cfg.merge_overlap)
    tallest = max(c[3] - c[1] for c in comps)
    comps = [c for c in _attach_small(comps, tallest) if (c[3] - c[1]) >= cfg.min_rel_height * tallest]
    if len(comps) > cfg.max_candidates:
        return []
    return _candidates(_text_lines(comps), labels)


def _components(mask: np.ndarray, cfg: FindConfig) -> tuple[np.ndarray, list[list]]:
    """The connected ink components large enough, touching the border little, not a line
    across the page; and the label image."""
    H, W = mask.shape
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if n <= 1:
        return labels, []
    perim = 2 * (H + W)
    border = np.concatenate([labels[0, :], labels[-1, :], labels[:, 0], labels[:, -1]])
    contact = np.bincount(border, minlength=n)
    min_area = max(4, int(2e-5 * H * W))
    comps = []
    for i in range(1, n):
        x, y, w, h, area = (int(v) for v in stats[i])
        if area < min_area:
            continue
        if contact[i] > cfg.border_contact * perim or contact[i] > 0.5 * max(w, h):
            continue  # the table around a sheet of paper, a dark frame, a page edge
        if w > 0.95 * W and h < 0.1 * H:
            continue  # a ruled line across the page
        comps.append([x, y, x + w, y + h, area, [i]])
    return labels, comps


def _without_specks(comps: list[list]) -> list[list]:
    """Specks relative to the largest components dropped."""
    big = max(c[4] for c in comps)
    tallest = max(cc[3] - cc[1] for cc in comps)
    return [c for c in comps if c[4] >= 0.04 * big or (c[3] - c[1]) >= 0.3 * tallest]


def _without_frames_and_rules(comps: list[list]) -> list[list]:
    """A frame drawn around the number (it encloses other blobs and is mostly empty inside),
    underlines or dashes (long and flat), margin lines and paper edges: not digits."""
    def inside(a, b):  # a's box inside b's
        return a is not b and a[0] >= b[0] and a[1] >= b[1] and a[2] <= b[2] and a[3] <= b[3]

    frames = [b for b in comps if sum(inside(a, b) for a in comps) >= 2
              and b[4] < 0.15 * (b[2] - b[0]) * (b[3] - b[1])]
    comps = [c for c in comps if not any(c is f for f in frames)]
    if len(comps) > 1:
        med_h = float(np.median([c[3] - c[1] for c in comps]))
        comps = [c for c in comps if not ((c[2] - c[0]) > 4 * (c[3] - c[1]) and (c[3] - c[1]) < 0.3 * med_h)]
    if len(comps) > 2:  # a margin line or a paper edge: far taller than the digits, and thin
        med_h = float(np.median([c[3] - c[1] for c in comps]))
        comps = [c for c in comps if not ((c[3] - c[1]) > 2.2 * med_h and (c[2] - c[0]) < 0.12 * (c[3] - c[1]))]
    return comps


def _union(a: list, b: list) -> list:
    return [min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]), a[4] + b[4], a[5] + b[5]]


def _merge_stacked(comps: list[list], merge_overlap: float) -> list[list]:
    """Pieces stacked above each other (a 5's flag, broken strokes) merged, until none is left."""
    comps.sort(key=lambda c: c[0])
    while (pair := _stacked_pair(comps, merge_overlap)) is not None:
        a, b = pair
        comps[a] = _union(comps[a], comps[b])
        del comps[b]
    return comps


def _stacked_pair(comps: list[list], merge_overlap: float) -> tuple[int, int] | None:
    """The first two components that overlap in x and are vertically close (same line: the
    gap under the taller height)."""
    for a in range(len(comps)):
        for b in range(a + 1, len(comps)):
            A, B = comps[a], comps[b]
            ov = min(A[2], B[2]) - max(A[0], B[0])
            narrow = min(A[2] - A[0], B[2] - B[0])
            if ov <= 0 or ov < merge_overlap * narrow:
                continue
            gap = max(A[1], B[1]) - min(A[3], B[3])
            if gap > 0.6 * max(A[3] - A[1], B[3] - B[1]):
                continue
            return a, b
    return None


def _attach_small(comps: list[list], tallest: int) -> list[list]:
    """Small pieces (a 5's detached flag, a broken stroke) join the digit they overlap most in
    x, when close to it vertically; or else the nearest one beside them."""
    small = [c for c in comps if (c[3] - c[1]) < 0.45 * tallest]
    big = [c for c in comps if (c[3] - c[1]) >= 0.45 * tallest]
    for c in small:
        best, best_ov = _above_or_below(c, big)
        if best is None or best_ov < 0.25:
            best, best_ov = _beside(c, big, best, best_ov)
        if best is not None and best_ov >= 0.25:
            best[:] = _union(best, c)
        else:
            big.append(c)
    return big


def _above_or_below(c: list, big: list[list]) -> tuple[list | None, float]:
    best, best_ov = None, 0.0
    for b in big:
        ov = (min(b[2], c[2]) - max(b[0], c[0])) / max(1, c[2] - c[0])
        gap = max(b[1], c[1]) - min(b[3], c[3])
        if ov > best_ov and gap < 0.35 * (b[3] - b[1]):
            best, best_ov = b, ov
    return best, best_ov


def _beside(c: list, big: list[list], best: list | None, best_ov: float) -> tuple[list | None, float]:
    """No digit above or below it: the nearest one beside it, when it sits within that digit's
    height and close to it (a flag drawn apart from the body of a 5)."""
    cy = (c[1] + c[3]) / 2
    near, near_gap = None, 1e9
    for b in big:
        gx = max(b[0] - c[2], c[0] - b[2], 0)
        if b[1] <= cy <= b[3] and gx < near_gap:
            near, near_gap = b, gx
    if near is not None and near_gap < 0.2 * (near[3] - near[1]):
        return near, 1.0
    return best, best_ov


def _text_lines(comps: list[list]) -> list[list]:
    """Lines, left to right: a blob joins the line whose rightmost member it overlaps most in
    height (so a crooked line of digits stays one line); lines then go top to bottom."""
    comps.sort(key=lambda c: c[0])
    lines: list[list] = []
    for c in comps:
        best, best_ov = None, 0.0
        for line in lines:
            last = line[-1]
            ov = (min(last[3], c[3]) - max(last[1], c[1])) / max(1, min(last[3] - last[1], c[3] - c[1]))
            if ov > best_ov:
                best, best_ov = line, ov
        if best is not None and best_ov > 0.4:
            best.append(c)
        else:
            lines.append([c])
    lines.sort(key=lambda line: float(np.mean([(m[1] + m[3]) / 2 for m in line])))
    return lines


def _candidates(lines: list[list], labels: np.ndarray) -> list[Candidate]:
    out = []
    for li, line in enumerate(lines):
        for c in sorted(line, key=lambda m: m[0]):
            x0, y0, x1, y1 = c[0], c[1], c[2], c[3]
            sub = labels[y0:y1, x0:x1]
            m = np.isin(sub, c[5])
            out.append(Candidate(x0=x0, y0=y0, x1=x1, y1=y1, mask=m, line=li, parts=list(c[5])))
    return out


def soft_crop(im: InkMap, t: float, cand: Candidate, pad: int = 2) -> np.ndarray:
    """The candidate's ink as float32 0..1 (white on black), other components blanked out."""
    H, W = im.ink.shape
    x0, y0 = max(0, cand.x0 - pad), max(0, cand.y0 - pad)
    x1, y1 = min(W, cand.x1 + pad), min(H, cand.y1 + pad)
    ink = im.ink[y0:y1, x0:x1]
    m = np.zeros(ink.shape, np.uint8)
    m[cand.y0 - y0:cand.y1 - y0, cand.x0 - x0:cand.x1 - x0] = cand.mask
    m = cv2.dilate(m, np.ones((3, 3), np.uint8), iterations=max(1, pad))
    vals = ink[m > 0]
    top = float(np.percentile(vals, 90)) if vals.size else t
    lo = 0.5 * t
    soft = np.clip((ink - lo) / max(top - lo, 1e-3), 0.0, 1.0) * (m > 0)
    return soft.astype(np.float32)


def segment_spans(soft: np.ndarray, height: int, max_digits: int = 4) -> list[tuple[int, int]]:
    """Column spans (a, b) that could each hold one of several touching digits: between cut
    columns (local minima of the ink profile, and an even grid), from 0.2 to 1.2 digit heights
    wide, so that some sequence of them covers the whole crop."""
    h, w = soft.shape
    proj = cv2.GaussianBlur(soft.sum(axis=0).reshape(1, -1).astype(np.float32), (0, 0), max(1.0, w / 80)).ravel()
    cols = {0, w}
    for x in range(2, w - 2):
        if proj[x] <= proj[x - 1] and proj[x] <= proj[x + 1] and proj[x] < 0.6 * proj.max():
            cols.add(x)
    step = max(2, int(0.12 * height))
    cols |= set(range(step, w - step // 2, step))
    cols = sorted(cols)
    # Merge columns closer than a few pixels (they would give near-identical crops).
    merged = [cols[0]]
    for x in cols[1:]:
        if x - merged[-1] >= max(2, int(0.04 * height)) or x == w:
            merged.append(x)
    lo, hi = 0.2 * height, 1.2 * height
    if w > (max_digits + 0.5) * hi:
        return []
    return [(a, b) for i, a in enumerate(merged) for b in merged[i + 1:] if lo <= b - a <= hi]
