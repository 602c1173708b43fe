"""moto's SQS at a book's scale: a queue's attributes computed when read, not on every send.

moto 5's `Queue.attributes` computes every attribute, the three message counts included (each a
scan of every message in the queue), and `send_message` reads it up to three times per message
for one flag (ContentBasedDeduplication). A queue of n messages then costs n² to fill: a book's
1,500 recording sections took ~25 s of the local AWS's time to send, 5,000 minutes. AWS answers
in constant time, so the local stack does too: the same mapping, each value computed when asked
(GetQueueAttributes still counts the messages).
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


def install() -> None:
    from moto.sqs.models import Queue

    Queue.attributes = property(LazyAttributes)
