"""A book's file on a worker's disk (chalicelib.jobs.book_copy): streamed once per book a process
reads, while the books it takes turns between fit its share of the disk; against moto in-process."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from chalicelib import settings
from chalicelib.errors import PageVoiceError
from chalicelib.jobs import book_copy, objects

KB = 1024


@pytest.fixture
def disk(aws_env, tmp_path, monkeypatch):
    """Books A, B, C of 40, 50 and 60 KB in the bucket; this process's copies under tmp_path; the
    objects streamed, in order."""
    monkeypatch.setattr(book_copy.tempfile, "gettempdir", lambda: str(tmp_path))
    bucket = settings.get().aws.bucket
    for name, size in (("A", 40), ("B", 50), ("C", 60)):
        objects.write(bucket, f"uploads/u/{name}/source", os.urandom(size * KB), "application/pdf")
    streamed = []
    real = objects.read_to

    def counted(bucket, key, out):
        streamed.append(key.split("/")[2])
        return real(bucket, key, out)

    monkeypatch.setattr(objects, "read_to", counted)

    def copy(name: str, budget: int):
        path = book_copy.local_copy(bucket, f"uploads/u/{name}/source", budget * KB)
        assert path.read_bytes() == objects.read_bytes(bucket, f"uploads/u/{name}/source")
        return path

    return copy, streamed, tmp_path


def kept(tmp_path) -> int:
    return sum(p.stat().st_size for p in book_copy.folder().iterdir()) // KB


def test_books_taking_turns_on_a_process_are_each_streamed_once_while_they_fit(disk):
    copy, streamed, tmp_path = disk
    for name in "ABABAB":  # two books' shards taking turns on one process
        copy(name, budget=100)
    assert streamed == ["A", "B"] and kept(tmp_path) == 90


def test_the_least_recently_read_copy_goes_first_and_the_copies_stay_within_the_budget(disk):
    copy, streamed, tmp_path = disk
    for name in "ABA":
        copy(name, budget=100)
    copy("C", budget=100)  # 60 KB: B (read before A's last shard) goes, A stays
    assert {p.name for p in book_copy.folder().iterdir()} == {copy("A", 100).name, copy("C", 100).name}
    assert streamed == ["A", "B", "C"] and kept(tmp_path) == 100
    copy("B", budget=60)  # a budget for one book: every other copy goes
    assert streamed == ["A", "B", "C", "B"] and kept(tmp_path) == 50


def test_a_dead_processes_copies_are_removed_and_a_missing_file_says_so(disk):
    copy, streamed, tmp_path = disk
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True).stdout.strip()
    dead = tmp_path / f"{book_copy.PREFIX}{gone}"
    dead.mkdir()
    (dead / "old").write_bytes(b"x" * KB)
    copy("A", budget=100)
    assert not dead.exists()
    with pytest.raises(PageVoiceError, match="no longer there"):
        book_copy.local_copy(settings.get().aws.bucket, "uploads/u/nothing/source", 100 * KB)
    assert not any(p.suffix == ".part" for p in book_copy.folder().iterdir())
