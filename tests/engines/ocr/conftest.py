"""The default OCR engine, loaded once for the OCR tests (real inference)."""
from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session")
def engine():
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    from chalicelib.engines.ocr.rapid import RapidOcrEngine

    return RapidOcrEngine()
