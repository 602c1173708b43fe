"""The whole journey through the real local stack over HTTP: moto server, bridge, chalice local.

Page jobs run the real engines; the stub kind (tests/stubkind/, plugged into the stack by the
`stack` fixture) shows the worker's seam with no ML: any kind goes through the same path."""
from __future__ import annotations

import json
import time

import pytest
import requests

from chalicelib.jobs.events import s3_event
from infra import template
from infra.local import slots
from infra.local.bridge import QUEUE_NAME
from infra.local.process import StackProcess
from tests import images
from tests.stackclient import login, register, upload, wait_job


@pytest.fixture(scope="module")
def user(stack):
    return register(stack)


def job_record(stack, user_id, job_id) -> dict:
    item = stack.aws_client("dynamodb").get_item(
        TableName="pagevoice-jobs", Key={"user_id": {"S": user_id}, "job_id": {"S": job_id}})["Item"]
    return {k: list(v.values())[0] for k, v in item.items()}


@pytest.fixture(scope="module")
def finished(stack, user, photo_with_text):
    headers = login(stack, user)
    path, words = photo_with_text
    job_id = upload(stack, headers, path.name, path.read_bytes(), "image/jpeg")
    job = wait_job(stack, headers, job_id)
    me = requests.get(f"{stack.api_url}/me", headers=headers).json()
    return {"headers": headers, "job": job, "words": words, "user_id": me["id"]}


def test_upload_to_done_with_text_and_speech(stack, finished):
    job = finished["job"]
    assert job["status"] == "done", job
    read = job["result"]["text"].split()
    assert all(w in read for w in finished["words"]), job["result"]["text"]
    audio = requests.get(job["audio_url"])
    assert audio.status_code == 200 and audio.content[:4] == b"RIFF" and audio.content[8:12] == b"WAVE"
    image = requests.get(job["image_url"])
    assert image.status_code == 200 and image.content[:2] == b"\xff\xd8"
    # Served as the declared type, as an attachment (never rendered as a page of its own).
    assert image.headers["Content-Type"] == "image/jpeg" and audio.headers["Content-Type"] == "audio/wav"
    assert image.headers["Content-Disposition"].startswith("attachment;")


def test_worker_logs_are_json_with_job_id(stack, finished):
    job_id = finished["job"]["job_id"]
    lines = [json.loads(ln) for ln in stack.log_tail(2000).splitlines() if ln.startswith("{") and job_id in ln]
    assert any(ln.get("msg") == "done" and ln.get("job_id") == job_id for ln in lines)


def test_corrupt_upload_fails_with_reason(stack, user):
    headers = login(stack, user)
    job_id = upload(stack, headers, "broken.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png")
    job = wait_job(stack, headers, job_id)
    assert job["status"] == "failed"
    assert job["error"] and "image" in job["error"].lower()


def test_the_bridge_invokes_what_the_template_deploys():
    """One entry point: the handler the deploy template gives the worker image is the one the
    local bridge calls, with a Lambda-like context (its remaining time)."""
    from chalicelib.jobs import worker

    assert slots.WORKER_HANDLER == template.WORKER_HANDLER
    assert slots.handler() is worker.lambda_handler
    context = slots.LambdaContext(15)
    assert 14_000 < context.get_remaining_time_in_millis() <= 15_000


@pytest.fixture(scope="module")
def stub_job(stack, user):
    headers = login(stack, user)
    job_id = upload(stack, headers, "note.txt", b"echo:read me aloud", "text/plain", kind="stub")
    me = requests.get(f"{stack.api_url}/me", headers=headers).json()
    return {"headers": headers, "job": wait_job(stack, headers, job_id), "user_id": me["id"]}


def test_a_stub_kind_job_goes_through_the_stack(stack, stub_job):
    job = stub_job["job"]
    assert job["status"] == "done" and job["kind"] == "stub", job
    assert job["result"] == {"schema": 1, "kind": "stub", "text": "read me aloud",
                             "timings_ms": {"fetch": job["result"]["timings_ms"]["fetch"], "stub": 1}}
    assert set(job["outputs"]) == {"echo.txt"} and job["audio_url"] is None
    assert requests.get(job["outputs"]["echo.txt"]).content == b"read me aloud"
    assert job["summary"] == {"characters": 13, "files": ["echo.txt"]}
    listed = requests.get(f"{stack.api_url}/jobs", headers=stub_job["headers"]).json()["jobs"]
    assert {j["job_id"]: j["kind"] for j in listed}[job["job_id"]] == "stub"


def test_a_stub_kind_failure_ends_the_job_with_its_reason(stack, user):
    headers = login(stack, user)
    job_id = upload(stack, headers, "bad.txt", b"fail:That note is unreadable.", "text/plain", kind="stub")
    job = wait_job(stack, headers, job_id)
    assert job["status"] == "failed" and job["error"] == "That note is unreadable."


def test_duplicate_events_of_a_stub_job_do_no_second_run(stack, stub_job):
    _assert_duplicates_do_nothing(stack, stub_job["job"]["job_id"], stub_job["user_id"])


def test_duplicate_event_does_no_second_run(stack, finished):
    _assert_duplicates_do_nothing(stack, finished["job"]["job_id"], finished["user_id"])


def _assert_duplicates_do_nothing(stack, job_id, user_id):
    before = job_record(stack, user_id, job_id)
    s3 = stack.aws_client("s3")
    result_key = f"results/{user_id}/{job_id}/result.json"
    stamp = s3.head_object(Bucket="pagevoice-local", Key=result_key)["LastModified"]
    sqs = stack.aws_client("sqs")
    url = sqs.get_queue_url(QueueName=QUEUE_NAME)["QueueUrl"]
    event = s3_event("pagevoice-local", f"uploads/{user_id}/{job_id}/source")
    for _ in range(2):  # S3 delivers at least once
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(event))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # until the bridge has consumed both
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        if attrs["ApproximateNumberOfMessages"] == "0" and attrs["ApproximateNumberOfMessagesNotVisible"] == "0":
            break
        time.sleep(0.3)
    time.sleep(1)
    after = job_record(stack, user_id, job_id)
    assert after["attempts"] == before["attempts"] and after["status"] == "done"
    assert s3.head_object(Bucket="pagevoice-local", Key=result_key)["LastModified"] == stamp
    assert '"msg": "duplicate delivery or finished job; nothing to do"' in stack.log_tail(400)


def test_restart_keeps_user_and_job(stack, user, finished):
    stack.restart()
    headers = login(stack, user)  # the user survived
    jobs = requests.get(f"{stack.api_url}/jobs", headers=headers).json()["jobs"]
    assert finished["job"]["job_id"] in [j["job_id"] for j in jobs]
    job = requests.get(f"{stack.api_url}/jobs/{finished['job']['job_id']}", headers=headers).json()
    assert job["status"] == "done" and job["result"]["text"] == finished["job"]["result"]["text"]
    assert requests.get(job["audio_url"]).content[:4] == b"RIFF"
    # The session from before the restart is still valid (same signing secret, same session record).
    assert requests.get(f"{stack.api_url}/me", headers=finished["headers"]).status_code == 200


@pytest.mark.stack
def test_a_worker_with_little_time_left_goes_on_in_turns(tmp_path):
    """The bridge gives the worker Lambda's remaining time: with 17 s per invocation (15 s kept
    for storing), each turn records a little and hands the job on; the next turn goes on, and
    the job ends done with the whole page recorded."""
    lines = [f"Line {i} of a long letter that takes a while to read aloud." for i in range(14)]
    page = images.encode(images.text_image(lines, size=28).image, "PNG")
    with StackProcess(state_dir=tmp_path / "state", log_path=tmp_path / "stack.log",
                      extra_env={"PAGEVOICE_WORKER_TIMEOUT_SECONDS": "17"}) as small:
        headers = login(small, register(small))
        started = time.monotonic()
        job = wait_job(small, headers, upload(small, headers, "letter.png", page, "image/png"), timeout=600)
        print(f"\ndone in {time.monotonic() - started:.0f} s")  # (~40 s on a quiet machine)
        log = (tmp_path / "stack.log").read_text()
    assert job["status"] == "done", job
    speech = job["result"]["speech"]
    assert speech["complete"] is True and speech["characters"] == len(job["result"]["text"]), speech
    assert len(speech["words"]) == len(job["result"]["text"].split())
    assert log.count("turn ended with work left") >= 2  # it took turns
    assert {"speech.wav", "speech.mp3"} <= set(job["outputs"])
    # How long each invocation took is the machine's as much as the worker's: printed, not
    # bounded (on a quiet machine each hands the job on within its 17 s; on one loaded 6x over its
    # two cores the bridge ended some, as Lambda would, and their retries finished the job).
    print(f"the last invocation's stages: {sum(job['timings_ms'].values()) / 1000:.1f} s; invocations the bridge "
          f"ended over their time: {log.count('killing a worker process over its limit')}")


def test_the_site_is_served_with_its_security_headers(stack):
    r = requests.get(stack.site_url + "/index.html", timeout=30)
    csp = r.headers["Content-Security-Policy"]
    assert f"connect-src 'self' {stack.api_url} {stack.s3_url}" in csp and "script-src 'self' 'wasm-unsafe-eval';" in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff" and r.headers["X-Frame-Options"] == "DENY"
    config = requests.get(stack.site_url + "/config.js", timeout=30)
    assert config.headers["Cache-Control"] == "no-store"


def test_a_handwritten_number_through_the_stack(stack, user):
    """The digits kind, deployed path: upload with kind=digits, the number and its boxes, spoken."""
    from tests.kinds.test_digits import drawn

    headers = login(stack, user)
    job = wait_job(stack, headers, upload(stack, headers, "seven.png", drawn("tathagat_7.png"), "image/png",
                                          kind="digits"))
    assert job["status"] == "done" and job["kind"] == "digits", job
    assert job["result"]["text"] == "7" and job["result"]["digits"][0]["digit"] == 7
    audio = requests.get(job["audio_url"], timeout=30)
    assert audio.content[:4] == b"RIFF" and set(job["outputs"]) == {"speech.wav"}


def test_a_broken_digits_image_fails_with_a_reason(stack, user):
    headers = login(stack, user)
    job = wait_job(stack, headers, upload(stack, headers, "broken.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
                                          "image/png", kind="digits"))
    assert job["status"] == "failed" and "image" in job["error"].lower()


def test_a_recording_through_the_stack(stack, user):
    """The speech kind: a FLAC in, what was said with word times out, no recording made."""
    from tests.engines.asr.audiofiles import speech_dev

    headers = login(stack, user)
    data = speech_dev("asr/goforward.flac").read_bytes()
    job = wait_job(stack, headers, upload(stack, headers, "goforward.flac", data, "audio/flac", kind="speech"))
    assert job["status"] == "done" and job["kind"] == "speech", job
    assert "forward" in job["result"]["text"].lower() and job["result"]["segments"][0]["words"]
    assert job["audio_url"] is None and job["outputs"] == {}
    source = requests.get(job["image_url"], timeout=30)  # the upload itself, to play beside the text
    assert source.content == data and source.headers["Content-Type"] == "audio/flac"


def test_a_pdf_through_the_stack(stack, user):
    """The page kind takes application/pdf: one result for the document, each page's image,
    the recording in parts and whole, all presigned for the owner."""
    from tests.media import documents as docs

    headers = login(stack, user)
    pdf = docs.text_pdf([docs.TextPage(["The first page of the letter."]),
                         docs.TextPage(["The second page ends it."])])
    job = wait_job(stack, headers, upload(stack, headers, "letter.pdf", pdf, "application/pdf"))
    assert job["status"] == "done", job
    result = job["result"]
    assert result["text"] == "The first page of the letter.\n\nThe second page ends it."
    assert result["document"] == {"pages_in_file": 2, "pages": 2, "read": 2, "complete": True}
    assert {"page-001.jpg", "page-002.jpg", "speech.wav", "speech.mp3"} <= set(job["outputs"])
    assert {p["file"] for p in result["speech"]["parts"]} <= set(job["outputs"])
    image = requests.get(job["outputs"]["page-002.jpg"], timeout=30)
    assert image.content[:2] == b"\xff\xd8" and image.headers["Content-Type"] == "image/jpeg"
    assert [w["page"] for w in result["speech"]["words"]] == [0] * 6 + [1] * 5
    assert job["summary"]["pages"] == 2 and job["summary"]["words"] == 11
