"""Geometry for the default OCR engine: line crops, CTC decoding with character positions,
and word boxes fitted to the ink.

Everything here is plain numpy/OpenCV so it can be tested without a model.

Coordinates: a line crop is the detector's quadrilateral warped to an upright rectangle
`height` pixels high (the recogniser's input height). `Crop.to_image` maps crop pixels back
to the original image, so a word box found in the crop becomes a quadrilateral on the page.
"""
from __future__ import annotations

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
