"""From any picture of handwritten digits to MNIST-style 28x28 crops (pure numpy + OpenCV).

Steps (each a function, so the training script runs the very same normalisation), one module each:

1. `ink_map` (ink.py): a "how much ink is here" map, white ink on black, whatever the input. Polarity
   (dark on light or light on dark) from the picture's majority, its centre (paper on a table)
   and, when those do not settle it, its ridges; the background (paper colour, uneven light,
   shadows) is a morphological closing (opening for light ink) wider than any stroke, divided
   out so a shadow is not ink; coloured ink counts by its saturation over the paper's; digits
   drawn only in the alpha channel are read from the alpha channel.
2. `threshold` (threshold.py): the lines of ruled or squared paper erased (rules.py: Hough, evenly spaced, crossings
   kept), regions running along the border (the table around a sheet) left out, then Otsu with
   floors from the noise and an absolute contrast (a blank page has no ink), with hysteresis.
3. `find_digits` (candidates.py): connected ink components; specks, frames around the number, underlines and
   margin lines dropped; pieces of one digit (a 5's flag, broken strokes) merged; digits
   grouped into lines (crooked ones too) and ordered left to right, lines top to bottom.
4. `normalize_digit` (normalize.py): stroke width brought into MNIST's range, slant corrected (second-order
   moments), the digit fitted into 20x20 and centred by its centre of mass in 28x28.

`with_margin` (margin.py): the picture inside a margin of its edge colour, for a second reading
when ink lies along the picture's edge (a digit running off it looks like the table around a
sheet); `ink_at_edge` says when.

Splitting touching digits needs the classifier, so it lives in the engine (`cnn.py`); the
candidate column spans are computed here (`segment_spans`).
"""
from __future__ import annotations

from chalicelib.engines.digits.preprocess.candidates import (
    Candidate,
    FindConfig,
    find_digits,
    segment_spans,
    soft_crop,
)
from chalicelib.engines.digits.preprocess.ink import WORK_MAX, WORK_MIN, InkMap, ink_map
from chalicelib.engines.digits.preprocess.margin import MARGIN, Framed, ink_at_edge, with_margin
from chalicelib.engines.digits.preprocess.normalize import (
    STROKE_MAX,
    STROKE_MIN,
    STROKE_TARGET,
    deskew,
    normalize_digit,
    normalize_stroke,
)
from chalicelib.engines.digits.preprocess.rules import ruled_lines
from chalicelib.engines.digits.preprocess.threshold import BORDER_CONTACT, MIN_CONTRAST, threshold

__all__ = [
    "BORDER_CONTACT", "MARGIN", "MIN_CONTRAST", "STROKE_MAX", "STROKE_MIN", "STROKE_TARGET", "WORK_MAX", "WORK_MIN",
    "Candidate", "FindConfig", "Framed", "InkMap",
    "deskew", "find_digits", "ink_map", "normalize_digit", "normalize_stroke", "ruled_lines", "segment_spans",
    "soft_crop", "threshold", "ink_at_edge", "with_margin",
]
