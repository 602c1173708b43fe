"""The S3-triggered worker: one claim per job, outputs under the job's prefix, readable failures."""
from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from chalicelib import aws, settings
from chalicelib.errors import PageVoiceError
from chalicelib.jobs import events, keys, lifecycle, worker
from chalicelib.jobs import table as jobs
from chalicelib.jobs.objects import JobFiles
from chalicelib.kinds import voice
from chalicelib.kinds.page import pipeline
from chalicelib.structure import spoken
from chalicelib.web import job_view
from tests import images

pytest_plugins = ["tests.apifixtures"]
USER = "u-worker"


@pytest.fixture
def job(api_env):
    """A job whose upload has arrived: (job_id, upload key)."""
    def make(data: bytes) -> tuple[str, str]:
        record = jobs.create(USER, filename="page.png", content_type="image/png", size=len(data))
        key = keys.upload_key(USER, record["job_id"])
        aws.s3().put_object(Bucket=settings.get().aws.bucket, Key=key, Body=data)
        return record["job_id"], key
    return make


@pytest.fixture(scope="module")
def page_png():
    return images.encode(images.text_image(["INVOICE NUMBER 42"]).image, "PNG")


def objects() -> list[str]:
    return [o["Key"] for o in aws.s3().list_objects_v2(Bucket=settings.get().aws.bucket).get("Contents", [])]


def test_done_with_result_and_speech(job, page_png):
    job_id, key = job(page_png)
    assert worker.handle_upload(settings.get().aws.bucket, key) == "done"
    record = jobs.get(USER, job_id)
    assert record["status"] == "done" and record["attempts"] == 1
    assert set(record["timings_ms"]) >= {"fetch", "decode", "ocr", "tts", "store"}
    result = json.loads(aws.s3().get_object(Bucket=settings.get().aws.bucket, Key=record["result_key"])["Body"].read())
    assert result["text"] == "INVOICE NUMBER 42"
    parts = [keys.output_key(USER, job_id, p["file"]) for p in result["speech"]["parts"]]
    assert parts and sorted(objects()) == sorted([key, keys.result_key(USER, job_id), keys.audio_key(USER, job_id),
                                                  keys.output_key(USER, job_id, "speech.mp3"),
                                                  keys.output_key(USER, job_id, "source"), *parts])
    view = job_view.describe(USER, job_id)
    assert set(view["outputs"]) == {"speech.wav", "speech.mp3", *(p["file"] for p in result["speech"]["parts"])}
    # The recording's parts (speech.wav repeats them) are tagged for the lifecycle rule; what stays is not.
    tags = {k: aws.s3().get_object_tagging(Bucket=settings.get().aws.bucket, Key=k)["TagSet"] for k in objects()
            if k != key}
    transient = [{"Key": "pagevoice-output", "Value": "transient"}]
    assert all(tags[part] == transient for part in parts)
    assert not any(tagset for k, tagset in tags.items() if k not in parts)


def test_a_recordings_parts_are_no_longer_linked_once_the_lifecycle_may_have_removed_them(job, page_png,
                                                                                          monkeypatch):
    from chalicelib import clock

    job_id, key = job(page_png)
    assert worker.handle_upload(settings.get().aws.bucket, key) == "done"
    record = jobs.get(USER, job_id)
    parts = {p["file"] for p in job_view.describe(USER, job_id)["result"]["speech"]["parts"]}
    assert parts and set(record["transient_outputs"]) == parts
    began = clock.parse_iso(record["created_at"])
    monkeypatch.setattr(clock, "now", lambda: began + 86400 - 60)  # within the day: still there
    assert set(job_view.describe(USER, job_id)["outputs"]) == {"speech.wav", "speech.mp3", *parts}
    monkeypatch.setattr(clock, "now", lambda: began + 86400)
    assert set(job_view.describe(USER, job_id)["outputs"]) == {"speech.wav", "speech.mp3"}


def test_the_bytes_processed_are_kept_and_a_late_post_changes_nothing(job, page_png):
    """The presigned POST stays valid for minutes after the job ends: a second POST replaces
    uploads/.../source, but the job's image is the copy the worker kept beside its results."""
    pending = [{"Key": "pagevoice-upload", "Value": "pending"}]
    bucket = settings.get().aws.bucket
    for data, outcome in ((page_png, "done"), (b"not an image", "failed")):
        job_id, key = job(data)
        aws.s3().put_object_tagging(Bucket=bucket, Key=key, Tagging={"TagSet": pending})  # as the POST does
        assert worker.handle_upload(bucket, key) == outcome
        kept = keys.output_key(USER, job_id, "source")
        assert aws.s3().get_object(Bucket=bucket, Key=kept)["Body"].read() == data
        assert aws.s3().get_object_tagging(Bucket=bucket, Key=key)["TagSet"] == pending  # the inbox is reaped
        aws.s3().put_object(Bucket=bucket, Key=key, Body=b"<html>swapped</html>")  # the late POST
        assert worker.handle_upload(bucket, key) == "skipped"
        view = job_view.describe(USER, job_id)
        assert f"/{kept}?" in view["image_url"] and view["status"] == outcome
        assert aws.s3().get_object(Bucket=bucket, Key=kept)["Body"].read() == data
    record = jobs.create(USER, filename="late.png", content_type="image/png", size=3)
    lifecycle.delete(USER, record["job_id"])
    key = keys.upload_key(USER, record["job_id"])
    aws.s3().put_object(Bucket=bucket, Key=key, Body=b"png", Tagging="pagevoice-upload=pending")
    assert worker.handle_upload(bucket, key) == "skipped"
    assert aws.s3().get_object_tagging(Bucket=bucket, Key=key)["TagSet"] == pending  # reaped later


def test_text_is_shown_while_speech_is_made(job, page_png, monkeypatch):
    job_id, key = job(page_png)
    seen = {}
    real_record = voice.record

    def record(text, **kw):
        seen.update(job_view.describe(USER, job_id))  # what GET /jobs/{id} answers meanwhile
        return real_record(text, **kw)

    monkeypatch.setattr(voice, "record", record)
    assert worker.handle_upload(settings.get().aws.bucket, key) == "done"
    assert seen["status"] == "processing" and seen["result"]["text"] == "INVOICE NUMBER 42"
    assert seen["audio_url"] is None
    done = job_view.describe(USER, job_id)
    assert done["audio_url"] and "tts" in done["result"]["timings_ms"]  # the final result replaced it


def test_the_voice_loads_in_the_background_only_once_a_jobs_text_is_out(job, page_png, monkeypatch):
    """A cold start's event comes with the init: the voice waits for the first job's text
    instead of taking CPU from its OCR; an idle worker loads it after a short grace."""
    import threading
    import time

    gate = worker._TextFirst()
    monkeypatch.setattr(gate, "GRACE_S", 0.05)
    # A wait for the first output that is not given up: a gate that held an idle worker (or a
    # job's voice after its text) would hold the threads below past their generous joins.
    monkeypatch.setattr(gate, "MAX_WAIT_S", 3600.0)
    monkeypatch.setattr(worker, "_TEXT_FIRST", gate)
    loaded: list[str] = []
    real_run = pipeline.run

    def run(data, **kw):
        waiting = threading.Thread(target=lambda: (gate.wait(), loaded.append("voice")), daemon=True)
        waiting.start()
        time.sleep(0.3)
        held = list(loaded)

        def publish(outputs):
            kw["publish"](outputs)
            waiting.join(60)
            loaded.append(f"after the first output, held before it: {held == []}")
        return real_run(data, **{**kw, "publish": publish})

    monkeypatch.setattr(pipeline, "run", run)
    _, key = job(page_png)
    assert worker.handle_upload(settings.get().aws.bucket, key) == "done"
    assert loaded[:2] == ["voice", "after the first output, held before it: True"]
    idle = threading.Thread(target=gate.wait, daemon=True)
    t0 = time.monotonic()
    idle.start()
    idle.join(60)
    assert not idle.is_alive()  # no job: only the grace, not MAX_WAIT_S
    assert time.monotonic() - t0 >= 0.05  # the grace was slept


def test_aws_clients_that_cannot_be_built_at_init_are_logged_not_raised(monkeypatch, caplog):
    def broken():
        raise RuntimeError("no region")

    monkeypatch.setattr(aws, "warm_up", broken)
    worker._warm_clients()  # on its own thread at init: an exception there would print a raw traceback
    assert "AWS clients not built at init" in caplog.text


def test_duplicate_delivery_does_no_work(job, page_png, monkeypatch):
    _, key = job(page_png)
    assert worker.handle_upload(settings.get().aws.bucket, key) == "done"
    monkeypatch.setattr(pipeline, "run", lambda *a, **k: pytest.fail("processed twice"))
    assert worker.handle_upload(settings.get().aws.bucket, key) == "skipped"


def test_broken_image_fails_without_retry(job):
    job_id, key = job(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    assert worker.handle_upload(settings.get().aws.bucket, key) == "failed"
    record = jobs.get(USER, job_id)
    assert record["status"] == "failed" and "image" in record["error"]


def test_oversize_object_is_refused_before_download(job, monkeypatch, page_png):
    monkeypatch.setenv("PAGEVOICE_MAX_UPLOAD_BYTES", "100")
    job_id, key = job(page_png)
    assert worker.handle_upload(settings.get().aws.bucket, key) == "failed"
    assert "limit is" in jobs.get(USER, job_id)["error"]


def test_missing_object_fails_with_reason(api_env):
    record = jobs.create(USER, filename="gone.png", content_type="image/png", size=10)
    key = keys.upload_key(USER, record["job_id"])
    assert worker.handle_upload(settings.get().aws.bucket, key) == "failed"
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
        worker.handle_upload(settings.get().aws.bucket, key)  # Lambda retries on a raise
    assert jobs.get(USER, job_id)["status"] == "queued"  # released, not stuck until the lease ends
    monkeypatch.undo()
    assert worker.handle_upload(settings.get().aws.bucket, key) == "done"  # the retry
    assert jobs.get(USER, job_id)["attempts"] == 2


def test_non_permanent_engine_error_is_retried(job, page_png, monkeypatch):
    job_id, key = job(page_png)

    class Upstream(PageVoiceError):
        permanent = False

    def flaky(*a, **k):
        raise Upstream("speech service busy")

    monkeypatch.setattr(pipeline, "run", flaky)
    with pytest.raises(Upstream):
        worker.handle_upload(settings.get().aws.bucket, key)
    assert jobs.get(USER, job_id)["status"] == "queued"


def test_job_deleted_while_processing_leaves_no_outputs(job, page_png, monkeypatch):
    job_id, key = job(page_png)
    real = pipeline.run

    def delete_meanwhile(data, **kw):
        done = real(data, **kw)
        lifecycle.delete(USER, job_id)
        return done

    monkeypatch.setattr(pipeline, "run", delete_meanwhile)
    assert worker.handle_upload(settings.get().aws.bucket, key) == "skipped"
    assert objects() == []


def test_lambda_event_keys_are_url_decoded(api_env):
    event = {"Records": [{"s3": {"bucket": {"name": "b"}, "object": {"key": "uploads/u%2Fx/J+1/source"}}}]}
    assert list(events.records(event)) == [("b", "uploads/u/x/J 1/source")]


def test_keys_outside_uploads_are_ignored(api_env):
    assert worker.handle_upload(settings.get().aws.bucket, "results/u/j/result.json") == "ignored"
    assert worker.handle_upload(settings.get().aws.bucket, "uploads/../../etc/passwd") == "ignored"


def test_a_turn_out_of_time_is_continued_by_the_next_invocation(job, monkeypatch):
    """Near Lambda's timeout the turn stores what it made and hands the job on; the next
    invocation (the worker invokes itself) goes on from there and the recording ends whole."""
    class Context:  # Lambda's context object, with time left only for storing the outputs
        invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:pv-worker"

        def get_remaining_time_in_millis(self):
            return worker.STORE_MARGIN_SECONDS * 1000

    invoked = []

    class Lambda:
        def invoke(self, **kw):
            invoked.append(kw)

    monkeypatch.setattr(aws, "lambda_", lambda: Lambda())
    # Three sentences: three pieces of the recording, so the first turn (which always speaks
    # one) has work left however fast the machine is.
    lines = ["Invoice number 42.", "Paid in full.", "Thank you for your order."]
    job_id, key = job(images.encode(images.text_image(lines).image, "PNG"))
    assert worker.handle_upload(settings.get().aws.bucket, key, Context()) == "continued"
    record = jobs.get(USER, job_id)
    assert record["status"] == "processing" and record["turns"] == 1 and record["attempts"] == 0
    assert invoked and invoked[0]["FunctionName"] == Context.invoked_function_arn
    assert invoked[0]["InvocationType"] == "Event"
    assert json.loads(invoked[0]["Payload"]) == events.s3_event(settings.get().aws.bucket, key)
    meanwhile = job_view.describe(USER, job_id)
    assert meanwhile["result"]["text"] == "\n".join(lines) and meanwhile["result"]["speech"]["complete"] is False
    assert worker.handle_upload(settings.get().aws.bucket, key) == "done"  # the next turn
    result = job_view.describe(USER, job_id)["result"]
    speech = result["speech"]
    said = spoken.script(result, "en").text  # what the recording says of the text (its structure's)
    assert speech["complete"] is True and speech["characters"] == len(said)
    assert len(speech["words"]) == len(result["text"].split())
    files = [p["file"] for p in speech["parts"]]
    assert len(files) == len(set(files))
    assert jobs.get(USER, job_id)["attempts"] == 1  # a turn is not a failed attempt


def test_a_job_that_keeps_running_out_of_time_ends_after_its_turns(job, monkeypatch):
    from chalicelib.kinds.base import Outputs

    monkeypatch.setenv("PAGEVOICE_WORKER_MAX_TURNS", "2")
    monkeypatch.setattr(pipeline, "run", lambda data, **kw: Outputs(result={
        "schema": 1, "kind": "page", "engine": "stub", "width": 1, "height": 1, "text": "", "lines": [],
        "timings_ms": {}}, more=True))
    job_id, key = job(b"anything")
    assert worker.handle_upload(settings.get().aws.bucket, key) == "continued"
    assert worker.handle_upload(settings.get().aws.bucket, key) == "done"
    assert jobs.get(USER, job_id)["turns"] == 1


@pytest.mark.slow
def test_a_long_document_gets_a_complete_recording_in_turns(api_env, monkeypatch):
    """A long letter as a PDF with a text layer: read at once, recorded over several invocations
    of a Lambda with 25 s each (10 s of work after the worker's margin), and the recording covers
    every word: 1,000 words are about three minutes of speech, 15 s of the voice's CPU here."""
    import io
    import wave

    from tests.media import documents as docs

    # Short words: the recording's length (its CPU) is what this test costs, and any 1,000 words show it.
    words = ["The", "cat", "and", "the", "dog", "sat", "by", "the", "red", "door", "at", "noon", "and", "we", "all", "went", "home", "to", "eat", "bread", "with", "jam", "and", "hot", "tea"]
    text = [" ".join(words[(i * 10 + k) % len(words)] for k in range(10)) for i in range(100)]  # 1,000 words
    data = docs.text_pdf([docs.TextPage(text[i:i + 25], font_size=11) for i in range(0, 100, 25)])
    record = jobs.create(USER, filename="report.pdf", content_type="application/pdf", size=len(data))
    key = keys.upload_key(USER, record["job_id"])
    aws.s3().put_object(Bucket=settings.get().aws.bucket, Key=key, Body=data)

    class Context:
        def __init__(self):
            import time
            self.end = time.monotonic() + worker.STORE_MARGIN_SECONDS + 10

        def get_remaining_time_in_millis(self):
            import time
            return int((self.end - time.monotonic()) * 1000)

    outcomes = []
    while not outcomes or outcomes[-1] == "continued":
        outcomes.append(worker.handle_upload(settings.get().aws.bucket, key, Context()))
        assert len(outcomes) < 100  # each turn records at least a piece: only a loop that never ends reaches it
    assert outcomes[-1] == "done" and len(outcomes) >= 2, outcomes
    view = job_view.describe(USER, record["job_id"])
    result, speech = view["result"], view["result"]["speech"]
    assert len(result["text"].split()) == 1000 and result["document"]["read"] == 4
    assert speech["complete"] is True and speech["characters"] == len(result["text"])
    assert len(speech["words"]) == 1000 and {w["page"] for w in speech["words"]} == set(range(4))
    wav = aws.s3().get_object(Bucket=settings.get().aws.bucket, Key=keys.audio_key(USER, record["job_id"]))["Body"].read()
    with wave.open(io.BytesIO(wav)) as w:
        seconds = w.getnframes() / w.getframerate()
    assert seconds == pytest.approx(speech["seconds"], abs=0.05) and seconds > 150  # about three minutes of speech
    assert speech["words"][-1]["end"] <= seconds
    print(f"\n1,000 words: {seconds / 60:.1f} min of speech in {len(outcomes)} invocations of 25 s")


def test_an_account_past_its_worker_slots_waits_and_is_handed_on(job, page_png, monkeypatch):
    """One account cannot hold every deployed worker: past its cap a job is not claimed (no
    attempt counted) and waits; the worker that frees a slot invokes the worker for it."""
    monkeypatch.setenv("PAGEVOICE_USER_MAX_WORKERS", "1")
    first, first_key = job(page_png)
    waiting, waiting_key = job(page_png)
    assert jobs.take_slot(USER, first, 60, cap=1)  # the first job's worker is busy with it
    with pytest.raises(worker.AccountBusy):
        worker.handle_upload(settings.get().aws.bucket, waiting_key)
    record = jobs.get(USER, waiting)  # queued from now: its wait is not counted as a lost job
    assert record["status"] == "queued" and record["attempts"] == 0
    invoked = []

    class Context:
        invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:pagevoice-worker"

        @staticmethod
        def get_remaining_time_in_millis():
            return 120_000

    monkeypatch.setattr(aws, "lambda_", lambda: type("L", (), {"invoke": lambda self, **kw: invoked.append(kw)})())
    assert worker.handle_upload(settings.get().aws.bucket, first_key, Context()) == "done"
    assert [json.loads(i["Payload"]) for i in invoked] == [events.s3_event(settings.get().aws.bucket, waiting_key)]
    assert worker.handle_upload(settings.get().aws.bucket, waiting_key, Context()) == "done"


def test_a_delivery_whose_job_was_taken_over_leaves_the_slot_to_the_new_one(job, page_png, monkeypatch):
    """The job's record is still processing under another delivery's lease: the slot (keyed by
    the job) is that delivery's, and the one that stops here must not free it."""
    job_id, key = job(page_png)
    assert jobs.take_slot(USER, job_id, 60, cap=1) and jobs.claim(USER, job_id, 60)  # the other delivery
    worker._hand_on_slot(JobFiles.of(USER, job_id), None)
    other, _ = job(page_png)
    assert not jobs.take_slot(USER, other, 60, cap=1)  # still held
