"""Mail through the real local stack: local AWS writes each mail its SES accepted as a file
(infra/local/mailbox.py), only the tasks identity may send, and only as PageVoice's sender
(infra/local/iam.py), and the stack's replays write no mail again."""
from __future__ import annotations

import base64
import json
import uuid
from email import message_from_bytes, policy
from urllib.parse import urlsplit

import pytest
from botocore.exceptions import ClientError

from chalicelib import settings
from infra.local import journal, mailbox, state

pytestmark = pytest.mark.stack
SENDER = settings.Account().mail_from  # the stack's default sender, verified by its bootstrap


def _send(client, to: str, source: str = SENDER) -> str:
    return client.send_email(
        Source=source, Destination={"ToAddresses": [to]},
        Message={"Subject": {"Data": "Confirm your email"},
                 "Body": {"Text": {"Data": f"Open this link:\n\nhttp://x/#/verify/{to}\n"},
                          "Html": {"Data": "<p>Open this link</p>"}}})["MessageId"]


def _mail_to(stack, to: str) -> list:
    return [p for p in mailbox.messages(stack.mail_dir) if to in p.read_text(errors="replace")]


def test_a_mail_the_tasks_identity_sends_is_one_file_where_the_stack_says(stack):
    to = f"reader-{uuid.uuid4().hex[:8]}@example.com"
    message_id = _send(stack.aws_client("ses", "tasks"), to)
    [path] = _mail_to(stack, to)
    assert path.parent == stack.mail_dir and path.name.endswith(f"-{message_id}.eml")
    assert path.stat().st_mode & 0o777 == 0o600 and stack.mail_dir.stat().st_mode & 0o777 == 0o700
    msg = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert (msg["From"], msg["To"], msg["Subject"]) == (SENDER, to, "Confirm your email")
    assert msg.get_body(("plain",)).get_content() == f"Open this link:\n\nhttp://x/#/verify/{to}\n"
    assert f"  mail       {stack.mail_dir}  (the newest: make mail)" in stack.log_path.read_text()


def _refused(call) -> str:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]["Code"]


def test_only_the_tasks_identity_sends_and_only_as_pagevoices_sender(stack):
    to = f"reader-{uuid.uuid4().hex[:8]}@example.com"
    for identity in ("api", "worker", "sweep"):
        assert _refused(lambda i=identity: _send(stack.aws_client("ses", i), to)) == "AccessDenied", identity
    # Another address of the same domain is another identity: not the tasks role's to send as.
    stack.aws_client("ses").verify_email_identity(EmailAddress="billing@pagevoice.local")
    tasks = stack.aws_client("ses", "tasks")
    assert _refused(lambda: _send(tasks, to, source="billing@pagevoice.local")) == "AccessDenied"
    assert _mail_to(stack, to) == []


def test_a_replayed_send_writes_no_mail_again(stack, tmp_path):
    """What a restart after a crash does: the journal's requests go again, with the admin secret.
    Sends are not journaled; one replayed anyway (its exact signed bytes) writes nothing."""
    to = f"reader-{uuid.uuid4().hex[:8]}@example.com"
    client = stack.aws_client("ses", "tasks")
    sent = []
    client.meta.events.register("before-send.ses.SendEmail", lambda request, **_: sent.append(request))
    _send(client, to)
    assert len(_mail_to(stack, to)) == 1
    current = state.journal_dir(stack.state_dir) / journal.CURRENT
    assert b"SendEmail" not in (current.read_bytes() if current.exists() else b"")
    request = sent[0]

    def text(value) -> str:
        return value.decode() if isinstance(value, bytes) else value

    entry = {"method": request.method, "path": urlsplit(request.url).path or "/",
             "headers": {k: text(v) for k, v in request.headers.items()},
             "body": base64.b64encode(text(request.body).encode()).decode()}
    replayed = tmp_path / "journal-000000000001.jsonl"
    replayed.write_text(json.dumps(entry) + "\n")
    admin = stack.aws_client("ses")
    before = admin.get_send_quota()["SentLast24Hours"]
    assert journal.replay([replayed], stack.s3_url, stack.credentials("admin")["secret"]) == 1
    assert admin.get_send_quota()["SentLast24Hours"] == before + 1  # local AWS took the replayed send
    assert len(_mail_to(stack, to)) == 1  # and wrote no mail for it
