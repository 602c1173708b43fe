"""Choosing a voice (CONTRACTS section 16): an upload's `voice`, the account's voice per language
(PATCH /me, GET /me, its export), and the worker speaking with them: a real synthesis with the
chosen Kokoro voice, the language's default where the chosen voice cannot speak."""
from __future__ import annotations

import pytest

from chalicelib import aws, kinds, settings
from chalicelib.jobs import keys, table, worker
from chalicelib.kinds import voice
from tests import images
from tests.apiclient import assert_error, post, send, signed_in
from tests.voices.hearing import heard

pytest_plugins = ["tests.apifixtures"]

CHOSEN = "kokoro:af_heart"  # measured within English's goal (chalicelib/voices/measured.tsv)


def _upload(client, headers, **extra):
    body = {"filename": "a.png", "content_type": "image/png", "size": 10, **extra}
    return post(client, "/uploads", body, headers=headers)


def test_an_upload_names_its_voice_and_the_job_keeps_it(client):
    user, headers = signed_in(client)
    r = _upload(client, headers, voice=CHOSEN)
    assert r.status_code == 201 and r.json_body["voice"] == CHOSEN
    assert table.get(user["id"], r.json_body["job_id"])["voice"] == CHOSEN
    r = _upload(client, headers)
    assert "voice" not in r.json_body and "voice" not in table.get(user["id"], r.json_body["job_id"])


@pytest.mark.parametrize("bad", ["kokoro:nobody", "joe", "", "x" * 500])
def test_an_unknown_voice_is_a_400_naming_the_choices(client, bad):
    _, headers = signed_in(client)
    body = assert_error(_upload(client, headers, voice=bad), 400)
    assert body["field"] == "voice" and "English voices: piper:joe, " in body["message"]
    assert CHOSEN in body["message"] and "GET /voices" in body["message"] and "x" * 100 not in body["message"]
    body = assert_error(_upload(client, headers, voice=bad, language="fr"), 400)
    assert "French voices: kokoro:ff_siwis" in body["message"]  # the upload's language's
    assert assert_error(_upload(client, headers, voice=7), 400)["field"] == "voice"


def test_a_kind_that_speaks_nothing_takes_no_voice(client):
    _, headers = signed_in(client)
    r = _upload(client, headers, voice=CHOSEN, kind="speech", filename="a.wav", content_type="audio/wav")
    assert "speaks nothing" in assert_error(r, 400)["message"]


def _patch(client, headers, body):
    return send(client, "PATCH", "/me", body, headers)


def test_the_account_keeps_a_voice_per_language(client):
    _, headers = signed_in(client)
    assert client.http.get("/me", headers=headers).json_body["voices"] == {}
    r = _patch(client, headers, {"voices": {"en": CHOSEN, "de": "pico:de-DE"}})
    assert r.status_code == 200 and r.json_body["voices"] == {"en": CHOSEN, "de": "pico:de-DE"}
    assert _patch(client, headers, {"voices": {"de": None}}).json_body["voices"] == {"en": CHOSEN}  # back to default
    me = client.http.get("/me", headers=headers).json_body
    assert me["voices"] == {"en": CHOSEN} and me["retention_days"] is None
    both = _patch(client, headers, {"voices": {"en": "piper:joe"}, "retention_days": 30}).json_body
    assert both["voices"] == {"en": "piper:joe"} and both["retention_days"] == 30


@pytest.mark.parametrize("voices,part", [
    ({"en": "kokoro:ef_dora"}, "no voice 'kokoro:ef_dora' for English. English voices: piper:joe"),  # Spanish
    ({"xx": CHOSEN}, "'xx' is not a language"), ({"en": 3}, "no voice 'that' for English"),
    ([CHOSEN], "must be an object"), ("kokoro:af_heart", "must be an object")])
def test_bad_account_voices_are_400s_with_a_sentence(client, voices, part):
    _, headers = signed_in(client)
    body = assert_error(_patch(client, headers, {"voices": voices}), 400)
    assert body["field"] == "voices" and part in body["message"]
    assert client.http.get("/me", headers=headers).json_body["voices"] == {}  # nothing kept


def test_the_worker_takes_the_accounts_voices_and_the_uploads_over_them(client):
    user, headers = signed_in(client)
    assert _patch(client, headers, {"voices": {"en": "pico:en-GB", "de": "pico:de-DE"}}).status_code == 200
    page = kinds.get("page")
    assert worker._voices(page, {}, user["id"]) == {"en": "pico:en-GB", "de": "pico:de-DE"}
    assert worker._voices(page, {"voice": CHOSEN}, user["id"]) == {"en": CHOSEN, "de": "pico:de-DE"}
    assert worker._voices(kinds.get("speech"), {"voice": CHOSEN}, user["id"]) is None  # transcribes only


def test_the_chosen_kokoro_voice_speaks_and_the_result_says_so():
    """A real synthesis: English in the chosen Kokoro voice (24 kHz, its own word timings), the
    French words in French's default (af_heart speaks no French), each part naming its voice."""
    text = "The train leaves at eight. Le train part à huit heures."
    codes = ["en"] * 5 + ["fr"] * 6
    take = voice.record(text, language="en", languages_of=codes, voices={"en": CHOSEN, "fr": CHOSEN})
    info = take.info
    assert info["voice"]["id"] == CHOSEN and info["voice"]["engine"] == "kokoro" and info["sample_rate"] == 24000
    assert [p["voice"]["id"] for p in info["parts"]][:1] == [CHOSEN]
    assert {p["voice"]["id"] for p in info["parts"]} == {CHOSEN, "kokoro:ff_siwis"}
    assert all("timings" not in p["voice"] for p in info["parts"])  # Kokoro times its words
    plain = voice.record("The train leaves at eight.", language="en")
    assert plain.info["voice"]["id"] == "piper:joe"  # no choice: the default


def _page_job(client, user, headers, **extra) -> str:
    data = images.encode(images.text_image(["THE TRAIN LEAVES AT EIGHT"]).image, "PNG")
    r = _upload(client, headers, size=len(data), **extra)
    job_id = r.json_body["job_id"]
    key = keys.upload_key(user["id"], job_id)
    aws.s3().put_object(Bucket=settings.get().aws.bucket, Key=key, Body=data)
    assert worker.handle_upload(settings.get().aws.bucket, key) == "done"
    return job_id


def test_the_worker_reads_in_the_accounts_voice_and_an_uploads_over_it(client):
    """Through the worker, real OCR and voices: the account's English voice for an upload naming
    none, the upload's own over it, and a recording made again after the account's changed."""
    user, headers = signed_in(client)
    _patch(client, headers, {"voices": {"en": CHOSEN}})
    job_id = _page_job(client, user, headers)
    speech = client.http.get(f"/jobs/{job_id}", headers=headers).json_body["result"]["speech"]
    assert speech["voice"]["id"] == CHOSEN and speech["sample_rate"] == 24000
    assert {p["voice"]["id"] for p in speech["parts"]} == {CHOSEN} and speech["words"]
    own = _page_job(client, user, headers, voice="pico:en-GB")
    job = client.http.get(f"/jobs/{own}", headers=headers).json_body
    assert job["voice"] == "pico:en-GB" and job["result"]["speech"]["voice"]["id"] == "pico:en-GB"
    assert job["result"]["speech"]["voice"]["timings"] == "estimated" and job["result"]["speech"]["sample_rate"] == 16000
    _patch(client, headers, {"voices": {"en": None}})  # back to English's default, then read again
    assert post(client, f"/jobs/{job_id}/recording", headers=headers).status_code == 202
    assert worker.handle_upload(settings.get().aws.bucket, keys.upload_key(user["id"], job_id)) == "done"
    again = client.http.get(f"/jobs/{job_id}", headers=headers).json_body["result"]["speech"]
    assert again["voice"]["id"] == "piper:joe" and again["sample_rate"] == 22050


def test_read_again_with_another_voice(client):
    """POST /jobs/{id}/recording {"voice"}: only the recording is made again, in that voice;
    Whisper hears the same words, the pitch tells the voices apart; a bad voice is a 400."""
    user, headers = signed_in(client)
    job_id = _page_job(client, user, headers)
    bucket, audio = settings.get().aws.bucket, keys.audio_key(user["id"], job_id)
    first = client.http.get(f"/jobs/{job_id}", headers=headers).json_body
    before = aws.s3().get_object(Bucket=bucket, Key=audio)["Body"].read()
    body = assert_error(post(client, f"/jobs/{job_id}/recording", {"voice": "kokoro:nobody"}, headers), 400)
    assert "English voices: piper:joe" in body["message"]
    assert post(client, f"/jobs/{job_id}/recording", {"voice": CHOSEN}, headers).status_code == 202
    assert worker.handle_upload(bucket, keys.upload_key(user["id"], job_id)) == "done"
    job = client.http.get(f"/jobs/{job_id}", headers=headers).json_body
    assert job["voice"] == CHOSEN and job["result"]["speech"]["voice"]["id"] == CHOSEN
    assert first["result"]["speech"]["voice"]["id"] == "piper:joe"
    assert job["result"]["text"] == first["result"]["text"] and job["result"]["lines"] == first["result"]["lines"]
    after = aws.s3().get_object(Bucket=bucket, Key=audio)["Body"].read()
    (said_before, hz_before), (said_after, hz_after) = heard(before), heard(after)
    assert said_before.replace(" 8", " eight") == said_after.replace(" 8", " eight") == "the train leaves at eight"
    assert hz_before < 130 < 160 < hz_after  # joe ~96 Hz, af_heart ~190 Hz (bench/README.md)
    assert post(client, f"/jobs/{job_id}/recording", {"voice": None}, headers).status_code == 202  # the defaults
    assert worker.handle_upload(bucket, keys.upload_key(user["id"], job_id)) == "done"
    job = client.http.get(f"/jobs/{job_id}", headers=headers).json_body
    assert job["voice"] is None and job["result"]["speech"]["voice"]["id"] == "piper:joe"
