"""One-time links (password reset, email verification): a random token in the mail, only its
SHA-256 digest stored (TOKEN#<purpose>#<digest>, expiring), spent in the same transaction as
what it allows. An account holds one live link per purpose: a new one replaces the last."""
from __future__ import annotations

import hashlib
import re
import secrets

from botocore.exceptions import ClientError

from chalicelib import clock
from chalicelib.auth import store
from chalicelib.errors import InputError

TOKEN_BYTES = 32
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")
SPENT = "This link has expired or was already used. Ask for a new one."


def _pk(purpose: str, token: str) -> str:
    return f"TOKEN#{purpose}#{hashlib.sha256(token.encode('ascii')).hexdigest()}"


def _attribute(purpose: str) -> str:
    return f"{purpose}_link"


def issue(purpose: str, user: dict, ttl_seconds: int) -> str:
    """A new link token for the account (its USER item), replacing its last one of `purpose`."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    pk = _pk(purpose, token)
    store.transact(
        {"Put": {"Item": {"pk": pk, "user_id": user["id"], "purpose": purpose,
                          "expires_at": int(clock.now()) + ttl_seconds}}},
        {"Update": {"Key": {"pk": user["pk"]}, "UpdateExpression": "SET #a = :pk",
                    "ConditionExpression": "attribute_exists(pk)",
                    "ExpressionAttributeNames": {"#a": _attribute(purpose)},
                    "ExpressionAttributeValues": {":pk": pk}}})
    old = user.get(_attribute(purpose))
    if old:
        store.delete_many([old])
    return token


def invalid() -> InputError:
    return InputError(SPENT, field="token")


def holder(purpose: str, token: str) -> str:
    """The user id a live link belongs to; 400 (field `token`) when it is spent, expired or unknown."""
    item = store.get(_pk(purpose, token), consistent=True) if isinstance(token, str) and _TOKEN.match(token) else None
    if item is None or item.get("purpose") != purpose:
        raise invalid()
    return item["user_id"]


def spend(purpose: str, token: str, *actions: dict) -> None:
    """Spend the link in one transaction with `actions` (what it allows); 400 when someone spent
    it first or it expired meanwhile."""
    try:
        store.transact(
            {"Delete": {"Key": {"pk": _pk(purpose, token)},
                        "ConditionExpression": "attribute_exists(pk) AND expires_at > :now",
                        "ExpressionAttributeValues": {":now": int(clock.now())}}},
            *actions)
    except ClientError as exc:
        if store.cancelled_by_condition(exc, 0):
            raise invalid() from None
        raise


def forget(purpose: str, user: dict) -> None:
    """Drop the account's live link of `purpose` (its password changed another way)."""
    old = user.get(_attribute(purpose))
    if old:
        store.delete_many([old])
