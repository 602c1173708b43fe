"""The shards table: one item per shard of a book (chalicelib.jobs.book), and each shard's
fan-in on its job's record. A persistence door (DynamoDB), nothing else.

A shard's item is owned by the worker holding its lease (`claim`: a conditional write, so two
deliveries of one message never both work on it). Its end is one transaction (`complete`):
the item marked done with what it made, and the job's counters moved on, on the condition
that the item was still this worker's and not done and that the job is still processing. So a
duplicate delivery, a worker that lost its lease, or a job deleted meanwhile changes nothing,
and no lock is held across a shard's work. Items expire a while after their book is done (its
index keeps what they said).
"""
from __future__ import annotations

from chalicelib import aws, clock, settings
from chalicelib.errors import ConditionFailed
from chalicelib.jobs import table as jobs_table
from chalicelib.jobs.table import plain

QUEUED, RUNNING, DONE = "queued", "running", "done"
KEEP_SECONDS = 30 * 86400  # an item outlives its book's end by this (TTL)


def _table():
    return aws.dynamodb().Table(settings.get().aws.shards_table)


def _key(user_id: str, job_id: str, shard: str) -> dict:
    return {"job": f"{user_id}/{job_id}", "shard": shard}


def get(user_id: str, job_id: str, shard: str) -> dict | None:
    item = _table().get_item(Key=_key(user_id, job_id, shard), ConsistentRead=True).get("Item")
    return plain(item) if item else None


def each(user_id: str, job_id: str, prefix: str = "", between: tuple[str, str] | None = None):
    """Every shard item of the job (or those whose id starts with `prefix`, or lies `between` two
    ids, both included), in id order (text order)."""
    from boto3.dynamodb.conditions import Key

    condition = Key("job").eq(f"{user_id}/{job_id}")
    if prefix:
        condition = condition & Key("shard").begins_with(prefix)
    elif between:
        condition = condition & Key("shard").between(*between)
    kwargs = {"KeyConditionExpression": condition, "ConsistentRead": True}
    while True:
        page = _table().query(**kwargs)
        for item in page.get("Items", []):
            yield plain(item)
        if "LastEvaluatedKey" not in page:
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def claim(user_id: str, job_id: str, shard: str, owner: str, lease_seconds: int) -> dict | None:
    """Take the shard: the item (with `attempts` counted), or None when it is done or another
    worker holds a live lease on it."""
    now = clock.now()
    try:
        with aws.translated():
            reply = _table().update_item(
                Key=_key(user_id, job_id, shard),
                UpdateExpression="SET #s = :running, #o = :owner, lease_until = :lease, updated_at = :now, "
                                 "expires_at = :expires ADD attempts :one",
                ConditionExpression="attribute_not_exists(#s) OR (#s <> :done AND "
                                    "(attribute_not_exists(lease_until) OR lease_until <= :now))",
                ExpressionAttributeNames={"#s": "status", "#o": "owner"},
                ExpressionAttributeValues=jobs_table._to_dynamo({
                    ":running": RUNNING, ":owner": owner, ":lease": now + lease_seconds, ":now": now,
                    ":done": DONE, ":one": 1, ":expires": int(now + KEEP_SECONDS)}),
                ReturnValues="ALL_NEW")
    except ConditionFailed:
        return None
    return plain(reply["Attributes"])


def release(user_id: str, job_id: str, shard: str, owner: str) -> None:
    """Give the shard back after a transient error, so its next delivery takes it at once."""
    try:
        with aws.translated():
            _table().update_item(
                Key=_key(user_id, job_id, shard), UpdateExpression="SET lease_until = :zero",
                ConditionExpression="#o = :owner AND #s = :running",
                ExpressionAttributeNames={"#s": "status", "#o": "owner"},
                ExpressionAttributeValues={":zero": 0, ":owner": owner, ":running": RUNNING})
    except ConditionFailed:
        pass


ASK_BATCH = 50  # shards asked for in one transaction (DynamoDB takes 100 actions)


def ask(user_id: str, job_id: str, shard_ids: list[str], lane: str) -> list[str]:
    """Mark the shards asked for (an item `queued` in `lane`, the queue it is sent to, made only
    where none is: a shard asked for, running or done is left as it is) and count them on the
    job's record (`book_asked`), in one transaction per batch; returns the ids newly asked for,
    which the caller sends. The job may be processing or done (a finished book's recording goes
    on where a listener or an export asks)."""
    s = settings.get()
    now = clock.now()
    newly: list[str] = []
    for i in range(0, len(shard_ids), ASK_BATCH):
        batch = list(dict.fromkeys(shard_ids[i:i + ASK_BATCH]))
        while batch:
            items = [{"Update": {
                "TableName": s.aws.shards_table, "Key": _key(user_id, job_id, shard),
                "UpdateExpression": "SET #s = :queued, lane = :lane, asked_at = :now, expires_at = :expires",
                "ConditionExpression": "attribute_not_exists(#s)", "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": jobs_table._to_dynamo({":queued": QUEUED, ":lane": lane, ":now": now,
                                                                    ":expires": int(now + KEEP_SECONDS)})}}
                for shard in batch]
            items.append({"Update": {
                "TableName": s.aws.jobs_table, "Key": {"user_id": user_id, "job_id": job_id},
                "UpdateExpression": "ADD book_asked :n", "ConditionExpression": "attribute_exists(job_id) AND #s IN (:p, :d)",
                "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": jobs_table._to_dynamo({":n": len(batch), ":p": jobs_table.PROCESSING,
                                                                    ":d": jobs_table.DONE})}})
            try:
                with aws.translated():
                    aws.dynamodb().meta.client.transact_write_items(TransactItems=items)
            except ConditionFailed as exc:
                if len(batch) in exc.failed or not exc.failed:  # the job is gone or ended otherwise
                    return newly
                batch = [shard for k, shard in enumerate(batch) if k not in exc.failed]
                continue
            newly += batch
            break
    return newly


def promote(user_id: str, job_id: str, shard: str, lane: str) -> bool:
    """Move a shard still waiting (or, a reading shard, not started yet) into `lane` (a listener now
    waits for it); False when it is not waiting, or is in that lane already (sent there once)."""
    now = clock.now()
    try:
        with aws.translated():
            _table().update_item(
                Key=_key(user_id, job_id, shard),
                UpdateExpression="SET #s = if_not_exists(#s, :queued), lane = :lane, expires_at = if_not_exists(expires_at, :expires)",
                ConditionExpression="attribute_not_exists(#s) OR (#s = :queued AND (attribute_not_exists(lane) OR lane <> :lane))",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues=jobs_table._to_dynamo({":queued": QUEUED, ":lane": lane,
                                                                 ":expires": int(now + KEEP_SECONDS)}))
    except ConditionFailed:
        return False
    return True


def complete(user_id: str, job_id: str, shard: str, owner: str, summary: dict, counters: dict[str, float],
             extend_lease: int) -> dict | None:
    """The shard done with `summary` (what the book's index keeps of it) and the job's counters
    moved on by `counters` (attribute -> amount), in one transaction; the job's lease is
    extended by `extend_lease` seconds (a book making progress is not re-driven). Returns the
    job's record after it; None when nothing changed (the shard was done already, or is no
    longer this worker's, or the job is neither processing nor, for a recording section asked
    for after its book was read, done)."""
    s = settings.get()
    now = clock.now()
    names = {f"#c{i}": name for i, name in enumerate(counters)}
    adds = ", ".join(f"#c{i} :c{i}" for i in range(len(counters)))
    values = {f":c{i}": amount for i, amount in enumerate(counters.values())}
    job_update = {
        "TableName": s.aws.jobs_table, "Key": {"user_id": user_id, "job_id": job_id},
        "UpdateExpression": "SET lease_until = :lease, updated_at = :now_iso" + (f" ADD {adds}" if adds else ""),
        "ConditionExpression": "attribute_exists(job_id) AND #s = :processing",
        "ExpressionAttributeNames": {"#s": "status", **names},
        "ExpressionAttributeValues": jobs_table._to_dynamo({**values, ":lease": now + extend_lease, ":now_iso": clock.iso(now),
                                             ":processing": jobs_table.PROCESSING}),
    }
    if shard.startswith("rec-"):  # a section asked for once its book is done: the done job's counters move on
        job_update["ConditionExpression"] = "attribute_exists(job_id) AND #s IN (:processing, :done)"
        job_update["ExpressionAttributeValues"][":done"] = jobs_table.DONE
    shard_update = {
        "TableName": s.aws.shards_table, "Key": _key(user_id, job_id, shard),
        "UpdateExpression": "SET #s = :done, summary = :summary, lease_until = :zero, updated_at = :now",
        "ConditionExpression": "#s = :running AND #o = :owner",
        "ExpressionAttributeNames": {"#s": "status", "#o": "owner"},
        "ExpressionAttributeValues": jobs_table._to_dynamo({":done": DONE, ":summary": summary, ":zero": 0, ":now": now,
                                             ":running": RUNNING, ":owner": owner}),
    }
    try:
        with aws.translated():
            aws.dynamodb().meta.client.transact_write_items(
                TransactItems=[{"Update": shard_update}, {"Update": job_update}])
    except ConditionFailed:
        return None
    return jobs_table.get(user_id, job_id)

