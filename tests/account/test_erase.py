"""Deleting the account: everything of it goes (tables and bucket), a job still processing too,
and the email can register again."""
from __future__ import annotations

import threading
import time

from chalicelib import aws, settings
from chalicelib.jobs import sweep, worker
from chalicelib.jobs import table as jobs
from tests import stubkind
from tests.account.conftest import everything, finished_job
from tests.apiclient import PASSWORD, assert_error, bearer, login, post, register, send, signed_in

pytest_plugins = ["tests.apifixtures"]


def delete_me(client, headers, body):
    return send(client, "DELETE", "/me", body, headers)


def test_delete_refusals(client):
    _, headers = signed_in(client)
    assert assert_error(delete_me(client, headers, {"password": "not the password"}), 400)["field"] == "password"
    assert_error(delete_me(client, headers, {}), 400)
    key = {"X-Api-Key": post(client, "/api-keys", {}, headers=headers).json_body["key"]}
    assert_error(delete_me(client, key, {"password": PASSWORD}), 403)
    assert client.http.get("/me", headers=headers).status_code == 200


def _processing_job(client, headers) -> tuple[threading.Thread, str]:
    """A job the worker is running (the stub kind's hold: until the test releases it) while the test goes on."""
    body = {"filename": "slow.txt", "content_type": "text/plain", "size": 16, "kind": "stub"}
    made = post(client, "/uploads", body, headers=headers).json_body
    bucket, key = settings.get().aws.bucket, made["upload"]["fields"]["key"]
    stubkind.RELEASE.clear()
    aws.s3().put_object(Bucket=bucket, Key=key, Body=b"hold:60")
    outcome = []
    thread = threading.Thread(target=lambda: outcome.append(worker.handle_upload(bucket, key)))
    thread.start()
    while (jobs.get(*key.split("/")[1:3]) or {}).get("status") != jobs.PROCESSING:
        time.sleep(0.05)
    thread.outcome = outcome
    return thread, made["job_id"]


def test_delete_leaves_nothing_of_the_account_even_a_job_processing_then(client, queue, mailbox, stub_kind):
    user, headers = signed_in(client, email="erin@example.org", name="Erin")
    other, _ = signed_in(client, email="otto@example.org", name="Otto")
    finished_job(client, headers, "HELLO")
    post(client, "/api-keys", {"name": "script"}, headers=headers)
    post(client, "/me/export", headers=headers)
    queue.run()  # verification mails and the export
    post(client, "/auth/password-reset", {"email": "erin@example.org"})  # a live throttle counter
    running, job_id = _processing_job(client, headers)
    before = everything()
    assert user["id"] in before and "erin@example.org" in before and job_id in before

    assert delete_me(client, headers, {"password": PASSWORD}).status_code == 204
    assert_error(client.http.get("/me", headers=headers), 401)
    assert_error(post(client, "/auth/login", {"email": "erin@example.org", "password": PASSWORD}), 401)
    assert "erase" in queue.run()
    stubkind.RELEASE.set()  # the job ends after its account was erased, however slow the machine
    running.join(30)
    assert running.outcome == ["skipped"]  # it found its job gone and removed what it wrote
    sweep.remove_orphans(keep_seconds=0)  # the tombstones' last pass (an hour later, deployed)

    after = everything()
    assert user["id"] not in after and "erin@example.org" not in after and job_id not in after
    assert other["id"] in after and "otto@example.org" in after  # nobody else's
    register(client, email="erin@example.org", name="Erin")
    assert login(client, email="erin@example.org")


def test_deleting_twice_from_two_sessions(client, queue):
    _, headers = signed_in(client)
    second = bearer(login(client))
    assert delete_me(client, headers, {"password": PASSWORD}).status_code == 204
    assert_error(delete_me(client, second, {"password": PASSWORD}), 401)


def test_the_deletion_is_logged_without_personal_data(client, queue, stub_kind, caplog):
    user, headers = signed_in(client, email="erin@example.org", name="Erin")
    finished_job(client, headers, "HELLO")
    queue.run()
    caplog.clear()
    assert delete_me(client, headers, {"password": PASSWORD}).status_code == 204
    queue.run()
    logged = "\n".join(repr(vars(r)) for r in caplog.records)  # every field of every line
    assert "account deleted" in logged and "files were erased" in logged
    assert user["id"] not in logged and "erin@example.org" not in logged and "Erin" not in logged


def test_the_sweep_erases_a_deleted_account_whose_task_was_lost(client, queue, stub_kind):
    user, headers = signed_in(client, email="erin@example.org", name="Erin")
    finished_job(client, headers, "HELLO")
    queue.run()
    assert delete_me(client, headers, {"password": PASSWORD}).status_code == 204
    assert queue.names() == ["erase"]  # taken off the queue and dropped: lost
    assert user["id"] in everything()
    assert sweep.run(lambda event: None)["erased"] == 1
    sweep.remove_orphans(keep_seconds=0)
    assert user["id"] not in everything() and "erin@example.org" not in everything()
    assert sweep.run(lambda event: None)["erased"] == 0
