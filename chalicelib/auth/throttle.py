"""Rate limits kept as counters in the auth table (they expire through its TTL).

Three shapes:
- `hit`: a fixed-window counter (registrations per client IP, uploads per account).
- failed sign-ins per client IP (`check_ip_login`, `ip_login_failed`), fixed windows.
- failed logins per account, Cognito's model: after `login_max_failures` failures each
  further one locks the account for twice as long as the last (from
  `login_lockout_base_seconds` up to `login_lockout_max_seconds`); attempts during a
  lockout are refused without checking the password; a quiet
  `login_failure_reset_seconds` forgets everything. Keyed by the normalised email, so
  an address without an account behaves exactly like one with an account.
"""
from __future__ import annotations

import math
from decimal import Decimal

from botocore.exceptions import ClientError

from chalicelib import clock, settings
from chalicelib.api import TooManyRequests
from chalicelib.auth import store

MAX_DOUBLINGS = 30  # 2**30 s is far beyond any cap; keeps the arithmetic small


def _window(window_seconds: int) -> tuple[float, int, int]:
    now = clock.now()
    window = int(now // window_seconds)
    return now, window, (window + 1) * window_seconds


def _count(scope: str, key: str, window_seconds: int) -> tuple[int, float, int]:
    """Add one to (scope, key)'s counter for this window: (count, now, window end)."""
    now, window, reset_at = _window(window_seconds)
    # One item per window: a stale counter is never reused, the TTL reaps it.
    count = store.table().update_item(
        Key={"pk": f"THROTTLE#{scope}#{key}#{window}"},
        UpdateExpression="ADD hits :one SET expires_at = :exp",
        ExpressionAttributeValues={":one": 1, ":exp": reset_at},
        ReturnValues="UPDATED_NEW")["Attributes"]["hits"]
    return int(count), now, reset_at


def hit(scope: str, key: str, limit: int, window_seconds: int, message: str) -> None:
    """Count one event for (scope, key) in the current window; 429 once over `limit`."""
    count, now, reset_at = _count(scope, key, window_seconds)
    if count > limit:
        raise TooManyRequests(message, retry_after=math.ceil(reset_at - now))


def check_ip_login(ip: str) -> None:
    """429 while this address has used up its failed sign-ins for the window (nothing counted)."""
    s = settings.get()
    now, window, reset_at = _window(s.login_ip_window_seconds)
    state = store.get(f"THROTTLE#login-ip#{ip}#{window}", consistent=True)
    if state and int(state.get("hits", 0)) >= s.login_ip_max_failures:
        raise TooManyRequests("Too many failed sign-in attempts from your network. Try again later.",
                              retry_after=math.ceil(reset_at - now))


def ip_login_failed(ip: str) -> None:
    _count("login-ip", ip, settings.get().login_ip_window_seconds)


def _login_pk(email: str) -> str:
    return f"THROTTLE#login#{email}"


def check_login(email: str) -> dict | None:
    """429 while the account is locked out; else its failure record (None when clean)."""
    state = store.get(_login_pk(email), consistent=True)
    now = clock.now()
    if state and float(state.get("locked_until", 0)) > now:
        wait = math.ceil(float(state["locked_until"]) - now)
        raise TooManyRequests(
            f"Too many failed sign-in attempts. Try again in {wait} seconds.", retry_after=wait)
    return state


def login_failed(email: str) -> None:
    s = settings.get()
    now = clock.now()
    forget_at = int(now) + s.login_failure_reset_seconds
    table = store.table()
    try:
        # Only count on top of a live record: an expired one the TTL has not reaped yet
        # must start again from zero.
        failures = int(table.update_item(
            Key={"pk": _login_pk(email)},
            UpdateExpression="ADD failures :one SET expires_at = :exp",
            ConditionExpression="attribute_not_exists(pk) OR expires_at > :now",
            ExpressionAttributeValues={":one": 1, ":exp": forget_at, ":now": int(now)},
            ReturnValues="UPDATED_NEW")["Attributes"]["failures"])
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        table.put_item(Item={"pk": _login_pk(email), "failures": 1, "expires_at": forget_at})
        failures = 1
    if failures >= s.login_max_failures:
        doublings = min(failures - s.login_max_failures, MAX_DOUBLINGS)
        lock = min(s.login_lockout_base_seconds * 2 ** doublings, s.login_lockout_max_seconds)
        until = math.floor((now + lock) * 1000) / 1000  # milliseconds, never past the lock
        table.update_item(
            Key={"pk": _login_pk(email)},
            UpdateExpression="SET locked_until = :until, expires_at = :exp",
            ExpressionAttributeValues={":until": Decimal(f"{until:.3f}"),
                                       ":exp": math.ceil(until) + s.login_failure_reset_seconds})


def login_succeeded(email: str) -> None:
    store.table().delete_item(Key={"pk": _login_pk(email)})
