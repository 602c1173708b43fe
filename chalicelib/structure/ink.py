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

import bisect
import statistics

import numpy as np

from chalicelib.geometry import bounds
from chalicelib.structure.layout import CAPTION, Hints

BOLD = 1.2  # stroke width (per x-height) this much above the running text's is bold
MIN_RUNNING = 3  # lines of running text (4 words or more) needed to judge against
X_BAND = 0.4  # rows with at least this share of the densest row's ink: the x-height band
BLANK = 0.01  # a row with at most this share of the densest row's ink is blank (between lines)
ASCENT = 0.05  # the topmost row with this share of it: the top of the ascenders and capitals
CAPPED = 0.85  # a band this tall against the ascent is the ascent itself (capitals, figures)
X_TO_ASCENT = 0.72  # the ratio where the page has too few lines to measure its own
GRAPHIC = 1.5  # a drawing's piece of ink is at least this many body heights long
TINT = 16  # a pixel this far from the paper's colour (of 255, in any channel) is drawn
STEP = 8.0  # a drawing's outline is a step in colour this large at least (grey levels, in a channel)
FLAT = 8.0  # a piece four in five of whose pixels are this close to its median grey is one colour...
SOLID = 0.8  # ...and one that fills this share of its box (with the text on it) is filled
KEY_HEIGHT = 0.55  # a drawn key (a legend's dot) is taller than small letters: this share of the box...
KEY_FILL = 0.72  # ...fills this share of its own box (a disc: 0.79)...
KEY_SOLID = 0.9  # ...and of its convex hull (a bold "n" fills its box as well, not its hull)
SQUARE_HEIGHT, SQUARE_FILL = 0.3, 0.9  # a legend's square key may be smaller, but fills its box
LABEL_CHARS = 32  # a chart's label (an axis's name, a legend) is at most this long
NEAR = 1.0  # a line this many body heights from one is among it (a label)
TALL = "bdfhkl()[]{}/|!?"  # lower-case letters and marks that rise well above the x-height


def hints(rgb: np.ndarray, lines: list[dict]) -> list[Hints] | None:
    """Hints for OCR's lines of a level page: `size`, the line's x-height scaled so that the
    running text's is its usual box height (the layout measures gaps in that unit), `bold`,
    `figure` (among a picture) and `keyed` (a legend's item after its drawn key), from the ink;
    no size for a line too small to measure. None when the page has too little running text to
    compare with."""
    import cv2

    # Three times the grey (the channels' sum, exact in 16 bits): a line's crop is divided, not
    # the whole page (the page's mean in floats was most of this step's time).
    if rgb.ndim == 3:
        r, g, b = cv2.split(np.ascontiguousarray(rgb[:, :, :3]))
        gray3 = cv2.add(cv2.add(r, g, dtype=cv2.CV_16U), b, dtype=cv2.CV_16U)
    else:
        gray3 = rgb.astype(np.uint16) * 3
    profiles = [_profile(gray3, line) for line in lines]
    running = [i for i, p in enumerate(profiles) if p is not None and len(lines[i]["words"]) >= 4]
    if len(running) < MIN_RUNNING:
        return None
    ratios = [profiles[i][0] / profiles[i][1] for i in running if profiles[i][0] < CAPPED * profiles[i][1]]
    ratio = statistics.median(ratios) if len(ratios) >= MIN_RUNNING else X_TO_ASCENT
    measured = [None if p is None else _x_height_and_stroke(p, ratio, line["text"]) for p, line in zip(profiles, lines)]
    x_body = statistics.median(measured[i][0] for i in running)
    stroke_body = statistics.median(measured[i][1] for i in running)
    h_body = statistics.median(_height(lines[i]) for i in running)
    drawn = _near_graphics(rgb, lines, h_body, running)
    keyed = _keyed(rgb, lines, h_body)
    return [Hints(figure=near, keyed=key) if m is None else
            Hints(size=m[0] * h_body / x_body, bold=m[1] >= BOLD * stroke_body, ink=True, figure=near, keyed=key)
            for m, near, key in zip(measured, drawn, keyed)]


def _keyed(rgb: np.ndarray, lines: list[dict], body: float) -> list[bool]:
    """Which lines are a legend's or a list's items marked by a drawn key that OCR does not read
    as text (a coloured dot, a legend's square): a line holding two keys (a legend's row), or one
    key when the line right over or under it, starting where it does, holds one too (a legend's
    column, a list's bullets). A heading with an icon before it has no such neighbour."""
    keys = [_keys(rgb, line) for line in lines]
    boxes = [bounds(line["box"]) for line in lines]
    out = []
    for i, (x0, y0, _, y1) in enumerate(boxes):
        out.append(keys[i] >= 2 or (keys[i] == 1 and any(
            keys[j] and j != i and abs(bx0 - x0) < body and max(by0 - y1, y0 - by1) < body
            for j, (bx0, by0, bx1, by1) in enumerate(boxes))))
    return out


def _keys(rgb: np.ndarray, line: dict) -> int:
    """How many keys the line's box holds: blobs differing from its ground, at least KEY_HEIGHT of
    the box tall, as wide as tall and centred on the line, filled (a dot, a square: convex) and
    without a hole, unlike a letter ("o" has a hole, "n" a notch, "c" and "s" fill little)."""
    import cv2

    x0, y0, x1, y1 = (int(round(v)) for v in bounds(line["box"]))
    x0, y0 = max(0, x0), max(0, y0)
    x1, y1 = min(rgb.shape[1], x1), min(rgb.shape[0], y1)
    if x1 - x0 < 8 or y1 - y0 < 6 or rgb.ndim != 3:
        return 0
    crop = np.ascontiguousarray(rgb[y0:y1, x0:x1, :3])
    # The ground the line is set on: the colour along its box's edge (the paper, a band's colour,
    # a shaded corner of a photographed page), where letters seldom reach.
    rim = np.concatenate([crop[0], crop[-1], crop[:, 0], crop[:, -1]])
    ground = np.median(rim, axis=0).astype(np.uint8)
    channels = cv2.split(cv2.absdiff(crop, np.full_like(crop, ground)))
    mask = (cv2.max(cv2.max(channels[0], channels[1]), channels[2]) > 4 * TINT).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    height = y1 - y0
    found = 0
    for k in range(1, count):
        x, y, w, h, area = stats[k]
        middle = 0.35 * height <= y + h / 2 <= 0.75 * height  # on the line, not over it (an "i"'s dot)
        # A square may be smaller than a dot: no letter fills nine tenths of a square box.
        big = KEY_HEIGHT * height <= h and area >= KEY_FILL * w * h and 0.75 * h <= w <= 1.33 * h
        square = SQUARE_HEIGHT * height <= h and area >= SQUARE_FILL * w * h and 0.6 * h <= w <= 1.67 * h
        if not (middle and (big or square) and h <= 0.9 * height):
            continue
        blob = (labels[y:y + h, x:x + w] == k).astype(np.uint8)
        contours, hierarchy = cv2.findContours(blob, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
        if hierarchy is None or (hierarchy[0][:, 3] >= 0).any():
            continue  # a hole: a letter ("o", "e")
        hull = cv2.contourArea(cv2.convexHull(max(contours, key=cv2.contourArea)))
        if area >= KEY_SOLID * hull:  # convex: a dot or a square, not an "n" or a "u"
            found += 1
    return found


def _near_graphics(rgb: np.ndarray, lines: list[dict], body: float, running: list[int]) -> list[bool]:
    """Which lines lie among a picture (a chart's bars and curves, a map, a photo): the pixels
    that differ from the paper's colour (ink, and a map's or a photo's pale ground) left when
    every line's box is blanked, in pieces at least GRAPHIC body heights long and half a body
    height thick (a rule under a heading is thin, a letter OCR missed is small) that have such
    pixels inside them (a frame around a heading has none), within NEAR body heights of the line.
    A piece under MIN_RUNNING lines of running text is the page's ground (a dark page, a slide's
    colours, a tinted box), not a picture; text set inside a piece filled with one flat colour is a
    banner's, not a label (a bar's label stands beside it). Then a chart's labels hang together:
    a short line within NEAR of a label is one too (an axis's name under its ticks)."""
    import cv2  # with the OCR engines (the worker), not at the API's import

    step = 2  # half resolution: pieces this large do not need more
    small = np.ascontiguousarray(rgb[::step, ::step], dtype=np.uint8)
    if small.ndim == 2:
        small = cv2.cvtColor(small, cv2.COLOR_GRAY2RGB)
    smooth = cv2.blur(small[:, :, :3], (3, 3))  # a scan's or a photo's grain is not a drawing
    paper = np.median(smooth[::4, ::4].reshape(-1, 3), axis=0).astype(np.uint8)
    channels = cv2.split(cv2.absdiff(smooth, np.full_like(smooth, paper)))
    drawn = cv2.max(cv2.max(channels[0], channels[1]), channels[2]) > TINT
    gray = cv2.cvtColor(smooth, cv2.COLOR_RGB2GRAY).astype(np.float32)
    pad = max(1, int(0.15 * body / step))
    boxes = [tuple(int(round(v / step)) for v in bounds(line["box"])) for line in lines]
    blank = np.zeros(drawn.shape, bool)
    for x0, y0, x1, y1 in boxes:
        blank[max(0, y0 - pad):max(0, y1 + pad), max(0, x0 - pad):max(0, x1 + pad)] = True
    drawn &= ~blank
    count, labels, stats, _ = cv2.connectedComponentsWithStats(drawn.astype(np.uint8), connectivity=8)
    long, thick = GRAPHIC * body / step, 0.5 * body / step
    grounds = _grounds(labels, [boxes[i] for i in running], pad)
    pieces = []
    for k in range(1, count):
        x, y, w, h, _ = stats[k]
        if max(w, h) - 2 < long or min(w, h) - 2 < thick:
            continue  # (the blur widens a piece by a pixel on each side: a rule stays thin)
        inner = labels[y + h // 5:y + h - h // 5, x + w // 5:x + w - w // 5]
        if not (inner == k).any():
            continue
        if grounds.get(k, 0) >= MIN_RUNNING:
            continue  # the ground the page's running text is set on
        own = labels[y:y + h, x:x + w] == k
        if _soft(labels, k, (x, y, w, h), blank, smooth):
            continue  # a slice of a colour gradient
        solid = (own | blank[y:y + h, x:x + w]).mean() >= SOLID  # filled, not a frame or a table's rules
        levels = gray[y:y + h, x:x + w][own]
        flat = np.mean(np.abs(levels - np.median(levels)) <= FLAT) >= 0.8  # its blurred rim aside
        pieces.append((x, y, x + w, y + h, solid and flat))
    reach = NEAR * body / step
    near = [any(min(x1 + reach, px1) > max(x0 - reach, px0) and min(y1 + reach, py1) > max(y0 - reach, py0)
                and not (flat and px0 <= x0 and x1 <= px1 and py0 <= y0 and y1 <= py1)
                for px0, py0, px1, py1, flat in pieces) for x0, y0, x1, y1 in boxes]
    # A label is short and not a caption (a caption's "Figure 8." sits right above what follows).
    short = [len(line["text"]) <= LABEL_CHARS and not CAPTION.match(line["text"]) for line in lines]
    order = sorted(range(len(boxes)), key=lambda i: boxes[i][1])
    tops = [boxes[i][1] for i in order]
    tallest = max((y1 - y0 for _, y0, _, y1 in boxes), default=0)
    labels_found = [i for i in range(len(lines)) if near[i] and short[i]]
    while labels_found:
        bx0, by0, bx1, by1 = boxes[labels_found.pop()]
        lo, hi = bisect.bisect_left(tops, by0 - reach - tallest), bisect.bisect_right(tops, by1 + reach)
        for i in order[lo:hi]:
            x0, y0, x1, y1 = boxes[i]
            if not near[i] and short[i] and min(x1 + reach, bx1) > max(x0 - reach, bx0) and \
                    min(y1 + reach, by1) > max(y0 - reach, by0):
                near[i] = True
                labels_found.append(i)
    return near


def _soft(labels: np.ndarray, k: int, box: tuple[int, int, int, int], blank: np.ndarray, smooth: np.ndarray) -> bool:
    """The piece's outline is no step in colour: just inside it the image has the colour it has
    just outside (within STEP, on average along the outline, so grain evens out). Such a piece
    is a shade of a ground that changes slowly (a slide's gradient, a photographed page's
    uneven light) crossing TINT, not a drawing, whose outline is a step."""
    import cv2

    x, y, w, h = box
    y0, x0 = max(0, y - 3), max(0, x - 3)
    y1, x1 = min(labels.shape[0], y + h + 3), min(labels.shape[1], x + w + 3)
    own = (labels[y0:y1, x0:x1] == k).astype(np.uint8)
    kernel = np.ones((5, 5), np.uint8)
    away = ~cv2.dilate(blank[y0:y1, x0:x1].astype(np.uint8), kernel).astype(bool)  # not a letter's rim
    inside = own.astype(bool) & ~cv2.erode(own, kernel, borderType=cv2.BORDER_REPLICATE).astype(bool)  # the page's edge is no outline
    outside = cv2.dilate(own, kernel).astype(bool) & ~own.astype(bool)
    inside, outside = inside & away, outside & away
    if not inside.any() or not outside.any():
        return False
    colours = smooth[y0:y1, x0:x1].astype(np.float32)
    return float(np.abs(colours[inside].mean(axis=0) - colours[outside].mean(axis=0)).max()) < STEP


def _grounds(labels: np.ndarray, boxes: list[tuple[int, int, int, int]], pad: int) -> dict[int, int]:
    """{piece: how many of these lines are set on it}: the piece fills most of the ring of
    pixels just outside the line's blanked box (text in a white cell beside a coloured one is
    not set on the colour)."""
    out: dict[int, int] = {}
    rows, cols = labels.shape
    for x0, y0, x1, y1 in boxes:
        a0, b0, a1, b1 = max(0, x0 - pad - 2), max(0, y0 - pad - 2), min(cols, x1 + pad + 2), min(rows, y1 + pad + 2)
        if a1 <= a0 or b1 <= b0:
            continue
        ring = labels[b0:b1, a0:a1].copy()
        ring[max(0, y0 - pad) - b0:max(0, y1 + pad) - b0, max(0, x0 - pad) - a0:max(0, x1 + pad) - a0] = -1
        found = np.bincount(ring[ring > 0].ravel()) if (ring > 0).any() else np.zeros(1, int)
        k = int(np.argmax(found))
        if k and found[k] >= 0.5 * (ring >= 0).sum():
            out[k] = out.get(k, 0) + 1
    return out


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


def _profile(gray3: np.ndarray, line: dict) -> tuple[float, float, float] | None:
    """(height of the densest band of rows, ascent: from the top of the ink to the band's
    foot, mean horizontal run of ink) of the line's box, in pixels; None for a box too small
    to measure or without ink."""
    x0, y0, x1, y1 = (int(round(v)) for v in bounds(line["box"]))
    x0, y0 = max(0, x0), max(0, y0)
    x1, y1 = min(gray3.shape[1], x1), min(gray3.shape[0], y1)
    if x1 - x0 < 8 or y1 - y0 < 6:
        return None
    crop = gray3[y0:y1, x0:x1] / 3.0
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
