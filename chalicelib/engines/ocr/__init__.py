"""OCR engines as plugins behind one protocol (`base.OcrEngine`)."""
from __future__ import annotations

from chalicelib import plugins
from chalicelib.engines.ocr.base import Line, OcrEngine, Word, build_result  # noqa: F401

ENGINES = {
    "rapidocr": "chalicelib.engines.ocr.rapid:RapidOcrEngine",
    "keras-ocr": "chalicelib.engines.ocr.keras_engine:KerasOcrEngine",
    "tesseract": "chalicelib.engines.ocr.tesseract:TesseractEngine",
}


get_engine = plugins.getter("OCR", ENGINES)
