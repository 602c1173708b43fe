"""Stops after words in a line the recogniser read (issues 55 and 76): a full stop OCR read from
a speck, a bolt head or a letter's dot is dropped where the mark itself, its ink and the words
around it say it is no sentence end (`stray_stops`, called by rapid.py for each line)."""
from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from chalicelib.engines.ocr.postprocess import Char, Decoded, _components, ink_mask


def stroke_width(mask: np.ndarray) -> float:
    """The line's pen width in crop pixels: the median length of horizontal ink runs (rows
    across vertical strokes outnumber those along horizontal ones)."""
    edges = np.diff(np.pad(mask.astype(np.int8), ((0, 0), (1, 1))), axis=1)
    runs = np.nonzero(edges == -1)[1] - np.nonzero(edges == 1)[1]  # row-major: starts and ends pair up
    return float(np.median(runs)) if len(runs) else 0.0


def measure_line(crop: np.ndarray):
    """A line crop's gray levels, ink mask, pen width, ink blobs, the letters' ink and paper
    levels, and their top and baseline (medians of the tall blobs); None where the line gives no
    pen, no letters or no contrast to measure by."""
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
    return gray, mask, stroke, stats, fg, bg, float(np.median(tall[:, 1])), float(np.median(tall[:, 1] + tall[:, 3]))


def stop_ink(crop: np.ndarray, decoded: Decoded, index: int, step: float) -> float | None:
    """The ink of the stop `decoded.chars[index]` in units of a printed dot (the pen's width
    squared): the darkness (0 paper, 1 the letters' ink; grain under 0.2 counts for nothing)
    summed under the line's mid-height, over the columns between the midpoints to its
    neighbouring characters where no letter rises above mid-height. Summed, not binarised: a
    blurred stop is a faint smudge, its ink all there; by columns, so a stop fused to its
    letter's foot still counts (a letter's foot counts too: the error keeps a stop). None when
    there are no letters to measure the pen and the line's height by."""
    line = measure_line(crop)
    if line is None:
        return None
    gray, mask, stroke, stats, fg, bg, top, base = line
    h, w = mask.shape
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
    line = measure_line(crop)
    if line is None:
        return None
    gray, mask, stroke, stats, fg, bg, top, base = line
    h, w = mask.shape
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
