"""The sweep: jobs whose delivery was lost or whose worker died are handed to the worker again.

Lambda retries a failed event only twice, within minutes; a worker killed with a lease of
several minutes left, or an event lost on the way, would otherwise leave its job unfinished
until someone reads it (store.settle). Deployed, `lambda_handler` runs on a schedule
(infra/template.py) and re-invokes the worker asynchronously with the S3 event it would have
had; locally the bridge runs `redrive` between deliveries. Each re-drive is an attempt like
any other: the worker's claim counts it, and the attempt cap (settings.worker_max_attempts)
fails a job that keeps dying.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import quote_plus

from boto3.dynamodb.conditions import Attr
from botocore.exceptions import ClientError

from chalicelib import aws, clock, logs, settings
from chalicelib.jobs import store

log = logs.get("sweep")


def s3_event(bucket: str, key: str) -> dict:
    """An S3 ObjectCreated event for one object, shaped as S3 sends it (key URL-encoded)."""
    return {"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Post",
                         "s3": {"bucket": {"name": bucket}, "object": {"key": quote_plus(key, safe="/")}}}]}


def due(job: dict, now: float) -> bool:
    """An unfinished job no delivery is working on: its lease ran out, or it was handed back,
    or its upload arrived but no event took it."""
    if job["status"] == store.PROCESSING:
        return float(job.get("lease_until") or 0) <= now
    return job["status"] in (store.UPLOADING, store.QUEUED)


def redrive(deliver: Callable[[dict], None]) -> int:
    """Hand each due job whose upload exists to `deliver(event)`; returns how many (a delivery
    that raised counts: the job is retried by a later sweep, within the attempt cap). Jobs that
    nothing can move any more are failed first (store.settle), so every job ends even when
    nobody looks at it."""
    s = settings.get()
    scan = {"FilterExpression": Attr("status").is_in(list(store.UNFINISHED))}
    delivered = 0
    while True:
        page = aws.jobs_table().scan(**scan)
        for item in page.get("Items", []):
            job = store.settle(store.plain(item))
            # clock.now, not time.time: the one clock tests can move past a lease.
            if job["status"] not in store.UNFINISHED or not due(job, clock.now()):
                continue
            key = store.upload_key(job["user_id"], job["job_id"])
            try:
                aws.s3().head_object(Bucket=s.bucket, Key=key)
            except ClientError:
                continue  # not uploaded (yet): nothing to deliver
            delivered += 1
            try:
                deliver(s3_event(s.bucket, key))
            except Exception:  # noqa: BLE001 - one failing job must not end the sweep for the others
                log.info("re-drive raised; the next sweep retries it", exc_info=True, extra={"job_id": job["job_id"]})
        if "LastEvaluatedKey" not in page:
            break
        scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    if delivered:
        log.info("sweep re-drove unfinished jobs", extra={"count": delivered})
    return delivered


def invoke_worker(event: dict) -> None:
    """Deployed delivery: the worker Lambda, asynchronously (so Lambda's retries apply again)."""
    aws.lambda_().invoke(FunctionName=settings.get().worker_function, InvocationType="Event",
                         Payload=json.dumps(event).encode())


def lambda_handler(event: dict, context=None) -> dict:
    """Entry point of the scheduled sweep function (infra/template.py)."""
    return {"redriven": redrive(invoke_worker)}
