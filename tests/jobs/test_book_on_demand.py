"""A book's recording made where someone listens (issue 77): its reading whole, its recording the
minutes after its start, the minutes after a listener's place, and the rest when an export asks,
each section once. In-process moto with real reading and a real voice; the queues are those of
chalicelib.resources.worker_queues, delivered as their event sources would (the listener's first)."""
from __future__ import annotations

import json

import pytest

from chalicelib import aws, settings
from chalicelib.books import export
from chalicelib.jobs import book, book_demand, book_queues, keys, listening, shards, worker
from chalicelib.jobs import table as jobs
from chalicelib.web import job_view
from tests.jobs.test_book import USER, chapters_pdf, deliver, empty, messages, small_books, upload  # noqa: F401 - a fixture
from tests.results import validate_result

pytest_plugins = ["tests.apifixtures"]


@pytest.fixture
def short_window(small_books, monkeypatch):  # noqa: F811 - the imported fixture
    """test_book's small books, with sections of a page and a window ahead of a listener of ~2 sections."""
    monkeypatch.setenv("PAGEVOICE_SECTION_CHARS", "60")
    monkeypatch.setenv("PAGEVOICE_RECORD_AHEAD_SECONDS", "5")  # 80 characters: two sections
    yield


def drain(log: list[str] | None = None) -> list[str]:
    """Every waiting message delivered in the order the worker's queues are served (the listener's,
    then reading, then the record queue only while no reading shard waits); `log` gets each shard."""
    outcomes = []
    while batch := messages(queue=book_queues.FIRST) or messages(queue=book_queues.SHARDS) or messages(1, queue=book_queues.RECORD):
        for message in batch:
            if log is not None:
                log.append(json.loads(message["Body"])["shard"])
            outcomes += deliver(message)["outcomes"]
    return outcomes


def recorded_items(job_id: str) -> list[dict]:
    return [i for i in shards.each(USER, job_id, prefix="rec-") if i.get("status") == shards.DONE]


def test_a_book_nobody_listens_to_is_read_whole_and_recorded_only_at_its_start(short_window):
    job_id, key = upload(chapters_pdf(9))
    assert worker.handle_upload(settings.get().aws.bucket, key) == "planned"
    drain()
    view = job_view.describe(USER, job_id)
    assert view["status"] == "done", view["error"]
    result = view["result"] or view["result_parts"]["index"]["result"]
    validate_result(result) if view["result"] else None
    assert result["document"]["read"] == 9 and result["document"]["complete"] is True  # every page read
    made = result["speech"]["sections"]
    # Cut into sections of a page or so; only the window after the start is recorded.
    assert made["total"] >= 9 and made["queued"] == 0
    assert 1 <= made["recorded"] <= 4 < made["total"]
    assert result["speech"]["complete"] is False
    assert [p["first"]["page"] for p in result["speech"]["parts"]] == sorted(p["first"]["page"] for p in result["speech"]["parts"])
    assert result["speech"]["parts"][0]["start"] == 0.0 and result["speech"]["parts"][0]["first"]["page"] == 0
    record = jobs.get(USER, job_id)
    assert int(record["book_asked"]) == int(record["book_recorded"]) == made["recorded"]


def test_a_listener_has_the_minutes_after_their_place_recorded_then_an_export_the_rest_each_once(short_window):
    job_id, key = upload(chapters_pdf(9))
    assert worker.handle_upload(settings.get().aws.bucket, key) == "planned"
    drain()
    before = len(recorded_items(job_id))
    # A listener of the finished book moves to page 7: that place and the window after it go to
    # the listener's queue, and are made; nothing before it.
    assert listening.save(USER, job_id, {"page": 6, "line": 0, "word": 0})
    asked = [json.loads(m["Body"])["shard"] for m in messages(10, queue=book_queues.FIRST)]
    empty()
    assert asked and all(s.startswith("rec-") for s in asked)
    for shard in asked:
        deliver_shard(job_id, shard)
    view = job_view.describe(USER, job_id)
    head = view["result"] or view["result_parts"]["index"]["result"]
    late = [p for p in head["speech"]["parts"] if p["first"]["page"] >= 6]
    assert late and late[0]["first"]["page"] == 6 and late[0].get("gap") is True and late[0]["start"] is None
    assert head["speech"]["sections"]["recorded"] == before + len(asked)
    assert view["status"] == "done"
    # Playing on there asks for nothing new until the place moves past what is made.
    assert listening.save(USER, job_id, {"page": 6, "line": 0, "word": 0})
    assert not messages(10, queue=book_queues.FIRST)
    # An export asks for the rest (one message to the record queue, whatever the polling) and
    # says how long it takes; its build waits for the recording.
    answer, status = export.ask(USER, job_id, "mp3")
    again, _ = export.ask(USER, job_id, "mp3")
    assert status == 202 and answer["status"] == "recording" and answer["sections_left"] > 0
    assert answer["seconds_left"] >= 0 and 0 < answer["progress"] < 1 and again["status"] == "recording"
    rest = messages(10, queue=book_queues.RECORD)
    assert [json.loads(m["Body"])["shard"] for m in rest] == [book_demand.REST]
    for m in rest:
        deliver({**m, "queue": book_queues.RECORD})
    order: list[str] = []
    drain(order)
    assert order and all(s.startswith("rec-") for s in order)
    view = job_view.describe(USER, job_id)
    result = view["result"] or view["result_parts"]["index"]["result"]
    assert result["speech"]["complete"] is True and result["speech"]["sections"]["recorded"] == result["speech"]["sections"]["total"]
    assert not [p for p in result["speech"]["parts"] if p.get("gap")] and result["document"]["complete"] is True
    # Each section recorded once: one claim each, as many items as sections.
    items = recorded_items(job_id)
    assert len(items) == result["speech"]["sections"]["total"] and all(int(i["attempts"]) == 1 for i in items)
    assert jobs.get(USER, job_id)["seconds"] == pytest.approx(result["speech"]["seconds"], abs=0.01)
    # Now the export is built as for any finished recording.
    answer, status = export.ask(USER, job_id, "mp3")
    assert status == 202 and answer["status"] in ("queued", "building")


def deliver_shard(job_id: str, shard: str) -> dict:
    return worker.shard_batch([{"eventSource": "aws:sqs", "messageId": shard, "receiptHandle": "r",
                                "body": json.dumps({"bucket": settings.get().aws.bucket, "user": USER,
                                                    "job": job_id, "shard": shard})}])


def test_a_book_planned_before_recording_on_demand_still_ends_when_every_section_is_made():
    """Records without `book_asked` asked for every section when they were planned."""
    old = {"book_read": 4, "book_shards": 4, "book_recorded": 11, "book_sections": 12, "book_shards_x": 0}
    assert not book.whole(old) and book.whole({**old, "book_recorded": 12})
    assert book.whole({**old, "book_asked": 3, "book_recorded": 3})
    assert book_demand.recording_open({**old, "book_asked": 3, "book_recorded": 3})
    assert not book_demand.recording_open({**old, "book_recorded": 12})


def test_asking_twice_marks_and_sends_once(short_window):
    job_id, key = upload(chapters_pdf(9))
    assert worker.handle_upload(settings.get().aws.bucket, key) == "planned"
    ids = ["rec-0001-00", "rec-0001-01", "rec-0002-00"]
    assert shards.ask(USER, job_id, ids, book_queues.RECORD) == ids
    assert shards.ask(USER, job_id, ids + ["rec-0003-00"], book_queues.RECORD) == ["rec-0003-00"]
    assert int(jobs.get(USER, job_id)["book_asked"]) == 4
    assert shards.ask(USER, "01" + "0" * 24, ids, book_queues.RECORD) == []  # no such job: nothing marked
    # A listener comes: a waiting section moves to the listener's queue once, not at every place saved.
    assert shards.promote(USER, job_id, ids[0], book_queues.FIRST) and not shards.promote(USER, job_id, ids[0], book_queues.FIRST)
    table = aws.dynamodb().Table(settings.get().aws.shards_table)
    assert table.get_item(Key={"job": f"{USER}/{'01' + '0' * 24}", "shard": ids[0]}).get("Item") is None


def test_a_listener_waits_on_their_queue_for_the_next_minutes_only_the_rest_moves_up_as_they_come(short_window, monkeypatch):
    """The window after a listener's place is recorded on the listener's queue only for its first
    minutes (settings.books.listen_first_seconds) and the section after the one heard; the rest
    goes to the record queue, the lowest share, and moves up when the listener comes near it: ten
    minutes on the listener's queue held every book's reading back while they were made
    (bench.fair)."""
    monkeypatch.setenv("PAGEVOICE_RECORD_AHEAD_SECONDS", "16")  # 256 characters: ~4 sections of a page
    monkeypatch.setenv("PAGEVOICE_LISTEN_FIRST_SECONDS", "3")  # 48: the section at the place
    job_id, key = upload(chapters_pdf(9))
    assert worker.handle_upload(settings.get().aws.bucket, key) == "planned"
    drain()
    assert listening.save(USER, job_id, {"page": 5, "line": 0, "word": 0})  # after the start's window
    first = sorted(json.loads(m["Body"])["shard"] for m in messages(10, queue=book_queues.FIRST))
    rest = sorted(json.loads(m["Body"])["shard"] for m in messages(10, queue=book_queues.RECORD))
    # The section at the place and the one after it (made while the first plays), in text order.
    assert len(first) == 2 and len(rest) >= 2 and max(first) < min(rest)
    for shard in first:
        deliver_shard(job_id, shard)
    # Played on into the second: the first of the record queue's is the listener's now, to be made
    # while the second plays (not once the listener reaches it).
    _, r, k = max(first).split("-")
    stored = json.loads(aws.s3().get_object(Bucket=settings.get().aws.bucket, Key=keys.output_key(
        USER, job_id, book.SECTIONS_FILE.format(int(r))))["Body"].read())
    page, _, _, line, *_ = stored[int(k)][0]
    empty()
    assert listening.save(USER, job_id, {"page": page, "line": max(0, line), "word": 0})
    moved = [json.loads(m["Body"])["shard"] for m in messages(10, queue=book_queues.FIRST)]
    assert moved == [min(rest)]
    items = {i["shard"]: i for i in shards.each(USER, job_id, prefix="rec-")}
    assert items[min(rest)]["lane"] == book_queues.FIRST and items[max(rest)]["lane"] == book_queues.RECORD


def test_what_a_listener_hears_now_is_told_from_what_is_made_ahead_of_them(short_window, monkeypatch):
    """On the listener's queue, the sections starting within settings.books.listen_now_seconds of
    their place are what they wait for now; the rest of their first minutes is marked as made
    ahead (book_queues.AHEAD): first in line all the same, but the local stack runs it at the books'
    niceness, not at the uploads' (bench.fair: a minute ahead made un-niced slowed other people's
    first pages)."""
    monkeypatch.setenv("PAGEVOICE_RECORD_AHEAD_SECONDS", "16")
    monkeypatch.setenv("PAGEVOICE_LISTEN_FIRST_SECONDS", "16")  # the whole window on the listener's queue
    monkeypatch.setenv("PAGEVOICE_LISTEN_NOW_SECONDS", "1")  # 16 characters: the section at the place
    job_id, key = upload(chapters_pdf(9))
    assert worker.handle_upload(settings.get().aws.bucket, key) == "planned"
    drain()
    assert listening.save(USER, job_id, {"page": 5, "line": 0, "word": 0})
    bodies = sorted((json.loads(m["Body"]) for m in messages(10, queue=book_queues.FIRST)), key=lambda b: b["shard"])
    assert len(bodies) >= 3, bodies
    assert [b.get(book_queues.AHEAD) for b in bodies] == [None] + [True] * (len(bodies) - 1)


def test_a_place_saved_while_its_pages_are_ending_is_heard_first(short_window, monkeypatch):
    """A listener moves into pages a worker is just ending: the PUT finds their shard running
    (nothing to promote: its end asks from the place), while that end read the job's place before
    the PUT saved it. The end asks from the place saved by then (two clones' run: a late chapter
    was heard only after everything before it was recorded)."""
    from chalicelib.jobs import book_files

    job_id, key = upload(chapters_pdf(9))  # pages 1 | 2-4 | 5-7 | 8-9
    assert worker.handle_upload(settings.get().aws.bucket, key) == "planned"
    for shard in ("read-0000", "read-0001"):
        deliver_shard(job_id, shard)
    empty()
    real = book_files.read_outputs

    def moved_meanwhile(*args, **kwargs):
        assert kwargs["place"] is None  # read before the listener moved
        assert listening.save(USER, job_id, {"page": 5, "line": 0, "word": 0})  # page 6: in these pages
        assert not messages(queue=book_queues.FIRST)  # the PUT left them to this shard's end
        return real(*args, **kwargs)

    monkeypatch.setattr(book_files, "read_outputs", moved_meanwhile)
    deliver_shard(job_id, "read-0002")
    first = sorted(json.loads(m["Body"])["shard"] for m in messages(10, queue=book_queues.FIRST))
    assert first and all(s.startswith("rec-0002-") for s in first), first
