"""Fixtures for the hardening tests that drive the real local stack."""
from __future__ import annotations

import pytest

from tests.stackclient import register


@pytest.fixture(scope="session")
def hardening_account(stack) -> str:
    """One account (its email) for every hardening test on the stack: the session's stack is
    shared, and sign-ups are limited per client IP (`chalice local` reports every caller as
    127.0.0.1), so these tests spend one of the stack tests' ten sign-ups an hour, not more."""
    return register(stack, name="Hardening")
