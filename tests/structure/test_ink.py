"""Bold type told from a scan's ink (structure/ink.py), on lines drawn with DejaVu Sans and its
bold face at one size."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from chalicelib.structure import ink

FONTS = "/usr/share/fonts/truetype/dejavu/"


def page(lines: list[tuple[str, bool]]) -> tuple[np.ndarray, list[dict]]:
    image = Image.new("RGB", (1400, 80 + 60 * len(lines)), "white")
    draw = ImageDraw.Draw(image)
    regular = ImageFont.truetype(FONTS + "DejaVuSans.ttf", 28)
    bold = ImageFont.truetype(FONTS + "DejaVuSans-Bold.ttf", 28)
    out = []
    for k, (text, heavy) in enumerate(lines):
        x0, y0, x1, y1 = draw.textbbox((40, 40 + 60 * k), text, font=bold if heavy else regular)
        draw.text((40, 40 + 60 * k), text, fill="black", font=bold if heavy else regular)
        box = [[x0, y0 - 4], [x1, y0 - 4], [x1, y1 + 4], [x0, y1 + 4]]
        out.append({"text": text, "box": box, "words": [{"text": w, "box": box} for w in text.split()]})
    return np.asarray(image), out


def test_a_bold_line_among_regular_ones_is_bold():
    rgb, lines = page([("Results of the survey", True),
                       ("The survey was sent to every household in the district", False),
                       ("during the spring, and most of them answered within", False),
                       ("a month; the figures below are what they said.", False),
                       ("Methods", True)])
    assert [h.bold for h in ink.hints(rgb, lines)] == [True, False, False, False, True]
    assert all(h.size is None for h in ink.hints(rgb, lines))  # the size stays the line's height


def test_too_little_running_text_to_compare_gives_no_hints():
    rgb, lines = page([("Exit", True), ("Open 24 hours", False)])
    assert ink.hints(rgb, lines) is None


@pytest.mark.parametrize("box", [[[5, 5], [9, 5], [9, 8], [5, 8]], [[-50, -50], [-10, -50], [-10, -10], [-50, -10]]])
def test_a_box_too_small_or_off_the_image_is_not_judged(box):
    rgb, lines = page([(t, False) for t in ("one two three four", "five six seven eight", "nine ten eleven twelve")])
    odd = {"text": "x", "box": box, "words": [{"text": "x", "box": box}]}
    assert ink.hints(rgb, [*lines, odd])[-1].bold is None
