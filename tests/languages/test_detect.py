"""Language identification (chalicelib/languages/detect.py): scripts first, then fastText's
bundled lite model; thresholds and fallbacks of CONTRACTS section 11."""
from __future__ import annotations

import pytest

from chalicelib.languages import detect

SENTENCES = {
    "en": "The meeting has been moved to Thursday afternoon because of the holiday.",
    "fr": "La réunion a été déplacée à jeudi après-midi à cause des vacances.",
    "de": "Die Besprechung wurde wegen des Feiertags auf Donnerstagnachmittag verschoben.",
    "es": "La reunión se ha trasladado al jueves por la tarde debido a las vacaciones.",
    "it": "La riunione è stata spostata a giovedì pomeriggio a causa delle vacanze.",
    "pt": "A reunião foi transferida para quinta-feira à tarde por causa do feriado.",
    "nl": "De vergadering is vanwege de feestdag verplaatst naar donderdagmiddag.",
    "pl": "Spotkanie zostało przeniesione na czwartek po południu z powodu święta.",
    "ru": "Встреча перенесена на вечер четверга из-за праздника.",
    "uk": "Зустріч перенесено на вечір четверга через свято.",
    "el": "Η συνάντηση μεταφέρθηκε για την Πέμπτη το απόγευμα λόγω της αργίας.",
    "ar": "تم نقل الاجتماع إلى بعد ظهر يوم الخميس بسبب العطلة.",
    "he": "הפגישה הועברה ליום חמישי אחר הצהריים בגלל החג.",
    "hi": "छुट्टी के कारण बैठक गुरुवार दोपहर तक के लिए स्थगित कर दी गई है।",
    "ja": "会議は休日のため木曜日の午後に変更されました。",
    "zh": "由于假期，会议已改到星期四下午。",
    "ko": "회의는 휴일 때문에 목요일 오후로 옮겨졌습니다.",
    "th": "การประชุมถูกเลื่อนไปเป็นบ่ายวันพฤหัสบดีเนื่องจากวันหยุด",
}


@pytest.mark.parametrize("code", sorted(SENTENCES))
def test_a_sentence_is_identified(code):
    guess = detect.identify(SENTENCES[code])
    assert guess is not None and guess.code == code and guess.confidence >= detect.PAGE_MIN_CONFIDENCE


@pytest.mark.parametrize("text", ["", "   ", "1234 5678", "3,015.00 - 9/24/2012", "😀 🎉 ❤️", "¿¡!?"])
def test_text_without_letters_has_no_language(text):
    assert detect.identify(text) is None


def test_scripts():
    assert detect.script_of("Привет, мир") == "Cyrl"
    assert detect.script_of("東京タワー") == "Jpan"  # kana anywhere: Japanese
    assert detect.script_of("北京") == "Hani"
    assert detect.script_of("abc Привет мир") == "Cyrl"  # the most letters win
    assert detect.script_of("42") is None


def test_a_named_language_is_not_detected():
    page, lines = detect.page_language([SENTENCES["fr"]], named="de")
    assert page.public() == {"code": "de", "confidence": 1.0, "detected": False} and lines == [None]


def test_a_page_that_does_not_tell_falls_back():
    page, _ = detect.page_language(["12/03/2024", "Total 3,015.00"])
    assert page.code == detect.FALLBACK and page.detected
    page, _ = detect.page_language(["12/03/2024"], fallback="fr")  # a document's earlier pages
    assert page.code == "fr"
    page, lines = detect.page_language([])
    assert page.code == detect.FALLBACK and lines == []


# Texts rapidocr read on English street photos of ICDAR 2015 (img_35, 22, 76, 3, 30, 11, 51);
# fastText's lite model called them German, French, Italian or Dutch.
SIGNS = ["SAMSUNG", "Toffifee", "Chef Tony Popcorn", "STOREY\n39\nBLOCK 441B", "MRT 140m→ INSEAD",
         "BEWARE OF MAINTENANCE VEHICLES", "Baby Food 16 Diapers Milk Powder 一 DARLIE"]


@pytest.mark.parametrize("sign", SIGNS)
def test_a_short_sign_keeps_the_fallback_language(sign):
    page, lines = detect.page_language(sign.split("\n"))
    assert page.code == detect.FALLBACK and not any(lines)
    assert detect.page_language(sign.split("\n"), fallback="fr")[0].code == "fr"  # a French document's page


def test_a_short_text_in_another_script_than_the_fallback_is_identified():
    assert detect.page_language(["ВЫХОД"])[0].code in ("ru", "uk", "bg", "sr", "mk", "be")
    assert detect.page_language(["出口"])[0].code in ("zh", "ja")
    assert detect.page_language(["출구"])[0].code == "ko"


def test_a_line_of_names_follows_its_page():
    english = ["The quick brown fox jumps over the lazy dog today", "and then it ran into the forest to rest."]
    for names in ("DAVIS POLK & WARDWELL", "Notice of Mechanic's Lien"):  # Slovenian, French at 0.97
        page, lines = detect.page_language([*english, names])
        assert page.code == "en" and lines == [None, None, None], names


def test_lines_get_their_own_language_only_on_a_page_that_mixes_languages():
    english = ["The quick brown fox jumps over the lazy dog today", "and then it ran into the forest to rest."]
    german = ["Der schnelle braune Fuchs springt über den faulen Hund", "und dann lief er in den Wald, um zu ruhen."]
    page, lines = detect.page_language(english + german)
    assert lines == ["en", "en", "de", "de"] and page.code in ("en", "de")
    page, lines = detect.page_language(english + ["OK"])  # a short line follows its page
    assert page.code == "en" and lines == [None, None, None]


def test_a_line_in_another_script_is_never_in_its_pages_language():
    """The English line of a Hindi sign is English, short as it is (it was spoken in Hindi)."""
    page, lines = detect.page_language(["वैद्यकीय कक्ष", "चिकित्सा कक्ष", "Medical Room"])
    assert page.code == "hi" and lines == ["hi", "hi", "en"]
    page, lines = detect.page_language(["Все люди рождаются свободными", "EXIT"], fallback="de")
    assert page.code == "ru" and lines[1] == "de"  # unsure Latin: the fallback, which is Latin


def test_the_marks_of_another_script_do_not_sway_a_language():
    """Devanagari's vowel signs are marks, not letters: left beside English text once the
    Devanagari letters were taken out, they made a bilingual sign Sanskrit."""
    page, lines = detect.page_language(["भारतीय", "विमानपत्तन", "प्राधिकरण", "AIRPORTS AUTHORITY OF INDIA"])
    assert page.code == "en" and lines == ["hi", "hi", "hi", "en"]
    assert detect.in_script("भारतीय India", "Latn").split() == ["India"]


def test_the_model_never_downloads(monkeypatch):
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError("language identification opened a connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    detect._model.cache_clear()
    assert detect.identify(SENTENCES["fr"]).code == "fr"
