"""A book worked by many deliveries (chalicelib.jobs.book): planned from the upload's event, its
shards taken from the shards queue one message at a time, as Lambda's event source hands them
to workers, with real reading and a real voice. In-process moto; the real stack's own test is
tests/jobs/test_book_on_the_stack.py."""
from __future__ import annotations

import json

import pytest

from chalicelib import aws, settings
from chalicelib.jobs import book, book_files, book_queues, keys, objects, shards, worker
from chalicelib.jobs import table as jobs
from chalicelib.web import job_view
from tests.media import documents as docs
from tests.results import validate_result

pytest_plugins = ["tests.apifixtures"]
USER = "u-book"


@pytest.fixture
def small_books(api_env, monkeypatch):
    """Books of a few pages: a document of more than 4 pages is one, read 1, then 3 pages a shard."""
    monkeypatch.setenv("PAGEVOICE_BOOK_PAGES", "4")
    monkeypatch.setenv("PAGEVOICE_SHARD_PAGES", "3")
    monkeypatch.setenv("PAGEVOICE_TEXT_SHARD_PAGES", "3")
    monkeypatch.setenv("PAGEVOICE_SECTION_CHARS", "400")
    empty()
    yield


def upload(data: bytes, name: str = "book.pdf", content_type: str = "application/pdf",
           voice: str | None = None) -> tuple[str, str]:
    record = jobs.create(USER, filename=name, content_type=content_type, size=len(data), voice=voice)
    key = keys.upload_key(USER, record["job_id"])
    aws.s3().put_object(Bucket=settings.get().aws.bucket, Key=key, Body=data)
    return record["job_id"], key


def empty() -> None:
    """The shards queues emptied (SQS allows one purge a minute)."""
    for queue in (book_queues.SHARDS, book_queues.FIRST, book_queues.RECORD):
        while batch := messages(queue=queue):
            for message in batch:
                aws.sqs().delete_message(QueueUrl=book_queues.queue_url(queue), ReceiptHandle=message["ReceiptHandle"])


def messages(limit: int = 10, queue: str = book_queues.SHARDS) -> list[dict]:
    got = aws.sqs().receive_message(QueueUrl=book_queues.queue_url(queue), MaxNumberOfMessages=limit, WaitTimeSeconds=0)
    return [{**m, "queue": queue} for m in got.get("Messages", [])]


def deliver(message: dict) -> dict:
    """One message, as the event source hands it to a worker; deleted when it did not fail."""
    event = {"Records": [{"eventSource": "aws:sqs", "messageId": message["MessageId"],
                          "receiptHandle": message["ReceiptHandle"], "body": message["Body"]}]}
    reply = worker.lambda_handler(event)
    if not reply["batchItemFailures"]:
        aws.sqs().delete_message(QueueUrl=book_queues.queue_url(message.get("queue", book_queues.SHARDS)),
                                 ReceiptHandle=message["ReceiptHandle"])
    return reply


def drain() -> list[str]:
    """Every waiting shard delivered, the listener's queue first, then reading, then recording
    nobody waits for, until none is left."""
    outcomes = []
    while batch := messages(queue=book_queues.FIRST) or messages() or messages(queue=book_queues.RECORD):
        for message in batch:
            outcomes += deliver(message)["outcomes"]
    return outcomes


# Moby-Dick's first chapters (public domain): a chapter a page.
TITLES = ["Loomings", "The Carpet Bag", "The Spouter Inn", "The Counterpane", "Breakfast", "The Street",
          "The Chapel", "The Pulpit", "The Sermon"]


def chapters_pdf(n: int, broken_at: int | None = None, *, titles_only: bool = False) -> bytes:
    """`n` pages, each a chapter's title and two short lines (`titles_only`: the title alone)."""
    lines = b"" if titles_only else (b"BT /F1 12 Tf 72 650 Td (The ship sailed on day %d.) Tj ET "
                                     b"BT /F1 12 Tf 72 632 Td (The sea was calm.) Tj ET")
    pages = [docs.content_pdf([b"BT /F1 30 Tf 72 700 Td (%s) Tj ET " % TITLES[i].encode() + (lines % (i + 1) if lines else b"")])
             for i in range(n)]
    if broken_at is not None:  # a page whose nested forms make its decoder grow past its memory
        pages[broken_at] = docs.nested_forms_pdf(7, word=b"deep")
    return docs.join(*pages)


def test_a_book_is_read_and_recorded_in_shards_by_many_deliveries(small_books):
    job_id, key = upload(chapters_pdf(9))
    assert worker.handle_upload(settings.get().aws.bucket, key) == "planned"
    record = jobs.get(USER, job_id)
    assert record["status"] == "processing" and record["book_shards"] == 4  # pages 1 | 2-4 | 5-7 | 8-9
    # The book's first page goes to the listener's queue (taken before every other book's shards).
    assert [json.loads(m["Body"])["shard"] for m in messages(queue=book_queues.FIRST)] == ["read-0000"]
    read_ids = ["read-0000", *sorted(json.loads(m["Body"])["shard"] for m in messages())]
    assert read_ids == ["read-0000", "read-0001", "read-0002", "read-0003"]
    empty()
    # The shards in any order: the last first, as many workers would take them.
    for shard in reversed(read_ids):
        assert worker.shard_batch([{"eventSource": "aws:sqs", "messageId": shard, "receiptHandle": "r",
                                    "body": json.dumps({"bucket": settings.get().aws.bucket, "user": USER,
                                                        "job": job_id, "shard": shard})}])["outcomes"] == ["done"]
    middle = job_view.describe(USER, job_id)
    assert middle["status"] == "processing"
    progress = middle["result"]["document"]["progress"]
    assert progress["pages_read"] == 9 and progress["pages"] == 9
    assert drain().count("done") >= 4  # the recording sections
    view = job_view.describe(USER, job_id)
    assert view["status"] == "done", view["error"]
    result = view["result"]
    assert [p["text"].split("\n")[0] for p in result["pages"]] == TITLES
    validate_result(result)  # the page kind's schema and checks (CONTRACTS sections 1, 7, 13, 15)
    validate_result(middle["result"])
    assert result["text"].startswith("Loomings\nThe ship sailed on day 1.") and "The Sermon" in result["text"]
    assert result["document"]["read"] == 9 and result["document"]["complete"] is True
    assert [c["title"] for c in result["chapters"]] == TITLES
    parts = result["speech"]["parts"]
    assert result["speech"]["complete"] is True and all(p["url"] and p["timings_url"] for p in parts)
    # Parts in text order, each on the whole recording's clock, back to back.
    assert parts[0]["start"] == 0.0
    assert all(b["start"] == pytest.approx(a["start"] + a["seconds"], abs=0.002) for a, b in zip(parts, parts[1:]))
    assert result["speech"]["seconds"] == pytest.approx(parts[-1]["start"] + parts[-1]["seconds"], abs=0.01)
    assert [p["first"]["page"] for p in parts] == sorted(p["first"]["page"] for p in parts)
    assert parts[0]["first"] == {"page": 0, "line": 0, "word": 0} and parts[-1]["last"]["page"] == 8
    # Each chapter's heading starts a part (the outline's jump waits only for that short part).
    firsts = {(p["first"]["page"], p["first"]["line"]) for p in parts}
    assert all((c["page"], result["pages"][c["page"]]["blocks"][c["block"]]["lines"][0]) in firsts
               for c in result["chapters"])
    # Each chapter starts where its heading is heard; the first part is short (heard soon).
    starts = [c["start"] for c in result["chapters"]]
    assert starts == sorted(starts) and 0 <= starts[0] < 0.5
    assert parts[0]["seconds"] < parts[-1]["seconds"] or len(parts) == 2
    # Every spoken word of every page is timed in exactly one part, from that part's start.
    bucket = settings.get().aws.bucket
    timed = []
    for part in parts:
        timings = json.loads(aws.s3().get_object(Bucket=bucket, Key=keys.output_key(USER, job_id, part["timings"]))
                             ["Body"].read())
        assert all(0 <= w["start"] <= w["end"] <= part["seconds"] + 0.01 for w in timings["words"])
        assert timings["sentences"] and timings["sentences"][0]["start"] >= 0
        timed += [(w["page"], w["line"], w["word"]) for w in timings["words"]]
    words = [(p, li, wi) for p, page in enumerate(result["pages"]) for li, line in enumerate(page["lines"])
             for wi, _ in enumerate(line["words"])]
    assert sorted(timed) == words
    audio = aws.s3().get_object(Bucket=bucket, Key=keys.output_key(USER, job_id, parts[0]["file"]))
    assert audio["ContentType"] == "audio/mpeg" and audio["Body"].read(3) in (b"ID3", b"\xff\xfb", b"\xff\xf3")


def test_a_duplicate_delivery_does_no_duplicate_work(small_books):
    job_id, key = upload(chapters_pdf(6))
    assert worker.handle_upload(settings.get().aws.bucket, key) == "planned"
    first = messages(1, queue=book_queues.FIRST)[0]
    again = {**first, "MessageId": "again"}
    assert deliver(first)["outcomes"] == ["done"]
    # The book's first page is read: its sections, what a listener hears first, are taken first.
    assert first_messages() and all(s.startswith("rec-0000-") for s in first_messages())
    before = jobs.get(USER, job_id)
    assert deliver(again)["outcomes"] == ["skipped"]
    after = jobs.get(USER, job_id)
    assert {k: after.get(k) for k in book.COUNTERS} == {k: before.get(k) for k in book.COUNTERS}
    # A second upload event for the book (S3 delivers at least once) plans nothing new while it runs.
    with pytest.raises(worker.LeaseHeld):
        worker.handle_upload(settings.get().aws.bucket, key)
    drain()
    done = jobs.get(USER, job_id)
    assert done["status"] == "done" and done["book_pages_read"] == 6 and done["book_read"] == 3


def test_a_page_that_cannot_be_read_fails_alone_and_the_book_goes_on(small_books):
    job_id, key = upload(chapters_pdf(7, broken_at=4))
    assert worker.handle_upload(settings.get().aws.bucket, key) == "planned"
    drain()
    view = job_view.describe(USER, job_id)
    assert view["status"] == "done", view["error"]
    result = view["result"]
    assert len(result["pages"]) == 7 and result["document"]["unreadable"] == 1
    validate_result(result)
    broken = result["pages"][4]
    assert broken["lines"] == [] and broken["error"].startswith("Page 5 could not be read:")
    assert "memory" in broken["error"] or "too long" in broken["error"]
    assert result["document"]["failed"] == [broken["error"]] and result["document"]["complete"] is False
    assert [p["text"].split("\n")[0] for i, p in enumerate(result["pages"]) if i != 4] == \
        TITLES[:4] + TITLES[5:7]
    heard = {w["page"] for part in result["speech"]["parts"] for w in json.loads(
        aws.s3().get_object(Bucket=settings.get().aws.bucket, Key=keys.output_key(USER, job_id, part["timings"]))
        ["Body"].read())["words"]}
    assert heard == {0, 1, 2, 3, 5, 6}


def test_a_shard_that_keeps_failing_fails_alone(small_books, monkeypatch):
    job_id, key = upload(chapters_pdf(6))
    assert worker.handle_upload(settings.get().aws.bucket, key) == "planned"
    monkeypatch.setenv("PAGEVOICE_SHARD_MAX_ATTEMPTS", "1")
    # An earlier worker died in read-0001 (its lease ran out): the next delivery is its second attempt.
    assert shards.claim(USER, job_id, "read-0001", "dead worker", lease_seconds=-1) is not None
    drain()
    result = job_view.describe(USER, job_id)["result"]
    # Its pages (2-4) fail alone: the pages before and after are read.
    assert [p.get("error", "")[:26] for p in result["pages"][1:4]] == [f"Page {n} could not be read: " for n in (2, 3, 4)]
    assert "too often" in result["pages"][1]["error"] and TITLES[0] in result["pages"][0]["text"]
    assert TITLES[4] in result["pages"][4]["text"] and result["document"]["unreadable"] == 3


def test_a_book_is_recorded_in_the_voice_its_upload_chose(small_books):
    # (CONTRACTS section 16) every part of a book in the upload's voice, as a short document's.
    # Its chapters' titles only (four parts; five with two lines a page): Kokoro speaks about a
    # second of speech per CPU second here, and the lines were most of this test's time.
    job_id, key = upload(chapters_pdf(5, titles_only=True), voice="kokoro:bf_emma")
    assert worker.handle_upload(settings.get().aws.bucket, key) == "planned"
    drain()
    view = job_view.describe(USER, job_id)
    assert view["status"] == "done", view["error"]
    parts = view["result"]["speech"]["parts"]
    assert parts and {p["voice"]["id"] for p in parts} == {"kokoro:bf_emma"}, [p["voice"] for p in parts]


def test_a_short_document_keeps_its_shape(small_books):
    job_id, key = upload(chapters_pdf(3))
    assert worker.handle_upload(settings.get().aws.bucket, key) == "done"
    record = jobs.get(USER, job_id)
    assert "book_shards" not in record and not messages()
    result = job_view.describe(USER, job_id)["result"]
    assert len(result["pages"]) == 3 and result["speech"]["words"] and "book" not in result["document"]


def test_a_document_without_pages_cut_at_the_books_word_limit_says_so(small_books, monkeypatch):
    """Past max_book_words the rest is left out, and the book's result says so from its plan on
    (it said "complete" before: the cut was lost between the reading and the plan)."""
    monkeypatch.setenv("PAGEVOICE_BOOK_WORDS", "100")
    monkeypatch.setenv("PAGEVOICE_MAX_BOOK_WORDS", "300")
    text = "\n\n".join(f"Paragraph {i} says little more than this." for i in range(100)).encode()  # 700 words
    job_id, key = upload(text, "long.txt", "text/plain")
    assert worker.handle_upload(settings.get().aws.bucket, key) == "planned"
    document = job_view.describe(USER, job_id)["result"]["document"]
    assert document["book"] is True and document["complete"] is False, document
    assert document["reason"] == "words" and document["words"] == {"kept": 300, "found": 700}, document


def first_messages() -> list[str]:
    """The shards waiting in the listener's queue (left there)."""
    url = book_queues.queue_url(book_queues.FIRST)
    got = aws.sqs().receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
    for m in got.get("Messages", []):
        aws.sqs().change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
    return [json.loads(m["Body"])["shard"] for m in got.get("Messages", [])]


def test_a_listener_who_moves_has_that_place_recorded_first(small_books):
    from chalicelib.jobs import listening

    job_id, key = upload(chapters_pdf(9))
    assert worker.handle_upload(settings.get().aws.bucket, key) == "planned"
    # Before its pages are read: the place's reading shard goes to the listener's queue, and when
    # it is read, the section speaking the place goes there too, before the shard's others.
    assert listening.save(USER, job_id, {"page": 8, "line": 1, "word": 0})
    assert sorted(first_messages()) == ["read-0000", "read-0003"]  # the book's first page; pages 7-9
    for message in messages(queue=book_queues.FIRST):
        deliver(message)
    # The place's section first, then the minutes of text after it (the listener's queue too,
    # beside the book's first page's own sections: whoever opens it hears its start first).
    sent = [s for s in first_messages() if not s.startswith("rec-0000-")]
    section = sent[0]
    assert section.startswith("rec-0003-") and sent == sorted(sent)
    stored = json.loads(aws.s3().get_object(Bucket=settings.get().aws.bucket, Key=keys.output_key(
        USER, job_id, book.SECTIONS_FILE.format(3)))["Body"].read())
    units = stored[int(section.rsplit("-", 1)[1])]
    assert any(u[0] == 8 and u[5] <= 1 <= u[6] for u in units)  # the section holds page 9's line 2
    # Once read, a move goes straight to the section (page 9's heading, which starts one: a
    # chapter's first section is short); a place already recorded sends nothing.
    assert listening.save(USER, job_id, {"page": 8, "line": 0})
    assert len([s for s in first_messages() if s.startswith("rec-0003-")]) == 2
    for message in messages(queue=book_queues.FIRST):
        deliver(message)
    # Made before the text ahead of it: its start is not known and it says so (`gap`), while a
    # part right after the one before it does not.
    view = job_view.describe(USER, job_id)
    parts = (view["result"] or view["result_parts"]["index"]["result"])["speech"]["parts"]
    late = [p for p in parts if p["first"]["page"] >= 6]
    assert late and late[0]["gap"] is True and late[0]["start"] is None, parts
    assert all("gap" not in p for p in late[1:]), late
    drain()
    view = job_view.describe(USER, job_id)
    assert view["status"] == "done"
    assert not [p for p in view["result"]["speech"]["parts"] if "gap" in p]  # one recording, start to end
    # The site's window of pages: their images' links, those pages' only (a book's outputs list none).
    shown = job_view.describe(USER, job_id, pages=(2, 5))
    links = shown["outputs"] | ((shown.get("result_parts") or {}).get("urls") or {})
    assert sorted(n for n in links if n.startswith("page-")) == ["page-003.jpg", "page-004.jpg", "page-005.jpg"]
    body = aws.s3().get_object(Bucket=settings.get().aws.bucket, Key=keys.output_key(USER, job_id, "page-004.jpg"))["Body"]
    assert body.read()[:3] == b"\xff\xd8\xff"  # the link is to the page's image
    assert listening.save(USER, job_id, {"page": 8, "line": 1, "word": 0}) and not first_messages()
    position = job_view.describe(USER, job_id)["position"]
    assert position["place"] == {"page": 8, "line": 1, "word": 0}
    chapter = next(c for c in view["result"]["chapters"] if c["page"] == 8)
    assert chapter["start"] < position["t"] < view["result"]["speech"]["seconds"]  # the line after the heading


@pytest.mark.parametrize("body, message", [
    ({"page": -1}, "'page' must be a whole number"), ({"page": 1.5}, "'page' must be a whole number"),
    ({"page": True}, "'page' must be a whole number"), ({"page": 0, "line": "3"}, "'line' must be a whole number"),
    ({"page": 9}, "past the end of the document, which has 9 pages"),
])
def test_a_place_that_is_not_one_is_refused_with_a_sentence(small_books, body, message):
    from chalicelib.errors import InputError
    from chalicelib.jobs import listening

    job_id, key = upload(chapters_pdf(9))
    assert worker.handle_upload(settings.get().aws.bucket, key) == "planned"
    with pytest.raises(InputError, match=message):
        listening.save(USER, job_id, body)


def test_a_book_that_stalled_is_planned_again_without_redoing_what_is_done(small_books, monkeypatch):
    from chalicelib import clock

    job_id, key = upload(chapters_pdf(6))
    assert worker.handle_upload(settings.get().aws.bucket, key) == "planned"
    first = messages(1, queue=book_queues.FIRST)[0]
    assert json.loads(first["Body"])["shard"] == "read-0000"
    assert deliver(first)["outcomes"] == ["done"]
    empty()  # every other message lost
    # No shard ends for the book's lease: the sweep hands its upload to the worker again.
    later = clock.now() + book.LEASE_SECONDS + 1
    monkeypatch.setattr(clock, "now", lambda: later)
    assert worker.handle_upload(settings.get().aws.bucket, key) == "planned"
    sent = sorted(json.loads(m["Body"])["shard"] for m in messages() + messages(queue=book_queues.RECORD))
    assert "read-0000" not in sent and {"read-0001", "read-0002"} <= set(sent)
    assert [s for s in sent if s.startswith("rec-0000-")]  # the sections asked for of the pages already read
    monkeypatch.undo()
    monkeypatch.setenv("PAGEVOICE_BOOK_PAGES", "4")
    monkeypatch.setenv("PAGEVOICE_SHARD_PAGES", "3")
    monkeypatch.setenv("PAGEVOICE_SECTION_CHARS", "400")
    empty()
    for shard in sent:
        worker.shard_batch([{"eventSource": "aws:sqs", "messageId": shard, "receiptHandle": "r", "body": json.dumps(
            {"bucket": settings.get().aws.bucket, "user": USER, "job": job_id, "shard": shard})}])
    drain()
    done = jobs.get(USER, job_id)
    assert done["status"] == "done" and done["book_pages_read"] == 6


def test_a_worker_streams_a_book_to_its_disk_once_and_keeps_the_books_it_takes_turns_between(small_books, monkeypatch,
                                                                                              tmp_path):
    """Each reading shard's pages come from the book's file on the worker's disk, streamed from S3
    by the first of its shards this worker takes (a scan of up to 500 MB is never held in memory,
    nor sent whole to the decoding child); another book's shard keeps it there while both fit
    (chalicelib.jobs.book_copy: tests/jobs/test_book_copy.py)."""
    from chalicelib.jobs import objects

    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    fetched = []
    read_to = objects.read_to
    monkeypatch.setattr(objects, "read_to", lambda bucket, key, out: fetched.append(key) or read_to(bucket, key, out))
    books = [upload(chapters_pdf(6), name=f"book-{i}.pdf") for i in range(2)]
    for _, key in books:
        assert worker.handle_upload(settings.get().aws.bucket, key) == "planned"
    empty()
    for (job_id, _), shard_ids in zip(books + books[:1], (["read-0000", "read-0001"], ["read-0000"], ["read-0002"])):
        for shard in shard_ids:
            assert worker.shard_batch([{"eventSource": "aws:sqs", "messageId": shard, "receiptHandle": "r",
                                        "body": json.dumps({"bucket": settings.get().aws.bucket, "user": USER,
                                                            "job": job_id, "shard": shard})}])["outcomes"] == ["done"]
    # Once per book (its source kept beside its results), for all its shards here.
    assert fetched == [jobs.get(USER, job_id)["source_key"] for job_id, _ in books]
    [folder] = tmp_path.iterdir()
    assert len(list(folder.iterdir())) == 2  # both books' files: the first's last shard came after the second's
    assert [p["text"].split("\n")[0] for p in job_view.describe(USER, books[0][0])["result"]["pages"]] == TITLES[:6]


def test_a_book_of_text_layers_is_read_in_larger_shards_than_a_scanned_one(small_books, monkeypatch):
    """A text layer's page reads in ~0.05 s, a scan's by OCR in seconds: pages sampled over the
    book when it is opened decide its shards' size (settings.books.text_shard_pages)."""
    from PIL import Image

    monkeypatch.setenv("PAGEVOICE_TEXT_SHARD_PAGES", "6")
    scan = docs.scanned_pdf([Image.new("RGB", (200, 260), "white")] * 12)
    text = chapters_pdf(9)
    for data, most, shards_planned in ((text, 6, 3), (scan, 3, 5)):  # 1|6|2 and 1|3|3|3|2
        job_id, key = upload(data)
        assert worker.handle_upload(settings.get().aws.bucket, key) == "planned"
        survey = json.loads(aws.s3().get_object(Bucket=settings.get().aws.bucket, Key=keys.output_key(
            USER, job_id, book.BOOK_SURVEY))["Body"].read())
        assert survey["shard_pages"] == most and int(jobs.get(USER, job_id)["book_shards"]) == shards_planned
        empty()


def shards_on(queue: str = book_queues.SHARDS) -> list[tuple[str, str]]:
    """(job, shard) of every message waiting on `queue`, taken off it."""
    found = []
    while batch := messages(queue=queue):
        for m in batch:
            body = json.loads(m["Body"])
            found.append((body["job"], body["shard"]))
            aws.sqs().delete_message(QueueUrl=book_queues.queue_url(queue), ReceiptHandle=m["ReceiptHandle"])
    return sorted(found)


def test_a_book_planned_with_shards_of_1_2_4_pages_keeps_them():
    """A survey written before `shard_growth` (books planned before 2026-11-28, still being read
    when a new version is deployed) is read in the shards it was planned in."""
    survey = {"document": {"pages": 9}, "shard_pages": 3}
    assert [(r.first, r.end) for r in book_files.reading_shards(survey)] == [(0, 1), (1, 3), (3, 6), (6, 9)]
    now = {**survey, "shard_growth": 3}
    assert [(r.first, r.end) for r in book_files.reading_shards(now)] == [(0, 1), (1, 4), (4, 7), (7, 9)]


def test_pages_a_listener_moved_to_are_read_for_them_and_the_books_own_turns_go_on_past_them(small_books, monkeypatch):
    """A book keeps one line of reading turns: a listener's jump reads the pages they moved to on
    the listener's queue, and the minutes after them as they run out, but those send no turn of
    their own (bench.fair: the listener's book read two shards for every one of its account's
    other book); the book's own turn, reaching them, goes on past them."""
    from chalicelib.jobs import listening

    monkeypatch.setenv("PAGEVOICE_READING_AHEAD_SHARDS", "1")
    monkeypatch.setenv("PAGEVOICE_RECORD_AHEAD_SECONDS", "5")  # ~80 characters: less than a shard's
    job_id, key = upload(chapters_pdf(9))  # pages 1 | 2-4 | 5-7 | 8-9
    assert worker.handle_upload(settings.get().aws.bucket, key) == "planned"
    assert shards_on(book_queues.FIRST) == [(job_id, "read-0000")] and shards_on() == []

    def run(shard: str, outcome: str = "done", listener: bool = False) -> None:
        body = book_queues.message(objects.JobFiles(settings.get().aws.bucket, USER, job_id), shard, listener=listener)
        assert worker.shard_batch([{"eventSource": "aws:sqs", "messageId": shard, "receiptHandle": "r",
                                    "body": json.dumps(body)}])["outcomes"] == [outcome]

    assert listening.save(USER, job_id, {"page": 4, "line": 0, "word": 0})  # page 5: pages 5-7 are read for them
    assert [s for s in first_messages() if s.startswith("read-")] == ["read-0002"]
    empty()
    run("read-0002", listener=True)
    assert shards_on() == []  # no turn of its own
    firsts = [s for s in first_messages() if s.startswith("read-")]
    assert firsts == [], firsts  # the minutes after page 5 end within pages 5-7
    empty()
    assert listening.save(USER, job_id, {"page": 6, "line": 2, "word": 0})  # near their end: the next pages
    assert [s for s in first_messages() if s.startswith("read-")] == ["read-0003"]
    empty()
    run("read-0003", listener=True)
    assert shards_on() == []
    # The book's own turns from its start: past the pages read for the listener, to its end.
    for shard, follower in (("read-0000", "read-0001"), ("read-0001", "read-0002")):
        run(shard)
        assert shards_on() == [(job_id, follower)]
    run("read-0002", "skipped")
    assert shards_on() == [(job_id, "read-0003")]
    run("read-0003", "skipped")
    assert shards_on() == []
    assert jobs.get(USER, job_id)["book_pages_read"] == 9


def test_a_book_keeps_so_many_reading_shards_on_the_queue_and_each_one_read_sends_the_next(small_books, monkeypatch):
    """SQS serves one account's messages in the order sent: a book that sent all its shards at
    once held its account's next upload behind all of them (bench.fair: 1 page of the second
    book read while the first read 223). Each book keeps `reading_ahead_shards` on the queue."""
    monkeypatch.setenv("PAGEVOICE_READING_AHEAD_SHARDS", "2")
    first, key = upload(chapters_pdf(9))  # pages 1 | 2-4 | 5-7 | 8-9
    assert worker.handle_upload(settings.get().aws.bucket, key) == "planned"
    second, key2 = upload(chapters_pdf(9))
    assert worker.handle_upload(settings.get().aws.bucket, key2) == "planned"
    assert shards_on(book_queues.FIRST) == sorted([(first, "read-0000"), (second, "read-0000")])
    assert shards_on() == sorted([(first, "read-0001"), (second, "read-0001")])  # not 2 and 3: they wait their turn

    def run(job: str, shard: str, outcome: str = "done") -> None:
        assert worker.shard_batch([{"eventSource": "aws:sqs", "messageId": shard, "receiptHandle": "r", "body": json.dumps(
            {"bucket": settings.get().aws.bucket, "user": USER, "job": job, "shard": shard})}])["outcomes"] == [outcome]

    run(first, "read-0001")
    assert shards_on() == [(first, "read-0003")]  # the one two after it
    run(first, "read-0001", "skipped")  # a duplicate delivery sends nothing more
    assert shards_on() == []
    run(first, "read-0003")
    assert shards_on() == []  # none four after the last
    # Messages lost: planned again (a sweep's re-drive), the book sends what should be waiting.
    from chalicelib import clock

    later = clock.now() + book.LEASE_SECONDS + 1
    monkeypatch.setattr(clock, "now", lambda: later)
    assert worker.handle_upload(settings.get().aws.bucket, key) == "planned"
    assert shards_on(book_queues.FIRST) == [(first, "read-0000")] and shards_on() == []  # read-0002 waits for read-0000
    monkeypatch.setattr(clock, "now", lambda: later + 1)
    run(first, "read-0000")
    assert shards_on() == [(first, "read-0002")]
    run(first, "read-0002")
    drain()
    assert jobs.get(USER, first)["book_pages_read"] == 9
