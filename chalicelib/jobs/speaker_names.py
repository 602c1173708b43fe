"""Names for the people heard in a recording (CONTRACTS section 17): `PATCH /jobs/{id}/speakers
{"S2": "Ada"}` keeps them on the job's record (the result stays as the worker wrote it), and
every answer and export made after shows them. Only the owner's partition is read or written.
"""
from __future__ import annotations

import re
import unicodedata

from chalicelib import settings
from chalicelib.errors import InputError
from chalicelib.jobs import growing, objects, table
from chalicelib.jobs.keys import owned

MAX_NAME = 80
_LABEL = re.compile(r"S[1-9][0-9]{0,3}")


def rename(user_id: str, job_id: str, body: dict) -> dict | None:
    """Name (or, with null, unname) some of a finished recording's speakers; the speakers with
    their names and the names. None when the caller has no such job; a 400 saying what is wrong
    for a label the recording does not have, a name that is not 1-80 characters of text, or a
    job that has no speakers (yet)."""
    job = table.get(user_id, job_id)
    if job is None:
        return None
    if (job.get("kind") or "page") != "speech" or job.get("status") != table.DONE:
        raise InputError("Speakers can be named once a recording is transcribed.")
    heard = speakers_of(user_id, job_id, job)
    if not heard:
        raise InputError("Only one voice was heard in this recording: there are no speakers to name.")
    if not body:
        raise InputError('Say which speaker to name, e.g. {"S2": "Ada"}.')
    ids = [s["id"] for s in heard]
    names = dict(names_of(job))
    for label, name in body.items():
        if label not in ids:
            raise InputError(f"This recording has no speaker {str(label)[:20]!r}: its speakers are {', '.join(ids)}.",
                             field=str(label)[:20])
        if name is None:
            names.pop(label, None)
            continue
        names[label] = checked_name(label, name)
    if not table.set_speaker_names(user_id, job_id, names):
        return None
    return {"speakers": named(heard, names), "speaker_names": names}


def checked_name(label: str, name) -> str:
    """A speaker's name: text of 1-80 characters once its spaces are tidied, with no control characters."""
    if not isinstance(name, str):
        raise InputError(f"The name of {label} must be text (or null to remove it).", field=label)
    tidy = " ".join(unicodedata.normalize("NFC", name).split())
    if not tidy or len(tidy) > MAX_NAME:
        raise InputError(f"The name of {label} must be 1 to {MAX_NAME} characters long.", field=label)
    if any(unicodedata.category(c).startswith("C") for c in tidy):
        raise InputError(f"The name of {label} cannot hold control characters.", field=label)
    return tidy


def names_of(job: dict) -> dict[str, str]:
    """The names on a job's record, by label."""
    names = job.get("speaker_names")
    return {k: v for k, v in names.items() if _LABEL.fullmatch(str(k)) and isinstance(v, str)} \
        if isinstance(names, dict) else {}


def named(speakers: list[dict], names: dict[str, str]) -> list[dict]:
    """`speakers` of a result with the record's names."""
    return [{**s, "name": names.get(s.get("id"), s.get("name"))} for s in speakers]


def speakers_of(user_id: str, job_id: str, job: dict) -> list[dict]:
    """The `speakers` of a done job's result (a long recording's: its index's)."""
    key = job.get("result_key")
    if not owned(user_id, job_id, key):
        return []
    s = settings.get()
    doc, _ = objects.read_json(s.aws.bucket, key, s.limits.inline_result_bytes)
    if doc is not None and growing.is_index(key):
        doc = doc.get("result")
    found = (doc or {}).get("speakers")
    return [x for x in found if isinstance(x, dict) and _LABEL.fullmatch(str(x.get("id")))] if isinstance(found, list) else []
