"""Password rules and argon2id hashing.

Parameters come from settings (defaults: OWASP's minimum, m=19 MiB, t=2, p=1); a
stored hash made with other parameters is upgraded at the next successful login.
"""
from __future__ import annotations

import functools
import gzip
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
    s = settings.get()
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
    s = settings.get()
    return _dummy_hash(s.argon2_time_cost, s.argon2_memory_kib, s.argon2_parallelism)


@functools.lru_cache(maxsize=4)
def _dummy_hash(time_cost: int, memory_kib: int, parallelism: int) -> str:
    return _hasher(time_cost, memory_kib, parallelism).hash("pagevoice-no-such-account")


def validate(password: str, confirmation: str, email: str = "") -> None:
    """Raise InputError (400) naming the first rule the new password breaks."""
    length = len(_normal(password))
    if length < MIN_LENGTH:
        raise InputError(f"The password must be at least {MIN_LENGTH} characters long.", field="password")
    if length > MAX_LENGTH:
        raise InputError(f"The password must be at most {MAX_LENGTH} characters long.", field="password")
    if password != confirmation:
        raise InputError("The password confirmation does not match.", field="password_confirmation")
    folded = _normal(password).strip().lower()
    if folded in _common() or (email and folded == email.lower()):
        raise InputError("This password is too common; choose one that is harder to guess.", field="password")


@functools.lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as f:
        return frozenset(line.strip() for line in f if line.strip())
