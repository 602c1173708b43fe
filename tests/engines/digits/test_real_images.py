"""Digits in the pictures people really upload (issue 26): transparency, thick coloured
strokes, tiny and inverted pictures, digits touching the picture's edge, uneven light.

The pictures are drawn here by code (tests/engines/digits/drawn.py) and go through the kind's
own path: `pipeline.read` (the app's decoder, then the default engine: the committed ONNX model).
"""
from __future__ import annotations

import numpy as np
import pytest

from chalicelib.engines.digits import preprocess as pp
from chalicelib.kinds.digits import pipeline
from chalicelib.media.image import decode
from tests.engines.digits import drawn
from tests.engines.digits.synth import encode

LIMITS = dict(max_bytes=50 * 1024 * 1024, max_pixels=40_000_000)


def text_of(made: tuple[bytes, str]) -> tuple[str, str, list]:
    data, want = made
    result = pipeline.read(data)
    return result["text"], want, [(d["digit"], d["confidence"]) for d in result["digits"]]


def assert_reads(made: tuple[bytes, str]) -> None:
    got, want, detail = text_of(made)
    assert got == want, detail


@pytest.mark.parametrize("text,font,soft", [("3", drawn.SCRIPT, True), ("7", drawn.PLAIN, False),
                                            ("42", drawn.SCRIPT, True), ("5", drawn.FONTS[1], True)])
def test_black_brush_on_a_transparent_png(text, font, soft):
    made = drawn.transparent_brush(text, font, soft=soft)
    dec = decode(made[0], **LIMITS)
    # The decoder keeps the alpha channel (the stroke is only there: RGB is zero everywhere).
    assert dec.alpha is not None and int(dec.alpha.max()) == 255 and int(dec.alpha.min()) == 0
    assert_reads(made)


def test_palette_png_with_a_transparent_background():
    assert_reads(drawn.transparent_palette("6"))


@pytest.mark.parametrize("mode", ["L", "RGB"])
def test_png_with_a_transparent_colour_key(mode):
    assert_reads(drawn.colour_key_png("7", mode))


@pytest.mark.parametrize("text,ink,paper,font", [
    ("7", (25, 70, 215), (255, 255, 255), drawn.PLAIN),  # blue marker on white
    ("42", (25, 70, 215), (250, 236, 170), drawn.FONTS[1]),  # blue on yellow paper
    ("9", (20, 60, 200), (205, 225, 245), drawn.SCRIPT),  # blue on light blue paper
    ("38", (200, 30, 40), (255, 255, 255), drawn.SCRIPT),  # red marker
])
def test_thick_coloured_marker(text, ink, paper, font):
    assert_reads(drawn.marker(text, ink=ink, paper=paper, font=font))


@pytest.mark.parametrize("text,font", [("42", drawn.FONTS[1]), ("42", drawn.PLAIN), ("70", drawn.FONTS[1])])
def test_blue_marker_on_yellow_paper_where_the_colours_mix_to_grey(text, font):
    """Where blue ink meets yellow paper the mixed colours are grey: that seam must not pass
    for paper when the ink's colour is measured."""
    assert_reads(drawn.marker(text, ink=(30, 60, 200), paper=(250, 235, 170), font=font, size=(200, 300),
                              height=0.675, thickness=0.13, noise=0.0))


@pytest.mark.parametrize("text,font,bold", [("2", drawn.FONTS[1], 0.22), ("3", drawn.FONTS[1], 0.22),
                                            ("5", drawn.FONTS[1], 0.22), ("7", drawn.PLAIN, 0.16),
                                            ("0", drawn.SCRIPT, 0.12)])
def test_tiny_28x28_light_on_dark(text, font, bold):
    """A bold white digit filling a 28x28 black canvas: more of the picture is ink than
    background, yet the black frame says which is which."""
    assert_reads(drawn.tiny_light_on_dark(text, font, fill=0.93, bold=bold))


@pytest.mark.parametrize("text,font", [("8", drawn.PLAIN), ("31", drawn.SCRIPT), ("6", drawn.FONTS[1])])
def test_chalk_on_a_dark_board(text, font):
    assert_reads(drawn.chalkboard(text, font))


@pytest.mark.parametrize("text,side", [("42", "bottom"), ("3", "top"), ("5", "top"), ("7", "right"),
                                       ("4", "left")])
def test_digits_running_off_the_edge(text, side):
    assert_reads(drawn.off_the_edge(text, side))


@pytest.mark.parametrize("text,font", [("2", drawn.PLAIN), ("7", drawn.FONTS[1]), ("9", drawn.PLAIN),
                                       ("6", drawn.FONTS[1])])
def test_bold_digit_cropped_to_its_ink(text, font):
    """Ink on every side of the picture and most of it dark: still dark ink on paper."""
    assert_reads(drawn.tight_crop(text, font))


@pytest.mark.parametrize("text", ["58", "206"])
def test_uneven_light_and_a_shadow(text):
    assert_reads(drawn.uneven_light(text))


def test_edge_boxes_are_in_the_pictures_pixels():
    """A number read inside the added margin still reports boxes on the picture itself."""
    data, _ = drawn.off_the_edge("42", "bottom")
    result = pipeline.read(data)
    assert result["text"] == "42"
    for d in result["digits"]:
        (x0, y0), _, (x1, y1), _ = d["box"]
        assert 0 <= x0 < x1 <= result["width"] and 0 <= y0 < y1 <= result["height"]
    assert result["digits"][1]["box"][2][1] == result["height"]  # the 2 runs off the bottom


def test_ink_at_edge():
    white = np.full((50, 60, 3), 250, np.uint8)
    assert not pp.ink_at_edge(white)
    white[40:, 20:30] = 20  # a stroke running off the bottom
    assert pp.ink_at_edge(white)
    alpha = np.zeros((50, 60), np.uint8)
    assert not pp.ink_at_edge(np.zeros((50, 60, 3), np.uint8), alpha)
    alpha[:10, 5:9] = 255
    assert pp.ink_at_edge(np.zeros((50, 60, 3), np.uint8), alpha)


def test_with_margin_maps_boxes_back():
    big = np.full((3000, 2000, 3), 240, np.uint8)
    framed = pp.with_margin(big, None)
    assert max(framed.rgb.shape[:2]) <= pp.WORK_MAX * (1 + 2 * pp.MARGIN) + 2  # no full-size copy
    assert framed.rgb[0, 0].tolist() == [240, 240, 240]  # the edge's own colour
    inner = [[framed.pad, framed.pad], [framed.pad + 400, framed.pad]]
    assert framed.to_input(inner) == [[0, 0], [1000, 0]]
    assert framed.to_input([[0, 0], [10_000, 10_000]]) == [[0, 0], [2000, 3000]]


@pytest.mark.parametrize("picture", [
    np.zeros((28, 28), np.uint8),  # an empty black canvas
    np.pad(np.full((200, 300), 245, np.uint8), ((0, 0), (0, 40)), constant_values=60),  # paper, a table strip
])
def test_no_digit_where_there_is_none(picture):
    result = pipeline.read(encode(picture, "PNG"))
    assert all(d["unsure"] for d in result["digits"]), result["text"]
