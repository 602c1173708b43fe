"""The account's own records in the auth table, through its door (chalicelib.auth.table): an
export's EXPORT#<user id> item. What the items mean (statuses, progress) is account.export's;
how they are keyed, read and conditionally written is here, so no other module of account
writes a DynamoDB expression. (The ERASE#<id> items of deleted accounts are chalicelib.auth.users',
beside the retention the sweep also reads: the sweep is of jobs, which never import account.)
"""
from __future__ import annotations

from chalicelib import clock
from chalicelib.auth import table
from chalicelib.errors import ConditionFailed


def export_key(user_id: str) -> str:
    return f"EXPORT#{user_id}"


def export(user_id: str) -> dict | None:
    """The account's export item, as it is now (a consistent read), or None."""
    return table.get(export_key(user_id), consistent=True)


def put_export(item: dict) -> None:
    """Write the account's export item whole (it replaces the last one)."""
    table.put({**item, "pk": export_key(item["user_id"])})


def update_export(user_id: str, export_id: str, **fields) -> bool:
    """Set fields of the export `export_id` (and when it was last moved, `updated`); False when
    another export replaced it, or the account is gone."""
    fields["updated"] = int(clock.now())
    try:
        table.update(export_key(user_id), "SET " + ", ".join(f"#{k} = :{k}" for k in fields),
                     condition="export_id = :id", names={f"#{k}": k for k in fields},
                     values={**{f":{k}": v for k, v in fields.items()}, ":id": export_id})
    except ConditionFailed:
        return False
    return True
