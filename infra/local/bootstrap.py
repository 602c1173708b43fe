"""Create PageVoice's tables and bucket from `chalicelib.resources` (local stack and tests)."""
from __future__ import annotations

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
