"""The layout engine protocol: a page image -> the regions a detector sees on it.

Classes are DocLayNet's (Caption, Footnote, Formula, List-item, Page-footer, Page-header,
Picture, Section-header, Table, Text, Title); an engine trained on other classes names its
regions with the nearest of these.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

CLASSES = ("Caption", "Footnote", "Formula", "List-item", "Page-footer", "Page-header", "Picture",
           "Section-header", "Table", "Text", "Title")


@dataclass(frozen=True)
class Region:
    kind: str  # one of CLASSES
    score: float  # the detector's confidence, 0..1
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in the image's pixels


class LayoutEngine(Protocol):
    """What the pipeline needs of a layout engine. Load models in `__init__` (once per process)."""

    name: str
    version: str

    def detect(self, rgb: np.ndarray) -> list[Region]:
        """RGB uint8 (H, W, 3) -> the regions seen, every class, best first within a class."""
