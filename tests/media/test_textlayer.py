"""Text layers that do not say what the page shows (chalicelib/media/textlayer.py, issue 38):
each broken kind made by tests/media/broken_pdfs.py and the real textbook pages of layout-dev
are caught with real OCR inference; clean pages (layout-dev's and the repository's own test
PDFs) are trusted as they are, at no OCR cost."""
from __future__ import annotations

import time
import unicodedata
from pathlib import Path

import pytest
from rapidfuzz.distance import Indel

from chalicelib import settings
from chalicelib.engines import ocr
from chalicelib.media import document, textlayer
from tests.media import broken_pdfs, documents

LAYOUT = Path(__file__).resolve().parents[2].parent / "shared" / "datasets" / "layout-dev" / "pages"
# The textbook of issue 38 ("Probability, Combinatorics and Control", pages 312 and 318): a math
# font whose "=" reads "¼", "+" "þ", "(" "ð", ")" "Þ" and "/" "=".
TEXTBOOK = ["01030000000028", "01030000000031"]
WRONG = ("\u2044", "þ", "ð", "Þ")  # what the broken map gives (¼ is "1⁄4" after NFKC)


@pytest.fixture(scope="module")
def engine():
    return ocr.get_engine("rapidocr")


def text_page(pdf: bytes):
    """(lines, rgb) of a PDF's first page as the page kind reads it (its render dpi)."""
    s = settings.get()
    with document.open_document(pdf, max_bytes=10**9, max_pixels=s.limits.max_pixels, max_pages=1,
                                dpi=s.limits.pdf_render_dpi) as doc:
        page = doc.page(0)
        assert page.source == "text", "the test page must be read from its text layer"
        return page.lines(), page.rgb()


def near(a: str, b: str) -> float:
    fold = lambda t: "".join(unicodedata.normalize("NFKC", t).casefold().split())  # noqa: E731
    return Indel.normalized_similarity(fold(a), fold(b))


def check_shape(line: dict, width: int, height: int) -> None:
    assert line["source"] == "ocr" and line["words"]
    assert line["text"] == " ".join(w["text"] for w in line["words"])
    for box in [line["box"]] + [w["box"] for w in line["words"]]:
        assert len(box) == 4 and all(isinstance(v, int) for p in box for v in p)
        assert all(0 <= x <= width and 0 <= y <= height for x, y in box)


class NoOcr:
    """An engine that must not be asked: a clean page costs no OCR."""
    name, version = "none", "0"

    def read(self, *args, **kwargs):
        raise AssertionError("OCR ran on a page that raised no sign")


# ---------------------------------------------------------------- broken kinds, made


def test_a_font_without_a_unicode_map_makes_the_whole_page_untrusted(engine):
    page = broken_pdfs.no_unicode_map()
    lines, rgb = text_page(page.pdf)
    assert all(near(line["text"], shown) < 0.3 for line, shown in zip(lines, page.shown))  # garbled
    found = textlayer.review(lines, rgb, engine=engine)
    assert found.untrusted_page
    assert found.reason == "The PDF's text did not match the page (fonts without a text map): read from the page's image."
    assert found.lines == lines


def test_garbled_letters_are_caught_by_the_word_list(engine):
    # Codes handed out from "A": the text layer is letters, but no words.
    page = broken_pdfs.no_unicode_map(first_code=0x41)
    lines, rgb = text_page(page.pdf)
    found = textlayer.review(lines, rgb, engine=engine)
    assert found.untrusted_page and found.suspicious == len(lines)


def test_symbols_mapped_to_wrong_characters_are_read_again_line_by_line(engine):
    page = broken_pdfs.wrong_unicode_map()
    lines, rgb = text_page(page.pdf)
    assert [i for i, line in enumerate(lines) if any(w in line["text"] for w in WRONG)] == page.broken
    found = textlayer.review(lines, rgb, engine=engine)
    assert not found.untrusted_page and found.replaced == page.broken
    assert found.reason == ("2 lines of the PDF's text did not match the page "
                            "(symbols mapped to the wrong characters): read from the page's image.")
    for i, line in enumerate(found.lines):
        if i in page.broken:
            check_shape(line, rgb.shape[1], rgb.shape[0])
            assert not any(w in line["text"] for w in WRONG)
            assert near(line["text"], page.shown[i]) >= 0.85, (line["text"], page.shown[i])
            assert line["text"].count("=") == 1 and ("+" in line["text"]) == ("+" in page.shown[i])
        else:
            assert line is lines[i]  # good lines stay exactly as the PDF gives them


def test_a_mixed_page_has_only_its_broken_lines_read_again(engine):
    page = broken_pdfs.mixed()
    lines, rgb = text_page(page.pdf)
    assert len(lines) == len(page.shown)
    found = textlayer.review(lines, rgb, engine=engine)
    assert not found.untrusted_page and found.replaced == page.broken == [3, 5, 7]
    assert "fonts without a text map" in found.reason and "symbols mapped to the wrong characters" in found.reason
    for i in page.broken:
        check_shape(found.lines[i], rgb.shape[1], rgb.shape[0])
        assert near(found.lines[i]["text"], page.shown[i]) >= 0.85, (found.lines[i]["text"], page.shown[i])
    assert found.lines[5]["text"] == "Every word of this line is lost to the reader today."
    assert [found.lines[i] for i in range(len(lines)) if i not in page.broken] == \
        [lines[i] for i in range(len(lines)) if i not in page.broken]


def unmapped_glyphs(pdf: bytes, width: int, height: int) -> list[tuple[float, float, float, float]]:
    """The pixel boxes of the glyphs document.py leaves out as not text that have no character
    (textlayer.is_unmapped): what it would hand `review` as `unmapped`, found with its helpers."""
    import numpy as np
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    pdf_doc = pdfium.PdfDocument(pdf)
    page = pdf_doc[0]
    textpage = page.get_textpage()
    try:
        found = [i for i in range(textpage.count_chars()) if not pdfium_c.FPDFText_IsGenerated(textpage, i)
                 and textlayer.is_unmapped(chr(pdfium_c.FPDFText_GetUnicode(textpage, i)))]
        boxes = np.array([document._loose_box(textpage, i) for i in found], dtype=np.float64).reshape(-1, 4)
        pixels = document._to_pixels(boxes, document._pixel_transform(page, width, height)).tolist()
        # As document.py does: a glyph off the visible page is not text (PDFium places some there).
        return [tuple(b) for b in pixels if 0 <= (b[0] + b[2]) / 2 <= width and 0 <= (b[1] + b[3]) / 2 <= height]
    finally:
        textpage.close()
        page.close()
        pdf_doc.close()


def test_a_line_whose_glyphs_map_to_no_character_is_read_and_put_in_place(engine):
    page = broken_pdfs.unmapped_codes()
    lines, rgb = text_page(page.pdf)
    hidden = page.broken[0]
    assert [line["text"] for line in lines] == [t for i, t in enumerate(page.shown) if i != hidden]
    unmapped = unmapped_glyphs(page.pdf, rgb.shape[1], rgb.shape[0])
    assert len(unmapped) == len(page.shown[hidden].replace(" ", ""))
    assert textlayer.review(lines, rgb, engine=NoOcr()).suspicious == 0  # unseen without them
    found = textlayer.review(lines, rgb, engine=engine, unmapped=unmapped)
    assert not found.untrusted_page and found.added == [hidden] and not found.replaced
    assert [line["text"] for line in found.lines] == page.shown
    check_shape(found.lines[hidden], rgb.shape[1], rgb.shape[0])
    assert found.reason == ("1 line of the page was missing from the PDF's text (fonts without a text map): "
                            "read from the page's image.")


def test_a_page_mostly_of_glyphs_without_characters_is_untrusted():
    page = broken_pdfs.unmapped_codes()
    lines, rgb = text_page(page.pdf)
    unmapped = unmapped_glyphs(page.pdf, rgb.shape[1], rgb.shape[0])
    found = textlayer.review(lines[:1], rgb, engine=NoOcr(), unmapped=unmapped)
    assert found.untrusted_page and "fonts without a text map" in found.reason


def test_private_use_bullets_are_not_missing_lines():
    page = broken_pdfs.private_use_bullets()
    lines, rgb = text_page(page.pdf)
    assert [line["text"] for line in lines] == page.shown  # document.py drops the bullets
    unmapped = unmapped_glyphs(page.pdf, rgb.shape[1], rgb.shape[0])
    assert len(unmapped) == 3
    found = textlayer.review(lines, rgb, engine=NoOcr(), unmapped=unmapped)
    assert found.suspicious == 0 and found.lines == lines and not found.added


def test_no_ocr_starts_after_the_deadline():
    page = broken_pdfs.mixed()
    lines, rgb = text_page(page.pdf)
    found = textlayer.review(lines, rgb, engine=NoOcr(), deadline=time.monotonic() - 1)
    assert found.suspicious == 3 and found.checked == 0 and found.lines == lines and not found.untrusted_page


# ---------------------------------------------------------------- real pages


def test_the_textbook_of_the_issue_is_spoken_as_its_page_shows(engine):
    lines, rgb = text_page((LAYOUT / f"{TEXTBOOK[0]}.pdf").read_bytes())
    i = next(i for i, line in enumerate(lines) if line["text"].startswith("S 1\u20444 kB ln"))
    broken = [i for i, line in enumerate(lines) if any(w in line["text"] for w in WRONG)]
    found = textlayer.review(lines, rgb, engine=engine)
    # The two formula lines, and not the prose around them.
    assert found.replaced == broken and len(broken) == 2 and i in broken and not found.untrusted_page
    assert found.lines[i]["text"].replace(" ", "").startswith("S=kBlnΩ")
    assert not any(w in found.lines[j]["text"] for j in broken for w in WRONG)
    lines, rgb = text_page((LAYOUT / f"{TEXTBOOK[1]}.pdf").read_bytes())
    broken = [i for i, line in enumerate(lines) if any(w in line["text"] for w in WRONG)]
    found = textlayer.review(lines, rgb, engine=engine)
    assert set(found.replaced) == set(broken) and len(broken) >= 6
    for i in found.replaced:
        assert not any(w in found.lines[i]["text"] for w in WRONG)
        check_shape(found.lines[i], rgb.shape[1], rgb.shape[0])
    ratio = next(found.lines[i]["text"] for i in found.replaced if found.lines[i]["text"].startswith("The ratio"))
    assert "(NLH + NHL)" in ratio and "m = 2" in ratio and "m = 3" in ratio


def clean_layout_pages():
    assert LAYOUT.is_dir(), f"the tests need {LAYOUT} (../shared/datasets beside the repo)"
    return [p for p in sorted(LAYOUT.glob("*.pdf")) if p.stem not in TEXTBOOK]


def test_clean_layout_dev_pages_are_trusted_as_they_are(engine):
    s = settings.get()
    read = 0
    for path in clean_layout_pages():
        with document.open_document(path.read_bytes(), max_bytes=10**9, max_pixels=s.limits.max_pixels,
                                    max_pages=1, dpi=s.limits.pdf_render_dpi) as doc:
            page = doc.page(0)
            if page.source != "text":
                continue
            lines, rgb = page.lines(), page.rgb()
        found = textlayer.review(lines, rgb, engine=engine)
        assert not found.untrusted_page and not found.replaced and found.lines == lines, (path.stem, found.reason)
        read += 1
    assert read >= 50


def test_the_repositorys_test_pdfs_are_trusted_without_ocr():
    pdfs = [documents.text_pdf([documents.TextPage(["Dear Ms. Rivera,", "Your library card is ready.",
                                                    "Please collect it by Friday, 3 p.m."], font_size=14)]),
            *documents.chromium_pdfs(["<html><body style='font: 22px serif; margin: 60px'><p>The reading room "
                                      "opens at 9 a.m.</p><p>Bring this letter with you.</p><p>x = (a + b) / 2</p>"
                                      "</body></html>"])]
    for pdf in pdfs:
        lines, rgb = text_page(pdf)
        found = textlayer.review(lines, rgb, engine=NoOcr())
        assert found.suspicious == 0 and found.lines == lines and found.reason is None


def test_a_real_quarter_and_a_real_formula_stay(engine):
    # Helvetica's WinAnsi "¼" is a real vulgar fraction: it raises a sign, and OCR reads it there.
    pdf = documents.text_pdf([documents.TextPage(["Add \xbc cup of sugar and 2 eggs to the bowl,",
                                                  "then stir until smooth: x = (a + b) / 2."], font_size=16)])
    lines, rgb = text_page(pdf)
    assert "1\u20444" in lines[0]["text"]
    found = textlayer.review(lines, rgb, engine=engine)
    assert found.suspicious == 1 and found.checked == 1
    assert not found.replaced and found.lines == lines and not found.untrusted_page
