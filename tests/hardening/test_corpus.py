"""The bad-input corpus (corpus.py) through the real local stack, as a client would send it.

Each file is refused at POST /uploads (400), or uploaded and its job ends `failed` with a
readable reason, or (a valid image after all) `done`. The worker keeps serving: a normal
photo after the corpus still ends done. The corpus is uploaded concurrently, then waited for.
"""
from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import psutil
import pytest
import requests

from tests.hardening import corpus
from tests.stackclient import login, register, request_upload, send_file, upload, wait_job, wait_jobs

# A deployed worker has 120 s (infra/template.py WorkerTimeout); the slowest case must fit.
WORKER_TIMEOUT_S = 120
# The bridge process holds both models (~0.5 GB) and decodes one image at a time.
BRIDGE_RSS_LIMIT = 2.5 * 1024 ** 3


def readable(reason: str) -> bool:
    """A sentence for people: not empty, not a traceback or an exception's repr, not a wall."""
    return (bool(reason) and len(reason) <= 300 and reason.rstrip()[-1] in ".!"
            and not any(s in reason for s in ("Traceback", "Exception:", "Error:", "errno", "<"))
            and not re.search(r"\b0x[0-9a-f]{6,}", reason))  # no object addresses


class PeakRss:
    """Samples the resident memory of the stack's bridge (the worker) in the background."""

    def __init__(self, stack):
        children = psutil.Process(stack.proc.pid).children(recursive=True)
        self.proc = next(p for p in children if "infra.local.bridge" in " ".join(p.cmdline()))
        self.peak, self.stop = 0, threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.stop.wait(0.1):
            self.peak = max(self.peak, self.proc.memory_info().rss)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory):
    """A stack of its own, whatever ran before in this pytest worker: the session's stack keeps
    its worker processes warm, as Lambda does, and after other files' jobs (other languages'
    voices loaded) one of them was killed over its 2 GB on a corpus file; and its log holds
    the earlier files' lines (chalice local's BrokenPipeError when a browser leaves a page)."""
    from tests.conftest import own_stack as stack_of_its_own

    # The corpus is more files than an account may upload in a minute: waiting out the 429s only
    # cost time here (the limit itself is tests/jobs/test_uploads.py's).
    with stack_of_its_own(tmp_path_factory, "corpus-stack", {"PAGEVOICE_UPLOAD_LIMIT_PER_USER": "1000"}) as stack:
        yield stack


@pytest.fixture(scope="module")
def outcomes(own_stack):
    """case name -> (POST /uploads response status, the finished job or None)."""
    stack = own_stack
    headers = login(stack, register(stack, name="Corpus"))
    cases = corpus.cases()

    def send(case: corpus.Case):
        # Uploads are limited per account and minute: wait out a 429 as a client would.
        r = request_upload(stack, headers, case.filename, case.content_type, case.declared_size, patience=90)
        if r.status_code != 201:
            return case.name, r, None
        if case.expect == "storage":  # what S3 answers is the outcome: no job runs
            post = r.json()["upload"]
            return case.name, requests.post(post["url"], data=post["fields"], timeout=60,
                                            files={"file": (case.filename, case.data, case.content_type)}), None
        send_file(r.json()["upload"], case.filename, case.data, case.content_type)
        return case.name, r, r.json()["job_id"]

    started = time.monotonic()
    with PeakRss(stack) as rss:
        with ThreadPoolExecutor(max_workers=4) as pool:
            sent = list(pool.map(send, cases))
        # All sent at once, they queue on the stack's few workers: 240 s was short at load 15.
        finished = wait_jobs(stack, headers, [job_id for _, _, job_id in sent if job_id], timeout=420)
    print(f"\ncorpus: {len(cases)} files in {time.monotonic() - started:.0f} s; "
          f"bridge peak RSS {rss.peak / 1024 ** 2:.0f} MB")
    return {"by_name": {name: (r, finished.get(job_id)) for name, r, job_id in sent},
            "headers": headers, "peak_rss": rss.peak}


def test_the_corpus_is_big_enough():
    names = [c.name for c in corpus.cases()]
    assert len(names) >= 30 and len(set(names)) == len(names)
    assert {c.expect for c in corpus.cases()} == {"refused", "failed", "done", "storage"}


@pytest.mark.stack
@pytest.mark.parametrize("case", corpus.cases(), ids=lambda c: c.name)
def test_each_file_is_refused_or_ends_with_a_reason(outcomes, case):
    response, job = outcomes["by_name"][case.name]
    if case.expect == "refused":
        assert response.status_code == 400, (case.why, response.text)
        body = response.json()
        assert body["error"] == "bad_request" and readable(body["message"]), body
        return
    if case.expect == "storage":
        assert 400 <= response.status_code < 500 and job is None, (case.why, response.status_code, response.text)
        return
    assert response.status_code == 201, (case.why, response.text)
    assert job is not None
    assert job["status"] == case.expect, (case.why, job["status"], job["error"])
    if case.expect == "failed":
        assert readable(job["error"]), job["error"]
        assert job["result"] is None and job["audio_url"] is None
    else:
        assert job["error"] is None and job["result"]["width"] >= 1 and job["result"]["height"] >= 1


@pytest.mark.stack
def test_odd_images_are_read(outcomes):
    """The valid-but-odd images with a word on them are actually read, not just `done`."""
    for name in ("corrupt-exif", "exif-rotated", "cmyk-jpeg", "png-16bit", "animated-gif", "gif-300-frames",
                 "animated-webp", "multipage-tiff", "float-tiff-nan", "jpeg-zip-polyglot", "png-trailing-html",
                 "declared-jpeg-is-png"):
        _, job = outcomes["by_name"][name]
        assert job["result"]["text"] == "HELLO", (name, job["result"]["text"])
    for name in ("one-pixel", "wide-strip-20000x20", "tall-strip-20x20000", "blank-page-at-cap"):
        _, job = outcomes["by_name"][name]
        assert job["result"]["text"] == "" and job["audio_url"] is None, name


@pytest.mark.stack
def test_long_text_stays_bounded_in_time_and_memory(outcomes):
    _, job = outcomes["by_name"]["long-text"]
    assert len(job["result"]["text"]) >= 2000
    stages = job["timings_ms"]
    total_s = sum(v for k, v in stages.items() if k in ("fetch", "decode", "ocr", "tts", "store")) / 1000
    print(f"\nlong text: {len(job['result']['text'])} characters, stages {stages}, {total_s:.1f} s")
    assert total_s < WORKER_TIMEOUT_S
    assert outcomes["peak_rss"] < BRIDGE_RSS_LIMIT


@pytest.mark.stack
def test_the_worker_keeps_serving(own_stack, outcomes, photo_with_text):
    stack = own_stack
    path, words = photo_with_text
    job_id = upload(stack, outcomes["headers"], path.name, path.read_bytes(), "image/jpeg", patience=90)
    job = wait_job(stack, outcomes["headers"], job_id)
    assert job["status"] == "done" and all(w in job["result"]["text"].split() for w in words)
    # Nothing escaped the worker's handling: no crash, no bug met on odd input, no retry storm.
    lines = stack.log_path.read_text(errors="replace").splitlines()
    tracebacks = [i for i, ln in enumerate(lines) if ln.startswith("Traceback")]
    assert not tracebacks, "\n".join(lines[tracebacks[0]:tracebacks[0] + 40])
    assert not [ln for ln in lines if any(m in ln for m in ('"msg": "unexpected error"', '"msg": "delivery failed',
                                                            '"msg": "bridge loop error"'))]
