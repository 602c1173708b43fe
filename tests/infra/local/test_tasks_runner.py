"""The local tasks runner (infra/local/tasks.py) against moto in-process: the event Lambda's SQS
event source would pass, and what becomes of each message after the handler's answer."""
from __future__ import annotations

import json
import threading
import time

import pytest

from chalicelib import aws, resources, settings
from infra import template
from infra.local import tasks


def test_the_runner_calls_the_handler_the_template_names():
    from chalicelib.account import tasks as account_tasks

    assert tasks.HANDLER == template.TASKS_HANDLER == account_tasks.TASKS_HANDLER
    assert tasks.handler() is account_tasks.lambda_handler


def _send(*bodies) -> None:
    url, _ = tasks.queue()
    for body in bodies:
        aws.sqs().send_message(QueueUrl=url, MessageBody=json.dumps(body))


def _counts() -> tuple[int, int]:
    """(visible, in flight) messages of the tasks queue."""
    url, _ = tasks.queue()
    a = aws.sqs().get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(a["ApproximateNumberOfMessages"]), int(a["ApproximateNumberOfMessagesNotVisible"])


def _deliver(target) -> int:
    url, arn = tasks.queue()
    return tasks.deliver(aws.sqs(), url, arn, target)


def test_each_message_is_one_invocation_with_lambdas_sqs_event(aws_env):
    seen = []

    def handler(event, context):
        seen.append(event)
        assert 0 < context.get_remaining_time_in_millis() <= template.TASKS_TIMEOUT * 1000
        return {"batchItemFailures": []}

    _send({"task": "verify-mail", "user_id": "u1"}, {"task": "export", "user_id": "u2", "export_id": "e"})
    assert _deliver(handler) == 1 and _deliver(handler) == 1
    [record] = seen[0]["Records"]
    assert set(record) >= {"messageId", "receiptHandle", "body", "attributes", "md5OfBody", "eventSource",
                           "eventSourceARN", "awsRegion"}
    assert record["eventSource"] == "aws:sqs" and record["awsRegion"] == settings.get().aws.region
    assert record["eventSourceARN"].endswith(f":{settings.get().account.tasks_queue}")
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert sorted(json.loads(e["Records"][0]["body"])["task"] for e in seen) == ["export", "verify-mail"]
    assert _counts() == (0, 0)  # both done: deleted


@pytest.mark.parametrize("answer", [
    lambda event: {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]},
    lambda event: {"batchItemFailures": [{"itemIdentifier": "not-a-message-of-this-batch"}]},
    lambda event: "not an answer Lambda understands",
])
def test_a_failed_task_stays_on_the_queue_for_sqs_to_deliver_again(aws_env, answer):
    _send({"task": "reset-mail", "email": "a@b.c"})
    assert _deliver(lambda event, context: answer(event)) == 1
    assert _counts() == (0, 1)  # back after the visibility timeout, then to the dead-letter queue


def test_a_handler_that_raises_leaves_its_message_and_the_runner_goes_on(aws_env):
    _send({"task": "erase", "user_id": "u"})

    def boom(event, context):
        raise RuntimeError("the task broke")

    assert _deliver(boom) == 1
    assert _counts() == (0, 1)


def test_the_dead_letter_queue_takes_what_keeps_failing(aws_env):
    attributes = aws.sqs().get_queue_attributes(QueueUrl=tasks.queue()[0], AttributeNames=["All"])["Attributes"]
    policy = json.loads(attributes["RedrivePolicy"])
    assert policy["maxReceiveCount"] == resources.QUEUES["TasksQueue"]["max_receive_count"]
    assert policy["deadLetterTargetArn"].endswith(f":{settings.get().account.tasks_queue}-dead")


def test_run_delivers_until_stopped(aws_env):
    done = threading.Event()
    stop = threading.Event()

    def handler(event, context):
        done.set()
        return None  # no answer: every message succeeded

    runner = threading.Thread(target=tasks.run, args=(stop, handler), daemon=True)
    runner.start()
    _send({"task": "verify-mail", "user_id": "u"})
    assert done.wait(10)
    stop.set()
    runner.join(tasks.WAIT_SECONDS + 5)
    assert not runner.is_alive()
    deadline = time.monotonic() + 5
    while _counts() != (0, 0) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _counts() == (0, 0)
