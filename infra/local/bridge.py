"""Deliver the local bucket's upload events to the worker, as Lambda would.

`chalice local` serves routes only. Locally the bucket notifies an SQS queue (moto server);
this loop long-polls it and invokes the deployed worker's own entry point,
`chalicelib.jobs.worker.lambda_handler` (WORKER_HANDLER, the template's image command), with
the S3 event document Lambda would pass (every record) and a Lambda-like context whose
remaining time is the worker's timeout (settings.worker_timeout_seconds). A raise leaves the
message on the queue, so SQS redelivers it, as Lambda retries. Between deliveries it runs the
same sweep the template schedules (chalicelib.jobs.sweep), handing re-driven events to the
same handler.
"""
from __future__ import annotations

import importlib
import json
import threading
import time
import uuid

from chalicelib import aws, logs, settings
from chalicelib.jobs import sweep

log = logs.get("bridge")

QUEUE_NAME = "pagevoice-local-uploads"
# What Lambda invokes: the same string the deploy template puts in the worker's image command.
WORKER_HANDLER = "chalicelib.jobs.worker.lambda_handler"


class LambdaContext:
    """The parts of Lambda's context the worker reads: its remaining time, from its timeout."""

    def __init__(self, timeout_seconds: float, function_name: str = "pagevoice-worker-local") -> None:
        self._deadline = time.monotonic() + timeout_seconds
        self.function_name = function_name
        self.aws_request_id = uuid.uuid4().hex

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def handler():
    module, func = WORKER_HANDLER.rsplit(".", 1)
    return getattr(importlib.import_module(module), func)


def invoke(event: dict) -> dict:
    """One invocation of the worker, as Lambda makes it."""
    return handler()(event, LambdaContext(settings.get().worker_timeout_seconds))


def ensure_queue() -> tuple[str, str]:
    """(url, arn) of the event queue. A redelivered message is harmless: the claim dedupes."""
    sqs = aws.sqs()
    # Longer than a worker invocation: a message is redelivered only after its worker gave up.
    visibility = str(settings.get().worker_timeout_seconds + 30)
    url = sqs.create_queue(QueueName=QUEUE_NAME, Attributes={"VisibilityTimeout": visibility})["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": visibility})
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def deliver(message_body: str) -> int:
    """Hand one SQS message (an S3 notification) to the worker. Returns records delivered."""
    doc = json.loads(message_body)
    if doc.get("Event") == "s3:TestEvent":  # sent once when the notification is configured
        return 0
    records = [r for r in doc.get("Records", []) if r.get("eventSource") == "aws:s3"]
    if records:
        invoke({"Records": records})
    return len(records)


def sweep_once() -> int:
    """The scheduled sweep of the template, delivering to the local worker."""
    return sweep.redrive(invoke)


def run(queue_url: str, stop: threading.Event, sweep_every: float = 30.0) -> None:
    sqs = aws.sqs()
    next_sweep = 0.0
    while not stop.is_set():
        try:
            if time.monotonic() >= next_sweep:
                sweep_once()
                next_sweep = time.monotonic() + sweep_every
            got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=2)
            for msg in got.get("Messages", []):
                try:
                    deliver(msg["Body"])
                except Exception:  # noqa: BLE001 - as Lambda: the event is retried (SQS redelivers it)
                    log.info("delivery raised; the message will be retried", exc_info=True)
                    continue
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=msg["ReceiptHandle"])
        except Exception:  # noqa: BLE001 - keep serving: local AWS restarting, etc.
            log.exception("bridge loop error")
            stop.wait(1.0)


def main() -> None:
    """`python -m infra.local.bridge`: run the bridge alone against a running local AWS. The
    worker's module loads here, and with it the engines, as in a Lambda container's init."""
    url, _ = ensure_queue()
    from chalicelib.jobs import worker

    worker.warm_up()
    stop = threading.Event()
    log.info("bridge ready", extra={"queue": url})
    try:
        run(url, stop)
    except KeyboardInterrupt:
        stop.set()


if __name__ == "__main__":
    main()
