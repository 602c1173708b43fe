"""The worker: an uploaded object in; its kind's outputs stored and the job moved along.

`lambda_handler` is the one entry point: the deploy template invokes it (the container image's
command), and so does the local bridge, with the same event (every record) and a Lambda-like
context (its remaining time bounds the work). The worker knows nothing of OCR or speech: it
claims the job, runs the job's kind (chalicelib.kinds) on the bytes, stores what the kind
publishes and returns, and summarises it.

S3 delivers events at least once, so a conditional claim (store.claim) lets one delivery
process a job. A delivery that meets a live lease raises, so Lambda comes back later (a
"skipped" would spend its retries while the lease still runs); a lease that expires lets a
retry, or the sweep (jobs.sweep), take over a job whose worker died. Permanent errors fail the
job at once; transient ones raise so Lambda retries, and the last allowed attempt
(settings.worker_max_attempts) fails the job instead: every job ends.
"""
from __future__ import annotations

import json
import os
import time
from urllib.parse import unquote_plus

from botocore.exceptions import ClientError

from chalicelib import aws, clock, kinds, logs, settings
from chalicelib.errors import MediaError, PageVoiceError, Transient
from chalicelib.jobs import store
from chalicelib.jobs.sweep import s3_event
from chalicelib.kinds.base import RESULT, Outputs, Resume

log = logs.get("worker")

_MISSING = ("NoSuchKey", "404", "NotFound")
GAVE_UP = "Processing failed {n} times; please upload the file again."
SOURCE = "source"  # the upload as processed, kept beside the outputs
STORE_MARGIN_SECONDS = 15  # after the kind's work: upload a WAV of minutes, write the result, end the job


class LeaseHeld(Transient):
    """Another delivery is working on this job now: try again later (Lambda's retry, the sweep)."""
    code = "job_in_progress"


def lambda_handler(event: dict, context=None) -> dict:
    """Every S3 record of the event (a sweep's re-drive has the same shape). Raises after the
    last record when any raised, so Lambda retries the event; records already ended are
    skipped on the retry by their claim."""
    outcomes, errors = [], []
    for bucket, key in records(event):
        try:
            outcomes.append(handle_upload(bucket, key, context))
        except Exception as exc:  # noqa: BLE001 - the other records still run; re-raised below
            outcomes.append(f"raised: {type(exc).__name__}")
            errors.append(exc)
    if errors:
        raise errors[0]
    return {"outcomes": outcomes}


def records(event: dict):
    """(bucket, key) for each S3 record of a Lambda/SQS S3 event; keys arrive URL-encoded."""
    for rec in event.get("Records", []):
        s3 = rec.get("s3") or {}
        bucket = (s3.get("bucket") or {}).get("name")
        key = (s3.get("object") or {}).get("key")
        if bucket and key:
            yield bucket, unquote_plus(key)


def handle_upload(bucket: str, key: str, context=None) -> str:
    """Process one uploaded object. Returns done, failed, continued (a turn of a long job
    ended: the next invocation goes on), skipped (already ended, or gone) or ignored (not an
    upload key); raises LeaseHeld while another delivery holds the job.

    `context` is Lambda's (the bridge passes a look-alike): its remaining time bounds the work,
    so a very long text ends the job with the beginning spoken instead of timing out."""
    owner = store.parse_upload_key(key)
    if owner is None:
        log.warning("ignoring an object outside uploads/{user}/{job}/source", extra={"key": key})
        return "ignored"
    user_id, job_id = owner
    with logs.context(job_id=job_id, user_id=user_id):
        s = settings.get()
        job = store.claim(user_id, job_id, s.job_lease_seconds)
        if job is None:
            current = store.get(user_id, job_id)
            if current and current["status"] == store.PROCESSING and \
                    float(current.get("lease_until") or 0) > clock.now():
                log.info("another delivery holds the job; retry later")
                raise LeaseHeld("The job is being processed by another delivery.")
            log.info("duplicate delivery or finished job; nothing to do")
            return "skipped"
        attempt = int(job.get("attempts", 1))
        if attempt > s.worker_max_attempts:
            # Every earlier attempt died without a word (killed, timed out, out of memory):
            # this input would most likely kill this one too.
            store.fail(user_id, job_id, GAVE_UP.format(n=attempt - 1))
            log.warning("failed: attempts exhausted", extra={"attempt": attempt})
            outcome = "failed"
        else:
            log.info("processing", extra={"attempt": attempt, "kind": job.get("kind") or kinds.DEFAULT})
            outcome = _attempt(bucket, key, job, attempt, _deadline(context), context)
        return outcome


def _deadline(context) -> float | None:
    """time.monotonic() by which the kind's work must stop: the remaining time less what
    storing the outputs and ending the job need."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return None
    return time.monotonic() + remaining() / 1000.0 - STORE_MARGIN_SECONDS


def _attempt(bucket: str, key: str, job: dict, attempt: int, deadline: float | None, context=None) -> str:
    user_id, job_id = job["user_id"], job["job_id"]
    try:
        return _process(bucket, key, job, deadline, context)
    except PageVoiceError as exc:
        if not exc.permanent:
            return _give_back(user_id, job_id, attempt, exc, exc.message)
        store.fail(user_id, job_id, exc.message)
        log.info("failed", extra={"reason": exc.message})
        return "failed"
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in _MISSING:
            store.fail(user_id, job_id, "The uploaded file is missing; please upload it again.")
            return "failed"
        return _give_back(user_id, job_id, attempt, exc)  # throttling, 5xx: let the retry have it at once
    except Exception as exc:  # noqa: BLE001 - BotoCoreError, or a bug met on odd input
        # An unexpected error must not leave the job `processing` under a live lease.
        log.exception("unexpected error")
        return _give_back(user_id, job_id, attempt, exc)


def _give_back(user_id: str, job_id: str, attempt: int, exc: Exception, reason: str | None = None) -> str:
    """After a transient error: hand the job back for the retry and re-raise `exc` (Lambda and
    the local bridge retry on a raise), or, on the last attempt, fail the job."""
    try:
        if attempt >= settings.get().worker_max_attempts:
            store.fail(user_id, job_id, f"{reason} {GAVE_UP.format(n=attempt)}" if reason else GAVE_UP.format(n=attempt))
            log.warning("failed: attempts exhausted", extra={"attempt": attempt})
            return "failed"
        store.release(user_id, job_id)
    except Exception:  # noqa: BLE001 - never hide the error that brought us here
        log.exception("could not hand the job back; its lease will run out")
    raise exc


def _process(bucket: str, key: str, job: dict, deadline: float | None, context=None) -> str:
    user_id, job_id = job["user_id"], job["job_id"]
    kind = kinds.get(job.get("kind"))
    s3 = aws.s3()
    source = store.output_key(user_id, job_id, SOURCE)
    # A later turn (or a retry) reads the copy an earlier one kept: the upload itself may since
    # have been replaced through its still-valid presigned POST.
    resumed = job.get("source_key") == source
    read_key = source if resumed else key
    # The presigned policy caps the size, but re-check: the policy is only as good as whoever
    # enforces it (moto does not), and this is untrusted input.
    head = s3.head_object(Bucket=bucket, Key=read_key)
    size, etag = int(head["ContentLength"]), head["ETag"]
    limit = kind.max_bytes()
    if size > limit:
        raise MediaError(f"The file is {size / 1048576:.1f} MB; the limit is {limit / 1048576:.0f} MB.")
    t0 = time.perf_counter()
    if not resumed:
        # The bytes processed are kept beside the results (the job's image_url), and the upload
        # itself is left to the lifecycle rule.
        s3.copy_object(Bucket=bucket, Key=source, CopySource={"Bucket": bucket, "Key": key}, CopySourceIfMatch=etag,
                       MetadataDirective="REPLACE", ContentType=job.get("content_type") or "application/octet-stream")
        store.record_source(user_id, job_id, source)
    data = s3.get_object(Bucket=bucket, Key=read_key, IfMatch=etag)["Body"].read()
    fetch_ms = int((time.perf_counter() - t0) * 1000)
    stored: dict[str, str] = dict(job.get("outputs") or {})  # what earlier turns stored
    result_key = store.output_key(user_id, job_id, RESULT)

    def put(outputs: Outputs) -> None:
        outputs.result["timings_ms"] = {"fetch": fetch_ms, **outputs.result.get("timings_ms", {})}
        for name, (body, content_type) in outputs.files.items():
            stored[name] = store.output_key(user_id, job_id, name)
            if hasattr(body, "read"):  # a whole recording, in a temporary file
                s3.upload_fileobj(body, bucket, stored[name], ExtraArgs={"ContentType": content_type})
                body.close()
            else:
                s3.put_object(Bucket=bucket, Key=stored[name], Body=body, ContentType=content_type)
        s3.put_object(Bucket=bucket, Key=result_key, ContentType="application/json",
                      Body=json.dumps(outputs.result, ensure_ascii=False).encode())

    def publish(early: Outputs) -> None:
        # Early outputs (the text before its recording, each part of it, a document's pages):
        # GET /jobs/{id} shows them at once, and a later turn goes on from them.
        put(early)
        store.record_progress(user_id, job_id, result_key, stored)

    resume = _resume(bucket, user_id, job_id, job, kind)
    outputs = kind.run(data, deadline=deadline, publish=publish, resume=resume)
    t0 = time.perf_counter()
    if outputs.more:
        publish(outputs)
        turns = int(job.get("turns") or 0) + 1
        if turns < settings.get().worker_max_turns:
            if store.hand_over(user_id, job_id) is None:
                return "skipped"  # deleted meanwhile
            _continue_later(bucket, key, context)
            log.info("turn ended with work left; continuing", extra={"turn": turns})
            return "continued"
        log.warning("turns exhausted; finishing with what is done", extra={"turns": turns})
    put(outputs)
    timings = {**outputs.result["timings_ms"], "store": int((time.perf_counter() - t0) * 1000)}
    summary = summarise(outputs)
    if store.finish(user_id, job_id, result_key=result_key, outputs=stored,
                    timings_ms=timings, summary=summary) is None:
        # Deleted (or taken over) while we worked: leave no orphaned outputs behind.
        keys = [result_key, source, *stored.values()]
        for i in range(0, len(keys), 1000):
            s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys[i:i + 1000]]})
        log.info("job vanished while processing; outputs removed")
        return "skipped"
    log.info("done", extra={"timings_ms": timings, **summary})
    return "done"


def _resume(bucket: str, user_id: str, job_id: str, job: dict, kind) -> Resume | None:
    """What an earlier invocation of this job published, for a kind that can go on from it."""
    result_key = store.output_key(user_id, job_id, RESULT)
    if not kind.resumable or job.get("result_key") != result_key:
        return None
    s3 = aws.s3()
    try:
        result = json.loads(s3.get_object(Bucket=bucket, Key=result_key)["Body"].read())
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in _MISSING:
            return None
        raise
    outputs = dict(job.get("outputs") or {})

    def read(name: str) -> bytes:
        return s3.get_object(Bucket=bucket, Key=outputs.get(name) or store.output_key(user_id, job_id, name))["Body"].read()

    log.info("resuming from the published result")
    return Resume(result=result, read=read)


def _continue_later(bucket: str, key: str, context) -> None:
    """Deployed: invoke this function again, asynchronously, with the job's event (the local
    bridge re-queues a "continued" outcome itself). Should the invoke fail, the sweep re-drives
    the job: its lease has ended."""
    arn = getattr(context, "invoked_function_arn", None)
    if not arn:
        return
    try:
        aws.lambda_().invoke(FunctionName=arn, InvocationType="Event",
                             Payload=json.dumps(s3_event(bucket, key)).encode())
    except Exception:  # noqa: BLE001 - the sweep picks the job up
        log.exception("could not invoke the next turn; the sweep will")


def summarise(outputs: Outputs) -> dict:
    """A few numbers for the job list and the logs, whatever the kind."""
    result = outputs.result
    summary = {"characters": len(result.get("text") or "")}
    pages = result.get("pages") if isinstance(result.get("pages"), list) else None
    if pages:
        summary["pages"] = len(pages)
    lines = [line for page in pages for line in page.get("lines", [])] if pages else result.get("lines")
    if isinstance(lines, list):
        summary["lines"] = len(lines)
        summary["words"] = sum(len(line.get("words", [])) for line in lines)
    if outputs.files:
        summary["files"] = sorted(outputs.files)
    return summary


def warm_up() -> None:
    """Load the engines of the kinds named by settings.warm_kinds before the first event."""
    warm = [kinds.get(name) for name in filter(None, (n.strip() for n in settings.get().warm_kinds.split(",")))]
    for kind in warm:
        kind.warm()
    for kind in warm:
        kind.warm_in_background()


if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
    # Container Lambda init: a warm container reuses what loads here.
    warm_up()
