"""Abuse cases not covered elsewhere (tests/hardening/README.md indexes all of them):
credential stuffing from one address, cross-user access through API keys and forged keys,
and records or objects that point outside their owner's prefix."""
from __future__ import annotations

import json
import time

import pytest
from argon2 import PasswordHasher

from chalicelib import aws, clock, settings
from chalicelib.auth import throttle
from chalicelib.jobs import keys, worker
from chalicelib.jobs import table as jobs
from chalicelib.web import edge as api
from tests.apiclient import PASSWORD, assert_error, login, post, register, signed_in

pytest_plugins = ["tests.apifixtures"]


# --- Credential stuffing: one address, many accounts, a guess or two each ---

@pytest.fixture
def small_ip_budget(monkeypatch):
    monkeypatch.setenv("PAGEVOICE_LOGIN_IP_MAX_FAILURES", "5")


def guess(client, email, password="Winter2026!"):
    return post(client, "/auth/login", {"email": email, "password": password})


def test_credential_stuffing_from_one_address_is_throttled(client, small_ip_budget, monkeypatch):
    for i in range(3):
        register(client, email=f"user{i}@example.org")
    # Five accounts (three real, two not), one guess each: no account's own lockout trips.
    for email in ["user0@example.org", "ghost0@example.org", "user1@example.org", "ghost1@example.org",
                  "user2@example.org"]:
        assert_error(guess(client, email), 401)
    verified = []
    real = PasswordHasher.verify
    monkeypatch.setattr(PasswordHasher, "verify", lambda self, h, p: verified.append(1) or real(self, h, p))
    refused = guess(client, "ghost2@example.org")
    body = assert_error(refused, 429, "too many failed sign-in attempts")
    retry_after = int(refused.headers["Retry-After"])
    assert 1 <= retry_after <= settings.get().auth.login_ip_window_seconds and body["retry_after"] == retry_after
    # Refused before any password is checked, even the right one of a real account.
    assert_error(post(client, "/auth/login", {"email": "user0@example.org", "password": PASSWORD}), 429)
    assert verified == []
    # No enumeration: a real and an unknown account get the very same answer.
    assert guess(client, "user1@example.org").json_body == guess(client, "nobody@example.org").json_body
    # Another address is not affected; after the window this one may try again.
    monkeypatch.setattr(api, "client_ip", lambda request: "198.51.100.7")
    login(client, email="user0@example.org")
    monkeypatch.undo()
    later = time.time() + settings.get().auth.login_ip_window_seconds
    monkeypatch.setattr(clock, "now", lambda: later)
    login(client, email="user0@example.org")


def test_successful_sign_ins_do_not_use_the_address_budget(client, small_ip_budget):
    register(client)
    for _ in range(3 * settings.get().auth.login_ip_max_failures):
        login(client)


def test_the_address_limit_fails_open_when_its_store_does(client, small_ip_budget, monkeypatch):
    """If the counter cannot be read, sign-in still works (the per-account lockout still
    applies): an outage of the limiter must not lock every user out."""
    register(client)

    def broken(ip):
        raise RuntimeError("DynamoDB unavailable")

    monkeypatch.setattr(throttle, "check_ip_login", broken)
    login(client)


# --- Cross-user access with the other kind of credential: an API key ---

def test_another_users_api_key_reaches_none_of_their_data(client):
    ann, ann_headers = signed_in(client)
    _, bob_session = signed_in(client, email="bob@example.org", name="Bob")
    bobs_key = post(client, "/api-keys", {"name": "bob"}, headers=bob_session).json_body
    bob = {"X-Api-Key": bobs_key["key"]}
    r = post(client, "/uploads", {"filename": "a.jpg", "content_type": "image/jpeg", "size": 10}, headers=ann_headers)
    job_id = r.json_body["job_id"]
    ann_key = post(client, "/api-keys", {"name": "ann"}, headers=ann_headers).json_body
    assert client.http.get("/me", headers=bob).json_body["email"] == "bob@example.org"
    assert client.http.get("/jobs", headers=bob).json_body["jobs"] == []
    assert_error(client.http.get("/api-keys", headers=bob), 403, "sign in")
    listed = client.http.get("/api-keys", headers=bob_session).json_body["api_keys"]
    assert [k["id"] for k in listed] == [bobs_key["api_key"]["id"]]
    assert_error(client.http.get(f"/jobs/{job_id}", headers=bob), 404)
    assert_error(client.http.delete(f"/jobs/{job_id}", headers=bob), 404)
    assert_error(client.http.delete(f"/api-keys/{ann_key['api_key']['id']}", headers=bob), 403)
    assert_error(client.http.delete(f"/api-keys/{ann_key['api_key']['id']}", headers=bob_session), 404)
    cursor = client.http.get("/jobs?limit=1", headers=ann_headers).json_body  # Ann's own first page
    assert client.http.get(f"/jobs?next={cursor['next'] or ''}", headers=bob).json_body["jobs"] == []
    # Ann's job and key are untouched.
    assert client.http.get(f"/jobs/{job_id}", headers=ann_headers).status_code == 200
    assert client.http.get("/me", headers={"X-Api-Key": ann_key["key"]}).json_body["id"] == ann["id"]


def test_an_api_key_with_another_users_key_id_is_refused(client):
    """The key id is the lookup; the secret must match the digest stored under that id."""
    _, ann_headers = signed_in(client)
    _, bob_headers = signed_in(client, email="bob@example.org", name="Bob")
    ann = post(client, "/api-keys", {}, headers=ann_headers).json_body["key"]
    bob = post(client, "/api-keys", {}, headers=bob_headers).json_body["key"]
    spliced = "_".join(ann.split("_")[:2] + [bob.split("_", 2)[2]])  # Ann's id, Bob's secret
    assert_error(client.http.get("/me", headers={"X-Api-Key": spliced}), 401)


# --- Records and objects that point outside their owner's prefix ---

def test_a_record_pointing_at_another_users_objects_presigns_nothing(client):
    """Were a job record ever made to name another user's result or speech (a bug, a bad
    migration), GET /jobs/{id} still presigns and reads only the caller's own prefixes."""
    ann, ann_headers = signed_in(client)
    bob = register(client, email="bob@example.org", name="Bob")
    r = post(client, "/uploads", {"filename": "a.jpg", "content_type": "image/jpeg", "size": 10}, headers=ann_headers)
    job_id = r.json_body["job_id"]
    bobs_job = keys.new_job_id()
    s3, bucket = aws.s3(), settings.get().aws.bucket
    s3.put_object(Bucket=bucket, Key=keys.result_key(bob["id"], bobs_job), Body=json.dumps({"text": "BOB'S"}))
    aws.jobs_table().update_item(
        Key={"user_id": ann["id"], "job_id": job_id},
        UpdateExpression="SET #s = :done, result_key = :r, audio_key = :a",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":done": "done", ":r": keys.result_key(bob["id"], bobs_job),
                                   ":a": keys.audio_key(bob["id"], bobs_job)})
    body = client.http.get(f"/jobs/{job_id}", headers=ann_headers).json_body
    assert body["result"] is None and body["audio_url"] is None
    assert f"/uploads/{ann['id']}/{job_id}/source" in body["image_url"]


def test_an_upload_under_another_users_prefix_is_not_processed(api_env, monkeypatch):
    """An object at uploads/<bob>/<ann's job id>/source (the POST policy pins the key, so only
    a forged event or a misconfigured client could make one): the job is looked up under Bob,
    where it does not exist; nothing runs, Ann's job is untouched."""
    from chalicelib.kinds.page import pipeline

    monkeypatch.setattr(pipeline, "process", lambda *a, **k: pytest.fail("processed"))
    ann_job = jobs.create("ann", filename="a.png", content_type="image/png", size=1)["job_id"]
    key = keys.upload_key("bob", ann_job)
    aws.s3().put_object(Bucket=settings.get().aws.bucket, Key=key, Body=b"x")
    assert worker.handle_upload(settings.get().aws.bucket, key) == "skipped"
    assert jobs.get("ann", ann_job)["status"] == "uploading" and jobs.get("bob", ann_job) is None
