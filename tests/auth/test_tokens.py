"""Session tokens: what is accepted, what is refused, and logout."""
from __future__ import annotations

import base64
import json
import time

import jwt
import pytest

from chalicelib import aws, clock
from chalicelib.auth import tokens
from tests.apiclient import assert_error, bearer, login, register, signed_in

pytest_plugins = ["tests.apifixtures"]

SECRET = "test-secret-" + "x" * 40  # tests/conftest.py's PAGEVOICE_JWT_SECRET


@pytest.fixture(autouse=True)
def known_secret(monkeypatch):
    monkeypatch.setenv("PAGEVOICE_JWT_SECRET", SECRET)
    monkeypatch.delenv("PAGEVOICE_JWT_SECRET_PARAM", raising=False)


def claims_of(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def forged(token: str, key=SECRET, algorithm="HS256", **changes) -> str:
    """The same claims (so the same open session) with some changed, signed with `key`."""
    claims = {**claims_of(token), **changes}
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, key, algorithm=algorithm)


def me(client, headers):
    return client.http.get("/me", headers=headers)


def test_token_shape(client):
    register(client)
    token = login(client)
    header = jwt.get_unverified_header(token)
    claims = claims_of(token)
    assert header["alg"] == "HS256"
    assert set(claims) >= {"sub", "jti", "iat", "exp", "iss", "aud"}
    assert claims["iss"] == "pagevoice" and claims["aud"] == "pagevoice-api"
    assert claims["exp"] - claims["iat"] == 7 * 24 * 3600
    # A token signed with the same claims verifies: the forging helper itself is sound.
    assert me(client, bearer(forged(token))).status_code == 200


def test_session_lifetime_is_configurable(client, monkeypatch):
    monkeypatch.setenv("PAGEVOICE_SESSION_TTL_SECONDS", "60")
    register(client)
    token = login(client)
    claims = claims_of(token)
    assert claims["exp"] - claims["iat"] == 60
    # The session record expires with the token, even before DynamoDB's TTL reaps it.
    later = time.time() + 61
    monkeypatch.setattr(clock, "now", lambda: later)
    assert_error(me(client, bearer(token)), 401)


def test_logout_revokes_at_once(client):
    register(client)
    first, second = login(client), login(client)
    assert me(client, bearer(first)).status_code == 200
    r = client.http.post("/auth/logout", headers=bearer(first))
    assert r.status_code == 204 and r.body == b""
    assert_error(me(client, bearer(first)), 401, "session has ended")
    assert_error(client.http.post("/auth/logout", headers=bearer(first)), 401)
    assert_error(client.http.get("/jobs", headers=bearer(first)), 401)
    # Only that session ended: the same account's other session still works.
    assert me(client, bearer(second)).status_code == 200


@pytest.mark.filterwarnings("ignore:The HMAC key")  # HS512 over our 52-byte test secret
@pytest.mark.parametrize("case", ["expired", "wrong_audience", "wrong_issuer", "other_key", "alg_none",
                                  "hs512", "no_jti", "no_exp", "no_sub", "tampered", "other_users_sub",
                                  "garbage"])
def test_bad_tokens_are_refused(client, case):
    _, headers = signed_in(client)
    other = register(client, email="bob@example.org", name="Bob")
    token = headers["Authorization"].split()[1]
    now = int(time.time())
    bad = {
        "expired": lambda: forged(token, iat=now - 200, exp=now - 100),
        "wrong_audience": lambda: forged(token, aud="someone-else"),
        "wrong_issuer": lambda: forged(token, iss="evil"),
        "other_key": lambda: forged(token, key="another-secret-" + "y" * 40),
        "alg_none": lambda: forged(token, key=None, algorithm="none"),
        "hs512": lambda: forged(token, algorithm="HS512"),
        "no_jti": lambda: forged(token, jti=None),
        "no_exp": lambda: forged(token, exp=None),
        "no_sub": lambda: forged(token, sub=None),
        # A real signature over a payload changed afterwards.
        "tampered": lambda: ".".join([token.split(".")[0],
                                      base64.urlsafe_b64encode(json.dumps({**claims_of(token), "sub": other["id"]})
                                                               .encode()).decode().rstrip("="),
                                      token.split(".")[2]]),
        # Correctly signed (the secret leaked?) but naming another user than the session's.
        "other_users_sub": lambda: forged(token, sub=other["id"]),
        "garbage": lambda: "not.a.token",
    }[case]()
    body = assert_error(me(client, bearer(bad)), 401)
    assert body["error"] == "unauthorized"
    assert me(client, headers).status_code == 200  # the real token is unaffected


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Token abc"}, {"Authorization": "Bearer"},
                                     {"Authorization": "Basic YWxhZGRpbjpvcGVuc2VzYW1l"}])
def test_missing_or_malformed_credentials(client, headers):
    r = client.http.get("/me", headers=headers)
    assert_error(r, 401)
    assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_secret_from_ssm_is_read_once(client, monkeypatch):
    ssm_secret = "from-ssm-" + "z" * 40
    aws.ssm().put_parameter(Name="/pagevoice/test/jwt", Value=ssm_secret, Type="SecureString")
    monkeypatch.setenv("PAGEVOICE_JWT_SECRET_PARAM", "/pagevoice/test/jwt")
    tokens._from_ssm.cache_clear()
    calls = []
    real = aws.ssm
    monkeypatch.setattr(aws, "ssm", lambda: calls.append(1) or real())
    register(client)
    token = login(client)
    jwt.decode(token, ssm_secret, algorithms=["HS256"], audience="pagevoice-api")  # signed with it
    for _ in range(3):
        assert me(client, bearer(token)).status_code == 200
    assert len(calls) == 1
    tokens._from_ssm.cache_clear()
    aws.ssm().delete_parameter(Name="/pagevoice/test/jwt")


@pytest.mark.parametrize("secret,part", [("", "no token signing secret"), ("too-short", "at least 32 bytes")])
def test_refuses_to_serve_without_a_good_secret(client, monkeypatch, secret, part):
    monkeypatch.setenv("PAGEVOICE_JWT_SECRET", secret)
    for path in ("/health", "/me", "/jobs"):
        body = assert_error(client.http.get(path), 503, part)
        assert body["error"] == "misconfigured"
    assert_error(client.http.post("/auth/login", headers={"Content-Type": "application/json"},
                                  body=b'{"email":"a@b.co","password":"x"}'), 503)
    with pytest.raises(tokens.ConfigError):
        tokens.secret()
