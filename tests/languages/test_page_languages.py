"""The page kind in other languages, in-process with the real engines: the language of a page and
of its lines, the reader chosen for it, the voice of each part; and odd input (mixed scripts,
digits only, emoji, a language without a voice), each a clear result, never a failure."""
from __future__ import annotations

from pathlib import Path

import pytest

from chalicelib.engines import tts
from chalicelib.kinds.page import pipeline
from tests import images
from tests.media import documents

PAGES = Path(__file__).resolve().parents[1] / "data" / "languages" / "pages"


def _voices(result: dict) -> list[tuple[str, str]]:
    return [(p["voice"]["language"], p["voice"]["engine"]) for p in result["speech"]["parts"]]


@pytest.fixture(scope="module")
def mixed_scripts():
    """A real text-layer PDF (printed by Chromium) with a line in each of four scripts and one of emoji."""
    html = ("<meta charset='utf-8'><body style='font: 20px sans-serif'>"
            "<p>Every reader deserves to hear the page in its own language.</p>"
            "<p>Каждый читатель заслуживает услышать страницу на своём языке.</p>"
            "<p>每位读者都应该听到用自己语言朗读的页面。</p>"
            "<p lang='ar' dir='rtl'>كل قارئ يستحق أن يسمع الصفحة بلغته.</p>"
            "<p>😀 🎉 ❤️ 👍</p></body>")
    return pipeline.process(documents.chromium_pdfs([html])[0])


def test_a_page_of_mixed_scripts_gives_each_line_its_language_and_voice(mixed_scripts):
    result = mixed_scripts.result
    page = result["pages"][0]
    languages = [line.get("language") for line in page["lines"]]
    assert languages[:4] == ["en", "ru", "zh", "ar"]
    assert {("en", "piper"), ("ru", "rhvoice"), ("zh", "kokoro"), ("ar", "espeak")} <= set(_voices(result))
    assert mixed_scripts.wav and result["speech"]["complete"]
    spoken = {(w["line"], w["word"]) for w in result["speech"]["words"]}
    assert (1, 0) in spoken and (3, 0) in spoken  # the Russian and the Arabic lines are read along


def test_a_line_of_emoji_follows_its_page_and_breaks_nothing(mixed_scripts):
    page = mixed_scripts.result["pages"][0]
    emoji = [line for line in page["lines"] if "😀" in line["text"]]
    assert not emoji or emoji[0].get("language") in (None, page["language"]["code"])


def test_a_page_of_digits_only_falls_back_and_is_spoken(drawn_digits):
    result = pipeline.process(drawn_digits).result
    assert result["language"]["code"] == "en" and result["language"]["confidence"] < 0.5
    assert result["speech"]["voice"]["language"] == "en" and result["speech"]["words"]


@pytest.fixture(scope="module")
def drawn_digits() -> bytes:
    return images.encode(images.text_image(["12 345 6789", "2024 0042"]).image, "PNG")


def _french_pdf() -> bytes:
    return documents.text_pdf([documents.TextPage(["Le château était fermé pour l'été.",
                                                   "Les enfants sont allés à la plage."])])


def test_a_language_without_a_voice_is_read_and_says_it_is_not_spoken():
    done = pipeline.run(_french_pdf(), language="gl")  # Galician: read, no voice ships for it
    result = done.result
    assert result["language"] == {"code": "gl", "confidence": 1.0, "detected": False}
    assert "château" in result["text"] and "speech" not in result and "speech.wav" not in done.files
    assert result["unspoken"] == {"languages": ["gl"], "message": "Not read aloud: PageVoice has no voice for Galician."}


def test_a_voice_not_installed_leaves_the_text_unspoken_not_failed(monkeypatch):
    monkeypatch.setitem(tts.ENGINES, "kokoro", "tests.languages.nowhere:KokoroEngine")  # French's voices
    monkeypatch.setitem(tts.ENGINES, "pico", "tests.languages.nowhere:PicoEngine")
    done = pipeline.run(_french_pdf())
    assert done.result["language"]["code"] == "fr" and done.result["unspoken"]["languages"] == ["fr"]


def test_a_named_latin_language_is_not_corrected_by_the_english_word_list():
    data = (PAGES / "fr_photo.jpg").read_bytes()
    result = pipeline.recognize(data, language="fr")
    assert result["language"]["detected"] is False
    assert "êtres" in result["text"] and "égaux" in result["text"]


def test_a_bilingual_sign_photo_is_read_and_spoken_in_both_languages():
    """A photo of a Hindi and English sign: the default engine reads the English line and
    finds the Hindi one it cannot read; Tesseract reads that one. Each line is spoken in its
    own voice and read along (the Hindi used to be dropped, and the English line spoken by
    whichever voice the page's language had)."""
    from bench import render

    done = pipeline.process(render.sign([("सभी मनुष्यों को", "hi"), ("All human beings are born free", "en")], seed=7))
    result = done.result
    lines = [(line["text"], line.get("language")) for line in result["lines"]]
    assert lines == [("सभी मनुष्यों को", "hi"), ("All human beings are born free", "en")]
    assert {("hi", "kokoro"), ("en", "piper")} <= set(_voices(result))
    spoken = {w["line"] for w in result["speech"]["words"]}
    assert spoken == {0, 1} and done.wav
