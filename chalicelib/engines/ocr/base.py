"""The OCR engine protocol and the result every engine maps into.

An engine only has to turn an RGB array into `Line`s with `Word`s; reading order and
rounding are done here once (`read_page`), into the result tree (chalicelib.structure.elements)
that exports CONTRACTS section 1.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from chalicelib.geometry import Quad
from chalicelib.structure import elements

SCHEMA_VERSION = elements.SCHEMA_VERSION


@dataclass
class Word:
    text: str
    confidence: float
    box: Quad


@dataclass
class Line:
    text: str
    confidence: float
    box: Quad
    words: list[Word] = field(default_factory=list)
    # Reading direction in image pixels (unit vector), when the engine knows it (not emitted).
    direction: tuple[float, float] | None = None


class Reading(list):
    """An engine's lines, and whether that is all of them: `complete` is False when the time
    budget or the line cap cut the reading short (`reason` "time" or "lines"); the lines read
    are then the top of the page, in reading order.

    `unsure`: words the engine read but left out of the lines because it is not sure of them
    (under its confidence filter), so that a person can still be shown where they are.
    `unread`: the boxes of text lines found and read as nothing sure (a script the engine
    does not know comes out so), for a reader of another script to look at.
    `engine`: the engine that read the lines, when a reader composed of several (the page's
    reader, engines/ocr/reader.py) says which of them did (its `name` and `version` go into
    the result); None: the engine that returned it."""

    def __init__(self, lines=(), *, complete: bool = True, reason: str | None = None,
                 lines_found: int | None = None, unsure: Sequence[Word] = (), unread: Sequence[Quad] = (),
                 engine: OcrEngine | None = None):
        super().__init__(lines)
        self.complete, self.reason = complete, reason
        self.lines_found = len(self) if lines_found is None else lines_found
        self.unsure = list(unsure)
        self.unread = list(unread)
        self.engine = engine

    def coverage(self) -> dict | None:
        """result["ocr"] when cut short, else None."""
        if self.complete:
            return None
        return {"complete": False, "reason": self.reason, "lines_found": self.lines_found}


class OcrEngine(Protocol):
    """What the pipeline needs of an OCR engine. Load models in `__init__` (once per process)."""

    name: str
    version: str

    def read(self, image: np.ndarray, *, deadline: float | None = None, language: str | None = None) -> list[Line]:
        """RGB uint8 array (H, W, 3) -> lines with word boxes, in any order. An engine that can
        stop early returns a `Reading` that says so when `deadline` (time.monotonic) passes.
        `language`: the page's language when the upload names it (a code of
        chalicelib.languages), for engines with language-specific steps; None: unknown."""


def direction(line: Line) -> np.ndarray:
    """Unit vector of the line's reading direction in image pixels: the engine's own
    (`Line.direction`, from how it cropped the line) when it gives one, else its first to its
    last word, else its box's top edge."""
    if line.direction is not None:
        d = np.asarray(line.direction, dtype=float)
    elif len(line.words) >= 2:
        d = np.mean(line.words[-1].box, axis=0) - np.mean(line.words[0].box, axis=0)
    else:
        pts = np.asarray(line.box, dtype=float)
        d = pts[1] - pts[0]
    n = float(np.hypot(*d))
    return d / n if n > 1e-6 else np.array([1.0, 0.0])


LEVEL_DEGREES = 3.0  # a page whose text runs within this of horizontal is read as level


def reading_order(lines: list[Line]) -> list[Line]:
    """Rows in the order the text runs across them, and lines along each row.

    In the text's own frame: the page's direction is the mean reading direction of its lines
    (weighted by length; within `LEVEL_DEGREES` of horizontal it is taken as level, so a
    scanned page keeps exactly the top-to-bottom, left-to-right order). Rows go along the
    normal of that direction, lines along it: a sign photographed at an angle reads line by
    line, an upside-down page from its own top. Two lines share a row when their extents
    across the direction overlap by more than half the smaller one, so slightly skewed lines
    on one baseline stay together.
    """
    if len(lines) < 2:
        return list(lines)
    pts = [np.asarray(ln.box, dtype=float) for ln in lines]
    dirs = [direction(ln) for ln in lines]
    page = sum(max(1.0, float(np.ptp(p @ d))) * d for p, d in zip(pts, dirs))
    angle = math.atan2(page[1], page[0]) if float(np.hypot(*page)) > 1e-6 else 0.0
    if abs(math.degrees(angle)) < LEVEL_DEGREES:
        angle = 0.0
    along = np.array([math.cos(angle), math.sin(angle)])
    normal = np.array([-along[1], along[0]])  # (1, 0) -> (0, 1): down the page
    # Each line's extent in the text's frame: (start, top, end, bottom).
    frame = [(float((p @ along).min()), float((p @ normal).min()), float((p @ along).max()),
              float((p @ normal).max())) for p in pts]

    items = sorted(range(len(lines)), key=lambda i: (frame[i][1] + frame[i][3]) / 2)
    rows: list[list[int]] = []
    for i in items:
        _, y0, _, y1 = frame[i]
        if rows:
            row = rows[-1]
            ry0 = min(frame[j][1] for j in row)
            ry1 = max(frame[j][3] for j in row)
            if min(y1, ry1) - max(y0, ry0) > 0.5 * min(y1 - y0, ry1 - ry0):
                row.append(i)
                continue
        rows.append([i])
    return [lines[i] for row in rows for i in sorted(row, key=lambda j: frame[j][0])]


def read_page(engine: OcrEngine, width: int, height: int, lines: list[Line],
              timings_ms: dict | None = None) -> elements.Document:
    """An engine's reading of one image as the result tree (chalicelib.structure.elements): its
    lines with text in reading order, confidences rounded as published, and the unsure words."""
    unsure = unsure_words(lines)
    lines = [ln for ln in reading_order(lines) if ln.text.strip()]
    page = elements.Page(int(width), int(height), [_element(ln) for ln in lines])
    return elements.Document(engine.name, engine.version, [page], dict(timings_ms or {}), unsure)


def build_result(engine: OcrEngine, width: int, height: int, lines: list[Line],
                 timings_ms: dict | None = None) -> dict:
    """The CONTRACTS section 1 document (`read_page`, exported)."""
    return read_page(engine, width, height, lines, timings_ms).export()


def _word(word: Word) -> elements.Word:
    return elements.Word(word.text, round(float(word.confidence), 4), word.box)


def _element(line: Line) -> elements.Line:
    return elements.Line(line.text, round(float(line.confidence), 4), line.box, [_word(w) for w in line.words])


def unsure_words(lines) -> list[elements.Word]:
    """The words a `Reading` left out as unsure (result["unsure"]), in reading order (each word
    on its own: they are scattered and rarely make a line of their own)."""
    words = [w for w in getattr(lines, "unsure", ()) if w.text.strip()]
    alone = [Line(w.text, w.confidence, w.box, [w]) for w in words]
    return [_word(ln.words[0]) for ln in reading_order(alone)]


def validate_result(doc: dict) -> None:
    """Raise ValueError if `doc` is not a CONTRACTS section 1 result (used by tests and the CLI)."""
    def need(cond, what):
        if not cond:
            raise ValueError(what)

    need(doc.get("schema") == SCHEMA_VERSION, "schema must be 1")
    need(isinstance(doc.get("engine"), str) and doc["engine"], "engine missing")
    need(isinstance(doc.get("width"), int) and doc["width"] > 0, "width must be a positive int")
    need(isinstance(doc.get("height"), int) and doc["height"] > 0, "height must be a positive int")
    need(isinstance(doc.get("text"), str), "text must be a string")
    need(isinstance(doc.get("lines"), list), "lines must be a list")
    need(isinstance(doc.get("timings_ms"), dict), "timings_ms must be an object")

    def check_box(box, where):
        need(isinstance(box, list) and len(box) == 4, f"{where}: box needs 4 corners")
        for p in box:
            need(isinstance(p, list) and len(p) == 2 and all(isinstance(v, int) for v in p),
                 f"{where}: corners are [x, y] integers")

    for i, ln in enumerate(doc["lines"]):
        need(isinstance(ln.get("text"), str) and ln["text"], f"line {i}: text")
        need(0.0 <= float(ln.get("confidence", -1)) <= 1.0, f"line {i}: confidence")
        check_box(ln.get("box"), f"line {i}")
        need(isinstance(ln.get("words"), list) and ln["words"], f"line {i}: words required")
        for j, w in enumerate(ln["words"]):
            need(isinstance(w.get("text"), str) and w["text"], f"line {i} word {j}: text")
            need(0.0 <= float(w.get("confidence", -1)) <= 1.0, f"line {i} word {j}: confidence")
            check_box(w.get("box"), f"line {i} word {j}")
    need(doc["text"] == "\n".join(ln["text"] for ln in doc["lines"]), "text must join the lines")
    unsure = doc.get("unsure", [])
    need(isinstance(unsure, list), "unsure must be a list")
    for j, w in enumerate(unsure):
        need(isinstance(w.get("text"), str) and w["text"], f"unsure word {j}: text")
        need(0.0 <= float(w.get("confidence", -1)) <= 1.0, f"unsure word {j}: confidence")
        check_box(w.get("box"), f"unsure word {j}")
