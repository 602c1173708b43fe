"""The tasks queue as a test sees it: what is queued, drained through the tasks handler (the
worker side, as deployed and as infra/local/tasks.py runs it)."""
from __future__ import annotations

import json

from chalicelib import aws, settings
from chalicelib.account import tasks


class Tasks:
    def __init__(self):
        sqs = aws.sqs()
        self.url = sqs.get_queue_url(QueueName=settings.get().account.tasks_queue)["QueueUrl"]
        self.queued()  # what an earlier test of the module left

    def queued(self) -> list[dict]:
        """Take every queued message off the queue: their SQS records."""
        sqs, records = aws.sqs(), []
        while True:
            got = sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10).get("Messages", [])
            if not got:
                return records
            for m in got:
                sqs.delete_message(QueueUrl=self.url, ReceiptHandle=m["ReceiptHandle"])
                records.append({"messageId": m["MessageId"], "body": m["Body"], "eventSource": "aws:sqs"})

    def names(self) -> list[str]:
        return [json.loads(r["body"])["task"] for r in self.queued()]

    def run(self) -> list[str]:
        """Run what is queued (and what that queues) as the tasks function would: task names."""
        done = []
        while records := self.queued():
            assert tasks.lambda_handler({"Records": records}) == {"batchItemFailures": []}
            done += [json.loads(r["body"])["task"] for r in records]
        return done
