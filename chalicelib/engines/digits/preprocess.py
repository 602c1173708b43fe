"""From any picture of handwritten digits to MNIST-style 28x28 crops (pure numpy + OpenCV).

Steps (each a function, so the training script runs the very same normalisation):

1. `ink_map`: a "how much ink is here" map, white ink on black, whatever the input. Polarity
   (dark on light or light on dark) from the picture's majority, its centre (paper on a table)
   and, when those do not settle it, its ridges; the background (paper colour, uneven light,
   shadows) is a morphological closing (opening for light ink) wider than any stroke, divided
   out so a shadow is not ink; coloured ink counts by its saturation over the paper's; digits
   drawn only in the alpha channel are read from the alpha channel.
2. `threshold`: the lines of ruled or squared paper erased (Hough, evenly spaced, crossings
   kept), regions running along the border (the table around a sheet) left out, then Otsu with
   floors from the noise and an absolute contrast (a blank page has no ink), with hysteresis.
3. `find_digits`: connected ink components; specks, frames around the number, underlines and
   margin lines dropped; pieces of one digit (a 5's flag, broken strokes) merged; digits
   grouped into lines (crooked ones too) and ordered left to right, lines top to bottom.
4. `normalize_digit`: stroke width brought into MNIST's range, slant corrected (second-order
   moments), the digit fitted into 20x20 and centred by its centre of mass in 28x28.

Splitting touching digits needs the classifier, so it lives in the engine (`cnn.py`); the
candidate column spans are computed here (`segment_spans`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

WORK_MAX = 1200  # long side of the working image (larger photos are scaled down)
WORK_MIN = 224  # small images (28x28 canvases) are scaled up so morphology has room


@dataclass
class InkMap:
    ink: np.ndarray  # float32 (h, w), 0 = background, larger = more ink, working resolution
    scale: float  # working pixels per input pixel
    noise: float  # robust noise level of the ink map
    polarity: str  # "dark-on-light", "light-on-dark" or "alpha"
    ambiguous: bool = False  # the polarity was a close call: worth reading the other way too


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


# ---------------------------------------------------------------------------------------------
# 1. Ink map


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


def _polarity(L: np.ndarray) -> tuple[str, bool]:
    """Dark ink on light ground, or light ink on dark ground?

    Paper is light far more often than not, and a photo's centre is paper. So the ink is dark
    when most of the picture is light, or its centre is; otherwise the ink is light unless its
    ridges (thin lines darker or lighter than both their sides) are mostly dark. Light ink:
    white digits on black like MNIST, chalk on a board, a white pen on dark paper.

    Also says whether the call was a close one (a light centre in a dark picture: a sheet of
    paper on a table, or a big bold light digit): the engine then reads both ways."""
    h, w = L.shape
    if float(np.median(L)) >= 128:
        return "dark-on-light", False
    centre = L[h // 4: h - h // 4, w // 4: w - w // 4]
    otsu, _ = cv2.threshold(np.ascontiguousarray(L), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    light = float(np.clip(otsu, 60, 200))  # "light" relative to this picture (shadowed paper too)
    ambiguous = float((centre >= light).mean()) > 0.6
    if ambiguous:
        # A sheet of paper in the middle of a dark table is one solid light region; a bold
        # light digit is not (strokes and holes: far less than its convex hull).
        bright = (light <= L).astype(np.uint8)
        n, labels, stats, _ = cv2.connectedComponentsWithStats(bright, connectivity=8)
        if n > 1:
            i = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
            pts = cv2.findNonZero((labels == i).astype(np.uint8))
            hull = cv2.contourArea(cv2.convexHull(pts))
            solidity = stats[i, cv2.CC_STAT_AREA] / max(hull, 1.0)
            spans = stats[i, cv2.CC_STAT_WIDTH] > 0.75 * w and stats[i, cv2.CC_STAT_HEIGHT] > 0.75 * h
            if solidity > 0.85 or (solidity > 0.7 and spans):  # (a big digit's ink makes big holes)
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
        polarity, ambiguous = _polarity(small)
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
    sat_bg = cv2.resize(sat_bg, (W, H), interpolation=cv2.INTER_LINEAR) if f < 1 else sat_bg
    chroma = np.maximum(sat - sat_bg, 0.0)
    ink = np.maximum(lum, chroma * 1.5).astype(np.float32)
    # Noise: robust spread of the fine detail (strokes are a minority of pixels), in the ink
    # map's scale.
    hp = Lf - cv2.GaussianBlur(Lf, (0, 0), 1.5)
    gain = 255.0 / max(float(np.median(bg)), 90.0) if polarity == "dark-on-light" else 255.0 / max(255.0 - float(np.median(bg)), 60.0)
    noise = max(1.4826 * float(np.median(np.abs(hp))) * gain, 1.0)
    return InkMap(ink=ink, scale=scale, noise=noise, polarity=polarity, ambiguous=ambiguous)


# ---------------------------------------------------------------------------------------------
# 2. Threshold

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


# ---------------------------------------------------------------------------------------------
# 3. Components -> digit candidates in reading order


@dataclass
class FindConfig:
    min_rel_height: float = 0.33  # a digit is at least this tall relative to the tallest
    max_candidates: int = 24  # more than this: a page of text or noise, not a number
    border_contact: float = BORDER_CONTACT  # share of the image border a component may touch
    merge_overlap: float = 0.5  # horizontal overlap (of the narrower) that merges pieces


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


def ruled_lines(mask: np.ndarray) -> np.ndarray | None:
    """The printed lines of ruled or squared paper, as a mask (or None): three or more long
    straight thin lines in one direction, each on ink across at least 60% of the picture.
    (A digit's bar is neither that long nor repeated three times.)"""
    H, W = mask.shape
    if min(H, W) < 64 or not mask.any():
        return None
    # Solid regions (a table around the paper) hold no ruled lines and would make Hough slow.
    win = max(15, min(H, W) // 15)
    dense = cv2.blur(mask.astype(np.float32), (win, win)) > 0.6
    # (and not their edges either: a table's ragged edge along the paper looks like a line)
    sparse = (mask > 0) & ~(cv2.dilate(dense.astype(np.uint8), np.ones((win, win), np.uint8)) > 0)
    if sparse.sum() < 0.3 * min(H, W):
        return None
    segs = cv2.HoughLinesP(sparse.astype(np.uint8) * 255, 1, np.pi / 360, threshold=int(0.3 * min(H, W)),
                           minLineLength=int(0.3 * min(H, W)), maxLineGap=max(4, min(H, W) // 60))
    if segs is None:
        return None
    grown = cv2.dilate(mask, np.ones((3, 3), np.uint8))
    found = {"h": [], "v": []}
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
    erase = []
    thin_of: dict[str, list] = {}
    for kind, lines in found.items():
        lines.sort(key=lambda item: item[0])
        # Bands: lines with ink between them are one band (one thick stroke gives many
        # Hough lines); a ruled line is a thin band with paper on both sides.
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
        thin = [b for b in bands if b[-1][0] - b[0][0] <= 0.015 * min(H, W) + 3]
        thin_of[kind] = thin
        if len(thin) >= 3:
            # Each band is erased along its longest segment (short ones, where digits cover
            # the line, may point a little off). Ruled lines are evenly spaced: the ones Hough
            # missed are probed for between and beyond, along the nearest band's direction
            # (in a photo the lines converge a little), at the offset where they lie on ink.
            longest = [max(b, key=lambda it: np.hypot(it[1][2] - it[1][0], it[1][3] - it[1][1])) for b in thin]
            centres = np.array([it[0] for it in longest])
            step = float(np.median(np.diff(centres)))
            limit = H if kind == "h" else W
            targets = [(c, 1.5) for c in centres]
            if step > 6:
                base = centres[len(centres) // 2]
                for n in range(-int(limit / step) - 1, int(limit / step) + 2):
                    t = base + n * step
                    if 0 <= t < limit and min(abs(t - c) for c in centres) > 0.3 * step:
                        targets.append((t, 0.25 * step))
            for target, reach in targets:
                ref_pos, ref, _ = longest[int(np.argmin(np.abs(centres - target)))]
                x1, y1, x2, y2 = ref
                best_seg, best_cov = None, 0.6
                for dd in np.arange(-reach, reach + 0.5, 0.5 if reach < 3 else 1.0):
                    d = target + dd - ref_pos
                    shift = (0, d) if kind == "h" else (d, 0)
                    seg = (x1 + shift[0], y1 + shift[1], x2 + shift[0], y2 + shift[1])
                    cov = _coverage(grown, *seg)[1]
                    if cov > best_cov:
                        best_seg, best_cov = seg, cov
                if best_seg is not None:
                    erase.append(tuple(int(round(v)) for v in best_seg))
    # On ruled paper, a lone long line the other way is its margin line.
    for kind, other in (("h", "v"), ("v", "h")):
        if len(thin_of.get(other, [])) >= 3 and 1 <= len(thin_of.get(kind, [])) < 3:
            erase += [seg for b in thin_of[kind] for _, seg, _ in b]
    if not erase:
        return None
    erase_segs = erase
    lines = np.zeros_like(mask)
    for x1, y1, x2, y2 in erase:
        # Extend across the picture: Hough segments stop where strokes cross them.
        dx, dy = float(x2 - x1), float(y2 - y1)
        t = 2.0 * max(H, W) / max(abs(dx), abs(dy), 1.0)
        cv2.line(lines, (int(x1 - dx * t), int(y1 - dy * t)), (int(x2 + dx * t), int(y2 + dy * t)), 1, 1)
    # As thick as the ruled lines are: grow the 1-px lines while they stay on ink; not over
    # solid regions (a table the lines run into).
    thick = lines & mask
    k = np.ones((3, 3), np.uint8)
    for _ in range(max(2, min(H, W) // 250)):
        thick = (cv2.dilate(thick, k) & mask) | thick
    erase = (cv2.dilate(thick, k) > 0) & ~dense
    # Where a stroke crosses a line, keep the crossing: ink on both sides of the line, across it.
    # (Ink right beside the erased band may be the line's own fringe: look beyond it.)
    rest = (mask > 0) & ~(cv2.dilate(erase.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0)
    span = 2 * max(2, min(H, W) // 250) + 11
    across = np.zeros_like(rest)
    if any(abs(y2 - y1) <= 0.3 * abs(x2 - x1) for x1, y1, x2, y2 in erase_segs):
        across |= cv2.morphologyEx(rest.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((span, 1), np.uint8)) > 0
    if any(abs(x2 - x1) <= 0.3 * abs(y2 - y1) for x1, y1, x2, y2 in erase_segs):
        across |= cv2.morphologyEx(rest.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((1, span), np.uint8)) > 0
    return erase & ~across


def find_digits(mask: np.ndarray, cfg: FindConfig = FindConfig()) -> list[Candidate]:
    H, W = mask.shape
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if n <= 1:
        return []
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
    if not comps:
        return []
    # Drop specks relative to the largest components.
    big = max(c[4] for c in comps)
    comps = [c for c in comps if c[4] >= 0.04 * big or (c[3] - c[1]) >= 0.3 * max(cc[3] - cc[1] for cc in comps)]

    # A frame drawn around the number (it encloses other blobs and is mostly empty inside),
    # and underlines or dashes (long and flat): not digits.
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
    if not comps:
        return []

    # Merge pieces stacked above each other (a 5's flag, broken strokes).
    comps.sort(key=lambda c: c[0])
    merged = True
    while merged:
        merged = False
        for a in range(len(comps)):
            for b in range(a + 1, len(comps)):
                A, B = comps[a], comps[b]
                ov = min(A[2], B[2]) - max(A[0], B[0])
                narrow = min(A[2] - A[0], B[2] - B[0])
                if ov <= 0 or ov < cfg.merge_overlap * narrow:
                    continue
                # Only merge when vertically close (same line): gap under the taller height.
                gap = max(A[1], B[1]) - min(A[3], B[3])
                if gap > 0.6 * max(A[3] - A[1], B[3] - B[1]):
                    continue
                comps[a] = [min(A[0], B[0]), min(A[1], B[1]), max(A[2], B[2]), max(A[3], B[3]),
                            A[4] + B[4], A[5] + B[5]]
                del comps[b]
                merged = True
                break
            if merged:
                break

    # Small pieces (a 5's detached flag, a broken stroke) join the digit they overlap most
    # in x, when close to it vertically.
    tallest = max(c[3] - c[1] for c in comps)
    small = [c for c in comps if (c[3] - c[1]) < 0.45 * tallest]
    big = [c for c in comps if (c[3] - c[1]) >= 0.45 * tallest]
    for c in small:
        best, best_ov = None, 0.0
        for b in big:
            ov = (min(b[2], c[2]) - max(b[0], c[0])) / max(1, c[2] - c[0])
            gap = max(b[1], c[1]) - min(b[3], c[3])
            if ov > best_ov and gap < 0.35 * (b[3] - b[1]):
                best, best_ov = b, ov
        if best is None or best_ov < 0.25:
            # No digit above or below it: the nearest one beside it, when it sits within that
            # digit's height and close to it (a flag drawn apart from the body of a 5).
            cy = (c[1] + c[3]) / 2
            near, near_gap = None, 1e9
            for b in big:
                gx = max(b[0] - c[2], c[0] - b[2], 0)
                if b[1] <= cy <= b[3] and gx < near_gap:
                    near, near_gap = b, gx
            if near is not None and near_gap < 0.2 * (near[3] - near[1]):
                best, best_ov = near, 1.0
        if best is not None and best_ov >= 0.25:
            best[:] = [min(best[0], c[0]), min(best[1], c[1]), max(best[2], c[2]), max(best[3], c[3]),
                       best[4] + c[4], best[5] + c[5]]
        else:
            big.append(c)
    comps = big
    comps = [c for c in comps if (c[3] - c[1]) >= cfg.min_rel_height * tallest]
    if len(comps) > cfg.max_candidates:
        return []

    # Lines, left to right: a blob joins the line whose rightmost member it overlaps most in
    # height (so a crooked line of digits stays one line); lines then go top to bottom.
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


# ---------------------------------------------------------------------------------------------
# 4. MNIST normalisation

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
