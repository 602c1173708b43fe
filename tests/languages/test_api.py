"""CONTRACTS section 11 at the API: GET /languages, and the language an upload names."""
from __future__ import annotations

import pytest

from chalicelib import languages
from chalicelib.engines import tts
from tests.apiclient import assert_error, post, signed_in

pytest_plugins = ["tests.apifixtures"]

CONTRACT = {"code", "name", "native", "read", "voice"}


def test_languages_lists_what_is_read_and_the_voice_quality(client):
    r = client.http.get("/languages")
    assert r.status_code == 200
    rows = {row["code"]: row for row in r.json_body["languages"]}
    assert all(set(row) >= CONTRACT for row in rows.values())
    assert rows["en"]["voice"] == "neural" and rows["ja"]["voice"] == "neural"
    assert rows["de"]["voice"] == "standard"  # SVOX Pico
    assert [rows[c]["voice"] for c in ("fr", "es", "it", "pt", "zh")] == ["neural"] * 5  # Kokoro (issue 42)
    # As GET /voices lists the default voice, measured (chalicelib/voices/measured.tsv): Kokoro's Hindi
    # and RHVoice's Ukrainian missed the goal (Whisper base cannot judge Hindi), so basic.
    assert rows["hi"]["voice"] == rows["uk"]["voice"] == "basic"
    assert rows["ru"]["voice"] == "standard" and rows["ru"]["read"] and rows["ar"]["rtl"]
    assert rows["be"]["voice"] == "basic"
    assert rows["ta"]["read"] is False and rows["ta"]["transcribe"] is True  # Tamil: recordings only
    assert rows["gl"]["read"] is True and rows["gl"]["voice"] is None  # Galician: read, not spoken
    assert [row["name"] for row in r.json_body["languages"]] == sorted(row["name"] for row in rows.values())


def test_languages_follow_the_configured_voice_engine(client, monkeypatch):
    monkeypatch.setenv("PAGEVOICE_TTS_ENGINE", "gtts")
    rows = {row["code"]: row for row in client.http.get("/languages").json_body["languages"]}
    assert rows["ta"]["voice"] == "standard" and rows["fr"]["voice"] == "standard"
    assert rows["eo"]["voice"] == "basic"  # gTTS has no Esperanto: espeak-ng still speaks it
    assert client.http.get("/languages").json_body["voices"]["engine"] == "gtts"


def test_languages_say_what_gtts_would_add(client):
    voices = client.http.get("/languages").json_body["voices"]
    assert voices["engine"] == "piper" and "gTTS" in voices["note"]
    better = set(voices["gtts_would_improve"])
    assert {"el", "ta", "ar"} <= better  # espeak-ng (basic) or none today
    assert not better & {"fr", "ru", "uk", "en", "ja"}  # Pico and RHVoice are as good a class; piper and Kokoro neural


def _upload(client, headers, **extra):
    body = {"filename": "a.jpg", "content_type": "image/jpeg", "size": 10, **extra}
    return post(client, "/uploads", body, headers=headers)


def test_an_upload_names_its_language_and_the_job_keeps_it(client):
    _, headers = signed_in(client)
    r = _upload(client, headers, language="fr")
    assert r.status_code == 201 and r.json_body["language"] == "fr"
    job = client.http.get(f"/jobs/{r.json_body['job_id']}", headers=headers).json_body
    assert job["language"] == "fr"
    r = _upload(client, headers)
    assert r.json_body["language"] == "auto"
    assert client.http.get(f"/jobs/{r.json_body['job_id']}", headers=headers).json_body["language"] == "auto"
    assert _upload(client, headers, language="auto").json_body["language"] == "auto"


@pytest.mark.parametrize("language, kind, content_type, says", [
    ("xx", "page", "image/jpeg", "not a language PageVoice knows"),
    ("EN", "page", "image/jpeg", "not a language PageVoice knows"),
    ("ta", "page", "image/jpeg", "cannot read Tamil"),
    ("eo", "speech", "audio/wav", "cannot transcribe Esperanto"),
    ("bo", "digits", "image/png", "cannot speak Tibetan"),
])
def test_a_language_the_kind_cannot_use_is_a_400(client, language, kind, content_type, says):
    _, headers = signed_in(client)
    r = _upload(client, headers, language=language, kind=kind, content_type=content_type)
    assert_error(r, 400)
    assert says in r.json_body["message"] and r.json_body.get("field") == "language"


def test_a_language_that_is_not_a_string_is_a_400(client):
    r = _upload(client, signed_in(client)[1], language=["fr"])
    assert_error(r, 400)


def test_the_table_is_consistent():
    table = languages.table()
    assert all(code == code.lower() and 2 <= len(code) <= 3 for code in table)
    assert {lang.voice.engine for lang in table.values() if lang.voice} == {"piper", "kokoro", "pico", "rhvoice", "espeak"}
    # RHVoice may be missing where its non-free voices were not installed: espeak-ng speaks then.
    assert all(lang.voices[-1] == languages.Voice("espeak", lang.code, "basic") for lang in table.values()
               if any(v.engine == "rhvoice" for v in lang.voices))
    assert all(v.engine in tts.ENGINES for lang in table.values() for v in lang.voices)
    assert all(lang.reader in (None, "rapidocr") or lang.script not in ("Latn", "Hans", "Jpan")
               for lang in table.values())
