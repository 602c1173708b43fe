"""Our DB post-processing against rapidocr's, on real detector maps of drawn pages."""
from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

from chalicelib.engines.ocr import rapid
from chalicelib.engines.ocr.db import DBPostProcess
from tests.images import font


def probability_map(engine, page: np.ndarray) -> np.ndarray:  # noqa: F811
    bgr = np.ascontiguousarray(page[:, :, ::-1])
    h, w = bgr.shape[:2]
    ph, pw = math.ceil(h / 32) * 32, math.ceil(w / 32) * 32
    bgr = cv2.copyMakeBorder(bgr, 0, ph - h, 0, pw - w, cv2.BORDER_REPLICATE)
    return engine._det.run(None, {"x": rapid._normalize(bgr)[None]})[0]


def pages():
    """A form-like page, the same turned 17 degrees (slanted boxes), and a blank page."""
    img = Image.new("RGB", (900, 500), "white")
    d = ImageDraw.Draw(img)
    for i, line in enumerate(["Invoice number: 662-6280", "Date: 12/03/1998  Total $1,234.50",
                              "Ship to: Brown & Williamson, Louisville KY", "a b c 1 2 3 x"]):
        d.text((30 + 40 * (i % 2), 30 + 100 * i), line, font=font(14 + 8 * i, bold=False), fill="black")
    form = np.asarray(img)
    turned = np.asarray(img.rotate(17, expand=True, fillcolor="white"))
    return {"form": form, "turned": turned, "blank": np.full((200, 300, 3), 255, np.uint8)}


@pytest.mark.parametrize("name", ["form", "turned", "blank"])
@pytest.mark.parametrize("unclip", [1.3, 1.6, 2.0])
def test_boxes_equal_rapidocrs(engine, name, unclip):  # noqa: F811
    from rapidocr.ch_ppocr_det.utils import DBPostProcess as Theirs

    page = pages()[name]
    pred = probability_map(engine, page)
    shape = (page.shape[0] * 1.25, page.shape[1] * 1.25)  # a scale other than 1, as on documents
    ours, our_scores = DBPostProcess(0.3, 0.5, 1000, unclip, use_dilation=True)(pred, shape)
    theirs, their_scores = Theirs(0.3, 0.5, 1000, unclip, "fast", use_dilation=True)(pred, shape)
    assert len(ours) == len(theirs)
    if name != "blank":
        assert len(ours) >= 4
        np.testing.assert_array_equal(ours, theirs)
        np.testing.assert_allclose(our_scores, their_scores)


def test_rapidocr_is_not_imported_by_the_engine():
    """The point of db.py: the cold start skips rapidocr's package import (half a second)."""
    import subprocess
    import sys

    code = ("import sys; from chalicelib.engines.ocr.rapid import RapidOcrEngine; RapidOcrEngine(); "
            "print(sorted(m for m in sys.modules if m.startswith(('rapidocr', 'shapely', 'omegaconf'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
