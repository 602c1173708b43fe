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
