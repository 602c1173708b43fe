"""The feed's addresses: /feeds/{secret}.xml, and beside it /feeds/{secret}/{job_id}.mp3 (the
recording), .json (its chapters), .vtt (its transcript) and .jpg (its first page). Names only,
no I/O: the account view (GET /me) and the feed agree on them through here."""
from __future__ import annotations

import re

FEED_SUFFIX = ".xml"
# What each file of an episode is, by its suffix (the routes' `{file}` is "<job id><suffix>").
RECORDING, CHAPTERS, TRANSCRIPT, IMAGE = ".mp3", ".json", ".vtt", ".jpg"
FILES = (RECORDING, CHAPTERS, TRANSCRIPT, IMAGE)
# secrets.token_urlsafe(SECRET_BYTES): 43 characters of the URL-safe alphabet.
SECRET_BYTES = 32
_SECRET = re.compile(r"^[A-Za-z0-9_-]{43}$")
_FILE = re.compile(r"^([0-9A-Z]{26})(\.[a-z0-9]{2,4})$")


def is_secret(value) -> bool:
    return isinstance(value, str) and bool(_SECRET.match(value))


def feed_url(api: str, secret: str | None) -> str | None:
    """The feed's absolute address (None when the feed is off)."""
    return f"{api.rstrip('/')}/feeds/{secret}{FEED_SUFFIX}" if secret else None


def file_url(api: str, secret: str, job_id: str, suffix: str) -> str:
    return f"{api.rstrip('/')}/feeds/{secret}/{job_id}{suffix}"


def secret_of_feed(name: str) -> str | None:
    """The secret of a feed's last path part ("<secret>.xml"), or None when it is not one."""
    secret = name.removesuffix(FEED_SUFFIX) if isinstance(name, str) and name.endswith(FEED_SUFFIX) else None
    return secret if is_secret(secret) else None


def split_file(name: str) -> tuple[str, str] | None:
    """(job id, suffix) of an episode file's last path part, or None when it names none."""
    m = _FILE.match(name) if isinstance(name, str) else None
    return (m[1], m[2]) if m and m[2] in FILES else None
