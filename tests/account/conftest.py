"""What the account tests share: the tasks queue drained through the tasks handler (the worker
side, as deployed and as infra/local/tasks.py runs it) and the mail moto's SES accepted."""
from __future__ import annotations

import json
import re

import pytest

from chalicelib import aws, settings
from tests.tasksqueue import Tasks

LINK = re.compile(r"https?://\S+/#/(reset|verify)/([A-Za-z0-9_-]+)")


@pytest.fixture
def queue(api_env):
    return Tasks()


class Mailbox:
    """The messages moto's SES accepted since the test began."""

    def __init__(self):
        self.start = len(self._all())

    @staticmethod
    def _all():
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.ses.models import ses_backends

        return ses_backends[DEFAULT_ACCOUNT_ID][settings.get().aws.region].sent_messages

    def messages(self) -> list:
        return self._all()[self.start:]

    def to(self, address: str) -> list:
        return [m for m in self.messages() if address in m.destinations["ToAddresses"]]

    def link(self, address: str, purpose: str) -> str:
        """The token of the newest link of `purpose` mailed to `address`."""
        found = [t for m in self.to(address) for p, t in LINK.findall(m.body) if p == purpose]
        assert found, f"no {purpose} link mailed to {address}"
        return found[-1]


@pytest.fixture
def mailbox(api_env):
    return Mailbox()


@pytest.fixture
def stub_kind(monkeypatch):
    monkeypatch.setenv("PAGEVOICE_KIND_PLUGINS", "tests.stubkind:KIND")


def finished_job(client, headers, text: str, filename: str = "note.txt") -> str:
    """A job of the tests' stub kind run by the worker to its end (result, echo.txt, source)."""
    from chalicelib.jobs import worker
    from tests.apiclient import post

    body = {"filename": filename, "content_type": "text/plain", "size": 64, "kind": "stub"}
    made = post(client, "/uploads", body, headers=headers).json_body
    key = made["upload"]["fields"]["key"]
    aws.s3().put_object(Bucket=settings.get().aws.bucket, Key=key, Body=f"echo:{text}".encode())
    assert worker.handle_upload(settings.get().aws.bucket, key) == "done"
    return made["job_id"]


def everything() -> str:
    """Every item of every table and every key of the bucket, as one text to search."""
    from chalicelib import resources

    s = settings.get().aws
    parts = []
    for spec in resources.TABLES.values():
        parts += [json.dumps(i, default=str) for i in aws.dynamodb().Table(getattr(s, spec["setting"])).scan()["Items"]]
    parts += [o["Key"] for o in aws.s3().list_objects_v2(Bucket=s.bucket).get("Contents", [])]
    return "\n".join(parts)
