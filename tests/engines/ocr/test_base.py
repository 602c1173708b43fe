"""An engine's reading into the result tree (engines/ocr/base.read_page) and its export, the
CONTRACTS section 1 document (`build_result`): reading order, rounding, unsure words."""
from __future__ import annotations

import numpy as np

from chalicelib.engines.ocr.base import Line, Reading, Word, build_result, read_page
from chalicelib.structure import elements


class _Engine:
    name, version = "fake", "1.0"


def _box(x0, y0, x1, y1):
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]


def _reading() -> Reading:
    low = Line("Main Street", np.float32(0.876543), _box(10, 60, 200, 90),
               [Word("Main", np.float32(0.91239), _box(10, 60, 90, 90)), Word("Street", 0.84, _box(100, 60, 200, 90))])
    top = Line("OPEN", 0.99999, _box(10, 10, 100, 40), [Word("OPEN", 0.99999, _box(10, 10, 100, 40))])
    blank = Line("  ", 0.5, _box(300, 10, 320, 40), [Word("  ", 0.5, _box(300, 10, 320, 40))])
    return Reading([low, blank, top], unsure=[Word("cafe", 0.40004, _box(10, 120, 60, 140)),
                                              Word("ok", 0.3, _box(10, 100, 40, 115))])


def test_the_engine_reading_exports_section_1():
    doc = build_result(_Engine(), 400.0, 300, _reading(), {"ocr": 12})
    assert doc == {
        "schema": 1, "engine": "fake", "engine_version": "1.0", "width": 400, "height": 300,
        "text": "OPEN\nMain Street",
        "lines": [{"text": "OPEN", "confidence": 1.0, "box": _box(10, 10, 100, 40),
                   "words": [{"text": "OPEN", "confidence": 1.0, "box": _box(10, 10, 100, 40)}]},
                  {"text": "Main Street", "confidence": 0.8765, "box": _box(10, 60, 200, 90),
                   "words": [{"text": "Main", "confidence": 0.9124, "box": _box(10, 60, 90, 90)},
                             {"text": "Street", "confidence": 0.84, "box": _box(100, 60, 200, 90)}]}],
        "timings_ms": {"ocr": 12},
        "unsure": [{"text": "ok", "confidence": 0.3, "box": _box(10, 100, 40, 115)},
                   {"text": "cafe", "confidence": 0.4, "box": _box(10, 120, 60, 140)}]}
    assert all(type(w["confidence"]) is float for ln in doc["lines"] for w in ln["words"])  # JSON, not numpy


def test_read_page_keeps_the_tree():
    doc = read_page(_Engine(), 400, 300, _reading())
    assert isinstance(doc, elements.Document) and not doc.paged and doc.page.blocks is None
    assert [ln.text for ln in doc.page.lines] == ["OPEN", "Main Street"] and doc.page.text == "OPEN\nMain Street"
    assert [w.text for w in doc.unsure] == ["ok", "cafe"]
    assert "unsure" not in build_result(_Engine(), 400, 300, Reading(_reading()[:1]))
