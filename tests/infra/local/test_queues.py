"""infra/local/queues.py: moto's queue attributes, computed when read, are the ones moto computes
(in process: the same moto the local stack serves), and a send no longer scans the queue."""
from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws
from moto.sqs.models import Queue

from infra.local import queues

ORIGINAL = Queue.attributes


@pytest.fixture
def sqs():
    with mock_aws():
        yield boto3.client("sqs", region_name="us-east-1")


def made(sqs, name: str, **attributes) -> Queue:
    from moto.sqs.models import sqs_backends

    sqs.create_queue(QueueName=name, Attributes=attributes)
    return sqs_backends["123456789012"]["us-east-1"].queues[name]


def test_the_attributes_are_moto_s_own(sqs):
    dead = sqs.create_queue(QueueName="dead")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    kinds = [made(sqs, "plain"), made(sqs, "book.fifo", FifoQueue="true", ContentBasedDeduplication="true"),
             made(sqs, "kept", KmsMasterKeyId="alias/aws/sqs", VisibilityTimeout="60",
                  RedrivePolicy=json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 3}),
                  Policy=json.dumps({"Version": "2012-10-17", "Statement": []}))]
    sqs.send_message(QueueUrl=sqs.get_queue_url(QueueName="plain")["QueueUrl"], MessageBody="one")
    for queue in kinds:
        expected = ORIGINAL.fget(queue)
        lazy = queues.LazyAttributes(queue)
        assert dict(lazy) == expected and list(lazy) == list(expected)
        assert lazy.get("ContentBasedDeduplication") == expected.get("ContentBasedDeduplication")
        with pytest.raises(KeyError):
            lazy["NotAnAttribute"]


def test_sending_to_a_long_queue_does_not_scan_it(sqs, monkeypatch):
    """Before: each send counted the queue's messages (three scans); a long queue's sends grew
    with its length. After: one more message costs the same whatever the queue holds, and
    GetQueueAttributes still counts them."""
    monkeypatch.setattr(Queue, "attributes", property(queues.LazyAttributes))
    url = sqs.create_queue(QueueName="shards")["QueueUrl"]
    scans = []
    monkeypatch.setattr(Queue, "messages", property(lambda q: scans.append(1) or [m for m in q._messages
                                                                                 if m.visible and not m.delayed]))
    for i in range(0, 200, 10):
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(k), "MessageBody": str(i + k)} for k in range(10)])
    assert scans == []
    counted = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert counted["ApproximateNumberOfMessages"] == "200" and scans


def test_install_puts_it_in_moto(monkeypatch):
    monkeypatch.setattr(Queue, "attributes", ORIGINAL)
    queues.install()
    assert Queue.attributes.fget is queues.LazyAttributes
