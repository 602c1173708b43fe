"""The handwritten-digit engine protocol and the result shape.

An engine turns an RGB array (and the alpha channel, when the file had one) into `Digit`s in
reading order: lines top to bottom, left to right within a line. Several digits on one line
are one number; `number_text` joins them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

Quad = list  # 4 points [x, y], clockwise from top-left, image pixels


@dataclass
class Digit:
    value: int | None  # None: not sure (low confidence, or the ink does not look like a digit)
    confidence: float  # probability of the best digit (0..1)
    probabilities: list[float]  # 10 probabilities for 0..9 (sum to 1 - P(not a digit))
    box: Quad
    line: int = 0  # index of the text line (0 = top line)
    not_digit: float = 0.0  # probability that the ink is not a digit at all

    def to_dict(self) -> dict:
        return {"value": self.value, "confidence": round(float(self.confidence), 4),
                "probabilities": [round(float(p), 4) for p in self.probabilities],
                "box": self.box, "line": self.line}


class DigitsEngine(Protocol):
    """What the pipeline needs of a digits engine. Load models in `__init__` (once per process)."""

    name: str
    version: str

    def read(self, rgb: np.ndarray, alpha: np.ndarray | None = None) -> list[Digit]:
        """RGB uint8 (H, W, 3) [+ alpha (H, W)] -> digits in reading order; [] when no handwriting."""


def number_text(digits: list[Digit], unsure: str = "?") -> str:
    """The digits as text, one line per text line: "42", "1?7" (a "not sure" digit is `unsure`)."""
    lines: dict[int, list[str]] = {}
    for d in digits:
        lines.setdefault(d.line, []).append(unsure if d.value is None else str(d.value))
    return "\n".join("".join(v) for _, v in sorted(lines.items()))


def box_quad(x0: float, y0: float, x1: float, y1: float) -> Quad:
    """Axis-aligned box as 4 integer points, clockwise from top-left."""
    x0, y0, x1, y1 = (int(round(v)) for v in (x0, y0, x1, y1))
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]


__all__ = ["Digit", "DigitsEngine", "Quad", "box_quad", "number_text", "field"]
