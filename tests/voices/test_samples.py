"""A voice's sample (GET /voices/{id}/sample): asked for by anyone, made once by the tasks handler
with the real engine, then served by a short-lived link; a second request starts nothing, a
failed making is said, and every language has words to say."""
from __future__ import annotations

import io

import numpy as np
import pytest

from chalicelib import aws, clock, languages, settings
from chalicelib.media import audio
from chalicelib.voices import samples
from tests.apiclient import assert_error
from tests.tasksqueue import Tasks

pytest_plugins = ["tests.apifixtures"]


@pytest.fixture
def queue(api_env):
    return Tasks()


def _sample(client, voice, language=None):
    return client.http.get(f"/voices/{voice}/sample" + (f"?language={language}" if language else ""))


def test_each_voice_names_where_its_sample_is_asked_for(client):
    listed = client.http.get("/voices", headers={"host": "api.example.org", "x-forwarded-proto": "https"}).json_body
    joe = next(v for v in listed["voices"] if v["id"] == "piper:joe")
    assert joe["sample_url"] == "https://api.example.org/voices/piper:joe/sample?language=en"
    # No host to name (a test client): the path alone, still the route.
    assert client.http.get("/voices").json_body["voices"][0]["sample_url"].startswith("/voices/")


def test_the_first_request_starts_the_sample_once_and_the_task_makes_it(client, queue):
    first = _sample(client, "piper:joe")
    assert first.status_code == 202 and first.headers["Retry-After"] == str(samples.RETRY_AFTER)
    assert first.json_body == {"voice": "piper:joe", "language": "en", "text": samples.text("en"),
                               "status": "making", "retry_after": samples.RETRY_AFTER}
    assert _sample(client, "piper:joe").status_code == 202  # still making: nothing started again
    records = queue.queued()
    assert len(records) == 1
    from chalicelib.account import tasks
    assert tasks.lambda_handler({"Records": records}) == {"batchItemFailures": []}  # real piper

    made = _sample(client, "piper:joe")
    assert made.status_code == 200 and made.json_body["url"].startswith("http")
    assert made.json_body["text"].startswith("All human beings are born free") and made.json_body["expires_in"] <= 900
    key = samples.key("piper:joe", "en")
    assert key.startswith("samples/en/piper/joe-") and key.endswith(".mp3")
    body = aws.s3().get_object(Bucket=settings.get().aws.bucket, Key=key)
    assert body["ContentType"] == "audio/mpeg"
    heard = audio.decode(body["Body"].read(), max_bytes=10**7, max_seconds=60)
    assert 5 < heard.duration < 20 and np.abs(heard.samples).max() > 0.1  # ~9 s of speech, not silence
    written = body["LastModified"]
    samples.make("piper:joe", "en")  # delivered again: already made, left as it is
    assert aws.s3().head_object(Bucket=settings.get().aws.bucket, Key=key)["LastModified"] == written
    assert queue.queued() == []


def test_a_voice_is_heard_in_the_language_asked_for(client, queue):
    nynorsk = _sample(client, "espeak:nb", "nn")
    assert nynorsk.status_code == 202 and nynorsk.json_body["language"] == "nn"
    assert nynorsk.json_body["text"] != _sample(client, "espeak:nb", "no").json_body["text"]


@pytest.mark.parametrize("path", ["/voices/kokoro:nobody/sample", "/voices/piper:joe/sample?language=fr",
                                  "/voices/piper:joe/sample?language=xx", "/voices/" + "x" * 300 + "/sample"])
def test_no_such_voice_is_a_404_with_a_sentence(client, path):
    assert "No such voice" in assert_error(client.http.get(path), 404)["message"]


def test_a_failed_making_is_said_then_tried_again(client, queue, monkeypatch):
    assert _sample(client, "kokoro:af_heart").status_code == 202
    (record,) = queue.queued()

    def broken(voice, language):
        raise RuntimeError("the voice's weights are missing")

    monkeypatch.setattr(samples, "spoken", broken)
    from chalicelib.account import tasks
    assert tasks.lambda_handler({"Records": [record]}) == {"batchItemFailures": []}  # not retried at once
    body = assert_error(_sample(client, "kokoro:af_heart"), 503)
    assert "could not be made just now" in body["message"] and "weights" not in body["message"]
    later = clock.now() + samples.FAILED_SECONDS + 1
    monkeypatch.setattr(clock, "now", lambda: later)
    assert _sample(client, "kokoro:af_heart").status_code == 202
    assert len(queue.queued()) == 1  # a new try


def test_every_language_has_words_for_its_samples():
    for code in languages.table():
        assert samples.text(code).strip(), code
    assert samples.text("de").startswith("Alle Menschen sind frei und gleich")
    assert samples.text("sd") == languages.get("sd").native  # no translation shipped: its own name
    rows = [line.split("\t")[0] for line in io.StringIO(samples.TEXTS.read_text(encoding="utf-8"))
            if line.strip() and not line.startswith("#")]
    assert len(rows) == len(set(rows)) and set(rows[1:]) <= set(languages.table())


def test_a_new_text_makes_a_new_sample(monkeypatch):
    before = samples.key("kokoro:af_heart", "en")
    monkeypatch.setattr(samples, "text", lambda language: "Something else.")
    assert samples.key("kokoro:af_heart", "en") != before


def test_languages_say_the_quality_voices_lists(client):
    table = {row["code"]: row["voice"] for row in client.http.get("/languages").json_body["languages"]}
    defaults = {v["language"]: v["quality"] for v in client.http.get("/voices").json_body["voices"] if v["default"]}
    assert {code: table[code] for code in defaults} == defaults
    assert all(table[code] is None for code in set(table) - set(defaults))
