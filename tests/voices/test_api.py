"""GET /voices through the API (CONTRACTS section 16): no sign-in, every voice once per language,
and in /openapi.json."""
from __future__ import annotations

pytest_plugins = ["tests.apifixtures"]

CONTRACT = {"id", "language", "engine", "quality", "name", "sample_url"}


def test_get_voices_needs_no_sign_in_and_follows_the_contract(client):
    r = client.http.get("/voices")
    assert r.status_code == 200
    listed = r.json_body["voices"]
    assert all(set(v) >= CONTRACT for v in listed)
    ids = {(v["id"], v["language"]) for v in listed}
    assert len(ids) == len(listed)
    assert ("piper:joe", "en") in ids and ("pico:de-DE", "de") in ids and ("espeak:el", "el") in ids
    joe = next(v for v in listed if v["id"] == "piper:joe")
    assert joe["default"] and joe["word_timings"] and joe["engine"] == "piper"
    assert joe["sample_url"] == "/voices/piper:joe/sample?language=en"  # tests/voices/test_samples
    pico = next(v for v in listed if v["id"] == "pico:de-DE")
    assert pico["word_timings"] is False  # estimated


def test_get_voices_is_in_the_openapi_document(client):
    doc = client.http.get("/openapi.json").json_body
    assert doc["paths"]["/voices"]["get"]["security"] == []
    assert set(doc["components"]["schemas"]["Voice"]["required"]) >= CONTRACT
