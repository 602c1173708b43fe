"""API keys: created once, used as X-Api-Key on every authenticated route, listed, revoked."""
from __future__ import annotations

import hashlib
import time

import pytest

from chalicelib import aws, clock
from chalicelib.auth import apikeys
from tests.apiclient import assert_error, post, signed_in

pytest_plugins = ["tests.apifixtures"]


def new_key(client, headers, name="laptop script"):
    r = post(client, "/api-keys", {"name": name} if name else None, headers=headers)
    assert r.status_code == 201, r.body
    return r.json_body


def test_create_shows_the_key_once_and_stores_only_a_digest(client):
    _, headers = signed_in(client)
    created = new_key(client, headers)
    key, meta = created["key"], created["api_key"]
    assert key.startswith(f"pv_{meta['id']}_") and len(key.split("_", 2)[2]) == 43  # 32 random bytes
    assert meta["name"] == "laptop script" and meta["last_used_at"] is None and meta["created_at"].endswith("Z")
    item = aws.auth_table().get_item(Key={"pk": f"APIKEY#{meta['id']}"})["Item"]
    assert item["hash"] == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(item) and key.split("_", 2)[2] not in str(item)
    listed = client.http.get("/api-keys", headers=headers).json_body["api_keys"]
    assert listed == [meta]  # never the key itself again
    assert "key" not in listed[0]


def test_default_name_and_empty_body(client):
    _, headers = signed_in(client)
    r = client.http.post("/api-keys", headers=headers)
    assert r.status_code == 201 and r.json_body["api_key"]["name"] == "API key"


def test_key_works_on_every_authenticated_route(client):
    user, headers = signed_in(client)
    key = {"X-Api-Key": new_key(client, headers)["key"]}
    me = client.http.get("/me", headers=key).json_body
    assert me.pop("usage") and me == user
    r = post(client, "/uploads", {"filename": "a.png", "content_type": "image/png", "size": 10}, headers=key)
    assert r.status_code == 201
    job_id = r.json_body["job_id"]
    assert r.json_body["upload"]["fields"]["key"].startswith(f"uploads/{user['id']}/")
    assert client.http.get("/jobs", headers=key).json_body["jobs"][0]["job_id"] == job_id
    assert client.http.get(f"/jobs/{job_id}", headers=key).status_code == 200
    assert client.http.delete(f"/jobs/{job_id}", headers=key).status_code == 204
    # Managing keys needs a session (test_a_key_cannot_manage_keys).
    assert client.http.get("/api-keys", headers=key).status_code == 403
    # Logout is for sessions; a key is revoked with DELETE /api-keys/{id}.
    assert_error(client.http.post("/auth/logout", headers=key), 400, "api key")


def test_revoke_takes_effect_at_once(client):
    _, headers = signed_in(client)
    created = new_key(client, headers)
    key = {"X-Api-Key": created["key"]}
    assert client.http.get("/me", headers=key).status_code == 200
    assert client.http.delete(f"/api-keys/{created['api_key']['id']}", headers=headers).status_code == 204
    assert_error(client.http.get("/me", headers=key), 401, "api key is not valid")
    assert client.http.get("/api-keys", headers=headers).json_body["api_keys"] == []
    assert_error(client.http.delete(f"/api-keys/{created['api_key']['id']}", headers=headers), 404)


def test_last_used_is_recorded(client, monkeypatch):
    _, headers = signed_in(client)
    created = new_key(client, headers)
    key = {"X-Api-Key": created["key"]}
    client.http.get("/me", headers=key)
    first = client.http.get("/api-keys", headers=headers).json_body["api_keys"][0]["last_used_at"]
    assert first and first.endswith("Z")
    client.http.get("/me", headers=key)  # within a minute: not written again
    assert client.http.get("/api-keys", headers=headers).json_body["api_keys"][0]["last_used_at"] == first
    later = time.time() + 120
    monkeypatch.setattr(clock, "now", lambda: later)
    client.http.get("/me", headers=key)
    assert client.http.get("/api-keys", headers=headers).json_body["api_keys"][0]["last_used_at"] > first


def test_keys_are_private_to_their_owner(client):
    _, ann = signed_in(client)
    _, bob = signed_in(client, email="bob@example.org", name="Bob")
    anns = new_key(client, ann)
    bobs = new_key(client, bob, name="bob's")
    assert [k["id"] for k in client.http.get("/api-keys", headers=bob).json_body["api_keys"]] == [bobs["api_key"]["id"]]
    assert_error(client.http.delete(f"/api-keys/{anns['api_key']['id']}", headers=bob), 404)
    assert client.http.get("/me", headers={"X-Api-Key": anns["key"]}).status_code == 200  # untouched


@pytest.mark.parametrize("bad", ["", "nonsense", "pv_000000000000_" + "A" * 43, "pv_xyz_abc",
                                 "Bearer pv_000000000000_" + "A" * 43])
def test_wrong_keys_are_refused(client, bad):
    _, headers = signed_in(client)
    real = new_key(client, headers)["key"]
    for candidate in [bad, real[:-1] + ("A" if real[-1] != "A" else "B")]:
        if candidate:
            assert_error(client.http.get("/me", headers={"X-Api-Key": candidate}), 401)


def test_number_of_keys_is_capped(client, monkeypatch):
    monkeypatch.setenv("PAGEVOICE_MAX_API_KEYS_PER_USER", "2")
    _, headers = signed_in(client)
    first = new_key(client, headers)
    new_key(client, headers)
    assert_error(post(client, "/api-keys", {"name": "third"}, headers=headers), 409, "delete one first")
    client.http.delete(f"/api-keys/{first['api_key']['id']}", headers=headers)
    new_key(client, headers)


@pytest.mark.parametrize("body", [{"name": ""}, {"name": "x" * 101}, {"name": 7}])
def test_bad_names(client, body):
    _, headers = signed_in(client)
    assert_error(post(client, "/api-keys", body, headers=headers), 400)


def test_malformed_ids_are_404(client):
    _, headers = signed_in(client)
    for key_id in ("nope", "0" * 12):
        assert_error(client.http.delete(f"/api-keys/{key_id}", headers=headers), 404)
    assert apikeys.revoke("someone", "not-hex") is False


# --- Managing keys needs a signed-in session (issue item 5) ---

def test_a_key_cannot_manage_keys(client):
    """A leaked key must not outlive its revocation by minting a successor, nor list or
    revoke the owner's other keys."""
    _, headers = signed_in(client)
    created = new_key(client, headers)
    other = new_key(client, headers, name="other")
    key = {"X-Api-Key": created["key"]}
    for r in (post(client, "/api-keys", {"name": "successor"}, headers=key),
              client.http.post("/api-keys", headers=key),
              client.http.get("/api-keys", headers=key),
              client.http.delete(f"/api-keys/{other['api_key']['id']}", headers=key),
              client.http.delete(f"/api-keys/{created['api_key']['id']}", headers=key)):
        body = assert_error(r, 403, "sign in")
        assert body["error"] == "forbidden" and "api key" in body["message"].lower()
        assert "WWW-Authenticate" not in r.headers  # signing in again with the key would not help
    # Nothing was made or removed, and the key still works where keys are allowed.
    listed = client.http.get("/api-keys", headers=headers).json_body["api_keys"]
    assert sorted(k["id"] for k in listed) == sorted([created["api_key"]["id"], other["api_key"]["id"]])
    assert client.http.get("/me", headers=key).status_code == 200
    # The session revokes it, and then it is simply not valid.
    assert client.http.delete(f"/api-keys/{created['api_key']['id']}", headers=headers).status_code == 204
    assert_error(client.http.get("/api-keys", headers=key), 401, "api key is not valid")


def test_key_management_without_credentials_asks_for_a_session(client):
    body = assert_error(client.http.get("/api-keys"), 401, "authorization: bearer")
    assert "x-api-key" not in body["message"].lower()
    assert_error(client.http.get("/api-keys", headers={"X-Api-Key": "pv_000000000000_" + "A" * 43}), 401,
                 "api key is not valid")


def test_authenticate_allow_api_key(client):
    from chalicelib import auth

    _, headers = signed_in(client)
    created = new_key(client, headers)

    class Request:
        def __init__(self, headers):
            self.headers = {k.lower(): v for k, v in headers.items()}

    by_key = Request({"X-Api-Key": created["key"]})
    assert auth.authenticate(by_key).method == "api_key"  # the default still takes keys
    with pytest.raises(auth.Forbidden) as info:
        auth.authenticate(by_key, allow_api_key=False)
    assert info.value.status == 403 and info.value.code == "forbidden"
    assert auth.authenticate(Request(headers), allow_api_key=False).method == "session"
