"""Issue 24 through the real local stack (moto server over HTTP, the worker processes of
`make run`): pages read and spoken in their own languages, a recording transcribed in its own."""
from __future__ import annotations

from pathlib import Path

import pytest
import requests

from tests import stackclient as sc

PAGES = Path(__file__).resolve().parents[1] / "data" / "languages" / "pages"
SPEECH = Path(__file__).resolve().parents[2].parent / "shared" / "datasets" / "languages-dev" / "speech"
SPANISH = "es_cuttledoc_fleurs006.ogg"  # "los luchadores compañeros de luna también le rindieron homenaje"


def first_paragraph(name: str, bottom: int) -> bytes:
    """The page cut below its first paragraph (at `bottom` px): Kokoro speaks about one second
    of speech per second of CPU here, and the French and Japanese pages' other paragraphs were
    most of this module's time (the whole pages are read in process: test_page_languages.py)."""
    from PIL import Image

    from tests.images import encode

    image = Image.open(PAGES / name)
    return encode(image.crop((0, 0, image.width, bottom)), image.format, quality=95)


@pytest.fixture(scope="module")
def finished(stack):
    """Every job of this module, uploaded at once and waited for together."""
    headers = sc.login(stack, sc.register(stack))
    uploads = {
        "fr": ("fr_photo.jpg", first_paragraph("fr_photo.jpg", 350), "image/jpeg", None, None),
        "ru": ("ru.png", (PAGES / "ru.png").read_bytes(), "image/png", None, None),
        "ja": ("ja.png", first_paragraph("ja.png", 270), "image/png", None, "ja"),
        "en_de": ("en_de.png", (PAGES / "en_de.png").read_bytes(), "image/png", None, None),
        "es": (SPANISH, (SPEECH / SPANISH).read_bytes(), "audio/ogg", "speech", None),
    }
    ids = {name: sc.upload(stack, headers, filename, data, ctype, kind=kind, language=language, patience=60)
           for name, (filename, data, ctype, kind, language) in uploads.items()}
    jobs = sc.wait_jobs(stack, headers, ids.values(), timeout=900)  # a worker's first Kokoro voice loads its model
    return {name: jobs[job_id] for name, job_id in ids.items()}, headers


def _done(job: dict) -> dict:
    assert job["status"] == "done", job.get("error")
    return job["result"]


def test_a_french_photo_is_read_and_spoken_in_french(finished):
    result = _done(finished[0]["fr"])
    assert result["language"]["code"] == "fr" and result["language"]["detected"] is True
    assert "êtres humains" in result["text"]
    voice = result["speech"]["voice"]
    assert (voice["language"], voice["engine"], voice["quality"]) == ("fr", "kokoro", "neural")
    assert "timings" not in voice and result["speech"]["words"]  # read-along from Kokoro's durations


def test_a_russian_page_is_read_by_the_cyrillic_path(finished):
    result = _done(finished[0]["ru"])
    assert result["engine"] == "tesseract" and result["language"]["code"] == "ru"
    words = set(result["text"].lower().split())
    assert {"все", "люди", "рождаются"} <= words
    voice = result["speech"]["voice"]
    assert (voice["language"], voice["engine"], voice["name"], voice["quality"]) == ("ru", "rhvoice", "aleksandr-hq",
                                                                                     "standard")
    assert voice["timings"] == "estimated" and result["speech"]["words"]


def test_a_japanese_page_is_spoken_by_kokoro(finished):
    job = finished[0]["ja"]
    result = _done(job)
    assert job["language"] == "ja" and result["language"] == {"code": "ja", "confidence": 1.0, "detected": False}
    assert result["speech"]["voice"]["engine"] == "kokoro" and result["speech"]["voice"]["quality"] == "neural"
    assert job["audio_url"]


def test_english_and_german_paragraphs_are_spoken_in_two_voices_with_timings(finished):
    result = _done(finished[0]["en_de"])
    languages = [line.get("language") for line in result["lines"]]
    assert languages[:3] == ["en"] * 3 and languages[3:] == ["de"] * 3
    voices = [(p["voice"]["language"], p["voice"]["engine"]) for p in result["speech"]["parts"]]
    assert ("en", "piper") in voices and ("de", "pico") in voices
    assert voices.index(("en", "piper")) < voices.index(("de", "pico"))  # in reading order
    timed = {(w["line"], w["word"]) for w in result["speech"]["words"]}
    assert all((li, wi) in timed for li, line in enumerate(result["lines"]) for wi in range(len(line["words"])))
    starts = [w["start"] for w in result["speech"]["words"]]
    assert starts == sorted(starts)


def test_a_spanish_recording_is_transcribed_in_spanish(finished):
    result = _done(finished[0]["es"])
    assert result["language"] == "es"
    assert {"luchadores", "homenaje"} <= set(result["text"].lower().replace(".", "").split())


def test_an_unknown_language_at_upload_is_a_400(stack, finished):
    r = sc.request_upload(stack, finished[1], "a.png", "image/png", 10, language="klingon")
    assert r.status_code == 400 and "GET /languages" in r.json()["message"]
    assert requests.get(f"{stack.api_url}/languages", timeout=30).status_code == 200
