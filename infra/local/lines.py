"""The bridge's lines: what waits for a local worker, served in turn: one line per account, and
within it each of its jobs in turn (deployed, SQS fair queues serve the accounts with the fewest
messages in flight first, and Lambda runs uploads side by side)."""
from __future__ import annotations

import collections
import contextlib
import json


def event_key(event: dict) -> str:
    """What identifies an event in the fair queue: its upload's key, or for a book's shard
    `shards/{user}/{job}/{shard}` (the user's turn, as for uploads)."""
    from chalicelib.jobs.events import records

    key = next((k for _, k in records(event)), "")
    if key:
        return key
    for rec in event.get("Records", []):
        if rec.get("eventSource") == "aws:sqs":
            with contextlib.suppress(ValueError, AttributeError):
                body = json.loads(rec.get("body") or "{}")
                return f"shards/{body.get('user')}/{body.get('job')}/{body.get('shard')}"
    return ""


def ahead(event: dict) -> bool:
    """A message of the listener's queue made ahead of their place (chalicelib.jobs.book_queues
    AHEAD): first in line, but nobody waits for it yet."""
    from chalicelib.jobs.book_queues import AHEAD

    for rec in event.get("Records", []):
        if rec.get("eventSource") == "aws:sqs":
            with contextlib.suppress(ValueError, AttributeError):
                return json.loads(rec.get("body") or "{}").get(AHEAD) is True
    return False


def opening(key: str) -> bool:
    """A book's first reading shard or first (short) section: `shards/{user}/{job}/{shard}`."""
    return key.rsplit("/", 1)[-1] in ("read-0000", "rec-0000-00")


def first_section(key: str) -> bool:
    return key.rsplit("/", 1)[-1] == "rec-0000-00"


class FairQueue:
    """Events waiting for a worker, one line per user, served in turn, and within a user's line
    each of their jobs in turn: a user who uploads fifty dense pages waits behind their own
    pages, not in front of everyone else's, and one of their books' shards never hold their
    other books' (Lambda runs uploads side by side; a few local workers need this to behave
    alike)."""

    def __init__(self) -> None:
        self._lines: dict[str, dict[str, collections.deque]] = {}  # owner -> job -> its items
        self._jobs: dict[str, collections.deque[str]] = {}  # owner -> its jobs' turn
        self._turn: collections.deque[str] = collections.deque()
        self._keys: set[str] = set()
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def waiting(self) -> set[str]:
        """The users with events waiting."""
        return set(self._lines)

    def add(self, key: str, item) -> bool:
        """Queue `item` for the upload or shard `key`; False (and nothing queued) when it is
        already waiting: a duplicate event needs no second turn."""
        if key in self._keys:
            return False
        owner, job = self.owner(key), self.job(key)
        if owner not in self._lines:
            self._lines[owner], self._jobs[owner] = {}, collections.deque()
            self._turn.append(owner)
        jobs = self._lines[owner]
        if job not in jobs:
            jobs[job] = collections.deque()
            self._jobs[owner].append(job)
        jobs[job].append((key, item))
        self._keys.add(key)
        self._size += 1
        return True

    def next(self, may_run=lambda owner: True, wanted=lambda key: True):
        """The next item in turn whose owner `may_run` and whose key is `wanted` (looked for at the
        head of each of the owner's jobs), or None. An owner passed over keeps its place."""
        for owner in list(self._turn):
            if not may_run(owner):
                continue
            jobs, turn = self._lines[owner], self._jobs[owner]
            job = next((j for j in turn if wanted(jobs[j][0][0])), None)
            if job is None:
                continue
            turn.remove(job)
            key, item = jobs[job].popleft()
            self._keys.discard(key)
            self._size -= 1
            if jobs[job]:
                turn.append(job)
            else:
                del jobs[job]
            self._turn.remove(owner)
            if jobs:
                self._turn.append(owner)
            else:
                del self._lines[owner], self._jobs[owner]
            return item
        return None

    @staticmethod
    def owner(key: str) -> str:
        return key.split("/")[1] if key.count("/") >= 2 else ""

    @staticmethod
    def job(key: str) -> str:
        return key.split("/")[2] if key.count("/") >= 2 else ""
