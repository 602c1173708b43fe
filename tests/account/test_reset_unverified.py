"""A password reset asked for an address never confirmed (issue 44): the address gets its
confirmation link, with a note to ask again, instead of nothing; the HTTP answer stays the same
bytes whatever the address, and once confirmed the same page mails a reset link."""
from __future__ import annotations

from chalicelib.account import password
from tests.apiclient import post, register

pytest_plugins = ["tests.apifixtures"]

NOTE_SUBJECT = "Confirm your email address to reset your PageVoice password"


def test_an_unverified_address_gets_its_confirmation_link_with_a_note(client, queue, mailbox):
    register(client)
    queue.run()  # the sign-up mail
    signup_link = mailbox.link("ann@example.org", "verify")

    answers = {post(client, "/auth/password-reset", {"email": address}).body
               for address in ("ann@example.org", "nobody@example.org")}
    assert len(answers) == 1  # an unverified account, and no account: the same bytes
    assert queue.run() == ["reset-mail", "reset-mail"]

    mails = mailbox.to("ann@example.org")
    assert [m.subject for m in mails][-1] == NOTE_SUBJECT
    assert "never confirmed" in mails[-1].body and "Forgot your password?" in mails[-1].body
    assert not [m for m in mails if "/#/reset/" in m.body]
    assert not mailbox.to("nobody@example.org")

    # The new link replaced the sign-up one; it confirms the address, and the next ask gets a reset link.
    assert post(client, "/auth/verify-email", {"token": signup_link}).status_code == 400
    assert post(client, "/auth/verify-email", {"token": mailbox.link("ann@example.org", "verify")}).status_code == 204
    post(client, "/auth/password-reset", {"email": "ann@example.org"})
    assert queue.run() == ["reset-mail"]
    assert mailbox.link("ann@example.org", "reset")


def test_the_answer_is_the_same_for_verified_unverified_and_unknown_addresses(client, queue, mailbox):
    register(client, email="ann@example.org")
    register(client, email="bob@example.org")
    queue.run()
    assert post(client, "/auth/verify-email", {"token": mailbox.link("bob@example.org", "verify")}).status_code == 204
    answers = [post(client, "/auth/password-reset", {"email": address})
               for address in ("ann@example.org", "bob@example.org", "carol@example.org")]
    assert {(a.status_code, a.body, a.headers.get("Content-Type")) for a in answers} == \
        {(202, answers[0].body, "application/json")}
    assert answers[0].json_body == password.RESET_ANSWER
