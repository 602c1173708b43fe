"""Who is calling: the one check every authenticated route makes.

Checked inside the route (not by an API Gateway authorizer, whose cached allow could
outlive a logout): a session token is looked up on every request.
"""
from __future__ import annotations

from dataclasses import dataclass

from chalicelib.api import Unauthorized
from chalicelib.auth import apikeys, tokens


@dataclass(frozen=True)
class Principal:
    user_id: str
    method: str  # "session" or "api_key"
    credential_id: str  # the session's jti or the key's id


def authenticate(request) -> Principal:
    """The caller from `Authorization: Bearer <token>` or `X-Api-Key: <key>`; else 401."""
    authorization = request.headers.get("authorization")
    if authorization:
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("Send the token as 'Authorization: Bearer <token>'.")
        claims = tokens.verify(token.strip())
        return Principal(claims["sub"], "session", claims["jti"])
    key = request.headers.get("x-api-key")
    if key:
        user_id, key_id = apikeys.verify(key)
        return Principal(user_id, "api_key", key_id)
    raise Unauthorized("Sign in first: send 'Authorization: Bearer <token>' or 'X-Api-Key: <key>'.")


def check_config() -> None:
    """Raise ConfigError (503) when tokens cannot be signed; cheap once it has passed."""
    tokens.secret()
