"""Per-account quotas (chalicelib.auth.usage): storage counted as uploads are made and deleted,
pages counted as jobs finish over the last 30 days, refusals before any byte, GET /me's usage."""
from __future__ import annotations

from datetime import date

import pytest

from chalicelib import clock
from chalicelib.auth import table, usage
from chalicelib.jobs import keys, sweep, worker
from chalicelib.jobs import table as jobs
from tests.account.conftest import finished_job
from tests.apiclient import PASSWORD, assert_error, post, send, signed_in
from tests.tasksqueue import Tasks

pytest_plugins = ["tests.apifixtures"]

DAY = 24 * 3600
GB = 1024 ** 3


@pytest.fixture
def stub_kind(monkeypatch):
    monkeypatch.setenv("PAGEVOICE_KIND_PLUGINS", "tests.stubkind:KIND")


def upload(client, headers, size=2_000_000, **changes):
    body = {"filename": "page.jpg", "content_type": "image/jpeg", "size": size, **changes}
    return post(client, "/uploads", body, headers=headers)


def me_usage(client, headers) -> dict:
    return client.http.get("/me", headers=headers).json_body["usage"]


def job_ids(client, headers) -> list[str]:
    return [j["job_id"] for j in client.http.get("/jobs", headers=headers).json_body["jobs"]]


def test_me_shows_usage_and_the_quotas_from_settings(client, monkeypatch):
    monkeypatch.setenv("PAGEVOICE_QUOTA_STORAGE_BYTES", "123456789")
    monkeypatch.setenv("PAGEVOICE_QUOTA_PAGES", "777")
    user, headers = signed_in(client)
    me = client.http.get("/me", headers=headers).json_body
    assert me["id"] == user["id"] and me["email"] == user["email"]  # the existing keys stay
    assert me["usage"] == {"storage_bytes": 0, "storage_quota_bytes": 123456789, "pages_30_days": 0,
                           "pages_quota": 777}


def test_storage_is_added_at_upload_and_taken_off_once_at_delete(client):
    user, headers = signed_in(client)
    _, other = signed_in(client, email="bob@example.org", name="Bob")
    first = upload(client, headers, size=2_000_000).json_body["job_id"]
    upload(client, headers, size=3_000_000)
    upload(client, other, size=7_000_000)
    assert me_usage(client, headers)["storage_bytes"] == 5_000_000
    assert me_usage(client, other)["storage_bytes"] == 7_000_000  # each account its own
    assert send(client, "DELETE", f"/jobs/{first}", None, headers).status_code == 204
    assert me_usage(client, headers)["storage_bytes"] == 3_000_000
    assert send(client, "DELETE", f"/jobs/{first}", None, headers).status_code == 404
    assert me_usage(client, headers)["storage_bytes"] == 3_000_000


def test_two_deletions_of_one_job_at_once_take_it_off_once(client):
    user, headers = signed_in(client)
    job_id = upload(client, headers, size=4_000_000).json_body["job_id"]
    upload(client, headers, size=1_000_000)
    job = jobs.get(user["id"], job_id)
    usage.release(user["id"], job)  # both deletions read the job before either removed it
    usage.release(user["id"], job)
    assert me_usage(client, headers)["storage_bytes"] == 1_000_000


def test_a_job_made_before_counting_began_is_not_taken_off(client):
    user, headers = signed_in(client)
    old = jobs.create(user["id"], filename="old.jpg", content_type="image/jpeg", size=9_000_000)  # before quotas
    upload(client, headers, size=1_000_000)  # counting begins
    assert send(client, "DELETE", f"/jobs/{old['job_id']}", None, headers).status_code == 204
    assert me_usage(client, headers)["storage_bytes"] == 1_000_000  # never below what was counted


def test_storage_refusal_before_any_byte_with_a_sentence(client):
    user, headers = signed_in(client)
    upload(client, headers, size=1_000_000)
    table.update(usage.key(user["id"]), "SET storage_bytes = :b", values={":b": int(19.8 * GB)})
    before = job_ids(client, headers)
    r = upload(client, headers, size=500 * 1024 * 1024, filename="book.pdf", content_type="application/pdf")
    body = assert_error(r, 413, "This upload would take your storage past 20 GB: you hold 19.8 GB")
    assert body["error"] == "quota_exceeded" and body["quota"] == "storage" and "Delete some files" in body["message"]
    assert job_ids(client, headers) == before  # no job, nothing counted
    assert me_usage(client, headers)["storage_bytes"] == int(19.8 * GB)
    assert upload(client, headers, size=100 * 1024 * 1024, filename="small.pdf",
                  content_type="application/pdf").status_code == 201  # what fits still goes
    assert me_usage(client, headers)["storage_bytes"] == int(19.8 * GB) + 100 * 1024 * 1024


def test_storage_up_to_the_quota_exactly_goes_one_byte_more_does_not(client, monkeypatch):
    monkeypatch.setenv("PAGEVOICE_QUOTA_STORAGE_BYTES", "5000000")
    _, headers = signed_in(client)
    assert upload(client, headers, size=3_000_000).status_code == 201
    assert upload(client, headers, size=2_000_000).status_code == 201  # exactly the quota
    assert_error(upload(client, headers, size=1), 413, "would take your storage past")
    assert me_usage(client, headers)["storage_bytes"] == 5_000_000


def test_an_upload_whose_job_could_not_be_made_is_not_counted(client, monkeypatch):
    _, headers = signed_in(client)
    upload(client, headers, size=1_000)

    def broken(*args, **kwargs):
        raise RuntimeError("the jobs table is down")

    monkeypatch.setattr(jobs, "create", broken)
    assert upload(client, headers, size=5_000).status_code == 500
    assert me_usage(client, headers)["storage_bytes"] == 1_000


def count(user_id: str, pages: int, *, at: float | None = None, monkeypatch=None) -> None:
    if at is not None:
        monkeypatch.setattr(clock, "now", lambda: at)
    usage.count_read(user_id, {"kind": "page", "job_id": "j"}, {"pages": pages})


def test_pages_refusal_with_when_uploads_open_again(client, monkeypatch):
    user, headers = signed_in(client)
    upload(client, headers)  # the account's usage begins with its first upload
    now = clock.now()
    count(user["id"], 15_000, at=now - 29 * DAY, monkeypatch=monkeypatch)
    count(user["id"], 5_000, at=now, monkeypatch=monkeypatch)
    assert me_usage(client, headers)["pages_30_days"] == 20_000
    before = job_ids(client, headers)
    body = assert_error(upload(client, headers), 400, "You have had 20,000 pages read in the last 30 days, "
                                                      "the most an account may")
    assert body["error"] == "quota_exceeded" and body["quota"] == "pages"
    tomorrow = usage.window(now + DAY)[-1]  # the day the 15,000 leave the window
    assert f"You can upload again on {date.fromisoformat(tomorrow):%-d %B %Y} (UTC)." in body["message"]
    assert job_ids(client, headers) == before
    # Once the day of the 15,000 has left the window, uploads go again.
    monkeypatch.setattr(clock, "now", lambda: now + DAY)
    assert me_usage(client, headers)["pages_30_days"] == 5_000
    assert upload(client, headers).status_code == 201


def test_the_window_is_the_last_30_days_and_old_days_are_dropped(client, monkeypatch):
    user, headers = signed_in(client)
    upload(client, headers)
    now = clock.now()
    count(user["id"], 100, at=now - 31 * DAY, monkeypatch=monkeypatch)
    count(user["id"], 40, at=now - 30 * DAY, monkeypatch=monkeypatch)
    count(user["id"], 7, at=now - 29 * DAY, monkeypatch=monkeypatch)
    count(user["id"], 3, at=now - 29 * DAY, monkeypatch=monkeypatch)  # the same day: added
    monkeypatch.setattr(clock, "now", lambda: now)
    assert me_usage(client, headers)["pages_30_days"] == 10  # 31 and 30 days ago no longer count
    count(user["id"], 5)
    assert me_usage(client, headers)["pages_30_days"] == 15
    days = sorted(a for a in table.get(usage.key(user["id"])) if a.startswith(usage.DAY_PREFIX))
    assert days == [usage.DAY_PREFIX + d for d in (usage.window(now - 29 * DAY)[-1], usage.window(now)[-1])]


@pytest.mark.parametrize("job, summary, pages", [
    ({"kind": "page"}, {"pages": 12}, 12),  # a document
    ({"kind": "page"}, {"characters": 40, "lines": 2}, 1),  # a photo
    ({"kind": "page", "book_pages_read": 529}, {"pages": 529, "book": True}, 529),  # a book
    ({"kind": "page", "rerecording": True}, {"pages": 12}, 0),  # its recording made again: nothing read
    ({"kind": "speech"}, {"seconds": 3.0}, 0),
    ({"kind": "digits"}, {"lines": 1}, 0),
])
def test_pages_of_a_finished_job(job, summary, pages):
    assert usage.pages_of(job, summary) == pages


def test_the_worker_counts_a_finished_jobs_pages(client, stub_kind, monkeypatch):
    user, headers = signed_in(client)
    monkeypatch.setattr(worker, "summarise", lambda kind, outputs: {"pages": 3})
    finished_job(client, headers, "HELLO")
    assert me_usage(client, headers)["pages_30_days"] == 3
    finished_job(client, headers, "AGAIN")
    assert me_usage(client, headers)["pages_30_days"] == 6
    assert me_usage(client, headers)["storage_bytes"] == 2 * 64  # finished_job declares 64 bytes


def test_the_sweep_takes_jobs_past_retention_off_storage(client, stub_kind, monkeypatch):
    _, headers = signed_in(client)
    now = clock.now()
    monkeypatch.setattr(clock, "now", lambda: now - 3 * DAY)
    monkeypatch.setattr(keys, "_last_ulid", [0, 0])
    finished_job(client, headers, "OLD")
    monkeypatch.setattr(clock, "now", lambda: now)
    finished_job(client, headers, "NEW")
    assert me_usage(client, headers)["storage_bytes"] == 128
    send(client, "PATCH", "/me", {"retention_days": 2}, headers)
    assert sweep.run(lambda event: None)["expired"] == 1
    assert me_usage(client, headers)["storage_bytes"] == 64


def test_the_usage_goes_with_the_account_and_is_not_made_again(client, stub_kind, monkeypatch):
    user, headers = signed_in(client)
    tasks = Tasks()
    monkeypatch.setattr(worker, "summarise", lambda kind, outputs: {"pages": 2})
    job_id = finished_job(client, headers, "HELLO")
    assert table.get(usage.key(user["id"])) is not None
    job = jobs.get(user["id"], job_id)
    assert send(client, "DELETE", "/me", {"password": PASSWORD}, headers).status_code == 204
    assert table.get(usage.key(user["id"]), consistent=True) is None  # at once, with the account
    assert "erase" in tasks.run()  # its jobs deleted: nothing taken off an account that is gone
    usage.count_read(user["id"], job, {"pages": 2})  # a worker finishing after the deletion
    assert table.get(usage.key(user["id"]), consistent=True) is None



@pytest.mark.parametrize("identity, action, key, allowed", [
    ("worker", "UpdateItem", usage.key("u1"), True),  # a finished job's pages
    ("sweep", "UpdateItem", usage.key("u1"), True),  # a job deleted past its retention
    ("sweep", "PutItem", usage.gone_key("u1", "j1"), True),  # and its marker, in one transaction
    ("worker", "UpdateItem", "USER#u1", False), ("sweep", "UpdateItem", "USER#u1", False),
    ("sweep", "PutItem", "SESSION#s1", False), ("worker", "PutItem", usage.key("u1"), False),
])
def test_the_roles_that_count_may_write_usage_items_and_no_other(identity, action, key, allowed):
    """As the local stack's guard authorises (infra/local/iam.py), from the template's statements."""
    import json

    from infra.local import iam

    names = iam.LocalNames("us-east-1", "pagevoice-local", {"AuthTable": "pagevoice-auth", "JobsTable": "pagevoice-jobs",
                                                           "ShardsTable": "pagevoice-shards"},
                           "pagevoice-tasks", "PageVoice <no-reply@pagevoice.local>")
    policies = [json.dumps(iam.policies(names)[identity])]
    arn = "arn:aws:dynamodb:us-east-1:123456789012:table/pagevoice-auth"
    may = iam.permitted(policies, f"dynamodb:{action}", arn) and iam.leading_keys_permit(policies, action, arn, key)
    assert may is allowed
