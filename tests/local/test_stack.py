"""The whole journey through the real local stack over HTTP: moto server, bridge, chalice local."""
from __future__ import annotations

import json
import time

import pytest
import requests

from chalicelib.local.bridge import QUEUE_NAME, s3_event
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


def test_duplicate_event_does_no_second_run(stack, finished):
    job_id, user_id = finished["job"]["job_id"], finished["user_id"]
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
