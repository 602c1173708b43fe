"""The default engine's speed cuts (issue 42 item 4) read what the engine read before them:
recognition batches run side by side, and (options, off by default) large print's lines
recognised narrowed or detected shrunk (real models; the int8 models: test_rapid_int8.py)."""
from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.engines.ocr.rapid import RapidOcrEngine
from tests.engines.ocr.test_rapid import draw_page, words_of
from tests.images import iou

LINES = ["Chapter 3: The annual report", "Revenue grew by 12% in 2024,", "while costs fell.",
         "See page 41 for the tables", "and the notes on method.", "Figures are in US dollars"]


def page(px: int):
    rows = [(40, 30 + i * int(px * 1.9), text) for i, text in enumerate(LINES)]
    return draw_page(rows, size=(int(px * 20), 60 + len(LINES) * int(px * 1.9)), px=px)


def test_large_print_may_be_read_narrowed_and_the_same(engine):
    image, drawn = page(40)
    squeezing = RapidOcrEngine(replace(engine.cfg, rec_squeeze=0.8, det_shrink=False, int8="off"))  # the option alone (int8: test_rapid_int8)
    narrowed = words_of(squeezing.read(image))
    assert squeezing.last_large_print and squeezing.last_upscale == pytest.approx(1.0)  # detected whole
    plain = RapidOcrEngine(replace(engine.cfg, det_glyph=0.0, rec_parallel=False, threads=1))
    whole = words_of(plain.read(image))
    assert not plain.last_large_print
    assert set(drawn) <= set(narrowed), sorted(narrowed)
    assert set(narrowed) == set(whole)
    for word, box in drawn.items():
        assert iou(narrowed[word], box) >= 0.6, (word, narrowed[word], box, whole[word])
        assert iou(narrowed[word], whole[word]) >= 0.85, (word, narrowed[word], whole[word])


def test_large_print_may_be_detected_shrunk(engine):
    image, drawn = page(40)
    shrinking = RapidOcrEngine(replace(engine.cfg, det_shrink=True, int8="off"))
    got = words_of(shrinking.read(image))
    assert shrinking.last_upscale < 0.9  # the detector saw fewer pixels
    assert set(drawn) <= set(got), sorted(got)
    for word, box in drawn.items():
        assert iou(got[word], box) >= 0.6, (word, got[word], box)


def test_small_print_is_not_shrunk(engine):
    image, drawn = page(13)
    got = words_of(engine.read(image))
    assert engine.last_upscale == pytest.approx(1.0) and not engine.last_large_print
    assert set(drawn) <= set(got), sorted(got)


def test_batches_side_by_side_read_as_one_at_a_time(engine):
    assert engine.cfg.rec_parallel and engine.cfg.threads > 1 and engine._pool is not None
    image, _ = page(24)
    serial = RapidOcrEngine(replace(engine.cfg, rec_parallel=False))
    assert serial._pool is None
    a, b = engine.read(image), serial.read(image)
    assert [ln.text for ln in a] == [ln.text for ln in b] == LINES
    for la, lb in zip(a, b):
        for wa, wb in zip(la.words, lb.words):
            assert iou(words_of([la])[wa.text], words_of([lb])[wb.text]) >= 0.95
