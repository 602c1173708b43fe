"""Helpers for the API tests: a Chalice test client on moto, and short ways to sign up and in.

The fixtures (`client`, `api_env`, `fast_hashing`) are in tests/apifixtures.py: a test
module loads them with `pytest_plugins = ["tests.apifixtures"]`.
"""
from __future__ import annotations

import json

PASSWORD = "correct horse battery staple"
JSON = {"Content-Type": "application/json"}


def post(client, path, body=None, headers=None, raw=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
    return client.http.post(path, headers={**JSON, **(headers or {})}, body=data)


def send(client, method: str, path: str, body=None, headers=None):
    """Any method with a JSON body (DELETE /me and PATCH /me carry one)."""
    return client.http.request(method, path, headers={**JSON, **(headers or {})},
                               body=json.dumps(body).encode() if body is not None else b"")


def register(client, email="ann@example.org", name="Ann", password=PASSWORD):
    r = post(client, "/auth/register", {"name": name, "email": email, "password": password,
                                        "password_confirmation": password})
    assert r.status_code == 201, r.body
    return r.json_body["user"]


def login(client, email="ann@example.org", password=PASSWORD):
    r = post(client, "/auth/login", {"email": email, "password": password})
    assert r.status_code == 200, r.body
    return r.json_body["token"]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def signed_in(client, email="ann@example.org", name="Ann") -> tuple[dict, dict]:
    """(user, auth headers) for a new account."""
    user = register(client, email=email, name=name)
    return user, bearer(login(client, email=email))


def assert_error(response, status: int, message_part: str | None = None):
    """Every error: the status, a JSON body with a human message, CORS headers."""
    assert response.status_code == status, (response.status_code, response.body)
    body = response.json_body
    assert isinstance(body, dict) and isinstance(body.get("message"), str) and body["message"], body
    assert response.headers.get("Access-Control-Allow-Origin"), response.headers
    if message_part:
        assert message_part.lower() in body["message"].lower(), body
    return body
