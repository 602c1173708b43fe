"""2a. The printed lines of ruled or squared paper (Hough, evenly spaced, crossings kept), to erase before the threshold."""
from __future__ import annotations

import cv2
import numpy as np


def ruled_lines(mask: np.ndarray) -> np.ndarray | None:
    """The printed lines of ruled or squared paper, as a mask (or None): three or more long
    straight thin lines in one direction, each on ink across at least 60% of the picture.
    (A digit's bar is neither that long nor repeated three times.)"""
    H, W = mask.shape
    if min(H, W) < 64 or not mask.any():
        return None
    dense, sparse = _solid_and_sparse(mask)
    if sparse.sum() < 0.3 * min(H, W):
        return None
    segs = cv2.HoughLinesP(sparse.astype(np.uint8) * 255, 1, np.pi / 360, threshold=int(0.3 * min(H, W)),
                           minLineLength=int(0.3 * min(H, W)), maxLineGap=max(4, min(H, W) // 60))
    if segs is None:
        return None
    grown = cv2.dilate(mask, np.ones((3, 3), np.uint8))
    thin_of = {kind: _thin_bands(_bands(kind, lines, grown), min(H, W))
               for kind, lines in _long_lines(segs, grown).items()}
    erase = [seg for kind, thin in thin_of.items() if len(thin) >= 3
             for seg in _ruled_segments(kind, thin, grown)]
    erase += _margin_lines(thin_of)
    if not erase:
        return None
    band = _line_band(erase, mask, dense)
    return band & ~_crossings(mask, band, erase)


def _solid_and_sparse(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Solid regions (a table around the paper) hold no ruled lines and would make Hough slow;
    the sparse ink is the rest, without the solid regions' edges either (a table's ragged edge
    along the paper looks like a line)."""
    H, W = mask.shape
    win = max(15, min(H, W) // 15)
    dense = cv2.blur(mask.astype(np.float32), (win, win)) > 0.6
    sparse = (mask > 0) & ~(cv2.dilate(dense.astype(np.uint8), np.ones((win, win), np.uint8)) > 0)
    return dense, sparse


def _long_lines(segs, grown: np.ndarray) -> dict[str, list]:
    """Hough's near-horizontal ("h") and near-vertical ("v") segments whose line lies on ink
    across 60% of the picture: (position, segment, coverage) each."""
    found: dict[str, list] = {"h": [], "v": []}
    for x1, y1, x2, y2 in np.asarray(segs).reshape(-1, 4).tolist():
        dx, dy = x2 - x1, y2 - y1
        if abs(dy) <= 0.3 * abs(dx):
            kind = "h"
        elif abs(dx) <= 0.3 * abs(dy):
            kind = "v"
        else:
            continue
        pos, cov = _coverage(grown, x1, y1, x2, y2)
        if cov >= 0.6:
            found[kind].append((pos, (x1, y1, x2, y2), cov))
    return found


def _bands(kind: str, lines: list, grown: np.ndarray) -> list[list]:
    """Lines with ink between them are one band (one thick stroke gives many Hough lines);
    a ruled line is a thin band with paper on both sides."""
    lines.sort(key=lambda item: item[0])
    bands: list[list] = []
    for pos, seg, cov in lines:
        if bands:
            last_pos, last_seg, last_cov = bands[-1][-1]
            x1, y1, x2, y2 = seg
            # One thick band is ink all the way between; two ruled lines have paper
            # between them (perhaps a third line in the middle, or digits).
            between = 1.0
            for q in (0.25, 0.5, 0.75):
                d = (pos - last_pos) * q
                shift = (0, -d) if kind == "h" else (-d, 0)
                between = min(between, _coverage(grown, x1 + shift[0], y1 + shift[1],
                                                 x2 + shift[0], y2 + shift[1])[1])
            if between >= 0.8 * min(cov, last_cov):
                bands[-1].append((pos, seg, cov))
                continue
        bands.append([(pos, seg, cov)])
    return bands


def _thin_bands(bands: list[list], short_side: int) -> list[list]:
    return [b for b in bands if b[-1][0] - b[0][0] <= 0.015 * short_side + 3]


def _ruled_segments(kind: str, thin: list[list], grown: np.ndarray) -> list[tuple]:
    """Each band is erased along its longest segment (short ones, where digits cover the line,
    may point a little off). Ruled lines are evenly spaced: the ones Hough missed are probed
    for between and beyond, along the nearest band's direction (in a photo the lines converge
    a little), at the offset where they lie on ink."""
    longest = [max(b, key=lambda it: np.hypot(it[1][2] - it[1][0], it[1][3] - it[1][1])) for b in thin]
    centres = np.array([it[0] for it in longest])
    step = float(np.median(np.diff(centres)))
    limit = grown.shape[0] if kind == "h" else grown.shape[1]
    targets = [(c, 1.5) for c in centres]
    if step > 6:
        base = centres[len(centres) // 2]
        for n in range(-int(limit / step) - 1, int(limit / step) + 2):
            t = base + n * step
            if 0 <= t < limit and min(abs(t - c) for c in centres) > 0.3 * step:
                targets.append((t, 0.25 * step))
    erase = []
    for target, reach in targets:
        nearest = longest[int(np.argmin(np.abs(centres - target)))]
        best_seg = _best_offset(kind, nearest, target, reach, grown)
        if best_seg is not None:
            erase.append(tuple(int(round(v)) for v in best_seg))
    return erase


def _best_offset(kind: str, nearest: tuple, target: float, reach: float, grown: np.ndarray) -> tuple | None:
    """The nearest band's segment moved to `target`, give or take `reach`, where it lies most
    on ink (at least 60%)."""
    ref_pos, (x1, y1, x2, y2), _ = nearest
    best_seg, best_cov = None, 0.6
    for dd in np.arange(-reach, reach + 0.5, 0.5 if reach < 3 else 1.0):
        d = target + dd - ref_pos
        shift = (0, d) if kind == "h" else (d, 0)
        seg = (x1 + shift[0], y1 + shift[1], x2 + shift[0], y2 + shift[1])
        cov = _coverage(grown, *seg)[1]
        if cov > best_cov:
            best_seg, best_cov = seg, cov
    return best_seg


def _margin_lines(thin_of: dict[str, list]) -> list[tuple]:
    """On ruled paper, a lone long line the other way is its margin line."""
    erase = []
    for kind, other in (("h", "v"), ("v", "h")):
        if len(thin_of.get(other, [])) >= 3 and 1 <= len(thin_of.get(kind, [])) < 3:
            erase += [seg for b in thin_of[kind] for _, seg, _ in b]
    return erase


def _line_band(segs: list[tuple], mask: np.ndarray, dense: np.ndarray) -> np.ndarray:
    """The segments extended across the picture (Hough segments stop where strokes cross
    them), as thick as the ruled lines are: the 1-px lines grown while they stay on ink;
    not over solid regions (a table the lines run into)."""
    H, W = mask.shape
    lines = np.zeros_like(mask)
    for x1, y1, x2, y2 in segs:
        dx, dy = float(x2 - x1), float(y2 - y1)
        t = 2.0 * max(H, W) / max(abs(dx), abs(dy), 1.0)
        cv2.line(lines, (int(x1 - dx * t), int(y1 - dy * t)), (int(x2 + dx * t), int(y2 + dy * t)), 1, 1)
    thick = lines & mask
    k = np.ones((3, 3), np.uint8)
    for _ in range(max(2, min(H, W) // 250)):
        thick = (cv2.dilate(thick, k) & mask) | thick
    return (cv2.dilate(thick, k) > 0) & ~dense


def _crossings(mask: np.ndarray, band: np.ndarray, segs: list[tuple]) -> np.ndarray:
    """Where a stroke crosses a line: ink on both sides of the line, across it. (Ink right
    beside the erased band may be the line's own fringe: look beyond it.)"""
    H, W = mask.shape
    rest = (mask > 0) & ~(cv2.dilate(band.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0)
    span = 2 * max(2, min(H, W) // 250) + 11
    across = np.zeros_like(rest)
    if any(abs(y2 - y1) <= 0.3 * abs(x2 - x1) for x1, y1, x2, y2 in segs):
        across |= cv2.morphologyEx(rest.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((span, 1), np.uint8)) > 0
    if any(abs(x2 - x1) <= 0.3 * abs(y2 - y1) for x1, y1, x2, y2 in segs):
        across |= cv2.morphologyEx(rest.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((1, span), np.uint8)) > 0
    return across


def _coverage(mask: np.ndarray, x1, y1, x2, y2) -> tuple[float, float]:
    """The line through the segment, across the picture: its position at the picture's
    centre, and the share of its length that lies on `mask` (ink grown by 1 px)."""
    H, W = mask.shape
    dx, dy = float(x2 - x1), float(y2 - y1)
    horizontal = abs(dx) >= abs(dy)
    n = W if horizontal else H
    t = np.arange(n, dtype=np.float32)
    if horizontal:
        xs, ys = t, y1 + (t - x1) * dy / dx
    else:
        ys, xs = t, x1 + (t - y1) * dx / dy
    ok = (ys >= 1) & (ys < H - 1) & (xs >= 1) & (xs < W - 1)
    if ok.sum() < 0.5 * n:
        return 0.0, 0.0
    xi, yi = xs[ok].astype(int), ys[ok].astype(int)
    on = mask[yi, xi] > 0  # mask: already grown by 1 px
    pos = float(np.interp(W / 2 if horizontal else H / 2, t, ys if horizontal else xs))
    return pos, float(on.sum()) / n
