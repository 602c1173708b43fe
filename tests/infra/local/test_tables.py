"""The local AWS's DynamoDB keeps a write made while another request's transaction fails
(infra/local/tables.py): moto puts back its copy of the whole table when a transaction's
condition fails, undoing every write made since the copy."""
from __future__ import annotations

import threading
import types

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.dynamodb import models

from infra.local import tables


def test_a_failed_transaction_undoes_no_other_requests_write(monkeypatch):
    for name, method in tables.serialized_writes(models.DynamoDBBackend).items():
        monkeypatch.setattr(models.DynamoDBBackend, name, method)
    copied, written = threading.Event(), threading.Event()
    real = models.copy

    def deepcopy(value, *args, **kwargs):
        # The transaction's backup of the table, then room for another request's write before
        # the transaction fails and puts the backup back.
        out = real.deepcopy(value, *args, **kwargs)
        if isinstance(value, models.Table) and not copied.is_set():
            copied.set()
            written.wait(3)  # the write lands here unless the lock holds it (only stops a hung test)
        return out

    monkeypatch.setattr(models, "copy", types.SimpleNamespace(deepcopy=deepcopy, copy=real.copy))
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        ddb.create_table(TableName="jobs", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
        ddb.put_item(TableName="jobs", Item={"id": {"S": "book"}, "read": {"N": "16"}})

        def shard_ends() -> None:  # another worker's transaction, while the first one is copying
            copied.wait(10)
            ddb.update_item(TableName="jobs", Key={"id": {"S": "book"}}, UpdateExpression="ADD #r :one",
                            ExpressionAttributeNames={"#r": "read"}, ExpressionAttributeValues={":one": {"N": "1"}})
            written.set()

        other = threading.Thread(target=shard_ends)
        other.start()
        with pytest.raises(ClientError) as failed:  # asked for already: its condition fails
            ddb.transact_write_items(TransactItems=[{"Update": {
                "TableName": "jobs", "Key": {"id": {"S": "book"}}, "UpdateExpression": "SET asked = :y",
                "ConditionExpression": "attribute_not_exists(#r)", "ExpressionAttributeNames": {"#r": "read"},
                "ExpressionAttributeValues": {":y": {"S": "y"}}}}])
        other.join(10)
        assert failed.value.response["Error"]["Code"] == "TransactionCanceledException"
        assert ddb.get_item(TableName="jobs", Key={"id": {"S": "book"}})["Item"]["read"] == {"N": "17"}


@pytest.fixture
def local_dynamodb(monkeypatch):
    """moto's DynamoDB as the local AWS runs it (tables.install's patches), a jobs table in it."""
    for owner, name, value in tables.patches():
        monkeypatch.setattr(owner, name, value, raising=False)
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        ddb.create_table(TableName="jobs", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                                      {"AttributeName": "sk", "KeyType": "RANGE"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                               {"AttributeName": "sk", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")
        yield ddb


def _key(sk: str) -> dict:
    return {"pk": {"S": "u#job"}, "sk": {"S": sk}}


def test_a_failed_transaction_puts_back_the_items_it_named_and_nothing_else_moves(local_dynamodb):
    ddb = local_dynamodb
    ddb.put_item(TableName="jobs", Item={**_key("job"), "read": {"N": "3"}, "m": {"M": {"a": {"L": [{"S": "x"}]}}}})
    ddb.put_item(TableName="jobs", Item={**_key("other"), "n": {"N": "1"}})
    with pytest.raises(ClientError) as failed:
        ddb.transact_write_items(TransactItems=[
            {"Update": {"TableName": "jobs", "Key": _key("job"), "UpdateExpression": "ADD #r :one SET m.a[0] = :z",
                        "ExpressionAttributeNames": {"#r": "read"},
                        "ExpressionAttributeValues": {":one": {"N": "1"}, ":z": {"S": "z"}}}},
            {"Put": {"TableName": "jobs", "Item": {**_key("new"), "v": {"S": "v"}}}},
            {"Update": {"TableName": "jobs", "Key": _key("other"), "UpdateExpression": "SET n = :two",
                        "ConditionExpression": "attribute_not_exists(n)", "ExpressionAttributeValues": {":two": {"N": "2"}}}}])
    assert failed.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert ddb.get_item(TableName="jobs", Key=_key("job"))["Item"] == \
        {**_key("job"), "read": {"N": "3"}, "m": {"M": {"a": {"L": [{"S": "x"}]}}}}
    assert "Item" not in ddb.get_item(TableName="jobs", Key=_key("new"))
    assert ddb.get_item(TableName="jobs", Key=_key("other"))["Item"]["n"] == {"N": "1"}
    ddb.transact_write_items(TransactItems=[{"Update": {"TableName": "jobs", "Key": _key("job"), "UpdateExpression": "ADD #r :one",
                                                        "ExpressionAttributeNames": {"#r": "read"},
                                                        "ExpressionAttributeValues": {":one": {"N": "1"}}}}])
    assert ddb.get_item(TableName="jobs", Key=_key("job"))["Item"]["read"] == {"N": "4"}


def test_a_transaction_copies_no_more_items_however_many_its_table_holds(local_dynamodb, monkeypatch):
    """moto deep-copied every table a transaction names (0.11 s of CPU each at 4,000 items): the
    items copied for one transaction are the same few at 20 items and at 400."""
    from moto.dynamodb.models.dynamo_type import Item

    ddb, copies, real = local_dynamodb, [], Item.__deepcopy__
    monkeypatch.setattr(Item, "__deepcopy__", lambda self, memo: copies.append(1) or real(self, memo))
    counted = []
    ddb.put_item(TableName="jobs", Item={**_key("job"), "c": {"N": "0"}})
    for size in (20, 400):
        for i in range(size):
            ddb.put_item(TableName="jobs", Item={**_key(f"shard#{size}#{i:04d}"), "status": {"S": "done"}})
        copies.clear()
        ddb.transact_write_items(TransactItems=[{"Update": {"TableName": "jobs", "Key": _key("job"), "UpdateExpression": "ADD c :one",
                                                            "ExpressionAttributeValues": {":one": {"N": "1"}}}}])
        counted.append(len(copies))
    assert counted[0] == counted[1] < 5, counted
