"""The languages benchmark's text rules and page renderer (bench/languages.py, bench/render.py),
on tiny inputs: the annotators' habits, folding, CER, and pages that are what they claim."""
from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from bench import languages as lb
from bench import render


def test_line_end_hyphen_mark_joins_the_word_and_marks_go():
    text = lb.habits(["Die Ver¬", "wandten _kamen_ ^1", "heute ."])
    assert text == "Die Verwandten kamen 1\nheute ."
    assert lb.words(text, "de") == ["die", "verwandten", "kamen", "1", "heute"]


def test_german_umlauts_match_their_typed_spelling():
    assert lb.words("Grüße, FRÜH!", "de") == lb.words("Gruesse fRUEH", "de") == ["gruesse", "frueh"]
    assert lb.words("Grün", "fr") == ["grün"]  # only German is folded so


def test_han_is_compared_by_characters_without_the_annotators_spaces():
    assert lb.words("繁體 中 文 測試。", "zh") == list("繁體中文測試")
    assert lb.characters("繁體 中 文 測試。", "zh") == "繁體中文測試"
    assert lb.error_rate("すべての人間は、", "すべて人間は", "ja") == (1, 7)


def test_arabic_is_compared_without_vowel_marks_tatweel_and_persian_letter_forms():
    assert lb.words("شيخ\u200cالاسلام كرْ بدليـل فی", "ar") == ["شيخ", "الاسلام", "كر", "بدليل", "في"]


def test_bag_of_words_scores_and_cer():
    s = lb.score_text("a b c d", "A, b x", "en")
    assert (s.tp, s.n_truth, s.n_got) == (2, 4, 3)
    assert s.f1 == pytest.approx(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5))
    assert s.cer == pytest.approx(2 / 4)  # "abcd" -> "abx": one substitution, one deletion
    empty = lb.score_text("a b", "", "en")
    assert (empty.f1, empty.cer) == (0.0, 1.0)


def test_result_text_reads_pages_of_a_document_and_lines_of_an_image():
    image = {"lines": [{"text": "one two"}, {"text": "three"}]}
    doc = {"pages": [{"lines": [{"text": "a"}]}, {"lines": [{"text": "b c"}]}]}
    assert lb.result_text(image) == "one two\nthree"
    assert lb.result_text(doc) == "a\nb c"


def _ink_columns(image: Image.Image) -> np.ndarray:
    return np.flatnonzero((np.asarray(image) < 128).any(axis=0))


def test_a_rendered_page_is_a_page_with_the_text_on_it():
    page = render.render("Alle Menschen sind frei und gleich an Würde.", "de")
    assert page.image.mode == "L" and page.image.width == render.WIDTH
    assert render.MIN_HEIGHT <= page.image.height <= render.MAX_HEIGHT
    assert page.lines == ["Alle Menschen sind frei und gleich an Würde."]
    ink = _ink_columns(page.image)
    assert ink.size and ink[0] >= render.MARGIN - 2  # starts at the left margin


def test_right_to_left_text_is_set_from_the_right_margin_and_shaped():
    page = render.render("لكل فرد الحق في الحياة.", "ar")
    ink = _ink_columns(page.image)
    assert ink[-1] >= render.WIDTH - render.MARGIN - 3 and ink[0] > render.WIDTH // 2
    font = render._font("Arab", 34)
    joined = font.getlength("سلامة", direction="rtl", language="ar")
    isolated = sum(font.getlength(ch, direction="rtl", language="ar") for ch in "سلامة")
    assert joined < isolated  # joined (shaped) letters are narrower than the same letters alone


def test_unspaced_scripts_wrap_between_characters_and_long_text_wraps():
    page = render.render(render.text_of("ja"), "ja")
    assert len(page.lines) > 4
    assert "".join(page.lines) == "".join(render.paragraphs(render.text_of("ja"))).replace(" ", "")


def test_photo_is_a_tilted_noisy_jpeg():
    page = render.render("Tous les êtres humains naissent libres.", "fr")
    data = render.photo(page, seed=1)
    shot = Image.open(io.BytesIO(data))
    assert shot.format == "JPEG" and shot.width > page.image.width
    corner = np.asarray(shot.convert("L"))[:40, :40]
    assert 40 < corner.mean() < 200  # the table around the page, not white paper


@pytest.mark.parametrize("stem", sorted(render.COMMITTED))
def test_committed_pages_are_what_the_renderer_makes(stem):
    codes = render.COMMITTED[stem]
    page = render.mixed(codes) if len(codes) > 1 else render.render(render.text_of(codes[0]), codes[0])
    truth = (render.PAGES / f"{stem}.txt").read_text(encoding="utf-8").splitlines()
    assert truth == page.lines
    committed = Image.open(render.PAGES / f"{stem}.png")
    assert committed.size == page.image.size


def test_a_font_without_a_character_is_refused_not_drawn_as_boxes():
    noto_hebrew = render.ImageFont.truetype(str(render.NOTO / "NotoSansHebrew-Regular.ttf"), 34)
    assert render.missing_glyphs("שלום, עולם.", noto_hebrew) in ([",", "."], [".", ","])
    assert render.missing_glyphs(render.text_of("he"), render._font("Hebr", 34)) == []


def test_apostrophes_and_hyphens_split_words_on_both_sides():
    assert lb.words("L'accident, peut-être", "fr") == lb.words("l accident peut être", "fr")


def test_speech_is_scored_sentence_by_sentence_from_the_real_text():
    said = lb.sentences("en")
    assert said[0] == "All human beings are born free and equal in dignity and rights."
    assert len(said) == 3 and all(s in render.text_of("en") for s in said)
    assert len(lb.sentences("hi")) == 3  # the danda ends a Hindi sentence
