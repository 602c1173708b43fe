"""The upload event, in one place: built (the sweep's re-drive, a long job's next turn, a waiting
job handed a worker slot), parsed (the worker) and sent to the worker again (`redeliver`).

The shape is what S3 sends Lambda, so the worker's one entry point takes all of them alike.
"""
from __future__ import annotations

import json
from urllib.parse import quote_plus, unquote_plus

from chalicelib import aws, settings


def s3_event(bucket: str, key: str) -> dict:
    """An S3 ObjectCreated event for one object, shaped as S3 sends it (key URL-encoded)."""
    return {"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Post",
                         "s3": {"bucket": {"name": bucket}, "object": {"key": quote_plus(key, safe="/")}}}]}


def records(event: dict):
    """(bucket, key) for each S3 record of a Lambda/SQS S3 event; keys arrive URL-encoded."""
    for rec in event.get("Records", []):
        s3 = rec.get("s3") or {}
        bucket = (s3.get("bucket") or {}).get("name")
        key = (s3.get("object") or {}).get("key")
        if bucket and key:
            yield bucket, unquote_plus(key)


def redeliver(event: dict, function: str | None = None) -> None:
    """Invoke the worker asynchronously with `event`, so Lambda's retries apply again.
    `function`: the worker's name or ARN (None: settings.aws.worker_function)."""
    aws.lambda_().invoke(FunctionName=function or settings.get().aws.worker_function, InvocationType="Event",
                         Payload=json.dumps(event).encode())
