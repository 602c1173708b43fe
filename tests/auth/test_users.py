"""Registration, login, no account enumeration, throttling."""
from __future__ import annotations

import statistics
import time

import pytest
from argon2 import PasswordHasher, extract_parameters

from chalicelib import aws, clock
from chalicelib.auth import users
from tests.apiclient import PASSWORD, assert_error, bearer, login, post, register

pytest_plugins = ["tests.apifixtures"]


def registration(**changes):
    body = {"name": "Ann", "email": "ann@example.org", "password": PASSWORD, "password_confirmation": PASSWORD}
    return {k: v for k, v in {**body, **changes}.items() if v is not ...}


def test_register_then_login(client):
    r = post(client, "/auth/register", registration(email="  Ann@Example.ORG ", name="  Ann Lee "))
    assert r.status_code == 201
    user = r.json_body["user"]
    assert set(user) == {"id", "name", "email"}
    assert user["email"] == "ann@example.org" and user["name"] == "Ann Lee"
    # Email is case-insensitive at login too.
    r = post(client, "/auth/login", {"email": "ANN@example.org", "password": PASSWORD})
    assert r.status_code == 200
    assert r.json_body["user"] == user and r.json_body["token"] and r.json_body["expires_at"].endswith("Z")
    assert client.http.get("/me", headers=bearer(r.json_body["token"])).json_body == user


def test_password_is_stored_as_argon2id_only(client):
    user = register(client)
    item = aws.auth_table().get_item(Key={"pk": f"USER#{user['id']}"})["Item"]
    assert item["password_hash"].startswith("$argon2id$")
    assert PASSWORD not in str(item)


def test_email_taken_is_409_whatever_its_case(client):
    register(client)
    r = post(client, "/auth/register", registration(email="ANN@example.org ", name="Other Ann"))
    body = assert_error(r, 409, "already exists")
    assert body["field"] == "email"
    # The losing registration left nothing behind.
    items = aws.auth_table().scan()["Items"]
    assert sum(i["pk"].startswith("USER#") for i in items) == 1


@pytest.mark.parametrize("changes,field", [
    ({"name": ""}, "name"), ({"name": "   "}, "name"), ({"name": "x" * 101}, "name"),
    ({"name": "Ann\u0000"}, "name"),
    ({"email": "ann"}, "email"), ({"email": "ann@example"}, "email"), ({"email": "a b@example.org"}, "email"),
    ({"email": "a" * 250 + "@example.org"}, "email"),
    ({"password": "short", "password_confirmation": "short"}, "password"),
    ({"password": "iloveyou2", "password_confirmation": "iloveyou2"}, "password"),
    ({"password_confirmation": PASSWORD + "!"}, "password_confirmation"),
    ({"password_confirmation": ...}, "password_confirmation"),
    ({"email": 42}, "email"), ({"name": ["Ann"]}, "name"), ({"password": None}, "password"),
])
def test_register_refuses_bad_input(client, changes, field):
    body = assert_error(post(client, "/auth/register", registration(**changes)), 400)
    assert body["field"] == field


def test_login_rehashes_when_parameters_change(client, monkeypatch):
    user = register(client)
    monkeypatch.setenv("PAGEVOICE_ARGON2_TIME_COST", "2")
    login(client)
    stored = aws.auth_table().get_item(Key={"pk": f"USER#{user['id']}"})["Item"]["password_hash"]
    assert extract_parameters(stored).time_cost == 2
    login(client)  # and the new hash verifies


# --- No account enumeration ---

def test_unknown_email_and_wrong_password_answer_alike(client):
    register(client)
    wrong = post(client, "/auth/login", {"email": "ann@example.org", "password": "not the password"})
    unknown = post(client, "/auth/login", {"email": "nobody@example.org", "password": "not the password"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json_body == unknown.json_body == {"error": "unauthorized", "message": users.BAD_LOGIN}


def test_unknown_email_spends_an_argon2_verify(client, monkeypatch):
    verified = []
    real = PasswordHasher.verify
    monkeypatch.setattr(PasswordHasher, "verify", lambda self, h, p: verified.append(h) or real(self, h, p))
    post(client, "/auth/login", {"email": "nobody@example.org", "password": "whatever password"})
    post(client, "/auth/login", {"email": "not-even-an-email", "password": "whatever password"})
    assert len(verified) == 2


def test_unknown_email_and_wrong_password_take_similar_time(client, monkeypatch):
    # Production hashing cost, so argon2 dominates as it does when deployed.
    monkeypatch.delenv("PAGEVOICE_ARGON2_MEMORY_KIB")
    monkeypatch.delenv("PAGEVOICE_ARGON2_TIME_COST")
    monkeypatch.setenv("PAGEVOICE_LOGIN_MAX_FAILURES", "1000")
    register(client)

    def timed(email):
        started = time.perf_counter()
        r = post(client, "/auth/login", {"email": email, "password": "not the password"})
        assert r.status_code == 401
        return time.perf_counter() - started

    timed("ann@example.org"), timed("nobody@example.org")  # warm both paths
    wrong, unknown = [], []
    for _ in range(9):  # interleaved, so a busy moment on the machine hits both alike
        wrong.append(timed("ann@example.org"))
        unknown.append(timed("nobody@example.org"))
    ratio = statistics.median(unknown) / statistics.median(wrong)
    assert 0.5 < ratio < 2.0, (wrong, unknown)


# --- Throttling ---

def fail_login(client, email="ann@example.org"):
    return post(client, "/auth/login", {"email": email, "password": "not the password"})


@pytest.fixture
def slow_lockouts(monkeypatch):
    # Long enough that the next attempt in the test certainly falls inside the lockout.
    monkeypatch.setenv("PAGEVOICE_LOGIN_LOCKOUT_BASE_SECONDS", "30")


def test_five_failures_then_429_with_retry_after(client, slow_lockouts):
    register(client)
    for _ in range(5):
        assert_error(fail_login(client), 401)
    r = fail_login(client)
    body = assert_error(r, 429, "too many failed sign-in attempts")
    assert 1 <= int(r.headers["Retry-After"]) <= 30 and body["retry_after"] == int(r.headers["Retry-After"])
    assert "Retry-After" in r.headers["Access-Control-Expose-Headers"]
    # During the lockout even the right password is refused (and not checked).
    assert_error(post(client, "/auth/login", {"email": "ann@example.org", "password": PASSWORD}), 429)


def test_lockouts_double_and_success_resets(client, slow_lockouts, monkeypatch):
    register(client)
    now = [time.time()]
    monkeypatch.setattr(clock, "now", lambda: now[0])
    waits = []
    for _ in range(9):
        r = fail_login(client)
        if r.status_code == 429:
            waits.append(int(r.headers["Retry-After"]))
            now[0] += waits[-1]  # wait it out, then fail again
            r = fail_login(client)
        assert r.status_code == 401
    assert waits == [30, 60, 120, 240]
    now[0] += 480
    login(client)  # the right password after the lockout: in, and the count starts over
    for _ in range(5):
        assert fail_login(client).status_code == 401
    assert fail_login(client).status_code == 429


def test_lockout_is_capped_and_forgotten_after_quiet_time(client, monkeypatch):
    monkeypatch.setenv("PAGEVOICE_LOGIN_LOCKOUT_BASE_SECONDS", "600")
    register(client)
    now = [time.time()]
    monkeypatch.setattr(clock, "now", lambda: now[0])
    for _ in range(7):
        r = fail_login(client)
        if r.status_code == 429:
            assert int(r.headers["Retry-After"]) <= 900  # capped at login_lockout_max_seconds
            now[0] += int(r.headers["Retry-After"])
            assert fail_login(client).status_code == 401
    # After the last lockout plus 15 quiet minutes, it is all forgotten (before the TTL reaps it).
    now[0] += 900 + 901
    for _ in range(5):
        assert fail_login(client).status_code == 401


def test_unknown_email_is_throttled_like_a_real_one(client, slow_lockouts):
    for email in ("ann@example.org", "nobody@example.org"):
        if email == "ann@example.org":
            register(client)
        for _ in range(5):
            assert fail_login(client, email).status_code == 401
        assert fail_login(client, email).status_code == 429


def test_other_accounts_are_not_locked(client, slow_lockouts):
    register(client)
    register(client, email="bob@example.org", name="Bob")
    for _ in range(6):
        fail_login(client)
    login(client, email="bob@example.org")


def test_registration_is_limited_per_client_ip(client, monkeypatch):
    monkeypatch.setenv("PAGEVOICE_REGISTER_LIMIT_PER_IP", "3")
    for i in range(3):
        register(client, email=f"user{i}@example.org")
    r = post(client, "/auth/register", registration(email="user9@example.org"))
    assert_error(r, 429, "too many sign-ups")
    assert 1 <= int(r.headers["Retry-After"]) <= 3600
    # The limit is per address: the next window (or another IP) may register again.
    monkeypatch.setattr(clock, "now", lambda: time.time() + 3600)
    register(client, email="user9@example.org")
