"""Words are whitespace tokens of their line's text (CONTRACTS section 1), on real scans and
photos, and a date, a price and a hyphenated word are each one word with one box on the ink.

Real images are read from ../shared/datasets (a test fails when one is missing).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from chalicelib.engines.ocr.base import build_result
from chalicelib.geometry import bounds
from tests.images import text_image

DATASETS = Path(__file__).resolve().parents[3].parent / "shared" / "datasets"
# Forms with dates, phone numbers and codes (FUNSD) and street photos (ICDAR 2015).
REAL = ["funsd-test/images/82092117.png", "funsd-test/images/82200067_0069.png",
        "funsd-test/images/82250337_0338.png", "icdar2015-dev/images/img_29.jpg",
        "icdar2015-dev/images/img_10.jpg", "icdar2015-dev/images/img_26.jpg"]
TOKENS = ["9/24/2012", "$3,015.00", "Market-Weight"]


def read(engine, rgb: np.ndarray) -> dict:
    return build_result(engine, rgb.shape[1], rgb.shape[0], engine.read(rgb))


def assert_whitespace_tokens(doc: dict) -> None:
    for line in doc["lines"]:
        words = [w["text"] for w in line["words"]]
        assert " ".join(words) == line["text"], (line["text"], words)
        assert all(w and w == w.strip() and len(w.split()) == 1 for w in words), words


@pytest.mark.parametrize("name", REAL)
def test_a_lines_words_joined_by_spaces_are_its_text_on_real_images(engine, name):
    path = DATASETS / name
    assert path.exists(), f"this test needs {path} (../shared/datasets beside the repo)"
    doc = read(engine, np.asarray(Image.open(path).convert("RGB")))
    assert doc["lines"], name
    assert_whitespace_tokens(doc)


def test_a_date_a_price_and_a_hyphenated_word_are_each_one_word_with_one_box_on_its_ink(engine):
    from chalicelib.kinds.page.pipeline import spoken_words

    drawn = text_image(["Date 9/24/2012", "Price $3,015.00", "Market-Weight beef"])
    doc = read(engine, np.asarray(drawn.image))
    assert engine.last_document  # read as a document: where the splitting used to happen
    assert_whitespace_tokens(doc)
    assert doc["text"] == "Date 9/24/2012\nPrice $3,015.00\nMarket-Weight beef"
    words = [w for line in doc["lines"] for w in line["words"]]
    gray = np.asarray(drawn.image.convert("L"))
    for token in TOKENS:
        found = [w for w in words if w["text"] == token]
        assert len(found) == 1, (token, [w["text"] for w in words])
        x0, _, x1, _ = bounds(found[0]["box"])
        # The drawn token's ink, first column to last (its text box includes side bearings).
        bx0, by0, bx1, by1 = drawn.words[token]
        cols = np.nonzero((gray[by0:by1, bx0:bx1] < 128).any(axis=0))[0]
        ink_x0, ink_x1 = bx0 + cols[0], bx0 + cols[-1] + 1
        # One box over all of it: first stroke to last, with a few pixels' margin at most.
        assert ink_x0 - 3 <= x0 <= ink_x0 + 1 and ink_x1 - 1 <= x1 <= ink_x1 + 3, (token, (x0, x1), (ink_x0, ink_x1))
    # Read-along: each spoken token is exactly one word of the result (one interval per word).
    where = spoken_words(doc)
    assert len(where) == len(words) and all(len(names) == 1 for names in where)
