"""Email addresses as account identities: one normal form, and no invisible look-alikes.

The same address can reach us in several Unicode forms: full-width letters from an East
Asian keyboard ("ａｎｎ@example.org"), compatibility characters, a zero-width space pasted
from a document. Every place that takes an email (registration, login, the per-account
login throttle) goes through `normalize`, so look-alikes of one address are one account:
NFKC, then lower case, then NFKC again (lower-casing can leave a non-NFKC string). Plain
ASCII is only lower-cased, so existing accounts keep their keys (EMAIL#<email>). `invisible` finds the characters NFKC keeps but nobody can see
(format and control characters, odd spaces, fillers); registration refuses them.
"""
from __future__ import annotations

import unicodedata

# Categories no address may contain: control, format (zero-width space/joiners, bidi
# controls, soft hyphen, BOM), surrogates, private use, unassigned, and separators other
# than the plain space (which the address syntax check refuses as a visible mistake).
_REFUSED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"}
# Unicode's Default_Ignorable_Code_Point characters outside those categories: rendered as
# nothing (combining grapheme joiner, Hangul fillers, Khmer inherent vowels, Mongolian and
# other variation selectors).
_IGNORABLE_RANGES = (
    (0x034F, 0x034F), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180F), (0x3164, 0x3164),
    (0xFE00, 0xFE0F), (0xFFA0, 0xFFA0), (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
)


def normalize(email: str) -> str:
    """The one form an address is stored, looked up and throttled under (idempotent)."""
    folded = unicodedata.normalize("NFKC", email).strip().lower()
    return unicodedata.normalize("NFKC", folded)


def _invisible(char: str) -> bool:
    if char == " ":
        return False
    if unicodedata.category(char) in _REFUSED_CATEGORIES:
        return True
    code = ord(char)
    return any(low <= code <= high for low, high in _IGNORABLE_RANGES)


def invisible(email: str) -> str | None:
    """The first invisible or control character in `email` (normalised), else None."""
    return next((c for c in email if _invisible(c)), None)


def describe(char: str) -> str:
    """'U+200B ZERO WIDTH SPACE': how to name a character nobody can see."""
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" {name}" if name else "")
