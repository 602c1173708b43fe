"""The account journeys through the real local stack (`make run`'s): mail written as files by
local AWS, the tasks queue run by its own process, the worker by the bridge."""
from __future__ import annotations

import json
import time

import requests

from tests.stackclient import PASSWORD, login, mail_link, upload, verified, wait_job

NEW = "a quiet river under stone"


def test_reset_by_the_mailed_link(stack):
    email = verified(stack)
    old = login(stack, email)
    r = requests.post(f"{stack.api_url}/auth/password-reset", json={"email": email}, timeout=30)
    assert r.status_code == 202
    token = mail_link(stack, email, "reset")
    body = {"token": token, "new_password": NEW, "new_password_confirmation": NEW}
    assert requests.post(f"{stack.api_url}/auth/password-reset/confirm", json=body, timeout=30).status_code == 204
    r = requests.post(f"{stack.api_url}/auth/login", json={"email": email, "password": NEW}, timeout=30)
    assert r.status_code == 200
    assert requests.get(f"{stack.api_url}/me", headers=old, timeout=30).status_code == 401
    again = requests.post(f"{stack.api_url}/auth/password-reset/confirm", json=body, timeout=30)
    assert again.status_code == 400 and again.json()["field"] == "token"
    r = requests.post(f"{stack.api_url}/auth/login", json={"email": email, "password": PASSWORD}, timeout=30)
    assert r.status_code == 401


def _everything(stack) -> str:
    """Every item of every table and every key of the bucket of local AWS, as one text."""
    from chalicelib import resources, settings

    dynamodb, s3 = stack.aws_client("dynamodb"), stack.aws_client("s3")
    parts = []
    for spec in resources.TABLES.values():
        table = getattr(settings.Aws(), spec["setting"])
        for page in dynamodb.get_paginator("scan").paginate(TableName=table):
            parts += [json.dumps(item) for item in page["Items"]]
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=settings.Aws().bucket):
        parts += [o["Key"] for o in page.get("Contents", [])]
    return "\n".join(parts)


def _last_sweep_pass(stack, monkeypatch) -> None:
    """The sweep's pass over deleted jobs' tombstones, as it runs once they are an hour old."""
    from chalicelib import aws
    from chalicelib.jobs import sweep

    creds = stack.credentials("sweep")
    for name, value in {"AWS_ENDPOINT_URL": stack.s3_url, "AWS_ACCESS_KEY_ID": creds["key"],
                        "AWS_SECRET_ACCESS_KEY": creds["secret"], "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    aws.reset()
    try:
        sweep.remove_orphans(keep_seconds=0)
    finally:
        aws.reset()


def test_deleting_the_account_leaves_nothing_of_it(stack, monkeypatch):
    email = verified(stack)
    headers = login(stack, email)
    user_id = requests.get(f"{stack.api_url}/me", headers=headers, timeout=30).json()["id"]
    done = upload(stack, headers, "note.txt", b"echo:HELLO", "text/plain", kind="stub", patience=60)
    assert wait_job(stack, headers, done)["status"] == "done"
    requests.post(f"{stack.api_url}/api-keys", json={"name": "script"}, headers=headers, timeout=30)
    requests.post(f"{stack.api_url}/me/export", headers=headers, timeout=30)
    running = upload(stack, headers, "slow.txt", b"slow:4", "text/plain", kind="stub", patience=60)
    deadline = time.monotonic() + 60
    while requests.get(f"{stack.api_url}/jobs/{running}", headers=headers, timeout=30).json()["status"] != "processing":
        assert time.monotonic() < deadline, "the slow job never started"
        time.sleep(0.2)
    assert user_id in _everything(stack) and email in _everything(stack)

    r = requests.delete(f"{stack.api_url}/me", json={"password": PASSWORD}, headers=headers, timeout=30)
    assert r.status_code == 204
    r = requests.post(f"{stack.api_url}/auth/login", json={"email": email, "password": PASSWORD}, timeout=30)
    assert r.status_code == 401
    # The erase task, and the worker of the job still running (it finds its job gone), finish.
    deadline = time.monotonic() + 60
    while [line for line in _everything(stack).splitlines() if user_id in line and "DELETED#" not in line]:
        assert time.monotonic() < deadline, "the account's files were not erased"
        time.sleep(0.5)
    time.sleep(5)  # the slow job's worker ends (4 s of work) and cleans up after itself
    _last_sweep_pass(stack, monkeypatch)
    left = _everything(stack)
    assert user_id not in left and email not in left
    again = requests.post(f"{stack.api_url}/auth/register", json={
        "name": "Ada", "email": email, "password": PASSWORD, "password_confirmation": PASSWORD}, timeout=30)
    assert again.status_code == 201
