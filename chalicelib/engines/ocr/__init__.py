"""OCR engines as plugins behind one protocol (`base.OcrEngine`), and the page's reader that
composes them (`get_reader`, reader.py)."""
from __future__ import annotations

from chalicelib import plugins
from chalicelib.engines.ocr.base import Line, OcrEngine, Word, build_result  # noqa: F401

ENGINES = {
    "rapidocr": "chalicelib.engines.ocr.rapid:RapidOcrEngine",
    "keras-ocr": "chalicelib.engines.ocr.keras_engine:KerasOcrEngine",
    "tesseract": "chalicelib.engines.ocr.tesseract:TesseractEngine",
}


get_engine = plugins.getter("OCR", ENGINES)


def get_reader(name: str):
    """The page's reader (reader.Reader) around the engine registered as `name`: that engine,
    the script classifier and Tesseract for the scripts it cannot read. Cheap: the engines in
    it are built once per process."""
    from chalicelib.engines.ocr.reader import Reader  # numpy and OpenCV: not at the API's import

    return Reader(get_engine(name))
