"""A book's file on a worker's disk, where its reading shards open it.

Streamed from S3 once for all the shards of it this worker process takes (a warm Lambda takes
many): no shard holds the file in memory (a scan may be settings.books.max_book_bytes) and the
decoding child reads only the pages it needs. A process takes turns between books (an account's
books, every account's: issue 77), so it keeps the books it read last while they fit its share
of the disk, the least recently read going first: one copy per book it reads, not one per shard
(a 450 MB scan taking turns with another book was streamed again for every 4 pages). The
template gives the worker's /tmp room for one largest book besides its own needs, so the copies
kept are bounded by that, whatever the books.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from chalicelib.errors import ObjectMissing, PageVoiceError
from chalicelib.jobs import objects

PREFIX = "pagevoice-book-"
GONE = "The book's file is no longer there."


def folder() -> Path:
    """This process's copies (one folder a process: a Lambda runs one invocation at a time)."""
    return Path(tempfile.gettempdir()) / f"{PREFIX}{os.getpid()}"


def local_copy(bucket: str, key: str, budget: int) -> Path:
    """The path of `key`'s copy on this process's disk, streamed once; the copies kept beside it
    take at most `budget` bytes with it (the least recently read removed first)."""
    mine = folder()
    path = mine / hashlib.sha256(f"{bucket}/{key}".encode()).hexdigest()[:32]
    if path.exists():
        os.utime(path)  # read now: the last to go
        return path
    _clear_dead(mine.parent)
    try:
        size, _ = objects.stat(bucket, key)
    except ObjectMissing:
        raise PageVoiceError(GONE) from None
    _make_room(mine, max(0, budget - size))
    mine.mkdir(mode=0o700, parents=True, exist_ok=True)
    part = path.with_suffix(".part")
    try:
        with open(part, "wb") as out:
            if not objects.read_to(bucket, key, out):
                raise PageVoiceError(GONE)
        part.rename(path)
    finally:
        part.unlink(missing_ok=True)
    return path


def _make_room(mine: Path, room: int) -> None:
    """Remove this process's copies, least recently read first, until they take at most `room`."""
    if not mine.is_dir():
        return
    kept = sorted((p for p in mine.iterdir() if p.is_file()), key=lambda p: p.stat().st_mtime)
    total = sum(p.stat().st_size for p in kept)
    for p in kept:
        if total <= room:
            break
        total -= p.stat().st_size
        p.unlink(missing_ok=True)


def _clear_dead(parent: Path) -> None:
    """Folders of worker processes that are gone (killed over a limit, replaced)."""
    for old in parent.glob(f"{PREFIX}*"):
        if not _alive(old.name.rsplit("-", 1)[-1]):
            shutil.rmtree(old, ignore_errors=True)


def _alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True  # another user's process
    return True
