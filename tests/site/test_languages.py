"""Languages on the site (issue 24, CONTRACTS section 11) in a real Chromium.

Through the real local stack: French chosen at upload for a French page (rendered here with
tests.images), then seen on the result with `lang="fr"` on its text; a real Arabic book page
(../shared/datasets/languages-dev, kraken's test page) detected and laid out right to left,
its word boxes still where the words are on the image; a Spanish recording (FLEURS) said to be
heard in Spanish, its transcript `lang="es"`. With a hand-made answer
(tests/site/fakejob.py): a document whose pages and lines are in different languages, spoken in
two voices, and a text in a language that has no voice.

Screenshots at 1280 and 360 px go to tests/artifacts/screenshots/languages-*.png (PAGEVOICE_SCREENSHOTS=1).
"""
from __future__ import annotations

import re

import pytest
import requests

from tests import images
from tests.site.fakejob import make_job
from tests.site.test_kinds import dataset
from tests.site.test_listening import sign_in
from tests.site.test_site import (
    RESULT_TIMEOUT_MS,
    api,
    assert_boxes_match,
    fetch_job,
    token_of,
    url,
    wait_image_loaded,
    wait_view,
)

pytestmark = pytest.mark.timeout(600)

ARABIC_PAGE = "languages-dev/ocr/images/ar_kraken_arabic-page.webp"
SPANISH_CLIP = "languages-dev/speech/es_cuttledoc_fleurs002.ogg"  # FLEURS, CC-BY-4.0
FRENCH_LINES = ["Le petit chat dort", "près de la fenêtre", "du salon ce matin."]


def languages(stack) -> list[dict]:
    r = requests.get(api(stack, "/languages"), timeout=30)
    assert r.status_code == 200, r.text
    return r.json()["languages"]


def upload_and_read(page, path) -> str:
    """Upload through the file input and wait for the job to end; returns the job id of a done job
    (a failed one fails the test with the job's own message)."""
    page.set_input_files("#upload-input", str(path))
    page.wait_for_url(re.compile(r"#/jobs/[^/]+$"), timeout=60_000)
    page.wait_for_selector('#job-status[data-status="done"], #job-status[data-status="failed"]',
                           timeout=RESULT_TIMEOUT_MS)
    status = page.get_attribute("#job-status", "data-status")
    assert status == "done", f"the job {status}: {page.inner_text('#job-error')}"
    return page.url.rsplit("/", 1)[-1]


def wait_choice(page) -> None:
    page.wait_for_selector("#language-choice:not([hidden]) #upload-language option[value='fr']", state="attached")


def attrs(page, selector: str) -> dict:
    return page.eval_on_selector(selector, """el => ({lang: el.getAttribute('lang'), dir: el.getAttribute('dir'),
        direction: getComputedStyle(el).direction})""")


def test_french_chosen_at_upload_is_shown_on_the_result(page, stack, tmp_path, shoot):
    sign_in(page, stack)
    wait_choice(page)
    select = page.get_by_label("Language of the text")  # a real <label> names it
    assert select.evaluate("el => el.id") == "upload-language"
    options = page.eval_on_selector_all("#upload-language option", "os => os.map(o => [o.value, o.textContent])")
    assert options[0] == ["auto", "Detect automatically"] and select.input_value() == "auto"
    readable = sorted((row for row in languages(stack) if row["read"]), key=lambda row: row["name"])
    assert [value for value, _ in options[1:]] == [row["code"] for row in readable]
    assert ["fr", "français (French)"] in options

    # Keyboard: Tab reaches the choice and the arrow keys change it.
    page.focus('[data-testid="kind-page"]')
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "upload-language"
    page.keyboard.press("ArrowDown")
    assert select.input_value() == options[1][0]
    select.select_option("fr")
    shoot(page, "languages-upload")

    photo = tmp_path / "chat.jpg"
    photo.write_bytes(images.encode(images.text_image(FRENCH_LINES, size=52).image, "JPEG", quality=90))
    job_id = upload_and_read(page, photo)
    job = fetch_job(stack, token_of(page), job_id)
    assert job["language"] == "fr", "POST /uploads did not carry the language chosen"
    result = job["result"]
    assert result["language"]["code"] == "fr" and result["language"]["detected"] is False, result.get("language")

    page.wait_for_selector("#result-language:not([hidden])")
    assert page.inner_text("#result-language") == "Language: French (chosen)"
    assert attrs(page, "#result-text") == {"lang": "fr", "dir": "ltr", "direction": "ltr"}
    assert page.get_attribute("#overlay", "lang") == "fr"
    voice = result["speech"]["voice"]
    assert voice["language"] == "fr" and voice["engine"] == "kokoro", voice  # issue 42: Kokoro speaks French
    # The voice named as GET /voices lists it (CONTRACTS section 16: speech.voice.id).
    page.wait_for_function("() => document.querySelector('#result-voice').textContent.includes('France')")
    assert page.inner_text("#result-voice").startswith("Read by Siwis — French (France), Kokoro, natural quality")
    shoot(page, "languages-french-result")

    # The choice is remembered for the next upload of this kind.
    page.goto(url(stack, "#/app"))
    wait_view(page, "dashboard")
    wait_choice(page)
    assert page.input_value("#upload-language") == "fr"


def test_an_arabic_page_is_laid_out_right_to_left(page, stack, shoot):
    sign_in(page, stack)
    wait_choice(page)
    assert page.input_value("#upload-language") == "auto"
    job_id = upload_and_read(page, dataset(ARABIC_PAGE))
    result = fetch_job(stack, token_of(page), job_id)["result"]
    assert result["language"]["code"] == "ar" and result["language"]["detected"] is True, result.get("language")
    assert result["lines"], "no text was read from the Arabic page"

    page.wait_for_selector("#result-language:not([hidden])")
    assert page.inner_text("#result-language") == "Language: Arabic (detected)"
    assert attrs(page, "#result-text") == {"lang": "ar", "dir": "rtl", "direction": "rtl"}
    # Each block of the document view (CONTRACTS section 13; its lines flow in it) runs right to
    # left: it starts at the right edge of the text panel (a short one leaves its gap on the left).
    edges = page.eval_on_selector_all("#result-text .doc-block[data-block-index]", """ps => ps.map(p => {
        const range = document.createRange(); range.selectNodeContents(p);
        const text = range.getBoundingClientRect(), box = p.getBoundingClientRect();
        return {direction: getComputedStyle(p).direction, right: box.right - text.right, left: text.left - box.left};
    })""")
    assert all(e["direction"] == "rtl" and e["right"] < 2 for e in edges), edges
    assert max(e["left"] for e in edges) > 20, edges
    # The word boxes stay where the words are on the image (image pixels, no `dir`).
    assert attrs(page, "#overlay") == {"lang": "ar", "dir": None, "direction": "ltr"}
    wait_image_loaded(page)
    assert assert_boxes_match(page, result) > 0
    if result.get("speech"):
        assert re.match(r"Read by .+ — Arabic", page.inner_text("#result-voice"))
    shoot(page, "languages-arabic")


def test_a_recording_says_the_language_it_was_heard_in(page, stack):
    sign_in(page, stack)
    wait_choice(page)
    page.check('[data-testid="kind-speech"]')
    select = page.get_by_label("Language spoken")  # the label follows the kind
    transcribed = sorted((row for row in languages(stack) if row["transcribe"]), key=lambda row: row["name"])
    values = select.evaluate("el => [...el.options].map(o => o.value)")
    assert values == ["auto"] + [row["code"] for row in transcribed] and select.input_value() == "auto"
    job_id = upload_and_read(page, dataset(SPANISH_CLIP))
    job = fetch_job(stack, token_of(page), job_id)
    assert job["language"] == "auto" and job["result"]["language"] == "es", job["result"].get("language")
    page.wait_for_selector("#speech-language:not([hidden])")
    assert page.inner_text("#speech-language") == "Language: Spanish (detected)"
    assert attrs(page, "#transcript") == {"lang": "es", "dir": "ltr", "direction": "ltr"}


def test_pages_and_lines_carry_their_own_language_and_each_voice_is_named(page, stack, shoot):
    sign_in(page, stack)
    fake = make_job(stack, [["Good morning to you", "Guten Morgen zusammen"], ["Bos dias a todos"]], document=True)
    pico_de = {"language": "de", "engine": "pico", "name": "de-DE", "quality": "standard"}
    piper_en = {"language": "en", "engine": "piper", "name": "joe", "quality": "neural"}
    result = fake.result
    result["language"] = {"code": "en", "confidence": 0.9, "detected": True}
    result["pages"][0]["language"] = {"code": "en", "confidence": 0.9, "detected": True}
    result["pages"][0]["lines"][1]["language"] = "de"
    result["pages"][1]["language"] = {"code": "gl", "confidence": 0.8, "detected": True}
    for part, voice in zip(fake.parts, [piper_en, pico_de, {**piper_en, "timings": "estimated"}]):
        part["voice"] = voice
    result["speech"]["parts"] = fake.parts
    result["speech"]["voice"] = piper_en
    fake.serve(page, stack.site_url)
    page.goto(url(stack, f"#/jobs/{fake.job_id}"))
    page.wait_for_selector("#result-voice:not([hidden])")

    assert page.inner_text("#result-language") == "Language: English (detected)"
    assert page.inner_text("#result-voice") == ("Voices: Piper, natural quality (English); SVOX Pico, standard "
                                                "quality (German). The word shown while it plays is estimated.")
    assert attrs(page, "#result-text")["lang"] == "en"
    first, second = '#result-text .text-page[data-page-index="0"]', '#result-text .text-page[data-page-index="1"]'
    assert attrs(page, first)["lang"] == "en" and attrs(page, second) == {"lang": "gl", "dir": "ltr", "direction": "ltr"}
    lines = page.eval_on_selector_all(f"{first} .text-line", "ps => ps.map(p => p.getAttribute('lang'))")
    assert lines == [None, "de"]  # the English line follows its page; the German one says so
    # PageVoice's own words among the text stay in the page's language.
    assert page.get_attribute(f"{second} .text-page-title", "lang") == "en"
    shoot(page, "languages-mixed")


def test_a_text_in_a_language_without_a_voice_says_it_was_not_spoken(page, stack):
    sign_in(page, stack)
    fake = make_job(stack, [["Bos dias a todos"]])

    def unspoken(answer):
        answer["result"].pop("speech")
        answer["result"]["language"] = {"code": "gl", "confidence": 0.9, "detected": True}
        answer["audio_url"] = None
        answer["outputs"] = {}
        return answer

    fake.edit = unspoken
    assert next(row for row in languages(stack) if row["code"] == "gl")["voice"] is None  # the table's word
    fake.serve(page, stack.site_url)
    page.goto(url(stack, f"#/jobs/{fake.job_id}"))
    page.wait_for_selector("#result-voice:not([hidden])")
    assert page.inner_text("#result-language") == "Language: Galician (detected)"
    assert page.inner_text("#result-voice") == "Not spoken: no voice for Galician."
    assert attrs(page, "#result-text") == {"lang": "gl", "dir": "ltr", "direction": "ltr"}

