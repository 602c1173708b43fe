"""Local mail (infra/local/mailbox.py) without a stack: moto's own server app behind the Mailbox
layer on a free port, sent to by boto3 as chalicelib.account.mail sends."""
from __future__ import annotations

import stat
import threading
from email import message_from_bytes, policy

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

from infra.local import guard, journal, mailbox

SENDER = "PageVoice <no-reply@pagevoice.local>"
LINK = "http://127.0.0.1:8080/#/reset/" + "T0k3n_-" * 6


class AsAdmin:
    """Stands in for the guard: marks every request as the stack's own replay."""

    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        environ[guard.ADMIN_ENVIRON] = True
        return self.app(environ, start_response)


@pytest.fixture
def server(tmp_path):
    """([endpoint, endpoint whose requests are the stack's replays], mail dir): moto behind Mailbox."""
    from moto.ses.models import ses_backends

    ses_backends.reset()  # moto's backends live as long as this process: each test starts without identities
    directory = tmp_path / "state" / mailbox.MAIL_DIR
    box = mailbox.Mailbox(DomainDispatcherApplication(create_backend_app), directory)
    servers = [make_server("127.0.0.1", 0, app, threaded=True, request_handler=MotoRequestHandler)
               for app in (box, AsAdmin(box))]
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    yield [f"http://127.0.0.1:{s.server_port}" for s in servers], directory
    for s in servers:
        s.shutdown()


def ses(endpoint: str):
    return boto3.client("ses", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="AKIAMAILBOXTEST00000", aws_secret_access_key="x")


def send(client, to="Ada <ada@example.com>", subject="Choose a new password", html=True) -> str:
    body = {"Text": {"Data": f"Hello Ada,\n\n{LINK}\n\nThe link works once. Grüße", "Charset": "UTF-8"}}
    if html:
        body["Html"] = {"Data": f'<p>Hello Ada,</p><p><a href="{LINK}">{LINK}</a></p>', "Charset": "UTF-8"}
    return client.send_email(Source=SENDER, Destination={"ToAddresses": [to], "CcAddresses": ["c@example.com"]},
                             Message={"Subject": {"Data": subject, "Charset": "UTF-8"}, "Body": body})["MessageId"]


def test_each_accepted_mail_is_one_private_rfc822_file(server):
    (endpoint, _), directory = server
    client = ses(endpoint)
    client.verify_email_identity(EmailAddress="no-reply@pagevoice.local")
    message_id = send(client)
    [path] = mailbox.messages(directory)
    assert path.name.endswith(f"-{message_id}.eml") and path.name[:8].isdigit()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(directory.stat().st_mode) == 0o700
    msg = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert (msg["From"], msg["To"], msg["Cc"]) == (SENDER, "Ada <ada@example.com>", "c@example.com")
    assert msg["Subject"] == "Choose a new password" and msg["Date"].datetime.utcoffset().total_seconds() == 0
    assert msg.get_content_type() == "multipart/alternative"
    assert msg.get_body(("plain",)).get_content() == f"Hello Ada,\n\n{LINK}\n\nThe link works once. Grüße\n"
    assert f'href="{LINK}"' in msg.get_body(("html",)).get_content()
    assert LINK.encode() in path.read_bytes()  # whole in the file too (8bit, no line folding)
    # A second mail is a second file, sorting after the first; a text-only mail has no HTML part.
    second = send(client, subject="Confirm your email", html=False)
    older, newer = mailbox.messages(directory)
    assert older == path and newer.name.endswith(f"-{second}.eml")
    assert message_from_bytes(newer.read_bytes(), policy=policy.default).get_content_type() == "text/plain"


def test_nothing_is_written_for_refused_mail_other_calls_or_the_stacks_replays(server):
    (endpoint, admin_endpoint), directory = server
    client = ses(endpoint)
    with pytest.raises(ClientError) as caught:  # moto refuses an unverified sender, as SES does
        send(client)
    assert caught.value.response["Error"]["Code"] == "MessageRejected"
    client.verify_email_identity(EmailAddress="no-reply@pagevoice.local")
    assert client.list_identities()["Identities"] == ["no-reply@pagevoice.local"]
    assert mailbox.messages(directory) == []
    assert send(ses(admin_endpoint))  # a replay after a crash: moto answers, nothing is written again
    assert mailbox.messages(directory) == []


def test_sends_are_not_journaled():
    form = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    assert not journal.is_mutation("POST", form, b"Action=SendEmail&Version=2010-12-01&Source=a%40b.c")
    assert not journal.is_mutation("POST", form, b"Action=SendRawEmail&Version=2010-12-01")
    assert journal.is_mutation("POST", form, b"Action=VerifyEmailIdentity&EmailAddress=a%40b.c")


def test_the_cli_prints_the_newest_mail_with_its_link(server, capsys):
    (endpoint, _), directory = server
    state_dir = directory.parent
    assert mailbox.main(["--latest", "--state-dir", str(state_dir)]) == 1
    assert f"No mail yet in {directory}" in capsys.readouterr().err
    client = ses(endpoint)
    client.verify_email_identity(EmailAddress="no-reply@pagevoice.local")
    send(client, subject="First")
    send(client, subject="Second")
    assert mailbox.main(["--latest", "--state-dir", str(state_dir)]) == 0
    out = capsys.readouterr().out
    assert "Subject: Second" in out and "To: Ada <ada@example.com>" in out and LINK in out
    assert "First" not in out and "<p>" not in out
    assert mailbox.main(["--state-dir", str(state_dir)]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert len(listing) == 2 and "Second" in listing[0] and "First" in listing[1]
