"""Geometry for the default OCR engine: line crops, CTC decoding with character positions,
and word boxes fitted to the ink.

Everything here is plain numpy/OpenCV so it can be tested without a model.

Coordinates: a line crop is the detector's quadrilateral warped to an upright rectangle
`height` pixels high (the recogniser's input height). `Crop.to_image` maps crop pixels back
to the original image, so a word box found in the crop becomes a quadrilateral on the page.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np

# --------------------------------------------------------------------------------------------
# Line crops


@dataclass
class Crop:
    image: np.ndarray  # (h, w, 3) uint8, upright text
    inverse: np.ndarray  # 3x3: crop (x, y, 1) -> image
    vertical: bool = False  # the detector's box was taller than wide: rotated 90 degrees
    flipped: bool = False  # turned 180 degrees after the orientation classifier
    scale: float = 1.0  # crop pixels per image pixel

    def flip(self) -> None:
        h, w = self.image.shape[:2]
        self.image = np.ascontiguousarray(self.image[::-1, ::-1])
        # new (x, y) = (w - x, h - y) of the old crop
        rot = np.array([[-1.0, 0.0, w], [0.0, -1.0, h], [0.0, 0.0, 1.0]])
        self.inverse = self.inverse @ rot
        self.flipped = not self.flipped

    def to_image(self, points: np.ndarray) -> np.ndarray:
        pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        homo = np.hstack([pts, np.ones((len(pts), 1))]) @ self.inverse.T
        return homo[:, :2] / homo[:, 2:3]


def quad_size(quad: np.ndarray) -> tuple[float, float]:
    q = np.asarray(quad, dtype=np.float64)
    width = max(np.linalg.norm(q[0] - q[1]), np.linalg.norm(q[3] - q[2]))
    height = max(np.linalg.norm(q[0] - q[3]), np.linalg.norm(q[1] - q[2]))
    return float(width), float(height)


def crop_line(image: np.ndarray, quad: np.ndarray, height: int = 48,
              vertical_ratio: float = 1.5, max_width: int = 4096) -> Crop:
    """Warp `quad` (clockwise from top-left, image pixels) to an upright crop `height` high.

    Boxes at least `vertical_ratio` times taller than wide are read as vertical text: the crop
    is turned 90 degrees counter-clockwise (as PaddleOCR does), the classifier may flip it.
    One interpolation from the original pixels (cubic), whatever the scale.
    """
    q = np.asarray(quad, dtype=np.float32).reshape(4, 2)
    w, h = quad_size(q)
    vertical = h >= vertical_ratio * w and h > 0
    if vertical:
        q = np.roll(q, -1, axis=0)  # top-right becomes the crop's top-left
        w, h = h, w
    h = max(h, 1.0)
    scale = height / h
    out_w = int(min(max(round(w * scale), 1), max_width))
    dst = np.array([[0, 0], [out_w, 0], [out_w, height], [0, height]], dtype=np.float32)
    forward = cv2.getPerspectiveTransform(q, dst)
    interp = cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA
    if interp == cv2.INTER_AREA:  # warpPerspective has no AREA: linear on a pre-shrunk copy
        interp = cv2.INTER_LINEAR
    img = cv2.warpPerspective(image, forward, (out_w, height), flags=interp,
                              borderMode=cv2.BORDER_REPLICATE)
    return Crop(image=img, inverse=np.linalg.inv(forward), vertical=vertical, scale=scale)


# --------------------------------------------------------------------------------------------
# CTC decoding with positions


@dataclass
class Char:
    text: str
    frame: int  # the CTC frame where the character was emitted
    prob: float


@dataclass
class Decoded:
    chars: list[Char] = field(default_factory=list)
    frames: int = 0  # frames that cover the crop (the rest is batch padding)

    @property
    def text(self) -> str:
        return "".join(c.text for c in self.chars)

    @property
    def score(self) -> float:
        return float(np.mean([c.prob for c in self.chars])) if self.chars else 0.0


def ctc_decode(probs: np.ndarray, alphabet: list[str], frames: int) -> Decoded:
    """Greedy CTC over (T, C) probabilities; class 0 is the blank; alphabet[i] is class i."""
    probs = probs[:frames] if frames else probs
    idx = probs.argmax(axis=1)
    best = probs[np.arange(len(idx)), idx]
    keep = idx != 0
    keep[1:] &= idx[1:] != idx[:-1]
    chars = [Char(alphabet[i], int(t), float(best[t])) for t, i in zip(np.nonzero(keep)[0], idx[keep])]
    return Decoded(chars=chars, frames=int(len(idx)))


def soft_spaces(decoded: Decoded, probs: np.ndarray, space: int, threshold: float) -> Decoded:
    """A space between two characters wherever the recogniser gave a space at least `threshold`
    probability on a frame between them, though not the most: on tight print it runs words
    together ("ACCEPTANCEINTRO") while still hearing the gap. Never after a decimal point or a
    thousands separator ("$3,015.00"): that number read in two would be said wrong. (Between
    digits it may: phone numbers on signs are printed in groups, "6 198 727".)"""
    chars = decoded.chars
    out: list[Char] = []
    for k, (a, b) in enumerate(zip(chars, chars[1:])):
        out.append(a)
        if a.text.isspace() or b.text.isspace() or b.frame - a.frame < 2:
            continue
        if b.text.isdigit() and a.text in ".," and k and chars[k - 1].text.isdigit():
            continue
        between = probs[a.frame + 1:b.frame, space]
        t = int(between.argmax())
        if between[t] >= threshold:
            out.append(Char(" ", a.frame + 1 + t, float(between[t])))
    out.extend(chars[-1:])
    return Decoded(chars=out, frames=decoded.frames)


def unsure_runs(decoded: Decoded, sure: float, allowed: frozenset[str] | set[str],
                whole: float = 0.5, short: int = 0, listed=None, listed_sure: float = 1.0,
                listed_mean: float = 0.0) -> list[tuple[int, int]]:
    """Frame ranges [lo, hi) of a reading to read again: its whitespace tokens with a character
    under `sure` or not in `allowed`, neighbours merged, each cut halfway (in frames) to the
    characters read surely beside it, or the line's ends. All of it, [(0, frames)], when fewer
    than `short` characters were read or the unsure ranges cover more than `whole` of the frames.
    A token `listed(text)` knows is sure when its letters are at least `listed_sure` (its other
    characters still `sure`) and their mean `listed_mean` (a word kept is one that is spoken)."""
    chars = decoded.chars
    if sum(not c.text.isspace() for c in chars) < max(1, short):
        return [(0, decoded.frames)]
    tokens, cur = [], []
    for k, ch in enumerate(chars):
        if ch.text.isspace():
            if cur:
                tokens.append(cur)
            cur = []
        else:
            cur.append(k)
    if cur:
        tokens.append(cur)
    runs: list[list[int]] = []  # [first char index, last char index] of unsure tokens, merged
    for k, tok in enumerate(tokens):
        if any(chars[j].text not in allowed for j in tok) or any(chars[j].prob < sure for j in tok) and not (
                listed is not None
                and all(chars[j].prob >= (listed_sure if chars[j].text.isalpha() else sure) for j in tok)
                and sum(chars[j].prob for j in tok) >= listed_mean * len(tok)
                and listed("".join(chars[j].text for j in tok))):
            if runs and runs[-1][2] == k - 1:
                runs[-1][1:] = [tok[-1], k]
            else:
                runs.append([tok[0], tok[-1], k])
    out = []
    for first, last, _ in runs:
        before = [j for j in range(first) if not chars[j].text.isspace()]
        after = [j for j in range(last + 1, len(chars)) if not chars[j].text.isspace()]
        lo = (chars[before[-1]].frame + chars[first].frame + 1) // 2 if before else 0
        hi = (chars[last].frame + chars[after[0]].frame + 1) // 2 if after else decoded.frames
        out.append((lo, max(hi, lo + 1)))
    if sum(hi - lo for lo, hi in out) > whole * decoded.frames:
        return [(0, decoded.frames)]
    return out


def splice(decoded: Decoded, lo: int, hi: int, part: Decoded) -> Decoded:
    """`decoded` with its characters of frames [lo, hi) replaced by `part`'s (a reading of that
    stretch alone: its frames shifted by `lo`, its outer spaces dropped), a space kept between
    it and characters of its own words on either side."""
    inner = [Char(c.text, c.frame + lo, c.prob) for c in part.chars]
    while inner and inner[0].text.isspace():
        inner.pop(0)
    while inner and inner[-1].text.isspace():
        inner.pop()
    head = [c for c in decoded.chars if c.frame < lo]
    tail = [c for c in decoded.chars if c.frame >= hi]
    if inner and head and not head[-1].text.isspace():
        head.append(Char(" ", lo, 1.0))
    if tail and not tail[0].text.isspace() and (inner or head) and not (inner or head)[-1].text.isspace():
        tail.insert(0, Char(" ", max(lo, hi - 1), 1.0))
    return Decoded(chars=head + inner + tail, frames=decoded.frames)


# --------------------------------------------------------------------------------------------
# Words


@dataclass
class WordSpan:
    chars: list[Char]

    @property
    def text(self) -> str:
        return "".join(c.text for c in self.chars)

    @property
    def first(self) -> int:  # frame of the first character
        return self.chars[0].frame

    @property
    def last(self) -> int:  # frame of the last character
        return self.chars[-1].frame

    @property
    def prob(self) -> float:
        return float(np.mean([c.prob for c in self.chars]))


def split_words(decoded: Decoded) -> list[WordSpan]:
    """Words are what the recogniser separates with spaces (its own and soft spaces):
    whitespace tokens, punctuation attached ("To:", "9/24/2012", "Market-Weight")."""
    words: list[WordSpan] = []
    cur: list[Char] = []
    for ch in decoded.chars:
        if ch.text.isspace():
            if cur:
                words.append(WordSpan(cur))
            cur = []
        else:
            cur.append(ch)
    if cur:
        words.append(WordSpan(cur))
    return words


def ink_mask(gray: np.ndarray) -> np.ndarray:
    """Text pixels of an upright line crop: Otsu, the minority class is ink; long rules and
    box borders (form lines, underlines) are removed."""
    h, w = gray.shape
    _, bw = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    ink = bw == 0
    # Polarity from the crop's border: the background dominates the frame of a text crop.
    border = np.concatenate([ink[0], ink[-1], ink[:, 0], ink[:, -1]])
    if border.mean() > 0.5:
        ink = ~ink
    mask = ink.astype(np.uint8)
    # Horizontal rules (underlines, form lines, shaded bars): runs longer than 1.5 crop heights.
    run = max(int(1.5 * h), 15)
    if w > run:
        rules = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (run, 1)))
        mask &= 1 - rules
    return mask


def _components(mask: np.ndarray):
    _, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    return stats[1:]  # x, y, w, h, area per component; 0 is the background


def _clusters(xs0: np.ndarray, xs1: np.ndarray) -> list[tuple[float, float, list[int]]]:
    """Merge components that overlap horizontally (an i and its dot, a broken stroke)."""
    order = np.argsort(xs0)
    out: list[tuple[float, float, list[int]]] = []
    for i in order:
        if out and xs0[i] < out[-1][1]:
            a, b, members = out[-1]
            out[-1] = (a, max(b, float(xs1[i])), members + [int(i)])
        else:
            out.append((float(xs0[i]), float(xs1[i]), [int(i)]))
    return out


def fit_words(crop: np.ndarray, words: list[WordSpan], step: float, min_area: int = 4,
              pad: float = 0.0, split_gap: float = 0.0, reach: float = 0.0,
              clip: bool = False, recheck: bool = False) -> list[tuple[WordSpan, tuple[float, float, float, float]]]:
    """Crop-pixel boxes (x0, y0, x1, y1) for the words of one line crop.

    Each word owns the stretch of the crop between the midpoints to its neighbours' characters
    (`step`: crop pixels per CTC frame); its box is the union of the ink components whose
    centre falls there and that cross the line's central band, so neighbouring lines'
    ascenders and descenders caught in the crop's margin, and form rules, are left out.

    `split_gap` > 0: a blank stretch inside a word at least `split_gap` times the line's
    median glyph height splits it (the recogniser sometimes drops a space), when characters
    fall on both sides.

    `pad` (crop pixels) is added on every side: binarising an upscaled crop thins the soft
    edges of strokes, and annotators' boxes leave a pixel or two of margin.

    Two guards against ink that is not the word's (a check box or logo beside it, letters
    touching across a space):
    `reach` > 0: the first and last words own at most this many glyph heights beyond their
    outer characters (not up to the crop's ends: a logo or a check box before the first word
    stays out); `clip`: ink that runs across into a neighbour's stretch (letters touching
    across the space) counts for each word only within its own stretch, and for both words
    when a substantial part of it (0.6 glyph heights) lies in each.

    `recheck` (photos): one threshold for the whole crop fails a word on a panel of another
    colour or in faint print beside strong print (its box is a sliver of a letter's counter or a
    frame's edge). A box narrower than `MIN_WIDTH` of the word's characters' extent or lower than
    `MIN_HEIGHT` of the line's median glyph is fitted again on the word's own stretch,
    binarised alone; failing that, it is the characters' extent, the crop's height.
    """
    h, w = crop.shape[:2]
    if not words:
        return []
    gray = crop if crop.ndim == 2 else cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    stats = _components(ink_mask(gray))
    x, y, cw, ch, area = (stats[:, i].astype(np.float64) for i in range(5))
    cx = x + cw / 2.0
    # A component belongs to the line when it crosses the central band, is not a crop-high
    # vertical rule (a table border), and is not a speck.
    keep = (y < 0.7 * h) & (y + ch > 0.3 * h) & (area >= min_area) & ~((ch >= 0.92 * h) & (cw <= 0.12 * h))
    glyph_h = float(np.median(ch[keep])) if keep.any() else float(h)

    spans = [((wd.first + 0.5) * step, (wd.last + 0.5) * step) for wd in words]
    pieces: list[tuple[WordSpan, np.ndarray | None, float, float]] = []
    for k, (word, (a, b)) in enumerate(zip(words, spans)):
        left = 0.0 if k == 0 else (spans[k - 1][1] + a) / 2.0
        right = float(w) if k == len(words) - 1 else (b + spans[k + 1][0]) / 2.0
        if reach > 0:
            left, right = max(left, a - reach * glyph_h), min(right, b + reach * glyph_h)
        inside = (cx >= left) & (cx < right)
        if clip:  # a large share of a component spanning the boundary counts here too
            inside |= (np.minimum(x + cw, right) - np.maximum(x, left)) >= 0.6 * glyph_h
        sel = np.nonzero(keep & inside)[0]
        if not len(sel):
            pieces.append((word, None, left, right))
            continue
        parts = [(word, sel)]
        if split_gap > 0 and len(word.chars) > 1:
            parts = _split_at_gaps(word, sel, x, cw, step, split_gap * glyph_h)
        pieces.extend((wd, sl, left, right) for wd, sl in parts)

    out = []
    for word, sel, left, right in pieces:
        if sel is None:  # no ink found: the CTC span, full crop height
            x0, x1 = _ctc_extent(word, step, w)
            y0, y1 = 0.0, float(h)
        else:
            x0, x1 = float(x[sel].min()), float((x[sel] + cw[sel]).max())
            y0, y1 = float(y[sel].min()), float((y[sel] + ch[sel]).max())
            if clip:
                x0, x1 = max(x0, left), min(x1, right)
                if x1 <= x0:
                    x0, x1 = _ctc_extent(word, step, w)
        if recheck and not _plausible(word, (x0, y0, x1, y1), step, w, glyph_h):
            x0, y0, x1, y1 = _refit(gray, word, left, right, step, glyph_h, min_area)
        if pad:
            x0, y0, x1, y1 = max(0.0, x0 - pad), y0 - pad, min(float(w), x1 + pad), y1 + pad
        out.append((word, (x0, y0, x1, y1)))
    return out


MIN_WIDTH = 0.5  # recheck: a word's ink box is at least this share of its characters' extent...
MIN_HEIGHT = 0.4  # ...and at least this share of its line's median glyph height


def _plausible(word: WordSpan, box, step: float, crop_w: int, glyph_h: float) -> bool:
    x0, y0, x1, y1 = box
    a, b = _ctc_extent(word, step, crop_w)
    return x1 - x0 >= MIN_WIDTH * (b - a) and y1 - y0 >= MIN_HEIGHT * glyph_h


def _refit(gray: np.ndarray, word: WordSpan, left: float, right: float, step: float, glyph_h: float,
           min_area: int) -> tuple[float, float, float, float]:
    """A word's box from its own stretch of the crop binarised alone (polarity from the
    stretch's top and bottom rows: its sides cut through letters), else its CTC extent."""
    h, w = gray.shape
    lo, hi = int(max(0.0, left)), int(min(float(w), right))
    if hi - lo >= 2:
        _, bw = cv2.threshold(np.ascontiguousarray(gray[:, lo:hi]), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        ink = bw == 0
        if np.concatenate([ink[0], ink[-1]]).mean() > 0.5:
            ink = ~ink
        stats = _components(ink.astype(np.uint8))
        x, y, cw, ch, area = (stats[:, i].astype(np.float64) for i in range(5))
        keep = (y < 0.7 * h) & (y + ch > 0.3 * h) & (area >= min_area) & ~((ch >= 0.92 * h) & (cw <= 0.12 * h))
        if keep.any():
            box = (float(x[keep].min()) + lo, float(y[keep].min()),
                   float((x[keep] + cw[keep]).max()) + lo, float((y[keep] + ch[keep]).max()))
            if _plausible(word, box, step, w, glyph_h):
                return box
    x0, x1 = _ctc_extent(word, step, w)
    return x0, 0.0, x1, float(h)


def _split_at_gaps(word: WordSpan, sel: np.ndarray, x: np.ndarray, cw: np.ndarray, step: float,
                   min_gap: float) -> list[tuple[WordSpan, np.ndarray]]:
    clusters = _clusters(x[sel], x[sel] + cw[sel])
    cuts = [(clusters[i][1] + clusters[i + 1][0]) / 2.0 for i in range(len(clusters) - 1)
            if clusters[i + 1][0] - clusters[i][1] >= min_gap]
    if not cuts:
        return [(word, sel)]
    pos = np.array([(c.frame + 0.5) * step for c in word.chars])
    out = []
    bounds = [-np.inf, *cuts, np.inf]
    comp_cx = x[sel] + cw[sel] / 2.0
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        chars = [c for c, p in zip(word.chars, pos) if lo <= p < hi]
        comps = sel[(comp_cx >= lo) & (comp_cx < hi)]
        if chars and len(comps):
            out.append((WordSpan(chars), comps))
        elif chars and out:  # characters without ink of their own: keep with the previous piece
            prev, pc = out[-1]
            out[-1] = (WordSpan(prev.chars + chars), pc)
        elif chars:
            out.append((WordSpan(chars), comps if len(comps) else sel))
        elif len(comps) and out:  # ink without characters: part of the previous piece
            prev, pc = out[-1]
            out[-1] = (prev, np.concatenate([pc, comps]))
    if not out:
        return [(word, sel)]
    return out


def word_boxes(crop: np.ndarray, words: list[WordSpan], step: float, min_area: int = 4,
               pad: float = 0.0) -> list[tuple[float, float, float, float]]:
    """Boxes for `words` as given (no splitting): see `fit_words`."""
    return [box for _, box in fit_words(crop, words, step, min_area=min_area, pad=pad)]


def _ctc_extent(word: WordSpan, step: float, crop_w: int) -> tuple[float, float]:
    """A word's horizontal extent from its characters' CTC frames alone (crop pixels)."""
    return max(0.0, (word.first - 0.5) * step), min(float(crop_w), (word.last + 1.5) * step)


def ctc_boxes(crop_w: int, crop_h: int, words: list[WordSpan], step: float):
    """Word boxes from character positions alone (no ink): full crop height."""
    return [(x0, 0.0, x1, float(crop_h)) for x0, x1 in (_ctc_extent(wd, step, crop_w) for wd in words)]


# --------------------------------------------------------------------------------------------
# Stops inside a line


def stroke_width(mask: np.ndarray) -> float:
    """The line's pen width in crop pixels: the median length of horizontal ink runs (rows
    across vertical strokes outnumber those along horizontal ones)."""
    edges = np.diff(np.pad(mask.astype(np.int8), ((0, 0), (1, 1))), axis=1)
    runs = np.nonzero(edges == -1)[1] - np.nonzero(edges == 1)[1]  # row-major: starts and ends pair up
    return float(np.median(runs)) if len(runs) else 0.0


def stop_ink(crop: np.ndarray, decoded: Decoded, index: int, step: float) -> float | None:
    """The ink of the stop `decoded.chars[index]` in units of a printed dot (the pen's width
    squared): the darkness (0 paper, 1 the letters' ink; grain under 0.2 counts for nothing)
    summed under the line's mid-height, over the columns between the midpoints to its
    neighbouring characters where no letter rises above mid-height. Summed, not binarised: a
    blurred stop is a faint smudge, its ink all there; by columns, so a stop fused to its
    letter's foot still counts (a letter's foot counts too: the error keeps a stop). None when
    there are no letters to measure the pen and the line's height by."""
    gray = (crop if crop.ndim == 2 else cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)).astype(np.float64)
    mask = ink_mask(gray.astype(np.uint8))
    stroke = stroke_width(mask)
    stats = _components(mask)
    h = mask.shape[0]
    tall = stats[(stats[:, 3] > 2.5 * stroke) & (stats[:, 1] < 0.7 * h) & (stats[:, 1] + stats[:, 3] > 0.3 * h)]
    if stroke <= 0 or not len(tall) or mask.all():
        return None
    fg, bg = float(np.median(gray[mask > 0])), float(np.median(gray[mask == 0]))
    if abs(bg - fg) < 1:
        return None
    top, base = float(np.median(tall[:, 1])), float(np.median(tall[:, 1] + tall[:, 3]))
    mid = int(round((top + base) / 2))
    chars = decoded.chars
    before = [c for c in chars[:index] if not c.text.isspace()]
    after = [c for c in chars[index + 1:] if not c.text.isspace()]
    me = (chars[index].frame + 0.5) * step
    left = int(max(0.0, ((before[-1].frame + 0.5) * step + me) / 2 if before else me - step))
    right = int(min(float(mask.shape[1]), ((after[0].frame + 0.5) * step + me) / 2 if after else me + step))
    if right <= left:
        return None
    upper = mask[int(max(0.0, top - stroke)):mid].any(axis=0).astype(np.uint8)  # columns a letter rises in
    fringe = max(1, round(stroke / 4))
    upper = cv2.dilate(upper[None, :], np.ones((1, 2 * fringe + 1), np.uint8))[0]
    dark = np.clip((bg - gray[mid:int(base + stroke) + 1, left:right]) / (bg - fg), 0.0, 1.0)
    dark[dark < 0.2] = 0.0
    return float(dark[:, upper[left:right] == 0].sum() / stroke ** 2)


@dataclass
class Mark:
    """The ink a stop was read from, measured against its own line's letters: a printed full
    stop is a blob about a pen wide (`size` ~1-1.8 pen widths across), of the letters' ink
    (`tone` ~1), sitting on the baseline (`foot` ~0) and low (`top` under ~0.45 of the letters'
    height above the baseline), close after its word (`gap`). A speck, a rivet or a bolt head
    beside a word, a letter's dot or a stain fails one of these."""
    size: float  # sqrt(area) of the mark's largest blob, in pen widths (0: no blob of its own)
    tone: float  # its mean darkness against the letters' (1: the same ink)
    foot: float  # (baseline - its bottom) / the letters' height: above the baseline (+) or below (-)
    top: float  # (baseline - its top) / the letters' height
    gap: float  # blank between the word's last ink and the mark / the letters' height
    fused: bool  # touches the letter before it (a scan's smudge): only `ink` can tell
    span: float = 0.0  # sqrt(area) of its blob / the letters' height


def stop_mark(crop: np.ndarray, decoded: Decoded, index: int, step: float) -> Mark | None:
    """The mark under the stop `decoded.chars[index]`: the largest blob of ink whose centre lies
    between the midpoints to the neighbouring characters and that is not a letter (it does not
    reach from below mid-height to the top of the letters). None where the line gives no pen or
    height to measure by, or the stop's ink is not a blob apart (fused to its letter)."""
    gray = (crop if crop.ndim == 2 else cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)).astype(np.float64)
    mask = ink_mask(gray.astype(np.uint8))
    stroke = stroke_width(mask)
    stats = _components(mask)
    h, w = mask.shape
    tall = stats[(stats[:, 3] > 2.5 * stroke) & (stats[:, 1] < 0.7 * h) & (stats[:, 1] + stats[:, 3] > 0.3 * h)]
    if stroke <= 0 or not len(tall) or mask.all():
        return None
    fg, bg = float(np.median(gray[mask > 0])), float(np.median(gray[mask == 0]))
    if abs(bg - fg) < 1:
        return None
    top, base = float(np.median(tall[:, 1])), float(np.median(tall[:, 1] + tall[:, 3]))
    body = max(base - top, 1.0)
    chars = decoded.chars
    before = [c for c in chars[:index] if not c.text.isspace()]
    after = [c for c in chars[index + 1:] if not c.text.isspace()]
    me = (chars[index].frame + 0.5) * step
    left = ((before[-1].frame + 0.5) * step + me) / 2 if before else me - step
    right = ((after[0].frame + 0.5) * step + me) / 2 if after else min(float(w), me + 2 * step)
    cx = stats[:, 0] + stats[:, 2] / 2.0
    letter = (stats[:, 1] < top + 0.5 * body) & (stats[:, 1] + stats[:, 3] > top + 0.5 * body) & (stats[:, 3] > 0.5 * body)
    cy = stats[:, 1] + stats[:, 3] / 2.0
    near = (cx >= left) & (cx <= right) & (cy >= top) & (cy <= base + 0.35 * body)  # on the line, not the next
    own = stats[near & ~letter]
    # The word's ink: letters whose centre lies before the stop's column band.
    word = stats[letter & (cx < left) & (cx > left - 3 * body)]
    if not len(own):
        if len(word) and (word[:, 0] + word[:, 2]).max() > left:  # the stop's column is inside a letter's ink: fused
            return Mark(0.0, 0.0, 0.0, 0.0, 0.0, fused=True)
        return Mark(0.0, 0.0, 0.0, 0.0, 0.0, fused=False)
    x, y, bw, bh, area = own[np.argmax(own[:, 4])].astype(np.float64)
    blob = mask[int(y):int(y + bh), int(x):int(x + bw)] > 0
    dark = np.clip((bg - gray[int(y):int(y + bh), int(x):int(x + bw)]) / (bg - fg), 0.0, 1.5)
    tone = float(dark[blob].mean()) if blob.any() else 0.0
    end = float((word[:, 0] + word[:, 2]).max()) if len(word) else x
    return Mark(size=math.sqrt(area) / stroke, tone=tone, foot=(base - (y + bh)) / body,
                top=(base - y) / body, gap=max(0.0, x - end) / body, fused=False, span=math.sqrt(area) / body)


STOP_PEN = 5.0  # image pixels: print whose pen is this wide shows a printed stop as a blob of ink...
STOP_INK = 0.3  # ...which holds at least this much ink (pen widths squared; printed stops: 0.6-1.1)...
STOP_INK_UNLIKELY = 0.5  # ...or this much where the words make a sentence end unlikely
# A printed stop's own blob against its line (`Mark`). 75 printed stops measured in real photos of
# signs and print (tests/data/signs and its sources, bench/README.md): size 0.38-1.83 pen widths,
# span 0.11-0.30 of the letters' height, tone >= 0.58, foot -0.23..+0.44, top <= 0.67, gap <= 0.33;
# a script letter's dot read as a stop after the word beside it: span 0.44.
STOP_MARK_PEN = 3.0  # image pixels: the mark is judged where the pen is at least this wide
STOP_SPAN = 0.38  # a blob wider than this share of the letters' height is no full stop (a bolt head, a dot)
STOP_SIZE = 0.2  # ...nor one under this many pen widths across (a speck)
STOP_TONE = 0.45  # ...nor one fainter than this against the letters' ink (a glint, a shadow)
STOP_FOOT = (-0.4, 0.5)  # ...nor one whose bottom is further than this from the baseline
STOP_TOP = 0.8  # ...or whose top rises higher above the baseline than this
STOP_GAP = 1.0  # ...or that stands further than this after its word's last ink
STOP_SURE = 0.8  # a stop-like mark this many pen widths across is printed, whatever `stop_ink` says (specks: <= 0.6)
STOP_LIKE = 1.8  # the line's other stops: a mark this many times wider (or narrower) than theirs is not one


def _no_sentence_end(chars: list[Char], index: int) -> bool:
    """The words say no sentence ends at the stop `chars[index]`: the line is all capitals
    (a sign's), or it mixes cases and the next word starts with a small letter."""
    letters = [c.text for c in chars if c.text.isalpha()]
    upper = any(ch.isupper() for ch in letters)
    lower = any(ch.islower() for ch in letters)
    after = next((c.text for c in chars[index + 1:] if not c.text.isspace()), "")
    return (upper and not lower) or (upper and lower and after[:1].islower())


def not_a_stop(mark: Mark, peers: list[Mark] | None = None) -> bool:
    """The mark is not a printed full stop: too big for one against the letters (a bolt head, a
    rivet, a letter's dot) or too small against the pen (a speck), fainter than the letters'
    ink, off the baseline, rising too high, or too far from its word; or, where the line has
    other stops (`peers`, measured alike), unlike them in size."""
    if mark.fused or mark.size <= 0:
        return False
    if (mark.span > STOP_SPAN or mark.size < STOP_SIZE or mark.tone < STOP_TONE
            or not STOP_FOOT[0] <= mark.foot <= STOP_FOOT[1] or mark.top > STOP_TOP or mark.gap > STOP_GAP):
        return True
    spans = sorted(m.span for m in peers or [] if m is not mark and not m.fused and m.size > 0)
    if spans:
        ref = spans[len(spans) // 2]
        return not ref / STOP_LIKE <= mark.span <= ref * STOP_LIKE
    return False


def _like_peers(mark: Mark, peers: list[Mark]) -> bool:
    """The mark is as wide as the line's other stop-like marks (there are some)."""
    spans = sorted(m.span for m in peers if m is not mark and not m.fused and m.size > 0)
    if not spans or mark.fused or mark.size <= 0:
        return False
    ref = spans[len(spans) // 2]
    return ref / STOP_LIKE <= mark.span <= ref * STOP_LIKE


def stray_stops(decoded: Decoded, crop: np.ndarray, step: float, scale: float, unsure: float) -> Decoded:
    """`decoded` without the stops after a word that what the image and the words say is
    against being printed: a speck or a bolt head read as a stop is spoken as a sentence end
    ("FEED THE. PIGEONS"). A stop at a word's end, inside the line or at its end, goes when
    - the pen is at least `STOP_MARK_PEN` image pixels wide and the stop's mark (`stop_mark`: a
      blob of its own beside its word) is not shaped, inked or placed as a printed stop is
      against the line's own letters, pen and other stops (`not_a_stop`); or, inside the line,
    - the print is large enough to show one (the pen `STOP_PEN` image pixels wide; on scans of
      body text a stop is a few pixels, often fused with its letter: its ink cannot be told)
      and its ink (`stop_ink`) is under `STOP_INK` of a printed one's (`STOP_INK_UNLIKELY` where
      the words make a sentence end unlikely: an all-capitals line, or a small letter next),
      unless its mark is a blob at least `STOP_SURE` pen widths across (a sign's "M. 9436...":
      ink 0.0, a blob 1.04 pen widths) or the line's other stops are marks like it (a sign's
      "DR. B.R. KAR": printed so, ink 0.34-0.36 where a drawn sign's stops measured 0.6-1.1); or
    - the recogniser read it less surely than `unsure` (what a word needs to be spoken) and
      the next word starts with a small letter in a mixed-case line.
    Ellipses and stops inside a token ("U.S", "3.5") are left alone."""
    chars = decoded.chars
    drop: set[int] = set()
    stops = [k for k, ch in enumerate(chars)
             if ch.text == "." and k > 0 and chars[k - 1].text.isalnum()
             and (k + 1 >= len(chars) or chars[k + 1].text.isspace())]
    if not stops:
        return decoded
    gray = crop if crop.ndim == 2 else cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    pen = stroke_width(ink_mask(gray)) / max(scale, 1e-6)
    # Under STOP_MARK_PEN (~100 dpi scans) a stop's blob bleeds into its paper: FUNSD's printed
    # stops measured span 0.35-0.51 at pens of 1.8-2.9 px, so there the mark is not judged.
    marks = {k: stop_mark(crop, decoded, k, step) if pen >= STOP_MARK_PEN else None for k in stops}
    peers = [m for m in marks.values() if m is not None and not not_a_stop(m)]
    for k in stops:
        ch, mark = chars[k], marks[k]
        if mark is not None and not_a_stop(mark, peers):
            drop.add(k)
            continue
        if all(c.text.isspace() for c in chars[k + 1:]):  # the line's end: the mark alone decides
            continue
        unlikely = _no_sentence_end(chars, k)
        if ch.prob < unsure and unlikely and any(c.text.islower() for c in chars):
            drop.add(k)
            continue
        if pen < STOP_PEN or (mark is not None and (mark.size >= STOP_SURE or _like_peers(mark, peers))):
            continue  # a blob a pen wide, or the line prints its stops so ("DR. B.R. KAR"): not a speck
        ink = stop_ink(crop, decoded, k, step)
        if ink is not None and ink < (STOP_INK_UNLIKELY if unlikely else STOP_INK):
            drop.add(k)
    if not drop:
        return decoded
    return Decoded(chars=[c for k, c in enumerate(chars) if k not in drop], frames=decoded.frames)
