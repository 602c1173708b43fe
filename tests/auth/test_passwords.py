"""Password rules and argon2id hashing."""
from __future__ import annotations

import pytest
from argon2 import PasswordHasher, extract_parameters

from chalicelib import settings
from chalicelib.auth import passwords
from chalicelib.errors import InputError

pytest_plugins = ["tests.apifixtures"]


def test_production_defaults_meet_owasp(monkeypatch):
    for name in ("MEMORY_KIB", "TIME_COST", "PARALLELISM"):
        monkeypatch.delenv(f"PAGEVOICE_ARGON2_{name}", raising=False)
    s = settings.get().auth
    assert s.argon2_memory_kib >= passwords.OWASP_MIN["memory_kib"] == 19 * 1024
    assert s.argon2_time_cost >= passwords.OWASP_MIN["time_cost"] == 2
    assert s.argon2_parallelism >= passwords.OWASP_MIN["parallelism"] == 1
    params = extract_parameters(passwords.hash_password("a long enough password"))
    assert params.type.name == "ID"
    assert (params.memory_cost, params.time_cost, params.parallelism) == (19 * 1024, 2, 1)


@pytest.mark.parametrize("password,confirmation,field,part", [
    ("short1!", "short1!", "password", "at least 8"),
    ("x" * 129, "x" * 129, "password", "at most 128"),
    ("a fine passphrase", "a fine passphrasE", "password_confirmation", "does not match"),
    ("password123", "password123", "password", "too common"),
    ("PASSWORD123", "PASSWORD123", "password", "too common"),  # the list is case-insensitive
    ("qwertyuiop", "qwertyuiop", "password", "too common"),
    # The email itself: refused for that reason, not as "too common" (issue item 6).
    ("ann@example.org", "ann@example.org", "password", "your email"),
    (" " * 12, " " * 12, "password", "only spaces"),
])
def test_rules(password, confirmation, field, part):
    with pytest.raises(InputError) as info:
        passwords.validate(password, confirmation, "ann@example.org")
    assert info.value.details["field"] == field
    assert part in info.value.message


def test_good_passwords_pass():
    passwords.validate("correct horse battery staple", "correct horse battery staple", "ann@example.org")
    passwords.validate("x" * 128, "x" * 128)
    passwords.validate("8 chars!", "8 chars!")


def test_common_list_is_shipped_and_loaded():
    common = passwords._common()
    assert len(common) > 8000 and "iloveyou" in common and "password" in common


def test_hash_and_verify(fast_hashing):
    stored = passwords.hash_password("correct horse battery staple")
    assert stored.startswith("$argon2id$")
    assert passwords.verify(stored, "correct horse battery staple") == (True, None)
    assert passwords.verify(stored, "correct horse battery stapl") == (False, None)
    assert passwords.verify("not a hash", "anything") == (False, None)


def test_unicode_forms_are_one_password(fast_hashing):
    composed, decomposed = "caf\u00e9 au lait!", "cafe\u0301 au lait!"
    stored = passwords.hash_password(composed)
    assert passwords.verify(stored, decomposed)[0]


def test_unknown_account_verifies_a_dummy_hash(fast_hashing, monkeypatch):
    verified = []
    real = PasswordHasher.verify
    monkeypatch.setattr(PasswordHasher, "verify", lambda self, h, p: verified.append(h) or real(self, h, p))
    assert passwords.verify(None, "whatever password") == (False, None)
    assert verified == [passwords.dummy_hash()], "the unknown-account path must spend an argon2 verify"


def test_rehash_when_parameters_change(fast_hashing, monkeypatch):
    stored = passwords.hash_password("correct horse battery staple")
    monkeypatch.setenv("PAGEVOICE_ARGON2_TIME_COST", "2")
    ok, new_hash = passwords.verify(stored, "correct horse battery staple")
    assert ok and new_hash and extract_parameters(new_hash).time_cost == 2
    assert passwords.verify(new_hash, "correct horse battery staple") == (True, None)


# --- Context-specific words and empty-looking passwords (issue item 6) ---

@pytest.mark.parametrize("password,reason", [
    (" " * 12, "only spaces"),
    ("\t \u3000" * 4, "only spaces"),  # tabs and ideographic spaces
    ("\u200b" * 12, "only spaces"),  # zero-width spaces look like nothing at all
    ("Ann.Lee@Example.org", "your email"),
    ("ann.lee@example.org2024!", "your email"),
    ("ＡＮＮ.ＬＥＥ@ＥＸＡＭＰＬＥ.ＯＲＧ", "your email"),  # full-width: the same text
    ("ann.lee2024", "your email"),  # the local part with a little added
    ("annlee12345678", "your email"),  # without its dot, and what is left is common
    ("Annabelle Lee-Smith", "your name"),  # the name itself
    ("annabelle lee-smith 1", "your name"),
    ("AnnabelleLee-Smith", "your name"),
    ("annabelle2024", "your name"),  # one of its words and a year
    ("lee-smith!!!", "your name"),
])
def test_personal_and_blank_passwords_are_refused_with_their_reason(password, reason):
    with pytest.raises(InputError) as info:
        passwords.validate(password, password, "ann.lee@example.org", "Annabelle Lee-Smith")
    assert info.value.details["field"] == "password"
    assert reason in info.value.message
    assert "too common" not in info.value.message


@pytest.mark.parametrize("password", [
    "correct horse battery staple",
    "annabelle's garden in the rain",  # the name is there, but what is left is strong on its own
    "a lee shore in winter",  # "lee" beside plenty else
    "  spaces around but words inside  ",
])
def test_passwords_merely_touching_personal_words_pass(password):
    passwords.validate(password, password, "ann.lee@example.org", "Annabelle Lee-Smith")


def test_short_personal_parts_are_not_searched():
    # "al" or "jo" turn up by chance in too many good passwords to refuse them.
    passwords.validate("always jolly", "always jolly", "jo@example.org", "Al")


def test_personal_checks_come_before_the_common_list():
    # "password" is on the common list, and also the account's name: the name is the reason.
    with pytest.raises(InputError) as info:
        passwords.validate("password", "password", "someone@example.org", "Password")
    assert "your name" in info.value.message
