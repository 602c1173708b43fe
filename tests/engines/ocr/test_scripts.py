"""Which reader a page needs: the default engine's reading of a real English form stays with it,
its reading of a Cyrillic page (rendered from real text) goes to Tesseract; the script of a page
is detected; every script's traineddata is installed here."""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from chalicelib.engines.ocr import scripts, tesseract
from chalicelib.engines.ocr.base import Line, Reading, Word
from chalicelib.engines.ocr.tesseract import TesseractConfig, TesseractEngine
from chalicelib.geometry import bounds, rect
from tests.engines.ocr.test_tesseract import children_cpu, render, runs_of_tesseract

DATASETS = Path(__file__).resolve().parents[3].parent / "shared" / "datasets"
FUNSD_PAGE = DATASETS / "funsd-test" / "images" / "82092117.png"
# The Universal Declaration of Human Rights (UN, 1948): the preamble's first lines.
RUSSIAN = ["Принимая во внимание, что признание достоинства, присущего всем",
           "членам человеческой семьи, и равных и неотъемлемых прав их является",
           "основой свободы, справедливости и всеобщего мира; и принимая во",
           "внимание, что пренебрежение и презрение к правам человека привели"]
PAGES = {"ru": RUSSIAN,
         "ar": ["لمّا كان الاعتراف بالكرامة المتأصلة في جميع أعضاء الأسرة البشرية",
                "وبحقوقهم المتساوية الثابتة هو أساس الحرية والعدل والسلام في العالم."],
         "ko": ["모든 인류 구성원의 천부의 존엄성과 동등하고 양도할 수 없는 권리를",
                "인정하는 것이 세계의 자유, 정의 및 평화의 기초이며,"]}


def test_an_english_form_stays_with_the_default_engine(engine):
    rgb = np.asarray(Image.open(FUNSD_PAGE).convert("RGB"))
    reading = engine.read(rgb)
    assert len(reading) > 20
    assert scripts.needs_other_reader(reading) is False


def test_a_cyrillic_page_goes_to_tesseract(engine):
    """The default engine reads a Russian page as commas: letters per line height near 0."""
    reading = engine.read(render(RUSSIAN, "ru"))
    assert scripts.needs_other_reader(reading) is True


def line(text: str, x0: int, y0: int, height: int = 20) -> Line:
    """A line of words, each one character wide per letter (10 px a letter, 20 px high)."""
    words, x = [], x0
    for token in text.split():
        words.append(Word(token, 0.95, rect(x, y0, x + 10 * len(token), y0 + height)))
        x += 10 * len(token) + 10
    return Line(text, 0.95, rect(x0, y0, x, y0 + height), words)


def test_lines_found_but_not_read_count():
    """A page of 10 text lines the engine found and could read none of (Arabic, Thai...)."""
    assert scripts.needs_other_reader(Reading([], lines_found=10)) is True
    assert scripts.needs_other_reader(Reading([])) is False  # an empty page says nothing
    read = [line("The quick brown fox jumps over the lazy dog", 0, 30 * i) for i in range(3)]
    assert scripts.needs_other_reader(Reading(read, lines_found=4)) is False  # one line missed
    assert scripts.needs_other_reader(Reading(read[:1], lines_found=12)) is True


def test_greek_letters_read_badly_are_greek():
    assert scripts.needs_other_reader([line("η αιπει σφη σ λα τ ινει α ν αλλτωτων", 0, 0)]) is True
    assert scripts.needs_other_reader([line("the angle α is 30 degrees, β is 60 degrees", 0, 0)]) is False


@pytest.mark.parametrize("lang,script", [("ru", "Cyrl"), ("ar", "Arab"), ("ko", "Hang")])
def test_detect_script_of_rendered_pages(lang, script):
    found, confidence = scripts.detect_script(render(PAGES[lang], lang), timeout=60)  # a shared test machine
    assert found == script
    assert 0.0 < confidence <= 1.0


@pytest.mark.parametrize("lang,script", [("ru", "Cyrl"), ("ar", "Arab"), ("ko", "Hang")])
def test_the_line_classifier_names_a_pages_script_from_the_default_engines_boxes(engine, monkeypatch, lang, script):
    """Tesseract's OSD (~0.3-0.8 s of CPU a page) is not asked when the lines say it."""
    rgb = render(PAGES[lang], lang)
    reading = engine.read(rgb)
    monkeypatch.setattr(tesseract, "run", lambda *a, **k: pytest.fail("Tesseract was asked"))
    found, probability = scripts.detect_script(rgb, lines=reading)
    assert found == script and probability >= scripts.CLASSIFIED_PROBABILITY


def test_a_photo_whose_one_line_is_latin_is_left_to_the_default_engine(engine, monkeypatch):
    """A street photo with one blurred line found and not read looks like another script to
    needs_other_reader; the classifier calls it Latin, so no Tesseract model is tried (~5 s)."""
    rgb = np.asarray(Image.open(DATASETS / "icdar2015-dev" / "images" / "img_20.jpg").convert("RGB"))
    reading = engine.read(rgb)
    assert scripts.needs_other_reader(reading) is True
    monkeypatch.setattr(tesseract, "run", lambda *a, **k: pytest.fail("Tesseract was asked"))
    assert scripts.detect_script(rgb, lines=reading)[0] == "Latn"
    assert scripts.tesseract_languages("Latn") == ""  # the page keeps the default engine's reading


def test_lines_the_classifier_cannot_name_leave_the_page_to_osd(monkeypatch):
    asked = []
    monkeypatch.setattr(tesseract, "run", lambda *a, **k: asked.append(a) or None)
    blank = np.full((200, 400, 3), 255, np.uint8)
    assert scripts.detect_script(blank, lines=Reading([], unread=[rect(10, 10, 300, 40)])) == (None, 0.0)
    assert asked  # OSD was asked


def test_detect_script_keeps_to_its_time(monkeypatch):
    runs, cpu = runs_of_tesseract(monkeypatch), children_cpu()
    assert scripts.detect_script(render(RUSSIAN, "ru"), timeout=0.05) == (None, 0.0)
    # Tesseract's OSD was killed at the 0.05 s, not waited for.
    assert all(budget <= 0.05 and killed for budget, killed in runs), runs
    assert children_cpu() - cpu < 1.0


def test_detect_script_on_a_blank_page_finds_none():
    assert scripts.detect_script(np.full((200, 400, 3), 255, np.uint8), timeout=3.0) == (None, 0.0)


def test_every_script_has_installed_traineddata():
    for script in scripts.LANGUAGES:
        TesseractEngine(TesseractConfig(languages=scripts.tesseract_languages(script)))
    assert scripts.tesseract_languages("Latn") == scripts.tesseract_languages("Hani") == ""


def test_script_of_text():
    assert scripts.script_of("Привет, мир") == "Cyrl"
    assert scripts.script_of("שלום עולם") == "Hebr"
    assert scripts.script_of("12, 34.") is None


ICDAR = DATASETS / "icdar2015-dev" / "images"


def _photo(data: bytes) -> np.ndarray:
    import io

    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


@pytest.mark.parametrize("code, text", [("hi", "सभी मनुष्यों को"), ("ru", "Все люди рождаются"),
                                        ("ar", "يولد جميع الناس")])
def test_the_other_line_of_a_bilingual_sign_is_read_by_its_scripts_reader(engine, code, text):
    """The default engine finds the Hindi line of a Hindi and English sign and reads it as
    nothing sure; Tesseract reads it, in the image's coordinates, beside the English line."""
    from bench import render

    rgb = _photo(render.sign([(text, code), ("All human beings are born free", "en")], seed=7))
    reading = engine.read(rgb)
    assert [ln.text for ln in reading] == ["All human beings are born free"] and reading.unread
    added, replaced = scripts.read_other_lines(rgb, reading, time.monotonic() + 30)
    assert replaced == []  # the English line stays the engine's
    assert len(added) == 1 and len(set(added[0].text.split()) & set(text.split())) >= 2  # Arabic: a letter lost at times
    (x0, y0, x1, y1), english = bounds(added[0].box), bounds(reading[0].box)
    assert y1 <= english[1] + 10 and x0 < english[2] and x1 > english[0]  # above the English line
    for word in added[0].words:
        wx0, wy0, wx1, wy1 = bounds(word.box)
        assert x0 - 20 <= wx0 < wx1 <= x1 + 20 and y0 - 20 <= wy0 < wy1 <= y1 + 20


@pytest.mark.parametrize("name", ["img_15.jpg", "img_16.jpg", "img_18.jpg"])
def test_blurred_words_on_an_english_photo_are_not_taken_for_another_script(engine, name):
    """Real street photos whose unread lines are tall: every script model reads them as noise."""
    rgb = np.asarray(Image.open(ICDAR / name).convert("RGB"))
    reading = engine.read(rgb)
    assert scripts.unread_candidates(reading)  # looked at...
    assert scripts.read_other_lines(rgb, reading, time.monotonic() + 30) == ([], [])  # ...and left


def test_unread_lines_too_small_to_matter_are_not_looked_at():
    box = rect(0, 0, 200, 30)
    small = Reading([line("a line read well", 0, 100, height=80)], unread=[rect(0, 0, 200, 30)])
    assert scripts.unread_candidates(small) == []  # under 0.6 of the lines read
    assert len(scripts.unread_candidates(Reading([], unread=[box]))) == 1
    assert scripts.read_other_lines(np.zeros((10, 10, 3), np.uint8), Reading([]), time.monotonic() + 1) == ([], [])


def test_without_tesseract_a_bilingual_sign_keeps_what_the_default_engine_read(engine, monkeypatch):
    """A worker without Tesseract (the keras-ocr image) reads the English line, as before."""
    from bench import render

    rgb = _photo(render.sign([("सभी मनुष्यों को", "hi"), ("All human beings are born free", "en")], seed=7))
    reading = engine.read(rgb)
    monkeypatch.setattr("shutil.which", lambda name: None)
    assert scripts.read_other_lines(rgb, reading, time.monotonic() + 30) == ([], [])


def test_a_signs_frame_read_into_the_outermost_words_is_trimmed_with_its_share_of_the_box():
    placed = [(Word("|", 0.4, rect(0, 0, 4, 20)), (0, 0, 4, 20)),
              (Word("|चिकित्सा", 0.9, rect(8, 0, 98, 20)), (8, 0, 98, 20)),
              (Word("विभाग`", 0.9, rect(110, 0, 170, 20)), (110, 0, 170, 20))]
    trimmed = scripts._trimmed(placed)
    assert [w.text for w, _ in trimmed] == ["चिकित्सा", "विभाग"]
    assert trimmed[0][1] == (18.0, 0, 98, 20)  # 1 of 9 characters (code points): a ninth of the box
    assert trimmed[1][1] == (110, 0, 160.0, 20)  # 1 of 6
    assert scripts._trimmed([(Word("चिकित्सा", 0.9, rect(8, 0, 98, 20)), (8, 0, 98, 20))])[0][1] == (8, 0, 98, 20)
