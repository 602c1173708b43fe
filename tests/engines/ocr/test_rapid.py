"""The default OCR engine with its real models, on pages the tests draw themselves.

Fonts: DejaVu Sans (Debian fonts-dejavu-core) when present, else the font Pillow bundles, so
nothing outside the repo and its virtualenv is needed.
"""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from chalicelib.engines.ocr import postprocess as pp
from chalicelib.engines.ocr.base import build_result
from chalicelib.geometry import bounds
from tests.images import font, iou, strokes
from tests.results import validate_result


def draw_page(rows: list[tuple[int, int, str]], size=(720, 240), px=30):
    """White page with text rows [(x, y, text)] -> (RGB array, {word: ink box (x0, y0, x1, y1)})."""
    img = Image.new("RGB", size, "white")
    d = ImageDraw.Draw(img)
    f = font(px, bold=False)
    boxes = {}
    for x, y, text in rows:
        d.text((x, y), text, font=f, fill="black")
        for word in text.split(" "):  # words are unique within a row here
            start = x + d.textlength(text[: text.index(word)], font=f)
            boxes[word] = d.textbbox((start, y), word, font=f)
    return np.asarray(img), boxes






def words_of(lines):
    return {w.text: bounds(w.box) for ln in lines for w in ln.words}


ROWS = [(30, 40, "Invoice number 4821"), (30, 140, "Total due: $1,250.00")]


def test_reads_the_drawn_words_and_boxes_land_on_them(engine):
    image, drawn = draw_page(ROWS)
    lines = engine.read(image)
    got = words_of(lines)
    assert set(drawn) <= set(got), (sorted(drawn), sorted(got))
    for word, box in drawn.items():
        assert iou(got[word], box) >= 0.7, (word, got[word], box)
    # The result document the API returns is valid and in reading order.
    doc = build_result(engine, image.shape[1], image.shape[0], lines)
    validate_result(doc)
    assert doc["text"] == "Invoice number 4821\nTotal due: $1,250.00"


def test_page_without_text_gives_no_lines(engine):
    assert engine.read(np.full((300, 400, 3), 255, dtype=np.uint8)) == []
    rng = np.random.default_rng(0)
    paper = (rng.random((300, 400, 3)) * 40 + 200).astype(np.uint8)  # grey paper grain
    assert engine.read(paper) == []


@pytest.mark.parametrize("turns", [-1, 1, 2], ids=["90-clockwise", "90-counter-clockwise", "180"])
def test_rotated_page(engine, turns):
    image, drawn = draw_page(ROWS)
    h, w = image.shape[:2]
    rotated = np.ascontiguousarray(np.rot90(image, k=turns))
    lines = engine.read(rotated)
    got = words_of(lines)
    assert set(drawn) <= set(got), (sorted(drawn), sorted(got))
    # Read in the text's own order, whichever way the page was turned.
    doc = build_result(engine, rotated.shape[1], rotated.shape[0], lines)
    assert doc["text"] == "Invoice number 4821\nTotal due: $1,250.00"

    for word, (x0, y0, x1, y1) in drawn.items():
        pts = [_rot(x, y, w, h, turns) for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1))]
        expect = (min(p[0] for p in pts), min(p[1] for p in pts), max(p[0] for p in pts), max(p[1] for p in pts))
        assert iou(got[word], expect) >= 0.6, (word, got[word], expect)


def _rot(x, y, w, h, turns):
    """np.rot90(k=turns) of a w x h image, for a point."""
    for _ in range(turns % 4):
        x, y, w, h = y, w - x, h, w
    return x, y


@pytest.mark.parametrize("enlarge", ["1.0", "1.5"])
def test_small_low_resolution_text_is_read(engine, monkeypatch, enlarge):
    # ~9 px high text, as on a 100 dpi scan; read as it is (the default) and enlarged.
    image, drawn = draw_page([(10, 20, "Received by fax on March 3")], size=(360, 60), px=12)
    if float(enlarge) != engine.cfg.det_scale:
        from dataclasses import replace

        from chalicelib.engines.ocr.rapid import RapidOcrEngine

        engine = RapidOcrEngine(replace(engine.cfg, det_scale=float(enlarge)))
    got = words_of(engine.read(image))
    assert engine.last_upscale == pytest.approx(float(enlarge))
    assert set(drawn) <= set(got), sorted(got)
    for word, box in drawn.items():
        assert iou(got[word], box) >= 0.5, (word, got[word], box)


def test_a_hyphenated_number_is_one_word(engine):
    image, drawn = draw_page([(30, 40, "Call 662-6280 today")], size=(520, 120))
    lines = engine.read(image)
    assert [ln.text for ln in lines] == ["Call 662-6280 today"]
    assert [w.text for w in lines[0].words] == ["Call", "662-6280", "today"]
    assert iou(bounds(lines[0].words[1].box), drawn["662-6280"]) >= 0.7


# ---------------------------------------------------------------------------------------------
# Geometry without a model


def test_ctc_decode_keeps_frames_and_merges_repeats():
    alphabet = ["", "a", "b", " "]
    seq = [1, 1, 0, 1, 2, 0, 3, 2, 2]
    probs = np.full((len(seq), 4), 0.01, dtype=np.float32)
    for t, c in enumerate(seq):
        probs[t, c] = 0.9
    dec = pp.ctc_decode(probs, alphabet, frames=0)
    assert dec.text == "aab b"
    assert [c.frame for c in dec.chars] == [0, 3, 4, 6, 7]
    words = pp.split_words(dec)
    assert [w.text for w in words] == ["aab", "b"]
    assert (words[0].first, words[0].last) == (0, 4)


def test_word_boxes_fit_the_ink_and_skip_form_rules():
    crop = np.full((48, 300, 3), 255, dtype=np.uint8)
    crop[14:34, 20:80] = 0  # word 1 ink
    crop[16:34, 120:200:6] = 0  # word 2: vertical strokes
    crop[16:34, 121:200:6] = 0
    crop[16:34, 196:200] = 0
    crop[44:46, :] = 0  # an underline across the field
    crop[0:6, 240:260] = 0  # a descender of the line above, in the crop's margin
    chars = [pp.Char("a", 3, 0.9), pp.Char("b", 8, 0.9), pp.Char(" ", 12, 0.9),
             pp.Char("c", 16, 0.9), pp.Char("d", 23, 0.9)]
    words = pp.split_words(pp.Decoded(chars, 37))
    fitted = pp.fit_words(crop, words, step=8.0)
    assert [w.text for w, _ in fitted] == ["ab", "cd"]
    assert fitted[0][1] == (20.0, 14.0, 80.0, 34.0)
    assert fitted[1][1] == (120.0, 16.0, 200.0, 34.0)
    padded = pp.fit_words(crop, words, step=8.0, pad=2.0)
    assert padded[0][1] == (18.0, 12.0, 82.0, 36.0)


def test_crop_maps_back_to_the_page_and_flips():
    page = np.full((200, 300, 3), 255, dtype=np.uint8)
    quad = np.array([[50, 40], [250, 40], [250, 80], [50, 80]], dtype=np.float32)
    crop = pp.crop_line(page, quad, height=48)
    assert crop.image.shape[:2] == (48, 240) and not crop.vertical
    assert np.allclose(crop.to_image([[0, 0], [240, 48]]), [[50, 40], [250, 80]], atol=1e-3)
    crop.flip()
    assert np.allclose(crop.to_image([[0, 0], [240, 48]]), [[250, 80], [50, 40]], atol=1e-3)
    tall = pp.crop_line(page, np.array([[100, 10], [140, 10], [140, 190], [100, 190]], np.float32), height=48)
    assert tall.vertical and tall.image.shape[0] == 48 and tall.image.shape[1] > 48


def test_wide_blank_splits_a_word_and_a_hyphenated_token_stays_whole():
    crop = np.full((48, 400, 3), 255, dtype=np.uint8)
    strokes(crop, 10, 70)  # "ab"
    strokes(crop, 130, 190)  # "cd", 60 px (3 glyph heights) further: a dropped space
    chars = [pp.Char("a", 2, 0.9), pp.Char("b", 6, 0.9), pp.Char("c", 18, 0.9), pp.Char("d", 22, 0.9)]
    words = pp.split_words(pp.Decoded(chars, 50))
    assert [w.text for w, _ in pp.fit_words(crop, words, step=8.0)] == ["abcd"]
    split = pp.fit_words(crop, words, step=8.0, split_gap=0.8)
    assert [w.text for w, _ in split] == ["ab", "cd"]
    assert split[0][1][2] <= 72 and split[1][1][0] >= 128

    crop = np.full((48, 300, 3), 255, dtype=np.uint8)
    strokes(crop, 10, 60)  # "662"
    crop[23:25, 64:74] = 0  # "-"
    strokes(crop, 80, 150)  # "6280"
    chars = [pp.Char(c, f, 0.9) for c, f in zip("662-6280", (2, 4, 6, 8, 11, 13, 15, 17))]
    fitted = pp.fit_words(crop, pp.split_words(pp.Decoded(chars, 37)), step=8.0, split_gap=0.8)
    assert [w.text for w, _ in fitted] == ["662-6280"]
    assert fitted[0][1][0] == 10.0 and fitted[0][1][2] == 148.0  # one box, first stroke to last


def test_documents_and_photos_are_told_apart():
    from chalicelib.engines.ocr.rapid import glyph_stats, paper_fraction

    page, _ = draw_page(ROWS)
    assert paper_fraction(page[:, :, ::-1]) > 0.9
    rng = np.random.default_rng(1)
    scene = rng.integers(0, 255, (240, 320, 3), dtype=np.uint8)
    assert paper_fraction(scene) < 0.6  # below the document threshold
    height, roi = glyph_stats(page[:, :, ::-1])
    assert 15 <= height <= 30  # 30 px DejaVu: capitals ~22 px, lower case ~16 px
    x0, y0, x1, y1 = roi
    assert x0 <= 30 and y0 <= 40 and x1 >= 350 and y1 >= 170


def test_a_deadline_or_the_line_cap_leaves_the_end_unread_and_says_so(engine):
    """Work per upload is bounded: past its deadline the engine stops between steps of lines,
    top first, and says how much it read; so does the line cap."""
    import time
    from dataclasses import replace

    from chalicelib.engines.ocr.rapid import RapidOcrEngine

    rows = [(20, 20 + 50 * i, f"Line number {i} of the page") for i in range(6)]
    image, _ = draw_page(rows, size=(600, 340))
    assert engine.read(image).complete is True
    stepwise = RapidOcrEngine(replace(engine.cfg, rec_chunk_lines=2))
    late = stepwise.read(image, deadline=time.monotonic())  # already past: the first step only
    assert late.complete is False and late.reason == "time" and late.lines_found == 6
    assert [ln.text for ln in late] == ["Line number 0 of the page", "Line number 1 of the page"]
    assert late.coverage() == {"complete": False, "reason": "time", "lines_found": 6}
    capped = RapidOcrEngine(replace(engine.cfg, max_lines=3)).read(image)
    assert capped.reason == "lines" and [ln.text[-13:] for ln in capped] == ["0 of the page", "1 of the page",
                                                                             "2 of the page"]


def test_a_space_the_recogniser_heard_but_did_not_choose_splits_the_words():
    """Tight print: the recogniser's best reading runs two words together, but a frame between
    them gives the space a fair chance; it is kept as a space (documents and photos alike)."""
    from chalicelib.engines.ocr.rapid import RapidConfig

    alphabet = ["", "A", "B", " "]
    probs = np.full((9, 4), 0.01, dtype=np.float32)
    probs[:, 0] = 0.97  # blank everywhere...
    probs[2, 1] = probs[6, 2] = 0.97  # ..."A" at frame 2, "B" at frame 6
    probs[2, 0] = probs[6, 0] = 0.01
    probs[4, 3], probs[4, 0] = 0.08, 0.9  # a space heard at frame 4, blank still the best
    dec = pp.ctc_decode(probs, alphabet, 9)
    assert dec.text == "AB"
    threshold = RapidConfig().soft_space
    assert threshold == RapidConfig().photo_soft_space and 0 < threshold <= 0.08
    spaced = pp.soft_spaces(dec, probs, 3, threshold)
    assert spaced.text == "A B" and spaced.chars[1].frame == 4
    assert [w.text for w in pp.split_words(spaced)] == ["A", "B"]
    probs[4, 3] = 0.5 * threshold  # too faint: one word
    assert pp.soft_spaces(dec, probs, 3, threshold).text == "AB"
    probs[4, 3], probs[4, 0] = 0.5, 0.4  # a space it chose anyway is not doubled
    chosen = pp.ctc_decode(probs, alphabet, 9)
    assert chosen.text == "A B" and pp.soft_spaces(chosen, probs, 3, threshold).text == "A B"


def test_no_soft_space_after_a_decimal_point_or_thousands_separator():
    """"$3,015.00" read as "$3, 015.00" would be said as two numbers; a space heard between
    digits is kept (phone numbers on signs are printed in groups)."""
    alphabet = ["", "3", ",", "0", " "]
    probs = np.full((12, 5), 0.01, dtype=np.float32)
    probs[:, 0] = 0.96
    for t, c in ((1, 1), (4, 2), (8, 3)):  # "3" at 1, "," at 4, "0" at 8
        probs[t, c], probs[t, 0] = 0.96, 0.01
    probs[6, 4], probs[6, 0] = 0.3, 0.66  # a space heard after the comma
    probs[2, 4], probs[2, 0] = 0.3, 0.66  # ...and between "3" and ","
    dec = pp.ctc_decode(probs, alphabet, 12)
    assert dec.text == "3,0"
    assert pp.soft_spaces(dec, probs, 4, 0.05).text == "3 ,0"
    alphabet[2] = "5"  # "350": between two digits the space stays
    assert pp.soft_spaces(pp.ctc_decode(probs, alphabet, 12), probs, 4, 0.05).text == "3 5 0"
