"""Turning the feed on and off, a new secret, and the account a secret opens.

Items of the auth table: the USER item's `feed_secret` (so GET /me can give the address back),
and FEED#<SHA-256 of the secret> {user_id} (so a podcast app's request is one GetItem, and the
key a request looks up says nothing of the address). Both change in one transaction, so an old
secret stops opening the feed the moment the answer says it was replaced, and an account's
deletion (chalicelib.account.erase) removes the FEED item with the USER item.
"""
from __future__ import annotations

import hashlib
import secrets

from chalicelib.auth import table, users
from chalicelib.errors import ConditionFailed, InputError, Transient
from chalicelib.feeds.paths import SECRET_BYTES, is_secret

ROTATE = "rotate"
CHOICES = "'feed' must be true (on), false (off) or \"rotate\" (a new address; the old one stops working)."
ATTEMPTS = 3  # two sessions switching the feed at once: read the account again


def key(secret: str) -> str:
    """The FEED item of a secret."""
    return "FEED#" + hashlib.sha256(secret.encode()).hexdigest()


def owner(secret: str) -> str | None:
    """The account whose feed `secret` opens, or None (a malformed, old or unknown secret)."""
    if not is_secret(secret):
        return None
    item = table.get(key(secret), consistent=True)
    return item.get("user_id") if item else None


def switch(user_id: str, choice) -> None:
    """PATCH /me's `feed`: True turns the feed on (kept as it is when it is on), False off,
    "rotate" gives it a new secret (turning it on when it was off). 400 for anything else."""
    if choice is not True and choice is not False and choice != ROTATE:
        raise InputError(CHOICES, field="feed")
    for _ in range(ATTEMPTS):
        old = users.current(user_id).get("feed_secret")
        if (choice is True and old) or (choice is False and not old):
            return
        try:
            _write(user_id, old, None if choice is False else secrets.token_urlsafe(SECRET_BYTES))
            return
        except ConditionFailed:
            continue  # changed (or the account deleted) since it was read: read it again
    raise Transient("The account is busy; try again in a moment.")


def _write(user_id: str, old: str | None, new: str | None) -> None:
    """The USER item's secret from `old` to `new` (None: off) and the FEED items with it."""
    pk = f"USER#{user_id}"
    if old:
        condition, values = "attribute_exists(pk) AND feed_secret = :old", {":old": old}
    else:
        condition, values = "attribute_exists(pk) AND attribute_not_exists(feed_secret)", {}
    if new:
        update, values = "SET feed_secret = :new", {**values, ":new": new}
    else:
        update = "REMOVE feed_secret"
    actions = [{"Update": {"Key": {"pk": pk}, "UpdateExpression": update, "ConditionExpression": condition,
                           "ExpressionAttributeValues": values}}]
    if old:
        actions.append({"Delete": {"Key": {"pk": key(old)}}})
    if new:
        actions.append({"Put": {"Item": {"pk": key(new), "user_id": user_id},
                                "ConditionExpression": "attribute_not_exists(pk)"}})
    table.transact(*actions)
