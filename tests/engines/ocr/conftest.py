"""The default OCR engine, loaded once for the OCR tests (real inference)."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def engine():
    from chalicelib.engines.ocr.rapid import RapidOcrEngine

    return RapidOcrEngine()
