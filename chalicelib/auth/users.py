"""Accounts: registration with a unique email, login, profile.

Items: USER#<id> {id, name, email, password_hash, created_at, api_keys} and
EMAIL#<email> {user_id}, written together in one transaction whose condition on the
EMAIL item makes the address unique.
"""
from __future__ import annotations

import re
import uuid

from botocore.exceptions import ClientError

from chalicelib import api, clock, settings
from chalicelib.api import Conflict, Unauthorized
from chalicelib.auth import passwords, store, throttle, tokens
from chalicelib.errors import InputError

NAME_MAX = 100
EMAIL_MAX = 254  # RFC 5321 path limit
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
# One message for every wrong credential: an unknown email and a wrong password look alike.
BAD_LOGIN = "The email or password is incorrect."


def normalize_email(email: str) -> str:
    return email.strip().lower()


def _plausible_email(email: str) -> bool:
    return len(email) <= EMAIL_MAX and bool(_EMAIL.match(email))


def public(user: dict) -> dict:
    return {"id": user["id"], "name": user["name"], "email": user["email"]}


def get(user_id: str) -> dict | None:
    return store.get(f"USER#{user_id}")


def register(name: str, email: str, password: str, confirmation: str, *, ip: str) -> dict:
    """Create an account; returns its public fields. 400 bad input, 409 email taken, 429."""
    s = settings.get()
    throttle.hit("register", ip, s.register_limit_per_ip, s.register_window_seconds,
                 "Too many sign-ups from this network. Try again later.")
    name = api.clean_text(name, "name", "name", NAME_MAX)
    email = normalize_email(email)
    if not _plausible_email(email):
        raise InputError("Enter a valid email address.", field="email")
    passwords.validate(password, confirmation, email)
    user_id = uuid.uuid4().hex
    user = {"pk": f"USER#{user_id}", "id": user_id, "name": name, "email": email,
            "password_hash": passwords.hash_password(password), "created_at": clock.iso(clock.now())}
    try:
        store.transact(
            {"Put": {"Item": user, "ConditionExpression": "attribute_not_exists(pk)"}},
            {"Put": {"Item": {"pk": f"EMAIL#{email}", "user_id": user["id"]},
                     "ConditionExpression": "attribute_not_exists(pk)"}})
    except ClientError as exc:
        if store.cancelled_by_condition(exc, 1):
            raise Conflict("An account with this email already exists.", field="email") from None
        raise
    return public(user)


def _by_email(email: str) -> dict | None:
    # Two reads whether or not the address exists, so the two cases cost the same.
    claim = store.get(f"EMAIL#{email}")
    user = get(claim["user_id"] if claim else "-")
    return user if claim else None


def login(email: str, password: str) -> dict:
    """{"token", "expires_at", "user"} for the right credentials; else 401 (same for every cause)."""
    email = normalize_email(email)
    plausible = _plausible_email(email)
    failures = throttle.check_login(email) if plausible else None
    user = _by_email(email) if plausible else None
    # Always one argon2 verify: an unknown account costs what a wrong password costs.
    ok, new_hash = passwords.verify(user["password_hash"] if user else None, password)
    if not ok:
        if plausible:
            throttle.login_failed(email)
        raise Unauthorized(BAD_LOGIN)
    if failures:
        throttle.login_succeeded(email)
    if new_hash:  # parameters changed since this hash was made: upgrade it now
        store.table().update_item(Key={"pk": user["pk"]}, UpdateExpression="SET password_hash = :h",
                                  ExpressionAttributeValues={":h": new_hash})
    token, claims = tokens.issue(user["id"])
    return {"token": token, "expires_at": clock.iso(claims["exp"]), "user": public(user)}
