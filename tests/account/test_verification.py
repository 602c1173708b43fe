"""Email verification: a link at sign-up, again on request; GET /me says the state."""
from __future__ import annotations

from tests.apiclient import PASSWORD, assert_error, bearer, login, post, register, signed_in

pytest_plugins = ["tests.apifixtures"]


def test_sign_up_mails_a_link_that_verifies_once(client, queue, mailbox):
    _, headers = signed_in(client)
    assert client.http.get("/me", headers=headers).json_body["email_verified"] is False
    assert queue.run() == ["verify-mail"]
    token = mailbox.link("ann@example.org", "verify")
    assert post(client, "/auth/verify-email", {"token": token}).status_code == 204
    me = client.http.get("/me", headers=headers).json_body
    assert me["email_verified"] is True and me["retention_days"] is None and me["created_at"]
    assert assert_error(post(client, "/auth/verify-email", {"token": token}), 400)["field"] == "token"
    assert post(client, "/auth/verify-email/resend", headers=headers).json_body["message"] == \
        "Your email address is already verified."
    assert queue.run() == []


def test_resend_mails_a_new_link_and_the_old_one_stops_working(client, queue, mailbox):
    _, headers = signed_in(client)
    queue.run()
    first = mailbox.link("ann@example.org", "verify")
    answer = post(client, "/auth/verify-email/resend", headers=headers)
    assert answer.status_code == 202 and "ann@example.org" in answer.json_body["message"]
    queue.run()
    second = mailbox.link("ann@example.org", "verify")
    assert_error(post(client, "/auth/verify-email", {"token": first}), 400)
    assert post(client, "/auth/verify-email", {"token": second}).status_code == 204


def test_resend_needs_a_session_and_is_throttled(client, queue):
    _, headers = signed_in(client)
    key = {"X-Api-Key": post(client, "/api-keys", {}, headers=headers).json_body["key"]}
    assert_error(post(client, "/auth/verify-email/resend", headers=key), 403)
    for _ in range(3):
        assert post(client, "/auth/verify-email/resend", headers=headers).status_code == 202
    assert_error(post(client, "/auth/verify-email/resend", headers=headers), 429)


def test_a_verification_link_of_a_deleted_account_does_nothing(client, queue, mailbox):
    register(client)
    queue.run()
    token = mailbox.link("ann@example.org", "verify")
    headers = {**bearer(login(client)), "Content-Type": "application/json"}
    assert client.http.delete("/me", headers=headers, body=f'{{"password": "{PASSWORD}"}}'.encode()).status_code == 204
    assert_error(post(client, "/auth/verify-email", {"token": token}), 400)
