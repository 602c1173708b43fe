"""chalicelib.jobs: records, pages, deletion, and the worker's conditional transitions."""
from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlparse

import pytest

from chalicelib import aws, clock, settings
from chalicelib.jobs import keys, lifecycle
from chalicelib.jobs import table as jobs
from chalicelib.web import job_view

pytest_plugins = ["tests.apifixtures"]

ANN, BOB = "ann0000000000000000000000000000a", "bob0000000000000000000000000000b"


@pytest.fixture
def env(api_env):
    yield


def new_job(user=ANN, name="page.jpg"):
    return jobs.create(user, filename=name, content_type="image/jpeg", size=1234)


def put(key, body=b"x"):
    aws.s3().put_object(Bucket=settings.get().aws.bucket, Key=key, Body=body)


def keys_in_bucket():
    return sorted(o["Key"] for o in aws.s3().list_objects_v2(Bucket=settings.get().aws.bucket).get("Contents", []))


# --- Ids and keys ---

def test_job_ids_sort_by_creation_time():
    ids = [keys.new_job_id() for _ in range(500)]
    assert ids == sorted(ids) and len(set(ids)) == 500
    assert all(keys.is_job_id(i) and len(i) == 26 for i in ids)


def test_key_layout_matches_the_contract():
    job_id = keys.new_job_id()
    assert keys.upload_key(ANN, job_id) == f"uploads/{ANN}/{job_id}/source"
    assert keys.result_key(ANN, job_id) == f"results/{ANN}/{job_id}/result.json"
    assert keys.audio_key(ANN, job_id) == f"results/{ANN}/{job_id}/speech.wav"
    assert keys.parse_upload_key(keys.upload_key(ANN, job_id)) == (ANN, job_id)
    for bad in (f"uploads/{ANN}/{job_id}/other", f"results/{ANN}/{job_id}/source", f"uploads/{ANN}/nope/source",
                f"uploads//{job_id}/source", f"uploads/{ANN}/{job_id}/source/x"):
        assert keys.parse_upload_key(bad) is None


# --- Records ---

def test_create_and_get(env):
    job = new_job()
    assert job["status"] == "uploading" and job["attempts"] == 0
    stored = jobs.get(ANN, job["job_id"])
    for field in ("job_id", "user_id", "status", "filename", "content_type", "size", "created_at", "updated_at",
                  "error", "timings_ms", "result_key", "audio_key", "attempts", "lease_until"):
        assert field in stored, field
    assert stored["created_at"].endswith("Z") and "T" in stored["created_at"]
    assert jobs.get(BOB, job["job_id"]) is None  # another user's job is simply absent
    assert jobs.get(ANN, "not-an-id") is None


def test_list_newest_first_paginated(env):
    made = [new_job(name=f"p{i}.jpg")["job_id"] for i in range(7)]
    new_job(user=BOB)
    seen, cursor, pages = [], None, 0
    while True:
        page, cursor = job_view.list_jobs(ANN, limit=3, cursor=cursor)
        pages += 1
        seen += [j["job_id"] for j in page]
        assert all(set(j) >= {"job_id", "status", "filename", "created_at"} for j in page)
        if cursor is None:
            break
    assert seen == made[::-1] and pages == 3
    page, cursor = job_view.list_jobs(ANN, limit=7)
    assert len(page) == 7 and cursor is None  # an exact last page has no next


def test_bad_cursor_is_400(env):
    from chalicelib.errors import InputError

    for bad in ("???", "bm90LWFuLWlk", "%%%"):
        with pytest.raises(InputError):
            job_view.list_jobs(ANN, cursor=bad)


def test_a_cursor_cannot_reach_another_users_jobs(env):
    bobs = new_job(user=BOB)["job_id"]
    new_job(user=BOB)
    mine = new_job()["job_id"]
    cursor = jobs._encode_cursor(bobs)  # forged from someone else's id
    page, _ = job_view.list_jobs(ANN, cursor=cursor)
    assert all(j["job_id"] == mine for j in page)


def test_delete_removes_objects_and_record(env):
    job = new_job()["job_id"]
    other = new_job()["job_id"]
    for key in (keys.upload_key(ANN, job), keys.result_key(ANN, job), keys.audio_key(ANN, job),
                keys.upload_key(ANN, other)):
        put(key)
    assert lifecycle.delete(BOB, job) is False and jobs.get(ANN, job)  # not Bob's to delete
    assert lifecycle.delete(ANN, job) is True
    assert jobs.get(ANN, job) is None
    assert keys_in_bucket() == [keys.upload_key(ANN, other)]
    assert lifecycle.delete(ANN, job) is False


@pytest.mark.slow
def test_delete_handles_many_objects(env):
    job = new_job()["job_id"]
    for i in range(1005):  # more than one delete_objects batch
        put(f"results/{ANN}/{job}/extra/{i}")
    assert lifecycle.delete(ANN, job) and keys_in_bucket() == []


# --- Worker transitions ---

def test_happy_path(env):
    job = new_job()["job_id"]
    assert jobs.mark_queued(ANN, job) is True
    assert jobs.mark_queued(ANN, job) is False  # only from uploading
    claimed = jobs.claim(ANN, job, 300)
    assert claimed["status"] == "processing" and claimed["attempts"] == 1
    assert claimed["lease_until"] == pytest.approx(time.time() + 300, abs=5)
    done = jobs.finish(ANN, job, result_key=keys.result_key(ANN, job), outputs={"speech.wav": keys.audio_key(ANN, job)},
                       timings_ms={"decode": 12, "ocr": 480.5}, summary={"lines": 2, "chars": 30})
    assert done["status"] == "done" and done["lease_until"] is None
    assert done["timings_ms"] == {"decode": 12, "ocr": 480.5} and done["summary"] == {"lines": 2, "chars": 30}
    assert jobs.claim(ANN, job, 300) is None  # done stays done
    assert jobs.fail(ANN, job, "late") is None


def test_claim_from_uploading_when_the_event_outruns_mark_queued(env):
    job = new_job()["job_id"]
    assert jobs.claim(ANN, job, 60)["status"] == "processing"


def test_duplicate_delivery_does_no_duplicate_work(env):
    job = new_job()["job_id"]
    assert jobs.claim(ANN, job, 300) is not None
    assert jobs.claim(ANN, job, 300) is None  # the second S3 event while the first holds the lease


def test_expired_lease_can_be_claimed_again(env, monkeypatch):
    job = new_job()["job_id"]
    jobs.claim(ANN, job, 60)
    later = time.time() + 61
    monkeypatch.setattr(clock, "now", lambda: later)
    again = jobs.claim(ANN, job, 60)
    assert again["attempts"] == 2 and again["status"] == "processing"


def test_claim_of_missing_or_other_users_job_is_none(env):
    job = new_job()["job_id"]
    assert jobs.claim(BOB, job, 60) is None
    assert jobs.claim(ANN, keys.new_job_id(), 60) is None
    assert jobs.claim(ANN, "garbage", 60) is None
    assert jobs.get(BOB, job) is None  # the failed conditional write created nothing


def test_finish_with_and_without_audio(env):
    for kwargs in ({"outputs": {}}, {}):
        job = new_job()["job_id"]
        jobs.claim(ANN, job, 60)
        done = jobs.finish(ANN, job, result_key=keys.result_key(ANN, job), timings_ms={}, summary={}, **kwargs)
        assert done["status"] == "done" and done["audio_key"] is None
    job = new_job()["job_id"]
    jobs.claim(ANN, job, 60)
    done = jobs.finish(ANN, job, result_key=keys.result_key(ANN, job), outputs={"speech.wav": keys.audio_key(ANN, job)},
                       timings_ms={}, summary={})
    assert done["audio_key"] == keys.audio_key(ANN, job)


def test_release_hands_the_job_back(env):
    job = new_job()["job_id"]
    assert jobs.claim(ANN, job, 600)["status"] == "processing"
    assert jobs.claim(ANN, job, 600) is None  # live lease
    assert jobs.release(ANN, job)
    again = jobs.claim(ANN, job, 600)  # the retry takes it at once
    assert again["status"] == "processing" and again["attempts"] == 2
    jobs.fail(ANN, job, "x")
    assert not jobs.release(ANN, job)  # only a processing job can be released


def test_finish_needs_processing_and_own_keys(env):
    job = new_job()["job_id"]
    assert jobs.finish(ANN, job, result_key=keys.result_key(ANN, job), outputs={},
                       timings_ms={}, summary={}) is None  # never claimed
    jobs.claim(ANN, job, 60)
    with pytest.raises(ValueError):
        jobs.finish(ANN, job, result_key=keys.result_key(BOB, job), outputs={}, timings_ms={}, summary={})
    with pytest.raises(ValueError):
        jobs.finish(ANN, job, result_key=keys.result_key(ANN, job), outputs={"speech.wav": "results/elsewhere.wav"},
                    timings_ms={}, summary={})


def test_fail(env):
    job = new_job()["job_id"]
    jobs.claim(ANN, job, 60)
    failed = jobs.fail(ANN, job, "This file is not an image we can read.")
    assert failed["status"] == "failed" and failed["error"] == "This file is not an image we can read."
    assert failed["lease_until"] is None
    assert jobs.fail(ANN, job, "again") is None
    assert jobs.claim(ANN, job, 60) is None  # failed stays failed
    queued = new_job()["job_id"]
    assert jobs.fail(ANN, queued, "x" * 5000)["error"] == "x" * jobs.ERROR_MAX
    assert jobs.fail(ANN, keys.new_job_id(), "missing") is None


def test_finish_after_delete_is_none(env):
    job = new_job()["job_id"]
    jobs.claim(ANN, job, 60)
    lifecycle.delete(ANN, job)
    assert jobs.finish(ANN, job, result_key=keys.result_key(ANN, job), outputs={},
                       timings_ms={}, summary={}) is None
    assert jobs.get(ANN, job) is None


# --- What GET /jobs/{id} shows ---

def test_describe_done_job(env):
    job = new_job()["job_id"]
    result = {"schema": 1, "engine": "rapidocr", "text": "OPEN", "lines": [], "width": 1, "height": 1}
    put(keys.result_key(ANN, job), json.dumps(result).encode())
    put(keys.audio_key(ANN, job), b"RIFF")
    jobs.claim(ANN, job, 60)
    jobs.finish(ANN, job, result_key=keys.result_key(ANN, job), outputs={"speech.wav": keys.audio_key(ANN, job)},
                timings_ms={"ocr": 1}, summary={})
    view = job_view.describe(ANN, job)
    assert view["status"] == "done" and view["result"] == result and view["error"] is None
    for name, key, served_as in (("audio_url", keys.audio_key(ANN, job), "audio/wav"),
                                 ("image_url", keys.upload_key(ANN, job), "image/jpeg")):
        url = urlparse(view[name])
        assert url.path.endswith(key)
        query = parse_qs(url.query)
        assert int(query["X-Amz-Expires"][0]) <= 900
        # Served as its type and as an attachment, whatever the bytes are (never as a page).
        assert query["response-content-type"] == [served_as]
        assert query["response-content-disposition"][0].startswith("attachment;")
    assert view["outputs"].keys() == {"speech.wav"}
    assert job_view.describe(BOB, job) is None


def test_describe_before_done_has_no_result_or_audio(env):
    job = new_job()["job_id"]
    view = job_view.describe(ANN, job)
    assert view["result"] is None and view["audio_url"] is None and view["image_url"]


def test_download_urls_never_outlive_15_minutes(env, monkeypatch):
    monkeypatch.setenv("PAGEVOICE_DOWNLOAD_URL_TTL_SECONDS", "86400")
    job = new_job()["job_id"]
    url = urlparse(job_view.describe(ANN, job)["image_url"])
    assert int(parse_qs(url.query)["X-Amz-Expires"][0]) == 900


def test_a_result_too_large_for_the_answer_is_left_to_its_url(env, monkeypatch):
    """A Lambda's answer is at most 6 MB: a larger result (a long document's) is not read into
    GET /jobs/{id}; `result_url` (a presigned GET) serves it, as it serves every result."""
    job = new_job()["job_id"]
    result = {"schema": 1, "engine": "rapidocr", "text": "OPEN " * 400, "lines": [], "width": 1, "height": 1}
    body = json.dumps(result).encode()
    put(keys.result_key(ANN, job), body)
    jobs.claim(ANN, job, 60)
    jobs.finish(ANN, job, result_key=keys.result_key(ANN, job), outputs={}, timings_ms={}, summary={})
    view = job_view.describe(ANN, job)
    assert view["result"] == result
    url = urlparse(view["result_url"])
    assert url.path.endswith(keys.result_key(ANN, job))
    assert parse_qs(url.query)["response-content-type"] == ["application/json"]
    assert int(parse_qs(url.query)["X-Amz-Expires"][0]) <= 900

    monkeypatch.setenv("PAGEVOICE_INLINE_RESULT_BYTES", str(len(body) - 1))
    view = job_view.describe(ANN, job)
    assert view["result"] is None and urlparse(view["result_url"]).path.endswith(keys.result_key(ANN, job))
    monkeypatch.setenv("PAGEVOICE_INLINE_RESULT_BYTES", str(len(body)))
    assert job_view.describe(ANN, job)["result"] == result
    # Never above 4 MiB, whatever the environment says.
    monkeypatch.setenv("PAGEVOICE_INLINE_RESULT_BYTES", str(1 << 30))
    from chalicelib import settings
    assert settings.get().limits.inline_result_bytes == 4 * 1024 * 1024


def test_a_missing_result_has_no_url(env):
    job = new_job()["job_id"]
    jobs.claim(ANN, job, 60)
    jobs.finish(ANN, job, result_key=keys.result_key(ANN, job), outputs={}, timings_ms={}, summary={})
    view = job_view.describe(ANN, job)
    assert view["result"] is None and view["result_url"] is None


# --- The sweep index and worker slots ---

def test_only_unfinished_jobs_and_tombstones_are_in_the_sweep_index(env):
    """The sweep reads this index, never the table: a job is in it from creation until it ends,
    a deleted job's tombstone until the sweep drops it, and nothing else is."""
    running, done, failed, deleted = (new_job()["job_id"] for _ in range(4))
    for job_id in (running, done):
        jobs.claim(ANN, job_id, 60)
    jobs.finish(ANN, done, result_key=keys.result_key(ANN, done), timings_ms={}, summary={})
    jobs.fail(ANN, failed, "broken")
    lifecycle.delete(ANN, deleted)
    assert sorted(jobs.sweep_keys(jobs.SWEEP_OPEN)) == [(ANN, running)]
    assert list(jobs.sweep_keys(jobs.SWEEP_DELETED)) == [(ANN, deleted)]
    page, _ = job_view.list_jobs(ANN)  # the tombstone is not one of Ann's jobs
    assert {j["job_id"] for j in page} == {running, done, failed}


def test_a_stale_job_failed_by_settle_leaves_the_index(env, monkeypatch):
    job_id = new_job()["job_id"]
    later = clock.now() + settings.get().limits.upload_url_ttl_seconds + settings.get().worker.upload_grace_seconds + 1
    monkeypatch.setattr(clock, "now", lambda: later)
    assert lifecycle.settle(jobs.get(ANN, job_id))["status"] == "failed"
    assert list(jobs.sweep_keys(jobs.SWEEP_OPEN)) == []


def test_an_account_holds_at_most_its_cap_of_worker_slots(env, monkeypatch):
    a, b, c = (new_job()["job_id"] for _ in range(3))
    assert jobs.take_slot(ANN, a, 60, cap=2) and jobs.take_slot(ANN, b, 60, cap=2)
    assert not jobs.take_slot(ANN, c, 60, cap=2)
    assert jobs.take_slot(BOB, c, 60, cap=2)  # another account's slots are its own
    assert jobs.take_slot(ANN, a, 60, cap=2)  # a job re-takes its own slot (its next turn)
    jobs.wait_for_slot(ANN, c)
    assert jobs.free_slot(ANN, a) == c  # handed on to the waiting job, once
    assert jobs.free_slot(ANN, b) is None
    assert jobs.take_slot(ANN, c, 60, cap=2)
    later = clock.now() + 61  # a dead worker's slot runs out with its lease
    monkeypatch.setattr(clock, "now", lambda: later)
    assert jobs.take_slot(ANN, a, 60, cap=1)
