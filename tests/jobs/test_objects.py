"""A job's objects: the result grows by what is new, a size cap, and a deleted job leaves nothing.

Through the worker against moto in-process: a kind that publishes a document page by page,
counted byte by byte (the growing result on its own: test_growing.py).
"""
from __future__ import annotations

import io
import json
from urllib.parse import unquote, urlsplit

import pytest

from chalicelib import aws, clock, settings
from chalicelib.errors import ObjectMissing
from chalicelib.jobs import growing, keys, lifecycle, objects, sweep, worker
from chalicelib.jobs import table as jobs
from chalicelib.jobs.objects import JobFiles
from chalicelib.kinds.base import Outputs
from chalicelib.kinds.page import pipeline
from chalicelib.web import job_view
from tests.jobs.test_growing import document, page

pytest_plugins = ["tests.apifixtures"]
USER = "u-objects"


# --- Through the worker (moto in-process) ---

def body_size(request) -> int:
    """Bytes sent: the decoded length of an aws-chunked body (botocore's checksums), else its length."""
    headers = {k.lower(): v for k, v in request.headers.items()}
    size = headers.get("x-amz-decoded-content-length") or headers.get("content-length")
    if size is not None:
        return int(size)
    return len(request.body or b"")


class Written:
    """Bytes of every object the S3 client writes (puts, parts of multipart uploads)."""

    def __init__(self):
        self.by_key: dict[str, list[int]] = {}
        aws.s3().meta.events.register("before-send.s3.*", self.count)

    def count(self, request, **kw):
        if request.method == "PUT" and "x-amz-copy-source" not in request.headers:
            key = unquote(urlsplit(request.url).path).lstrip("/")
            key = key.removeprefix(f"{settings.get().aws.bucket}/")  # path-style addressing
            self.by_key.setdefault(key, []).append(body_size(request))

    def close(self):
        aws.s3().meta.events.unregister("before-send.s3.*", self.count)

    def total(self) -> int:
        return sum(sum(v) for v in self.by_key.values())


@pytest.fixture
def written(api_env):
    w = Written()
    yield w
    w.close()


def upload(data: bytes, filename: str = "report.pdf") -> tuple[str, str]:
    record = jobs.create(USER, filename=filename, content_type="application/pdf", size=len(data))
    key = keys.upload_key(USER, record["job_id"])
    aws.s3().put_object(Bucket=settings.get().aws.bucket, Key=key, Body=data, Tagging="pagevoice-upload=pending")
    return record["job_id"], key


def listing(job_id: str) -> list[str]:
    prefix = keys.job_prefix(USER, job_id)
    return [o["Key"] for o in aws.s3().list_objects_v2(Bucket=settings.get().aws.bucket, Prefix=prefix).get("Contents", [])]


def publishing(n_pages: int, on_page=None):
    """A page kind's run that publishes a dense document page by page, then returns it."""
    def run(data, *, deadline=None, publish=None, resume=None, content_type=None):
        pages = []
        for i in range(n_pages):
            pages.append(page(i))
            publish(Outputs(result=document(pages), files={f"page-{i + 1:03d}.jpg": (b"jpeg" * 100, "image/jpeg")}))
            if on_page:
                on_page(i)
        return Outputs(result=document(pages))
    return run


def test_the_worker_writes_what_is_new_and_the_result_whole_once(written, monkeypatch):
    monkeypatch.setenv("PAGEVOICE_INLINE_RESULT_BYTES", str(1024 * 1024))
    seen = []
    job_id, key = upload(b"%PDF-")
    view = lambda i: seen.append(job_view.describe(USER, job_id))  # noqa: E731 - GET /jobs/{id} meanwhile
    monkeypatch.setattr(pipeline, "run", publishing(30, on_page=view))
    assert worker.handle_upload(settings.get().aws.bucket, key) == "done"
    final = job_view.describe(USER, job_id)
    assert final["status"] == "done" and final["result_url"] and final["result_parts"] is None  # CONTRACTS 1, 7
    result_key = keys.result_key(USER, job_id)
    result = json.loads(aws.s3().get_object(Bucket=settings.get().aws.bucket, Key=result_key)["Body"].read())
    assert result == {**document([page(i) for i in range(30)]), "timings_ms": result["timings_ms"]}
    outputs = sum(written.by_key[k][-1] for k in listing(job_id) if not k.endswith("/source"))
    print(f"\n30 dense pages: {written.total():,} bytes written for {outputs:,} bytes of outputs")
    assert written.total() <= 3 * outputs
    assert len(written.by_key[result_key]) == 1  # result.json: once, at the end
    parts = [k for k in written.by_key if "/result-pages-" in k]
    assert len(parts) == 30 and all(len(written.by_key[k]) == 1 for k in parts)  # each page once
    # While it grew, GET /jobs/{id} had it whole (inline while small), then its index and parts.
    assert [len(v["result"]["pages"]) for v in seen[:3]] == [1, 2, 3]
    large = seen[-1]
    assert large["status"] == "processing" and large["result"] is None and large["result_url"] is None
    index, urls = large["result_parts"]["index"], large["result_parts"]["urls"]
    assert set(urls) == set(growing.part_names(index))
    assert index["result"]["pages"] is None and index["result"]["document"]["read"] == 30
    # Done: result.json alone remains of the result (the index and parts are gone).
    names = sorted(k.rsplit("/", 1)[-1] for k in listing(job_id))
    assert names == sorted(["result.json", "source", *(f"page-{i:03d}.jpg" for i in range(1, 31))])


def test_a_result_past_the_cap_ends_with_what_fitted_and_says_so(written, monkeypatch):
    monkeypatch.setenv("PAGEVOICE_MAX_RESULT_BYTES", str(200_000))
    job_id, key = upload(b"%PDF-")
    monkeypatch.setattr(pipeline, "run", publishing(30))
    assert worker.handle_upload(settings.get().aws.bucket, key) == "done"
    result = job_view.describe(USER, job_id)["result"]
    assert result["complete"] is False and result["reason"] == "size"
    assert 1 <= len(result["pages"]) < 30 and result["document"]["read"] == len(result["pages"])
    assert max(max(v) for v in written.by_key.values()) <= 200_000  # nothing over the cap was written
    assert "page-030.jpg" not in " ".join(listing(job_id))  # nor the pages after it


def test_a_result_that_never_fits_fails_with_a_reason(written, monkeypatch):
    monkeypatch.setenv("PAGEVOICE_MAX_RESULT_BYTES", str(10_000))
    job_id, key = upload(b"%PDF-")
    monkeypatch.setattr(pipeline, "run", lambda data, **kw: Outputs(result=document([page(0)])))
    assert worker.handle_upload(settings.get().aws.bucket, key) == "failed"
    assert jobs.get(USER, job_id)["error"].startswith("What PageVoice read from this file is too large to keep")
    assert keys.result_key(USER, job_id) not in written.by_key


def test_a_job_deleted_while_it_grows_stops_and_leaves_nothing(written, monkeypatch):
    job_id, key = upload(b"%PDF-")
    pages_read = []

    def delete_at_page_5(i):
        pages_read.append(i)
        if i == 4:
            lifecycle.delete(USER, job_id)  # DELETE /jobs/{id} while the worker reads page 5

    monkeypatch.setattr(pipeline, "run", publishing(30, on_page=delete_at_page_5))
    assert worker.handle_upload(settings.get().aws.bucket, key) == "skipped"
    assert pages_read == [0, 1, 2, 3, 4]  # page 6 was read, its publish stopped it: no page 7
    assert listing(job_id) == []
    assert aws.s3().list_objects_v2(Bucket=settings.get().aws.bucket, Prefix=f"uploads/{USER}/{job_id}/").get("KeyCount") == 0


def test_the_kept_source_carries_no_tags(api_env, monkeypatch):
    """copy_object copies tags by default, which needs s3:GetObjectTagging and
    s3:PutObjectTagging: the worker copies without them."""
    job_id, key = upload(b"%PDF-")
    monkeypatch.setattr(pipeline, "run", lambda data, **kw: Outputs(result=document([page(0, 3)])))
    assert worker.handle_upload(settings.get().aws.bucket, key) == "done"
    kept = keys.output_key(USER, job_id, "source")
    assert aws.s3().get_object_tagging(Bucket=settings.get().aws.bucket, Key=kept)["TagSet"] == []
    assert aws.s3().get_object_tagging(Bucket=settings.get().aws.bucket, Key=key)["TagSet"] != []


def test_the_sweep_removes_what_lands_after_a_delete_until_the_tombstone_goes(api_env, monkeypatch):
    """A worker's write can land after DELETE listed the job's objects: the sweep removes it
    from the deleted job's tombstone, for as long as a worker could still write, and leaves
    every live job alone."""
    bucket = settings.get().aws.bucket
    live, _ = upload(b"%PDF-")
    gone, _ = upload(b"%PDF-")
    assert lifecycle.delete(USER, gone)
    for job_id in (live, gone):  # late writes
        for name in ("result-index.json", "speech-000.wav"):
            aws.s3().put_object(Bucket=bucket, Key=keys.output_key(USER, job_id, name), Body=b"x")
    assert sweep.remove_orphans() == 2
    assert listing(gone) == [] and len(listing(live)) == 2
    assert jobs.tombstone(USER, gone) is not None  # a worker may still write: kept
    later = clock.now() + jobs.TOMBSTONE_SECONDS + 1
    monkeypatch.setattr(clock, "now", lambda: later)
    assert sweep.remove_orphans() == 0
    assert jobs.tombstone(USER, gone) is None
    assert list(jobs.sweep_keys(jobs.SWEEP_DELETED)) == []


def test_a_job_no_longer_processing_here_is_left_as_it_is(api_env, monkeypatch):
    """The record is there but not `processing` (failed meanwhile, or finished by a delivery
    that took over): the worker stops, and removes nothing of the job's."""
    job_id, key = upload(b"%PDF-")

    def fail_at_page_2(i):
        if i == 1:
            jobs.fail(USER, job_id, "Processing did not finish. Please upload the image again.")

    monkeypatch.setattr(pipeline, "run", publishing(10, on_page=fail_at_page_2))
    assert worker.handle_upload(settings.get().aws.bucket, key) == "skipped"
    names = {k.rsplit("/", 1)[-1] for k in listing(job_id)}
    assert {"source", "page-001.jpg", "page-002.jpg", growing.INDEX} <= names and "page-004.jpg" not in names


def test_a_missing_object_is_object_missing_or_answered_as_absent(api_env):
    """The door's one word for "not there": ObjectMissing from a read that needs the object,
    None or False from one that asks whether it is there."""
    files = JobFiles.of(USER, keys.new_job_id())
    with pytest.raises(ObjectMissing):
        files.read("result-pages-0000.json")
    with pytest.raises(ObjectMissing):
        objects.stat(files.bucket, files.upload)
    assert files.upload_time() is None
    assert objects.read_json(files.bucket, files.key("result.json")) == (None, None)
    assert objects.read_to(files.bucket, files.key("speech.wav"), io.BytesIO()) is False
    objects.write(files.bucket, files.key("echo.txt"), b"HELLO", "text/plain")
    assert files.read("echo.txt") == b"HELLO" and files.delete_all() == 1


def test_pieces_are_stored_in_parts_of_8_mb_read_as_they_are_sent(api_env):
    # A book's builder gives pieces of any size (a 1.8 MB part of a recording, a page's bytes):
    # they are gathered into 8 MB parts (S3 refuses parts under 5 MB but the last), never the
    # whole book at once (a single PUT held it all, twice: 88 MB for a 43 MB book).
    bucket = settings.get().aws.bucket
    pieces = [bytes([k]) * 1_800_000 for k in range(12)]
    given = []

    def lazily():
        for piece in pieces:
            given.append(len(piece))
            yield piece

    assert objects.write_pieces(bucket, "results/u/j/book.mp3", lazily(), "audio/mpeg") == 21_600_000
    head = aws.s3().head_object(Bucket=bucket, Key="results/u/j/book.mp3", PartNumber=1)
    assert head["PartsCount"] == 3 and head["ContentLength"] == 8 * 1024 * 1024
    assert aws.s3().get_object(Bucket=bucket, Key="results/u/j/book.mp3")["Body"].read() == b"".join(pieces)
    assert len(given) == 12
    # (a small book is one PUT)
    assert objects.write_pieces(bucket, "results/u/j/short.mp3", iter([b"ab", b"", b"c"]), "audio/mpeg") == 3
    assert aws.s3().get_object(Bucket=bucket, Key="results/u/j/short.mp3")["Body"].read() == b"abc"
