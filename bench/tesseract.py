"""Tesseract (Debian `tesseract-ocr`, `eng`) as a benchmark peer: PageVoice's own Tesseract
engine (chalicelib/engines/ocr/tesseract.py), configured as an English reader of any image.

One configuration for every image: grayscale input, page segmentation mode 11 ("sparse text,
as much text as possible in no particular order"): the default mode (3) reads nothing on most
scene photos. Measured on the tune halves: FUNSD end-to-end exact F1 0.45 with mode 11 against
0.40 with mode 3; ICDAR case-insensitive 0.05 against 0.08 (both read little of the photos).
"""
from __future__ import annotations

import os

from chalicelib.engines.ocr import tesseract

PSM = int(os.environ.get("BENCH_TESSERACT_PSM", "11"))


class TesseractEngine(tesseract.TesseractEngine):
    def __init__(self) -> None:
        super().__init__(tesseract.TesseractConfig(languages="eng", psm=PSM))
