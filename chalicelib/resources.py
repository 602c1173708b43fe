"""One definition of each AWS resource PageVoice stores data in.

The local bootstrap (moto server) and the deploy template (infra/) are both
rendered from these dictionaries, so the two can never drift apart.
"""
from __future__ import annotations

UPLOAD_PREFIX = "uploads/"
RESULT_PREFIX = "results/"

# logical name -> (settings attribute holding the physical name, key schema, TTL attribute)
TABLES = {
    "AuthTable": {
        "setting": "auth_table",
        # Single-table design for accounts: items keyed USER#id, EMAIL#email,
        # SESSION#jti, APIKEY#prefix, THROTTLE#...; `expires_at` lets DynamoDB reap
        # sessions and throttle counters.
        "keys": [("pk", "S", "HASH")],
        "ttl": "expires_at",
    },
    "JobsTable": {
        "setting": "jobs_table",
        # A user's jobs under one partition; job ids sort by creation time, so
        # "newest first" is a reverse query and another user's job is simply absent.
        "keys": [("user_id", "S", "HASH"), ("job_id", "S", "RANGE")],
        "ttl": None,
    },
}

BUCKET = {
    "setting": "bucket",
    "cors_methods": ["GET", "POST", "HEAD"],
    "cors_max_age": 3000,
    "notification_prefix": UPLOAD_PREFIX,
    "notification_events": ["s3:ObjectCreated:*"],
    # Uploads that never became jobs (abandoned presigned POSTs) are reaped.
    "abandoned_upload_days": 2,
}


def table_kwargs(logical: str, name: str) -> dict:
    """boto3 `create_table` arguments for one table (on-demand billing)."""
    spec = TABLES[logical]
    return {
        "TableName": name,
        "KeySchema": [{"AttributeName": n, "KeyType": kt} for n, _, kt in spec["keys"]],
        "AttributeDefinitions": [{"AttributeName": n, "AttributeType": t} for n, t, _ in spec["keys"]],
        "BillingMode": "PAY_PER_REQUEST",
    }


def table_cfn(logical: str, name) -> dict:
    """CloudFormation `AWS::DynamoDB::Table` for one table; `name` may be an intrinsic."""
    spec = TABLES[logical]
    kw = table_kwargs(logical, name)
    props = {k: v for k, v in kw.items()}
    if spec["ttl"]:
        props["TimeToLiveSpecification"] = {"AttributeName": spec["ttl"], "Enabled": True}
    props["PointInTimeRecoverySpecification"] = {"PointInTimeRecoveryEnabled": True}
    props["SSESpecification"] = {"SSEEnabled": True}
    return {"Type": "AWS::DynamoDB::Table", "Properties": props}


def bucket_cors_rules(origin: str) -> list[dict]:
    return [{
        "AllowedOrigins": [origin],
        "AllowedMethods": BUCKET["cors_methods"],
        "AllowedHeaders": ["*"],
        "ExposeHeaders": ["ETag"],
        "MaxAgeSeconds": BUCKET["cors_max_age"],
    }]
