"""One definition of each AWS resource PageVoice stores data in.

The local bootstrap (moto server) and the deploy template (infra/) are both
rendered from these dictionaries, so the two can never drift apart.
"""
from __future__ import annotations

import json

UPLOAD_PREFIX = "uploads/"
RESULT_PREFIX = "results/"
EXPORT_PREFIX = "exports/"  # exports/{user_id}/{export_id}.zip: an account's export (chalicelib.account.export)
# samples/{language}/{engine}/{name}-{digest}.mp3: a voice's sample, the deployment's and no account's
# (chalicelib.voices.samples)
SAMPLE_PREFIX = "samples/"

# logical name -> (settings attribute holding the physical name, key schema, TTL attribute)
TABLES = {
    "AuthTable": {
        "setting": "auth_table",
        # Single-table design for accounts: items keyed USER#id, EMAIL#email,
        # SESSION#jti, APIKEY#prefix, TOKEN#..., EXPORT#id, THROTTLE#...; `expires_at` lets
        # DynamoDB reap sessions, one-time tokens and throttle counters.
        "keys": [("pk", "S", "HASH")],
        "ttl": "expires_at",
        # A sparse index of the accounts the sweep looks after, without a scan: those that asked
        # for their files to be deleted after N days (USER items with `sweep = "retain"`, their
        # days projected so the sweep never reads a USER item) and deleted accounts whose files
        # are still being erased (ERASE#<id> items, `sweep = "erase"`).
        "indexes": {"sweep": {"keys": [("sweep", "S", "HASH"), ("pk", "S", "RANGE")],
                              "projection": "INCLUDE", "include": ["retention_days"]}},
    },
    "JobsTable": {
        "setting": "jobs_table",
        # A user's jobs under one partition; job ids sort by creation time, so
        # "newest first" is a reverse query and another user's job is simply absent.
        "keys": [("user_id", "S", "HASH"), ("job_id", "S", "RANGE")],
        # Tombstones of deleted jobs and each account's worker slots expire (jobs.table).
        "ttl": "expires_at",
        # A sparse index of what the sweep must look at: unfinished jobs ("open") and deleted
        # jobs' tombstones ("deleted"); a finished job leaves it, so the sweep never scans.
        "indexes": {"sweep": {"keys": [("sweep", "S", "HASH"), ("job_id", "S", "RANGE")],
                              "projection": "KEYS_ONLY"}},
    },
    "ShardsTable": {
        "setting": "shards_table",
        # A book's shards (chalicelib.jobs.book): one item per shard, under its job
        # ("{user_id}/{job_id}"), each owned by the worker holding its lease and written by
        # conditional writes only. They expire once the book is done (its index keeps what
        # they said).
        "keys": [("job", "S", "HASH"), ("shard", "S", "RANGE")],
        "ttl": "expires_at",
    },
}

def _book_queue(setting: str, order: int, concurrency: str, waits: str, retention: int = 4 * 24 * 3600) -> dict:
    """One of the worker's book queues: its settings attribute, `worker` (the order the local bridge
    serves it in, the settings.books attribute of its event source's maximum concurrency, who waits
    on it) and its SQS attributes. Its visibility is longer than the worker's timeout (SQS event
    sources require it: a shard whose worker died comes back after it); the executor counts a
    shard's attempts itself (settings.books.shard_max_attempts), so the dead-letter queue only
    catches messages that cannot be parsed."""
    dead_letter = setting.replace("_queue", "").title().replace("_", "") + "DeadLetterQueue"
    return {"setting": setting, "visibility_timeout": 960, "retention_seconds": retention, "max_receive_count": 10,
            "dead_letter": dead_letter, "worker": {"order": order, "concurrency": concurrency, "waits": waits}}


# Work the API hands to the worker side (chalicelib.account.tasks): mail, exports, erasing an
# account. logical name -> settings attribute of its name, and its SQS attributes.
QUEUES = {
    "TasksQueue": {
        "setting": "tasks_queue",
        # Longer than the tasks function's timeout (an export of a large account), as SQS asks
        # of a Lambda event source.
        "visibility_timeout": 960,
        "retention_seconds": 4 * 24 * 3600,
        # A task that fails this often goes to the dead-letter queue (kept 14 days).
        "max_receive_count": 5,
        "dead_letter": "TasksDeadLetterQueue",
    },
    # A book's work, on three queues by what waits on it (chalicelib.jobs.book), each an event
    # source of the worker with its own maximum concurrency (`worker`: the order the local bridge
    # serves them in beside uploads, which come second, and the settings.books attribute of its
    # concurrency). Every message carries its account as its `MessageGroupId`: SQS fair queues
    # (a standard queue whose messages name a group) serve the groups with the fewest messages in
    # flight first, so one account's backlog never holds another's work (the local AWS does the
    # same: infra/local/queues.py). A shard is claimed by a conditional write, so a duplicate
    # message does nothing.
    #
    # What a listener waits for: the place they moved to and the minutes ahead of where they play
    # (chalicelib.jobs.book_demand.listen_at), and every book's first section; taken before anything else.
    "FirstQueue": _book_queue("first_queue", 0, "first_max_concurrency", "a listener", retention=3600),
    # Every book's reading shards (its pages), after uploads and before any recording.
    "ShardsQueue": _book_queue("shards_queue", 2, "shard_max_concurrency", "the book's text"),
    # Recording nobody is listening to yet: the window ahead of a book's start, and the rest of a
    # book an export (or `pagevoice read`) asked for. The lowest share.
    "RecordQueue": _book_queue("record_queue", 3, "record_max_concurrency", "nobody yet"),
}

# Where uploads (the bucket's events) come among the worker's sources, by `worker["order"]`.
UPLOADS_ORDER = 1


def worker_queues() -> list[str]:
    """The worker's queues (logical names), in the order they are served: the template makes each
    an event source with its concurrency, the local bridge polls each into its lines."""
    return sorted((q for q, spec in QUEUES.items() if "worker" in spec), key=lambda q: QUEUES[q]["worker"]["order"])


def queue_name(logical: str, s) -> str:
    """A queue's physical name in settings `s` (the section that holds its setting)."""
    attribute = QUEUES[logical]["setting"]
    return getattr(s.account, attribute, None) or getattr(s.aws, attribute)

BUCKET = {
    "setting": "bucket",
    "cors_methods": ["GET", "POST", "PUT", "HEAD"],
    "cors_max_age": 3000,
    "notification_prefix": UPLOAD_PREFIX,
    "notification_events": ["s3:ObjectCreated:*"],
    # uploads/ is an inbox: the worker keeps the bytes it processed beside the results
    # (results/{user}/{job}/source, the job's image_url), so uploads are reaped after this.
    "abandoned_upload_days": 2,
    # Which objects are reaped: those under uploads/ carrying this tag, which the presigned
    # POST sets (`pending_upload_tagging()` as the `tagging` field, pinned in the policy too).
    # Uploads of jobs made before the worker kept sources had the tag cleared and stay. None
    # instead: every object under uploads/ expires after `abandoned_upload_days`.
    "abandoned_upload_tag": ("pagevoice-upload", "pending"),
    # Multipart uploads never completed (the site's POSTs are single-part; other clients).
    "incomplete_multipart_days": 1,
    # An account's export zip is a copy of its data: gone a day after it was made.
    "export_days": 1,
    # Outputs only needed while a job grows (a recording's parts, played before speech.wav
    # exists) carry this tag and are gone after `transient_days`: a page's recording is
    # otherwise stored twice, as parts and as speech.wav (17% of a typical page's cost).
    "transient_tag": ("pagevoice-output", "transient"),
    "transient_days": 1,
}


def table_kwargs(logical: str, name: str) -> dict:
    """boto3 `create_table` arguments for one table (on-demand billing)."""
    spec = TABLES[logical]
    indexes = spec.get("indexes") or {}
    attributes = dict.fromkeys((n, t) for n, t, _ in [*spec["keys"], *(k for i in indexes.values() for k in i["keys"])])
    kwargs = {
        "TableName": name,
        "KeySchema": [{"AttributeName": n, "KeyType": kt} for n, _, kt in spec["keys"]],
        "AttributeDefinitions": [{"AttributeName": n, "AttributeType": t} for n, t in attributes],
        "BillingMode": "PAY_PER_REQUEST",
    }
    if indexes:
        kwargs["GlobalSecondaryIndexes"] = [
            {"IndexName": index, "KeySchema": [{"AttributeName": n, "KeyType": kt} for n, _, kt in i["keys"]],
             "Projection": {"ProjectionType": i["projection"],
                            **({"NonKeyAttributes": i["include"]} if i.get("include") else {})}}
            for index, i in indexes.items()]
    return kwargs


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


def queue_attributes(logical: str, dead_letter_arn) -> dict:
    """SQS `create_queue` Attributes of one queue; `dead_letter_arn` may be an intrinsic."""
    spec = QUEUES[logical]
    return {"VisibilityTimeout": str(spec["visibility_timeout"]),
            "MessageRetentionPeriod": str(spec["retention_seconds"]),
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dead_letter_arn,
                                         "maxReceiveCount": spec["max_receive_count"]})}


def cors_origins(origins) -> list:
    """The site origins CORS allows: `settings.auth.cors_origin` (comma-separated) or a list; anything
    else (a CloudFormation intrinsic) is one origin."""
    if isinstance(origins, str):
        origins = [o.strip().rstrip("/") for o in origins.split(",")]
    elif not isinstance(origins, (list, tuple)):
        return [origins]
    return list(dict.fromkeys(filter(None, origins)))


def bucket_cors_rules(origin) -> list[dict]:
    """The bucket's CORS rules (the site's presigned POST uploads and its reads): every site
    origin (`cors_origins`)."""
    return [{
        "AllowedOrigins": cors_origins(origin),
        "AllowedMethods": BUCKET["cors_methods"],
        "AllowedHeaders": ["*"],
        "ExposeHeaders": ["ETag"],
        "MaxAgeSeconds": BUCKET["cors_max_age"],
    }]


# --- Bucket settings in both shapes: the S3 API's (local bootstrap, boto3) and CloudFormation's ---

def bucket_cors_cfn(origin) -> list[dict]:
    """`bucket_cors_rules` as CloudFormation `CorsConfiguration.CorsRules`; `origin` may be an intrinsic."""
    return [{
        "AllowedOrigins": rule["AllowedOrigins"],
        "AllowedMethods": rule["AllowedMethods"],
        "AllowedHeaders": rule["AllowedHeaders"],
        "ExposedHeaders": rule["ExposeHeaders"],
        "MaxAge": rule["MaxAgeSeconds"],
    } for rule in bucket_cors_rules(origin)]


def bucket_lifecycle_rules() -> list[dict]:
    """S3 API `LifecycleConfiguration.Rules` (boto3 `put_bucket_lifecycle_configuration`)."""
    tag = BUCKET["abandoned_upload_tag"]
    if tag:
        upload_filter = {"And": {"Prefix": UPLOAD_PREFIX, "Tags": [_tag(tag)]}}
    else:
        upload_filter = {"Prefix": UPLOAD_PREFIX}
    return [
        {"ID": "reap-abandoned-uploads", "Status": "Enabled", "Filter": upload_filter,
         "Expiration": {"Days": BUCKET["abandoned_upload_days"]}},
        {"ID": "expire-exports", "Status": "Enabled", "Filter": {"Prefix": EXPORT_PREFIX},
         "Expiration": {"Days": BUCKET["export_days"]}},
        {"ID": "expire-transient-outputs", "Status": "Enabled",
         "Filter": {"And": {"Prefix": RESULT_PREFIX, "Tags": [_tag(BUCKET["transient_tag"])]}},
         "Expiration": {"Days": BUCKET["transient_days"]}},
        {"ID": "abort-incomplete-multipart-uploads", "Status": "Enabled", "Filter": {"Prefix": ""},
         "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": BUCKET["incomplete_multipart_days"]}},
    ]


def _tag(tag: tuple[str, str]) -> dict:
    return {"Key": tag[0], "Value": tag[1]}


def transient_tagging() -> str:
    """PutObject's `Tagging` for an output kept only while its job grows."""
    key, value = BUCKET["transient_tag"]
    return f"{key}={value}"


def bucket_lifecycle_cfn() -> list[dict]:
    """`bucket_lifecycle_rules` as CloudFormation `LifecycleConfiguration.Rules`."""
    out = []
    for rule in bucket_lifecycle_rules():
        cfn = {"Id": rule["ID"], "Status": rule["Status"]}
        flt = rule["Filter"]
        prefix = flt.get("Prefix", flt.get("And", {}).get("Prefix", ""))
        if prefix:
            cfn["Prefix"] = prefix
        if "And" in flt:
            cfn["TagFilters"] = [dict(t) for t in flt["And"]["Tags"]]
        if "Expiration" in rule:
            cfn["ExpirationInDays"] = rule["Expiration"]["Days"]
        if "AbortIncompleteMultipartUpload" in rule:
            cfn["AbortIncompleteMultipartUpload"] = dict(rule["AbortIncompleteMultipartUpload"])
        out.append(cfn)
    return out


def pending_upload_tagging() -> str | None:
    """The presigned POST's `tagging` field that marks an upload as not yet processed."""
    tag = BUCKET["abandoned_upload_tag"]
    if not tag:
        return None
    return (f"<Tagging><TagSet><Tag><Key>{tag[0]}</Key><Value>{tag[1]}</Value></Tag>"
            "</TagSet></Tagging>")
