"""API keys for scripts: `pv_<id>_<secret>`, shown once, stored as a SHA-256 digest.

The secret is 32 random bytes, so a fast hash is enough (nothing to brute-force, unlike
a password); the <id> part is the lookup key (APIKEY#<id>). The owner's USER item keeps
the set of its key ids, which is how a user's keys are listed without an index.
"""
from __future__ import annotations

import contextlib
import hashlib
import hmac
import re
import secrets

from chalicelib import clock, settings
from chalicelib.auth import table
from chalicelib.errors import ConditionFailed, Conflict, Unauthorized
from chalicelib.validation import clean_text

SCHEME = "pv"
SECRET_BYTES = 32
NAME_MAX = 100
LAST_USED_RESOLUTION_SECONDS = 60  # write last_used_at at most once a minute per key
_KEY = re.compile(r"^pv_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
_KEY_ID = re.compile(r"^[0-9a-f]{12}$")


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("ascii")).hexdigest()


def public(item: dict) -> dict:
    return {"id": item["key_id"], "name": item["name"], "prefix": f"{SCHEME}_{item['key_id']}",
            "created_at": item["created_at"], "last_used_at": item.get("last_used_at")}


def create(user_id: str, name: str | None) -> dict:
    """{"api_key": public fields, "key": the full key (never retrievable again)}."""
    name = clean_text(name, "name", "key name", NAME_MAX) if name is not None else "API key"
    key_id = secrets.token_hex(6)
    key = f"{SCHEME}_{key_id}_{secrets.token_urlsafe(SECRET_BYTES)}"
    item = {"pk": f"APIKEY#{key_id}", "key_id": key_id, "user_id": user_id, "name": name,
            "hash": _digest(key), "created_at": clock.iso(clock.now()), "last_used_at": None}
    limit = settings.get().auth.max_api_keys_per_user
    try:
        table.transact(
            {"Put": {"Item": item, "ConditionExpression": "attribute_not_exists(pk)"}},
            {"Update": {"Key": {"pk": f"USER#{user_id}"}, "UpdateExpression": "ADD api_keys :id",
                        "ConditionExpression": "attribute_exists(pk) AND "
                                               "(attribute_not_exists(api_keys) OR size(api_keys) < :max)",
                        "ExpressionAttributeValues": {":id": {key_id}, ":max": limit}}})
    except ConditionFailed as exc:
        if 1 in exc.failed:
            raise Conflict(f"You already have {limit} API keys. Delete one first.") from None
        raise
    return {"api_key": public(item), "key": key}


def list_keys(user_id: str) -> list[dict]:
    user = table.get(f"USER#{user_id}") or {}
    items = table.get_many([f"APIKEY#{i}" for i in sorted(user.get("api_keys") or ())])
    mine = [public(i) for i in items if i.get("user_id") == user_id]
    return sorted(mine, key=lambda k: k["created_at"], reverse=True)


def revoke(user_id: str, key_id: str) -> bool:
    """Delete one of the caller's keys; False when it is not theirs (or does not exist)."""
    if not _KEY_ID.match(key_id):
        return False
    try:
        table.transact(
            {"Delete": {"Key": {"pk": f"APIKEY#{key_id}"}, "ConditionExpression": "user_id = :u",
                        "ExpressionAttributeValues": {":u": user_id}}},
            {"Update": {"Key": {"pk": f"USER#{user_id}"}, "UpdateExpression": "DELETE api_keys :id",
                        "ExpressionAttributeValues": {":id": {key_id}}}})
    except ConditionFailed as exc:
        if 0 in exc.failed:
            return False
        raise
    return True


def verify(key: str) -> tuple[str, str]:
    """(user_id, key_id) for a live key; else 401."""
    match = _KEY.match(key.strip())
    # Consistent read: a key deleted a moment ago must already fail.
    item = table.get(f"APIKEY#{match.group(1)}", consistent=True) if match else None
    if item is None or not hmac.compare_digest(item["hash"], _digest(key.strip())):
        raise Unauthorized("The API key is not valid.")
    _touch(item)
    return item["user_id"], item["key_id"]


def _touch(item: dict) -> None:
    now = clock.now()
    last = item.get("last_used_at")
    if last and now - clock.parse_iso(last) < LAST_USED_RESOLUTION_SECONDS:
        return
    # The condition keeps a key revoked meanwhile from coming back.
    with contextlib.suppress(ConditionFailed):
        table.update(item["pk"], "SET last_used_at = :t", condition="attribute_exists(pk)",
                     values={":t": clock.iso(now)})
