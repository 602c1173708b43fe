"""Who is calling: the one check every authenticated route makes.

Checked inside the route (not by an API Gateway authorizer, whose cached allow could
outlive a logout): a session token is looked up on every request. Managing API keys
(`allow_api_key=False`) needs a signed-in session: a leaked key must not be able to mint
its successor and so outlive its own revocation.
"""
from __future__ import annotations

from dataclasses import dataclass

from chalicelib.auth import apikeys, tokens
from chalicelib.errors import Forbidden, Unauthorized

SESSION_REQUIRED = ("API keys cannot be used to manage API keys. Sign in with your email and "
                    "password and send 'Authorization: Bearer <token>' instead.")


@dataclass(frozen=True)
class Principal:
    user_id: str
    method: str  # "session" or "api_key"
    credential_id: str  # the session's jti or the key's id
    expires_at: int = 0  # a session's end (its token's exp)


def authenticate(request, *, allow_api_key: bool = True) -> Principal:
    """The caller from `Authorization: Bearer <token>` or `X-Api-Key: <key>`; else 401.
    With `allow_api_key=False` only a session will do: a valid API key gets 403 (a bad one
    still gets 401, as everywhere)."""
    authorization = request.headers.get("authorization")
    if authorization:
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("Send the token as 'Authorization: Bearer <token>'.")
        claims = tokens.verify(token.strip())
        return Principal(claims["sub"], "session", claims["jti"], int(claims["exp"]))
    key = request.headers.get("x-api-key")
    if key:
        user_id, key_id = apikeys.verify(key)
        if not allow_api_key:
            raise Forbidden(SESSION_REQUIRED)
        return Principal(user_id, "api_key", key_id)
    if not allow_api_key:
        raise Unauthorized("Sign in first: send 'Authorization: Bearer <token>' (API keys cannot "
                           "manage API keys).")
    raise Unauthorized("Sign in first: send 'Authorization: Bearer <token>' or 'X-Api-Key: <key>'.")


def check_config() -> None:
    """Raise ConfigError (503) when tokens cannot be signed; cheap once it has passed."""
    tokens.secret()


def session(request) -> Principal:
    """The caller, who must be signed in with a session (managing the account: its password,
    its sessions, its keys); a valid API key gets 403."""
    return authenticate(request, allow_api_key=False)
