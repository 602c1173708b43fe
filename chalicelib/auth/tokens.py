"""Session tokens: HS256 JWTs whose `jti` names a session item, so logout revokes at once.

The account's USER item lists its sessions (`sessions`: "<exp>:<jti>" strings), written in
the same transaction as each session item, so "sign out everywhere" and a password change
find every session without a scan or an index that could lag.

The signing secret comes from PAGEVOICE_JWT_SECRET locally, or from an SSM
SecureString (PAGEVOICE_JWT_SECRET_PARAM) when deployed, read once per process.
"""
from __future__ import annotations

import contextlib
import functools
import secrets

import jwt

from chalicelib import aws, clock, settings
from chalicelib.auth import table
from chalicelib.errors import ConditionFailed, PageVoiceError, Unauthorized

ALGORITHM = "HS256"
MIN_SECRET_BYTES = 32  # RFC 7518 3.2: an HS256 key at least as long as the hash
LEEWAY_SECONDS = 5  # clock skew between Lambda instances (iat is floored to the second)
REQUIRED_CLAIMS = ["exp", "iat", "jti", "sub", "iss", "aud", "ver"]
# Tokens of this version have their session listed on the account (so ending every session
# finds it); older ones are refused: each holder signs in once more.
VERSION = 2


class ConfigError(PageVoiceError):
    """The service cannot sign or check tokens: it refuses every request until fixed."""
    status = 503
    code = "misconfigured"
    permanent = False


def secret() -> bytes:
    s = settings.get().auth
    if s.jwt_secret_param:
        value = _from_ssm(s.jwt_secret_param)
    elif s.jwt_secret:
        value = s.jwt_secret
    else:
        raise ConfigError("No token signing secret is configured: set PAGEVOICE_JWT_SECRET, "
                          "or PAGEVOICE_JWT_SECRET_PARAM to the name of an SSM SecureString.")
    raw = value.encode("utf-8")
    if len(raw) < MIN_SECRET_BYTES:
        raise ConfigError(f"The token signing secret is too short: it must be at least "
                          f"{MIN_SECRET_BYTES} bytes (e.g. `openssl rand -base64 48`).")
    return raw


@functools.lru_cache(maxsize=4)
def _from_ssm(name: str) -> str:
    # Cached per process: one SSM call per cold start, not per request.
    return aws.ssm().get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]


def _entry(claims: dict) -> str:
    return f"{int(claims['exp'])}:{claims['jti']}"


def issue(user_id: str, password_hash: str) -> tuple[str, dict]:
    """A new session for `user_id`, signed in with the password whose hash is `password_hash`:
    (token, claims). The session item expires with the token. 401 when the account is gone, or
    its password changed, since the password was checked (a login racing a reset or a deletion
    must not outlive it)."""
    s = settings.get().auth
    now = int(clock.now())
    claims = {"sub": user_id, "jti": secrets.token_urlsafe(18), "iat": now,
              "exp": now + s.session_ttl_seconds, "iss": s.jwt_issuer, "aud": s.jwt_audience, "ver": VERSION}
    try:
        table.transact(
            {"Put": {"Item": {"pk": f"SESSION#{claims['jti']}", "user_id": user_id,
                              "created_at": clock.iso(now), "expires_at": claims["exp"]}}},
            {"Update": {"Key": {"pk": f"USER#{user_id}"}, "UpdateExpression": "ADD sessions :s",
                        "ConditionExpression": "attribute_exists(pk) AND password_hash = :h",
                        "ExpressionAttributeValues": {":s": {_entry(claims)}, ":h": password_hash}}})
    except ConditionFailed as exc:
        if 1 in exc.failed:
            raise Unauthorized("Your password or account changed while you signed in. Sign in again.") from None
        raise
    return jwt.encode(claims, secret(), algorithm=ALGORITHM), claims


def prune(user: dict) -> None:
    """Forget the account's sessions that have expired (called at login, so the list stays short)."""
    now = clock.now()
    stale = {e for e in user.get("sessions") or () if int(e.split(":", 1)[0]) <= now}
    if stale:
        _forget_entries(user["pk"], stale)


def _forget_entries(pk: str, entries: set[str]) -> None:
    """Take session entries off the USER item; never recreate an item deleted meanwhile."""
    with contextlib.suppress(ConditionFailed):
        table.update(pk, "DELETE sessions :s", condition="attribute_exists(pk)", values={":s": entries})


def verify(token: str) -> dict:
    """The claims of a valid token whose session is still open; else 401."""
    s = settings.get().auth
    try:
        claims = jwt.decode(token, secret(), algorithms=[ALGORITHM], audience=s.jwt_audience,
                            issuer=s.jwt_issuer, leeway=LEEWAY_SECONDS,
                            options={"require": REQUIRED_CLAIMS})
    except jwt.ExpiredSignatureError:
        raise Unauthorized("Your session has expired. Sign in again.") from None
    except jwt.InvalidTokenError:
        raise Unauthorized("The token is not valid. Sign in again.") from None
    if claims["ver"] != VERSION:
        raise Unauthorized("Your session has ended. Sign in again.")
    # Consistent read: a logout on another instance a moment ago must already count.
    session = table.get(f"SESSION#{claims['jti']}", consistent=True)
    if session is None or session.get("user_id") != claims["sub"]:
        raise Unauthorized("Your session has ended. Sign in again.")
    return claims


def revoke(user_id: str, jti: str, expires_at: int) -> None:
    """End one session (logout)."""
    table.delete(f"SESSION#{jti}")
    _forget_entries(f"USER#{user_id}", {_entry({"exp": expires_at, "jti": jti})})


def end_sessions(user_id: str, *, keep: str | None = None) -> int:
    """End every session of the account but the one whose jti is `keep`; how many ended."""
    user = table.get(f"USER#{user_id}", consistent=True) or {}
    ended = {e for e in user.get("sessions") or () if e.split(":", 1)[1] != keep}
    table.delete_many([f"SESSION#{e.split(':', 1)[1]}" for e in ended])
    if ended and user:
        _forget_entries(user["pk"], ended)
    return len(ended)
