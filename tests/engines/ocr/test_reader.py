"""The page's reader (chalicelib/engines/ocr/reader.py) decides who reads a page, with real
engines: the language the upload names, else the engine's own reading and the script
classifier; and it says which of its parts read (`Reading.engine`)."""
from __future__ import annotations

import numpy as np
import pytest

from chalicelib.engines import ocr
from chalicelib.engines.ocr.base import Reading
from chalicelib.engines.ocr.reader import CLASSIFIED, Reader
from chalicelib.errors import EngineUnavailable
from tests.engines.ocr.test_scripts import RUSSIAN
from tests.engines.ocr.test_tesseract import render, share_right
from tests.images import text_image

ENGLISH = ["READ THESE WORDS ALOUD", "THE QUICK BROWN FOX"]


@pytest.fixture(scope="module")
def russian():
    return render(RUSSIAN, "ru")


@pytest.fixture(scope="module")
def english():
    return np.asarray(text_image(ENGLISH).image.convert("RGB"))


@pytest.fixture(scope="module")
def reader():
    return ocr.get_reader("rapidocr")


class Unmeasured:
    """A real engine (the default one's inference) under a name the script classifier was not
    measured for, returning a plain list as keras-ocr does: keras-ocr itself needs its own venv
    (tests/engines/ocr/test_keras_engine*.py there)."""
    name, version = "unmeasured", "0"

    def __init__(self, engine):
        self.inner = engine

    def read(self, image, *, deadline=None, language=None):
        return list(self.inner.read(image, deadline=deadline, language=language))


def test_it_is_the_chosen_engine_to_the_outside(reader):
    engine = ocr.get_engine("rapidocr")
    assert reader.engine is engine and (reader.name, reader.version) == (engine.name, engine.version)
    with pytest.raises(EngineUnavailable, match="keras-ocr"):  # the error names the choices
        ocr.get_reader("nope")


def test_a_named_language_with_a_tesseract_reader_is_read_by_tesseract(reader, russian):
    reading = reader.read(russian, language="ru")
    assert reading.engine.name == "tesseract" and "(rus)" in reading.engine.version
    assert share_right(" ".join(line.text for line in reading), " ".join(RUSSIAN)) >= 0.8


def test_a_named_language_the_engine_reads_stays_with_it(reader, english, russian):
    reading = reader.read(english, language="en")
    assert reading.engine is reader.engine
    assert [line.text for line in reading] == ENGLISH
    # The upload's word is taken: a page said to be English is not sent away for its script.
    assert reader.read(russian, language="en").engine is reader.engine


def test_an_unnamed_page_in_another_script_goes_to_tesseract_in_that_script(reader, russian):
    reading = reader.read(russian)
    assert reading.engine.name == "tesseract" and "(Cyrillic)" in reading.engine.version
    assert share_right(" ".join(line.text for line in reading), " ".join(RUSSIAN)) >= 0.8


def test_an_unnamed_latin_page_stays_with_the_engine(reader, english):
    reading = reader.read(english)
    assert reading.engine is reader.engine and [line.text for line in reading] == ENGLISH


def test_an_engine_the_classifier_was_not_measured_on_reads_every_page_itself(reader, russian):
    unmeasured = Unmeasured(reader.engine)
    assert unmeasured.name not in CLASSIFIED and reader.engine.name in CLASSIFIED
    other = Reader(unmeasured)
    reading = other.read(russian)
    assert isinstance(reading, Reading) and reading.complete  # a plain list becomes a whole Reading
    assert reading.engine is unmeasured
    assert other.read(russian, language="ru").engine.name == "tesseract"  # the named language still decides


class Counting(Unmeasured):
    """The default engine, counting the pages it is given."""
    def __init__(self, engine):
        super().__init__(engine)
        self.pages = 0

    def read(self, image, *, deadline=None, language=None):
        self.pages += 1
        return super().read(image, deadline=deadline, language=language)


@pytest.mark.parametrize("shape, colour", [((1200, 900, 3), (255, 255, 255)), ((1200, 900, 3), (250, 240, 230)),
                                           ((700, 500), 0)])
def test_a_page_of_one_colour_is_read_as_nothing_without_an_engine(shape, colour):
    engine = Counting(ocr.get_engine("rapidocr"))
    page = np.empty(shape, np.uint8)
    page[...] = colour
    reading = Reader(engine).read(page)
    assert list(reading) == [] and reading.complete and reading.engine is engine
    assert engine.pages == 0


def test_one_dot_anywhere_is_not_one_colour(english):
    from chalicelib.engines.ocr.reader import blank

    page = np.full((1000, 800, 3), 255, np.uint8)
    assert blank(page)
    for y, x, c in ((0, 0, 0), (999, 799, 2), (300, 400, 1), (256, 0, 0), (511, 799, 2)):
        spotted = page.copy()
        spotted[y, x, c] = 254
        assert not blank(spotted), (y, x, c)
    assert not blank(english)
    engine = Counting(ocr.get_engine("rapidocr"))
    assert Reader(engine).read(english) and engine.pages == 1
