"""A job's objects: the result grows by what is new, a size cap, and a deleted job leaves nothing.

The growing result (chalicelib.jobs.objects.Growing) on its own first, then through the worker
against moto in-process: a kind that publishes a document page by page, counted byte by byte.
"""
from __future__ import annotations

import json
from urllib.parse import unquote, urlsplit

import pytest

from chalicelib import aws, clock, settings
from chalicelib.jobs import keys, lifecycle, objects, sweep, worker
from chalicelib.jobs import store as jobs
from chalicelib.kinds.base import Outputs
from chalicelib.kinds.page import pipeline
from chalicelib.web import jobs as job_view

pytest_plugins = ["tests.apifixtures"]
USER = "u-objects"


def page(i: int, words: int = 400) -> dict:
    """A dense page (about 60 bytes a word, as boxes make it)."""
    ws = [{"text": f"w{i}x{k}", "confidence": 0.9, "box": [[k, i], [k + 9, i], [k + 9, i + 9], [k, i + 9]]}
          for k in range(words)]
    return {"width": 100, "height": 100, "text": " ".join(w["text"] for w in ws),
            "lines": [{"text": " ".join(w["text"] for w in ws), "confidence": 0.9, "box": ws[0]["box"], "words": ws}]}


def document(pages: list[dict], words: list[dict] | None = None) -> dict:
    result = {"schema": 1, "kind": "page", "engine": "stub", "width": 100, "height": 100,
              "text": "\n\n".join(p["text"] for p in pages), "lines": pages[0]["lines"], "pages": pages,
              "document": {"pages": 50, "read": len(pages), "complete": False}, "timings_ms": {"ocr": len(pages)}}
    if words is not None:
        result["speech"] = {"engine": "stub", "seconds": 1.0, "complete": False, "words": words,
                            "parts": [{"file": f"speech-{k:03d}.wav", "start": k, "seconds": 1} for k in range(len(words) // 50)]}
    return result


class Files(dict):
    """Part files by name, as S3 would hold them."""

    def write(self, change: objects.Change) -> None:
        self.update(change.files)
        self[objects.INDEX] = change.index

    def assembled(self) -> dict:
        return objects.assemble(json.loads(self[objects.INDEX]), self.__getitem__)


# --- The growing result, without I/O ---

def test_a_growing_document_writes_each_page_once_and_assembles_whole():
    growing, files, pages, written = objects.Growing(), Files(), [], 0
    for i in range(10):
        pages.append(page(i))
        result = document(pages)
        change = growing.diff(result)
        grown = [name.split("-")[1] for name in change.files]
        assert grown.count("pages") == 1 and (i == 0 or "lines" not in grown)  # page i alone; page 1's lines once
        assert not set(change.files) & set(files)  # nothing written twice
        written += sum(map(len, change.files.values())) + len(change.index)
        growing.commit(change)
        files.write(change)
        assert files.assembled() == result
        assert len(change.index) < 8 * 1024 + 2000  # the index stays small: a tail, never the pages
    final = len(objects.encode(result))
    assert written < 2.2 * final, (written, final)
    assert growing.result() == result


def test_a_small_result_is_one_index_and_a_value_that_changed_is_written_again():
    growing, files = objects.Growing(), Files()
    small = {"schema": 1, "text": "OPEN 24 HOURS", "lines": [{"text": "OPEN"}], "speech": {"words": [{"w": 0}]}}
    change = growing.diff(small)
    assert change.files == {}  # a photo's result: the index holds it all
    growing.commit(change)
    files.write(change)
    assert files.assembled() == small
    pages = [page(i) for i in range(3)]
    change = growing.diff(document(pages))
    growing.commit(change)
    files.write(change)
    first_pages = [n for n in change.files if n.startswith("result-pages-")]
    # Not an append: page 2 replaced. Written again, and the files it replaces are dropped.
    changed = document([pages[0], pages[1], page(7)])
    change = growing.diff(changed)
    assert set(first_pages) <= set(change.dropped) and any(n.startswith("result-pages-") for n in change.files)
    growing.commit(change)
    files.write(change)
    assert files.assembled() == changed
    assert set(first_pages) <= set(growing.names())  # removed when the job ends


def test_past_the_cap_nothing_is_written_and_the_last_published_result_remains():
    growing = objects.Growing()
    pages = [page(0)]
    growing.commit(growing.diff(document(pages), max_bytes=100_000))
    pages.append(page(1))
    pages.append(page(2))
    with pytest.raises(objects.ResultTooLarge):
        growing.diff(document(pages), max_bytes=100_000)
    assert growing.result() == document(pages[:1])


def test_a_resumed_result_goes_on_without_writing_again_what_was_written():
    growing, files = objects.Growing(), Files()
    pages = [page(i) for i in range(3)]
    words = [{"page": 0, "line": 0, "word": k, "start": k, "end": k + 1} for k in range(300)]
    change = growing.diff(document(pages, words))
    growing.commit(change)
    files.write(change)
    index = json.loads(files[objects.INDEX])
    prior = files.assembled()  # what the next invocation reads, and hands to the kind
    again = objects.Growing.resumed(index, prior)
    more = list(prior["pages"]) + [page(3)]  # the kind appends to the lists it was given
    result = document(more, list(prior["speech"]["words"]) + words[:200])
    change = again.diff(result)
    new = {n.split("-")[1]: json.loads(body) for n, body in change.files.items()}
    assert "lines" not in new and new["pages"] == [page(3)] and new["speech"] == words[:200]
    assert new["text"] == result["text"]  # held in the index's tail until now: its first file
    again.commit(change)
    files.write(change)
    assert files.assembled() == result


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
    prefix = objects.job_prefix(USER, job_id)
    return [o["Key"] for o in aws.s3().list_objects_v2(Bucket=settings.get().aws.bucket, Prefix=prefix).get("Contents", [])]


def publishing(n_pages: int, on_page=None):
    """A page kind's run that publishes a dense document page by page, then returns it."""
    def run(data, *, deadline=None, publish=None, resume=None):
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
    assert set(urls) == set(objects.part_names(index))
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
    assert {"source", "page-001.jpg", "page-002.jpg", objects.INDEX} <= names and "page-004.jpg" not in names
