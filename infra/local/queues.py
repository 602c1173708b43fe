"""moto's SQS at a book's scale, and as SQS fair queues behave.

A queue's attributes are computed when read, not on every send.

moto 5's `Queue.attributes` computes every attribute, the three message counts included (each a
scan of every message in the queue), and `send_message` reads it up to three times per message
for one flag (ContentBasedDeduplication). A queue of n messages then costs n² to fill: a book's
1,500 recording sections took ~25 s of the local AWS's time to send, 5,000 minutes. AWS answers
in constant time, so the local stack does too: the same mapping, each value computed when asked
(GetQueueAttributes still counts the messages).

SQS fair queues: on a standard queue, messages that name a `MessageGroupId` (PageVoice: the
account) are served so that a group with many messages in flight does not hold the others' back:
a receive takes first from the groups with the fewest messages in flight. moto 5 keeps the group
of a standard queue's message but serves every message in the order sent, so one account's
thousand recording sections would come before another account's first page. `fair_order` is the
order a receive walks the visible messages in: each group's k-th waiting message ranks by its
group's messages in flight plus k, ties going to the group served least recently, so groups take
turns even when each receive takes one message (the local bridge takes a book queue's messages
one at a time, as a worker frees).
"""
from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any


class LazyAttributes(Mapping):
    """`Queue.attributes` as moto 5.2 builds it (its names, its values, booleans as "true" and
    "false"), each value computed when read."""

    def __init__(self, queue) -> None:
        self.queue = queue
        names = list(queue.BASE_ATTRIBUTES)
        if queue.fifo_queue:
            names += queue.FIFO_ATTRIBUTES
        if queue.kms_master_key_id:
            names += queue.KMS_ATTRIBUTES
        if queue.policy:
            names.append("Policy")
        if queue.redrive_policy:
            names.append("RedrivePolicy")
        self.names = dict.fromkeys(names)

    def __getitem__(self, name: str) -> Any:
        from moto.core.utils import camelcase_to_underscores

        if name not in self.names:
            raise KeyError(name)
        if name == "Policy" and self.queue.policy:
            value = self.queue.policy
        elif name == "RedrivePolicy" and self.queue.redrive_policy:
            value = json.dumps(self.queue.redrive_policy)
        else:
            value = getattr(self.queue, camelcase_to_underscores(name))
        return str(value).lower() if isinstance(value, bool) else value

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)


def fair_order(visible: list, in_flight: dict, served: dict | None = None) -> list:
    """`visible` (messages in the order sent, each with a `group_id`, None for none) as a fair
    queue serves them, given each group's messages in flight now and when each group was last
    served (`served`: group -> a number that grows with each receive; never served: first)."""
    if not any(m.group_id is not None for m in visible):
        return visible
    served = served or {}
    waiting: dict = {}  # group -> its messages seen so far
    ranked = []
    for at, message in enumerate(visible):
        group = message.group_id
        k = waiting[group] = waiting.get(group, -1) + 1
        ranked.append((in_flight.get(group, 0) + k, served.get(group, -1), at, message))
    ranked.sort(key=lambda r: r[:3])
    return [r[3] for r in ranked]


def _messages(queue) -> list:
    """Queue.messages (the visible messages), in a fair queue's order on a standard queue."""
    visible = [m for m in queue._messages if m.visible and not m.delayed]
    if queue.fifo_queue:
        return visible
    in_flight: dict = {}
    for m in queue._pending_messages:
        if not m.visible:
            in_flight[m.group_id] = in_flight.get(m.group_id, 0) + 1
    return fair_order(visible, in_flight, queue.__dict__.get("_served_at"))


def _receiving(receive):
    """SQSBackend.receive_message noting when each group was served (fair_order's turns)."""
    import itertools

    turns = itertools.count()

    def receive_message(self, queue_name, *args, **kwargs):
        got = receive(self, queue_name, *args, **kwargs)
        if got:
            served = self.get_queue(queue_name).__dict__.setdefault("_served_at", {})
            for message in got:
                served[message.group_id] = next(turns)
        return got

    return receive_message


def install() -> None:
    from moto.sqs.models import Queue, SQSBackend

    Queue.attributes = property(LazyAttributes)
    Queue.messages = property(_messages)
    SQSBackend.receive_message = _receiving(SQSBackend.receive_message)
