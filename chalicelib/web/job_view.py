"""The HTTP view of jobs (CONTRACTS section 3): what GET /jobs and GET /jobs/{id} answer.

The record comes from jobs.table (settled: a job nothing can move any more shows as failed),
the result and every presigned URL from jobs.objects. Only keys under the caller's own job
prefixes are read or presigned (jobs.keys.owned), whatever a record says.
"""
from __future__ import annotations

import re

from chalicelib import clock, kinds, resources, settings
from chalicelib.errors import InputError, ObjectMissing, Transient
from chalicelib.jobs import book, book_demand, growing, lifecycle, listening, objects, speaker_names, table
from chalicelib.jobs.keys import output_key, owned, upload_key
from chalicelib.kinds.page import PAGE_IMAGE

INLINE_MAX_PARTS = 64  # a growing result of more part files is read by the client (result_parts)
MAX_PAGE_IMAGES = 64  # a book's page images presigned in one answer (?pages=FROM-TO)
_HIDDEN = ("user_id", "lease_until")  # on a record for `lifecycle.settle`; never shown
_LISTENING = ("position", "seconds")  # shown as listening.public says


def list_jobs(user_id: str, *, limit: int = 20, cursor: str | None = None) -> tuple[list[dict], str | None]:
    """One page of the caller's jobs, newest first, and the cursor of the next page (or None)."""
    records, next_cursor = table.list_page(user_id, limit=limit, cursor=cursor)
    records = [lifecycle.settle(record) for record in records]
    page = [{"summary": None, **{k: v for k, v in job.items() if k not in _HIDDEN + _LISTENING},
             **listening.public(job)} for job in records]
    # A record without a kind is a page's (the default kind).
    return [{**job, "kind": job.get("kind") or kinds.DEFAULT} for job in page], next_cursor


def page_range(value: str | None) -> tuple[int, int] | None:
    """`?pages=FROM-TO` of GET /jobs/{id} (pages FROM to TO-1, from 0): the book's pages whose
    images the site shows now, the first MAX_PAGE_IMAGES of them (none when TO <= FROM). None when
    not asked; a value that is not such a range is a 400."""
    if value is None:
        return None
    m = re.fullmatch(r"(\d{1,7})-(\d{1,7})", value)
    if not m:
        raise InputError("'pages' must be FROM-TO, page numbers from 0 of at most 7 digits (such as 40-57).")
    first = int(m[1])
    return first, max(first, min(int(m[2]), first + MAX_PAGE_IMAGES))


def describe(user_id: str, job_id: str, *, pages: tuple[int, int] | None = None) -> dict | None:
    """What `GET /jobs/{id}` answers: the record's public fields, the result when done (and
    already while `processing` once the text is read and speech is being made), presigned GETs
    (at most 15 minutes) for the image and the outputs. None when the caller has no such job.
    `pages` (FROM, TO): a book's page images for those pages too (its outputs do not list them:
    a thousand links in every answer)."""
    job = table.get(user_id, job_id)
    if job is None:
        return None
    job = lifecycle.settle(job)
    result, result_url, parts = _result(user_id, job_id, job)
    images = {}
    if pages is not None and book.is_book(job) and (result or parts):
        images = _page_images(user_id, job_id, result or parts["index"]["result"], pages)
        if parts is not None:
            parts["urls"] |= images
    names = speaker_names.names_of(job)
    if names:  # the owner's names for the people heard (CONTRACTS section 17), wherever the result's speakers are
        head = result if result is not None else (parts or {}).get("index", {}).get("result")
        if isinstance(head, dict) and isinstance(head.get("speakers"), list):
            head["speakers"] = speaker_names.named(head["speakers"], names)
    audio = job.get("audio_key")
    listening_now = listening.public(job)
    place = (listening_now.get("position") or {}).get("place")
    if place is not None and book.is_book(job):  # a place in a book: its time once it is recorded
        head = result if result is not None else (parts or {}).get("index", {}).get("result") or {}
        t = book_demand.place_time(objects.JobFiles(settings.get().aws.bucket, user_id, job_id), head, place)
        if t is not None:
            listening_now["position"]["t"] = t
    return {
        "job_id": job["job_id"], "kind": job.get("kind") or kinds.DEFAULT, "status": job["status"],
        "filename": job["filename"], "language": job.get("language") or "auto", "skip": job.get("skip"),
        "voice": job.get("voice"),
        "content_type": job.get("content_type"), "size": job.get("size"),
        # Read by link (CONTRACTS section 18): the address given, and where it led after redirects.
        **({"link": job["link"], **({"link_final": job["link_final"]} if job.get("link_final") else {})}
           if job.get("link") else {}),
        "created_at": job["created_at"], "updated_at": job.get("updated_at"),
        "error": job.get("error"), "timings_ms": job.get("timings_ms"), "summary": job.get("summary"),
        "result": result,  # null when larger than inline_result_bytes: then read result_url
        "result_url": result_url,
        # While a result too large to travel inline grows: its index (the result without its
        # grown values) and a presigned GET of each part file, to assemble (jobs.growing).
        "result_parts": parts,
        "audio_url": objects.presign_get(audio, "audio/wav") if owned(user_id, job_id, audio) else None,
        "outputs": _outputs(user_id, job_id, job) | images,
        # The upload as processed (kept beside the results), else the upload itself.
        "image_url": objects.presign_get(job["source_key"] if owned(user_id, job_id, job.get("source_key"))
                                         else upload_key(user_id, job_id), job.get("content_type")),
        **({"speaker_names": names} if names else {}),
        **listening_now,  # where the listener is, and the recording's length
        # POST /jobs/{id}/recording: the recording is being made again (the status says how far).
        **({"recording_again": True} if job.get("rerecording") and job["status"] in table.UNFINISHED else {}),
        # ...and why it could not be: the job is back as it was, its old recording kept.
        **({"recording_again_error": job["again_error"]} if job.get("again_error") and job["status"] == table.DONE
           else {}),
    }


def _outputs(user_id: str, job_id: str, job: dict) -> dict[str, str]:
    """Every output file of the kind (its recording included), by name, presigned. The files
    kept only a day (a recording's parts, which speech.wav repeats) are left out from a day
    after the job began: the lifecycle rule may have removed them, and a link to nothing helps
    no one. None of them can be gone sooner, as none is older than the job."""
    kept_until = clock.parse_iso(job["created_at"]) + resources.BUCKET["transient_days"] * 86400
    gone = set(job.get("transient_outputs") or ()) if clock.now() >= kept_until else set()
    return {name: objects.presign_get(key, objects.output_type(name))
            for name, key in (job.get("outputs") or {}).items() if name not in gone and owned(user_id, job_id, key)}


def _result(user_id: str, job_id: str, job: dict) -> tuple[dict | None, str | None, dict | None]:
    """(the result inline, its presigned URL when too large to travel inline, the parts of a
    result still growing) of a job, each None when it has no such thing."""
    key = job.get("result_key")
    if job["status"] not in (table.PROCESSING, table.DONE) or not owned(user_id, job_id, key):
        return None, None, None
    if growing.is_index(key):  # still growing (or a book): an index and its parts
        result, parts = _growing(user_id, job_id, key, job)
        return result, None, parts
    s = settings.get()
    result, size = objects.read_json(s.aws.bucket, key, s.limits.inline_result_bytes)
    url = objects.presign_get(key, objects.output_type(key)) if size is not None else None
    return result, url, None


def _growing(user_id: str, job_id: str, key: str, job: dict) -> tuple[dict | None, dict | None]:
    """(the result assembled, or None when too large to travel inline; else its index and part
    URLs) of a result that is still growing, or of a book (its index, built from its shards
    while they run: jobs.book)."""
    s = settings.get()
    # A book being read: from its shards; read, with its recording made where it is asked for: its
    # index as stored at its last section's end, when it is current.
    if book.is_book(job) and job["status"] == table.PROCESSING:
        try:
            index = book.live_index(objects.JobFiles(s.aws.bucket, user_id, job_id), job)
        except Transient:
            return None, None  # planned this moment: the next read has it
    elif book_demand.recording_open(job):
        index = book.current_index(objects.JobFiles(s.aws.bucket, user_id, job_id), job)
    else:
        index, _ = objects.read_json(s.aws.bucket, key)
    if index is None:
        return None, None
    _speech_urls(user_id, job_id, index["result"])
    names = growing.part_names(index)
    if index.get("bytes", 0) <= s.limits.inline_result_bytes and len(names) <= INLINE_MAX_PARTS:
        try:
            return objects.JobFiles(s.aws.bucket, user_id, job_id).assemble(index), None
        except ObjectMissing:
            return None, None  # the job ended meanwhile and its parts are gone: the next read has it
    return None, {"index": index, "urls": {n: objects.presign_get(output_key(user_id, job_id, n), "application/json")
                                           for n in names}}


def _page_images(user_id: str, job_id: str, head: dict, pages: tuple[int, int]) -> dict[str, str]:
    """Presigned GETs of a book's page images for pages FROM..TO-1 that have been read."""
    read = int((head.get("document") or {}).get("read") or 0)
    if head.get("flow"):
        return {}
    return {name: objects.presign_get(output_key(user_id, job_id, name), "image/jpeg")
            for name in (PAGE_IMAGE.format(n + 1) for n in range(pages[0], min(pages[1], read)))}


def _speech_urls(user_id: str, job_id: str, head: dict) -> None:
    """A book's recording parts (CONTRACTS section 15), each with presigned GETs of its audio
    (`url`) and its word timings (`timings_url`)."""
    for part in (head.get("speech") or {}).get("parts") or []:
        if part.get("file"):
            part["url"] = objects.presign_get(output_key(user_id, job_id, part["file"]), "audio/mpeg")
        if part.get("timings"):
            part["timings_url"] = objects.presign_get(output_key(user_id, job_id, part["timings"]), "application/json")
