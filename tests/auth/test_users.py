"""Registration, login, no account enumeration, throttling."""
from __future__ import annotations

import time

import pytest
from argon2 import PasswordHasher, extract_parameters

from chalicelib import aws, clock
from chalicelib.auth import users
from chalicelib.settings import Auth
from tests.apiclient import PASSWORD, assert_error, bearer, login, post, register

pytest_plugins = ["tests.apifixtures"]


def registration(**changes):
    body = {"name": "Ann", "email": "ann@example.org", "password": PASSWORD, "password_confirmation": PASSWORD}
    return {k: v for k, v in {**body, **changes}.items() if v is not ...}


def test_register_then_login(client):
    r = post(client, "/auth/register", registration(email="  Ann@Example.ORG ", name="  Ann Lee "))
    assert r.status_code == 201
    user = r.json_body["user"]
    assert set(user) == {"id", "name", "email", "email_verified", "created_at", "retention_days", "voices",
                         "feed_url"}  # no hash; feed_url null: a feed is off until turned on
    assert user["email_verified"] is False and user["retention_days"] is None
    assert user["email"] == "ann@example.org" and user["name"] == "Ann Lee"
    # Email is case-insensitive at login too.
    r = post(client, "/auth/login", {"email": "ANN@example.org", "password": PASSWORD})
    assert r.status_code == 200
    assert r.json_body["user"] == user and r.json_body["token"] and r.json_body["expires_at"].endswith("Z")
    me = client.http.get("/me", headers=bearer(r.json_body["token"])).json_body
    assert set(me.pop("usage")) == {"storage_bytes", "storage_quota_bytes", "pages_30_days", "pages_quota"}
    assert me == user


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


def test_unknown_email_and_wrong_password_take_the_same_work(client, monkeypatch):
    """Similar time, whatever the machine's load: each answer spends one argon2 verify, at the
    same cost (memory, passes, lanes), which is what the time of a login is (with the
    production cost, argon2 dominates it)."""
    monkeypatch.delenv("PAGEVOICE_ARGON2_MEMORY_KIB")
    monkeypatch.delenv("PAGEVOICE_ARGON2_TIME_COST")
    monkeypatch.setenv("PAGEVOICE_LOGIN_MAX_FAILURES", "1000")
    register(client)
    verified: list[str] = []
    real = PasswordHasher.verify
    monkeypatch.setattr(PasswordHasher, "verify", lambda self, h, p: verified.append(h) or real(self, h, p))

    def work(email) -> list:
        del verified[:]
        r = post(client, "/auth/login", {"email": email, "password": "not the password"})
        assert r.status_code == 401
        return [extract_parameters(h) for h in verified]

    wrong, unknown = work("ann@example.org"), work("nobody@example.org")
    assert len(wrong) == len(unknown) == 1 and wrong == unknown, (wrong, unknown)
    assert wrong[0].memory_cost == Auth().argon2_memory_kib  # the production cost, not a test's


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


# --- One account per address, whatever its Unicode form (issue item 6) ---

def full_width(text):
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@pytest.mark.parametrize("look_alike", [
    full_width("ann@example.org"),  # every character full-width
    "ａnn@example.org", "ANN@ｅｘａｍｐｌｅ.org",  # some of them
    "ann@example.org\u3000",  # an ideographic space after it is trimmed like any other
])
def test_look_alike_of_a_taken_email_is_the_same_account(client, look_alike):
    register(client)
    body = assert_error(post(client, "/auth/register", registration(email=look_alike, name="Other")), 409,
                        "already exists")
    assert body["field"] == "email"
    assert sum(i["pk"].startswith("USER#") for i in aws.auth_table().scan()["Items"]) == 1
    # And it signs in to the one account.
    r = post(client, "/auth/login", {"email": look_alike, "password": PASSWORD})
    assert r.status_code == 200 and r.json_body["user"]["email"] == "ann@example.org"


def test_email_is_stored_in_its_normal_form(client):
    user = register(client, email=full_width("Bob@Example.org"), name="Bob")
    assert user["email"] == "bob@example.org"
    assert aws.auth_table().get_item(Key={"pk": "EMAIL#bob@example.org"}).get("Item")
    login(client, email="bob@example.org")


@pytest.mark.parametrize("hidden", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u202e",
                                    "\u034f", "\u3164", "\ufe0f", "\x07", "\x1b", "\U000e0041"])
def test_invisible_characters_in_an_email_are_refused(client, hidden):
    for email in (f"ann{hidden}@example.org", f"{hidden}ann@example.org", f"ann@example.org{hidden}"):
        body = assert_error(post(client, "/auth/register", registration(email=email)), 400,
                            "invisible or control character")
        assert body["field"] == "email" and f"U+{ord(hidden):04X}" in body["message"]
    assert not [i for i in aws.auth_table().scan()["Items"] if i["pk"].startswith("USER#")]
    # A clean copy of the address still registers; the hidden one does not reach it at login.
    register(client)
    body = assert_error(post(client, "/auth/login", {"email": f"ann{hidden}@example.org", "password": PASSWORD}),
                        400, "invisible or control character")
    assert body["field"] == "email"


@pytest.mark.parametrize("space,reason", [("\u00a0", "unusual space (U+00A0 NO-BREAK SPACE)"),
                                          ("\u2003", "unusual space (U+2003 EM SPACE)"),
                                          ("\u3000", "unusual space (U+3000 IDEOGRAPHIC SPACE)"),
                                          (" ", "valid email")])
def test_spaces_inside_an_email_are_refused(client, space, reason):
    body = assert_error(post(client, "/auth/register", registration(email=f"ann{space}lee@example.org")), 400,
                        reason)
    assert body["field"] == "email"


def test_normal_form_keeps_ascii_addresses_and_is_stable():
    from chalicelib.auth import emails

    for email in ("ann@example.org", "first.last+tag@sub.example.co.uk", "a_b-c@x.io", "o'brien@example.ie"):
        assert emails.normalize(email) == email  # existing accounts keep their keys
        assert emails.normalize(email.upper()) == email
    for email in (full_width("Ann@Example.org"), "Ǆ@example.org", "ﬁle@example.org", "Ⅻ@example.org",
                  "İstanbul@example.org", "straße@example.de"):
        once = emails.normalize(email)
        assert emails.normalize(once) == once
    assert emails.normalize(full_width("Ann@Example.org")) == "ann@example.org"


def test_look_alikes_share_one_login_lockout(client, slow_lockouts):
    register(client)
    for email in ("ann@example.org", full_width("ann@example.org"), "ANN@example.org", "ａｎｎ@example.org",
                  full_width("ANN@EXAMPLE.ORG")):
        assert_error(fail_login(client, email), 401)
    assert_error(fail_login(client, "ann@example.org"), 429, "too many failed sign-in attempts")


def test_name_and_email_as_password_are_refused_at_registration(client):
    body = assert_error(post(client, "/auth/register", registration(
        name="Annabelle Lee", password="Annabelle Lee", password_confirmation="Annabelle Lee")), 400, "your name")
    assert body["field"] == "password"
    body = assert_error(post(client, "/auth/register", registration(
        password="ann@example.org", password_confirmation="ann@example.org")), 400, "your email")
    assert body["field"] == "password"
    body = assert_error(post(client, "/auth/register", registration(
        password=" " * 12, password_confirmation=" " * 12)), 400, "only spaces")
    assert body["field"] == "password"


# --- Sign-up limit: only accounts created count; the wait said once (issue item 7) ---

def test_failed_sign_ups_do_not_use_the_network_limit(client, monkeypatch):
    monkeypatch.setenv("PAGEVOICE_REGISTER_LIMIT_PER_IP", "3")
    register(client, email="taken@example.org")
    typos = [registration(email="ann@example"), registration(password="short", password_confirmation="short"),
             registration(password_confirmation=PASSWORD + "!"), registration(email="taken@example.org")]
    for _ in range(3):  # twelve mistakes, more than the limit
        for body in typos:
            assert post(client, "/auth/register", body).status_code in (400, 409)
    register(client, email="user1@example.org")
    register(client, email="user2@example.org")  # three accounts made: the limit
    r = post(client, "/auth/register", registration(email="user3@example.org"))
    assert_error(r, 429, "too many sign-ups from this network")


def test_sign_up_limit_says_the_wait_once_in_words(client, monkeypatch):
    monkeypatch.setenv("PAGEVOICE_REGISTER_LIMIT_PER_IP", "1")
    start = 3600 * 500_000 + 100.5  # 100.5 s into an hour-long window
    now = [start]
    monkeypatch.setattr(clock, "now", lambda: now[0])
    register(client)
    now[0] = start + 2394  # 1105.5 s before the window ends
    r = post(client, "/auth/register", registration(email="bob@example.org"))
    body = assert_error(r, 429)
    assert body["message"] == "Too many sign-ups from this network. Try again in 19 minutes."
    assert r.headers["Retry-After"] == "1106" and body["retry_after"] == 1106
    # The site appends "Try again in N seconds." only to a message without a number.
    assert any(c.isdigit() for c in body["message"])


def test_login_lockout_says_the_wait_once_in_words(client, slow_lockouts):
    register(client)
    for _ in range(5):
        fail_login(client)
    message = assert_error(fail_login(client), 429)["message"]
    assert message.count("Try again") == 1 and message.startswith("Too many failed sign-in attempts. Try again in ")
    assert message.endswith((" seconds.", " second."))


def test_all_sign_up_attempts_have_a_much_higher_cap(client, monkeypatch):
    """Attempts are not free: a valid form costs an argon2 hash, and a 409 tells whether an
    address has an account. So every attempt counts against a separate, higher cap."""
    monkeypatch.setenv("PAGEVOICE_REGISTER_LIMIT_PER_IP", "2")
    monkeypatch.setattr(users, "REGISTER_ATTEMPTS_MIN", 5)
    monkeypatch.setattr(users, "REGISTER_ATTEMPTS_PER_SIGNUP", 3)  # cap: max(5, 3 * 2) = 6
    register(client)
    for i in range(5):
        assert_error(post(client, "/auth/register", registration(email=f"typo{i}@example")), 400)
    r = post(client, "/auth/register", registration(email="bob@example.org"))
    body = assert_error(r, 429, "too many sign-up attempts from this network. try again in ")
    assert body["message"].count("Try again") == 1 and 1 <= body["retry_after"] <= 3600


def test_attempt_cap_is_much_higher_than_the_sign_up_limit():
    assert users.REGISTER_ATTEMPTS_PER_SIGNUP >= 10 and users.REGISTER_ATTEMPTS_MIN >= 100


def test_network_sign_in_limit_says_the_wait_once(client, monkeypatch):
    from chalicelib.auth import throttle

    monkeypatch.setenv("PAGEVOICE_LOGIN_IP_MAX_FAILURES", "2")
    start = 900 * 2_000_000 + 0.5
    monkeypatch.setattr(clock, "now", lambda: start)
    throttle.ip_login_failed("192.0.2.1")
    throttle.ip_login_failed("192.0.2.1")
    with pytest.raises(throttle.TooManyRequests) as info:
        throttle.check_ip_login("192.0.2.1")
    assert info.value.message == "Too many failed sign-in attempts from your network. Try again in 15 minutes."


@pytest.mark.parametrize("seconds,words", [
    (0.2, "1 second"), (1, "1 second"), (45, "45 seconds"), (59.5, "1 minute"), (60, "1 minute"),
    (61, "2 minutes"), (1105, "19 minutes"), (3540, "59 minutes"), (3541, "1 hour"), (3600, "1 hour"),
    (3601, "1 hour 1 minute"), (5400, "1 hour 30 minutes"), (7200, "2 hours"),
])
def test_waits_in_words_round_up(seconds, words):
    from chalicelib.auth import throttle

    assert throttle.human_wait(seconds) == words
