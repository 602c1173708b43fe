"""Rate limits kept as counters in the auth table (they expire through its TTL).

Three shapes:
- fixed-window counters: `hit` counts and refuses in one step (uploads per account,
  sign-up attempts per client IP); `check` refuses without counting and `add` counts
  afterwards, for limits that count only what succeeded (sign-ups per client IP).
- failed sign-ins per client IP (`check_ip_login`, `ip_login_failed`), fixed windows.
- failed logins per account, Cognito's model: after `login_max_failures` failures each
  further one locks the account for twice as long as the last (from
  `login_lockout_base_seconds` up to `login_lockout_max_seconds`); attempts during a
  lockout are refused without checking the password; a quiet
  `login_failure_reset_seconds` forgets everything. Keyed by the normalised email, so
  an address without an account behaves exactly like one with an account.
"""
from __future__ import annotations

import hashlib
import math
from decimal import Decimal

from chalicelib import clock, settings
from chalicelib.auth import emails, table
from chalicelib.errors import ConditionFailed, TooManyRequests

MAX_DOUBLINGS = 30  # 2**30 s is far beyond any cap; keeps the arithmetic small
WAIT = "{wait}"  # in a refusal's message: replaced by the wait in words ("19 minutes")


def human_wait(seconds: float) -> str:
    """A wait in words, rounded up so nobody comes back too early: "45 seconds",
    "19 minutes", "1 hour", "2 hours 5 minutes"."""
    seconds = max(1, math.ceil(seconds))
    if seconds < 60:
        return _plural(seconds, "second")
    minutes = math.ceil(seconds / 60)
    if minutes < 60:
        return _plural(minutes, "minute")
    hours, minutes = divmod(minutes, 60)
    return _plural(hours, "hour") + (f" {_plural(minutes, 'minute')}" if minutes else "")


def _plural(n: int, unit: str) -> str:
    return f"{n} {unit}" + ("" if n == 1 else "s")


def too_many(message: str, seconds: float) -> TooManyRequests:
    """A 429 whose message says the wait once, in words, where `message` has {wait}
    (the site appends its own "Try again in N seconds." only to a message without digits)."""
    wait = max(1, math.ceil(seconds))
    return TooManyRequests(message.replace(WAIT, human_wait(wait)), retry_after=wait)


def private(value: str) -> str:
    """How a counter names what it counts: a digest, so no counter holds an address, an email
    or an account id in clear (an erased account leaves nothing readable behind)."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:32]


def _pk(scope: str, key: str, window: int) -> str:
    return f"THROTTLE#{scope}#{private(key)}#{window}"


def _window(window_seconds: int) -> tuple[float, int, int]:
    now = clock.now()
    window = int(now // window_seconds)
    return now, window, (window + 1) * window_seconds


def _count(scope: str, key: str, window_seconds: int) -> tuple[int, float, int]:
    """Add one to (scope, key)'s counter for this window: (count, now, window end)."""
    now, window, reset_at = _window(window_seconds)
    # One item per window: a stale counter is never reused, the TTL reaps it.
    count = table.update(_pk(scope, key, window), "ADD hits :one SET expires_at = :exp",
                         values={":one": 1, ":exp": reset_at}, returns="UPDATED_NEW")["hits"]
    return int(count), now, reset_at


def hit(scope: str, key: str, limit: int, window_seconds: int, message: str) -> None:
    """Count one event for (scope, key) in the current window; 429 once over `limit`.
    `{wait}` in `message` becomes the wait in words."""
    count, now, reset_at = _count(scope, key, window_seconds)
    if count > limit:
        raise too_many(message, reset_at - now)


def check(scope: str, key: str, limit: int, window_seconds: int, message: str) -> None:
    """429 when (scope, key) has already counted `limit` events this window (nothing counted)."""
    now, window, reset_at = _window(window_seconds)
    state = table.get(_pk(scope, key, window), consistent=True)
    if state and int(state.get("hits", 0)) >= limit:
        raise too_many(message, reset_at - now)


def add(scope: str, key: str, window_seconds: int) -> None:
    """Count one event for (scope, key) in the current window (after it succeeded)."""
    _count(scope, key, window_seconds)


def check_ip_login(ip: str) -> None:
    """429 while this address has used up its failed sign-ins for the window (nothing counted)."""
    s = settings.get().auth
    check("login-ip", ip, s.login_ip_max_failures, s.login_ip_window_seconds,
          f"Too many failed sign-in attempts from your network. Try again in {WAIT}.")


def ip_login_failed(ip: str) -> None:
    _count("login-ip", ip, settings.get().auth.login_ip_window_seconds)


def _login_pk(email: str) -> str:
    # Normalised here too (idempotent), so no caller can key a look-alike of an address apart.
    return f"THROTTLE#login#{private(emails.normalize(email))}"


def check_login(email: str) -> dict | None:
    """429 while the account is locked out; else its failure record (None when clean)."""
    state = table.get(_login_pk(email), consistent=True)
    now = clock.now()
    if state and float(state.get("locked_until", 0)) > now:
        raise too_many(f"Too many failed sign-in attempts. Try again in {WAIT}.",
                       float(state["locked_until"]) - now)
    return state


def login_failed(email: str) -> None:
    s = settings.get().auth
    now = clock.now()
    forget_at = int(now) + s.login_failure_reset_seconds
    try:
        # Only count on top of a live record: an expired one the TTL has not reaped yet
        # must start again from zero.
        failures = int(table.update(
            _login_pk(email), "ADD failures :one SET expires_at = :exp",
            condition="attribute_not_exists(pk) OR expires_at > :now",
            values={":one": 1, ":exp": forget_at, ":now": int(now)}, returns="UPDATED_NEW")["failures"])
    except ConditionFailed:
        table.put({"pk": _login_pk(email), "failures": 1, "expires_at": forget_at})
        failures = 1
    if failures >= s.login_max_failures:
        doublings = min(failures - s.login_max_failures, MAX_DOUBLINGS)
        lock = min(s.login_lockout_base_seconds * 2 ** doublings, s.login_lockout_max_seconds)
        until = math.floor((now + lock) * 1000) / 1000  # milliseconds, never past the lock
        table.update(_login_pk(email), "SET locked_until = :until, expires_at = :exp",
                     values={":until": Decimal(f"{until:.3f}"), ":exp": math.ceil(until) + s.login_failure_reset_seconds})


def forget(scope: str, key: str, window_seconds: int) -> None:
    """Drop (scope, key)'s counters of this window and the last (an erased account's)."""
    _, window, _ = _window(window_seconds)
    table.delete_many([_pk(scope, key, w) for w in (window - 1, window)])


def login_succeeded(email: str) -> None:
    table.delete(_login_pk(email))
