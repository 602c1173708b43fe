"""The S3-triggered OCR worker: one upload in, result.json and speech.wav out, job moved along.

S3 delivers events at least once, so a conditional claim (jobs.claim) lets only one
delivery process a job; a lease that expires lets a retry pick up a job whose worker
died. Permanent errors fail the job at once; transient ones raise so Lambda retries, and
the last allowed attempt (settings.worker_max_attempts) fails the job instead: every job ends.
"""
from __future__ import annotations

import json
import os
import time
from urllib.parse import unquote_plus

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib import aws, jobs, logs, pipeline, resources, settings
from chalicelib.errors import ImageError, PageVoiceError

log = logs.get("worker")

_MISSING = ("NoSuchKey", "404", "NotFound")
GAVE_UP = "Processing failed {n} times; please upload the image again."
STORE_MARGIN_SECONDS = 15  # after speech: upload a WAV of minutes, write the result, end the job


def handle_upload(bucket: str, key: str, context=None) -> str:
    """Process one uploaded object. Returns what happened: done, failed, skipped or ignored.

    `context` is Lambda's (None locally): its remaining time bounds the recording, so a very
    long text ends the job with the beginning spoken instead of timing out (pipeline.speak)."""
    owner = jobs.parse_upload_key(key)
    if owner is None:
        log.warning("ignoring an object outside uploads/{user}/{job}/source", extra={"key": key})
        return "ignored"
    user_id, job_id = owner
    with logs.context(job_id=job_id, user_id=user_id):
        s = settings.get()
        job = jobs.claim(user_id, job_id, s.job_lease_seconds)
        if job is None:
            log.info("duplicate delivery or finished job; nothing to do")
            return "skipped"
        attempt = int(job.get("attempts", 1))
        if attempt > s.worker_max_attempts:
            # Every earlier attempt died without a word (killed, timed out, out of memory):
            # this input would most likely kill this one too.
            jobs.fail(user_id, job_id, GAVE_UP.format(n=attempt - 1))
            log.warning("failed: attempts exhausted", extra={"attempt": attempt})
            outcome = "failed"
        else:
            log.info("processing", extra={"attempt": attempt})
            outcome = _attempt(bucket, key, user_id, job_id, attempt, s, _deadline(context))
        if outcome in ("done", "failed"):
            _keep_upload(bucket, key)
        return outcome


def _keep_upload(bucket: str, key: str) -> None:
    """The job has ended: clear the upload's "pending" tag so the lifecycle rule that reaps
    abandoned uploads keeps this one (it is the job's image_url). Best effort: at worst the
    source image of a finished job is reaped after resources.BUCKET['abandoned_upload_days']."""
    if not resources.pending_upload_tagging():
        return
    try:
        aws.s3().delete_object_tagging(Bucket=bucket, Key=key)
    except Exception as exc:  # noqa: BLE001 - never fail a finished job over its tag
        log.warning("could not clear the upload's pending tag", extra={"error": str(exc)})


def _deadline(context) -> float | None:
    """time.monotonic() by which speech must stop: Lambda's remaining time less what storing
    the outputs and ending the job need."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return None
    return time.monotonic() + remaining() / 1000.0 - STORE_MARGIN_SECONDS


def _attempt(bucket: str, key: str, user_id: str, job_id: str, attempt: int, s: settings.Settings,
             deadline: float | None = None) -> str:
    try:
        return _process(bucket, key, user_id, job_id, s, deadline)
    except PageVoiceError as exc:
        if not exc.permanent:
            return _give_back(user_id, job_id, attempt, exc, exc.message)
        jobs.fail(user_id, job_id, exc.message)
        log.info("failed", extra={"reason": exc.message})
        return "failed"
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in _MISSING:
            jobs.fail(user_id, job_id, "The uploaded file is missing; please upload it again.")
            return "failed"
        return _give_back(user_id, job_id, attempt, exc)  # throttling, 5xx: let the retry have it at once
    except Exception as exc:  # noqa: BLE001 - BotoCoreError, or a bug met on odd input
        # Before issue 8 an unexpected error left the job `processing` under a live lease,
        # so Lambda's retries were all skipped and the job never ended.
        log.exception("unexpected error")
        return _give_back(user_id, job_id, attempt, exc)


def _give_back(user_id: str, job_id: str, attempt: int, exc: Exception, reason: str | None = None) -> str:
    """After a transient error: hand the job back for the retry and re-raise `exc` (Lambda and
    the local bridge retry on a raise), or, on the last attempt, fail the job."""
    try:
        if attempt >= settings.get().worker_max_attempts:
            jobs.fail(user_id, job_id, f"{reason} {GAVE_UP.format(n=attempt)}" if reason else GAVE_UP.format(n=attempt))
            log.warning("failed: attempts exhausted", extra={"attempt": attempt})
            return "failed"
        jobs.release(user_id, job_id)
    except Exception:  # noqa: BLE001 - never hide the error that brought us here
        log.exception("could not hand the job back; its lease will run out")
    raise exc


def _process(bucket: str, key: str, user_id: str, job_id: str, s: settings.Settings,
             deadline: float | None = None) -> str:
    s3 = aws.s3()
    # The presigned policy caps the size, but re-check: the policy is only as good as
    # whoever enforces it (moto does not), and this is untrusted input.
    size = int(s3.head_object(Bucket=bucket, Key=key)["ContentLength"])
    if size > s.max_upload_bytes:
        raise ImageError(f"The file is {size / 1048576:.1f} MB; the limit is {s.max_upload_bytes / 1048576:.0f} MB.")
    t0 = time.perf_counter()
    data = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    fetch_ms = int((time.perf_counter() - t0) * 1000)
    result_key, audio_key = jobs.result_key(user_id, job_id), jobs.audio_key(user_id, job_id)

    def publish_text(result: dict) -> None:
        # Text first: GET /jobs/{id} shows it while the recording is still being made.
        s3.put_object(Bucket=bucket, Key=result_key, ContentType="application/json",
                      Body=json.dumps({**result, "timings_ms": {"fetch": fetch_ms, **result["timings_ms"]}},
                                      ensure_ascii=False).encode())
        jobs.record_text(user_id, job_id, result_key)
        log.info("text ready", extra={"timings_ms": result["timings_ms"]})

    done = pipeline.process(data, on_text=publish_text, deadline=deadline)
    result = done.result
    result["timings_ms"] = {"fetch": fetch_ms, **result["timings_ms"]}
    t0 = time.perf_counter()
    s3.put_object(Bucket=bucket, Key=result_key, Body=json.dumps(result, ensure_ascii=False).encode(),
                  ContentType="application/json")
    if done.wav is not None:
        s3.put_object(Bucket=bucket, Key=audio_key, Body=done.wav, ContentType="audio/wav")
    result["timings_ms"]["store"] = int((time.perf_counter() - t0) * 1000)
    summary = {"lines": len(result["lines"]), "words": sum(len(ln["words"]) for ln in result["lines"]),
               "characters": len(result["text"])}
    if jobs.finish(user_id, job_id, result_key=result_key, audio_key=audio_key if done.wav is not None else None,
                   timings_ms=result["timings_ms"], summary=summary) is None:
        # Deleted (or taken over) while we worked: leave no orphaned outputs behind.
        s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": result_key}, {"Key": audio_key}]})
        log.info("job vanished while processing; outputs removed")
        return "skipped"
    log.info("done", extra={"timings_ms": result["timings_ms"], **summary})
    return "done"


def records(event: dict):
    """(bucket, key) for each S3 record of a Lambda/SQS S3 event; keys arrive URL-encoded."""
    for rec in event.get("Records", []):
        s3 = rec.get("s3") or {}
        bucket = (s3.get("bucket") or {}).get("name")
        key = (s3.get("object") or {}).get("key")
        if bucket and key:
            yield bucket, unquote_plus(key)


def lambda_handler(event: dict, context=None) -> dict:
    """Entry point of the worker's container-image Lambda (see infra/)."""
    outcomes = [handle_upload(bucket, key, context) for bucket, key in records(event)]
    return {"outcomes": outcomes}


if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
    # Container Lambda init: load the models before the first event (a warm container reuses
    # them). The voice loads once the first image's text is published (pipeline.warm_up).
    pipeline.warm_up(speech=False)
