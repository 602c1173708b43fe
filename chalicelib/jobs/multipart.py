"""Large uploads (a whole book) as S3 multipart uploads, which a client can resume (CONTRACTS
section 15).

POST /uploads answers a file over `settings.books.multipart_bytes` with `upload.multipart`
(`start`): the API has begun the multipart upload of exactly `uploads/{user}/{job}/source`, its
Content-Type pinned and tagged pending as the presigned POST's are, and gives a presigned PUT
(UploadPart, as short-lived as the POST) for each part. The client sends the parts (any order,
several at once; a part sent again replaces it), asks `GET /uploads/{job_id}/parts` (`parts`)
for what S3 holds and fresh URLs for the rest after a dropped connection or when the URLs
expire, and finishes with `POST /uploads/{job_id}/complete` (`complete`): the API lists the
parts S3 holds, checks that every part is there at its size (so the object is exactly the
declared size, at most the kind's limit), and completes the upload. S3 then announces the
object (ObjectCreated:CompleteMultipartUpload) and the worker takes the job as it takes a POST's.

The upload id is S3's to keep (ListMultipartUploads on the exact key): the job record is not
changed. An upload never completed is dropped by the bucket's lifecycle rule
(resources.BUCKET["incomplete_multipart_days"]), and until then its job stays `uploading`
(`unfinished`, which lifecycle.settle asks).
"""
from __future__ import annotations

from chalicelib import clock, resources, settings
from chalicelib.errors import Conflict, InputError, ObjectMissing
from chalicelib.jobs import keys, objects, table

MIN_PART_BYTES = 5 * 1024 * 1024  # S3's smallest part (every part but the last)
MAX_PARTS = 10_000  # S3's most parts of one upload
LISTED = 20  # part numbers a refusal names before "..."


def is_multipart(size: int) -> bool:
    """Whether an upload of `size` bytes goes as a multipart upload."""
    return size > settings.get().books.multipart_bytes


def plan(size: int) -> tuple[int, int]:
    """(the size of every part but the last, how many parts) of an upload of `size` bytes."""
    part = max(settings.get().books.multipart_part_bytes, MIN_PART_BYTES, -(-size // MAX_PARTS))
    return part, -(-size // part)


def _part_size(number: int, size: int, part: int, count: int) -> int:
    return size - part * (count - 1) if number == count else part


def unfinished(job: dict) -> bool:
    """Whether the job's upload may still arrive as a multipart upload: it is one, and the bucket's
    lifecycle rule has not dropped it yet (a person may resume it the next morning)."""
    if job.get("status") != table.UPLOADING or not is_multipart(int(job.get("size") or 0)):
        return False
    started = clock.parse_iso(job["created_at"])
    return clock.now() < started + resources.BUCKET["incomplete_multipart_days"] * 86400


def start(user_id: str, job_id: str, content_type: str, size: int, expires_in: int) -> dict:
    """POST /uploads' `upload` for a new job's multipart upload: {"multipart": ...} (`_describe`)."""
    key = keys.upload_key(user_id, job_id)
    upload_id = objects.start_multipart(key, content_type)
    return {"multipart": _describe(job_id, key, upload_id, size, held={}, expires_in=expires_in)}


def parts(user_id: str, job_id: str, expires_in: int) -> dict | None:
    """GET /uploads/{job_id}/parts: {"job_id", "multipart"}: the parts S3 holds (`received`) and
    fresh URLs for the others (`parts`). None when the caller has no such job."""
    job, key, upload_id = _open_upload(user_id, job_id)
    if job is None:
        return None
    held = _held(key, upload_id, job)
    return {"job_id": job_id, "multipart": _describe(job_id, key, upload_id, int(job["size"]), held, expires_in)}


def complete(user_id: str, job_id: str) -> dict | None:
    """POST /uploads/{job_id}/complete: assemble the parts S3 holds into the upload, which starts
    the job. 400 with a sentence when a part is missing (or not its size). None: no such job.
    Completing twice answers alike (a client whose answer was lost asks again)."""
    job = table.get(user_id, job_id)
    if job is None:
        return None
    key = keys.upload_key(user_id, job_id)
    size = int(job["size"])
    if not is_multipart(size):
        raise InputError("This upload is not a multipart upload: send the file with the presigned POST "
                         "POST /uploads gave.")
    done = {"job_id": job_id, "size": size}
    files = objects.JobFiles.of(user_id, job_id)
    if job.get("status") != table.UPLOADING or files.upload_time() is not None:
        return {**done, "status": job.get("status")}
    _, _, upload_id = _open_upload(user_id, job_id, job=job)
    held = _held(key, upload_id, job)
    part, count = plan(size)
    missing = [n for n in range(1, count + 1) if n not in held]
    if missing:
        named = ", ".join(str(n) for n in missing[:LISTED]) + (", ..." if len(missing) > LISTED else "")
        raise InputError(f"{len(missing)} of the {count} parts {'has' if len(missing) == 1 else 'have'} not "
                         f"arrived whole (part {named}): send {'it' if len(missing) == 1 else 'them'} (GET "
                         f"/uploads/{job_id}/parts gives the URLs), then complete the upload again.", field="parts")
    try:
        objects.complete_multipart(key, upload_id, [held[n] for n in range(1, count + 1)])
    except ObjectMissing:  # completed meanwhile by another request of the client's
        if files.upload_time() is None:
            raise _gone() from None
    return {**done, "status": table.UPLOADING}


def abandon(user_id: str, job_id: str) -> None:
    """Drop the job's multipart upload in progress, with the parts sent (DELETE /jobs/{id}, the
    site's Cancel): their storage is freed now rather than by the bucket's lifecycle rule."""
    job = table.get(user_id, job_id)
    if job is None or not unfinished(job):
        return
    key = keys.upload_key(user_id, job_id)
    found = objects.multipart_of(key)
    if found is not None:
        objects.abort_multipart(key, found["upload_id"])


def _open_upload(user_id: str, job_id: str, job: dict | None = None) -> tuple[dict | None, str, str]:
    """(the job, its upload key, the id of its multipart upload in progress); (None, ...) when
    the caller has no such job. 400 or 409 with a sentence when there is nothing to resume."""
    job = job or table.get(user_id, job_id)
    key = keys.upload_key(user_id, job_id)
    if job is None:
        return None, key, ""
    if not is_multipart(int(job["size"])):
        raise InputError("This upload is not a multipart upload: send the file with the presigned POST "
                         "POST /uploads gave.")
    if job.get("status") != table.UPLOADING:
        raise Conflict(f"This upload is finished: the job is {job.get('status')}.")
    found = objects.multipart_of(key)
    if found is None:
        if objects.JobFiles.of(user_id, job_id).upload_time() is not None:
            raise Conflict("This upload is finished: the file has arrived.")
        raise _gone()
    return job, key, found["upload_id"]


def _gone() -> Conflict:
    days = resources.BUCKET["incomplete_multipart_days"]
    return Conflict(f"This upload can no longer be resumed (parts are kept {days} day{'s' if days != 1 else ''}): "
                    "upload the file again.")


def _held(key: str, upload_id: str, job: dict) -> dict[int, dict]:
    """The parts S3 holds whole (at their planned size), by number."""
    size = int(job["size"])
    part, count = plan(size)
    try:
        listed = objects.parts_of(key, upload_id)
    except ObjectMissing:
        raise _gone() from None
    return {p["number"]: p for p in listed
            if 1 <= p["number"] <= count and p["size"] == _part_size(p["number"], size, part, count)}


def _describe(job_id: str, key: str, upload_id: str, size: int, held: dict[int, dict], expires_in: int) -> dict:
    part, count = plan(size)
    return {
        "upload_id": upload_id, "size": size, "part_bytes": part, "count": count,
        "parts": [{"number": n, "size": _part_size(n, size, part, count),
                   "url": objects.presign_part(key, upload_id, n, expires_in)}
                  for n in range(1, count + 1) if n not in held],
        "received": [{"number": n, "size": held[n]["size"]} for n in sorted(held)],
        "expires_in": expires_in,
        "resume": f"/uploads/{job_id}/parts", "complete": f"/uploads/{job_id}/complete",
    }
