"""Deleting a job at any moment leaves nothing behind: through the real local stack, a job
deleted while its recording is being made (its worker still writing parts)."""
from __future__ import annotations

import time

import requests

from chalicelib import settings
from tests.media import documents as docs
from tests.stackclient import get_job, login, register, upload

SENTENCE = "The committee thanks every member for the careful reading of the annual report."


def results_of(stack, user_id: str, job_id: str) -> list[str]:
    listed = stack.aws_client("s3").list_objects_v2(Bucket=settings.get().aws.bucket, Prefix=f"results/{user_id}/{job_id}/")
    return [o["Key"] for o in listed.get("Contents", [])]


def worker_said(stack, job_id: str, message: str) -> bool:
    return any(message in line for line in stack.log_tail(4000).splitlines() if job_id in line)


def test_a_job_deleted_mid_recording_leaves_nothing_under_results(stack):
    headers = login(stack, register(stack))
    user_id = requests.get(f"{stack.api_url}/me", headers=headers, timeout=30).json()["id"]
    pdf = docs.text_pdf([docs.TextPage([SENTENCE] * 20, font_size=10) for _ in range(3)])  # ~15 min of speech
    job_id = upload(stack, headers, "report.pdf", pdf, "application/pdf")
    deadline = time.monotonic() + 120
    while True:  # until the recording is under way: its first parts published
        job = get_job(stack, headers, job_id)
        assert job["status"] in ("uploading", "queued", "processing") and time.monotonic() < deadline, job
        if len(((job.get("result") or {}).get("speech") or {}).get("parts") or []) >= 2:
            break
        time.sleep(0.3)
    assert any(k.endswith("/speech-001.wav") for k in results_of(stack, user_id, job_id))
    assert requests.delete(f"{stack.api_url}/jobs/{job_id}", headers=headers, timeout=30).status_code == 204

    # The worker sees it at its next publish, removes what it wrote and stops.
    deadline = time.monotonic() + 60
    while not worker_said(stack, job_id, "job deleted while processing"):
        assert time.monotonic() < deadline, "the worker did not notice the job was deleted"
        time.sleep(0.5)
    assert results_of(stack, user_id, job_id) == []
    time.sleep(3)  # and writes nothing after
    assert results_of(stack, user_id, job_id) == []
    assert get_job(stack, headers, job_id).get("status") is None  # 404: gone
