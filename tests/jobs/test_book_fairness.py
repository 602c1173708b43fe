"""Many people's books on one stack (issue 77), through the real local stack: a second account's
book is read whole, and a third account's photo is read, while a first book's whole recording
(asked for by an export) waits on the record queue. Asserted on the order of the stack's own
events (its log: "pages read", "section recorded", a job's "done"), never on time: it holds at
any speed. The figures (each upload's first text and audio against a quiet stack, a listener's
jump) are bench.fair's."""
from __future__ import annotations

import json
import time

import pytest
import requests

from tests.conftest import own_stack
from tests.jobs.test_book_on_the_stack import chapters_pdf, upload_with
from tests.stackclient import get_job, head_of, login, register, upload, wait_job

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def stack_for_three(tmp_path_factory):
    """Books from 21 pages, short sections (a page's title and line, a few seconds of speech each),
    and a window ahead of a listener of ~5 s: an 80-page book is read in seconds, and its whole
    recording is ~80 sections, made only when its export asks."""
    with own_stack(tmp_path_factory, "fairness-stack", {"PAGEVOICE_BOOK_PAGES": "20", "PAGEVOICE_SECTION_CHARS": "60",
                                                        "PAGEVOICE_RECORD_AHEAD_SECONDS": "5",
                                                        "PAGEVOICE_LAYOUT_ENGINE": "none"}) as s:
        yield s


def events(stack) -> list[dict]:
    """The stack's log records, in the order they were written."""
    out = []
    for line in stack.log_path.read_text(errors="replace").splitlines():
        if line.startswith("{") and line.endswith("}"):
            out.append(json.loads(line))
    return out


def speech_of(job: dict) -> dict:
    return head_of(job).get("speech") or {}


def test_a_second_book_and_a_photo_are_read_before_the_first_books_recording_is_done(stack_for_three, photo_with_text):
    stack = stack_for_three
    first, second, third = (login(stack, register(stack)) for _ in range(3))
    book = upload_with(stack, first, "long-voyage.pdf", chapters_pdf(80))
    assert wait_job(stack, first, book, timeout=600)["status"] == "done"
    # Read whole, recorded only at its start: an export asks for the rest.
    before = speech_of(get_job(stack, first, book))["sections"]
    assert before["recorded"] < before["total"] and before["queued"] == 0, before
    r = requests.get(f"{stack.api_url}/jobs/{book}/export", params={"format": "mp3"}, headers=first, timeout=30)
    assert r.status_code == 202 and r.json()["status"] == "recording", r.text
    assert r.json()["sections_left"] == before["total"] - before["recorded"]
    deadline = time.monotonic() + 600  # only stops a hung test
    while not ((now := speech_of(get_job(stack, first, book))["sections"])["queued"] and now["recorded"] > before["recorded"]) \
            and time.monotonic() < deadline:
        time.sleep(0.2)
    assert now["queued"] > 0, now  # the rest is being recorded now
    # Meanwhile another account's book and a third's photo.
    other = upload_with(stack, second, "short-voyage.pdf", chapters_pdf(40))
    path, _ = photo_with_text
    photo = upload(stack, third, path.name, path.read_bytes(), "image/jpeg")
    assert wait_job(stack, second, other, timeout=600)["status"] == "done"
    assert wait_job(stack, third, photo, timeout=600)["status"] == "done"
    deadline = time.monotonic() + 900  # only stops a hung test
    while (made := speech_of(get_job(stack, first, book)).get("sections", {})).get("recorded") != made.get("total") \
            and time.monotonic() < deadline:
        time.sleep(1)
    assert made["recorded"] == made["total"] and made["queued"] == 0, made
    log = events(stack)
    at = {id(e): k for k, e in enumerate(log)}

    def last(job_id: str, msg: str) -> int:
        return max(at[id(e)] for e in log if e.get("job_id") == job_id and e.get("msg") == msg)

    def first_of(job_id: str, msg: str) -> int:
        return min(at[id(e)] for e in log if e.get("job_id") == job_id and e.get("msg") == msg)

    recorded_last = last(book, "section recorded")
    # The first book's rest was being recorded when the others came (above), and its recording
    # ended after the second book's last pages were read and after the photo was done.
    assert first_of(book, "the rest of the recording asked for") < first_of(other, "book planned")
    assert last(other, "pages read") < recorded_last
    assert last(photo, "done") < recorded_last
    # ...and the second book's own start was recorded before the first book's rest was.
    assert last(other, "section recorded") < recorded_last
    # Nothing recorded twice: each section of the first book once.
    recorded = [e["shard"] for e in log if e.get("job_id") == book and e.get("msg") == "section recorded"]
    assert len(recorded) == len(set(recorded)) == made["total"]
