"""One-time links (password reset, email verification): a random token in the mail, only its
SHA-256 digest stored (TOKEN#<purpose>#<digest>, expiring), spent in the same transaction as
what it allows. An account holds one live link per purpose, the one its USER item names
(`<purpose>_link`): a new one replaces the last, and only the named one can be spent."""
from __future__ import annotations

import hashlib
import re
import secrets

from chalicelib import clock
from chalicelib.auth import table
from chalicelib.errors import ConditionFailed, InputError

TOKEN_BYTES = 32
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")
SPENT = "This link has expired or was already used. Ask for a new one."


def key(purpose: str, token: str) -> str:
    return f"TOKEN#{purpose}#{hashlib.sha256(token.encode('ascii')).hexdigest()}"


def _attribute(purpose: str) -> str:
    return f"{purpose}_link"


def issue(purpose: str, user: dict, ttl_seconds: int) -> str | None:
    """A new link token for the account (its USER item as read), replacing its last one of
    `purpose`; None when another was issued since `user` was read (that one is being mailed)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    pk = key(purpose, token)
    old = user.get(_attribute(purpose))
    try:
        table.transact(
            {"Put": {"Item": {"pk": pk, "user_id": user["id"], "purpose": purpose,
                              "expires_at": int(clock.now()) + ttl_seconds}}},
            {"Update": {"Key": {"pk": user["pk"]}, "UpdateExpression": "SET #a = :pk",
                        "ConditionExpression": "attribute_exists(pk) AND " +
                                               ("#a = :old" if old else "attribute_not_exists(#a)"),
                        "ExpressionAttributeNames": {"#a": _attribute(purpose)},
                        "ExpressionAttributeValues": {":pk": pk, **({":old": old} if old else {})}}})
    except ConditionFailed as exc:
        if 1 in exc.failed:
            return None
        raise
    if old:
        table.delete_many([old])
    return token


def invalid() -> InputError:
    return InputError(SPENT, field="token")


def holder(purpose: str, token: str) -> str:
    """The user id a live link belongs to; 400 (field `token`) when it is spent, expired or unknown."""
    item = table.get(key(purpose, token), consistent=True) if isinstance(token, str) and _TOKEN.match(token) else None
    if item is None or item.get("purpose") != purpose:
        raise invalid()
    return item["user_id"]


def spend(purpose: str, token: str, user_pk: str, update: str, values: dict) -> None:
    """Spend the link and apply `update` (a SET clause) to its account, in one transaction; 400
    when it was spent, expired or replaced meanwhile, or its account is gone."""
    link = key(purpose, token)
    try:
        table.transact(
            {"Delete": {"Key": {"pk": link}, "ConditionExpression": "attribute_exists(pk) AND expires_at > :now",
                        "ExpressionAttributeValues": {":now": int(clock.now())}}},
            {"Update": {"Key": {"pk": user_pk}, "UpdateExpression": f"{update} REMOVE #link",
                        "ConditionExpression": "attribute_exists(pk) AND #link = :link",
                        "ExpressionAttributeNames": {"#link": _attribute(purpose)},
                        "ExpressionAttributeValues": {**values, ":link": link}}})
    except ConditionFailed as exc:
        if exc.failed & {0, 1}:
            raise invalid() from None
        raise


def forget(purpose: str, user: dict) -> None:
    """Drop the account's live link of `purpose` (its password changed another way)."""
    old = user.get(_attribute(purpose))
    if old:
        table.delete_many([old])
