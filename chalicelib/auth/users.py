"""Accounts: registration with a unique email, login, profile.

Items: USER#<id> {id, name, email, password_hash, created_at, api_keys, sessions, email_verified,
retention_days, voices, feed_secret (chalicelib.feeds.secret)} and
EMAIL#<email> {user_id}, written together in one transaction whose condition on the
EMAIL item makes the address unique. <email> is `emails.normalize`d, so look-alike forms
of one address (full-width, compatibility characters) are one account.

Sign-ups per client IP: only accounts actually created count against
`register_limit_per_ip` (a school behind one address must not be locked out by its
typos). Every attempt counts against a much higher cap, REGISTER_ATTEMPTS_PER_SIGNUP
times that (at least REGISTER_ATTEMPTS_MIN): an attempt with a valid form costs an
argon2 hash, and a 409 tells whether an address has an account, so attempts must not
be free either.
"""
from __future__ import annotations

import re
import uuid

from chalicelib import clock, settings, voices
from chalicelib.auth import emails, passwords, table, throttle, tokens, usage
from chalicelib.errors import ConditionFailed, Conflict, InputError, Unauthorized
from chalicelib.feeds import paths as feed_paths
from chalicelib.validation import clean_text

NAME_MAX = 100
EMAIL_MAX = 254  # RFC 5321 path limit
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
# One message for every wrong credential: an unknown email and a wrong password look alike.
BAD_LOGIN = "The email or password is incorrect."
REGISTER_ATTEMPTS_PER_SIGNUP = 10
REGISTER_ATTEMPTS_MIN = 100
SIGNUP_LIMIT_MESSAGE = f"Too many sign-ups from this network. Try again in {throttle.WAIT}."
ATTEMPT_LIMIT_MESSAGE = f"Too many sign-up attempts from this network. Try again in {throttle.WAIT}."


def normalize_email(email: str) -> str:
    return emails.normalize(email)


def _email(raw: str) -> str:
    """`raw` in its normal form; 400 when it holds a character nobody can see (named as typed)."""
    email = normalize_email(raw)
    char = emails.invisible(raw.strip()) or emails.invisible(email)
    if char is not None:
        raise InputError(f"The email address contains an invisible or control character, or an unusual "
                         f"space ({emails.describe(char)}). Type the address again rather than pasting it.",
                         field="email")
    return email


def _plausible_email(email: str) -> bool:
    return len(email) <= EMAIL_MAX and bool(_EMAIL.match(email))


def public(user: dict, api: str | None = None) -> dict:
    """What the account's holder sees of it (GET /me). `api`: the API's address, which its
    podcast feed's address starts with (`feed_url`, null when off: CONTRACTS section 18); a feed
    that is on is left out where the API's address is not known."""
    days = user.get("retention_days")
    secret = user.get("feed_secret")
    return {"id": user["id"], "name": user["name"], "email": user["email"],
            "email_verified": bool(user.get("email_verified")), "created_at": user.get("created_at"),
            "retention_days": int(days) if days is not None else None,
            "voices": dict(user.get("voices") or {}),  # a voice per language chosen (CONTRACTS section 16)
            **({"feed_url": feed_paths.feed_url(api, secret) if secret else None} if api or not secret else {})}


def me(user: dict, api: str | None = None) -> dict:
    """GET /me: the account's public fields and its `usage` against its quotas (auth.usage)."""
    return {**public(user, api), "usage": usage.view(user["id"])}


def valid_email(raw: str) -> str:
    """`raw` in its normal form; 400 when it cannot be an address."""
    email = _email(raw)
    if not _plausible_email(email):
        raise InputError("Enter a valid email address.", field="email")
    return email


def get(user_id: str) -> dict | None:
    return table.get(f"USER#{user_id}")


def current(user_id: str) -> dict:
    """The signed-in caller's account; 401 when it is gone (deleted from another session)."""
    user = table.get(f"USER#{user_id}", consistent=True)
    if user is None:
        raise Unauthorized("This account no longer exists.")
    return user


def register(name: str, email: str, password: str, confirmation: str, *, ip: str) -> dict:
    """Create an account; returns its public fields. 400 bad input, 409 email taken, 429."""
    s = settings.get().auth
    window = s.register_window_seconds
    # Refused before any work while this address has used up its sign-ups; counted below
    # only once the account exists.
    throttle.check("register", ip, s.register_limit_per_ip, window, SIGNUP_LIMIT_MESSAGE)
    attempts = max(REGISTER_ATTEMPTS_MIN, REGISTER_ATTEMPTS_PER_SIGNUP * s.register_limit_per_ip)
    throttle.hit("register-attempt", ip, attempts, window, ATTEMPT_LIMIT_MESSAGE)
    name = clean_text(name, "name", "name", NAME_MAX)
    email = valid_email(email)
    passwords.validate(password, confirmation, email, name)
    user_id = uuid.uuid4().hex
    user = {"pk": f"USER#{user_id}", "id": user_id, "name": name, "email": email,
            "password_hash": passwords.hash_password(password), "created_at": clock.iso(clock.now())}
    try:
        table.transact(
            {"Put": {"Item": user, "ConditionExpression": "attribute_not_exists(pk)"}},
            {"Put": {"Item": {"pk": f"EMAIL#{email}", "user_id": user["id"]},
                     "ConditionExpression": "attribute_not_exists(pk)"}})
    except ConditionFailed as exc:
        if 1 in exc.failed:
            raise Conflict("An account with this email already exists.", field="email") from None
        raise
    throttle.add("register", ip, window)
    return public(user)


def find(email: str) -> dict | None:
    # Two reads whether or not the address exists, so the two cases cost the same.
    claim = table.get(f"EMAIL#{email}")
    user = get(claim["user_id"] if claim else "-")
    return user if claim else None


def login(email: str, password: str, api: str | None = None) -> dict:
    """{"token", "expires_at", "user"} for the right credentials; else 401 (same for every cause)."""
    email = _email(email)  # no account has an invisible character: say so rather than "incorrect"
    plausible = _plausible_email(email)
    failures = throttle.check_login(email) if plausible else None
    user = find(email) if plausible else None
    # Always one argon2 verify: an unknown account costs what a wrong password costs.
    ok, new_hash = passwords.verify(user["password_hash"] if user else None, password)
    if not ok:
        if plausible:
            throttle.login_failed(email)
        raise Unauthorized(BAD_LOGIN)
    if failures:
        throttle.login_succeeded(email)
    current_hash = user["password_hash"]
    if new_hash and _rehash(user, new_hash):  # parameters changed since this hash was made: upgrade it now
        current_hash = new_hash
    tokens.prune(user)
    token, claims = tokens.issue(user["id"], current_hash)
    return {"token": token, "expires_at": clock.iso(claims["exp"]), "user": public(user, api)}


def _rehash(user: dict, new_hash: str) -> bool:
    """Store the upgraded hash, unless the password changed (or the account went) meanwhile."""
    try:
        table.update(user["pk"], "SET password_hash = :h", condition="password_hash = :old",
                     values={":h": new_hash, ":old": user["password_hash"]})
    except ConditionFailed:
        return False
    return True


def check_password(user: dict, password: str, field: str = "password") -> None:
    """400 (on `field`) unless `password` is the account's own. Wrong guesses count against the
    account like failed logins (a stolen session must not be a way to guess its password)."""
    email = user["email"]
    failures = throttle.check_login(email)
    ok, _ = passwords.verify(user["password_hash"], password)
    if not ok:
        throttle.login_failed(email)
        raise InputError("The current password is incorrect." if field == "current_password"
                         else "The password is incorrect.", field=field)
    if failures:
        throttle.login_succeeded(email)


def set_password(user: dict, password: str, confirmation: str, field: str = "new_password") -> str:
    """The hash of a new password for the account, once it passes the rules (400 on `field`)."""
    passwords.validate(password, confirmation, user["email"], user["name"], field=field)
    return passwords.hash_password(password)


# The auth table's sparse `sweep` index (chalicelib.resources) lists the accounts the sweep looks
# after: those that chose "delete my files after N days" (USER items with `sweep = "retain"`)
# and deleted ones whose files are still being erased (ERASE#<id> items).
SWEEP_INDEX, RETAIN, ERASE = "sweep", "retain", "erase"


def set_retention(user_id: str, days) -> dict:
    """Keep the account's files `days` days (None: until deleted); the account as GET /me shows it."""
    current(user_id)
    top = settings.get().account.max_retention_days
    if days is None:
        update, values = "REMOVE retention_days, #s", {}
    elif isinstance(days, int) and not isinstance(days, bool) and 1 <= days <= top:
        update, values = "SET retention_days = :d, #s = :retain", {":d": days, ":retain": RETAIN}
    else:
        raise InputError(f"Choose a number of days from 1 to {top}, or null to keep files until you delete them.",
                         field="retention_days")
    item = table.update(f"USER#{user_id}", update, condition="attribute_exists(pk)", names={"#s": "sweep"},
                        values=values, returns="ALL_NEW")
    return public(item)


VOICE_ATTRIBUTES = ("pk", "voices")  # all the worker may read of a USER item (infra/template.py)


def voices_of(user_id: str) -> dict[str, str]:
    """The account's voice per language as it is now: the worker reads these attributes of the
    USER item alone (its role is refused the rest: the password hash, the e-mail)."""
    item = table.get_attributes(f"USER#{user_id}", VOICE_ATTRIBUTES)
    return dict((item or {}).get("voices") or {})


def set_voices(user_id: str, chosen: dict) -> dict:
    """The account's voice per language (chalicelib.voices.check_defaults' {code: id or None}:
    None goes back to the language's default); the account as GET /me shows it."""
    chosen = voices.check_defaults(chosen)
    kept = {**(current(user_id).get("voices") or {}), **chosen}
    kept = {code: voice for code, voice in kept.items() if voice is not None}
    update, values = ("SET voices = :v", {":v": kept}) if kept else ("REMOVE voices", {})
    item = table.update(f"USER#{user_id}", update, condition="attribute_exists(pk)", values=values, returns="ALL_NEW")
    return public(item)


def _swept(value: str):
    return table.listed(SWEEP_INDEX, value)


def retaining():
    """(user_id, days) of every account that chose to keep its files only so many days."""
    for item in _swept(RETAIN):
        yield item["pk"].removeprefix("USER#"), int(item["retention_days"])


def erasure(user_id: str) -> dict:
    """The transaction action that marks a deleted account's files as still to erase."""
    return {"Put": {"Item": {"pk": f"ERASE#{user_id}", "sweep": ERASE, "deleted_at": clock.iso(clock.now())}}}


def erasing():
    """The ids of deleted accounts whose files are still to erase."""
    for item in _swept(ERASE):
        yield item["pk"].removeprefix("ERASE#")


def erased(user_id: str) -> None:
    """The account's files are gone: forget it was ever here."""
    table.delete(f"ERASE#{user_id}")
