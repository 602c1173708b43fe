"""Checks of short human-entered text, shared by accounts, keys and uploads (not HTTP-specific)."""
from __future__ import annotations

import unicodedata

from chalicelib.errors import InputError


def clean_text(value: str, field: str, label: str, max_len: int) -> str:
    """A short human-entered text (name, file name): trimmed, 1..max_len characters,
    no control characters (they break logs, headers and the page)."""
    value = value.strip()
    if not 1 <= len(value) <= max_len:
        raise InputError(f"The {label} must be 1 to {max_len} characters long.", field=field)
    if any(unicodedata.category(c) == "Cc" for c in value):
        raise InputError(f"The {label} must not contain control characters.", field=field)
    return value
