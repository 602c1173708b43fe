"""Signs of one or two lines in another script (issue 42): read in their script through the
page kind, with real models (rapidocr, the line classifier, Tesseract), and the page's
language follows; a Latin sign stays the default engine's, word for word. The signs are
rendered boards (bench/short_signs.py), flat and photographed."""
from __future__ import annotations

import numpy as np
import pytest

from bench import short_signs
from chalicelib.engines.ocr import scripts
from chalicelib.engines.ocr.base import Line, Reading
from chalicelib.geometry import rect
from chalicelib.kinds.page import pipeline

SERBIAN = "Време је лепо данас."  # the sign issue 42 reports read as "."
GREEK = "Καλημέρα σας"  # read as "Kαλημρα σα" before


def read(lines: list[str], language: str, variant: str, index: int = 0) -> dict:
    return pipeline.recognize(short_signs.sign_image(lines, language, variant, index))


@pytest.mark.parametrize("variant", ["clean", "photo"])
def test_a_one_line_serbian_sign_is_read_in_cyrillic(variant):
    result = read([SERBIAN], "sr", variant)
    assert result["text"] == SERBIAN
    assert result["language"]["code"] == "sr"
    assert "(Cyrillic)" in result["engine_version"]  # Tesseract's Cyrillic model read it


@pytest.mark.parametrize("variant", ["clean", "photo"])
def test_a_one_line_greek_sign_is_read_in_greek(variant):
    result = read([GREEK], "el", variant, index=5)
    assert result["text"] == GREEK  # mu as the Greek letter, not Tesseract's micro sign
    assert result["language"]["code"] == "el"
    assert "(ell)" in result["engine_version"]
    assert "unsure" not in result  # the default engine's guesses at the Greek words are gone


@pytest.mark.parametrize("lines", [["Open every day"], ["Staff only", "beyond this point"]])
def test_a_short_latin_sign_stays_with_the_default_engine(lines):
    result = read(lines, "en", "photo", index=17)
    assert result["text"] == "\n".join(lines)
    assert result["engine"] == "rapidocr" and "tesseract" not in result["engine_version"]
    assert result["language"]["code"] == "en"


def line(text: str, x0: int, y0: int, width: int, height: int = 40) -> Line:
    return Line(text, 0.9, rect(x0, y0, x0 + width, y0 + height), [])


def test_a_reading_of_a_few_rows_is_short():
    row = [line("a", 0, 0, 100), line("b", 120, 5, 100)]  # one row in two boxes (Devanagari)
    assert scripts.is_short(Reading(row + [line("c", 0, 60, 200)]))
    assert scripts.is_short(Reading(row, unread=[rect(0, 60, 200, 100), rect(0, 120, 200, 160)]))
    assert not scripts.is_short(Reading([line(str(i), 0, 60 * i, 200) for i in range(4)]))  # four rows
    assert not scripts.is_short(Reading([]))
    assert not scripts.is_short(Reading(row, lines_found=12))  # cut short: more were found


def test_short_readings_can_be_left_alone(monkeypatch):
    monkeypatch.setattr(scripts, "SHORT_LINES", 0)
    assert not scripts.is_short(Reading([line("a", 0, 0, 100)]))


def test_a_line_read_as_next_to_nothing_or_as_greek_letters_is_misread():
    rgb = np.full((200, 800, 3), 255, np.uint8)
    dot, greek, english = line(".", 0, 0, 600), line("σα φλοι", 0, 60, 300), line("Open every day", 0, 120, 500)
    misread = scripts.misread_lines(rgb, Reading([dot, greek, english]))
    assert misread[:2] == [dot, greek] and english not in misread
    # A sign read well is never looked at, a blank line not named another script.
    assert scripts.misread_lines(rgb, Reading([english])) == []
