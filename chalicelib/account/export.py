"""An export of the account: one zip of every job (its result.json, its text, its recordings
and other outputs, the file as uploaded) with the account's own details, built on the worker
side (`build`, a task: it can be large) and fetched through a short-lived presigned link.

One export per account at a time, described by its EXPORT#<user id> item (status, progress);
the zip is `exports/{user_id}/{export_id}.zip`, and both expire a day after (the bucket's
lifecycle rule, the item's TTL). What an export may hold is capped
(settings.account.export_max_bytes): past it, the zip's README.txt says which jobs are left out.
"""
from __future__ import annotations

import json
import re
import secrets
import tempfile
import time
import zipfile

from chalicelib import clock, logs, resources, settings
from chalicelib.account import records, tasks
from chalicelib.auth import pronunciations, throttle, users
from chalicelib.books import export as books
from chalicelib.jobs import objects
from chalicelib.jobs import table as jobs

log = logs.get("export")

QUEUED, BUILDING, READY, FAILED = "queued", "building", "ready", "failed"
UNFINISHED = (QUEUED, BUILDING)
EXPORTS_PER_HOUR = 10  # each reads every file of the account: a cap on what one account can ask for
TOO_MANY = f"You asked for {EXPORTS_PER_HOUR} exports in the last hour. Try again in {throttle.WAIT}."
STALLED_SECONDS = 20 * 60  # an export not moved for this long is taken as lost: a new one may start
PROGRESS_EVERY_SECONDS = 1.0
FAILED_MESSAGE = "The export could not be made. Please try again."
_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


def key_of(user_id: str, export_id: str) -> str:
    return f"{resources.EXPORT_PREFIX}{user_id}/{export_id}.zip"


def _running(item: dict) -> bool:
    return item["status"] in UNFINISHED and \
        clock.now() - float(item.get("updated", 0)) < STALLED_SECONDS


def public(item: dict) -> dict:
    """What the API shows of an export (a ready one with its presigned link)."""
    out = {"id": item["export_id"], "status": item["status"], "created_at": item["created_at"],
           "progress": {"done": int(item.get("done", 0)), "total": int(item.get("total", 0))}}
    if item["status"] == READY:
        day = item["created_at"][:10]
        out.update(url=objects.presign_get(item["key"], "application/zip", f"pagevoice-export-{day}.zip"),
                   size=int(item["size"]), expires_at=clock.iso(int(item["expires_at"])),
                   complete=bool(item.get("complete", True)))
    if item["status"] == FAILED:
        out["message"] = item.get("message") or FAILED_MESSAGE
    return out


def start(user_id: str) -> dict:
    """A new export (the last one and its zip are replaced), or the one already being made."""
    current = records.export(user_id)
    if current and _running(current):
        return public(current)
    throttle.hit("export", user_id, EXPORTS_PER_HOUR, 3600, TOO_MANY)
    now = clock.now()
    item = {"export_id": secrets.token_hex(8), "user_id": user_id, "status": QUEUED,
            "created_at": clock.iso(now), "updated": int(now), "done": 0, "total": 0,
            "expires_at": int(now) + resources.BUCKET["export_days"] * 86400}
    records.put_export(item)
    if current and current.get("key"):
        objects.delete_keys(settings.get().aws.bucket, [current["key"]])
    tasks.enqueue("export", user_id=user_id, export_id=item["export_id"])
    return public(item)


def status(user_id: str) -> dict:
    """The account's export; one is started when there is none."""
    current = records.export(user_id)
    return public(current) if current else start(user_id)


def build(user_id: str, export_id: str) -> None:
    """(Worker side.) Make the zip and mark the export ready (or failed, with a reason)."""
    item = records.export(user_id)
    if item is None or item["export_id"] != export_id or item["status"] not in UNFINISHED:
        return  # replaced by a newer export, or done already (a repeated delivery)
    user = users.get(user_id)
    if user is None:
        return  # the account is being erased
    try:
        with tempfile.TemporaryFile(prefix="export-") as f:
            complete, count = _write_zip(f, user, export_id)
            size = f.tell()
            f.seek(0)
            key = key_of(user_id, export_id)
            objects.store_file(settings.get().aws.bucket, key, f, "application/zip")
    except Exception:
        log.exception("export failed")
        records.update_export(user_id, export_id, status=FAILED, message=FAILED_MESSAGE)
        return
    if not records.update_export(user_id, export_id, status=READY, key=key, size=size, complete=complete, done=count):
        # Replaced by a newer export, or the account was deleted meanwhile: this zip is nobody's.
        objects.delete_keys(settings.get().aws.bucket, [key])
        return
    log.info("export ready", extra={"jobs": count, "bytes": size, "complete": complete})


def _write_zip(f, user: dict, export_id: str) -> tuple[bool, int]:
    """Every job of the account into the zip `f`; (whether all fitted, jobs written)."""
    user_id = user["id"]
    each_job = list(jobs.each(user_id))
    records.update_export(user_id, export_id, status=BUILDING, total=len(each_job))
    cap = settings.get().account.export_max_bytes
    written, left_out, last = 0, [], time.monotonic()
    with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as z:
        z.writestr("account.json", _json(users.public(user)))
        z.writestr("jobs.json", _json([_listed(r) for r in each_job]))
        lexicon = pronunciations.get(user_id)
        if lexicon:  # as PUT /me/lexicon takes it back
            z.writestr("pronunciations.json", _json({"entries": lexicon}))
        for n, record in enumerate(each_job, 1):
            if f.tell() > cap:
                left_out.append(record["job_id"])
                continue
            _add_job(z, record)
            written += 1
            if time.monotonic() - last >= PROGRESS_EVERY_SECONDS:
                records.update_export(user_id, export_id, done=n)
                last = time.monotonic()
        z.writestr("README.txt", _readme(len(each_job), left_out, cap))
    return not left_out, written


def _json(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str) + "\n"


def _listed(record: dict) -> dict:
    return {k: record.get(k) for k in ("job_id", "kind", "status", "filename", "created_at", "error")}


def _folder(record: dict) -> str:
    return f"jobs/{(record.get('created_at') or '')[:10]}-{record['job_id']}/"


def _add_job(z: zipfile.ZipFile, record: dict) -> None:
    """The job's files under its folder: result.json, text.txt, outputs, the source."""
    bucket, folder = settings.get().aws.bucket, _folder(record)
    done = record.get("status") == jobs.DONE
    # A finished job's transient files (a recording's parts) are repeated whole in speech.wav,
    # and are gone a day after the job.
    skip = set(record.get("transient_outputs") or ()) if done else set()
    files = {name: key for name, key in (record.get("outputs") or {}).items() if name not in skip}
    result_key = record.get("result_key")
    if done and result_key and result_key.endswith("/result.json"):
        result, _ = objects.read_json(bucket, result_key)
        if result is not None:
            z.writestr(folder + "result.json", _json(result))
            z.writestr(folder + "text.txt", (result.get("text") or "") + "\n")
    if record.get("source_key"):
        name = _UNSAFE.sub("_", record.get("filename") or "upload").strip(" .") or "upload"
        files[f"source-{name}"] = record["source_key"]
    files.update(books.ready_books(record))  # book.epub, book.mp3: those made of its recording as it is
    for name, key in sorted(files.items()):
        with z.open(folder + name, "w", force_zip64=True) as out:
            objects.read_to(bucket, key, out)


def _readme(total: int, left_out: list[str], cap: int) -> str:
    text = (f"PageVoice export: {total} jobs.\n\njobs.json lists them; each job's folder under jobs/ holds "
            "result.json (what PageVoice read or heard), text.txt (its text), the recordings and other "
            "files it made, book.epub and book.mp3 when you made them, and source-<name> (the file as you "
            "uploaded it). pronunciations.json, when you have any, holds your pronunciations (as PUT /me/lexicon takes them back).\n")
    if left_out:
        text += (f"\nThis export stopped at {cap // 1048576} MB: {len(left_out)} jobs are not in it: "
                 + ", ".join(left_out) + ".\nDelete some jobs, or download them one by one from the site.\n")
    return text
