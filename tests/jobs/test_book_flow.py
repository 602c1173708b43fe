"""A book without pages (an EPUB) worked by many deliveries, in process (moto), as
tests/jobs/test_book.py does for PDFs: read whole by the upload's worker, its sections published
as reading shards, its chapter titles recorded section by section. The same through the real
stack, at 300,000 words: tests/jobs/test_book_formats_on_the_stack.py."""
from __future__ import annotations

import json

import pytest

from chalicelib import aws, settings
from chalicelib.jobs import book, book_queues, keys, worker
from chalicelib.jobs import table as jobs
from chalicelib.kinds import plan
from chalicelib.structure import ROLES
from chalicelib.web import job_view
from tests.jobs.test_book import USER, drain, empty, messages
from tests.jobs.test_book_formats_on_the_stack import EPUB, flow_sections, worlds_epub

pytest_plugins = ["tests.apifixtures"]


def peek(queue: str = book_queues.SHARDS) -> list[str]:
    """The shards waiting in a queue (left there)."""
    got = messages(queue=queue)
    for m in got:
        aws.sqs().change_message_visibility(QueueUrl=book_queues.queue_url(queue), ReceiptHandle=m["ReceiptHandle"],
                                            VisibilityTimeout=0)
    return [json.loads(m["Body"])["shard"] for m in got]


@pytest.fixture
def small_flow_books(api_env, monkeypatch):
    """A document of more than 2,000 words is a book, published 2,500 words a reading shard."""
    monkeypatch.setenv("PAGEVOICE_BOOK_WORDS", "2000")
    monkeypatch.setattr(plan, "FLOW_SHARD_WORDS", 2500)
    empty()
    yield


def test_an_epub_book_is_read_whole_and_its_chapters_recorded_in_shards(small_flow_books):
    data, titles = worlds_epub(9_000)  # The War of the Worlds' first chapters
    sections = flow_sections(data)
    # Only chapter titles spoken (a voice for every word of 9,000 is a minute of CPU).
    record = jobs.create(USER, filename="worlds.epub", content_type=EPUB, size=len(data),
                         skip=[r for r in ROLES if r not in ("heading", "title")])
    job_id, key = record["job_id"], keys.upload_key(USER, record["job_id"])
    aws.s3().put_object(Bucket=settings.get().aws.bucket, Key=key, Body=data)
    assert worker.handle_upload(settings.get().aws.bucket, key) == "planned"
    record = jobs.get(USER, job_id)
    assert record["status"] == "processing" and int(record["book_shards"]) >= 4
    # The document was read whole; its reading shards publish its sections, stored for each of
    # them, in parallel: the first from the listener's queue, the others from the shards queue.
    assert int(record.get("book_read") or 0) == 0
    shards = int(record["book_shards"])
    for index in range(shards):
        part = json.loads(aws.s3().get_object(Bucket=settings.get().aws.bucket, Key=keys.output_key(
            USER, job_id, book.FLOW_FILE.format(index)))["Body"].read())
        assert part["pages"] and set(part) == {"pages", "chapters", "engine", "engine_version", "timings_ms"}
    assert peek(book_queues.FIRST) == ["read-0000"]
    assert sorted(peek()) == [f"read-{i:04d}" for i in range(1, shards)]
    assert drain().count("done") >= shards + 1
    view = job_view.describe(USER, job_id)
    assert view["status"] == "done", view["error"]
    result = view["result"]
    assert result["flow"] is True and result["document"]["book"] is True
    assert len(result["pages"]) == len(sections) == result["document"]["read"] and result["document"]["complete"] is True
    assert [" ".join(w["text"] for line in p["lines"] for w in line["words"]) for p in result["pages"]] == sections
    assert [c["title"] for c in result["chapters"]] == titles
    speech = result["speech"]
    assert speech["complete"] is True
    bucket = settings.get().aws.bucket
    timed = []
    for part in speech["parts"]:
        timings = json.loads(aws.s3().get_object(Bucket=bucket, Key=keys.output_key(USER, job_id, part["timings"]))
                             ["Body"].read())
        timed += [(w["page"], w["line"], w["word"]) for w in timings["words"]]
    spoken = [(p, li, wi) for p, page in enumerate(result["pages"]) for b in page.get("blocks") or []
              if b.get("spoken", True) for li in b["lines"] for wi, _ in enumerate(page["lines"][li]["words"])]
    assert sorted(timed) == spoken and spoken
