"""The auth table (single-table design): one place that knows its item shapes and TTL rule, and
the door every module of auth and account reaches it through (a persistence door: a failed
condition is raised as chalicelib.errors.ConditionFailed, never as botocore's error).

Items: USER#<id>, EMAIL#<email>, SESSION#<jti>, APIKEY#<prefix>, TOKEN#<purpose>#<digest>
(one-time links), EXPORT#<id>, ERASE#<id>, LEXICON#<id> (pronunciations), THROTTLE#<...>,
USAGE#<id> and USAGE#<id>#GONE#<job> (what the account holds and has had read: auth.usage).
DynamoDB deletes expired items lazily (up to days late), so every read here
treats an item whose `expires_at` has passed as absent.
"""
from __future__ import annotations

from chalicelib import aws, clock


def _table():
    return aws.auth_table()


def get(pk: str, *, consistent: bool = False) -> dict | None:
    item = _table().get_item(Key={"pk": pk}, ConsistentRead=consistent).get("Item")
    if item is None or ("expires_at" in item and int(item["expires_at"]) <= clock.now()):
        return None
    return item


def get_attributes(pk: str, names: tuple[str, ...]) -> dict | None:
    """Only `names` of the item: what a role allowed those attributes alone (a `dynamodb:Attributes`
    condition) may read of it; None when there is no such item."""
    return _table().get_item(Key={"pk": pk}, ProjectionExpression=", ".join(f"#a{i}" for i in range(len(names))),
                             ExpressionAttributeNames={f"#a{i}": n for i, n in enumerate(names)}).get("Item")


def get_many(pks: list[str]) -> list[dict]:
    """The items of these keys that exist, in no particular order (expired ones too: the
    caller's items have no TTL)."""
    name = _table().name
    request = {name: {"Keys": [{"pk": pk} for pk in dict.fromkeys(pks)]}} if pks else {}
    items = []
    while request:  # batch_get may hand back part of the keys to retry
        reply = aws.dynamodb().batch_get_item(RequestItems=request)
        items += reply["Responses"].get(name, [])
        request = reply.get("UnprocessedKeys") or {}
    return items


def put(item: dict) -> None:
    """Write the item whole (replacing any item of its key)."""
    _table().put_item(Item=item)


def update(pk: str, expression: str, *, condition: str | None = None, names: dict | None = None,
           values: dict | None = None, returns: str | None = None) -> dict:
    """Apply the update `expression` to the item `pk`; the attributes `returns` asks for
    (DynamoDB's ReturnValues: "UPDATED_NEW", "ALL_NEW"), else {}. Raises ConditionFailed when
    `condition` does not hold."""
    kwargs = {"ConditionExpression": condition, "ExpressionAttributeNames": names,
              "ExpressionAttributeValues": values, "ReturnValues": returns}
    with aws.translated():
        reply = _table().update_item(Key={"pk": pk}, UpdateExpression=expression,
                                     **{k: v for k, v in kwargs.items() if v})
    return reply.get("Attributes", {})


def delete(pk: str) -> None:
    """Delete the item (absent: nothing happens)."""
    _table().delete_item(Key={"pk": pk})


def transact(*actions: dict) -> None:
    """One all-or-nothing write. Each action is {"Put"|"Update"|"Delete"|"ConditionCheck": {...}}
    with plain Python values (the resource's client serialises them). Raises ConditionFailed,
    whose `failed` holds the positions of the actions whose condition failed (e.g. 1: the
    email is taken)."""
    name = _table().name
    with aws.translated():
        aws.dynamodb().meta.client.transact_write_items(
            TransactItems=[{kind: dict(spec, TableName=name)} for action in actions for kind, spec in action.items()])


def delete_many(pks: list[str]) -> None:
    """Delete these items (absent ones too), 25 to a batch."""
    with _table().batch_writer() as batch:
        for pk in dict.fromkeys(pks):
            batch.delete_item(Key={"pk": pk})


def listed(index: str, value: str):
    """Every item of the sparse index `index` whose key (the attribute of the same name,
    chalicelib.resources) is `value`: the sweep's lists, without a scan."""
    query = {"IndexName": index, "KeyConditionExpression": "#k = :v",
             "ExpressionAttributeNames": {"#k": index}, "ExpressionAttributeValues": {":v": value}}
    while True:
        page = _table().query(**query)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        query["ExclusiveStartKey"] = page["LastEvaluatedKey"]
