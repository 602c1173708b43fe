"""The local stack's worker pool (infra/local/bridge.py Workers) serves the listener's queue as
deployed: in a process of its own (its own event source and concurrency there), so a shard a
listener waits for starts at once while the book's other shards hold every shard worker; and
when that process is busy, the next free worker takes the listener's shard before the book's.
Asserted on the order invocations end in and the processes that ran them, never on their times."""
from __future__ import annotations

import json
import os
import time

import pytest

from infra.local.bridge import Workers
from tests.infra.local import test_bridge as bridge_tests


def act(event: dict) -> dict:
    """A shard's invocation: `sleep` holds its worker for 3 s, anything else ends at once."""
    body = json.loads(event["Records"][0]["body"])
    if body["shard"].startswith("sleep"):
        time.sleep(3)
    return {"outcomes": [f"{body['shard']} by {os.getpid()}"], "batchItemFailures": []}


def shard(name: str, user: str = "ann") -> dict:
    return {"Records": [{"eventSource": "aws:sqs", "body": json.dumps({"user": user, "job": "j", "shard": name})}]}


class Ended(bridge_tests.Ended):
    """test_bridge's record of ended invocations, in the order they ended; `wait` gives its place
    in that order (asserting it ended without error)."""

    def __init__(self) -> None:
        super().__init__()
        self.order: list = []

    def __call__(self, item, error) -> None:
        with self.changed:
            self.order.append(item)
        super().__call__(item, error)

    def wait(self, item, timeout: float = 240) -> int:
        error, _ = super().wait(item, timeout)
        assert error is None, error
        return self.order.index(item)


@pytest.fixture
def pool(monkeypatch):
    # No engines: these invocations use none (the stub kind loads nothing; an empty
    # PAGEVOICE_WARM_KINDS is no setting, so the page kind's engines and voice, ~5.6 CPU s a process).
    monkeypatch.setenv("PAGEVOICE_KIND_PLUGINS", "tests.stubkind:KIND")
    monkeypatch.setenv("PAGEVOICE_WARM_KINDS", "stub")
    ended = Ended()
    workers = Workers(1, ended, target=act, partial=True, listeners=1)
    assert len(workers.slots) == 1  # the listener's process starts with the first book's first shard
    workers.slots[0].pid.result(timeout=240)
    workers.submit(shard("read-0000", "nobody"), "start", queue="FirstQueue")
    ended.wait("start")
    assert len(workers.slots) == 2
    for slot in workers.slots:  # every process started (its init done) before the clock starts
        slot.pid.result(timeout=240)
    yield workers, ended
    workers.close()


def test_the_listeners_shard_starts_while_the_books_shards_hold_every_worker(pool):
    workers, ended = pool
    workers.submit(shard("sleep-read-0001"), "book")  # the one shard worker is busy for 3 s
    workers.submit(shard("sleep-read-0002"), "book-next")  # waits for it
    # The listener's process is idle, yet the book's next shard waits for the shard worker: the
    # listener's process never takes a book's other shards.
    assert workers.running == 1 and len(workers.shards) == 1
    workers.submit(shard("rec-0005-01"), "listener", queue="FirstQueue")
    # Not behind the book's shard: it ends first.
    assert ended.wait("listener") < ended.wait("book") < ended.wait("book-next")


def test_a_busy_listeners_process_hands_the_next_listeners_shard_to_the_first_free_worker(pool):
    workers, ended = pool
    workers.submit(shard("sleep-rec-0000-01"), "first pages", queue="FirstQueue")  # the listener's process, 3 s
    workers.submit(shard("sleep-read-0001"), "book")  # the shard worker, 3 s
    workers.submit(shard("sleep-read-0002"), "book-next")
    assert workers.running == 2 and len(workers.shards) == 1  # both processes busy, the book's next waits
    workers.submit(shard("rec-0005-01"), "listener", queue="FirstQueue")
    # By whichever process frees first, before the book's next shard, which then takes the other.
    listener = ended.wait("listener")
    assert listener < ended.wait("book-next")
    assert listener > min(ended.wait("first pages"), ended.wait("book"))
