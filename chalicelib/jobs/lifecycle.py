"""What needs both a job's record (jobs.table) and its objects (jobs.objects)."""
from __future__ import annotations

from chalicelib import logs, resources, settings
from chalicelib.jobs import objects, table

log = logs.get("jobs")


def settle(job: dict) -> dict:
    """The job as it stands, an unfinished job nothing can move any more failed with a reason
    (table.settle). Called where jobs are read for people (GET /jobs, GET /jobs/{id}) and by
    the sweep."""
    return table.settle(job, objects.JobFiles.of(job["user_id"], job["job_id"]).upload_time)


def delete(user_id: str, job_id: str) -> bool:
    """Remove the job: its record and every object of it. False when there is no such job of
    the caller's.

    A tombstone goes first, then the record, then the objects: a worker still running the job
    finds its record gone at its next write, removes what it wrote and stops, and the sweep
    keeps removing the job's prefixes while the tombstone lasts, so whatever lands after the
    listing here (or a listing that failed) is removed too.
    """
    if not table.remove(user_id, job_id):
        return False
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
