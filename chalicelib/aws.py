"""boto3 clients built lazily behind small getters (the Chalice todo-app pattern), and what
AWS's refusals mean (`translated`), for the persistence doors.

Tests and the local stack point them elsewhere with `AWS_ENDPOINT_URL` (boto3
honours it) or by calling `reset()` inside a moto context.
"""
from __future__ import annotations

import contextlib
import functools
import threading

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from chalicelib import settings
from chalicelib.errors import ConditionFailed, ObjectMissing

MISSING = ("NoSuchKey", "404", "NotFound", "NoSuchUpload")  # "not there", as S3 and moto name it (NoSuchUpload: a multipart upload)
CONDITION = "ConditionalCheckFailed"  # a transaction's reason (CancellationReasons)


@functools.cache
def _loader():
    """botocore's reader of its service models, shared: each new session's own parsed the same
    JSON again (~0.4 CPU s for the five clients a worker builds; tests build them per case)."""
    from botocore.loaders import create_loader

    return create_loader()


_SESSIONS = threading.Lock()


def _session() -> boto3.session.Session:
    """A session of its own (credentials as the environment says now) on the shared loader."""
    import botocore.session

    core = botocore.session.Session()
    loader = _loader()
    core.register_component("data_loader", loader)
    with _SESSIONS:
        session = boto3.session.Session(botocore_session=core)
        # boto3 appends its resource models' folder to the loader's paths at every session.
        loader.search_paths[:] = list(dict.fromkeys(loader.search_paths))
    return session


@functools.cache
def _client(service: str, region: str, endpoint_url: str):
    config = Config(retries={"mode": "standard", "max_attempts": 3})
    if service == "s3":
        # Presigned URLs that browsers can use on real AWS: SigV4, regional,
        # virtual-hosted (else SigV2 on the global endpoint, and 307s break CORS).
        # A local endpoint (moto server on 127.0.0.1) only works path-style.
        style = "path" if endpoint_url else "virtual"
        config = config.merge(Config(signature_version="s3v4", s3={"addressing_style": style}))
    return _session().client(
        service, region_name=region, config=config, endpoint_url=endpoint_url or None)


@functools.cache
def _resource(service: str, region: str, endpoint_url: str):
    return _session().resource(
        service, region_name=region, endpoint_url=endpoint_url or None)


def _where() -> tuple[str, str]:
    s = settings.get().aws
    return s.region, s.endpoint_url


def s3():
    return _client("s3", *_where())


def sqs():
    return _client("sqs", *_where())


def ssm():
    return _client("ssm", *_where())


def ses():
    return _client("ses", *_where())


def lambda_():
    return _client("lambda", *_where())


def dynamodb_client():
    """Plain client: items in DynamoDB's typed JSON (no Decimals), for snapshots."""
    return _client("dynamodb", *_where())


def dynamodb():
    return _resource("dynamodb", *_where())


def auth_table():
    return dynamodb().Table(settings.get().aws.auth_table)


def jobs_table():
    return dynamodb().Table(settings.get().aws.jobs_table)


def warm_up() -> None:
    """Build the clients a worker's job uses first (botocore loads their service models: ~0.2 s
    of a cold start)."""
    s3()
    jobs_table()


def reset() -> None:
    """Forget cached clients (tests switch endpoints between cases)."""
    _client.cache_clear()
    _resource.cache_clear()


@contextlib.contextmanager
def translated():
    """Around a persistence door's calls: AWS's "not there" and "condition failed" raised as the
    domain's errors (chalicelib.errors), so no module behind the door imports botocore (the
    model: Powertools' idempotency persistence layer). Any other AWS error passes unchanged:
    throttling and 5xx are for the caller's retry."""
    try:
        yield
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = error.get("Code")
        if code in MISSING:
            raise ObjectMissing(error.get("Message") or "The object is not there.") from exc
        if code == CONDITION + "Exception":
            raise ConditionFailed() from exc
        if code == "TransactionCanceledException":
            reasons = exc.response.get("CancellationReasons") or []
            failed = [i for i, reason in enumerate(reasons) if reason.get("Code") == CONDITION]
            if failed:
                raise ConditionFailed(failed=failed) from exc
        raise
