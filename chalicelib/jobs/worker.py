"""The worker: an uploaded object in; its kind's outputs stored and the job moved along.

`lambda_handler` is the one entry point: the deploy template invokes it (the container image's
command), and so does the local bridge, with the same event (every record) and a Lambda-like
context (its remaining time bounds the work). The worker knows nothing of OCR or speech: it
claims the job, runs the job's kind (chalicelib.kinds) on the bytes, stores what the kind
publishes and returns, and records the summary the kind makes of it (`Kind.summary`). A result
still growing is stored as an index and parts, only what is new at each publish
(chalicelib.jobs.growing, through chalicelib.jobs.objects); result.json is written
whole once, at the end, and never past settings.limits.max_result_bytes (the job then ends with the
last result that fitted, marked `complete: false, reason: "size"`). A job deleted while it runs
is noticed at its next conditional write: what was written for it is removed and work stops.

S3 delivers events at least once, so a conditional claim (table.claim) lets one delivery
process a job. A delivery that meets a live lease raises, so Lambda comes back later (a
"skipped" would spend its retries while the lease still runs); a lease that expires lets a
retry, or the sweep (jobs.sweep), take over a job whose worker died. Permanent errors fail the
job at once; transient ones raise so Lambda retries, and the last allowed attempt
(settings.worker.worker_max_attempts) fails the job instead: every job ends.
"""
from __future__ import annotations

import contextlib
import json
import os
import threading
import time

from chalicelib import aws, clock, kinds, logs, settings, voices
from chalicelib.auth import pronunciations, usage, users
from chalicelib.errors import MediaError, ObjectMissing, PageVoiceError, Transient
from chalicelib.jobs import book, book_queues, events, growing, objects, table
from chalicelib.jobs.keys import parse_upload_key, upload_key
from chalicelib.kinds.base import RESULT, IsBook, Outputs, Resume

log = logs.get("worker")

GAVE_UP = "Processing failed {n} times; please upload the file again."
TOO_LARGE = "What PageVoice read from this file is too large to keep (over {mb:.0f} MB); try a shorter file."
SOURCE = "source"  # the upload as processed, kept beside the outputs
STORE_MARGIN_SECONDS = 15  # after the kind's work: upload a WAV of minutes, write the result, end the job


class LeaseHeld(Transient):
    """Another delivery is working on this job now: try again later (Lambda's retry, the sweep)."""
    code = "job_in_progress"


class AccountBusy(Transient):
    """The account's other jobs hold all its worker slots: this one waits its turn (the worker
    that frees a slot hands it on; Lambda's retry and the sweep are the fallbacks)."""
    code = "account_busy"


def lambda_handler(event: dict, context=None) -> dict:
    """Every S3 record of the event (a sweep's re-drive has the same shape). Raises after the
    last record when any raised, so Lambda retries the event; records already ended are
    skipped on the retry by their claim. An event of the shards queue (a book's shards) goes to
    `shard_batch`."""
    records = event.get("Records") or []
    if records and all(r.get("eventSource") == "aws:sqs" for r in records):
        return shard_batch(records, context)
    outcomes, errors = [], []
    for bucket, key in events.records(event):
        try:
            outcomes.append(handle_upload(bucket, key, context))
        except Exception as exc:  # noqa: BLE001 - the other records still run; re-raised below
            outcomes.append(f"raised: {type(exc).__name__}")
            errors.append(exc)
    if errors:
        raise errors[0]
    return {"outcomes": outcomes}


SHARD_RETRY_SECONDS = 20  # a shard message that raised comes back after this, not the queue's whole visibility


def shard_batch(records: list[dict], context=None) -> dict:
    """Messages of the shards queue, each a book's shard (chalicelib.jobs.book.handle_shard).
    Those that raised are named in `batchItemFailures` (the event source's partial batch
    response), and come back after SHARD_RETRY_SECONDS; the others are done."""
    outcomes, failures = [], []
    for rec in records:
        try:
            body = json.loads(rec.get("body") or "{}")
            outcomes.append(book.handle_shard(body if isinstance(body, dict) else {}, context))
        except Exception as exc:  # noqa: BLE001 - the other messages still run; this one comes back
            if isinstance(exc, Transient):
                log.info("shard comes back later", extra={"reason": str(exc)})
            else:
                log.exception("shard raised")
            outcomes.append(f"raised: {type(exc).__name__}")
            failures.append({"itemIdentifier": rec.get("messageId") or ""})
            with contextlib.suppress(Exception):  # else it comes back after the queue's visibility timeout
                aws.sqs().change_message_visibility(QueueUrl=book_queues.queue_url_of(rec.get("eventSourceARN")),
                                                    ReceiptHandle=rec["receiptHandle"],
                                                    VisibilityTimeout=SHARD_RETRY_SECONDS)
    return {"outcomes": outcomes, "batchItemFailures": failures}


def handle_upload(bucket: str, key: str, context=None) -> str:
    """Process one uploaded object. Returns done, failed, continued (a turn of a long job
    ended: the next invocation goes on), skipped (already ended, or gone) or ignored (not an
    upload key); raises LeaseHeld while another delivery holds the job.

    `context` is Lambda's (the bridge passes a look-alike): its remaining time bounds the work,
    so a very long text ends the job with the beginning spoken instead of timing out."""
    owner = parse_upload_key(key)
    if owner is None:
        log.warning("ignoring an object outside uploads/{user}/{job}/source", extra={"key": key})
        return "ignored"
    user_id, job_id = owner
    files = objects.JobFiles(bucket, user_id, job_id)
    with logs.context(job_id=job_id, user_id=user_id):
        s = settings.get()
        if not table.take_slot(user_id, job_id, s.worker.job_lease_seconds, s.worker.user_max_workers):
            table.wait_for_slot(user_id, job_id)
            log.info("the account's worker slots are all taken; the job waits its turn")
            raise AccountBusy("This account's other files are being read; this one waits its turn.")
        job = table.claim(user_id, job_id, s.worker.job_lease_seconds)
        if job is None:
            current = table.get(user_id, job_id)
            if current and current["status"] == table.PROCESSING and \
                    float(current.get("lease_until") or 0) > clock.now():
                log.info("another delivery holds the job; retry later")
                raise LeaseHeld("The job is being processed by another delivery.")  # its slot too
            log.info("duplicate delivery or finished job; nothing to do")
            _hand_on_slot(files, context)
            return "skipped"
        outcome = "raised"
        try:
            outcome = _run(files, key, job, context)
        finally:
            if outcome != "continued":  # a job keeps its slot between its turns
                # A book's shards run on the shards queue, under its own concurrency: its slot goes.
                _hand_on_slot(files, context, planned=outcome == "planned")
        return outcome


def _run(files: objects.JobFiles, key: str, job: dict, context) -> str:
    attempt = int(job.get("attempts", 1))
    if attempt > settings.get().worker.worker_max_attempts:
        # Every earlier attempt died without a word (killed, timed out, out of memory):
        # this input would most likely kill this one too.
        table.fail(job["user_id"], job["job_id"], GAVE_UP.format(n=attempt - 1))
        log.warning("failed: attempts exhausted", extra={"attempt": attempt})
        return "failed"
    log.info("processing", extra={"attempt": attempt, "kind": job.get("kind") or kinds.DEFAULT})
    return _attempt(files, key, job, attempt, _deadline(context), context)


def _hand_on_slot(files: objects.JobFiles, context, planned: bool = False) -> None:
    """Give the job's worker slot back and start the account's oldest waiting job in it; not
    while the job is still processing (another delivery took it over, and the slot is its),
    unless it is a book just `planned`."""
    try:
        current = table.get(files.user_id, files.job_id)
        if current is not None and current["status"] == table.PROCESSING and not planned:
            return
        waiting = table.free_slot(files.user_id, files.job_id)
        if waiting is not None:
            _continue_later(files.bucket, upload_key(files.user_id, waiting), context)
    except Exception:  # noqa: BLE001 - the slot's lease runs out; the sweep starts the waiting job
        log.exception("could not hand the worker slot on")


def _deadline(context) -> float | None:
    """time.monotonic() by which the kind's work must stop: the remaining time less what
    storing the outputs and ending the job need."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return None
    return time.monotonic() + remaining() / 1000.0 - STORE_MARGIN_SECONDS


def _attempt(files: objects.JobFiles, key: str, job: dict, attempt: int, deadline: float | None,
             context=None) -> str:
    user_id, job_id = job["user_id"], job["job_id"]
    try:
        return _process(files, key, job, deadline, context)
    except _JobGone:
        return "skipped"
    except PageVoiceError as exc:
        if not exc.permanent:
            return _give_back(user_id, job_id, attempt, exc, exc.message)
        table.fail(user_id, job_id, exc.message)
        log.info("failed", extra={"reason": exc.message})
        return "failed"
    except ObjectMissing:
        table.fail(user_id, job_id, "The uploaded file is missing; please upload it again.")
        return "failed"
    except Exception as exc:  # noqa: BLE001 - AWS throttling or 5xx, or a bug met on odd input
        # An unexpected error must not leave the job `processing` under a live lease; the
        # retry has it at once.
        log.exception("unexpected error")
        return _give_back(user_id, job_id, attempt, exc)


def _give_back(user_id: str, job_id: str, attempt: int, exc: Exception, reason: str | None = None) -> str:
    """After a transient error: hand the job back for the retry and re-raise `exc` (Lambda and
    the local bridge retry on a raise), or, on the last attempt, fail the job."""
    try:
        if attempt >= settings.get().worker.worker_max_attempts:
            table.fail(user_id, job_id, f"{reason} {GAVE_UP.format(n=attempt)}" if reason else GAVE_UP.format(n=attempt))
            log.warning("failed: attempts exhausted", extra={"attempt": attempt})
            return "failed"
        table.release(user_id, job_id)
    except Exception:  # noqa: BLE001 - never hide the error that brought us here
        log.exception("could not hand the job back; its lease will run out")
    raise exc


class _JobGone(Exception):
    """The job was deleted, or is no longer this worker's, while it ran: stop at once."""


def _process(files: objects.JobFiles, key: str, job: dict, deadline: float | None, context=None) -> str:
    user_id, job_id, bucket = files.user_id, files.job_id, files.bucket
    kind = kinds.get(job.get("kind"))
    source = files.key(SOURCE)
    # A later turn (or a retry) reads the copy an earlier one kept: the upload itself may since
    # have been replaced through its still-valid presigned POST.
    resumed = job.get("source_key") == source
    if job.get("link") and not resumed:  # read by link: its answer is the upload (kept as one is)
        job, kind = _fetch_link(files, job)
        resumed = True
    read_key = source if resumed else key
    # The presigned policy caps the size, but re-check: the policy is only as good as whoever
    # enforces it (moto does not), and this is untrusted input.
    size, etag = objects.stat(bucket, read_key)
    limit = kind.max_bytes(job.get("content_type"))
    if size > limit:
        raise MediaError(f"The file is {size / 1048576:.1f} MB; the limit is {limit / 1048576:.0f} MB.")
    t0 = time.perf_counter()
    if not resumed:
        # The bytes processed are kept beside the results (the job's image_url), and the upload
        # itself is left to the lifecycle rule.
        objects.keep_source(bucket, key, source, etag, job.get("content_type") or "application/octet-stream")
        _still_ours(table.record_source(user_id, job_id, source), files)
    data = objects.read_pinned(bucket, read_key, etag)
    # A book re-driven (it stalled) is planned again: its shards done are kept, the rest sent again.
    resume, grown = (None, growing.Growing()) if book.is_book(job) else _resume(files, job, kind)
    out = _Publisher(files, job, grown, fetch_ms=int((time.perf_counter() - t0) * 1000), kind=kind)
    try:
        with _TEXT_FIRST.job() as first_out:
            def publish(early: Outputs) -> None:
                out.publish(early)
                first_out()

            outputs = kind.run(data, deadline=deadline, publish=publish, resume=resume, language=job.get("language"),
                               options={"skip": job.get("skip")}, content_type=job.get("content_type"),
                               lexicon=_lexicon(kind, user_id), voices=_voices(kind, job, user_id))
        if outputs.more:
            out.publish(outputs)
    except IsBook as signal:
        return book.start(files, job, kind, signal.survey, context)
    except growing.ResultTooLarge:
        log.warning("result past its size cap; ending with what was published")
        outputs = out.cut_short()
    t0 = time.perf_counter()
    if outputs.more:
        turns = int(job.get("turns") or 0) + 1
        if turns < settings.get().worker.worker_max_turns:
            _still_ours(table.hand_over(user_id, job_id), files)
            _continue_later(bucket, key, context)
            log.info("turn ended with work left; continuing", extra={"turn": turns})
            return "continued"
        log.warning("turns exhausted; finishing with what is done", extra={"turns": turns})
    if job.get("link_final") and isinstance(outputs.result.get("document"), dict):
        outputs.result["document"]["source_url"] = job["link_final"]  # read by link: where (CONTRACTS section 18)
    outputs = out.final(outputs)
    timings = {**outputs.result["timings_ms"], "store": int((time.perf_counter() - t0) * 1000)}
    summary = summarise(kind, outputs)
    _still_ours(table.finish(user_id, job_id, result_key=out.result_key, outputs=out.stored, transient=out.transient,
                             timings_ms=timings, summary=summary, kind=kind.name,
                             seconds=kind.seconds(outputs.result)), files)
    usage.count_read(user_id, job, summary)  # pages read, against the account's quota
    out.remove_growing()
    log.info("done", extra={"timings_ms": timings, **summary})
    return "done"


def _lexicon(kind, user_id: str) -> list[dict] | None:
    """The account's pronunciations as they are now, for a kind that speaks text: each turn reads
    them again, so a recording made in turns follows a change from the next turn on."""
    return pronunciations.get(user_id) if kind.pronunciations else None


def _voices(kind, job: dict, user_id: str) -> dict[str, str] | None:
    """The voice chosen per language (CONTRACTS section 16): the account's defaults as they are
    now, the upload's `voice` over them in every language it speaks."""
    return voices.chosen(users.voices_of(user_id), job) if kind.pronunciations else None  # kinds that read aloud


def _still_ours(written, files: objects.JobFiles) -> None:
    """After a conditional write of the job's record: when it failed, the job was deleted (then
    everything written for it is removed) or is no longer processing here; stop either way."""
    if written:
        return
    if table.get(files.user_id, files.job_id) is None:
        files.delete_all(outputs_only=True)
        log.info("job deleted while processing; its outputs removed")
    else:
        log.info("job no longer processing here; stopping")
    raise _JobGone()


class _Publisher:
    """Stores a job's outputs as its kind publishes them: files as they come, the result as it
    grows (jobs.growing.Growing: only what is new), and result.json whole at the end."""

    def __init__(self, files: objects.JobFiles, job: dict, grown: growing.Growing, fetch_ms: int, kind=None):
        self.files, self.growing, self.fetch_ms, self.kind = files, grown, fetch_ms, kind
        self.stored: dict[str, str] = dict(job.get("outputs") or {})  # what earlier turns stored
        self.transient: set[str] = set(job.get("transient_outputs") or ())  # those of them kept a day
        self.result_key = files.key(RESULT)
        self.max_bytes = settings.get().limits.max_result_bytes

    def _put(self, name: str, body, content_type: str, transient: bool = False) -> str:
        return objects.write(self.files.bucket, self.files.key(name), body, content_type, transient=transient)

    def _files(self, outputs: Outputs) -> None:
        for name, (body, content_type) in outputs.files.items():
            self.stored[name] = self._put(name, body, content_type, transient=name in outputs.transient)
            if name in outputs.transient:
                self.transient.add(name)

    def _timed(self, outputs: Outputs) -> None:
        outputs.result["timings_ms"] = {"fetch": self.fetch_ms, **outputs.result.get("timings_ms", {})}

    def publish(self, early: Outputs) -> None:
        """Early outputs (the text before its recording, each part of it, a document's pages):
        GET /jobs/{id} shows them at once, and a later turn goes on from them. Raises
        ResultTooLarge (nothing written) past the size cap, _JobGone when the job was deleted."""
        self._timed(early)
        change = self.growing.diff(early.result, self.max_bytes)
        self._files(early)
        for name, body in change.files.items():
            self._put(name, body, "application/json")
        index = self._put(growing.INDEX, change.index, "application/json")
        self.growing.commit(change)
        seconds = self.kind.seconds(early.result) if self.kind is not None else None
        _still_ours(table.record_progress(self.files.user_id, self.files.job_id, index, self.stored, self.transient,
                                          seconds=seconds), self.files)

    def cut_short(self) -> Outputs:
        """The last published result, which fit, marked as cut short; a result that never fitted
        fails the job."""
        last = self.growing.result()
        if last is None:
            raise MediaError(TOO_LARGE.format(mb=self.max_bytes / 1048576))
        return Outputs(result={**last, "complete": False, "reason": "size"})

    def final(self, outputs: Outputs) -> Outputs:
        """result.json, whole, and the last files; what was stored (the last published result
        instead when this one is past the size cap)."""
        self._timed(outputs)
        body = growing.encode(outputs.result)
        if len(body) > self.max_bytes:
            log.warning("final result past its size cap; ending with what was published")
            outputs = self.cut_short()
            body = growing.encode(outputs.result)
        else:
            self._files(outputs)
        self._put(RESULT, body, "application/json")
        return outputs

    def remove_growing(self) -> None:
        """The index and parts, once result.json holds it all (a failure leaves them to the
        job's deletion)."""
        try:
            self.files.delete(self.growing.names())
        except Exception:  # noqa: BLE001 - the job is done; only storage is wasted
            log.exception("could not remove the parts of the growing result")


def _resume(files: objects.JobFiles, job: dict, kind) -> tuple[Resume | None, growing.Growing]:
    """What an earlier invocation of this job published, for a kind that can go on from it, and
    how its result was stored so far."""
    key = job.get("result_key")
    if key == files.key(growing.INDEX):
        index, _ = objects.read_json(files.bucket, key)
        if index is None or not kind.resumable:
            return None, growing.Growing.after(index)
        result = files.assemble(index)
        grown = growing.Growing.resumed(index, result)
    elif kind.resumable and key == files.key(RESULT):  # published whole (before parts)
        result, grown = objects.read_json(files.bucket, key)[0], growing.Growing()
        if job.get("rerecording") and result is not None:  # a finished job whose recording is made again
            result = kind.unrecorded(result)
    else:
        result = None
    if result is None:
        return None, growing.Growing()
    outputs = dict(job.get("outputs") or {})

    def read(name: str) -> bytes:
        return objects.read_bytes(files.bucket, outputs.get(name) or files.key(name))

    log.info("resuming from the published result")
    return Resume(result=result, read=read), grown


def _fetch_link(files: objects.JobFiles, job: dict) -> tuple[dict, object]:
    """A job read by link (CONTRACTS section 18): its address fetched (chalicelib.links: safe on
    the open internet, bounded; a failure fails the job with its sentence), what came back told
    apart by its bytes and stored where an upload is kept, counted against the account's storage,
    and the job's record saying what it is and which kind reads it. (The job, the kind.)"""
    from chalicelib.links import reader

    got = reader.read(job["link"])
    kind = kinds.get(got.kind)
    limit = kind.max_bytes(got.content_type)
    if len(got.body) > limit:
        raise MediaError(f"That link gave a file of {len(got.body) / 1048576:.1f} MB; the limit is "
                         f"{limit / 1048576:.0f} MB.")
    usage.reserve(files.user_id, len(got.body))
    source = files.key(SOURCE)
    objects.write(files.bucket, source, got.body, got.content_type)
    _still_ours(table.record_fetched(files.user_id, files.job_id, source, kind=kind.name, content_type=got.content_type,
                                     size=len(got.body), filename=got.filename, url=got.url), files)
    log.info("link read", extra={"bytes": len(got.body), "content_type": got.content_type, "kind": kind.name})
    return table.get(files.user_id, files.job_id) or job, kind


def _continue_later(bucket: str, key: str, context) -> None:
    """Deployed: invoke this function again, asynchronously, with an upload's event: the next
    turn of a long job, or the account's next waiting job (the local bridge re-queues a
    "continued" outcome itself, and its sweep starts waiting jobs). Should the invoke fail,
    the sweep re-drives the job: its lease has ended, or it never had one."""
    arn = getattr(context, "invoked_function_arn", None)
    if not arn:
        return
    try:
        events.redeliver(events.s3_event(bucket, key), arn)
    except Exception:  # noqa: BLE001 - the sweep picks the job up
        log.exception("could not invoke the next turn; the sweep will")


def summarise(kind, outputs: Outputs) -> dict:
    """A few numbers for the job list and the logs: the kind's own (`Kind.summary`: the worker
    reads no result's insides), and the files it wrote."""
    summary = kind.summary(outputs.result)
    if outputs.files:
        summary["files"] = sorted(outputs.files)
    return summary


class _TextFirst:
    """Holds the engines that load in the background (a kind's `warm_later`: the voice) while a
    job makes its first output. A cold start's event comes right after the init, and loading
    the voice beside the first photo's OCR on two cores delayed its text by ~0.3 s while
    bringing its audio no sooner (bench.cold_start). An idle worker loads them after GRACE_S."""

    GRACE_S = 0.5  # time for the event that started a cold container to reach the handler
    MAX_WAIT_S = 60.0  # a first output taking longer than this no longer holds them back

    def __init__(self) -> None:
        self._free = threading.Event()
        self._free.set()

    @contextlib.contextmanager
    def job(self):
        """Around a job: yields the call that says its first output is out."""
        self._free.clear()
        try:
            yield self._free.set
        finally:
            self._free.set()

    def wait(self) -> None:
        time.sleep(self.GRACE_S)
        self._free.wait(self.MAX_WAIT_S)


_TEXT_FIRST = _TextFirst()


def _warm_clients() -> None:
    try:
        aws.warm_up()
    except Exception:  # noqa: BLE001 - the first job builds them again, and says what is wrong
        log.warning("AWS clients not built at init", exc_info=True)


def warm_up() -> None:
    """Load the engines of the kinds named by settings.worker.warm_kinds before the first event;
    what they load later waits for the first job's text (_TextFirst)."""
    warm = [kinds.get(name) for name in filter(None, (n.strip() for n in settings.get().worker.warm_kinds.split(",")))]
    # The AWS clients build beside the models: onnxruntime loads and runs without the GIL.
    clients = threading.Thread(target=_warm_clients, name="warm-aws")
    clients.start()
    for kind in warm:
        kind.warm()
    clients.join()
    for kind in warm:
        kind.warm_in_background(wait=_TEXT_FIRST.wait)


if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
    # Container Lambda init: a warm container reuses what loads here.
    warm_up()
