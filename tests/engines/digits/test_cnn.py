"""The digits engine on real files: the committed ONNX model, no mocks.

Files are the drawn images of shared/datasets/digits-dev, and pictures made here from held-out
MNIST digits (tests/engines/digits/synth.py): a phone-photo-like number with a shadow and a
crooked angle, an alpha-only PNG, blank pages, printed text. Every file goes through the app's
decoder (`chalicelib.media.image.decode`) as an upload would.
"""
from __future__ import annotations

import csv
import dataclasses

import cv2
import numpy as np
import pytest

from chalicelib.engines import digits
from chalicelib.engines.digits import cnn
from chalicelib.engines.digits import preprocess as pp
from chalicelib.engines.digits.base import number_text
from chalicelib.errors import EngineUnavailable
from chalicelib.media.image import decode
from tests.engines.digits import synth

LIMITS = dict(max_bytes=50 * 1024 * 1024, max_pixels=40_000_000)
DEV = synth.DIGITS_DEV


def _labels():
    synth.require_digits_dev()
    with open(DEV / "labels.csv") as f:
        return [(r["file"], int(r["label"])) for r in csv.DictReader(f)]


@pytest.fixture(scope="module")
def engine():
    return cnn.CnnDigitsEngine()


@pytest.fixture(scope="module")
def mnist():
    return synth.held_out_mnist()


def read(engine, data: bytes):
    dec = decode(data, **LIMITS)
    return dec, engine.read(dec.rgb, dec.alpha)


def values(found):
    return [d.value for d in found]


def centre(box):
    pts = np.asarray(box, float)
    return pts.mean(axis=0)


def test_digits_dev_is_there():
    synth.require_digits_dev()  # fails (not skips) with a clear message when it is missing
    assert len(_labels()) == 28


# Drawn images the committed model gets wrong, said out loud rather than tuned away (strict:
# a model that reads one of them right makes the test fail until it is removed from here).
KNOWN_MISSES = {
    "images/tathagat_9.png": "a thin 9 whose loop is open at the top right; read as 5 (p~0.94)",
}


def _drawn_params():
    if not DEV.is_dir():
        return [("missing", -1)]
    return [pytest.param(name, label, marks=pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[name]))
            if name in KNOWN_MISSES else (name, label) for name, label in _labels()]


@pytest.mark.parametrize("name,label", _drawn_params())
def test_each_drawn_image(engine, name, label):
    dec, found = read(engine, (DEV / name).read_bytes())
    assert values(found) == [label], [(d.value, round(d.confidence, 3), round(d.not_digit, 3)) for d in found]
    d = found[0]
    assert d.confidence >= engine.config.min_confidence
    assert len(d.probabilities) == 10 and abs(sum(d.probabilities) + d.not_digit - 1) < 1e-4
    (x0, y0), _, (x1, y1), _ = d.box
    assert 0 <= x0 < x1 <= dec.width and 0 <= y0 < y1 <= dec.height


def test_mnist_white_on_black(engine, mnist):
    X, y = mnist
    for digit in (2, 7):
        img = synth.pick(X, y, digit, nth=3)
        _, found = read(engine, synth.encode(img, "PNG"))  # grayscale PNG, white ink on black
        assert values(found) == [digit]


def test_alpha_only_png(engine, mnist):
    X, y = mnist
    data = synth.alpha_only_png(synth.pick(X, y, 3, nth=1))
    dec = decode(data, **LIMITS)
    assert dec.alpha is not None and dec.rgb.min() == 255  # invisible once flattened onto white
    found = engine.read(dec.rgb, dec.alpha)
    assert values(found) == [3]
    assert engine.read(dec.rgb, None) == []  # without the alpha channel there is nothing to read


@pytest.mark.parametrize("digits_,seed,angle,jitter", [((4, 0, 7, 2), 3, 9.0, 0.0), ((6, 1), 5, -7.0, 0.0),
                                                      ((2, 0, 2, 5, 8), 9, 4.0, 0.15)])
def test_photo_with_shadow_and_crooked_angle(engine, mnist, digits_, seed, angle, jitter):
    """Four-digit, two-digit and five-digit numbers (the last one of uneven heights)."""
    X, y = mnist
    imgs = [synth.pick(X, y, d, nth=i) for i, d in enumerate(digits_)]
    data, boxes = synth.photo_of_number(imgs, seed=seed, angle=angle, jitter=jitter)
    _, found = read(engine, data)
    assert values(found) == list(digits_), [(d.value, round(d.confidence, 3)) for d in found]
    assert number_text(found) == "".join(map(str, digits_))
    # Boxes are in the photo's pixels, in reading order, on the digits drawn there.
    for d, truth in zip(found, boxes):
        c, t = centre(d.box), truth.mean(axis=0)
        assert np.hypot(*(c - t)) < 0.5 * (truth[:, 1].max() - truth[:, 1].min())


def test_touching_digits_are_split(engine, mnist):
    X, y = mnist
    imgs = [synth.pick(X, y, 3, nth=5), synth.pick(X, y, 8, nth=2)]
    data, _ = synth.photo_of_number(imgs, seed=11, angle=3.0, overlap=True)
    dec = decode(data, **LIMITS)
    im = pp.ink_map(dec.rgb, dec.alpha)
    mask, _ = pp.threshold(im)
    assert len(pp.find_digits(mask)) == 1  # one ink component
    assert values(engine.read(dec.rgb, dec.alpha)) == [3, 8]


@pytest.mark.parametrize("ink,paper", [((200, 30, 30), (250, 240, 150)),  # red ink on yellow paper
                                       ((235, 235, 225), (40, 70, 50))])  # chalk on a green board
def test_any_ink_colour_and_background(engine, mnist, ink, paper):
    X, y = mnist
    rng = np.random.default_rng(4)
    page = synth.paper(300, 420, rng, colour=paper)
    synth.write_digits(page, [synth.pick(X, y, 5, nth=2), synth.pick(X, y, 9, nth=2)], 110, 90, 110, ink=ink)
    _, found = read(engine, synth.encode(np.clip(page, 0, 255).astype(np.uint8), "JPEG"))
    assert values(found) == [5, 9]


def test_large_photo_boxes_in_input_pixels(engine, mnist):
    X, y = mnist
    rng = np.random.default_rng(8)
    page = synth.paper(1800, 2600, rng)
    synth.write_digits(page, [synth.pick(X, y, 1, nth=4), synth.pick(X, y, 4, nth=4)], 1000, 700, 420)
    dec, found = read(engine, synth.encode(np.clip(page, 0, 255).astype(np.uint8), "JPEG"))
    assert values(found) == [1, 4]
    assert centre(found[0].box)[0] > 900 and centre(found[1].box)[1] > 700


def test_blank_page_has_no_digit(engine):
    for seed in (1, 2):
        _, found = read(engine, synth.blank_page(seed=seed))
        assert found == []
    assert engine.read(np.full((300, 400, 3), 255, np.uint8)) == []
    assert engine.read(np.zeros((28, 28, 3), np.uint8)) == []


@pytest.mark.parametrize("lines,size", [(synth.PRINTED, 30), (["Hello world"], 44), (["Total due", "Thank you"], 40)])
def test_printed_text_gives_no_confident_digit(engine, lines, size):
    _, found = read(engine, synth.printed_text_photo(seed=3, lines=lines, size=size))
    assert all(d.value is None for d in found), [(d.value, round(d.confidence, 3)) for d in found]


def test_mnist_normalisation_matches_mnist():
    """An MNIST digit through our normalisation stays an MNIST digit (20x20 box, centre of mass
    in the middle)."""
    X, y = synth.held_out_mnist()
    out = pp.normalize_digit(X[0].astype(np.float32) / 255.0, slant=False, stroke=False)
    m = cv2.moments(out)
    assert abs(m["m10"] / m["m00"] - 14) < 0.2 and abs(m["m01"] / m["m00"] - 14) < 0.2
    ys, xs = np.nonzero(out > 0.1)
    assert max(np.ptp(ys), np.ptp(xs)) + 1 <= 21


def test_registry_and_config(engine):
    assert digits.ENGINES["cnn"] == "chalicelib.engines.digits.cnn:CnnDigitsEngine"
    e = digits.get_engine("cnn")
    assert e.name == "cnn" and e.version.startswith("digits-cnn-")
    with pytest.raises(EngineUnavailable):
        digits.get_engine("nope")
    with pytest.raises(dataclasses.FrozenInstanceError):
        engine.config.threads = 2  # type: ignore[misc]
    assert cnn.MODEL_PATH.stat().st_size < 1024 * 1024


@pytest.mark.parametrize("grid", [False, True])
def test_ruled_and_squared_paper(engine, mnist, grid):
    X, y = mnist
    imgs = [synth.pick(X, y, d, nth=6) for d in (3, 5, 1)]
    _, found = read(engine, synth.lined_paper_photo(imgs, seed=21, grid=grid))
    assert values(found) == [3, 5, 1], [(d.value, round(d.confidence, 3)) for d in found]


def test_number_in_a_box_and_underlined(engine, mnist):
    """A frame drawn around the number and a line under it are not digits."""
    X, y = mnist
    rng = np.random.default_rng(12)
    page = synth.paper(420, 640, rng)
    synth.write_digits(page, [synth.pick(X, y, d, nth=7) for d in (7, 4)], 230, 120, 120, ink=(20, 20, 20))
    cv2.rectangle(page, (170, 80), (470, 300), (20, 20, 20), 4)
    cv2.line(page, (215, 262), (430, 266), (20, 20, 20), 4)
    _, found = read(engine, synth.encode(np.clip(page, 0, 255).astype(np.uint8), "PNG"))
    assert values(found) == [7, 4], [(d.value, round(d.confidence, 3), d.box) for d in found]


@pytest.mark.parametrize("digit", [8, 5])
def test_big_digit_photo_on_a_dark_table(engine, mnist, digit):
    """Most of the picture is dark (table, shadow): the polarity is a close call, read both ways."""
    X, y = mnist
    _, found = read(engine, synth.photo_of_big_digit(synth.pick(X, y, digit, nth=9), seed=digit))
    assert values(found) == [digit], [(d.value, round(d.confidence, 3)) for d in found]
