"""What needs both a job's record (jobs.table) and its objects (jobs.objects)."""
from __future__ import annotations

from chalicelib import clock, logs, resources, settings, voices
from chalicelib.auth import usage
from chalicelib.errors import Conflict
from chalicelib.jobs import multipart, objects, table
from chalicelib.jobs.keys import owned, upload_key

log = logs.get("jobs")


def settle(job: dict) -> dict:
    """The job as it stands, an unfinished job nothing can move any more failed with a reason
    (table.settle). Called where jobs are read for people (GET /jobs, GET /jobs/{id}) and by
    the sweep. A multipart upload (a book) may take hours, or be resumed the next day: while S3
    keeps its parts, its job is not stale (its arrival is "now")."""
    files = objects.JobFiles.of(job["user_id"], job["job_id"])

    def arrived() -> float | None:
        when = files.upload_time()
        return clock.now() if when is None and multipart.unfinished(job) else when

    return table.settle(job, arrived)


def delete(user_id: str, job_id: str) -> bool:
    """Remove the job: its record and every object of it. False when there is no such job of
    the caller's.

    A tombstone goes first, then the record, then the objects: a worker still running the job
    finds its record gone at its next write, removes what it wrote and stops, and the sweep
    keeps removing the job's prefixes while the tombstone lasts, so whatever lands after the
    listing here (or a listing that failed) is removed too. Its upload's size comes off the
    account's storage (auth.usage.release).
    """
    job = table.get(user_id, job_id)
    if job is None or not table.remove(user_id, job_id):
        return False
    usage.release(user_id, job)
    try:
        objects.JobFiles.of(user_id, job_id).delete_all()
    except Exception:  # noqa: BLE001 - the record is gone; the sweep finishes from the tombstone
        log.exception("could not remove a deleted job's objects; the sweep will", extra={"job_id": job_id})
    return True


def erase_account(user_id: str) -> int:
    """Every job of a deleted account (each as `delete` does: the sweep cleans after a worker
    still running), then every object under its prefixes and its slot record; how many jobs."""
    count = sum(delete(user_id, record["job_id"]) for record in table.each(user_id))
    bucket = settings.get().aws.bucket
    for prefix in (resources.UPLOAD_PREFIX, resources.RESULT_PREFIX, resources.EXPORT_PREFIX):
        objects.delete_prefix(bucket, f"{prefix}{user_id}/")
    table.forget_slots(user_id)
    return count


RUNNING = "This job is still being read or recorded; ask again once it is done."
NO_RECORDING = "This job has no recording to make again."
NOT_KEPT = ("This job was read before PageVoice kept the files it reads; upload the file again to hear it "
            "with your pronunciations.")


KEEP = table.KEEP  # record_again without a voice: the job's own


def record_again(user_id: str, job_id: str, voice=KEEP) -> dict | None:
    """Make a finished job's recording again (POST /jobs/{id}/recording), with the account's
    pronunciations as they are now: its text, boxes and blocks stay, the recording grows again as
    a first one does, and its files are replaced once the new one is whole. The job record's
    move back to `queued` is the acknowledgement (it survives anything after it); then the kept
    upload is announced again to start the worker, and should that fail the sweep starts it.
    `voice` (CONTRACTS section 16): read it again in that voice (an id of GET /voices; None: in
    the account's and the languages' defaults); left out, in the job's own.
    None when the caller has no such job; 409 while it runs or when it has no recording."""
    job = table.get(user_id, job_id)
    if job is None:
        return None
    if voice is not KEEP and voice is not None:
        voice = voices.check(voice, language=job.get("language"))
    job = settle(job)
    if job["status"] in table.UNFINISHED:
        raise Conflict(RUNNING)
    if job["status"] != table.DONE or not job.get("audio_key"):
        raise Conflict(NO_RECORDING)
    if not owned(user_id, job_id, job.get("source_key")):
        raise Conflict(NOT_KEPT)
    updated = table.record_again(user_id, job_id, job, voice)
    if updated is None:  # another request moved it first
        raise Conflict(RUNNING)
    try:
        objects.send_again(settings.get().aws.bucket, job["source_key"], upload_key(user_id, job_id),
                           job.get("content_type") or "application/octet-stream")
    except Exception:  # noqa: BLE001 - the job is queued and in the sweep's index: the sweep starts it
        log.exception("could not announce the upload again; the sweep will start the job", extra={"job_id": job_id})
    log.info("recording made again", extra={"job_id": job_id})
    return {"job_id": job_id, "status": updated["status"]}
