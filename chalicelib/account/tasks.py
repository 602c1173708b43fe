"""Work the API hands to the worker side: one SQS queue (chalicelib.resources.QUEUES), one
function over it.

Deployed, the queue is the event source of the tasks function (the worker's image, command
TASKS_HANDLER, infra/template.py); locally infra/local/tasks.py polls it and calls the same
handler. A task that raises stays on the queue and comes back (SQS's redelivery, then its
dead-letter queue): every handler is idempotent.
"""
from __future__ import annotations

import functools
import importlib
import json

from chalicelib import aws, logs, settings

log = logs.get("tasks")

TASKS_HANDLER = "chalicelib.account.tasks.lambda_handler"
# task name -> "module:function" taking the message's fields as keyword arguments
HANDLERS = {
    "reset-mail": "chalicelib.account.password:send_reset",
    "verify-mail": "chalicelib.account.verification:send_link",
    "export": "chalicelib.account.export:build",
    "erase": "chalicelib.account.erase:erase_files",
    "book": "chalicelib.books.export:build",
    "voice-sample": "chalicelib.voices.samples:make",
}


@functools.cache
def _queue_url(region: str, endpoint: str, name: str) -> str:
    return aws.sqs().get_queue_url(QueueName=name)["QueueUrl"]


def enqueue(task: str, **fields) -> None:
    """Hand `task` to the worker side, with its fields (JSON values)."""
    if task not in HANDLERS:
        raise ValueError(f"unknown task {task!r}")
    s = settings.get()
    url = _queue_url(s.aws.region, s.aws.endpoint_url, s.account.tasks_queue)
    aws.sqs().send_message(QueueUrl=url, MessageBody=json.dumps({"task": task, **fields}))


def run(body: dict) -> None:
    """Do one task (a message's body)."""
    module, func = HANDLERS[body["task"]].split(":")
    fields = {k: v for k, v in body.items() if k != "task"}
    getattr(importlib.import_module(module), func)(**fields)


def lambda_handler(event: dict, context=None) -> dict:
    """Every record of an SQS event; the ones that failed are named for SQS to deliver again
    (ReportBatchItemFailures), a malformed one is dropped with a log line."""
    failures = []
    for record in event.get("Records", []):
        try:
            body = json.loads(record["body"])
            if not isinstance(body, dict) or body.get("task") not in HANDLERS:
                log.error("dropping a message that is no task", extra={"message_id": record.get("messageId")})
                continue
            with logs.context(task=body["task"]):
                run(body)
        except Exception:  # noqa: BLE001 - the other records still run; this one comes back
            log.exception("task failed; it will be retried", extra={"message_id": record.get("messageId")})
            failures.append({"itemIdentifier": record.get("messageId")})
    return {"batchItemFailures": failures}
