"""Where an account's pronunciations are kept (CONTRACTS section 14, GET/PUT /me/lexicon): one
LEXICON#<user id> item of the auth table, beside the account's other items.

Its own item, not an attribute of the USER item: the worker reads it when it makes a recording,
and its role may read LEXICON# items only (a `dynamodb:LeadingKeys` condition, infra/template.py),
never a USER item with its password hash; and every sign-in reads the USER item, which stays
small. Here in auth, not account, because the worker (jobs) reads it and jobs never import
account (tests/test_layers.py). Deleting the account deletes the item at once
(account.erase); the account's export holds it (account.export). What an entry may be, and what
it does to speech, is chalicelib.kinds.pronunciation's.
"""
from __future__ import annotations

import json

from chalicelib import clock
from chalicelib.auth import table
from chalicelib.errors import InputError
from chalicelib.kinds import pronunciation

# DynamoDB keeps items up to 400 KB. Within LIMITS a list of ordinary text is far below this
# (500 entries of 300 ASCII characters: ~180 KB); only very long entries in scripts of three or
# four bytes a character could pass it.
MAX_STORED_BYTES = 350_000
# A PUT's body: a full list as JSON, each character possibly escaped (twelve bytes for a
# character past U+FFFF: two \u escapes): 500 x 300 x 12 bytes, and the keys, fit.
MAX_BODY_BYTES = 2 << 20


def key(user_id: str) -> str:
    return f"LEXICON#{user_id}"


def get(user_id: str) -> list[dict]:
    """The account's entries, in the order they were given ([] when it has none)."""
    item = table.get(key(user_id), consistent=True)
    return json.loads(item["entries"]) if item else []


def public(entries: list[dict]) -> dict:
    """What GET and PUT /me/lexicon answer."""
    return {"entries": entries, "limits": dict(pronunciation.LIMITS)}


def replace(user_id: str, value) -> list[dict]:
    """Replace the account's entries with `value` (a PUT's "entries"), checked (a 400 names the
    entry at fault); the entries as kept. An empty list removes the item."""
    entries = pronunciation.entries(value)
    if not entries:
        table.delete(key(user_id))
        return []
    body = json.dumps(entries, ensure_ascii=False, separators=(",", ":"))
    if len(body.encode()) > MAX_STORED_BYTES:
        raise InputError(f"These pronunciations take more than {MAX_STORED_BYTES // 1000} KB; remove or shorten some.",
                         field="entries")
    table.put({"pk": key(user_id), "user_id": user_id, "entries": body, "updated_at": clock.iso(clock.now())})
    return entries
