"""The Tesseract engine reads the scripts the default engine cannot: lines rendered from real
text (the Universal Declaration of Human Rights, UN 1948, article 1 and the preamble) with the
Noto fonts, read back through the real `tesseract` command and Debian's language packs."""
from __future__ import annotations

import resource
import time

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from chalicelib.engines import ocr
from chalicelib.engines.ocr import tesseract
from chalicelib.engines.ocr.base import build_result, validate_result
from chalicelib.engines.ocr.tesseract import TesseractConfig, TesseractEngine, parse_tsv
from chalicelib.errors import EngineUnavailable
from chalicelib.geometry import bounds

NOTO = "/usr/share/fonts/truetype/noto/"
FONTS = {"ru": NOTO + "NotoSans-Regular.ttf", "el": NOTO + "NotoSans-Regular.ttf",
         "ar": NOTO + "NotoNaskhArabic-Regular.ttf", "he": NOTO + "NotoSansHebrew-Regular.ttf",
         "ko": "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"}
RTL = {"ar", "he"}
TEXT = {
    "ru": "Все люди рождаются свободными и равными в своем достоинстве и правах.",
    "el": "Όλοι οι άνθρωποι γεννιούνται ελεύθεροι και ίσοι στην αξιοπρέπεια και τα δικαιώματα.",
    "ar": "يولد جميع الناس أحرارًا متساوين في الكرامة والحقوق.",
    "ko": "모든 인간은 태어날 때부터 자유로우며 그 존엄과 권리에 있어 동등하다.",
}


def render(lines: list[str], lang: str, size: int = 30) -> np.ndarray:
    """Black text on white, one line per entry (Raqm shapes Arabic and lays out right to left)."""
    font = ImageFont.truetype(FONTS[lang], size, index=1 if lang == "ko" else 0,
                              layout_engine=ImageFont.Layout.RAQM)
    direction = "rtl" if lang in RTL else None
    width = int(max(font.getlength(t, direction=direction) for t in lines)) + 80
    img = Image.new("RGB", (width, 40 + int(size * 1.8) * len(lines)), "white")
    draw = ImageDraw.Draw(img)
    for i, text in enumerate(lines):
        x = width - 40 - font.getlength(text, direction=direction) if direction else 40
        draw.text((x, 20 + i * int(size * 1.8)), text, font=font, fill="black", direction=direction)
    return np.asarray(img)


def share_right(read: str, truth: str) -> float:
    """Share of the truth's words read (punctuation and case aside)."""
    def words(s):
        return ["".join(ch for ch in w if ch.isalnum()).casefold() for w in s.split()]
    got = words(read)
    return sum(w in got for w in words(truth)) / len(words(truth))


@pytest.fixture(scope="module")
def engines():
    langs = {"ru": "rus", "el": "ell", "ar": "ara", "ko": "kor"}
    return {lang: TesseractEngine(TesseractConfig(languages=name)) for lang, name in langs.items()}


@pytest.mark.parametrize("lang", ["ru", "el", "ar", "ko"])
def test_reads_a_line_of_each_script(engines, lang):
    reading = engines[lang].read(render([TEXT[lang]], lang))
    assert reading.complete
    assert len(reading) == 1
    line = reading[0]
    assert share_right(line.text, TEXT[lang]) >= 0.8, line.text
    assert line.text == " ".join(w.text for w in line.words)  # CONTRACTS section 1
    assert all(0.0 <= w.confidence <= 1.0 and w.text.strip() == w.text and w.text for w in line.words)
    assert 0.5 <= line.confidence <= 1.0


def test_arabic_words_come_in_reading_order(engines):
    """The first word of the text is the rightmost on the image, and so on leftwards."""
    line = engines["ar"].read(render([TEXT["ar"]], "ar"))[0]
    assert line.text.split()[0] == line.words[0].text == "يولد"
    lefts = [bounds(w.box)[0] for w in line.words]
    assert lefts == sorted(lefts, reverse=True)


def test_a_right_to_left_page_keeps_its_lines_top_to_bottom(engines):
    """In the result document (reading_order): an Arabic page is not read as upside down."""
    first, second = "يولد جميع الناس أحرارًا", "متساوين في الكرامة والحقوق"
    rgb = render([first, second], "ar")
    doc = build_result(engines["ar"], rgb.shape[1], rgb.shape[0], engines["ar"].read(rgb))
    validate_result(doc)
    assert [ln["text"].split()[0] for ln in doc["lines"]] == ["يولد", "متساوين"]


def test_the_registry_builds_it():
    engine = ocr.get_engine("tesseract", TesseractConfig(languages="rus"))
    assert engine.name == "tesseract" and "rus" in engine.version


def test_missing_language_data_says_what_to_install():
    with pytest.raises(EngineUnavailable, match="tesseract-ocr-fra") as err:
        TesseractEngine(TesseractConfig(languages="rus+fra"))
    assert "fra" in err.value.message and "rus," not in err.value.message


def test_missing_tesseract_says_how_to_install(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(EngineUnavailable, match="apt-get install tesseract-ocr"):
        TesseractEngine(TesseractConfig(languages="rus"))


def runs_of_tesseract(monkeypatch) -> list[tuple[float, bool]]:
    """Each run of Tesseract: (its budget in seconds, whether it was killed at it)."""
    runs: list[tuple[float, bool]] = []
    real = tesseract.run

    def run(command, page, budget):
        out = real(command, page, budget)
        runs.append((budget, out is None))
        return out

    monkeypatch.setattr(tesseract, "run", run)
    return runs


def children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def test_the_deadline_stops_it(engines, monkeypatch):
    page = render([TEXT["ru"]] * 30, "ru")
    runs, cpu = runs_of_tesseract(monkeypatch), children_cpu()
    reading = engines["ru"].read(page, deadline=time.monotonic() + 0.05)
    # Killed at what was left of its 0.05 s (or never started, the deadline past), not waited
    # for: a full read takes seconds of Tesseract's CPU.
    assert all(budget <= 0.05 and killed for budget, killed in runs), runs
    assert children_cpu() - cpu < 1.0
    assert not reading.complete and reading.reason == "time" and list(reading) == []
    assert reading.coverage() == {"complete": False, "reason": "time", "lines_found": 0}
    past = engines["ru"].read(page, deadline=time.monotonic() - 1)
    assert not past.complete and past.reason == "time"


def test_rows_that_are_not_words_are_left_out():
    head = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
    rows = ["4\t1\t1\t1\t1\t0\t10\t10\t200\t30\t-1\t",
            "5\t1\t1\t1\t1\t1\t10\t10\t90\t30\t96.5\tПривет",
            "5\t1\t1\t1\t1\t2\t110\t10\t20\t30\t95\t ",
            "5\t1\t1\t1\t1\t3\t140\t10\t70\t30\t91\tмир",
            "5\t1\t1\t1\t2\t1\t10\t50\t70\t30\t-1\tшум"]
    lines = parse_tsv("\n".join([head, *rows]))
    assert [ln.text for ln in lines] == ["Привет мир"]
    assert [round(w.confidence, 3) for w in lines[0].words] == [0.965, 0.91]
    assert lines[0].box == [[10, 10], [210, 10], [210, 40], [10, 40]]
