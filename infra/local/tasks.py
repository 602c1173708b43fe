"""Run the tasks queue locally, as Lambda's SQS event source runs the tasks function.

Deployed, the tasks queue (chalicelib.resources.QUEUES) is the event source of the tasks
function: one message per invocation (BatchSize 1), ReportBatchItemFailures (infra/template.py).
Here a loop long-polls the same queue and calls the same handler (`HANDLER`, the template's
image command) with the event Lambda would pass. A message the answer names in
`batchItemFailures` stays on the queue, and so does every message of an invocation that raised
or answered something else: SQS delivers it again after its visibility timeout, and moves it to
the dead-letter queue after `max_receive_count` receives, as deployed. The rest are deleted.

The stack runs it as its own process (stack.py) acting as the `tasks` identity (iam.py), so a
call the deployed role refuses is refused here too. Tasks run one at a time.

`python -m infra.local.tasks`: run it alone against a running local AWS.
"""
from __future__ import annotations

import hashlib
import importlib
import threading
from collections.abc import Callable

from chalicelib import aws, logs, settings

log = logs.get("tasks-runner")

# What Lambda invokes: the template's TASKS_HANDLER (infra/template.py; a test keeps them equal).
HANDLER = "chalicelib.account.tasks.lambda_handler"
BATCH_SIZE = 1  # the template's event source mapping
WAIT_SECONDS = 5  # long poll: a message is handed over as soon as it arrives


def handler() -> Callable:
    module, func = HANDLER.rsplit(".", 1)
    return getattr(importlib.import_module(module), func)


def sqs_event(messages: list[dict], queue_arn: str, region: str) -> dict:
    """The event Lambda's SQS event source passes for these received messages."""
    return {"Records": [{
        "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
        "attributes": m.get("Attributes", {}), "messageAttributes": m.get("MessageAttributes", {}),
        "md5OfBody": m.get("MD5OfBody") or hashlib.md5(m["Body"].encode()).hexdigest(),  # noqa: S324 - SQS's own
        "eventSource": "aws:sqs", "eventSourceARN": queue_arn, "awsRegion": region,
    } for m in messages]}


def failed(answer, event: dict) -> set[str]:
    """The message ids to deliver again, from the handler's answer (ReportBatchItemFailures):
    those it names; all of them when the answer is not such a list, as Lambda does."""
    ids = {r["messageId"] for r in event["Records"]}
    if answer is None or answer == "":
        return set()
    try:
        named = {f["itemIdentifier"] for f in answer.get("batchItemFailures") or []}
    except (AttributeError, KeyError, TypeError):
        return ids
    return named if named <= ids and all(named) else ids


def deliver(sqs, queue_url: str, queue_arn: str, target: Callable) -> int:
    """One receive and, if it brought messages, one invocation; how many messages came."""
    from infra import template
    from infra.local.slots import LambdaContext

    got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=BATCH_SIZE, WaitTimeSeconds=WAIT_SECONDS,
                              AttributeNames=["All"], MessageAttributeNames=["All"]).get("Messages", [])
    if not got:
        return 0
    event = sqs_event(got, queue_arn, settings.get().aws.region)
    try:
        again = failed(target(event, LambdaContext(template.TASKS_TIMEOUT, "pagevoice-tasks-local")), event)
    except Exception:  # noqa: BLE001 - as Lambda: the whole batch comes back
        log.exception("the tasks handler raised; its messages will be delivered again")
        again = {r["messageId"] for r in event["Records"]}
    for record in event["Records"]:
        if record["messageId"] not in again:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=record["receiptHandle"])
    return len(got)


def queue() -> tuple[str, str]:
    """(url, arn) of the tasks queue (the bootstrap made it)."""
    sqs = aws.sqs()
    url = sqs.get_queue_url(QueueName=settings.get().account.tasks_queue)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def run(stop: threading.Event, target: Callable | None = None) -> None:
    """Deliver until `stop` is set; `target` stands for the handler (tests)."""
    sqs = aws.sqs()
    url, arn = queue()
    while not stop.is_set():
        try:
            deliver(sqs, url, arn, target or handler())
        except Exception:  # noqa: BLE001 - keep serving: local AWS restarting, etc.
            log.exception("tasks runner loop error")
            stop.wait(1.0)


def main() -> None:
    stop = threading.Event()
    log.info("tasks runner ready", extra={"queue": settings.get().account.tasks_queue})
    try:
        run(stop)
    except KeyboardInterrupt:
        stop.set()


if __name__ == "__main__":
    main()
