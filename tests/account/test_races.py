"""What happens when account actions race each other (found in review; each once let a session,
a key, a link or a file outlive what should have ended it)."""
from __future__ import annotations

import jwt
import pytest

from chalicelib.account import erase, export, links
from chalicelib.auth import table, tokens, users
from chalicelib.errors import Unauthorized
from tests.account.conftest import everything, finished_job
from tests.apiclient import PASSWORD, assert_error, bearer, login, post, send, signed_in

pytest_plugins = ["tests.apifixtures"]

NEW = "a quiet river under stone"


def _meanwhile(monkeypatch, action):
    """Run `action` once, between the deletion's password check and its write."""
    check, pending = users.check_password, [action]

    def checked(*args, **kwargs):
        check(*args, **kwargs)
        if pending:
            pending.pop()()

    monkeypatch.setattr(users, "check_password", checked)


def test_a_sign_in_during_the_deletion_does_not_outlive_it(client, queue, monkeypatch):
    user, headers = signed_in(client)
    late = {}
    _meanwhile(monkeypatch, lambda: late.update(token=login(client)))
    assert send(client, "DELETE", "/me", {"password": PASSWORD}, headers).status_code == 204
    assert_error(client.http.get("/jobs", headers=bearer(late["token"])), 401)
    queue.run()
    assert user["id"] not in everything()


def test_an_api_key_made_during_the_deletion_does_not_outlive_it(client, queue, monkeypatch):
    _, headers = signed_in(client)
    late = {}
    _meanwhile(monkeypatch, lambda: late.update(key=post(client, "/api-keys", {}, headers=headers).json_body["key"]))
    assert send(client, "DELETE", "/me", {"password": PASSWORD}, headers).status_code == 204
    assert_error(client.http.get("/jobs", headers={"X-Api-Key": late["key"]}), 401)


def test_two_deletions_at_once_one_wins_the_other_is_told(client, queue, monkeypatch):
    user, headers = signed_in(client)
    second = bearer(login(client))
    answers = []
    _meanwhile(monkeypatch, lambda: answers.append(send(client, "DELETE", "/me", {"password": PASSWORD},
                                                         second).status_code))
    assert_error(send(client, "DELETE", "/me", {"password": PASSWORD}, headers), 401)
    assert answers == [204] and users.get(user["id"]) is None


def test_a_sign_in_checked_against_the_old_password_makes_no_session(client):
    user, headers = signed_in(client)
    old_hash = users.get(user["id"])["password_hash"]
    post(client, "/auth/password", {"current_password": PASSWORD, "new_password": NEW,
                                    "new_password_confirmation": NEW}, headers=headers)
    with pytest.raises(Unauthorized):
        tokens.issue(user["id"], old_hash)


def test_tokens_from_before_sessions_were_listed_are_refused(client):
    _, headers = signed_in(client)
    token = headers["Authorization"].split()[1]
    claims = jwt.decode(token, options={"verify_signature": False})
    del claims["ver"]
    old = jwt.encode(claims, tokens.secret(), algorithm=tokens.ALGORITHM)
    assert_error(client.http.get("/me", headers=bearer(old)), 401)


def test_only_the_newest_link_can_be_spent_and_a_password_change_voids_it(client, queue, mailbox):
    user, headers = signed_in(client)
    queue.run()
    post(client, "/auth/verify-email", {"token": mailbox.link("ann@example.org", "verify")})
    stale = users.get(user["id"])
    first = links.issue("reset", stale, 600)
    assert links.issue("reset", stale, 600) is None  # issued from the same read: refused, not orphaned
    body = {"token": first, "new_password": NEW, "new_password_confirmation": NEW}
    post(client, "/auth/password", {"current_password": PASSWORD, "new_password": NEW + "s",
                                    "new_password_confirmation": NEW + "s"}, headers=headers)
    assert assert_error(post(client, "/auth/password-reset/confirm", body), 400)["field"] == "token"


def test_a_reset_revokes_the_api_keys(client, queue, mailbox):
    _, headers = signed_in(client)
    queue.run()
    post(client, "/auth/verify-email", {"token": mailbox.link("ann@example.org", "verify")})
    key = {"X-Api-Key": post(client, "/api-keys", {}, headers=headers).json_body["key"]}
    post(client, "/auth/password-reset", {"email": "ann@example.org"})
    queue.run()
    body = {"token": mailbox.link("ann@example.org", "reset"), "new_password": NEW, "new_password_confirmation": NEW}
    assert post(client, "/auth/password-reset/confirm", body).status_code == 204
    assert_error(client.http.get("/jobs", headers=key), 401)


def test_logout_after_the_deletion_recreates_nothing(client, queue):
    user, headers = signed_in(client)
    claims = jwt.decode(headers["Authorization"].split()[1], options={"verify_signature": False})
    send(client, "DELETE", "/me", {"password": PASSWORD}, bearer(login(client)))
    tokens.revoke(user["id"], claims["jti"], claims["exp"])
    tokens.prune({"pk": f"USER#{user['id']}", "sessions": {f"1:{claims['jti']}"}})
    assert table.get(f"USER#{user['id']}", consistent=True) is None


def test_an_export_finished_after_the_deletion_leaves_no_zip(client, queue, stub_kind, monkeypatch):
    user, headers = signed_in(client)
    finished_job(client, headers, "HELLO")
    queue.queued()
    post(client, "/me/export", headers=headers)
    stored = export.objects.store_file

    def store_then_delete(*args, **kwargs):
        stored(*args, **kwargs)
        erase.delete_account(user["id"], PASSWORD)  # the account goes while the zip uploads

    monkeypatch.setattr(export.objects, "store_file", store_then_delete)
    queue.run()
    assert user["id"] not in everything().replace(f"DELETED#{user['id']}", "")
