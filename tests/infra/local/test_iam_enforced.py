"""`make run` enforces IAM: each helper's identity can make only the calls its deployed role
allows (infra/local/iam.py), and local AWS takes only the stack's own credentials."""
from __future__ import annotations

import boto3
import pytest
import requests
from botocore.exceptions import ClientError

pytestmark = pytest.mark.stack


def refused(call) -> str:
    """The error code of a refused call. moto answers DynamoDB's refusals in XML, which
    botocore reads as code "403" with the body as message: the code is in that body."""
    with pytest.raises(ClientError) as caught:
        call()
    error = caught.value.response["Error"]
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403, error
    return "AccessDenied" if "<Code>AccessDenied</Code>" in error.get("Message", "") else error["Code"]


def test_a_worker_call_outside_its_policy_is_refused(stack):
    ddb, s3 = stack.aws_client("dynamodb", "worker"), stack.aws_client("s3", "worker")
    # The auth table (password hashes) is the API's alone.
    assert refused(lambda: ddb.get_item(TableName="pagevoice-auth", Key={"pk": {"S": "EMAIL#a@b.c"}})) == "AccessDenied"
    # Uploads are created by the site through the API's presigned form, never by the worker.
    assert refused(lambda: s3.put_object(Bucket="pagevoice-local", Key="uploads/u/j/source", Body=b"x")) \
        == "AccessDenied"
    # Within its policy: the jobs table answers (no such item), results/ takes a write.
    assert "Item" not in ddb.get_item(TableName="pagevoice-jobs", Key={"user_id": {"S": "u"}, "job_id": {"S": "j"}})
    s3.put_object(Bucket="pagevoice-local", Key="results/iam-test/j/probe", Body=b"x")
    s3.delete_object(Bucket="pagevoice-local", Key="results/iam-test/j/probe")


def test_the_api_and_the_sweep_are_held_to_their_roles(stack):
    api = stack.aws_client("dynamodb", "api")
    assert refused(lambda: api.scan(TableName="pagevoice-auth")) == "AccessDenied"  # no Scan in ApiRole
    sweep = stack.aws_client("s3", "sweep")
    assert refused(lambda: sweep.put_object(Bucket="pagevoice-local", Key="results/x", Body=b"x")) \
        == "AccessDenied"
    # The sweep reads the accounts it looks after from their index (never a USER item), writes
    # none, deletes only ERASE# markers, and never scans the table.
    sweep_db = stack.aws_client("dynamodb", "sweep")
    assert refused(lambda: sweep_db.put_item(TableName="pagevoice-auth", Item={"pk": {"S": "USER#x"}})) \
        == "AccessDenied"
    assert refused(lambda: sweep_db.scan(TableName="pagevoice-auth")) == "AccessDenied"
    assert refused(lambda: sweep_db.get_item(TableName="pagevoice-auth", Key={"pk": {"S": "USER#x"}})) \
        == "AccessDenied"
    # The condition moto would ignore is enforced, as AWS does: ERASE# items only.
    assert refused(lambda: sweep_db.delete_item(TableName="pagevoice-auth", Key={"pk": {"S": "USER#x"}})) \
        == "AccessDenied"
    sweep_db.delete_item(TableName="pagevoice-auth", Key={"pk": {"S": "ERASE#x"}})
    assert "Items" in sweep_db.query(TableName="pagevoice-auth", IndexName="sweep",
                                     KeyConditionExpression="sweep = :on",
                                     ExpressionAttributeValues={":on": {"S": "retain"}})


def test_the_tasks_runner_is_held_to_its_role(stack):
    ddb, s3 = stack.aws_client("dynamodb", "tasks"), stack.aws_client("s3", "tasks")
    # It writes exports, never uploads or results, and lists no table.
    s3.put_object(Bucket="pagevoice-local", Key="exports/iam-test/e.zip", Body=b"x")
    s3.delete_object(Bucket="pagevoice-local", Key="exports/iam-test/e.zip")
    for key in ("uploads/u/j/source", "results/u/j/result.json"):
        assert refused(lambda k=key: s3.put_object(Bucket="pagevoice-local", Key=k, Body=b"x")) == "AccessDenied"
    assert refused(lambda: ddb.scan(TableName="pagevoice-jobs")) == "AccessDenied"
    assert refused(lambda: ddb.query(TableName="pagevoice-auth", IndexName="sweep",
                                     KeyConditionExpression="sweep = :on",
                                     ExpressionAttributeValues={":on": {"S": "retain"}})) == "AccessDenied"
    # Only the API enqueues tasks; the runner takes them.
    sqs = stack.aws_client("sqs", "tasks")
    url = sqs.get_queue_url(QueueName="pagevoice-tasks")["QueueUrl"]
    assert refused(lambda: sqs.send_message(QueueUrl=url, MessageBody="{}")) == "AccessDenied"
    assert stack.aws_client("sqs", "api").get_queue_url(QueueName="pagevoice-tasks")["QueueUrl"] == url


def test_only_the_stacks_own_credentials_are_taken(stack):
    well_known = boto3.client("dynamodb", endpoint_url=stack.s3_url, region_name="us-east-1",
                              aws_access_key_id="local", aws_secret_access_key="local")
    with pytest.raises(ClientError) as caught:
        well_known.scan(TableName="pagevoice-auth")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    wrong_secret = boto3.client("s3", endpoint_url=stack.s3_url, region_name="us-east-1",
                                aws_access_key_id=stack.credentials()["key"], aws_secret_access_key="guess")
    assert refused(lambda: wrong_secret.list_objects_v2(Bucket="pagevoice-local")) == "SignatureDoesNotMatch"
    assert requests.get(f"{stack.s3_url}/pagevoice-local", timeout=10).status_code == 403
    assert requests.post(f"{stack.s3_url}/moto-api/reset", timeout=10).status_code == 404
    # The admin (the stack's housekeeping, and tests) sees everything.
    assert stack.aws_client("dynamodb").describe_table(TableName="pagevoice-auth")["Table"]["TableName"]
