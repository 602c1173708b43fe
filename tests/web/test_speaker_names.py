"""PATCH /jobs/{id}/speakers and the names GET /jobs/{id} shows (CONTRACTS section 17): the owner
only, a token or an API key, bad labels and names refused with a sentence, never a 500."""
from __future__ import annotations

import json

import pytest

from chalicelib import aws, settings
from chalicelib.jobs import keys
from chalicelib.jobs import table as jobs
from tests.apiclient import JSON, assert_error, post, signed_in

pytest_plugins = ["tests.apifixtures"]

SPOKEN = {"schema": 1, "kind": "speech", "engine": "whisper", "duration_s": 9.0, "language": "en",
          "text": "hello there hi", "keyword": None, "timings_ms": {},
          "segments": [{"start": 0.0, "end": 2.0, "text": "hello there", "speaker": "S1",
                        "words": [{"text": "hello", "start": 0.0, "end": 0.5, "speaker": "S1"},
                                  {"text": "there", "start": 0.6, "end": 1.0, "speaker": "S1"}]},
                       {"start": 3.0, "end": 4.0, "text": "hi", "speaker": "S2",
                        "words": [{"text": "hi", "start": 3.0, "end": 3.5, "speaker": "S2"}]}],
          "speakers": [{"id": "S1", "name": None, "seconds": 2.0}, {"id": "S2", "name": None, "seconds": 1.0}]}


def transcribed(client, headers, user_id: str, result: dict) -> str:
    r = post(client, "/uploads", {"filename": "talk.wav", "content_type": "audio/wav", "size": 10, "kind": "speech"},
             headers=headers)
    assert r.status_code == 201, r.body
    job_id = r.json_body["job_id"]
    aws.s3().put_object(Bucket=settings.get().aws.bucket, Key=keys.result_key(user_id, job_id),
                        Body=json.dumps(result).encode())
    jobs.claim(user_id, job_id, 60)
    jobs.finish(user_id, job_id, result_key=keys.result_key(user_id, job_id), timings_ms={}, summary={})
    return job_id


def patch(client, job_id, body, headers, raw=None):
    data = raw if raw is not None else json.dumps(body).encode()
    return client.http.patch(f"/jobs/{job_id}/speakers", headers={**JSON, **headers}, body=data)


def test_a_speaker_named_is_named_in_every_answer_after(client):
    user, headers = signed_in(client)
    job_id = transcribed(client, headers, user["id"], SPOKEN)
    assert "speaker_names" not in client.http.get(f"/jobs/{job_id}", headers=headers).json_body
    r = patch(client, job_id, {"S2": "  Ada   Lovelace "}, headers)
    assert r.status_code == 200, r.body
    assert r.json_body == {"speakers": [{"id": "S1", "name": None, "seconds": 2.0},
                                        {"id": "S2", "name": "Ada Lovelace", "seconds": 1.0}],
                           "speaker_names": {"S2": "Ada Lovelace"}}
    job = client.http.get(f"/jobs/{job_id}", headers=headers).json_body
    assert job["speaker_names"] == {"S2": "Ada Lovelace"}
    assert [s["name"] for s in job["result"]["speakers"]] == [None, "Ada Lovelace"]
    key = post(client, "/api-keys", {"name": "script"}, headers=headers).json_body["key"]
    assert patch(client, job_id, {"S1": "Bo", "S2": None}, {"X-Api-Key": key}).json_body["speaker_names"] == {"S1": "Bo"}
    # Another account's job is not found; no caller, no answer.
    _, others = signed_in(client, email="eve@example.org", name="Eve")
    assert patch(client, job_id, {"S1": "Eve"}, others).status_code == 404
    assert patch(client, job_id, {"S1": "Eve"}, {}).status_code == 401


@pytest.mark.parametrize("body, says", [
    ({"S3": "Cy"}, "no speaker"), ({"S1": ""}, "1 to 80"), ({"S1": "x" * 81}, "1 to 80"), ({"S1": 7}, "must be text"),
    ({"S1": "a\u0000b"}, "control"), ({}, "Say which speaker"), ({"speakers": {"S1": "A"}}, "no speaker"),
])
def test_bad_labels_and_names_are_refused_with_a_sentence(client, body, says):
    user, headers = signed_in(client)
    job_id = transcribed(client, headers, user["id"], SPOKEN)
    assert_error(patch(client, job_id, body, headers), 400, says)


def test_one_voice_or_a_job_not_done_has_no_speakers_to_name(client):
    user, headers = signed_in(client)
    one = {k: v for k, v in SPOKEN.items() if k != "speakers"}
    assert_error(patch(client, transcribed(client, headers, user["id"], one), {"S1": "Ada"}, headers), 400, "one voice")
    r = post(client, "/uploads", {"filename": "talk.wav", "content_type": "audio/wav", "size": 10, "kind": "speech"},
             headers=headers)
    assert_error(patch(client, r.json_body["job_id"], {"S1": "Ada"}, headers), 400, "once a recording is transcribed")
    assert_error(patch(client, "not-a-job", {"S1": "Ada"}, headers), 404, "")
    assert_error(patch(client, r.json_body["job_id"], None, headers, raw=b"[1, 2]"), 400, "")
