"""A book's messages and the worker's queues they go to (chalicelib.resources.worker_queues):
the listener's (FIRST), the reading shards' (SHARDS), and recording nobody waits for yet (RECORD),
each message in its account's group (SQS fair queues)."""
from __future__ import annotations

import json

from chalicelib import aws, resources, settings
from chalicelib.errors import Transient
from chalicelib.jobs import objects

SEND_BATCH = 10  # SQS's SendMessageBatch maximum


def send(files: objects.JobFiles, shard_ids: list[str], queue: str | None = None, listener: bool = False,
         ahead: bool = False) -> None:
    """One message per shard to `queue` (resources.worker_queues: the listener's, taken before any
    other; the reading shards'; the recording nobody waits for), each in its account's group (SQS
    fair queues); a duplicate is harmless: the claim dedupes. `listener`: pages a listener moved to;
    `ahead`: work on the listener's queue made ahead of their place, which nobody waits for yet."""
    if not shard_ids:
        return
    sqs = aws.sqs()
    url = queue_url(queue or SHARDS)
    for i in range(0, len(shard_ids), SEND_BATCH):
        batch = shard_ids[i:i + SEND_BATCH]
        entries = [{"Id": str(k), "MessageBody": json.dumps(message(files, shard, listener, ahead)), "MessageGroupId": files.user_id}
                   for k, shard in enumerate(batch)]
        reply = sqs.send_message_batch(QueueUrl=url, Entries=entries)
        if reply.get("Failed"):
            raise Transient(f"{len(reply['Failed'])} shard messages were not sent")


LISTENER = "listener"  # a message's "for": pages a listener moved to, not the book's own turn
# A message's "ahead": true: made ahead of a listener's place (settings.books.listen_now_seconds
# past it, or pages read ahead of their minutes). First in line all the same; locally it runs at
# the books' niceness, not the uploads' (what someone waits for now), beside people's first pages.
AHEAD = "ahead"


def message(files: objects.JobFiles, shard: str, listener: bool = False, ahead: bool = False) -> dict:
    return {"bucket": files.bucket, "user": files.user_id, "job": files.job_id, "shard": shard,
            **({"for": LISTENER} if listener else {}), **({AHEAD: True} if ahead else {})}


_QUEUE_URL: dict[str, str] = {}
SHARDS, FIRST, RECORD = "ShardsQueue", "FirstQueue", "RecordQueue"  # resources.worker_queues()


def queue_url(logical: str = SHARDS) -> str:
    return _url(resources.queue_name(logical, settings.get()))


def queue_url_of(arn: str | None) -> str:
    """The URL of the queue an event's record came from (its `eventSourceARN`); the shards queue's
    when it does not say."""
    return _url(arn.rsplit(":", 1)[-1]) if arn else queue_url()


def _url(name: str) -> str:
    if name not in _QUEUE_URL:
        _QUEUE_URL[name] = aws.sqs().get_queue_url(QueueName=name)["QueueUrl"]
    return _QUEUE_URL[name]
