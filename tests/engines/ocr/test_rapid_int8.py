"""The int8 detector and recogniser (engines/ocr/int8.py; an option, off by default) read large
print as the fp32 models do, and nothing else when set to `large-print`; the tiny detector's int8
copy (an option too) finds the lines the fp32 one finds (real models, real quantisation)."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from chalicelib.engines.ocr import int8
from chalicelib.engines.ocr.rapid import RapidConfig, RapidOcrEngine, _models_dir, _tiny_models
from tests.engines.ocr.test_rapid import words_of
from tests.engines.ocr.test_rapid_speed import LINES, page
from tests.images import iou


@pytest.fixture(scope="module")
def quantised(engine):
    return RapidOcrEngine(replace(engine.cfg, int8="large-print", tiny="off"))  # the option alone (tiny: test_rapid_tiny)


def test_the_int8_copies_are_made_once_and_named_by_their_inputs(quantised):
    cache = Path(quantised.cfg.cache_dir).expanduser()
    for stem in int8.MODELS:
        fp32 = _models_dir() / f"{stem}.onnx"
        made = int8.target(fp32, cache)
        assert made.is_file() and made.stat().st_size < 0.7 * fp32.stat().st_size  # int8 weights (the recogniser's head: fp32)
        assert made.name.startswith(f"{stem}-int8-") and int8.target(fp32, cache / "x").name == made.name
        stamp = made.stat().st_mtime_ns
        assert int8.model(fp32, cache) == made and made.stat().st_mtime_ns == stamp  # not made again
        assert int8.ranges_file(stem).is_file()


def test_large_print_is_read_by_the_int8_models_and_the_same(engine, quantised):
    assert engine.cfg.int8 == "off" and engine._int8 is None  # the default
    image, drawn = page(40)
    got = words_of(quantised.read(image))
    assert quantised.last_large_print and (quantised._det, quantised._rec) == quantised._int8
    plain = words_of(engine.read(image))
    assert set(drawn) <= set(got), sorted(got)
    assert set(got) == set(plain)
    for word, box in drawn.items():
        assert iou(got[word], box) >= 0.6, (word, got[word], box)
        # the line's end is fitted a few pixels apart at times ("fell." 274-332 against 274-345)
        assert iou(got[word], plain[word]) >= 0.75, (word, got[word], plain[word])


def test_small_print_stays_with_the_fp32_models(quantised):
    quantised.read(page(40)[0])
    image, drawn = page(13)
    reading = quantised.read(image)
    assert not quantised.last_large_print and (quantised._det, quantised._rec) == quantised._fp32
    assert [ln.text for ln in reading] == LINES


def test_int8_is_one_of_three_settings():
    with pytest.raises(ValueError, match="int8"):
        RapidOcrEngine(RapidConfig(int8="yes"))


def test_the_tiny_detector_may_be_int8_and_finds_the_fp32_ones_lines(engine, tmp_path):
    assert not engine.cfg.tiny_int8 and "(det int8)" not in engine.version  # the default: fp32
    tiny8 = RapidOcrEngine(replace(engine.cfg, tiny_int8=True, cache_dir=str(tmp_path)))
    fp32 = _tiny_models()[0]
    made = int8.target(fp32, tmp_path, int8.TINY_DET)
    assert made.is_file() and made.name.startswith(f"{int8.TINY_DET}-int8-")
    assert made.stat().st_size < 0.7 * fp32.stat().st_size and int8.ranges_file(int8.TINY_DET).is_file()
    plain = RapidOcrEngine(replace(engine.cfg, tiny_int8=False))
    image, drawn = page(40)
    got = words_of(tiny8.read(image))
    assert tiny8.last_tiny and tiny8._det is tiny8._tiny_det
    want = words_of(plain.read(image))
    assert set(drawn) <= set(got) and set(got) == set(want), sorted(got)
    for word, box in drawn.items():
        assert iou(got[word], box) >= 0.6, (word, got[word], box)
        assert iou(got[word], want[word]) >= 0.75, (word, got[word], want[word])


def test_a_cache_folder_that_cannot_be_written_leaves_the_fp32_tiny_detector(engine, tmp_path, caplog):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")  # the copy's folder cannot be made under a file
    tiny = RapidOcrEngine(replace(engine.cfg, tiny_int8=True, cache_dir=str(blocked / "cache")))
    assert "int8 copy cannot be made" in caplog.text and "(det int8)" not in tiny.version
    image, drawn = page(40)
    assert set(drawn) <= set(words_of(tiny.read(image)))
