"""Where a listener is in a job's recording (CONTRACTS section 14): PUT /jobs/{id}/position saves
it, GET /jobs/{id} and each item of GET /jobs show it, so a reader resumes at the same word on any
device. Kept on the job's record (jobs.table.save_position): it goes with the job, and only the
owner's partition is ever read or written.
"""
from __future__ import annotations

import math

from chalicelib.errors import InputError
from chalicelib.jobs import book_demand, table

# A player saves its place as it plays; the recording it measured may end a little after what the
# record says (rounding, a part's trailing pause).
SLACK_SECONDS = 1.0
# The bound when the record does not know the recording's length (none yet, or made before lengths
# were kept): no recording is this long (settings cap them at 2 h), and DynamoDB holds no number
# past 1e125, so a larger one would fail the write.
LONGEST_SECONDS = 24 * 3600.0


def checked(body: dict, seconds: float | None) -> float:
    """The place `body` names (`t`, seconds into the recording), or a 400 saying what is wrong:
    a finite number, not negative, not past the recording's end (`seconds`, when known) plus
    SLACK_SECONDS, nor past LONGEST_SECONDS."""
    t = body.get("t")
    if t is None:
        raise InputError("'t' is required: the place in the recording, in seconds (e.g. {\"t\": 312.4}).", field="t")
    if isinstance(t, bool) or not isinstance(t, (int, float)):
        raise InputError("'t' must be a number of seconds (e.g. 312.4).", field="t")
    try:
        t = float(t)
    except OverflowError:  # a whole number too large for a float
        t = math.inf
    if not math.isfinite(t):
        raise InputError("'t' must be a finite number of seconds.", field="t")
    if t < 0:
        raise InputError("'t' cannot be negative: it counts seconds from the start of the recording.", field="t")
    if seconds is not None and t > seconds + SLACK_SECONDS:
        raise InputError(f"'t' is past the end of the recording, which is {seconds:.1f} seconds long.", field="t")
    if t > LONGEST_SECONDS:
        raise InputError(f"'t' is past the end of any recording: none is longer than {LONGEST_SECONDS / 3600:.0f} hours.",
                         field="t")
    return round(t, 3)


PLACE_KEYS = ("page", "line", "word")
MOST_INDEX = 1_000_000  # no page, line or word index is this large (books: settings.books caps pages)


def place_of(body: dict, pages: int | None) -> dict | None:
    """The place in the text `body` names (CONTRACTS section 15: {"page", "line", "word"}), or None
    when it names a time instead; a 400 saying what is wrong otherwise. `pages`: the document's
    page count when known (a place past it is refused)."""
    if "t" in body or not any(k in body for k in PLACE_KEYS):
        return None
    place = {}
    for key in PLACE_KEYS:
        value = body.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < MOST_INDEX:
            raise InputError(f"'{key}' must be a whole number from 0 (a place in the text is "
                             "{\"page\": 41, \"line\": 3, \"word\": 0}).", field=key)
        place[key] = value
    if pages is not None and place["page"] >= pages:
        raise InputError(f"'page' is past the end of the document, which has {pages} pages (counted from 0).",
                         field="page")
    return place


def save(user_id: str, job_id: str, body: dict) -> bool:
    """Keep the caller's place in the job's recording (`t`) or in its text (a place); False when
    the caller has no such job (another user's job is simply missing). The bound is the
    recording's length as the record knows it (a job still being recorded: what is published so
    far); a job whose record does not know it (made before lengths were kept) takes any place. A
    place in a book being made has what follows it recorded next (jobs.book_demand.listen_at)."""
    job = table.get(user_id, job_id)
    if job is None:
        return False
    place = place_of(body, int(job["book_pages"]) if job.get("book_pages") else None)
    if place is None:
        return table.save_position(user_id, job_id, checked(body, job.get("seconds")))
    if not table.save_position(user_id, job_id, None, place=place):
        return False
    from chalicelib.jobs import objects  # the book's executor, for a book only

    book_demand.listen_at(objects.JobFiles.of(user_id, job_id), job, place)
    return True


def public(job: dict) -> dict:
    """What a job's answer says of its listening: `position` when a place was saved and `seconds`
    (the recording's length) when there is a recording; {} otherwise."""
    out = {}
    position = job.get("position")
    if isinstance(position, dict) and position.get("t") is not None:
        out["position"] = {"t": position["t"], "at": position.get("at")}
    if isinstance(position, dict) and isinstance(position.get("place"), dict):
        out["position"] = {**out.get("position", {}), "place": position["place"], "at": position.get("at")}
    if job.get("seconds") is not None:
        out["seconds"] = job["seconds"]
    return out
