"""Handwritten-digit engines as plugins behind one protocol (`base.DigitsEngine`)."""
from __future__ import annotations

from chalicelib import plugins
from chalicelib.engines.digits.base import Digit, DigitsEngine, number_text  # noqa: F401

ENGINES = {
    "cnn": "chalicelib.engines.digits.cnn:CnnDigitsEngine",
}


get_engine = plugins.getter("digits", ENGINES)
