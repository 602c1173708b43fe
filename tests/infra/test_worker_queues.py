"""One definition of the worker's queues (chalicelib.resources.worker_queues): the deployed
template's event sources and the local bridge's lines are both made from it, in the same order,
with the same concurrency settings and the same rights (issue 77). And the bridge serves them as
the event sources would: the listener's first, reading before recording nobody waits for,
accounts in turn, then each account's books in turn."""
from __future__ import annotations

import json

import pytest

from chalicelib import resources, settings
from infra import template
from infra.local import bridge, iam, lines


def test_the_template_makes_one_event_source_per_worker_queue_with_its_concurrency():
    t = template.build(["APIHandler"])
    sources = {k: v["Properties"] for k, v in t["Resources"].items() if v.get("Type") == "AWS::Lambda::EventSourceMapping"
               and v["Properties"]["FunctionName"] == {"Ref": "Worker"}}
    books = settings.load(settings.Books, environ={})
    want = {template.event_source_id(q): q for q in resources.worker_queues()}
    assert set(sources) == set(want)
    for source, queue in want.items():
        props = sources[source]
        assert props["EventSourceArn"] == {"Fn::GetAtt": [queue, "Arn"]}
        concurrency = getattr(books, resources.QUEUES[queue]["worker"]["concurrency"])
        assert props["ScalingConfig"]["MaximumConcurrency"] == max(2, concurrency)
        assert props["BatchSize"] == 1 and props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert queue in t["Resources"] and resources.QUEUES[queue]["dead_letter"] in t["Resources"]
    # The worker is told each queue's name (the setting the code reads) and its concurrency.
    env = t["Resources"]["Worker"]["Properties"]["Environment"]["Variables"]
    for queue in resources.worker_queues():
        spec = resources.QUEUES[queue]
        assert env[f"PAGEVOICE_{spec['setting'].upper()}"] == {"Fn::GetAtt": [queue, "QueueName"]}
        assert hasattr(settings.get().aws, spec["setting"])
    # The recording nobody waits for has the lowest share; the listener's queue comes first.
    order = resources.worker_queues()
    assert order[0] == "FirstQueue" and order[-1] == "RecordQueue"
    assert books.record_max_concurrency <= books.shard_max_concurrency


def test_the_local_rights_are_the_templates_for_every_worker_queue():
    policies = iam.policies()
    names = {q: resources.queue_name(q, settings.get()) for q in resources.worker_queues()}

    def granted(policy: str, action: str) -> set[str]:
        out = set()
        for st in policies[policy]["Statement"]:
            actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
            if action in actions:
                res = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
                out |= {r.rsplit(":", 1)[-1] for r in res}
        return out

    assert set(names.values()) <= granted("worker", "sqs:SendMessage")
    assert set(names.values()) <= granted("worker", "sqs:ReceiveMessage")
    # The API sends a listener's place to the listener's queue, an export's rest to the record queue.
    assert {names["FirstQueue"], names["RecordQueue"]} <= granted("api", "sqs:SendMessage")
    assert names["ShardsQueue"] not in granted("api", "sqs:SendMessage")


def test_the_local_aws_serves_a_standard_queue_as_a_fair_queue(monkeypatch):
    """moto server with infra/local/queues installed: one account's hundred messages sent first do
    not hold back another account's two; with one of its messages in flight, an account waits
    behind the others."""
    import boto3
    from moto import mock_aws
    from moto.sqs.models import Queue, SQSBackend

    from infra.local import queues

    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setattr(Queue, "messages", property(queues._messages))
    monkeypatch.setattr(SQSBackend, "receive_message", queues._receiving(SQSBackend.receive_message))
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="fair")["QueueUrl"]
        for i in range(0, 100, 10):
            sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(k), "MessageBody": f"ann-{i + k}",
                                                           "MessageGroupId": "ann"} for k in range(10)])
        for k in range(2):
            sqs.send_message(QueueUrl=url, MessageBody=f"bob-{k}", MessageGroupId="bob")
        got = [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=4)["Messages"]]
        assert got == ["ann-0", "bob-0", "ann-1", "bob-1"]
        sqs.send_message(QueueUrl=url, MessageBody="cat-0", MessageGroupId="cat")
        # Ann and Bob have two in flight each, Cat none: Cat's first.
        got = [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2)["Messages"]]
        assert got == ["cat-0", "ann-2"]
        # Taken one at a time and each deleted at once (nothing in flight, as a worker frees and
        # takes the next): the groups take turns, not the one that sent first every time.
        url = sqs.create_queue(QueueName="one-at-a-time")["QueueUrl"]
        for who in ("ann", "bob", "cat"):
            sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(k), "MessageBody": f"{who}-{k}",
                                                           "MessageGroupId": who} for k in range(3)])
        order = []
        for _ in range(6):
            [m] = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"]
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            order.append(m["Body"])
        assert order == ["ann-0", "bob-0", "cat-0", "ann-1", "bob-1", "cat-1"]


def key(user: str, job: str, n: int) -> str:
    return f"shards/{user}/{job}/rec-{n:04d}-00"


def test_the_bridge_serves_accounts_in_turn_then_each_accounts_books_in_turn():
    q = lines.FairQueue()
    for n in range(3):
        q.add(key("ann", "book1", n), f"ann-book1-{n}")
    for n in range(2):
        q.add(key("ann", "book2", n), f"ann-book2-{n}")
    q.add(key("bob", "book3", 0), "bob-book3-0")
    assert [q.next() for _ in range(6)] == ["ann-book1-0", "bob-book3-0", "ann-book2-0", "ann-book1-1",
                                           "ann-book2-1", "ann-book1-2"]
    assert q.next() is None and len(q) == 0


class Ended:
    def __init__(self) -> None:
        import threading

        self.order: list = []
        self.changed = threading.Condition()

    def __call__(self, item, error) -> None:
        with self.changed:
            self.order.append((item, error))
            self.changed.notify_all()

    def wait_for(self, n: int, timeout: float = 240) -> list:
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.order) >= n, timeout), self.order
            return list(self.order)


def act(event: dict) -> dict:
    """A shard's invocation: `hold` holds its worker until told (a file appears), others end at once."""
    import os
    import time

    body = json.loads(event["Records"][0]["body"])
    if body["shard"] == "hold":
        while not os.path.exists(body["until"]):
            time.sleep(0.05)
    return {"outcomes": [body["shard"]], "batchItemFailures": []}


def shard(user: str, job: str, name: str, **extra) -> dict:
    return {"Records": [{"eventSource": "aws:sqs", "body": json.dumps({"user": user, "job": job, "shard": name, **extra})}]}


@pytest.fixture
def one_worker(monkeypatch):
    monkeypatch.setenv("PAGEVOICE_KIND_PLUGINS", "tests.stubkind:KIND")
    monkeypatch.setenv("PAGEVOICE_WARM_KINDS", "stub")
    ended = Ended()
    workers = bridge.Workers(1, ended, target=act, partial=True)
    workers.slots[0].pid.result(timeout=240)
    yield workers, ended
    workers.close()


def test_the_bridge_has_a_line_per_worker_queue_and_records_only_when_no_reading_waits(one_worker, tmp_path):
    workers, ended = one_worker
    assert list(workers.lines) == resources.worker_queues()
    until = tmp_path / "go"
    workers.submit(shard("ann", "b1", "hold", until=str(until)), "held")  # the one worker busy
    workers.submit(shard("ann", "b1", "rec-0000-01"), "ann-record", queue="RecordQueue")
    workers.submit(shard("bob", "b2", "rec-0000-01"), "bob-record", queue="RecordQueue")
    workers.submit(shard("cat", "b3", "read-0001"), "cat-read", queue="ShardsQueue")
    workers.submit(shard("ann", "b1", "rec-0009-00"), "ann-listening", queue="FirstQueue")
    assert workers.running == 1
    until.write_text("go")
    order = [item for item, error in ended.wait_for(5) if error is None]
    # The listener's first, then reading, then recording nobody waits for, accounts in turn.
    assert order == ["held", "ann-listening", "cat-read", "ann-record", "bob-record"]


def test_an_accounts_book_shards_do_not_hold_back_its_upload(monkeypatch, tmp_path):
    """One shard worker and one upload process: Ann's listener's section holds the shard worker;
    her photo, arriving then, starts at once in the upload process (an account's share of the
    workers counts its uploads only)."""
    monkeypatch.setenv("PAGEVOICE_KIND_PLUGINS", "tests.stubkind:KIND")
    monkeypatch.setenv("PAGEVOICE_WARM_KINDS", "stub")
    ended = Ended()
    workers = bridge.Workers(1, ended, target=act, partial=True, reserve=1)
    try:
        for slot in workers.slots:
            slot.pid.result(timeout=240)
        until = tmp_path / "go"
        workers.submit(shard("ann", "b1", "hold", until=str(until)), "ann-section", queue="FirstQueue")
        photo = {"Records": [{"eventSource": "aws:s3", "s3": {"bucket": {"name": "b"},
                                                               "object": {"key": "uploads/ann/p1/source"}}}]}
        monkeypatch.setattr(bridge, "event_key", lambda event: "uploads/ann/p1/source" if event is photo
                            else f"shards/{json.loads(event['Records'][0]['body'])['user']}/x/y")
        workers.submit(photo, "ann-photo")
        assert workers.running == 2 and len(workers.queue) == 0  # both started: the photo did not wait
    finally:
        (tmp_path / "go").write_text("go")
        workers.close()
