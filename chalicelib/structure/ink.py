"""What the page image says of OCR's lines that OCR does not: their type size, which are set
in bold, and which lie among a drawing's ink (a chart's labels).

A text layer names each glyph's font and size; a scan only shows ink. OCR's box of a line is
as tall as its tallest letters and deepest descenders, so it varies by a tenth from line to
line of the same type ("mum" against "Typography"). The ink says more: along a line, the rows
where most of the ink lies are the x-height band (the body of "a", "e", "n", "o"), steady from
line to line to a pixel or two. Where capitals, figures and ascenders crowd a line its densest
rows reach their top instead (the band is as tall as the ascent above the baseline): such a
line's size is its ascent times the page's own x-height-to-ascent ratio. Bold type has thicker
strokes: the mean length of the horizontal runs of ink across the line (a vertical stroke's
width, mostly) per x-height grows by a fifth or more against the same type in regular weight.
Both are measured per line and compared with the page's running text, so they tell a heading
at body size from the paragraph under it and a footnote from the body, as a text layer's font
does (layout.Hints.size and .bold)."""
from __future__ import annotations

import statistics

import numpy as np

from chalicelib.geometry import bounds
from chalicelib.structure.layout import Hints

BOLD = 1.2  # stroke width (per x-height) this much above the running text's is bold
MIN_RUNNING = 3  # lines of running text (4 words or more) needed to judge against
X_BAND = 0.4  # rows with at least this share of the densest row's ink: the x-height band
BLANK = 0.01  # a row with at most this share of the densest row's ink is blank (between lines)
ASCENT = 0.05  # the topmost row with this share of it: the top of the ascenders and capitals
CAPPED = 0.85  # a band this tall against the ascent is the ascent itself (capitals, figures)
X_TO_ASCENT = 0.72  # the ratio where the page has too few lines to measure its own
GRAPHIC = 1.5  # a drawing's piece of ink is at least this many body heights long
DARK_PAGE = 0.3  # a page with more "ink" than this is light text on a ground
NEAR = 1.0  # a line this many body heights from one is among it (a label)
TALL = "bdfhkl()[]{}/|!?"  # lower-case letters and marks that rise well above the x-height


def hints(rgb: np.ndarray, lines: list[dict]) -> list[Hints] | None:
    """Hints for OCR's lines of a level page: `size`, the line's x-height scaled so that the
    running text's is its usual box height (the layout measures gaps in that unit), `bold`, and
    `figure` (among a drawing's ink), from the ink; no size for a line too small to measure.
    None when the page has too little running text to compare with."""
    gray = rgb.mean(axis=2) if rgb.ndim == 3 else rgb
    profiles = [_profile(gray, line) for line in lines]
    running = [i for i, p in enumerate(profiles) if p is not None and len(lines[i]["words"]) >= 4]
    if len(running) < MIN_RUNNING:
        return None
    ratios = [profiles[i][0] / profiles[i][1] for i in running if profiles[i][0] < CAPPED * profiles[i][1]]
    ratio = statistics.median(ratios) if len(ratios) >= MIN_RUNNING else X_TO_ASCENT
    measured = [None if p is None else _x_height_and_stroke(p, ratio, line["text"]) for p, line in zip(profiles, lines)]
    x_body = statistics.median(measured[i][0] for i in running)
    stroke_body = statistics.median(measured[i][1] for i in running)
    h_body = statistics.median(_height(lines[i]) for i in running)
    drawn = _near_graphics(gray, lines, h_body)
    return [Hints(figure=near) if m is None else
            Hints(size=m[0] * h_body / x_body, bold=m[1] >= BOLD * stroke_body, ink=True, figure=near)
            for m, near in zip(measured, drawn)]


def _near_graphics(gray: np.ndarray, lines: list[dict], body: float) -> list[bool]:
    """Which lines lie among a drawing's ink (a chart's bars and curves, a map, a photo): the
    ink left when every line's box is blanked, in pieces at least GRAPHIC body heights long and
    half a body height thick (a rule under a heading is thin, a letter OCR missed is small)
    that have ink inside them (a frame around a heading has none), within NEAR body heights of
    the line."""
    import cv2  # with the OCR engines (the worker), not at the API's import

    step = 2  # half resolution: pieces this large do not need more
    small = gray[::step, ::step]
    ink = small < min(_otsu(small), 200)
    if ink.mean() > DARK_PAGE:
        return [False] * len(lines)  # light text on a dark or coloured ground: no "ink" to go by
    pad = max(1, int(0.15 * body / step))
    boxes = [tuple(int(round(v / step)) for v in bounds(line["box"])) for line in lines]
    for x0, y0, x1, y1 in boxes:
        ink[max(0, y0 - pad):max(0, y1 + pad), max(0, x0 - pad):max(0, x1 + pad)] = False
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    long, thick = GRAPHIC * body / step, 0.5 * body / step
    pieces = []
    for k in range(1, count):
        x, y, w, h, _ = stats[k]
        if max(w, h) < long or min(w, h) < thick:
            continue
        inner = labels[y + h // 5:y + h - h // 5, x + w // 5:x + w - w // 5]
        if (inner == k).any():
            pieces.append((x, y, x + w, y + h))
    reach = NEAR * body / step
    return [any(min(x1 + reach, px1) > max(x0 - reach, px0) and min(y1 + reach, py1) > max(y0 - reach, py0)
                for px0, py0, px1, py1 in pieces) for x0, y0, x1, y1 in boxes]


def _x_height_and_stroke(profile: tuple[float, float, float], ratio: float, text: str) -> tuple[float, float]:
    """A band as tall as the ascent is the cap height, unless the line has nothing taller than
    an "x" ("a warm summer morn")."""
    band, ascent, run = profile
    capped = band >= CAPPED * ascent and any(c.isupper() or c.isdigit() or c in TALL for c in text)
    x_height = ratio * ascent if capped else band
    return x_height, run / x_height


def _height(line: dict) -> float:
    _, y0, _, y1 = bounds(line["box"])
    return y1 - y0


def _profile(gray: np.ndarray, line: dict) -> tuple[float, float, float] | None:
    """(height of the densest band of rows, ascent: from the top of the ink to the band's
    foot, mean horizontal run of ink) of the line's box, in pixels; None for a box too small
    to measure or without ink."""
    x0, y0, x1, y1 = (int(round(v)) for v in bounds(line["box"]))
    x0, y0 = max(0, x0), max(0, y0)
    x1, y1 = min(gray.shape[1], x1), min(gray.shape[0], y1)
    if x1 - x0 < 8 or y1 - y0 < 6:
        return None
    crop = gray[y0:y1, x0:x1]
    ink = crop < _otsu(crop)
    rows = ink.sum(axis=1)
    if rows.max() == 0:
        return None
    # The line is the run of rows between blank ones that holds the most strokes (runs of ink
    # along a row): a box a few pixels taller than its line (detectors differ) takes in its
    # neighbours' descenders or ascenders, and a rule under a heading may hold more ink than
    # its letters but is one stroke a row.
    strokes = ink[:, 0].astype(int) + (ink[:, 1:] & ~ink[:, :-1]).sum(axis=1)
    inked = np.concatenate([[False], rows > BLANK * rows.max(), [False]])
    edges = np.flatnonzero(inked[1:] != inked[:-1])  # run k: rows edges[2k] .. edges[2k+1]-1
    lo, hi = max(zip(edges[::2], edges[1::2]), key=lambda r: strokes[r[0]:r[1]].sum())
    ink, rows = ink[lo:hi], rows[lo:hi]
    starts = int(strokes[lo:hi].sum())
    band = np.nonzero(rows >= X_BAND * rows.max())[0]
    top = int(np.argmax(rows >= ASCENT * rows.max()))
    return float(band[-1] - band[0] + 1), float(band[-1] - top + 1), float(ink.sum()) / starts


def _otsu(crop: np.ndarray) -> float:
    hist = np.bincount(np.clip(crop, 0, 255).astype(np.uint8).ravel(), minlength=256).astype(float)
    total = hist.sum()
    levels = np.arange(256)
    weight = np.cumsum(hist)
    mean = np.cumsum(hist * levels)
    between = (mean[-1] * weight - mean * total) ** 2 / np.maximum(weight * (total - weight), 1e-9)
    return float(np.argmax(between))
