"""The OCR engine protocol and the result shape every engine maps into.

An engine only has to turn an RGB array into `Line`s with `Word`s; reading order,
rounding and the JSON shape of CONTRACTS section 1 are done here once.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

SCHEMA_VERSION = 1

Point = list  # [x, y]
Quad = list  # 4 points, clockwise from top-left


@dataclass
class Word:
    text: str
    confidence: float
    box: Quad

    def to_dict(self) -> dict:
        return {"text": self.text, "confidence": round(float(self.confidence), 4), "box": self.box}


@dataclass
class Line:
    text: str
    confidence: float
    box: Quad
    words: list[Word] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"text": self.text, "confidence": round(float(self.confidence), 4), "box": self.box,
                "words": [w.to_dict() for w in self.words]}


class Reading(list):
    """An engine's lines, and whether that is all of them: `complete` is False when the time
    budget or the line cap cut the reading short (`reason` "time" or "lines"); the lines read
    are then the top of the page, in reading order."""

    def __init__(self, lines=(), *, complete: bool = True, reason: str | None = None,
                 lines_found: int | None = None):
        super().__init__(lines)
        self.complete, self.reason = complete, reason
        self.lines_found = len(self) if lines_found is None else lines_found

    def coverage(self) -> dict | None:
        """result["ocr"] when cut short, else None."""
        if self.complete:
            return None
        return {"complete": False, "reason": self.reason, "lines_found": self.lines_found}


class OcrEngine(Protocol):
    """What the pipeline needs of an OCR engine. Load models in `__init__` (once per process)."""

    name: str
    version: str

    def read(self, image: np.ndarray, *, deadline: float | None = None) -> list[Line]:
        """RGB uint8 array (H, W, 3) -> lines with word boxes, in any order. An engine that can
        stop early returns a `Reading` that says so when `deadline` (time.monotonic) passes."""


def quad(points: Sequence[Sequence[float]]) -> Quad:
    """Round any 4-point polygon to integer pixels, clockwise from top-left."""
    pts = np.asarray(points, dtype=float).reshape(4, 2)
    # Start at the corner nearest the top-left (smallest x + y), keep clockwise order.
    centre = pts.mean(axis=0)
    angles = np.arctan2(pts[:, 1] - centre[1], pts[:, 0] - centre[0])
    pts = pts[np.argsort(angles)]  # image coordinates: increasing angle is clockwise
    start = int(np.argmin(pts.sum(axis=1)))
    pts = np.roll(pts, -start, axis=0)
    return [[int(round(x)), int(round(y))] for x, y in pts]


def rect(x0: float, y0: float, x1: float, y1: float) -> Quad:
    return quad([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])


def bounds(box: Quad) -> tuple[float, float, float, float]:
    xs = [p[0] for p in box]
    ys = [p[1] for p in box]
    return min(xs), min(ys), max(xs), max(ys)


def reading_order(lines: list[Line]) -> list[Line]:
    """Top-to-bottom rows, left-to-right within a row.

    Two lines share a row when their vertical extents overlap by more than half the
    smaller height, so slightly skewed lines on one baseline stay together.
    """
    items = sorted(lines, key=lambda ln: (bounds(ln.box)[1] + bounds(ln.box)[3]) / 2)
    rows: list[list[Line]] = []
    for ln in items:
        _, y0, _, y1 = bounds(ln.box)
        placed = False
        if rows:
            row = rows[-1]
            ry0 = min(bounds(r.box)[1] for r in row)
            ry1 = max(bounds(r.box)[3] for r in row)
            overlap = min(y1, ry1) - max(y0, ry0)
            if overlap > 0.5 * min(y1 - y0, ry1 - ry0):
                row.append(ln)
                placed = True
        if not placed:
            rows.append([ln])
    return [ln for row in rows for ln in sorted(row, key=lambda r: bounds(r.box)[0])]


def build_result(engine: OcrEngine, width: int, height: int, lines: list[Line],
                 timings_ms: dict | None = None) -> dict:
    """The CONTRACTS section 1 document."""
    lines = [ln for ln in reading_order(lines) if ln.text.strip()]
    return {
        "schema": SCHEMA_VERSION,
        "engine": engine.name,
        "engine_version": engine.version,
        "width": int(width),
        "height": int(height),
        "text": "\n".join(ln.text for ln in lines),
        "lines": [ln.to_dict() for ln in lines],
        "timings_ms": dict(timings_ms or {}),
    }


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
