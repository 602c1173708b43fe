"""A job's ids and object keys (CONTRACTS section 2): names only, no I/O, so the jobs table (jobs.table)
and jobs.objects (S3) agree on them without depending on each other.

Job ids sort by creation time (ULID), so a user's newest jobs come first in a reverse query of
their partition.
"""
from __future__ import annotations

import os
import re
import threading

from chalicelib import clock, kinds, resources
from chalicelib.kinds.base import RESULT

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
JOB_ID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
_last_ulid = [0, 0]  # (ms, random) of the last id made here: ids stay increasing within a process
_ulid_lock = threading.Lock()


def new_job_id() -> str:
    """A ULID: 48-bit milliseconds then 80 random bits, 26 Crockford base32 characters."""
    with _ulid_lock:
        ms = int(clock.now() * 1000)
        rand = int.from_bytes(os.urandom(10), "big")
        if ms <= _last_ulid[0]:  # same millisecond (or clock step back): keep sorting after the last
            ms, rand = _last_ulid[0], _last_ulid[1] + 1
        _last_ulid[:] = [ms, rand]
    value = (ms << 80) | (rand & ((1 << 80) - 1))
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


def id_at(seconds: float) -> str:
    """The smallest job id of that moment: every job made before it sorts below."""
    value = int(seconds * 1000) << 80
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


def is_job_id(job_id: str) -> bool:
    return isinstance(job_id, str) and bool(JOB_ID.match(job_id))


def upload_key(user_id: str, job_id: str) -> str:
    return f"{resources.UPLOAD_PREFIX}{user_id}/{job_id}/source"


def parse_upload_key(key: str) -> tuple[str, str] | None:
    """(user_id, job_id) for an upload key `uploads/{user}/{job}/source`, else None."""
    parts = key.split("/")
    if (len(parts) == 4 and f"{parts[0]}/" == resources.UPLOAD_PREFIX and parts[1]
            and is_job_id(parts[2]) and parts[3] == "source"):
        return parts[1], parts[2]
    return None


def job_prefix(user_id: str, job_id: str) -> str:
    return f"{resources.RESULT_PREFIX}{user_id}/{job_id}/"


def output_key(user_id: str, job_id: str, name: str) -> str:
    """Where a job's output file `name` (result.json, speech.wav, ...) is stored."""
    if not name or "/" in name:
        raise ValueError(f"{name!r} is not an output file name")
    return f"{job_prefix(user_id, job_id)}{name}"


def result_key(user_id: str, job_id: str) -> str:
    return output_key(user_id, job_id, RESULT)


def audio_key(user_id: str, job_id: str) -> str:
    """Where the recording of a job of the default kind is stored."""
    return output_key(user_id, job_id, kinds.get(kinds.DEFAULT).audio)


def prefixes(user_id: str, job_id: str) -> list[str]:
    """Everything of the job lives under these: its upload and its outputs."""
    return [f"{resources.UPLOAD_PREFIX}{user_id}/{job_id}/", job_prefix(user_id, job_id)]


def owned(user_id: str, job_id: str, key: str | None) -> bool:
    """True when `key` is one of this job's objects: nothing outside the caller's prefix is
    ever presigned or recorded."""
    return bool(key) and any(key.startswith(p) for p in prefixes(user_id, job_id))
