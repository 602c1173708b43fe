"""The sweep: jobs whose delivery was lost or whose worker died are handed to the worker again.

Lambda retries a failed event only twice, within minutes; a worker killed with a lease of
several minutes left, or an event lost on the way, would otherwise leave its job unfinished
until someone reads it (lifecycle.settle). Deployed, `lambda_handler` runs on a schedule
(infra/template.py) and re-invokes the worker asynchronously with the S3 event it would have
had; locally the bridge runs `redrive` between deliveries. Each re-drive is an attempt like
any other: the worker's claim counts it, and the attempt cap (settings.worker.worker_max_attempts)
fails a job that keeps dying. It enforces the retention accounts chose (`expire`). It also removes what a deleted job's worker left (`remove_orphans`,
from the deleted job's tombstone): the worker removes it itself when it sees its job gone, but
a write can land after the delete's listing.
"""
from __future__ import annotations

from collections.abc import Callable

from chalicelib import clock, logs
from chalicelib.auth import users
from chalicelib.jobs import events, lifecycle, objects, table
from chalicelib.jobs.keys import id_at

log = logs.get("sweep")

def due(job: dict, now: float) -> bool:
    """An unfinished job no delivery is working on: its lease ran out, or it was handed back,
    or its upload arrived but no event took it."""
    if job["status"] == table.PROCESSING:
        return float(job.get("lease_until") or 0) <= now
    return job["status"] in (table.UPLOADING, table.QUEUED)


def redrive(deliver: Callable[[dict], None]) -> int:
    """Hand each due job whose upload exists to `deliver(event)`; returns how many (a delivery
    that raised counts: the job is retried by a later sweep, within the attempt cap). Jobs that
    nothing can move any more are failed first (lifecycle.settle), so every job ends even when
    nobody looks at it. Only unfinished jobs are read (the sweep index), never the whole table."""
    delivered = 0
    for user_id, job_id in table.sweep_keys(table.SWEEP_OPEN):
        job = table.get(user_id, job_id)
        if job is None:
            continue
        job = lifecycle.settle(job)
        # clock.now, not time.time: the one clock tests can move past a lease.
        if job["status"] not in table.UNFINISHED or not due(job, clock.now()):
            continue
        files = objects.JobFiles.of(user_id, job_id)
        try:
            # A job whose upload was kept (source_key: a later turn, a recording made again) is
            # run from that copy, whether or not the upload itself is still there.
            if not job.get("source_key") and files.upload_time() is None:
                continue  # not uploaded (yet): nothing to deliver
        except Exception:  # noqa: BLE001 - S3 would not say (throttled, down): a later sweep looks again
            log.info("could not look for the upload; the next sweep does", exc_info=True, extra={"job_id": job_id})
            continue
        delivered += 1
        try:
            deliver(events.s3_event(files.bucket, files.upload))
        except Exception:  # noqa: BLE001 - one failing job must not end the sweep for the others
            log.info("re-drive raised; the next sweep retries it", exc_info=True, extra={"job_id": job_id})
    if delivered:
        log.info("sweep re-drove unfinished jobs", extra={"count": delivered})
    return delivered


def remove_orphans(keep_seconds: float = table.TOMBSTONE_SECONDS) -> int:
    """Remove what deleted jobs left (a worker's write that landed after the delete's listing);
    how many objects. Each deleted job's tombstone is kept `keep_seconds`, longer than any
    worker can still write for it, then dropped after a last pass."""
    removed = 0
    for user_id, job_id in table.sweep_keys(table.SWEEP_DELETED):
        stone = table.tombstone(user_id, job_id)
        if stone is None:
            continue
        removed += objects.JobFiles.of(user_id, job_id).delete_all()
        if float(stone["deleted_at"]) + keep_seconds <= clock.now():
            table.forget_tombstone(user_id, job_id)
    if removed:
        log.info("sweep removed objects of deleted jobs", extra={"count": removed})
    return removed


def expire() -> int:
    """Delete every job older than its account's chosen retention (users.set_retention), as
    DELETE /jobs/{id} does; how many. Job ids sort by creation time: only the old ones are read."""
    removed = 0
    for user_id, days in users.retaining():
        for record in table.each(user_id, before=id_at(clock.now() - days * 86400)):
            removed += lifecycle.delete(user_id, record["job_id"])
    if removed:
        log.info("deleted jobs past their account's retention", extra={"count": removed})
    return removed


def erase_deleted_accounts() -> int:
    """Erase the files of deleted accounts whose erasing task was lost (or is still to run:
    erasing twice is harmless); how many accounts."""
    count = 0
    for user_id in users.erasing():
        lifecycle.erase_account(user_id)
        users.erased(user_id)
        count += 1
    if count:
        log.info("sweep erased the files of deleted accounts", extra={"count": count})
    return count


def run(deliver: Callable[[dict], None]) -> dict:
    """One sweep: re-drive what is due, delete what accounts asked to keep no longer (their
    retention) and what deleted accounts left, then remove what deleted jobs left."""
    return {"redriven": redrive(deliver), "expired": expire(), "erased": erase_deleted_accounts(),
            "removed": remove_orphans()}


def lambda_handler(event: dict, context=None) -> dict:
    """Entry point of the scheduled sweep function (infra/template.py): deployed, a re-driven
    job goes to the worker Lambda, asynchronously."""
    return run(events.redeliver)
