"""Changing the password, and resetting it through a mailed link (CONTRACTS section 12)."""
from __future__ import annotations

import pytest

from chalicelib import clock
from tests.apiclient import PASSWORD, assert_error, bearer, login, post, register, signed_in

pytest_plugins = ["tests.apifixtures"]

NEW = "a quiet river under stone"


def verified(client, queue, mailbox, email="ann@example.org"):
    register(client, email=email)
    queue.run()
    assert post(client, "/auth/verify-email", {"token": mailbox.link(email, "verify")}).status_code == 204


def change(client, headers, current=PASSWORD, new=NEW, confirmation=None):
    return post(client, "/auth/password", {"current_password": current, "new_password": new,
                                           "new_password_confirmation": new if confirmation is None else confirmation},
                headers=headers)


def test_change_password_ends_the_other_sessions_keeps_this_one_and_the_api_keys(client):
    _, here = signed_in(client)
    there = bearer(login(client))
    key = post(client, "/api-keys", {"name": "script"}, headers=here).json_body["key"]
    assert change(client, here).status_code == 204
    assert client.http.get("/me", headers=here).status_code == 200
    assert_error(client.http.get("/me", headers=there), 401)
    assert client.http.get("/me", headers={"X-Api-Key": key}).status_code == 200
    assert_error(post(client, "/auth/login", {"email": "ann@example.org", "password": PASSWORD}), 401)
    assert login(client, password=NEW)


@pytest.mark.parametrize("body, field", [
    ({"current": "not my password"}, "current_password"),
    ({"new": "short"}, "new_password"),
    ({"new": "password123"}, "new_password"),  # common
    ({"new": "ann@example.org is me"}, "new_password"),  # holds the email
    ({"confirmation": "a quiet river under stones"}, "new_password_confirmation"),
])
def test_change_password_refusals_name_their_field(client, body, field):
    _, headers = signed_in(client)
    answer = assert_error(change(client, headers, **body), 400)
    assert answer["field"] == field
    assert login(client)  # unchanged


def test_an_api_key_cannot_change_the_password_or_end_sessions(client):
    _, headers = signed_in(client)
    key = {"X-Api-Key": post(client, "/api-keys", {}, headers=headers).json_body["key"]}
    assert_error(change(client, key), 403)
    assert_error(post(client, "/auth/logout-everywhere", headers=key), 403)
    assert_error(client.http.delete("/me", headers={**key, "Content-Type": "application/json"},
                                    body=b'{"password": "x"}'), 403)


def test_wrong_current_passwords_count_like_failed_logins(client):
    _, headers = signed_in(client)
    for _ in range(5):
        assert_error(change(client, headers, current="wrong guess here"), 400)
    assert_error(change(client, headers, current="wrong guess here"), 429)


def test_reset_answer_is_the_same_bytes_for_a_known_and_an_unknown_address(client, queue, mailbox):
    verified(client, queue, mailbox)
    known = post(client, "/auth/password-reset", {"email": "ann@example.org"})
    unknown = post(client, "/auth/password-reset", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 202
    assert known.body == unknown.body
    assert queue.run() == ["reset-mail", "reset-mail"]  # the lookup happens here, not in the request
    assert len(mailbox.to("ann@example.org")) == 2 and not mailbox.to("nobody@example.org")  # verify + reset


def test_reset_through_the_mailed_link(client, queue, mailbox):
    verified(client, queue, mailbox)
    sessions = [bearer(login(client)) for _ in range(2)]
    post(client, "/auth/password-reset", {"email": "ANN@example.org "})
    queue.run()
    token = mailbox.link("ann@example.org", "reset")
    [mail] = [m for m in mailbox.to("ann@example.org") if "reset" in m.body]
    assert "30 minutes" in mail.body
    body = {"token": token, "new_password": NEW, "new_password_confirmation": NEW}
    assert post(client, "/auth/password-reset/confirm", body).status_code == 204
    for headers in sessions:
        assert_error(client.http.get("/me", headers=headers), 401)
    assert login(client, password=NEW)
    assert_error(post(client, "/auth/login", {"email": "ann@example.org", "password": PASSWORD}), 401)
    again = assert_error(post(client, "/auth/password-reset/confirm", body), 400)
    assert again["field"] == "token" and "already used" in again["message"]


def test_a_weak_new_password_leaves_the_link_usable(client, queue, mailbox):
    verified(client, queue, mailbox)
    post(client, "/auth/password-reset", {"email": "ann@example.org"})
    queue.run()
    token = mailbox.link("ann@example.org", "reset")
    weak = {"token": token, "new_password": "password1", "new_password_confirmation": "password1"}
    assert assert_error(post(client, "/auth/password-reset/confirm", weak), 400)["field"] == "new_password"
    mismatch = {"token": token, "new_password": NEW, "new_password_confirmation": NEW + "!"}
    assert assert_error(post(client, "/auth/password-reset/confirm", mismatch), 400)["field"] == \
        "new_password_confirmation"
    good = {"token": token, "new_password": NEW, "new_password_confirmation": NEW}
    assert post(client, "/auth/password-reset/confirm", good).status_code == 204


def test_an_expired_or_replaced_link_is_refused(client, queue, mailbox, monkeypatch):
    verified(client, queue, mailbox)
    post(client, "/auth/password-reset", {"email": "ann@example.org"})
    queue.run()
    first = mailbox.link("ann@example.org", "reset")
    post(client, "/auth/password-reset", {"email": "ann@example.org"})
    queue.run()
    second = mailbox.link("ann@example.org", "reset")
    assert first != second
    body = {"new_password": NEW, "new_password_confirmation": NEW}
    assert assert_error(post(client, "/auth/password-reset/confirm", {"token": first, **body}), 400)["field"] == "token"
    later = clock.now() + 31 * 60
    monkeypatch.setattr(clock, "now", lambda: later)
    assert assert_error(post(client, "/auth/password-reset/confirm", {"token": second, **body}), 400)["field"] == "token"


@pytest.mark.parametrize("token", ["", "x" * 43, "../../etc", "a" * 500])
def test_a_made_up_token_is_a_400(client, token):
    body = {"token": token, "new_password": NEW, "new_password_confirmation": NEW}
    assert assert_error(post(client, "/auth/password-reset/confirm", body), 400)["field"] == "token"


def test_an_unverified_address_gets_no_reset_link(client, queue, mailbox):
    register(client)
    queue.run()  # the verification mail
    assert post(client, "/auth/password-reset", {"email": "ann@example.org"}).status_code == 202
    assert queue.run() == ["reset-mail"]
    assert not [m for m in mailbox.to("ann@example.org") if "/#/reset/" in m.body]  # (a confirmation link instead: test_reset_unverified)


def test_reset_requests_are_throttled_per_address_and_refuse_what_is_no_address(client, queue):
    for _ in range(3):
        assert post(client, "/auth/password-reset", {"email": "ann@example.org"}).status_code == 202
    assert_error(post(client, "/auth/password-reset", {"email": "ann@example.org"}), 429)
    assert post(client, "/auth/password-reset", {"email": "bob@example.org"}).status_code == 202
    assert assert_error(post(client, "/auth/password-reset", {"email": "not an address"}), 400)["field"] == "email"
    assert_error(post(client, "/auth/password-reset", {}), 400)


def test_reset_requests_are_throttled_per_client_address(client, queue, monkeypatch):
    monkeypatch.setenv("PAGEVOICE_MAIL_LIMIT_PER_IP", "2")
    for n in range(2):
        assert post(client, "/auth/password-reset", {"email": f"reader{n}@example.org"}).status_code == 202
    answer = assert_error(post(client, "/auth/password-reset", {"email": "reader9@example.org"}), 429)
    assert "network" in answer["message"]
