"""Another user's photo is served while a book is made (issue 54: within 2x of its quiet time),
through the real local stack. Alone (tests/conftest.py ALONE): it compares wall-clock times."""
from __future__ import annotations

import time

import pytest

from tests.conftest import own_stack
from tests.jobs.test_book_on_the_stack import chapters_pdf, upload_with
from tests.stackclient import get_job, login, register, upload, wait_job

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def stack_for_two(tmp_path_factory):
    with own_stack(tmp_path_factory, "fairness-stack") as s:
        yield s


def test_another_users_photo_is_served_while_a_book_is_made(stack_for_two, photo_with_text):
    path, _ = photo_with_text
    reader, other = (login(stack_for_two, register(stack_for_two)) for _ in range(2))

    def photo_seconds() -> float:
        t0 = time.monotonic()
        job_id = upload(stack_for_two, other, path.name, path.read_bytes(), "image/jpeg")
        assert wait_job(stack_for_two, other, job_id)["status"] == "done"
        return time.monotonic() - t0

    photo_seconds()  # warm
    quiet = min(photo_seconds() for _ in range(2))
    book = upload_with(stack_for_two, reader, "busy.pdf", chapters_pdf(80))
    deadline = time.monotonic() + 120
    while not (get_job(stack_for_two, reader, book).get("result") or {}).get("speech") and time.monotonic() < deadline:
        time.sleep(0.2)
    busy = photo_seconds()
    print(f"another user's photo: {quiet:.1f} s quiet, {busy:.1f} s while a book is recorded")
    assert get_job(stack_for_two, reader, book)["status"] == "processing"  # the book was still being made
    assert busy <= 2 * quiet + 1.0
