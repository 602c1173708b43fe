"""POST /jobs/{id}/recording: a finished job's recording made again with the account's
pronunciations as they are now, through the worker (as a first recording is), its text and boxes
unchanged; a duplicate event does no work twice, and an acknowledged request survives a lost
start (the sweep starts it)."""
from __future__ import annotations

import json

import pytest

from chalicelib import aws, settings
from chalicelib.jobs import keys, objects, sweep, worker
from chalicelib.jobs import table as jobs
from tests import images
from tests.apiclient import JSON, assert_error, post, signed_in

pytest_plugins = ["tests.apifixtures"]


def again(client, job_id, headers):
    return client.http.post(f"/jobs/{job_id}/recording", headers={**JSON, **headers}, body=b"")


def stored(key: str) -> bytes:
    return aws.s3().get_object(Bucket=settings.get().aws.bucket, Key=key)["Body"].read()


@pytest.fixture
def done_page(client):
    """A signed-in account and a page job the worker finished: (user, headers, job_id)."""
    user, headers = signed_in(client)
    data = images.encode(images.text_image(["DR. SMITH IS IN"]).image, "PNG")
    r = post(client, "/uploads", {"filename": "a.png", "content_type": "image/png", "size": len(data)}, headers=headers)
    job_id = r.json_body["job_id"]
    key = keys.upload_key(user["id"], job_id)
    aws.s3().put_object(Bucket=settings.get().aws.bucket, Key=key, Body=data)
    assert worker.handle_upload(settings.get().aws.bucket, key) == "done"
    return user, headers, job_id


def test_the_recording_is_made_again_with_the_pronunciations_of_now(client, done_page):
    user, headers, job_id = done_page
    bucket = settings.get().aws.bucket
    first = client.http.get(f"/jobs/{job_id}", headers=headers).json_body
    assert "lexicon" not in first["result"]["speech"] and "recording_again" not in first
    old_wav = stored(keys.audio_key(user["id"], job_id))
    client.http.put("/me/lexicon", headers={**JSON, **headers},
                    body=json.dumps({"entries": [{"written": "DR.", "spoken": "doctor"}]}).encode())
    r = again(client, job_id, headers)
    assert r.status_code == 202 and r.json_body == {"job_id": job_id, "status": "queued"}
    queued = client.http.get(f"/jobs/{job_id}", headers=headers).json_body
    assert queued["status"] == "queued" and queued["recording_again"] is True
    # The old recording is kept until the new one is whole.
    assert stored(keys.audio_key(user["id"], job_id)) == old_wav
    assert_error(again(client, job_id, headers), 409, "still being read or recorded")  # no second one
    # The upload was announced again: the worker takes it as it took the first.
    upload = keys.upload_key(user["id"], job_id)
    assert worker.handle_upload(bucket, upload) == "done"
    assert worker.handle_upload(bucket, upload) == "skipped"  # a duplicate event does nothing
    done = client.http.get(f"/jobs/{job_id}", headers=headers).json_body
    assert done["status"] == "done" and "recording_again" not in done
    for same in ("text", "lines", "blocks"):
        assert done["result"][same] == first["result"][same], same
    assert done["result"]["speech"]["lexicon"] == {"entries": 1}
    assert [w["word"] for w in done["result"]["speech"]["words"]] == \
        [w["word"] for w in first["result"]["speech"]["words"]]  # the written words, timed again
    assert stored(keys.audio_key(user["id"], job_id)) != old_wav  # replaced by what is said now
    assert jobs.get(user["id"], job_id)["attempts"] == 1


def test_an_acknowledged_request_survives_a_lost_start(client, done_page, monkeypatch):
    user, headers, job_id = done_page
    monkeypatch.setattr(objects, "send_again", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("S3 down")))
    assert again(client, job_id, headers).status_code == 202  # the record's move is the acknowledgement
    # The upload itself is gone (reaped after two days): the sweep runs the job from its kept copy.
    aws.s3().delete_object(Bucket=settings.get().aws.bucket, Key=keys.upload_key(user["id"], job_id))
    delivered = []
    assert sweep.redrive(lambda event: delivered.append(worker.lambda_handler(event))) == 1
    assert delivered == [{"outcomes": ["done"]}]
    assert client.http.get(f"/jobs/{job_id}", headers=headers).json_body["status"] == "done"


def test_refusals(client, done_page):
    user, headers, job_id = done_page
    _, bob = signed_in(client, email="bob@example.org", name="Bob")
    assert_error(again(client, job_id, bob), 404)
    assert_error(again(client, keys.new_job_id(), headers), 404)
    assert_error(again(client, job_id, {}), 401)
    waiting = post(client, "/uploads", {"filename": "b.png", "content_type": "image/png", "size": 10},
                   headers=headers).json_body["job_id"]
    assert_error(again(client, waiting, headers), 409, "still being read")
    jobs.fail(user["id"], waiting, "This file is not an image.")
    assert_error(again(client, waiting, headers), 409, "no recording")
    assert client.http.get(f"/jobs/{job_id}", headers=headers).json_body["status"] == "done"  # untouched


def test_an_api_key_may_ask_and_the_route_is_described(client, done_page):
    _, headers, job_id = done_page
    key = post(client, "/api-keys", {"name": "k"}, headers=headers).json_body["key"]
    assert again(client, job_id, {"X-Api-Key": key}).status_code == 202
    op = client.http.get("/openapi.json").json_body["paths"]["/jobs/{job_id}/recording"]["post"]
    assert set(op["responses"]) >= {"202", "404", "409"}


def test_a_recording_made_again_that_fails_leaves_the_job_as_it_was(client, done_page, monkeypatch):
    """A failed second recording loses nothing: the job is done again with its first result and
    recording, says why, and may be asked again."""
    from chalicelib import kinds
    from chalicelib.errors import MediaError

    user, headers, job_id = done_page
    bucket = settings.get().aws.bucket
    first = client.http.get(f"/jobs/{job_id}", headers=headers).json_body
    old_wav = stored(keys.audio_key(user["id"], job_id))
    kind = kinds.get("page")
    real = kind.run

    def breaks_after_the_text(data, *, publish, **kw):
        real(data, publish=publish, **kw)  # the text and the recording's parts published...
        raise MediaError("The voice could not say this text.")  # ...then it fails for good

    monkeypatch.setattr(type(kind), "run", lambda self, data, **kw: breaks_after_the_text(data, **kw))
    assert again(client, job_id, headers).status_code == 202
    assert worker.handle_upload(bucket, keys.upload_key(user["id"], job_id)) == "failed"
    after = client.http.get(f"/jobs/{job_id}", headers=headers).json_body
    assert after["status"] == "done" and "recording_again" not in after and after.get("error") == first.get("error")
    assert after["recording_again_error"] == "The voice could not say this text."
    assert after["result"] == first["result"]
    assert after["seconds"] == first["seconds"] and set(after["outputs"]) == set(first["outputs"])
    assert stored(keys.audio_key(user["id"], job_id)) == old_wav
    monkeypatch.undo()
    assert again(client, job_id, headers).status_code == 202  # and it may be asked again
    assert "recording_again_error" not in client.http.get(f"/jobs/{job_id}", headers=headers).json_body
    assert worker.handle_upload(bucket, keys.upload_key(user["id"], job_id)) == "done"
    assert "recording_again_error" not in client.http.get(f"/jobs/{job_id}", headers=headers).json_body
