"""The line-script classifier: the committed ONNX model on lines it never saw in training.

The lines are the LAST paragraph of each text in tests/data/languages/texts, which
training/scripts/train.py holds out, drawn in the fonts bench/render.py uses for the pages.
"""
from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from bench.render import FONTS, RTL, SCRIPTS, UNSPACED, paragraphs, text_of
from chalicelib.engines.ocr import script_id

CLASS_OF = {"Jpan": "Hani", "Hans": "Hani"}
LANGUAGES = ["ru", "uk", "el", "he", "ar", "hi", "ko", "th", "ja", "en", "de", "fr", "es", "it"]


def draw_line(text: str, script: str, *, size: int = 40, inverted: bool = False) -> np.ndarray:
    """`text` as a line crop like postprocess.crop_line makes: 48 px high, a little margin."""
    path, index = FONTS[script]
    font = ImageFont.truetype(str(path), size, index=index, layout_engine=ImageFont.Layout.RAQM)
    opts = {"direction": "rtl" if script in RTL else "ltr"}
    left, top, right, bottom = font.getbbox(text, **opts)
    margin = size // 6
    img = Image.new("L", (right - left + 2 * margin, bottom - top + 2 * margin), 0 if inverted else 255)
    ImageDraw.Draw(img).text((margin - left, margin - top), text, font=font, fill=255 if inverted else 0, **opts)
    a = np.asarray(img)
    return cv2.resize(a, (round(a.shape[1] * 48 / a.shape[0]), 48), interpolation=cv2.INTER_AREA)


def held_out_lines(language: str, words: int = 3) -> list[str]:
    """The held-out paragraph in lines of `words` words (three characters a word where unspaced)."""
    last = paragraphs(text_of(language))[-1]
    if SCRIPTS[language] in UNSPACED:
        return [last[i:i + 3 * words] for i in range(0, len(last), 3 * words)]
    split = last.split()
    return [" ".join(split[i:i + words]) for i in range(0, len(split), words)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_held_out_lines_get_their_script_first(language):
    script = SCRIPTS[language]
    expected = CLASS_OF.get(script, script)
    crops = [draw_line(t, script, inverted=inverted) for t in held_out_lines(language) for inverted in (False, True)]
    got = script_id.classify(crops)
    right = sum(s == expected for s, _ in got)
    assert right >= 0.9 * len(crops), f"{language}: {right}/{len(crops)} {expected}; got {got}"
    assert all(0.0 < p <= 1.0 for _, p in got)


def photo_like(crop: np.ndarray) -> np.ndarray:
    """A crop as a far-off phone photo gives it: 22 px high, soft, gray on gray, JPEG."""
    small = cv2.resize(crop, (max(1, crop.shape[1] * 22 // 48), 22), interpolation=cv2.INTER_AREA)
    gray = (70 + small.astype(np.float32) * (110 / 255)).astype(np.uint8)
    jpeg = cv2.imdecode(cv2.imencode(".jpg", cv2.GaussianBlur(gray, (0, 0), 0.7), [cv2.IMWRITE_JPEG_QUALITY, 50])[1],
                        cv2.IMREAD_GRAYSCALE)
    return cv2.resize(jpeg, (crop.shape[1], 48), interpolation=cv2.INTER_CUBIC)


def test_held_out_lines_as_poor_photos_mostly_get_their_script_first():
    right = total = 0
    for language in LANGUAGES:
        script = SCRIPTS[language]
        crops = [photo_like(draw_line(t, script)) for t in held_out_lines(language, words=2)]
        got = script_id.classify(crops)
        right += sum(s == CLASS_OF.get(script, script) for s, _ in got)
        total += len(crops)
    assert right >= 0.8 * total, f"{right}/{total}"


def test_latin_upper_case_sign_is_latin():
    crops = [draw_line(t, "Latn", size=s, inverted=inv) for t, s, inv in
             [("EMERGENCY EXIT", 60, False), ("NO PARKING", 40, True), ("PLATFORM 2", 30, False)]]
    assert [s for s, _ in script_id.classify(crops)] == ["Latn"] * 3


def test_probabilities_sum_to_one_in_class_order():
    crops = [draw_line("Свобода", "Cyrl"), draw_line("자유", "Hang"), np.full((48, 200, 3), 200, np.uint8)]
    p = script_id.probabilities(crops)
    assert p.shape == (3, len(script_id.CLASSES))
    assert np.allclose(p.sum(axis=1), 1.0, atol=1e-4)
    assert script_id.CLASSES[int(p[0].argmax())] == "Cyrl"
    assert script_id.CLASSES[int(p[1].argmax())] == "Hang"
    assert script_id.probabilities([]).shape == (0, len(script_id.CLASSES))


def test_any_crop_size_and_colour_is_accepted():
    """Tiny, very wide, RGB, blank: one answer each, never an error."""
    line = draw_line("Everyone has the right to life, liberty and security of person. " * 3, "Latn")
    crops = [line[:, :4], line, cv2.cvtColor(line, cv2.COLOR_GRAY2RGB), np.zeros((48, 300), np.uint8),
             cv2.resize(line, (line.shape[1] // 4, 12))]
    got = script_id.classify(crops)
    assert len(got) == len(crops)
    assert got[1][0] == got[2][0] == "Latn"


def hundred_crops() -> list:
    crops = [draw_line(t, SCRIPTS[lang]) for lang in ("en", "hi", "ar", "ko") for t in held_out_lines(lang)]
    return (crops * (100 // len(crops) + 1))[:100]


def test_a_hundred_crops_are_classified_one_by_one():
    """(Their time, goal well under 2 s, is a figure of `make bench`: bench/timings.py.)"""
    crops = hundred_crops()
    assert all(len(script_id.classify([c])) == 1 for c in crops)


def test_tensorflow_is_not_imported():
    import sys

    assert "tensorflow" not in sys.modules
