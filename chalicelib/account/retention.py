""""Delete my files after N days": an account setting (off by default) the sweep enforces.

An account that chose it carries `retention = "on"` beside `retention_days`, which puts it in
the auth table's sparse `retention` index (chalicelib.resources): the sweep reads only those
accounts, then only their jobs older than the cut (job ids sort by creation time).
"""
from __future__ import annotations

from boto3.dynamodb.conditions import Key

from chalicelib import clock, logs, settings
from chalicelib.auth import store, users
from chalicelib.errors import InputError
from chalicelib.jobs import keys, lifecycle
from chalicelib.jobs import store as jobs

log = logs.get("retention")

INDEX, ON = "retention", "on"


def set_days(user_id: str, days) -> dict:
    """Keep files `days` days (None: keep them until deleted); the account as GET /me shows it."""
    users.current(user_id)
    top = settings.get().account.max_retention_days
    if days is None:
        update, values = "REMOVE retention_days, #r", {}
    elif isinstance(days, int) and not isinstance(days, bool) and 1 <= days <= top:
        update, values = "SET retention_days = :d, #r = :on", {":d": days, ":on": ON}
    else:
        raise InputError(f"Choose a number of days from 1 to {top}, or null to keep files until you delete them.",
                         field="retention_days")
    kwargs = {"ExpressionAttributeValues": values} if values else {}
    item = store.table().update_item(
        Key={"pk": f"USER#{user_id}"}, UpdateExpression=update, ConditionExpression="attribute_exists(pk)",
        ExpressionAttributeNames={"#r": "retention"}, ReturnValues="ALL_NEW", **kwargs)["Attributes"]
    return users.public(item)


def _accounts():
    query = {"IndexName": INDEX, "KeyConditionExpression": Key("retention").eq(ON)}
    while True:
        page = store.table().query(**query)
        yield from (item["pk"] for item in page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return
        query["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def enforce() -> int:
    """Delete every job older than its account's chosen days (as DELETE /jobs/{id} does); how many."""
    removed = 0
    for pk in _accounts():
        user = store.get(pk, consistent=True)
        if user is None or user.get("retention_days") is None:
            continue
        cut = keys.id_at(clock.now() - int(user["retention_days"]) * 86400)
        for record in jobs.each(user["id"], before=cut):
            removed += lifecycle.delete(user["id"], record["job_id"])
    if removed:
        log.info("deleted jobs past their account's retention", extra={"count": removed})
    return removed
