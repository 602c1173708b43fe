"""POST /uploads: the presigned POST's policy, and what is refused before it is issued."""
from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest

from chalicelib import kinds, resources
from chalicelib.jobs import table as jobs
from chalicelib.web import job_view
from tests.apiclient import assert_error, post, signed_in

pytest_plugins = ["tests.apifixtures"]


def upload(client, headers, **changes):
    body = {"filename": "page one.jpg", "content_type": "image/jpeg", "size": 2_000_000, **changes}
    return post(client, "/uploads", {k: v for k, v in body.items() if v is not ...}, headers=headers)


def policy_of(fields: dict) -> dict:
    return json.loads(base64.b64decode(fields["policy"]))


def test_policy_pins_key_size_type_and_expiry(client):
    user, headers = signed_in(client)
    before = datetime.now(UTC)
    r = upload(client, headers)
    assert r.status_code == 201
    job_id, form = r.json_body["job_id"], r.json_body["upload"]
    key = f"uploads/{user['id']}/{job_id}/source"
    assert form["fields"]["key"] == key and form["fields"]["Content-Type"] == "image/jpeg"
    assert form["fields"]["x-amz-algorithm"] == "AWS4-HMAC-SHA256"  # SigV4
    assert "/us-east-1/s3/aws4_request" in form["fields"]["x-amz-credential"]  # regional scope
    assert form["url"].startswith("https://")
    policy = policy_of(form["fields"])
    conditions = policy["conditions"]
    assert {"key": key} in conditions  # exact key, not starts-with
    assert not any(isinstance(c, list) and c[0] == "starts-with" for c in conditions)
    assert {"bucket": "pagevoice-local"} in conditions
    assert {"Content-Type": "image/jpeg"} in conditions
    assert ["content-length-range", 1, 15 * 1024 * 1024] in conditions
    # Tagged pending until the worker has handled it (the lifecycle rule reaps the rest).
    assert form["fields"]["tagging"] == resources.pending_upload_tagging()
    assert {"tagging": resources.pending_upload_tagging()} in conditions
    expires = datetime.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert 0 < (expires - before).total_seconds() <= 600 + 1
    assert r.json_body["expires_in"] <= 600
    # The job exists, waiting for its upload.
    job = jobs.get(user["id"], job_id)
    assert job["status"] == "uploading" and job["filename"] == "page one.jpg" and job["size"] == 2_000_000


def test_policy_follows_settings_but_expiry_is_capped(client, monkeypatch):
    monkeypatch.setenv("PAGEVOICE_MAX_UPLOAD_BYTES", "1000")
    monkeypatch.setenv("PAGEVOICE_UPLOAD_URL_TTL_SECONDS", "3600")
    _, headers = signed_in(client)
    r = upload(client, headers, size=1000)
    conditions = policy_of(r.json_body["upload"]["fields"])["conditions"]
    assert ["content-length-range", 1, 1000] in conditions
    assert r.json_body["expires_in"] == 600
    assert_error(upload(client, headers, size=1001), 400, "too large")


@pytest.mark.parametrize("content_type", kinds.get("page").content_types)
def test_every_allowed_type(client, content_type):
    _, headers = signed_in(client)
    r = upload(client, headers, content_type=content_type.upper())  # normalised
    assert r.status_code == 201
    assert {"Content-Type": content_type} in policy_of(r.json_body["upload"]["fields"])["conditions"]


@pytest.mark.parametrize("changes,field,part", [
    ({"content_type": "application/zip"}, "content_type", "not a type the page kind reads"),
    ({"content_type": "image/svg+xml"}, "content_type", "not a type the page kind reads"),
    ({"content_type": "application/x-msdownload"}, "content_type", "not a type the page kind reads"),
    ({"size": 0}, "size", "empty"),
    ({"size": -5}, "size", "empty"),
    ({"size": 15 * 1024 * 1024 + 1}, "size", "too large"),
    ({"size": "100"}, "size", "whole number"),
    ({"size": 1.5}, "size", "whole number"),
    ({"size": True}, "size", "whole number"),
    ({"size": ...}, "size", "required"),
    ({"filename": ""}, "filename", "1 to 255"),
    ({"filename": "x" * 256}, "filename", "1 to 255"),
    ({"filename": "a\nb.jpg"}, "filename", "control characters"),
    ({"filename": 5}, "filename", "string"),
    ({"content_type": ...}, "content_type", "required"),
    ({"kind": "poem"}, "kind", "not a kind of job"),
    ({"kind": 3}, "kind", "string"),
])
def test_refused_up_front(client, changes, field, part):
    _, headers = signed_in(client)
    body = assert_error(upload(client, headers, **changes), 400, part)
    assert body["field"] == field
    assert job_view.list_jobs(client_user_id(client, headers))[0] == []  # no job was made


def client_user_id(client, headers):
    return client.http.get("/me", headers=headers).json_body["id"]


def test_keys_are_always_under_the_callers_id(client):
    ann, ann_headers = signed_in(client)
    bob, bob_headers = signed_in(client, email="bob@example.org", name="Bob")
    # Whatever the body says (even a path in the file name), the key is built from the caller's id.
    for headers, user in ((ann_headers, ann), (bob_headers, bob)):
        r = upload(client, headers, filename=f"../../uploads/{ann['id']}/evil", user_id=ann["id"], key="x")
        job_id = r.json_body["job_id"]
        assert r.json_body["upload"]["fields"]["key"] == f"uploads/{user['id']}/{job_id}/source"
        assert {"key": f"uploads/{user['id']}/{job_id}/source"} in policy_of(r.json_body["upload"]["fields"])["conditions"]


def test_uploads_are_throttled_per_account(client, monkeypatch):
    monkeypatch.setenv("PAGEVOICE_UPLOAD_LIMIT_PER_USER", "2")
    _, ann = signed_in(client)
    _, bob = signed_in(client, email="bob@example.org", name="Bob")
    assert upload(client, ann).status_code == 201
    assert upload(client, ann).status_code == 201
    r = upload(client, ann)
    assert_error(r, 429, "too many uploads")
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    assert upload(client, bob).status_code == 201  # per account


def test_the_kind_is_chosen_stored_and_returned(client, monkeypatch):
    monkeypatch.setenv("PAGEVOICE_KIND_PLUGINS", "tests.stubkind:KIND")
    _, headers = signed_in(client)
    page = upload(client, headers)
    assert page.status_code == 201 and page.json_body["kind"] == "page"  # the default
    stub = upload(client, headers, kind="stub", content_type="text/plain; charset=utf-8", filename="a.txt", size=100)
    assert stub.status_code == 201 and stub.json_body["kind"] == "stub"
    # The stub kind takes text/plain (parameters dropped); no kind takes CSV.
    assert_error(upload(client, headers, content_type="text/csv"), 400, "not a type the page kind reads")
    listed = client.http.get("/jobs", headers=headers).json_body["jobs"]
    assert [(j["job_id"], j["kind"]) for j in listed] == [(stub.json_body["job_id"], "stub"),
                                                          (page.json_body["job_id"], "page")]
    one = client.http.get(f"/jobs/{stub.json_body['job_id']}", headers=headers).json_body
    assert one["kind"] == "stub" and one["content_type"] == "text/plain"


def test_the_kind_sets_the_size_limit(client, monkeypatch):
    monkeypatch.setenv("PAGEVOICE_KIND_PLUGINS", "tests.stubkind:KIND")
    _, headers = signed_in(client)
    r = upload(client, headers, kind="stub", content_type="text/plain", size=1024 * 1024)
    assert ["content-length-range", 1, 1024 * 1024] in policy_of(r.json_body["upload"]["fields"])["conditions"]
    assert_error(upload(client, headers, kind="stub", content_type="text/plain", size=1024 * 1024 + 1), 400, "too large")


def test_kinds_route_lists_what_each_kind_accepts(client, monkeypatch):
    body = client.http.get("/kinds").json_body
    assert body["default"] == "page" and [k["name"] for k in body["kinds"]] == list(kinds.BUILT_IN)
    page = body["kinds"][0]
    assert page["content_types"] == list(kinds.get("page").content_types)
    assert {".jpg", ".pdf", ".heic"} <= set(page["extensions"]) and page["max_bytes"] == 15 * 1024 * 1024
    assert {"application/pdf", "image/heic", "image/tiff"} <= set(page["content_types"]) and page["max_pages"] == 2000
    assert page["outputs"] == ["result.json", "speech.wav", "speech.mp3", "chapters.vtt"]
    assert page["options"]["skip"]["default"] == ["page-header", "page-footer", "page-number", "footnote", "code"]
    assert "table" in page["options"]["skip"]["roles"]


def test_skip_chooses_the_roles_not_spoken_and_is_kept_on_the_job(client):
    """CONTRACTS section 13: `skip` is a list of roles; [] speaks everything; it is the job's."""
    user, headers = signed_in(client)
    for skip in (["page-number", "footnote"], []):
        r = upload(client, headers, skip=skip)
        assert r.status_code == 201 and r.json_body["skip"] == skip
        job = client.http.get(f"/jobs/{r.json_body['job_id']}", headers=headers).json_body
        assert job["skip"] == skip
    r = upload(client, headers)
    assert "skip" not in r.json_body
    assert client.http.get(f"/jobs/{r.json_body['job_id']}", headers=headers).json_body["skip"] is None


@pytest.mark.parametrize("skip, says", [
    (["page-number", "sidebar"], "unknown role sidebar"),
    ("footnote", "must be a list"),
    ([3], "list of roles"),
])
def test_a_bad_skip_is_a_400_that_says_why(client, skip, says):
    _, headers = signed_in(client)
    assert_error(upload(client, headers, skip=skip), 400, says)


def test_skip_is_for_documents_only(client):
    _, headers = signed_in(client)
    r = upload(client, headers, kind="digits", skip=["footnote"])
    assert_error(r, 400, "for documents")
