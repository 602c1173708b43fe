"""The auth table (single-table design): one place that knows its item shapes and TTL rule.

Items: USER#<id>, EMAIL#<email>, SESSION#<jti>, APIKEY#<prefix>, TOKEN#<purpose>#<digest>
(one-time links), EXPORT#<id>, THROTTLE#<...>.
DynamoDB deletes expired items lazily (up to days late), so every read here
treats an item whose `expires_at` has passed as absent.
"""
from __future__ import annotations

from chalicelib import aws, clock


def table():
    return aws.auth_table()


def get(pk: str, *, consistent: bool = False) -> dict | None:
    item = table().get_item(Key={"pk": pk}, ConsistentRead=consistent).get("Item")
    if item is None or ("expires_at" in item and int(item["expires_at"]) <= clock.now()):
        return None
    return item


def transact(*actions: dict) -> None:
    """One all-or-nothing write. Each action is {"Put"|"Update"|"Delete"|"ConditionCheck": {...}}
    with plain Python values (the resource's client serialises them)."""
    name = table().name
    aws.dynamodb().meta.client.transact_write_items(
        TransactItems=[{kind: dict(spec, TableName=name)} for action in actions for kind, spec in action.items()])


def cancelled_by_condition(exc: Exception, index: int) -> bool:
    """True when transaction item `index` failed its condition (e.g. the email is taken)."""
    reasons = getattr(exc, "response", {}).get("CancellationReasons") or []
    return index < len(reasons) and reasons[index].get("Code") == "ConditionalCheckFailed"


def delete_many(pks: list[str]) -> None:
    """Delete these items (absent ones too), 25 to a batch."""
    with table().batch_writer() as batch:
        for pk in dict.fromkeys(pks):
            batch.delete_item(Key={"pk": pk})
