"""Deliver the local bucket's upload events to the worker, as Lambda would.

`chalice local` serves routes only, never S3 events. Locally the bucket notifies an SQS
queue (moto server); this loop long-polls it and calls app.py's very own S3 handler
with the same event document Lambda would pass. A periodic sweep re-delivers jobs
whose event was lost (stack stopped mid-job, a worker killed): the lease in
jobs.claim decides whether they may run again.
"""
from __future__ import annotations

import json
import threading
import time

from boto3.dynamodb.conditions import Attr

from chalicelib import aws, clock, jobs, logs, resources, settings

log = logs.get("bridge")

QUEUE_NAME = "pagevoice-local-uploads"
UNFINISHED = ("uploading", "queued", "processing")


def ensure_queue() -> tuple[str, str]:
    """(url, arn) of the event queue. A redelivered message is harmless: the claim dedupes."""
    sqs = aws.sqs()
    url = sqs.create_queue(QueueName=QUEUE_NAME,
                           Attributes={"VisibilityTimeout": "60"})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def _handler():
    import app  # the Chalice app: its S3 handler is what Lambda runs

    return app.on_upload


def s3_event(bucket: str, key: str) -> dict:
    """A minimal S3 ObjectCreated event, shaped as S3 sends it (key URL-encoded)."""
    from urllib.parse import quote_plus

    return {"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Post",
                         "s3": {"bucket": {"name": bucket}, "object": {"key": quote_plus(key, safe="/")}}}]}


def deliver(message_body: str) -> int:
    """Hand one SQS message (an S3 notification) to the handler. Returns records delivered."""
    doc = json.loads(message_body)
    if doc.get("Event") == "s3:TestEvent":  # sent once when the notification is configured
        return 0
    records = [r for r in doc.get("Records", []) if r.get("eventSource") == "aws:s3"]
    if records:
        _handler()({"Records": records}, None)
    return len(records)


def sweep() -> int:
    """Re-deliver unfinished jobs whose upload exists; the claim's lease skips live ones.

    Jobs nothing can move any more are failed first (jobs.settle), so every job ends even
    when nobody looks at it.
    """
    s = settings.get()
    table = aws.jobs_table()
    s3 = aws.s3()
    handler = _handler()
    delivered = 0
    scan = {"FilterExpression": Attr("status").is_in(list(UNFINISHED))}
    while True:
        page = table.scan(**scan)
        for item in page.get("Items", []):
            job = jobs.settle(item)
            key = f"{resources.UPLOAD_PREFIX}{job['user_id']}/{job['job_id']}/source"
            # clock.now, not time.time: the one clock tests can move past a lease.
            if job["status"] not in UNFINISHED or (
                    job["status"] == "processing" and float(job.get("lease_until") or 0) > clock.now()):
                continue
            try:
                s3.head_object(Bucket=s.bucket, Key=key)
            except Exception:  # noqa: BLE001 - not uploaded (yet): nothing to deliver
                continue
            try:
                handler(s3_event(s.bucket, key), None)
            except Exception:  # noqa: BLE001 - one failing job must not end the sweep for the others
                log.exception("sweep delivery failed; the next sweep retries it", extra={"job_id": job["job_id"]})
            delivered += 1
        if "LastEvaluatedKey" not in page:
            return delivered
        scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def run(queue_url: str, stop: threading.Event, sweep_every: float = 30.0) -> None:
    sqs = aws.sqs()
    next_sweep = 0.0
    while not stop.is_set():
        try:
            if time.monotonic() >= next_sweep:
                if sweep():
                    log.info("sweep re-delivered unfinished jobs")
                next_sweep = time.monotonic() + sweep_every
            got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=2)
            for msg in got.get("Messages", []):
                try:
                    deliver(msg["Body"])
                except Exception:  # noqa: BLE001 - a transient failure: SQS redelivers it
                    log.exception("delivery failed; the message will be retried")
                    continue
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=msg["ReceiptHandle"])
        except Exception:  # noqa: BLE001 - keep serving: local AWS restarting, etc.
            log.exception("bridge loop error")
            stop.wait(1.0)


def main() -> None:
    """`python -m chalicelib.local.bridge`: run the bridge alone against a running local AWS."""
    from chalicelib import pipeline

    url, _ = ensure_queue()
    pipeline.warm_up()
    stop = threading.Event()
    log.info("bridge ready", extra={"queue": url})
    try:
        run(url, stop)
    except KeyboardInterrupt:
        stop.set()


if __name__ == "__main__":
    main()
