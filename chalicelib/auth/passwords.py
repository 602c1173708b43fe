"""Password rules and argon2id hashing.

Parameters come from settings (defaults: OWASP's minimum, m=19 MiB, t=2, p=1); a
stored hash made with other parameters is upgraded at the next successful login.
"""
from __future__ import annotations

import functools
import gzip
import re
import unicodedata
from pathlib import Path

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from chalicelib import settings
from chalicelib.errors import InputError

MIN_LENGTH = 8
MAX_LENGTH = 128  # bounds the hashing work one request can ask for
COMMON_PASSWORDS = Path(__file__).with_name("common-passwords.txt.gz")  # see COMMON-PASSWORDS-NOTICE.txt

# OWASP Password Storage Cheat Sheet, argon2id minimum.
OWASP_MIN = {"memory_kib": 19 * 1024, "time_cost": 2, "parallelism": 1}


def hasher() -> PasswordHasher:
    s = settings.get().auth
    return _hasher(s.argon2_time_cost, s.argon2_memory_kib, s.argon2_parallelism)


@functools.lru_cache(maxsize=4)
def _hasher(time_cost: int, memory_kib: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib,
                          parallelism=parallelism, type=Type.ID)


def _normal(password: str) -> str:
    # The same password typed on two keyboards can arrive in two Unicode forms (NIST 800-63B).
    return unicodedata.normalize("NFKC", password)


def hash_password(password: str) -> str:
    return hasher().hash(_normal(password))


def verify(stored_hash: str | None, password: str) -> tuple[bool, str | None]:
    """(matches, new hash or None). With no stored hash (unknown account) a dummy hash
    is verified instead, so both answers cost the same argon2 time."""
    ph = hasher()
    dummy = dummy_hash()  # built on first use in either branch, so a cold start leaks nothing
    target = stored_hash or dummy
    try:
        ph.verify(target, _normal(password))
    except (VerificationError, InvalidHashError):
        return False, None
    if stored_hash is None:
        return False, None
    return True, (ph.hash(_normal(password)) if ph.check_needs_rehash(stored_hash) else None)


def dummy_hash() -> str:
    s = settings.get().auth
    return _dummy_hash(s.argon2_time_cost, s.argon2_memory_kib, s.argon2_parallelism)


@functools.lru_cache(maxsize=4)
def _dummy_hash(time_cost: int, memory_kib: int, parallelism: int) -> str:
    return _hasher(time_cost, memory_kib, parallelism).hash("pagevoice-no-such-account")


def validate(password: str, confirmation: str, email: str = "", name: str = "", *, field: str = "password") -> None:
    """Raise InputError (400) naming the first rule the new password breaks.

    `email` and `name` are the account's (NIST SP 800-63B 5.1.1.2: refuse context-specific
    words). Checked before the common-password list, so each refusal gives its real reason.
    """
    normal = _normal(password)
    length = len(normal)
    if length < MIN_LENGTH:
        raise InputError(f"The password must be at least {MIN_LENGTH} characters long.", field=field)
    if length > MAX_LENGTH:
        raise InputError(f"The password must be at most {MAX_LENGTH} characters long.", field=field)
    if password != confirmation:
        raise InputError("The password confirmation does not match.", field=f"{field}_confirmation")
    if not any(_visible(c) for c in normal):
        raise InputError("The password must not be only spaces or invisible characters: include letters, digits "
                         "or symbols.",
                         field=field)
    folded = _fold(password)
    if _leans_on(folded, _email_parts(email)):
        raise InputError("The password must not contain your email address; choose one that has "
                         "nothing to do with it.", field=field)
    if _leans_on(folded, _name_parts(name)):
        raise InputError("The password must not contain your name; choose one that has nothing "
                         "to do with it.", field=field)
    if folded.strip() in _common():
        raise InputError("This password is too common; choose one that is harder to guess.", field=field)


# A personal part shorter than this ("al", "jo") is too likely to turn up by chance.
MIN_PERSONAL_PART = 3


def _fold(text: str) -> str:
    return _normal(text).lower()


def _visible(char: str) -> bool:
    # Letters, marks, digits, punctuation, symbols; not spaces, controls, zero-width characters.
    return not char.isspace() and unicodedata.category(char)[0] not in "CZ"


def _email_parts(email: str) -> tuple[list[str], list[str]]:
    """(parts never allowed inside a password, parts allowed only beside enough else)."""
    email = _fold(email).strip()
    if not email:
        return [], []
    local = email.rpartition("@")[0] if "@" in email else ""
    # "ann.lee+school": as typed, without its separators, and each piece on its own.
    pieces = [p for p in re.split(r"[._+-]+", local) if p]
    return [email], [local, "".join(pieces), *pieces]


def _name_parts(name: str) -> tuple[list[str], list[str]]:
    words = _fold(name).split()
    if not words:
        return [], []
    # "Ann Lee": "ann lee" and "annlee" as a whole, "ann" and "lee" on their own.
    return [], [" ".join(words), "".join(words), *words]


def _leans_on(folded: str, parts: tuple[list[str], list[str]]) -> bool:
    """True when the password contains a `never` part, or a `mostly` part (long enough to
    mean something) and what is left without it would not pass on its own (too short or
    common): "annlee2024" leans on the name Ann Lee, "my friend annie's garden" does not."""
    never, mostly = parts
    if any(part and part in folded for part in never):
        return True
    for part in mostly:
        if len(part) < MIN_PERSONAL_PART or part not in folded:
            continue
        rest = " ".join(folded.replace(part, " ").split())
        if len(rest) < MIN_LENGTH or rest in _common():
            return True
    return False


@functools.lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as f:
        return frozenset(line.strip() for line in f if line.strip())
