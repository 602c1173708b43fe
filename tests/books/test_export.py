"""GET /jobs/{id}/export (chalicelib.books.export): asked through the API (Chalice's test client on
moto), made by the tasks handler as the tasks function runs it, served by a presigned link; a
stale, stalled, failed, replaced or deleted build never serves a book that is not the job's
recording as it is; the account's export zip holds the books that are made."""
from __future__ import annotations

import io
import json
import zipfile
from urllib.parse import parse_qs, unquote, urlsplit

import jsonschema
import pytest
from mutagen.id3 import ID3

from chalicelib import aws, clock, settings
from chalicelib.books import FORMATS
from chalicelib.books import export as books
from chalicelib.jobs import keys, lifecycle, objects, worker
from chalicelib.jobs import table as jobs
from tests import images
from tests.apiclient import assert_error, post, signed_in
from tests.books import unusual
from tests.books.test_mp3 import chapters_of, tags_of
from tests.tasksqueue import Tasks

pytest_plugins = ["tests.apifixtures"]

MP3 = FORMATS["mp3"]


@pytest.fixture
def queue(api_env):
    return Tasks()


@pytest.fixture(scope="module")
def speech_mp3() -> bytes:
    return unusual.silent_mp3(4.0)


@pytest.fixture
def done(client, queue, speech_mp3) -> tuple[str, dict, str]:
    """A new account's finished page job with a recording, nothing left on the tasks queue:
    (user id, auth headers, job id)."""
    user, headers = signed_in(client)
    queue.queued()  # the sign-up's mail
    return user["id"], headers, finished(client, headers, user["id"], speech_mp3)


def stored(key: str) -> bytes:
    return aws.s3().get_object(Bucket=settings.get().aws.bucket, Key=key)["Body"].read()


def all_keys() -> list[str]:
    return [o["Key"] for o in aws.s3().list_objects_v2(Bucket=settings.get().aws.bucket).get("Contents", [])]


def book_keys(user_id: str, job_id: str) -> list[str]:
    return [k for k in all_keys() if k.startswith(keys.job_prefix(user_id, job_id) + books.FILE_PREFIX)]


def finished(client, headers, user_id, mp3: bytes | None, *, filename="Été report.pdf", chapters=None) -> str:
    """A page job finished as the worker finishes one (its record, result.json and, with `mp3`, its
    recording), without reading a file: (job id)."""
    r = post(client, "/uploads", {"filename": filename, "content_type": "application/pdf", "size": 100}, headers=headers)
    job_id = r.json_body["job_id"]
    jobs.claim(user_id, job_id, 60)
    record(user_id, job_id, mp3, chapters)
    return job_id


def record(user_id, job_id, mp3, chapters=None, text="Methods. We counted.") -> None:
    bucket, files = settings.get().aws.bucket, objects.JobFiles.of(user_id, job_id)
    result = {"schema": 1, "kind": "page", "text": text, "lines": [], "language": {"code": "en", "confidence": 1,
                                                                                    "detected": True}}
    outputs = {}
    if mp3 is not None:
        result["speech"] = {"seconds": 4.0, "download": "speech.mp3"}
        result["chapters"] = chapters or [{"title": "Methods", "level": 1, "block": 0, "start": 0.0},
                                          {"title": "Results", "level": 1, "block": 1, "start": 2.0}]
        outputs = {"speech.wav": files.key("speech.wav"), "speech.mp3": files.key("speech.mp3")}
        objects.write(bucket, files.key("speech.wav"), b"RIFF", "audio/wav")
        objects.write(bucket, files.key("speech.mp3"), mp3, "audio/mpeg")
    objects.write(bucket, files.key("result.json"), json.dumps(result).encode(), "application/json")
    assert jobs.finish(user_id, job_id, result_key=files.key("result.json"), outputs=outputs, timings_ms={},
                       summary={}, kind="page", seconds=4.0 if mp3 else None)


def recorded_again(user_id, job_id, mp3) -> None:
    """POST /jobs/{id}/recording's effect on the record, and the worker finishing it."""
    assert jobs.record_again(user_id, job_id, jobs.get(user_id, job_id))
    assert jobs.claim(user_id, job_id, 60)
    record(user_id, job_id, mp3, text="Methods again.")


def ask(client, job_id, headers, fmt="mp3"):
    query = "" if fmt is None else f"?format={fmt}"
    return client.http.get(f"/jobs/{job_id}/export{query}", headers=headers)


def key_of_url(url: str) -> str:
    bucket = settings.get().aws.bucket
    return unquote(urlsplit(url).path).lstrip("/").removeprefix(f"{bucket}/")


def test_an_mp3_is_made_on_the_worker_side_then_served_by_a_short_lived_link(client, queue, done, tmp_path):
    user_id, headers, job_id = done
    first = ask(client, job_id, headers)
    assert first.status_code == 202, first.body
    assert first.json_body == {"format": "mp3", "status": "queued", "progress": 0}
    assert first.headers["Retry-After"] == str(books.POLL_SECONDS)
    again = ask(client, job_id, headers)  # asked again while queued: the same build, no second task
    assert again.status_code == 202 and again.json_body["status"] == "queued"
    assert queue.run() == ["book"]
    made = ask(client, job_id, headers)
    assert made.status_code == 200, made.body
    url = made.json_body["url"]
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Expires"] == ["900"]
    assert query["response-content-disposition"] == ['attachment; filename="Ete report.mp3"']
    assert query["response-content-type"] == ["audio/mpeg"]
    key = key_of_url(url)
    assert key.startswith(f"results/{user_id}/{job_id}/book-") and key.endswith(".mp3")
    data = stored(key)
    assert made.json_body["size"] == len(data) and made.json_body["format"] == "mp3"
    assert chapters_of(tags_of(data, tmp_path)) == [(0.0, 2.0, "Methods"), (2.0, 4.0, "Results")]
    assert ID3(tmp_path / "book.mp3")["TIT2"].text == ["Été report"]  # no declared title: the file's name
    assert queue.run() == []  # nothing else was queued
    # The record shows the book's state; the job itself did not move.
    record_now = jobs.get(user_id, job_id)
    assert record_now["book_mp3"]["status"] == "ready" and record_now["status"] == "done"
    assert record_now["updated_at"] == record_now["book_mp3"]["recording"]


def test_a_repeated_delivery_does_nothing(client, queue, done):
    user_id, headers, job_id = done
    ask(client, job_id, headers)
    [message] = queue.queued()
    body = json.loads(message["body"])
    books.build(**{k: v for k, v in body.items() if k != "task"})
    ready = jobs.get(user_id, job_id)["book_mp3"]
    books.build(**{k: v for k, v in body.items() if k != "task"})  # SQS delivers it again
    assert jobs.get(user_id, job_id)["book_mp3"] == ready
    assert book_keys(user_id, job_id) == [ready["key"]]


@pytest.mark.parametrize("query,part", [(None, "say which book"), ("", "say which book"), ("pdf", "no 'pdf' book"),
                                        ("epub3", "no 'epub3' book"), ("%20", "say which book"),
                                        ("MP3", "no 'MP3' book"), ("mp3%20", "no 'mp3 ' book")])
def test_an_unknown_or_missing_format_is_a_400_with_a_message(client, done, query, part):
    user_id, headers, job_id = done
    r = ask(client, job_id, headers, query)
    assert_error(r, 400, part)
    assert r.json_body["field"] == "format" and "format=epub, format=mp3, format=m4b or format=chapters" in r.json_body["message"]


def test_the_owner_only_as_get_jobs_id_answers(client, queue, speech_mp3):
    ann, ann_headers = signed_in(client)
    _, bob_headers = signed_in(client, email="bob@example.org", name="Bob")
    job_id = finished(client, ann_headers, ann["id"], speech_mp3)
    queue.queued()
    theirs, absent = ask(client, job_id, bob_headers), ask(client, keys.new_job_id(), bob_headers)
    assert theirs.status_code == absent.status_code == 404 and theirs.json_body == absent.json_body
    assert client.http.get(f"/jobs/{job_id}", headers=bob_headers).json_body == theirs.json_body
    assert_error(ask(client, "not-a-job", bob_headers), 404)
    assert_error(ask(client, job_id, {}), 401)
    assert queue.queued() == []  # nothing was started for them
    # An API key of the owner's may ask.
    key = post(client, "/api-keys", {"name": "reader app"}, headers=ann_headers).json_body["key"]
    assert ask(client, job_id, {"X-Api-Key": key}).status_code == 202


def test_a_job_without_a_book_to_make_is_a_409_with_a_message(client, queue, speech_mp3):
    user, headers = signed_in(client)
    r = post(client, "/uploads", {"filename": "a.png", "content_type": "image/png", "size": 10}, headers=headers)
    waiting = r.json_body["job_id"]
    assert_error(ask(client, waiting, headers), 409, "still being read or recorded")
    silent = finished(client, headers, user["id"], None)  # done, nothing said: no recording
    assert_error(ask(client, silent, headers), 409, "no recording")
    r = post(client, "/uploads", {"filename": "b.png", "content_type": "image/png", "size": 10}, headers=headers)
    broken = r.json_body["job_id"]
    jobs.fail(user["id"], broken, "The file could not be read.")
    assert_error(ask(client, broken, headers), 409, "did not finish")
    assert queue.names() == ["verify-mail"]  # no book was started


def test_read_again_makes_the_old_book_stale_and_a_new_one_is_made(client, queue, done, speech_mp3, tmp_path):
    user_id, headers, job_id = done
    ask(client, job_id, headers)
    queue.run()
    old = key_of_url(ask(client, job_id, headers).json_body["url"])
    recorded_again(user_id, job_id, speech_mp3)
    stale = ask(client, job_id, headers)
    assert stale.status_code == 202 and stale.json_body["status"] == "queued"  # never the old book
    assert old not in all_keys()  # replaced: its file goes
    assert queue.run() == ["book"]
    new = key_of_url(ask(client, job_id, headers).json_body["url"])
    assert new != old and book_keys(user_id, job_id) == [new]
    lyrics = ID3(io.BytesIO(stored(new))).getall("USLT")[0].text
    assert lyrics == "Methods again."  # of the new recording's result


def test_a_job_recorded_again_before_its_book_is_made_is_not_made_of_the_old(client, queue, done, speech_mp3):
    user_id, headers, job_id = done
    ask(client, job_id, headers)
    recorded_again(user_id, job_id, speech_mp3)
    assert queue.run() == ["book"]  # the queued build finds the recording changed: it stops
    assert book_keys(user_id, job_id) == []
    assert ask(client, job_id, headers).status_code == 202  # a new build of the new recording
    assert queue.run() == ["book"]
    assert ask(client, job_id, headers).status_code == 200


def test_a_build_overtaken_while_it_runs_stops_and_leaves_no_file(client, queue, done, speech_mp3, monkeypatch):
    """Read again while the book is made: its next progress write finds its place taken."""
    user_id, headers, job_id = done
    monkeypatch.setattr(books, "PROGRESS_EVERY_SECONDS", 0.0)

    went_on = []

    def slow_build(result, recording, *, title, progress=None, left_out=None):
        progress(0.3)
        recorded_again(user_id, job_id, speech_mp3)
        progress(0.6)
        went_on.append(True)
        return b"a book of the old recording"

    monkeypatch.setattr(books, "builder", lambda fmt: slow_build)
    ask(client, job_id, headers)
    assert queue.run() == ["book"]
    assert not went_on and book_keys(user_id, job_id) == []
    assert jobs.get(user_id, job_id)["book_mp3"]["status"] == "building"  # of the old recording: not current


def test_a_job_deleted_while_its_book_is_made_keeps_nothing(client, queue, done, monkeypatch):
    user_id, headers, job_id = done
    real = books.builder(MP3)

    def build_then_gone(result, recording, **kw):
        data = real(result, recording, **kw)
        assert lifecycle.delete(user_id, job_id)
        return data

    monkeypatch.setattr(books, "builder", lambda fmt: build_then_gone)
    ask(client, job_id, headers)
    assert queue.run() == ["book"]
    assert [k for k in all_keys() if job_id in k] == []
    assert jobs.get(user_id, job_id) is None


def test_a_failed_build_is_answered_for_a_minute_then_tried_again(client, queue, done, monkeypatch):
    user_id, headers, job_id = done

    def broken(*args, **kw):
        raise ValueError("a builder's bug")

    monkeypatch.setattr(books, "builder", lambda fmt: broken)
    ask(client, job_id, headers)
    assert queue.run() == ["book"]  # handled: not left on the queue to fail again
    r = ask(client, job_id, headers)
    assert_error(r, 422, "could not be made")
    assert r.json_body["error"] == "book_failed" and queue.queued() == []
    monkeypatch.undo()
    now = clock.now()
    monkeypatch.setattr(clock, "now", lambda: now + books.RETRY_FAILED_SECONDS + 1)
    assert ask(client, job_id, headers).status_code == 202
    assert queue.run() == ["book"]
    assert ask(client, job_id, headers).status_code == 200


def test_a_stalled_build_is_started_again_and_the_lost_one_does_nothing(client, queue, done, monkeypatch):
    user_id, headers, job_id = done
    ask(client, job_id, headers)
    [lost] = queue.queued()  # its function died with it
    first = jobs.get(user_id, job_id)["book_mp3"]["build"]
    now = clock.now()
    monkeypatch.setattr(clock, "now", lambda: now + books.STALLED_SECONDS + 1)
    assert ask(client, job_id, headers).status_code == 202
    second = jobs.get(user_id, job_id)["book_mp3"]["build"]
    assert second != first
    body = json.loads(lost["body"])
    books.build(**{k: v for k, v in body.items() if k != "task"})  # delivered late: replaced, does nothing
    assert jobs.get(user_id, job_id)["book_mp3"]["status"] == "queued" and book_keys(user_id, job_id) == []
    assert queue.run() == ["book"]
    assert ask(client, job_id, headers).status_code == 200


def test_the_account_export_holds_the_books_made_of_the_recording_as_it_is(client, queue, done, speech_mp3):
    user_id, headers, job_id = done
    other = finished(client, headers, user_id, speech_mp3, filename="second.pdf")
    for j in (job_id, other):
        ask(client, j, headers)
    assert queue.run() == ["book", "book"]
    recorded_again(user_id, other, speech_mp3)  # its book is stale now
    post(client, "/me/export", headers=headers)
    assert queue.run() == ["export"]
    answer = client.http.get("/me/export", headers=headers).json_body
    body = stored(key_of_url(answer["export"]["url"]))
    z = zipfile.ZipFile(io.BytesIO(body))
    [mine] = [n for n in z.namelist() if job_id in n and n.endswith("/book.mp3")]
    assert z.read(mine) == stored(books.ready_books(jobs.get(user_id, job_id))["book.mp3"])
    assert not [n for n in z.namelist() if other in n and "book" in n.rsplit("/", 1)[-1]]
    assert "book.epub and book.mp3" in z.read("README.txt").decode()


def test_download_names_and_titles():
    epub = FORMATS["epub"]
    assert books.download_name("Été report.pdf", epub) == "Ete report.epub"
    assert books.download_name("scan.2024.JPG", MP3) == "scan.2024.mp3"
    assert books.download_name('a"b;\r\nc.png', MP3) == "a_b_c.mp3"
    assert books.download_name("日本語.pdf", MP3) == "book.mp3"
    assert books.download_name("../../etc/passwd", MP3) == "passwd.mp3"
    assert books.download_name(".hidden", MP3) == "hidden.mp3"
    assert books.download_name(None, MP3) == "book.mp3"
    assert len(books.download_name("x" * 500 + ".pdf", MP3)) == 104
    assert books.title_of({"document": {"title": "  The  Report "}}, "r.pdf") == "The Report"
    assert books.title_of({}, "Été report.pdf") == "Été report"
    assert books.title_of({}, "") == "PageVoice"


def test_a_real_page_read_by_the_worker_exports(client, queue, tmp_path):
    """A page the worker reads and records (OCR, voice, speech.mp3): its book is that recording."""
    user, headers = signed_in(client)
    queue.queued()
    data = images.encode(images.text_image(["THE GARDEN", "Roses grow here."], size=48).image, "PNG")
    r = post(client, "/uploads", {"filename": "garden.png", "content_type": "image/png", "size": len(data)},
             headers=headers)
    job_id = r.json_body["job_id"]
    key = keys.upload_key(user["id"], job_id)
    aws.s3().put_object(Bucket=settings.get().aws.bucket, Key=key, Body=data)
    assert worker.handle_upload(settings.get().aws.bucket, key) == "done"
    assert ask(client, job_id, headers).status_code == 202
    assert queue.run() == ["book"]
    made = ask(client, job_id, headers)
    assert made.status_code == 200
    book = stored(key_of_url(made.json_body["url"]))
    recording = stored(keys.output_key(user["id"], job_id, "speech.mp3"))
    from chalicelib.books.mp3 import audio_of

    assert book.endswith(audio_of(recording))
    job = client.http.get(f"/jobs/{job_id}", headers=headers).json_body
    # The photo's heading is its one chapter, from the start; without one, the file's name is.
    [(start, _, title)] = chapters_of(tags_of(book, tmp_path))
    assert start == 0 and title == ([c["title"] for c in job["result"].get("chapters") or []] or ["garden"])[0]
    assert ID3(tmp_path / "book.mp3").getall("USLT")[0].text == job["result"]["text"]
    # And as an audiobook: AAC as long as the recording, its one chapter from the start.
    assert ask(client, job_id, headers, "m4b").status_code == 202
    assert queue.run() == ["book"]
    made = ask(client, job_id, headers, "m4b")
    assert made.status_code == 200 and made.json_body["url"].split("?")[0].endswith(".m4b")
    (tmp_path / "book.m4b").write_bytes(stored(key_of_url(made.json_body["url"])))
    from mutagen.mp4 import MP4

    audiobook = MP4(str(tmp_path / "book.m4b"))
    assert audiobook.info.codec.startswith("mp4a")
    assert abs(audiobook.info.length - job["result"]["speech"]["seconds"]) < 0.1
    assert [(c.start, c.title) for c in audiobook.chapters] == [(0.0, title)]


def test_books_started_are_limited_per_account_and_hour(client, queue, speech_mp3, monkeypatch):
    user, headers = signed_in(client)
    monkeypatch.setattr(books, "BOOKS_PER_HOUR", 2)
    ids = [finished(client, headers, user["id"], speech_mp3, filename=f"{k}.pdf") for k in range(2)]
    assert [ask(client, j, headers).status_code for j in ids] == [202, 202]
    assert [ask(client, j, headers).status_code for j in ids] == [202, 202]  # asking again starts nothing
    third = finished(client, headers, user["id"], speech_mp3, filename="2.pdf")
    r = ask(client, third, headers)
    assert_error(r, 429, "books in the last hour")
    assert int(r.headers["Retry-After"]) >= 1


def test_a_result_the_builder_refuses_is_a_409_with_its_reason_for_that_recording(client, queue, done, speech_mp3,
                                                                                  monkeypatch):
    from chalicelib.errors import Conflict

    user_id, headers, job_id = done

    def refuses(*args, **kw):
        raise Conflict("This result has no recording timed sentence by sentence.")

    monkeypatch.setattr(books, "builder", lambda fmt: refuses)
    ask(client, job_id, headers)
    assert queue.run() == ["book"]
    assert_error(ask(client, job_id, headers), 409, "timed sentence by sentence")
    now = clock.now()
    monkeypatch.setattr(clock, "now", lambda: now + books.RETRY_FAILED_SECONDS + 1)
    assert_error(ask(client, job_id, headers), 409, "timed sentence by sentence")  # not tried again
    assert queue.queued() == []
    monkeypatch.setattr(clock, "now", lambda: now)
    recorded_again(user_id, job_id, speech_mp3)  # a new recording: asked afresh
    assert ask(client, job_id, headers).status_code == 202


def test_the_answer_says_what_the_books_bounds_left_out(client, queue, speech_mp3):
    """Over 255 headings: the MP3's 200 says which were not made chapters (`left_out`, kept with the
    build); a book that fits says an empty list."""
    user, headers = signed_in(client)
    flat = [{"title": f"Part {k}", "level": 1, "block": 0, "start": k * 0.01} for k in range(300)]
    many = finished(client, headers, user["id"], speech_mp3, chapters=flat)
    plain = finished(client, headers, user["id"], speech_mp3)
    for job_id in (many, plain):
        assert ask(client, job_id, headers).status_code == 202
    queue.run()
    made = ask(client, many, headers)
    assert made.status_code == 200, made.body
    assert made.json_body["left_out"] == [
        {"what": "chapters", "count": 45, "limit": 255,
         "message": "45 of the 300 headings are not chapters: an MP3 lists at most 255 chapters."}]
    fits = ask(client, plain, headers)
    assert fits.status_code == 200 and fits.json_body["left_out"] == []
    assert set(fits.json_body) == {"url", "format", "size", "left_out"}  # CONTRACTS' keys, and the new one
    spec = client.http.get("/openapi.json").json_body  # as /openapi.json describes it
    for answer in (made, fits):
        jsonschema.validate(answer.json_body, {"$ref": "#/components/schemas/Book", "components": spec["components"]})


def test_an_m4b_of_a_recording_longer_than_it_is_made_of_is_a_409_and_its_mp3_is_made(client, queue, done,
                                                                                       monkeypatch):
    """An M4B is encoded again by the tasks function within its time: past Format.max_seconds
    (8 hours) it is refused before anything starts, and the MP3 offered instead."""
    import dataclasses

    from chalicelib.books import FORMATS

    user_id, headers, job_id = done  # a recording of 4 s: over a cap of 3 s
    monkeypatch.setitem(FORMATS, "m4b", dataclasses.replace(FORMATS["m4b"], max_seconds=3))
    assert FORMATS["m4b"].max_seconds == 3 and books_module_format_of("m4b").max_seconds == 3
    r = ask(client, job_id, headers, "m4b")
    assert_error(r, 409, "An M4B is made of recordings up to 0 hours, and this one is 0 h 00 min: ask for format=mp3")
    assert "book" not in queue.names()  # nothing started
    assert ask(client, job_id, headers, "mp3").status_code == 202


def books_module_format_of(name: str):
    from chalicelib.books import export as books

    return books.format_of(name)
