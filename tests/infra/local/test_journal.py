"""The local AWS's own shortcuts in moto (infra/local/journal.py) answer what moto answers."""
from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from infra.local import journal


@pytest.fixture
def answers(monkeypatch):
    """(operation, moto's shaped body, the shortcut's body) of every DynamoDB item operation run."""
    from moto.dynamodb import responses

    shaped = responses.DynamoResult.execute_result
    monkeypatch.setattr(responses.DynamoResult, "execute_result", shaped)  # moto's own again after the test
    journal._serialize_dynamodb_items_directly()
    direct = responses.DynamoResult.execute_result
    seen = []

    def both(self, context):
        status, headers, body = shaped(self, context)
        if context.operation_model.name in journal._ITEM_OPERATIONS:
            seen.append((context.operation_model.name, body, direct(self, context)))
        return status, headers, body

    monkeypatch.setattr(responses.DynamoResult, "execute_result", both)
    return seen


def test_item_operations_answer_the_json_moto_writes(answers):
    with mock_aws():
        d = boto3.client("dynamodb", region_name="us-east-1")
        d.create_table(TableName="t", KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}, {"AttributeName": "s", "KeyType": "RANGE"}],
                       AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}, {"AttributeName": "s", "AttributeType": "S"}],
                       BillingMode="PAY_PER_REQUEST")
        item = {"k": {"S": "a"}, "s": {"S": "1"}, "n": {"N": "1.5"}, "b": {"B": b"\x00\x01\xff"}, "t": {"BOOL": True},
                "m": {"M": {"x": {"L": [{"S": "y"}, {"NULL": True}, {"BOOL": False}, {"N": "-3"}]}}},
                "ss": {"SS": ["p", "q"]}, "ns": {"NS": ["1", "2"]}, "bs": {"BS": [b"z"]}, "e": {"S": "é ✓"}}
        d.put_item(TableName="t", Item=item, ReturnConsumedCapacity="TOTAL")
        d.put_item(TableName="t", Item={**item, "s": {"S": "2"}}, ReturnValues="ALL_OLD")
        d.put_item(TableName="t", Item={**item, "s": {"S": "2"}}, ReturnValues="ALL_OLD")
        d.get_item(TableName="t", Key={"k": {"S": "a"}, "s": {"S": "1"}}, ConsistentRead=True)
        d.get_item(TableName="t", Key={"k": {"S": "none"}, "s": {"S": "1"}})
        d.query(TableName="t", KeyConditionExpression="k = :k", ExpressionAttributeValues={":k": {"S": "a"}}, Limit=1)
        d.query(TableName="t", KeyConditionExpression="k = :k", ExpressionAttributeValues={":k": {"S": "a"}},
                Select="COUNT")
        d.scan(TableName="t", ReturnConsumedCapacity="INDEXES")
        d.update_item(TableName="t", Key={"k": {"S": "a"}, "s": {"S": "1"}}, UpdateExpression="SET n = :n ADD c :one",
                      ExpressionAttributeValues={":n": {"N": "2"}, ":one": {"N": "1"}}, ReturnValues="ALL_NEW")
        d.update_item(TableName="t", Key={"k": {"S": "a"}, "s": {"S": "1"}}, UpdateExpression="REMOVE e")
        d.transact_write_items(TransactItems=[{"Update": {"TableName": "t", "Key": {"k": {"S": "a"}, "s": {"S": "1"}},
                                                          "UpdateExpression": "SET z = :z",
                                                          "ExpressionAttributeValues": {":z": {"S": "zz"}}}}])
        d.transact_get_items(TransactItems=[{"Get": {"TableName": "t", "Key": {"k": {"S": "a"}, "s": {"S": "1"}}}}])
        d.batch_get_item(RequestItems={"t": {"Keys": [{"k": {"S": "a"}, "s": {"S": "1"}}, {"k": {"S": "a"}, "s": {"S": "2"}}]}})
        d.batch_write_item(RequestItems={"t": [{"DeleteRequest": {"Key": {"k": {"S": "a"}, "s": {"S": "2"}}}}]})
        d.delete_item(TableName="t", Key={"k": {"S": "a"}, "s": {"S": "1"}}, ReturnValues="ALL_OLD")
    assert {name for name, _, _ in answers} == journal._ITEM_OPERATIONS
    for name, shaped, (status, headers, direct) in answers:
        assert status == 200 and headers["Content-Type"] == "application/x-amz-json-1.0", name
        assert json.loads(direct) == json.loads(shaped), name
