"""The script classifier of the page's reader (engines/ocr/reader.py): which script a page, or
a line, is in when the default engine (rapidocr, which reads Latin-script languages, Chinese and
Japanese) cannot read it, so that Tesseract reads it instead. The reader decides who reads; this
module only looks (Tesseract's own runs go through engines/ocr/tesseract.py).

1. `needs_other_reader(lines)`: from the default engine's own reading, free (no pixels).
2. `detect_script(rgb)`: the page's script (Tesseract), only when 1 says so.
3. `tesseract_languages(script)`: the traineddata to read that script with.
4. `read_other_lines(rgb, reading, deadline)`: on a page the default engine does read, its
   lines in another script (a bilingual sign), found by a line classifier and read by Tesseract;
   on a short reading (a sign of a few lines) its misread lines too ("." for a Serbian line).

Thresholds and choices were measured on pages rendered from real text (the Universal
Declaration of Human Rights in ru, uk, bg, el, ar, he, hi, ko, th), the real Arabic and Hindi
images of the languages set, and FUNSD, ICDAR 2015 and the Latin and Chinese pages for the
pages that must not be sent away.
"""
from __future__ import annotations

import collections
import time

import cv2
import numpy as np

from chalicelib.engines.ocr import postprocess as pp
from chalicelib.engines.ocr import tesseract
from chalicelib.engines.ocr.base import Line, Word
from chalicelib.errors import EngineUnavailable
from chalicelib.geometry import bounds, quad
from chalicelib.languages import detect

# The scripts Tesseract reads for us (ISO 15924), each with the traineddata measured best when
# the language is not known. Cyrillic: the script model read rus, ukr and bul pages as well as
# each language's own model; Devanagari signs are half English.
LANGUAGES = {"Cyrl": "Cyrillic", "Grek": "ell", "Arab": "ara", "Hebr": "heb", "Deva": "hin+eng",
             "Hang": "kor", "Thai": "tha"}
# Tesseract's OSD script names -> ISO 15924 (OSD says "Korean" for Hangul pages, "Japanese"
# for kana, "Han" for Chinese).
OSD_SCRIPTS = {"Latin": "Latn", "Cyrillic": "Cyrl", "Greek": "Grek", "Arabic": "Arab", "Hebrew": "Hebr",
               "Devanagari": "Deva", "Hangul": "Hang", "Korean": "Hang", "Thai": "Thai", "Han": "Hani",
               "Japanese": "Jpan", "Katakana": "Jpan", "Hiragana": "Jpan"}
SCRIPT_MODELS = {"Cyrl": "Cyrillic", "Grek": "Greek", "Arab": "Arabic", "Hebr": "Hebrew",
                 "Deva": "Devanagari", "Hang": "Hangul", "Thai": "Thai"}


def tesseract_languages(script: str) -> str:
    """The traineddata ("Cyrillic", "hin+eng", ...) to read a page of `script` (ISO 15924)
    with when its language is not known; "" for a script the default engine reads."""
    return LANGUAGES.get(script, "")


def script_of(text: str) -> str | None:
    """The ISO 15924 script most of `text`'s letters are in (None without letters): a stray kana
    in a misread page does not make it Japanese here, unlike detect.script_of."""
    counts = detect.script_counts(text)
    return counts.most_common(1)[0][0] if counts else None


MIN_EMS = 12.0  # a reading with less text than this (line lengths in line heights) says too little
MAX_DENSITY = 0.2  # letters read per line height of text below this: a script the reader does not know
MISSING_EMS = 8.0  # length of a text line found but not read, when no line was read to measure one by
MIN_LETTERS = 10  # letters in a script the reader reads badly (Greek) that make the page its


def needs_other_reader(lines) -> bool:
    """Whether the default engine's reading (`lines`: its Reading, or a list of Line) looks like
    a page in a script it cannot read, so that Tesseract should read the page instead.

    The default engine reads Latin text at 1.2-4 letters per line height of text and Chinese
    at ~1; a script it does not know comes out as commas and dropped lines (Cyrillic, Arabic,
    Hebrew, Devanagari, Hangul, Thai: 0.0-0.1), or as Greek letters read badly. The length
    of text counts the lines read, the words left out as unsure, and the lines found but not
    read at all (`Reading.lines_found`; each as long as the median line read). Street photos
    are the near miss: words too blurred to read also leave found lines unread (0.22-0.9
    on ICDAR 2015 photos, one at 0.0 of 100)."""
    words = [w for ln in lines for w in ln.words]
    text = "".join(w.text for w in words)
    if not text.isascii() and sum(ch.isalpha() for ch in text) >= MIN_LETTERS and script_of(text) in LANGUAGES:
        return True
    read = [_ems(ln.box) for ln in lines]
    ems = sum(read) + sum(_ems(w.box) for w in getattr(lines, "unsure", ()))
    unread = max(0, getattr(lines, "lines_found", len(lines)) - len(lines))
    ems += unread * (float(np.median(read)) if read else MISSING_EMS)
    return ems >= MIN_EMS and sum(ch.isalnum() for ch in text) < MAX_DENSITY * ems


def _ems(box) -> float:
    """A box's length in its own heights (text runs along its long side)."""
    p = np.asarray(box, dtype=float)
    a, b = float(np.hypot(*(p[1] - p[0]))), float(np.hypot(*(p[3] - p[0])))
    return max(a, b) / max(1.0, min(a, b))


SAMPLE_LINES = 3  # text lines the script is read from
SAMPLE_WIDTH = 1600  # most pixels a sampled line keeps across
SCRIPT_TIMEOUT = 8.0  # seconds detect_script may take at most
OSD_HALF = 2.0  # OSD's script confidence that maps to 0.5
OSD_MIN = 0.5  # OSD's answer is taken from this script confidence up (it named Arabic at 0.0 on an English photo)
MODEL_MIN = 0.5  # the surest script model's mean word confidence must reach this (0.6-0.99 on the right ones)


def detect_script(rgb: np.ndarray, timeout: float = SCRIPT_TIMEOUT, lines=None) -> tuple[str | None, float]:
    """(ISO 15924 script of the page's text, confidence 0..1), or (None, 0.0) when no script
    is found in time.

    With `lines` (the default engine's Reading of the page), the line classifier (script_id)
    first looks at the boxes of its tallest lines, read or not (~1 ms a line); when most of
    them are surely one script, that is the page's (Latin: the default engine's reading
    stands). Otherwise, from a sample of the page (its inkiest few text lines): Tesseract's OSD
    (~0.7 s of CPU); when it names a script we do not send to Tesseract (it calls Thai pages
    Latin, blurred Greek too), each script model reads the sample and the surest reading wins
    (~3 s). Measured on 36 rendered pages in 9 languages and the real Arabic page and Hindi
    signs: OSD alone 32/40 right, with the second step 38/40."""
    if lines is not None:
        script, share = classified_script(rgb, lines)
        if script is not None:
            return script, share
    deadline = time.monotonic() + timeout
    gray = sample(rgb)
    found = tesseract.osd(gray, timeout)
    if found is not None:
        script, raw = OSD_SCRIPTS.get(found[0]), found[1]
        if script in LANGUAGES and raw >= OSD_MIN:
            return script, raw / (raw + OSD_HALF)
    return surest_model(gray, deadline)


def classified_script(rgb: np.ndarray, lines) -> tuple[str | None, float]:
    """(the script of the page's tallest `CLASSIFIED_LINES` line boxes, the mean probability
    the line classifier gives it) when that mean is at least `CLASSIFIED_PROBABILITY` and at
    least `CLASSIFIED_SHARE` of the lines are likeliest that script; else (None, 0.0)."""
    from chalicelib.engines.ocr import script_id

    boxes = sorted([np.asarray(ln.box, dtype=np.float32) for ln in lines]
                   + [np.asarray(q, dtype=np.float32) for q in getattr(lines, "unread", ())],
                   key=_height, reverse=True)[:CLASSIFIED_LINES]
    if not boxes:
        return None, 0.0
    probs = script_id.probabilities([c.image for c in _line_crops(rgb, boxes)], latin_weight=CLASSIFIED_LATIN_WEIGHT)
    best = int(probs.mean(axis=0).argmax())
    mean, share = float(probs[:, best].mean()), float((probs.argmax(axis=1) == best).mean())
    if mean < CLASSIFIED_PROBABILITY or share < CLASSIFIED_SHARE:
        return None, 0.0
    return script_id.CLASSES[best], mean


def surest_model(gray: np.ndarray, deadline: float) -> tuple[str | None, float]:
    """The script whose model reads `gray` with the highest mean word confidence (0..1)."""
    best, score = None, 0.0
    for script in LANGUAGES:
        read = tesseract.words(gray, SCRIPT_MODELS[script], deadline - time.monotonic())
        if read is None:
            break
        words = [w.confidence for w in read]
        if words and float(np.mean(words)) > score:
            best, score = script, float(np.mean(words))
    return (best, score) if score >= MODEL_MIN else (None, 0.0)


def sample(rgb: np.ndarray) -> np.ndarray:
    """The page's `SAMPLE_LINES` inkiest text lines (rows of ink between blank rows), stacked
    in gray; the whole page shrunk when no such lines stand out (a photo)."""
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    _, ink = cv2.threshold(gray, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    if ink.mean() > 0.5:  # light text on a dark ground
        ink = 1 - ink
    rows = ink.sum(axis=1)
    on = np.flatnonzero(np.diff(np.concatenate([[0], (rows > 0.01 * gray.shape[1]).astype(int), [0]])))
    runs = [(a, b) for a, b in zip(on[::2], on[1::2]) if 8 <= b - a <= gray.shape[0] // 4]
    if not runs:
        scale = min(1.0, SAMPLE_WIDTH / max(gray.shape))
        return cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    best = sorted(sorted(runs, key=lambda r: -int(rows[r[0]:r[1]].sum()))[:SAMPLE_LINES])
    crops = []
    for a, b in best:
        cols = np.flatnonzero(ink[a:b].any(axis=0))
        pad = (b - a) // 2
        crop = gray[max(0, a - pad):b + pad, max(0, cols[0] - pad):cols[-1] + pad]
        if crop.shape[1] > SAMPLE_WIDTH:  # keep the line's start: a right-to-left line's is on the right
            crop = crop[:, :SAMPLE_WIDTH]
        crops.append(crop)
    width = max(c.shape[1] for c in crops)
    return np.vstack([cv2.copyMakeBorder(c, 0, 0, 0, width - c.shape[1], cv2.BORDER_REPLICATE) for c in crops])


# Lines in another script on a page the default engine has read (a bilingual sign: a Hindi
# line above its English one). The engine finds such lines and reads them as nothing sure
# (`Reading.unread`); Tesseract reads them in the one script its model reads surely. Measured
# on the Hindi signs of the languages set, 100 ICDAR 2015 photos and 50 FUNSD forms (whose
# unread lines are blurred words, handwriting and specks) and rendered bilingual signs.
UNREAD_MIN_PX = 24  # unread lines lower than this (pixels)...
UNREAD_MIN_SHARE = 0.6  # ...or than this share of the median line read are left alone
UNREAD_LINES = 6  # the tallest unread lines looked at
CROP_HEIGHT = 48  # pixels a line crop is scaled to for Tesseract (Arabic read at 0.92 here, 0.64 at 64)
CROP_PAD = 12  # blank around each crop in the stack Tesseract reads
EDGE_MARKS = "|`"  # what the ink around a crop (a frame, a neighbour's edge) is read as
OTHER_MIN_CONFIDENCE = 0.6  # the script model's mean word confidence on the crops (noise: 0.0-0.78)...
OTHER_MIN_LETTERS = 6  # ...and letters of its script it must read (noise read as Greek: up to 26 at 0.29)
LATIN_MARGIN = 0.1  # Greek and Cyrillic models read Latin letters as theirs: they must beat `eng` by this
GATE_PROBABILITY = 0.8  # the line classifier's probability of a script that sends the crops to Tesseract...
GATE_SCRIPTS = 2  # ...for at most this many scripts (each one Tesseract run)
CLASSIFIED_LINES = 8  # a page's tallest line boxes the classifier names its script from...
CLASSIFIED_PROBABILITY = 0.7  # ...when their mean probability of it reaches this...
CLASSIFIED_SHARE = 0.6  # ...and this share of them are likeliest that script (else OSD decides)
# The model's own odds: the unread-line gate's Latin prior (script_id.LATIN_WEIGHT) is for lines
# on pages rapidocr reads; these are pages it could not (same 18/18 answers at 1.0 and 2.0).
CLASSIFIED_LATIN_WEIGHT = 1.0


# Signs of a few lines (issue 42): the engine reads a short Cyrillic line as "." and a Greek one
# as a few Greek letters, too little text for `needs_other_reader` to tell and no line left
# unread. On a reading of a few lines found, its lines that look misread
# join the unread ones, and the line classifier's own odds decide (on pages the engine reads,
# its Latin prior keeps Tesseract from blurred English; a sign is too short to tell). Measured
# with bench/short_signs.py.
SHORT_LINES = 3  # at most this many rows of text make a short reading (a sign); 0: no such step...
SHORT_BOXES = 8  # ...in at most this many line boxes
# The classifier's probability of a script that sends a short reading's lines to Tesseract (it
# gave the Serbian sign Cyrillic at 0.74: "Време је" looks Latin; Tesseract's confirmation
# (`_confirmed`) is what keeps Latin lines from other scripts).
SHORT_GATE_PROBABILITY = 0.5
MISREAD_DENSITY = 0.5  # a line read with fewer letters and digits per line height is misread
# (Latin read at 1.2-4; the Serbian sign's "." at 0.08)


def read_other_lines(rgb: np.ndarray, reading, deadline: float) -> tuple[list, list]:
    """(lines, chalicelib.engines.ocr.base.Line in image coordinates, that Tesseract reads in a
    script the default engine does not know; the engine's lines they stand for): where that
    engine found lines it could not read, and on a short reading (a sign) its lines that look
    misread (`misread_lines`), whose readings Tesseract's replace when it reads them surely.
    ([], []) when there are none or no script model reads them surely before `deadline`."""
    unread = unread_candidates(reading)
    misread = misread_lines(rgb, reading, bool(unread))
    boxes = unread + [np.asarray(ln.box, dtype=np.float32) for ln in misread]
    short = is_short(reading)
    read = _read_boxes(rgb, boxes, deadline, CLASSIFIED_LATIN_WEIGHT if short else None,
                       SHORT_GATE_PROBABILITY if short else GATE_PROBABILITY)
    kept = {i: ln for i, ln in read.items() if i < len(unread) or ln.confidence >= OTHER_MIN_CONFIDENCE}
    return list(kept.values()), [misread[i - len(unread)] for i in kept if i >= len(unread)]


def is_short(reading) -> bool:
    """Whether the engine found text in at most `SHORT_LINES` rows, in at most `SHORT_BOXES`
    boxes (a sign; the detector finds a Devanagari line word by word)."""
    boxes = [np.asarray(ln.box, dtype=float) for ln in reading] + [np.asarray(q, dtype=float) for q in getattr(reading, "unread", ())]
    if not boxes or len(boxes) > SHORT_BOXES or getattr(reading, "lines_found", len(boxes)) > len(boxes):
        return False
    rows, top, bottom = 0, 0.0, 0.0
    for y0, y1 in sorted(((b[:, 1].min(), b[:, 1].max()) for b in boxes), key=sum):
        if rows and min(y1, bottom) - max(y0, top) > 0.5 * min(y1 - y0, bottom - top):
            top, bottom = min(top, y0), max(bottom, y1)
        else:
            rows, top, bottom = rows + 1, y0, y1
    return rows <= SHORT_LINES


def misread_lines(rgb: np.ndarray, reading, unread: bool = False) -> list:
    """On a short reading, its lines read as next to nothing for their length (under
    `MISREAD_DENSITY` letters and digits a line height), or mostly as letters of a script
    Tesseract reads for us (rapidocr knows some Greek letters, badly). When some line was so
    misread or left `unread`, the sign's other lines too that the line classifier gives such a
    script surely (a Hebrew line read as "DIN'N"): on signs it reads well the classifier is
    not asked (it calls a read "AX" Greek)."""
    if not is_short(reading):
        return []
    misread = [ln for ln in reading
               if sum(ch.isalnum() for ch in ln.text) < MISREAD_DENSITY * _ems(ln.box) or script_of(ln.text) in LANGUAGES]
    rest = [ln for ln in reading if not any(ln is m for m in misread)]
    if not (misread or unread) or not rest:
        return misread
    from chalicelib.engines.ocr import script_id

    named = script_id.classify([c.image for c in _line_crops(rgb, [np.asarray(ln.box, dtype=np.float32) for ln in rest])],
                               CLASSIFIED_LATIN_WEIGHT)
    return misread + [ln for ln, (script, p) in zip(rest, named) if script in LANGUAGES and p >= GATE_PROBABILITY]


def _read_boxes(rgb: np.ndarray, boxes: list[np.ndarray], deadline: float, latin_weight: float | None = None,
                gate: float = GATE_PROBABILITY) -> dict:
    """{index in `boxes`: the Line Tesseract reads there} in the one script whose model reads
    the crops surely; {} without Tesseract or when none does before `deadline`."""
    if not boxes:
        return {}
    try:
        tesseract.executable()
    except EngineUnavailable:  # without Tesseract the page is read as it was
        return {}
    crops = _line_crops(rgb, boxes)
    images = [c.image for c in crops]
    stack, rows = _stack(images)
    found = [(script, words) for script in likely_scripts(images, latin_weight, gate)
             if (words := _confirmed(stack, script, deadline)) is not None]
    if not found:
        return {}
    script, words = max(found, key=lambda f: _mean_confidence(f[1]))
    return _lines_back(words, crops, rows, boxes, script)


def unread_candidates(reading) -> list[np.ndarray]:
    """The unread line boxes worth a second reader, tallest first."""
    read = [_height(line.box) for line in reading]
    floor = max(UNREAD_MIN_PX, UNREAD_MIN_SHARE * float(np.median(read))) if read else UNREAD_MIN_PX
    tall = [np.asarray(q, dtype=np.float32) for q in getattr(reading, "unread", ()) if _height(q) >= floor]
    return sorted(tall, key=_height, reverse=True)[:UNREAD_LINES]


def likely_scripts(crops: list[np.ndarray], latin_weight: float | None = None, gate: float = GATE_PROBABILITY) -> list[str]:
    """The scripts Tesseract should try on the crops, likeliest first: those the line
    classifier (script_id, Latin weighted by `latin_weight`) gives a crop at `gate` or more,
    at most `GATE_SCRIPTS`. Most street photos' unread lines (blurred English) are
    given none: no Tesseract runs."""
    from chalicelib.engines.ocr import script_id

    votes: collections.Counter = collections.Counter()
    for script, p in script_id.classify(crops, latin_weight):
        if script in LANGUAGES and p >= gate:
            votes[script] += p
    return [script for script, _ in votes.most_common(GATE_SCRIPTS)]


def _confirmed(stack: np.ndarray, script: str, deadline: float):
    """The words `script`'s reader reads in `stack` when it reads them surely, else None."""
    words = _read_words(stack, LANGUAGES[script], deadline)
    letters = detect.script_counts("".join(w.text for w in words)).get(script, 0)
    if _mean_confidence(words) < OTHER_MIN_CONFIDENCE or letters < OTHER_MIN_LETTERS:
        return None
    if script in ("Grek", "Cyrl") and _mean_confidence(_read_words(stack, "eng", deadline)) + LATIN_MARGIN > _mean_confidence(words):
        return None
    return words


def _mean_confidence(words: list) -> float:
    return float(np.mean([w.confidence for w in words])) if words else 0.0


def _read_words(gray: np.ndarray, model: str, deadline: float) -> list:
    return tesseract.words(gray, model, deadline - time.monotonic()) or []


def _height(q) -> float:
    return min(pp.quad_size(np.asarray(q, dtype=np.float64)))


def _line_crops(rgb: np.ndarray, boxes: list[np.ndarray]) -> list:
    """Each line box cropped upright in gray, with a margin, `CROP_HEIGHT` pixels high."""
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    return [pp.crop_line(gray, _widened(q), CROP_HEIGHT) for q in boxes]


def _widened(q: np.ndarray) -> np.ndarray:
    """The box grown by a tenth of its height up and down and a fifth along the line: the
    detector's boxes hug the ink and Tesseract wants a margin, but not the neighbours' ink."""
    q = np.asarray(q, dtype=np.float64)
    along, across = q[1] - q[0], q[3] - q[0]
    w, h = max(np.linalg.norm(along), 1.0), max(np.linalg.norm(across), 1.0)
    if h > w:  # a vertical box: the line runs down
        along, across, w, h = across, along, h, w
    dx, dy = along / w * 0.2 * h, across / h * 0.1 * h
    return np.array([q[0] - dx - dy, q[1] + dx - dy, q[2] + dx + dy, q[3] - dx + dy], dtype=np.float32)


def _stack(images: list[np.ndarray]) -> tuple[np.ndarray, list[int]]:
    """The crops one above the other on their own ground, and where each starts (its top row)."""
    width = max(im.shape[1] for im in images) + 2 * CROP_PAD
    rows, parts, y = [], [], 0
    for im in images:
        ground = int(np.median(np.concatenate([im[0], im[-1]])))
        parts.append(cv2.copyMakeBorder(im, CROP_PAD, CROP_PAD, CROP_PAD, width - im.shape[1] - CROP_PAD,
                                        cv2.BORDER_CONSTANT, value=ground))
        rows.append(y + CROP_PAD)
        y += im.shape[0] + 2 * CROP_PAD
    return np.vstack(parts), rows


def _lines_back(words, crops, rows, boxes, script: str) -> dict:
    """Tesseract's words in the stack -> {crop index: its Line in the image's coordinates}; a
    crop whose words are mostly not `script` (a blurred English word beside the Hindi) is left
    out."""
    per_crop: dict[int, list] = {}
    for word in words:
        x0, y0, x1, y1 = bounds(word.box)
        i = max(0, int(np.searchsorted(rows, (y0 + y1) / 2, side="right")) - 1)
        height, width = crops[i].image.shape[:2]  # clipped to the crop: the ground around it is no line's
        box = np.clip([x0 - CROP_PAD, y0 - rows[i], x1 - CROP_PAD, y1 - rows[i]], 0, [width, height, width, height])
        per_crop.setdefault(i, []).append((word, tuple(box)))
    lines = {}
    for i, placed in sorted(per_crop.items()):
        placed = _trimmed(placed)
        text = "".join(w.text for w, _ in placed)
        counts = detect.script_counts(text)
        if counts.get(script, 0) * 2 <= sum(counts.values()):
            continue
        crop = crops[i]
        mapped = [Word(_letters(w.text, script), w.confidence, quad(crop.to_image([[a, b], [c, b], [c, d], [a, d]])))
                  for w, (a, b, c, d) in placed]
        (ax, ay), (bx, by) = crop.to_image([[0, CROP_HEIGHT / 2], [crop.image.shape[1], CROP_HEIGHT / 2]])
        lines[i] = Line(text=" ".join(w.text for w in mapped), confidence=float(np.mean([w.confidence for w in mapped])),
                        box=quad(boxes[i]), words=mapped, direction=(bx - ax, by - ay))
    return lines


# Tesseract's Greek model writes mu as the micro sign ("µέρα"), which is not a Greek letter.
MISREAD_LETTERS = {"Grek": str.maketrans({"\u00b5": "\u03bc"})}


def _letters(text: str, script: str) -> str:
    return text.translate(MISREAD_LETTERS[script]) if script in MISREAD_LETTERS else text


def _trimmed(placed: list) -> list:
    """Without the marks Tesseract reads at a crop's ends from the ink around the line (a
    sign's frame as "|", a neighbour's edge as "`"): marks read as words of their own, and
    marks stuck to the outermost words ("|चिकित्सा"), whose boxes lose their share."""
    keep = [any(ch.isalnum() for ch in w.text) for w, _ in placed]
    if not any(keep):
        return []
    first, last = keep.index(True), len(keep) - keep[::-1].index(True)
    placed = placed[first:last]
    left = min(range(len(placed)), key=lambda k: placed[k][1][0])
    right = max(range(len(placed)), key=lambda k: placed[k][1][2])
    for k, side in ((left, 0), (right, 2)):
        word, box = placed[k]
        text = word.text.strip(EDGE_MARKS)
        if text != word.text:
            cut = (box[2] - box[0]) * (len(word.text) - len(text)) / len(word.text)
            box = (box[0] + cut, *box[1:]) if side == 0 else (*box[:2], box[2] - cut, box[3])
            placed[k] = (Word(text, word.confidence, word.box), box)
    return placed
