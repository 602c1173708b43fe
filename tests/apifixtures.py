"""Fixtures for the API tests: moto once per module, emptied between tests; a Chalice test
client on the `local` stage; cheap argon2 where hashing cost is not the point.

Loaded by `pytest_plugins = ["tests.apifixtures"]` (not imported: pytest rewrites its asserts).
"""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def fast_hashing(monkeypatch):
    """Cheap argon2id for tests that are not about hashing cost. Production defaults are
    checked against OWASP's minimum in tests/auth/test_passwords.py."""
    monkeypatch.setenv("PAGEVOICE_ARGON2_MEMORY_KIB", "1024")
    monkeypatch.setenv("PAGEVOICE_ARGON2_TIME_COST", "1")


@pytest.fixture(scope="module")
def _moto_module():
    """moto in-process with the tables and bucket from chalicelib.resources, started once per
    module: starting moto and building clients costs ~0.5-1 s, paid by each test with the
    function-scoped `aws_env`. `api_env` empties everything between tests instead."""
    from moto import mock_aws

    from chalicelib import aws
    from infra.local.bootstrap import ensure_resources

    with mock_aws():
        aws.reset()
        ensure_resources()
        yield
    aws.reset()


@pytest.fixture
def api_env(_moto_module):
    """A clean AWS for one test: the module's moto, emptied afterwards."""
    yield
    _empty_everything()


def _empty_everything():
    from chalicelib import aws, resources, settings

    s = settings.get().aws
    for spec in resources.TABLES.values():
        table = aws.dynamodb().Table(getattr(s, spec["setting"]))
        keys = [name for name, _, _ in spec["keys"]]
        with table.batch_writer() as batch:
            for item in table.scan(ProjectionExpression=", ".join(f"#{i}" for i in range(len(keys))),
                                   ExpressionAttributeNames={f"#{i}": k for i, k in enumerate(keys)})["Items"]:
                batch.delete_item(Key=item)
    objects = aws.s3().list_objects_v2(Bucket=s.bucket).get("Contents", [])
    if objects:
        aws.s3().delete_objects(Bucket=s.bucket, Delete={"Objects": [{"Key": o["Key"]} for o in objects]})


@pytest.fixture
def client(api_env, fast_hashing):
    from chalice.test import Client

    from app import app

    with Client(app, stage_name="local", project_dir=str(ROOT)) as c:
        yield c
