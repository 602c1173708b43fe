"""Create PageVoice's tables and bucket from `chalicelib.resources` (local stack and tests)."""
from __future__ import annotations

from email.utils import parseaddr

from botocore.exceptions import ClientError

from chalicelib import aws, resources, settings


def ensure_resources() -> None:
    """Idempotent: create what is missing, leave what exists (state survives restarts)."""
    s = settings.get().aws
    client = aws.dynamodb().meta.client
    existing = set(client.list_tables()["TableNames"])
    for logical, spec in resources.TABLES.items():
        name = getattr(s, spec["setting"])
        if name not in existing:
            client.create_table(**resources.table_kwargs(logical, name))
            client.get_waiter("table_exists").wait(TableName=name)
            if spec["ttl"]:
                client.update_time_to_live(
                    TableName=name,
                    TimeToLiveSpecification={"AttributeName": spec["ttl"], "Enabled": True})
        else:
            _add_missing_indexes(client, logical, name)
    ensure_queues()
    ensure_mail_identity()
    s3 = aws.s3()
    try:
        s3.head_bucket(Bucket=s.bucket)
    except ClientError:
        kwargs = {"Bucket": s.bucket}
        if s.region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": s.region}
        s3.create_bucket(**kwargs)
    s3.put_bucket_cors(Bucket=s.bucket,
                       CORSConfiguration={"CORSRules": resources.bucket_cors_rules(settings.get().auth.cors_origin)})


def notify_queue(queue_arn: str) -> None:
    """Send the bucket's upload events to an SQS queue (the local stand-in for Lambda's trigger)."""
    s = settings.get().aws
    aws.s3().put_bucket_notification_configuration(Bucket=s.bucket, NotificationConfiguration={
        "QueueConfigurations": [{
            "QueueArn": queue_arn,
            "Events": resources.BUCKET["notification_events"],
            "Filter": {"Key": {"FilterRules": [
                {"Name": "prefix", "Value": resources.BUCKET["notification_prefix"]}]}},
        }]})


def _add_missing_indexes(client, logical: str, name: str) -> None:
    """An index added to chalicelib.resources since this state directory's table was made."""
    have = {i["IndexName"] for i in client.describe_table(TableName=name)["Table"].get("GlobalSecondaryIndexes", [])}
    wanted = resources.table_kwargs(logical, name)
    for index in wanted.get("GlobalSecondaryIndexes", []):
        if index["IndexName"] not in have:
            client.update_table(TableName=name, AttributeDefinitions=wanted["AttributeDefinitions"],
                                GlobalSecondaryIndexUpdates=[{"Create": index}])


def ensure_queues() -> dict[str, str]:
    """The queues of chalicelib.resources.QUEUES (each with its dead-letter queue): logical name -> URL."""
    from infra.template import DEAD_LETTER_RETENTION_SECONDS

    sqs = aws.sqs()
    s = settings.get()
    urls = {}
    for logical in resources.QUEUES:
        name = resources.queue_name(logical, s)
        dead = sqs.create_queue(QueueName=f"{name}-dead",
                                Attributes={"MessageRetentionPeriod": str(DEAD_LETTER_RETENTION_SECONDS)})
        dead_arn = sqs.get_queue_attributes(QueueUrl=dead["QueueUrl"], AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        urls[logical] = sqs.create_queue(QueueName=name, Attributes=resources.queue_attributes(logical, dead_arn))["QueueUrl"]
    return urls


def ensure_mail_identity() -> None:
    """The sender address, verified in (moto's) SES, which refuses mail from anyone else as SES does."""
    address = parseaddr(settings.get().account.mail_from)[1]
    aws.ses().verify_email_identity(EmailAddress=address)
