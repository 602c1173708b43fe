"""A book's multipart upload through the real local stack (issue 54, CONTRACTS section 15): a
PDF over the multipart threshold (6 MiB here, set for this stack; parts of 5 MiB, S3's least) is
sent as parts to presigned URLs, dropped part-way, resumed from what S3 holds, completed by the
API, and S3's CompleteMultipartUpload event starts the worker, which reads it to done."""
from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.conftest import MULTIPART_PART as PART
from tests.media.documents import padded_text_pdf
from tests.stackclient import login, register, request_upload, wait_job

pytestmark = pytest.mark.stack

LINES = ["Call me Ishmael.", "Some years ago, never mind how long precisely."]


def send_part(part: dict, data: bytes) -> None:
    chunk = data[(part["number"] - 1) * PART:part["number"] * PART]
    assert len(chunk) == part["size"]
    r = requests.put(part["url"], data=chunk, timeout=60)
    assert r.status_code == 200, r.text


def test_a_dropped_multipart_upload_resumes_completes_and_is_read(multipart_stack):
    stack = multipart_stack
    headers = login(stack, register(stack))
    pdf = padded_text_pdf(LINES, 2 * PART + 300_000)  # just over two parts: three
    r = request_upload(stack, headers, "moby-dick.pdf", "application/pdf", len(pdf))
    assert r.status_code == 201, r.text
    job_id, upload = r.json()["job_id"], r.json()["upload"]
    assert "url" not in upload and "fields" not in upload
    first = upload["multipart"]
    assert (first["count"], first["part_bytes"]) == (3, PART)
    assert [p["number"] for p in first["parts"]] == [1, 2, 3]

    # Part 1 goes; then the connection drops (the rest are never sent).
    send_part(first["parts"][0], pdf)
    api = stack.api_url
    early = requests.post(f"{api}/uploads/{job_id}/complete", headers=headers, timeout=30)
    assert early.status_code == 400 and "part 2, 3" in early.json()["message"], early.text
    assert requests.get(f"{api}/jobs/{job_id}", headers=headers, timeout=30).json()["status"] == "uploading"

    # Resumed: S3 holds part 1; fresh URLs for the others, which go at once.
    resumed = requests.get(f"{api}/uploads/{job_id}/parts", headers=headers, timeout=30)
    assert resumed.status_code == 200, resumed.text
    mp = resumed.json()["multipart"]
    assert mp["upload_id"] == first["upload_id"]
    assert mp["received"] == [{"number": 1, "size": PART}]
    assert [p["number"] for p in mp["parts"]] == [2, 3]
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda part: send_part(part, pdf), mp["parts"]))
    done = requests.post(f"{api}/uploads/{job_id}/complete", headers=headers, timeout=30)
    assert done.status_code == 200, done.text
    assert done.json()["job_id"] == job_id and done.json()["size"] == len(pdf)

    # S3's event starts the worker as a POST's does.
    job = wait_job(stack, headers, job_id, timeout=180)
    assert job["status"] == "done", job
    assert job["size"] == len(pdf) and job["content_type"] == "application/pdf"
    assert job["result"]["text"] == "\n".join(LINES)
    kept = requests.get(job["image_url"], timeout=60)  # the bytes the worker read, kept beside the result
    assert hashlib.sha256(kept.content).hexdigest() == hashlib.sha256(pdf).hexdigest()
    # Nothing is left to resume; another user sees nothing of it.
    assert requests.get(f"{api}/uploads/{job_id}/parts", headers=headers, timeout=30).status_code == 409
    other = login(stack, register(stack))
    assert requests.get(f"{api}/uploads/{job_id}/parts", headers=other, timeout=30).status_code == 404
