"""The S3-triggered worker: one claim per job, outputs under the job's prefix, readable failures."""
from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from chalicelib import aws, settings
from chalicelib.errors import PageVoiceError
from chalicelib.jobs import store as jobs
from chalicelib.jobs import worker
from chalicelib.kinds import page_pipeline as pipeline
from tests import images

pytest_plugins = ["tests.apifixtures"]
USER = "u-worker"


@pytest.fixture
def job(api_env):
    """A job whose upload has arrived: (job_id, upload key)."""
    def make(data: bytes) -> tuple[str, str]:
        record = jobs.create(USER, filename="page.png", content_type="image/png", size=len(data))
        key = jobs.upload_key(USER, record["job_id"])
        aws.s3().put_object(Bucket=settings.get().bucket, Key=key, Body=data)
        return record["job_id"], key
    return make


@pytest.fixture(scope="module")
def page_png():
    return images.encode(images.text_image(["INVOICE NUMBER 42"]).image, "PNG")


def objects() -> list[str]:
    return [o["Key"] for o in aws.s3().list_objects_v2(Bucket=settings.get().bucket).get("Contents", [])]


def test_done_with_result_and_speech(job, page_png):
    job_id, key = job(page_png)
    assert worker.handle_upload(settings.get().bucket, key) == "done"
    record = jobs.get(USER, job_id)
    assert record["status"] == "done" and record["attempts"] == 1
    assert set(record["timings_ms"]) >= {"fetch", "decode", "ocr", "tts", "store"}
    result = json.loads(aws.s3().get_object(Bucket=settings.get().bucket, Key=record["result_key"])["Body"].read())
    assert result["text"] == "INVOICE NUMBER 42"
    assert sorted(objects()) == sorted([key, jobs.result_key(USER, job_id), jobs.audio_key(USER, job_id),
                                        jobs.output_key(USER, job_id, "source")])


def test_the_bytes_processed_are_kept_and_a_late_post_changes_nothing(job, page_png):
    """The presigned POST stays valid for minutes after the job ends: a second POST replaces
    uploads/.../source, but the job's image is the copy the worker kept beside its results."""
    pending = [{"Key": "pagevoice-upload", "Value": "pending"}]
    bucket = settings.get().bucket
    for data, outcome in ((page_png, "done"), (b"not an image", "failed")):
        job_id, key = job(data)
        aws.s3().put_object_tagging(Bucket=bucket, Key=key, Tagging={"TagSet": pending})  # as the POST does
        assert worker.handle_upload(bucket, key) == outcome
        kept = jobs.output_key(USER, job_id, "source")
        assert aws.s3().get_object(Bucket=bucket, Key=kept)["Body"].read() == data
        assert aws.s3().get_object_tagging(Bucket=bucket, Key=key)["TagSet"] == pending  # the inbox is reaped
        aws.s3().put_object(Bucket=bucket, Key=key, Body=b"<html>swapped</html>")  # the late POST
        assert worker.handle_upload(bucket, key) == "skipped"
        view = jobs.describe(USER, job_id)
        assert f"/{kept}?" in view["image_url"] and view["status"] == outcome
        assert aws.s3().get_object(Bucket=bucket, Key=kept)["Body"].read() == data
    record = jobs.create(USER, filename="late.png", content_type="image/png", size=3)
    jobs.delete(USER, record["job_id"])
    key = jobs.upload_key(USER, record["job_id"])
    aws.s3().put_object(Bucket=bucket, Key=key, Body=b"png", Tagging="pagevoice-upload=pending")
    assert worker.handle_upload(bucket, key) == "skipped"
    assert aws.s3().get_object_tagging(Bucket=bucket, Key=key)["TagSet"] == pending  # reaped later


def test_text_is_shown_while_speech_is_made(job, page_png, monkeypatch):
    job_id, key = job(page_png)
    seen = {}
    real_speak = pipeline.speak

    def speak(text, **kw):
        seen.update(jobs.describe(USER, job_id))  # what GET /jobs/{id} answers meanwhile
        return real_speak(text, **kw)

    monkeypatch.setattr(pipeline, "speak", speak)
    assert worker.handle_upload(settings.get().bucket, key) == "done"
    assert seen["status"] == "processing" and seen["result"]["text"] == "INVOICE NUMBER 42"
    assert seen["audio_url"] is None
    done = jobs.describe(USER, job_id)
    assert done["audio_url"] and "tts" in done["result"]["timings_ms"]  # the final result replaced it


def test_duplicate_delivery_does_no_work(job, page_png, monkeypatch):
    _, key = job(page_png)
    assert worker.handle_upload(settings.get().bucket, key) == "done"
    monkeypatch.setattr(pipeline, "process", lambda *a, **k: pytest.fail("processed twice"))
    assert worker.handle_upload(settings.get().bucket, key) == "skipped"


def test_broken_image_fails_without_retry(job):
    job_id, key = job(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    assert worker.handle_upload(settings.get().bucket, key) == "failed"
    record = jobs.get(USER, job_id)
    assert record["status"] == "failed" and "image" in record["error"]


def test_oversize_object_is_refused_before_download(job, monkeypatch, page_png):
    monkeypatch.setenv("PAGEVOICE_MAX_UPLOAD_BYTES", "100")
    job_id, key = job(page_png)
    assert worker.handle_upload(settings.get().bucket, key) == "failed"
    assert "limit is" in jobs.get(USER, job_id)["error"]


def test_missing_object_fails_with_reason(api_env):
    record = jobs.create(USER, filename="gone.png", content_type="image/png", size=10)
    key = jobs.upload_key(USER, record["job_id"])
    assert worker.handle_upload(settings.get().bucket, key) == "failed"
    assert "missing" in jobs.get(USER, record["job_id"])["error"]


def test_transient_error_releases_the_job_and_raises(job, page_png, monkeypatch):
    job_id, key = job(page_png)
    real = aws.s3()

    class Throttled:
        def __getattr__(self, name):
            if name == "get_object":
                def boom(**kw):
                    raise ClientError({"Error": {"Code": "SlowDown", "Message": "slow down"}}, "GetObject")
                return boom
            return getattr(real, name)

    monkeypatch.setattr(aws, "s3", lambda: Throttled())
    with pytest.raises(ClientError):
        worker.handle_upload(settings.get().bucket, key)  # Lambda retries on a raise
    assert jobs.get(USER, job_id)["status"] == "queued"  # released, not stuck until the lease ends
    monkeypatch.undo()
    assert worker.handle_upload(settings.get().bucket, key) == "done"  # the retry
    assert jobs.get(USER, job_id)["attempts"] == 2


def test_non_permanent_engine_error_is_retried(job, page_png, monkeypatch):
    job_id, key = job(page_png)

    class Upstream(PageVoiceError):
        permanent = False

    def flaky(*a, **k):
        raise Upstream("speech service busy")

    monkeypatch.setattr(pipeline, "process", flaky)
    with pytest.raises(Upstream):
        worker.handle_upload(settings.get().bucket, key)
    assert jobs.get(USER, job_id)["status"] == "queued"


def test_job_deleted_while_processing_leaves_no_outputs(job, page_png, monkeypatch):
    job_id, key = job(page_png)
    real = pipeline.process

    def delete_meanwhile(data, **kw):
        done = real(data, **kw)
        jobs.delete(USER, job_id)
        return done

    monkeypatch.setattr(pipeline, "process", delete_meanwhile)
    assert worker.handle_upload(settings.get().bucket, key) == "skipped"
    assert objects() == []


def test_lambda_event_keys_are_url_decoded(api_env):
    event = {"Records": [{"s3": {"bucket": {"name": "b"}, "object": {"key": "uploads/u%2Fx/J+1/source"}}}]}
    assert list(worker.records(event)) == [("b", "uploads/u/x/J 1/source")]


def test_keys_outside_uploads_are_ignored(api_env):
    assert worker.handle_upload(settings.get().bucket, "results/u/j/result.json") == "ignored"
    assert worker.handle_upload(settings.get().bucket, "uploads/../../etc/passwd") == "ignored"


def test_lambda_time_left_bounds_the_recording_not_the_job(job):
    """Near Lambda's timeout the job still ends done: the text whole, the recording of its start."""
    class Context:  # Lambda's context object, with time left only for storing the outputs
        def get_remaining_time_in_millis(self):
            return worker.STORE_MARGIN_SECONDS * 1000

    two_lines = images.encode(images.text_image(["INVOICE NUMBER 42", "PAID IN FULL"]).image, "PNG")
    job_id, key = job(two_lines)
    assert worker.handle_upload(settings.get().bucket, key, Context()) == "done"
    result = jobs.describe(USER, job_id)["result"]
    assert result["text"] == "INVOICE NUMBER 42\nPAID IN FULL"
    assert result["speech"] == {"engine": "piper", "seconds": pytest.approx(result["speech"]["seconds"]),
                                "characters": len("INVOICE NUMBER 42"), "complete": False}
    job_id, key = job(two_lines)
    assert worker.handle_upload(settings.get().bucket, key) == "done"  # locally: no Lambda deadline
    assert jobs.describe(USER, job_id)["result"]["speech"]["complete"] is True
