"""PUT /jobs/{id}/position and the `position` and `seconds` GET /jobs/{id} and GET /jobs show
(CONTRACTS section 14): the owner only, a token or an API key, bad places refused with a sentence,
never a 500."""
from __future__ import annotations

import json

import pytest

from chalicelib.jobs import keys
from chalicelib.jobs import table as jobs
from tests.apiclient import JSON, assert_error, post, send, signed_in

pytest_plugins = ["tests.apifixtures"]


def upload(client, headers) -> str:
    r = post(client, "/uploads", {"filename": "a.jpg", "content_type": "image/jpeg", "size": 10}, headers=headers)
    assert r.status_code == 201, r.body
    return r.json_body["job_id"]


def recorded(user_id: str, job_id: str, seconds: float = 60.0) -> None:
    """The job done, with a recording of `seconds`."""
    jobs.claim(user_id, job_id, 60)
    jobs.finish(user_id, job_id, result_key=keys.result_key(user_id, job_id),
                outputs={"speech.wav": keys.audio_key(user_id, job_id)}, timings_ms={}, summary={},
                seconds=seconds)


def put(client, job_id, body=None, headers=None, raw=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
    return client.http.put(f"/jobs/{job_id}/position", headers={**JSON, **(headers or {})}, body=data)


def test_a_saved_place_is_shown_by_the_job_and_the_list(client):
    user, headers = signed_in(client)
    job_id = upload(client, headers)
    listed = client.http.get("/jobs", headers=headers).json_body["jobs"][0]
    assert "position" not in listed and "seconds" not in listed  # no place saved, no recording yet
    assert "position" not in client.http.get(f"/jobs/{job_id}", headers=headers).json_body
    recorded(user["id"], job_id, 60.0)
    r = put(client, job_id, {"t": 31.25}, headers)
    assert r.status_code == 204 and r.body == b""
    job = client.http.get(f"/jobs/{job_id}", headers=headers).json_body
    assert job["position"]["t"] == 31.25 and job["position"]["at"].endswith("Z") and job["seconds"] == 60.0
    listed = client.http.get("/jobs", headers=headers).json_body["jobs"][0]
    assert listed["position"] == job["position"] and listed["seconds"] == 60.0
    assert put(client, job_id, {"t": 12}, headers).status_code == 204  # the last write wins
    assert client.http.get(f"/jobs/{job_id}", headers=headers).json_body["position"]["t"] == 12
    # Saving a place moves nothing: not the job's status, not when it was last updated.
    record = jobs.get(user["id"], job_id)
    assert record["status"] == "done" and record["updated_at"] == job["updated_at"]


def test_an_api_key_may_save_a_place(client):
    user, headers = signed_in(client)
    job_id = upload(client, headers)
    recorded(user["id"], job_id)
    key = post(client, "/api-keys", {"name": "player"}, headers=headers).json_body["key"]
    assert put(client, job_id, {"t": 1.5}, {"X-Api-Key": key}).status_code == 204
    assert client.http.get(f"/jobs/{job_id}", headers=headers).json_body["position"]["t"] == 1.5


def test_another_users_job_is_404_like_a_missing_one(client):
    ann, ann_headers = signed_in(client)
    _, bob_headers = signed_in(client, email="bob@example.org", name="Bob")
    job_id = upload(client, ann_headers)
    recorded(ann["id"], job_id)
    other = put(client, job_id, {"t": 3}, bob_headers)
    absent = put(client, keys.new_job_id(), {"t": 3}, bob_headers)
    assert other.status_code == absent.status_code == 404 and other.json_body == absent.json_body
    assert_error(put(client, "not-a-job-id", {"t": 3}, bob_headers), 404)
    assert "position" not in client.http.get(f"/jobs/{job_id}", headers=ann_headers).json_body
    assert_error(put(client, job_id, {"t": 3}), 401)


@pytest.mark.parametrize("raw,part", [
    (b"", "json object"),
    (b"[1]", "json object"),
    (b"{}", "'t' is required"),
    (b'{"t": null}', "'t' is required"),
    (b'{"t": "12"}', "number of seconds"),
    (b'{"t": true}', "number of seconds"),
    (b'{"t": [1]}', "number of seconds"),
    (b'{"t": NaN}', "finite"),
    (b'{"t": Infinity}', "finite"),
    (b'{"t": -Infinity}', "finite"),
    (b'{"t": 1e400}', "finite"),
    (b'{"t": 1' + b"0" * 400 + b"}", "finite"),
    (b'{"t": -0.5}', "negative"),
    (b'{"t": 61.5}', "past the end of the recording, which is 60.0 seconds long"),
])
def test_bad_places_are_400s_with_a_sentence(client, raw, part):
    user, headers = signed_in(client)
    job_id = upload(client, headers)
    recorded(user["id"], job_id, 60.0)
    body = assert_error(put(client, job_id, raw=raw, headers=headers), 400, part)
    assert body["error"] == "bad_request"


def test_a_job_whose_length_is_not_known_refuses_a_place_no_recording_reaches(client):
    """A job with no recording yet (or made before lengths were kept) has no end to bound a place
    by: a place past any recording is a 400, not a number DynamoDB cannot hold (a 500)."""
    _, headers = signed_in(client)
    job_id = upload(client, headers)
    for t in (1e300, 10 ** 200, 1e126):
        assert_error(put(client, job_id, {"t": t}, headers), 400, "longer than")
    assert "position" not in client.http.get(f"/jobs/{job_id}", headers=headers).json_body
    assert put(client, job_id, {"t": 3 * 3600.0}, headers).status_code == 204


def test_a_second_of_slack_past_the_end(client):
    user, headers = signed_in(client)
    job_id = upload(client, headers)
    recorded(user["id"], job_id, 60.0)
    assert put(client, job_id, {"t": 60.9}, headers).status_code == 204
    assert put(client, job_id, {"t": 0}, headers).status_code == 204


def test_the_route_is_described(client):
    spec = client.http.get("/openapi.json").json_body
    op = spec["paths"]["/jobs/{job_id}/position"]["put"]
    assert set(op["responses"]) >= {"204", "400", "401", "404"}
    schemas = spec["components"]["schemas"]
    assert schemas["Job"]["properties"]["position"] == {"$ref": "#/components/schemas/Position"}
    assert {"position", "seconds"} <= set(schemas["JobSummary"]["properties"])
    assert send(client, "GET", "/openapi.json").status_code == 200


def test_the_docs_and_the_description_name_every_listening_route(client):
    """Issue 40: docs/api.md and /openapi.json say the same routes."""
    from pathlib import Path

    docs = (Path(__file__).parents[2] / "docs" / "api.md").read_text()
    paths = client.http.get("/openapi.json").json_body["paths"]
    for method, path, written in (("put", "/jobs/{job_id}/position", "PUT /jobs/{id}/position"),
                                  ("get", "/me/lexicon", "GET /me/lexicon"), ("put", "/me/lexicon", "PUT /me/lexicon"),
                                  ("post", "/jobs/{job_id}/recording", "POST /jobs/{id}/recording")):
        assert method in paths[path] and written in docs, written
