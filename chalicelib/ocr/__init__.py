"""OCR engines as plugins behind one protocol (`base.OcrEngine`)."""
from __future__ import annotations

from chalicelib import plugins
from chalicelib.ocr.base import Line, OcrEngine, Word, build_result  # noqa: F401

ENGINES = {
    "rapidocr": "chalicelib.ocr.rapid:RapidOcrEngine",
    "keras-ocr": "chalicelib.ocr.keras_engine:KerasOcrEngine",
}


def get_engine(name: str) -> OcrEngine:
    return plugins.choose("OCR", ENGINES, name)
