"""The jobs table: each job's record and its transitions (DynamoDB), nothing else. Its objects
in S3 are jobs.objects'; what needs both (settling, deleting) is jobs.lifecycle.

A job's life: `uploading` (record made, presigned POST handed out) -> `queued` (the
upload arrived) -> `processing` (a worker holds a lease) -> `done` | `failed`.
The worker's transitions are conditional writes, so a duplicate S3 event or a retry
after a crash never does the work twice, and a crashed worker's lease runs out. A job
nothing can move any more (its event lost, its worker dead on the last retry, its upload
never sent) is failed with a reason when it is next read (`settle`): every job ends.

A user's jobs are one partition, newest first (jobs.keys: ULIDs); another user's job is not
in it at all.

The sweep never scans the table: an unfinished job carries `sweep = "open"`, a sparse index
(chalicelib.resources) lists those, and a finished job leaves it. A deleted job leaves a
tombstone in that index (`sweep = "deleted"`, in its own partition) until no worker can still
write for it, so the sweep removes whatever a worker wrote after the delete. Each account's
worker slots (`take_slot`) cap how many of its jobs run at once when deployed.

A persistence door: a conditional write that finds the record otherwise answers None or False
(chalicelib.errors.ConditionFailed, from chalicelib.aws.translated), never botocore's error.
"""
from __future__ import annotations

import base64
import binascii
import contextlib
import json
from collections.abc import Callable, Iterable
from decimal import Decimal

from boto3.dynamodb.conditions import Key

from chalicelib import aws, clock, kinds, logs, settings
from chalicelib.errors import ConditionFailed, InputError
from chalicelib.jobs.keys import is_job_id, new_job_id, owned

log = logs.get("jobs")

UPLOADING, QUEUED, PROCESSING, DONE, FAILED = "uploading", "queued", "processing", "done", "failed"
STATUSES = (UPLOADING, QUEUED, PROCESSING, DONE, FAILED)
UNFINISHED = (UPLOADING, QUEUED, PROCESSING)
ERROR_MAX = 1000  # characters of a failure reason kept on the record
# The sweep index's values (resources.TABLES["JobsTable"]["indexes"]["sweep"]).
SWEEP_INDEX, SWEEP_OPEN, SWEEP_DELETED = "sweep", "open", "deleted"
# Partitions beside the users' own (no user id has a "#"): deleted jobs' tombstones and each
# account's worker slots. list_page and get only ever read a user's own partition.
TOMBSTONES, SLOTS, SLOTS_ITEM = "DELETED#", "WORKERS#", "slots"
TOMBSTONE_SECONDS = 3600  # the sweep keeps cleaning a deleted job's prefixes this long
EXPIRES_AFTER_SECONDS = 86400  # DynamoDB's TTL reaps tombstones and idle slots after this

# Every job ends. A job nobody will move again is reported, and recorded, as
# failed once no delivery can still come for it (see `settle`; the windows are settings:
# job_retry_window_seconds, upload_grace_seconds).
NEVER_ARRIVED = "The upload never arrived. Please upload the image again."
DID_NOT_FINISH = "Processing did not finish. Please upload the image again."

# --- Records ---

def _table():
    return aws.jobs_table()


def _to_dynamo(value):
    # DynamoDB takes no floats: send them as Decimals.
    return json.loads(json.dumps(value), parse_float=Decimal)


def plain(value):
    """A DynamoDB item as JSON-ready Python (Decimal -> int or float)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def create(user_id: str, *, filename: str, content_type: str, size: int, kind: str = kinds.DEFAULT,
           language: str | None = None, skip=None, voice: str | None = None, link: str | None = None) -> dict:
    """A new job in `uploading`, waiting for its upload (`language`: the one it names, or None;
    `skip`: the roles not to speak, or None for the kind's default; `voice`: the voice chosen to
    read it, or None; `link`: the address its worker fetches instead, CONTRACTS section 18)."""
    now = clock.now()
    item = {"user_id": user_id, "job_id": new_job_id(), "status": UPLOADING, "kind": kind,
            "filename": filename, "content_type": content_type, "size": size,
            "created_at": clock.iso(now), "updated_at": clock.iso(now),
            "error": None, "timings_ms": None, "result_key": None, "audio_key": None,
            "attempts": 0, "lease_until": None, "sweep": SWEEP_OPEN}
    if language:
        item["language"] = language
    if skip is not None:
        item["skip"] = list(skip)
    if voice:
        item["voice"] = voice
    if link:
        item["link"] = link
    with aws.translated():  # ConditionFailed: never, job ids being unique (jobs.keys)
        _table().put_item(Item=item, ConditionExpression="attribute_not_exists(job_id)")
    return item


def get(user_id: str, job_id: str) -> dict | None:
    """The caller's job, or None (also for another user's job and for malformed ids)."""
    if not is_job_id(job_id):
        return None
    item = _table().get_item(Key={"user_id": user_id, "job_id": job_id}, ConsistentRead=True).get("Item")
    return plain(item) if item else None


def _encode_cursor(job_id: str) -> str:
    return base64.urlsafe_b64encode(job_id.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> str:
    try:
        job_id = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        job_id = ""
    if not is_job_id(job_id):
        raise InputError("The 'next' cursor is not valid; start again without it.", field="next")
    return job_id


def list_page(user_id: str, *, limit: int = 20, cursor: str | None = None) -> tuple[list[dict], str | None]:
    """One page of the caller's records, newest first, and the cursor of the next page (or
    None). The records carry the fields a list shows, plus user_id and lease_until (for `settle`).

    The cursor only carries a job id: the query is always the caller's own partition,
    so a forged cursor cannot reach anyone else's jobs.
    """
    kwargs = {
        "KeyConditionExpression": Key("user_id").eq(user_id),
        "ScanIndexForward": False,
        "Limit": limit + 1,  # one extra tells whether a next page exists
        "ProjectionExpression": "user_id, job_id, kind, #s, filename, created_at, updated_at, #e, lease_until, summary, "
                                "#p, #sec",
        # POSITION is one of DynamoDB's reserved words.
        "ExpressionAttributeNames": {"#s": "status", "#e": "error", "#p": "position", "#sec": "seconds"},
    }
    if cursor:
        kwargs["ExclusiveStartKey"] = {"user_id": user_id, "job_id": _decode_cursor(cursor)}
    items = [plain(i) for i in _table().query(**kwargs)["Items"]]
    page = items[:limit]
    return page, (_encode_cursor(page[-1]["job_id"]) if len(items) > limit else None)


def settle(job: dict, upload_time: Callable[[], float | None]) -> dict:
    """The job as it stands: an unfinished job that nothing can move any more is failed, with a
    reason, and that is recorded (a conditional write, so a worker that moved it meanwhile wins).
    `upload_time()`: when its upload arrived (None: it did not), asked only when it matters.

    A lost event, a worker that died on its last retry or an upload that never came would
    otherwise leave a job `uploading`, `queued` or `processing` for ever.
    """
    reason = _stale_reason(job, clock.now(), upload_time)
    if reason is None:
        return job
    updated = _transition(job["user_id"], job["job_id"],
                          "SET #s = :failed, #e = :reason, lease_until = :none, updated_at = :now_iso REMOVE sweep",
                          "#s = :seen AND updated_at = :seen_at",
                          {":failed": FAILED, ":reason": reason, ":none": None, ":seen": job["status"],
                           ":seen_at": job["updated_at"]}, {"#e": "error"})
    if updated is None:  # moved (or deleted) since it was read: show what it is now
        updated = get(job["user_id"], job["job_id"]) or job
    else:
        log.info("stale job failed", extra={"job_id": job["job_id"], "was": job["status"], "reason": reason})
    return {k: updated.get(k) for k in job}  # the caller's fields only (a page's projection)


def _stale_reason(job: dict, now: float, upload_time: Callable[[], float | None]) -> str | None:
    status = job.get("status")
    if status == UPLOADING:
        s = settings.get()
        expired = clock.parse_iso(job["created_at"]) + s.limits.upload_url_ttl_seconds + s.worker.upload_grace_seconds
        if now < expired:
            return None
        arrived = upload_time()
        if arrived is None:
            return NEVER_ARRIVED
        since = arrived  # it came, but no event reached a worker: give the event its retries
    elif status == QUEUED:  # released after a transient error: the retry is due
        since = clock.parse_iso(job["updated_at"])
    elif status == PROCESSING:  # its worker died: a retry can take over once the lease ends
        since = float(job.get("lease_until") or 0)
    else:
        return None
    return DID_NOT_FINISH if now >= since + settings.get().worker.job_retry_window_seconds else None


def save_position(user_id: str, job_id: str, t: float | None, place: dict | None = None) -> bool:
    """Where the listener is in the job's recording (`position`: {"t": seconds, "at": when}), or
    in its text (`place`: {"page", "line", "word"}, CONTRACTS section 15); the last write wins. Not a transition: `updated_at`, the status and the sweep's view of the job
    are left alone, so saving a place every few seconds never moves a job. False when the caller
    has no such job."""
    if not is_job_id(job_id):
        return False
    try:
        with aws.translated():
            _table().update_item(Key={"user_id": user_id, "job_id": job_id}, UpdateExpression="SET #p = :p",
                                 ConditionExpression="attribute_exists(job_id)", ExpressionAttributeNames={"#p": "position"},
                                 ExpressionAttributeValues=_to_dynamo({":p": {
                                     **({"place": place} if place is not None else {"t": t}),
                                     "at": clock.iso(clock.now())}}))
    except ConditionFailed:
        return False
    return True


def set_speaker_names(user_id: str, job_id: str, names: dict[str, str]) -> bool:
    """The names of a recording's speakers (CONTRACTS section 17), the whole map (the last write
    wins). Not a transition, as save_position. False when the caller has no such job."""
    if not is_job_id(job_id):
        return False
    try:
        with aws.translated():
            _table().update_item(Key={"user_id": user_id, "job_id": job_id}, UpdateExpression="SET speaker_names = :n",
                                 ConditionExpression="attribute_exists(job_id)",
                                 ExpressionAttributeValues=_to_dynamo({":n": names}))
    except ConditionFailed:
        return False
    return True


def put_book(user_id: str, job_id: str, attribute: str, state: dict, *, recording: str, replaces: str | None) -> bool:
    """Keep `state` (a map with a `build` id) as the job's book `attribute` (chalicelib.books.export:
    book_epub, book_mp3, book_m4b), only while the job is done with the recording finished at `recording`
    (its updated_at) and the attribute still holds the build `replaces` (None: no book yet). Not a
    transition: the status, updated_at and the sweep's view of the job are left alone. False when
    the condition fails (the job deleted, recorded again, or another build took the book's place)."""
    if not is_job_id(job_id):
        return False
    held = "#b.#build = :replaces" if replaces else "attribute_not_exists(#b)"
    try:
        with aws.translated():
            _table().update_item(
                Key={"user_id": user_id, "job_id": job_id}, UpdateExpression="SET #b = :state",
                ConditionExpression=f"attribute_exists(job_id) AND #s = :done AND updated_at = :rec AND {held}",
                ExpressionAttributeNames={"#b": attribute, "#s": "status", **({"#build": "build"} if replaces else {})},
                ExpressionAttributeValues=_to_dynamo({":state": state, ":done": DONE, ":rec": recording,
                                                      **({":replaces": replaces} if replaces else {})}))
    except ConditionFailed:
        return False
    return True


def remove(user_id: str, job_id: str) -> bool:
    """Remove the job's record, leaving a tombstone first (jobs.lifecycle.delete removes the
    objects after). False when there is no such job of the caller's."""
    if get(user_id, job_id) is None:
        return False
    now = clock.now()
    _table().put_item(Item=_to_dynamo({"user_id": TOMBSTONES + user_id, "job_id": job_id, "sweep": SWEEP_DELETED,
                                       "deleted_at": now, "expires_at": int(now + EXPIRES_AFTER_SECONDS)}))
    _table().delete_item(Key={"user_id": user_id, "job_id": job_id})
    return True


def each(user_id: str, *, before: str | None = None):
    """Every record of the user's jobs, oldest first (only those whose id sorts before `before`:
    keys.id_at gives the id of a moment)."""
    condition = Key("user_id").eq(user_id)
    if before is not None:
        condition = condition & Key("job_id").lt(before)
    query = {"KeyConditionExpression": condition, "ConsistentRead": True}
    while True:
        page = _table().query(**query)
        yield from (plain(i) for i in page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return
        query["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def sweep_keys(which: str):
    """(user_id, job_id) of each entry of the sweep index: SWEEP_OPEN (unfinished jobs) or
    SWEEP_DELETED (tombstones, with the user id they were deleted from)."""
    query = {"IndexName": SWEEP_INDEX, "KeyConditionExpression": Key("sweep").eq(which)}
    while True:
        page = _table().query(**query)
        for item in page.get("Items", []):
            user_id = item["user_id"]
            yield (user_id[len(TOMBSTONES):] if which == SWEEP_DELETED else user_id), item["job_id"]
        if "LastEvaluatedKey" not in page:
            return
        query["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def tombstone(user_id: str, job_id: str) -> dict | None:
    item = _table().get_item(Key={"user_id": TOMBSTONES + user_id, "job_id": job_id}, ConsistentRead=True).get("Item")
    return plain(item) if item else None


def forget_tombstone(user_id: str, job_id: str) -> None:
    _table().delete_item(Key={"user_id": TOMBSTONES + user_id, "job_id": job_id})


# --- Worker slots: how many of one account's jobs run at once (deployed concurrency is shared) ---

def _slots_key(user_id: str) -> dict:
    return {"user_id": SLOTS + user_id, "job_id": SLOTS_ITEM}


def forget_slots(user_id: str) -> None:
    """The account's slot record (an erased account's)."""
    _table().delete_item(Key=_slots_key(user_id))


def take_slot(user_id: str, job_id: str, lease_seconds: float, cap: int) -> bool:
    """A worker slot of the account for this job, leased like the job: False when `cap` other
    jobs of the account hold live slots (the job then waits: `wait_for_slot`). A job keeps its
    own slot across its turns; a slot whose worker died expires with its lease."""
    for _ in range(5):  # another claim of the same account raced this one: read again
        now = clock.now()
        item = _table().get_item(Key=_slots_key(user_id), ConsistentRead=True).get("Item") or {}
        leases = {j: float(t) for j, t in (item.get("leases") or {}).items() if float(t) > now and j != job_id}
        if len(leases) >= cap:
            return False
        version = int(item.get("version", 0))
        try:
            with aws.translated():
                _table().update_item(
                    Key=_slots_key(user_id), UpdateExpression="SET leases = :l, version = :next, expires_at = :exp",
                    ConditionExpression="attribute_not_exists(version) OR version = :v",
                    ExpressionAttributeValues=_to_dynamo({":l": {**leases, job_id: now + lease_seconds}, ":v": version,
                                                          ":next": version + 1,
                                                          ":exp": int(now + lease_seconds + EXPIRES_AFTER_SECONDS)}))
            return True
        except ConditionFailed:
            continue
    return False


def wait_for_slot(user_id: str, job_id: str) -> None:
    """Note that the job waits for one of the account's slots: the worker that frees one hands
    it on (`free_slot`). The job is `queued` from now, so the time it may wait before it counts
    as lost (`settle`) starts again with each turn it is refused."""
    _table().update_item(Key=_slots_key(user_id), UpdateExpression="ADD waiting :j",
                         ExpressionAttributeValues={":j": {job_id}})
    _transition(user_id, job_id, "SET #s = :queued, updated_at = :now_iso", "#s IN (:uploading, :queued)",
                {":queued": QUEUED, ":uploading": UPLOADING})


def free_slot(user_id: str, job_id: str) -> str | None:
    """Give the job's slot back; the waiting job it is handed on to (removed from the waiting
    set here, so only one worker hands it on), or None."""
    try:
        with aws.translated():
            reply = _table().update_item(
                Key=_slots_key(user_id), UpdateExpression="REMOVE leases.#j SET version = version + :one",
                ConditionExpression="attribute_exists(version)", ExpressionAttributeNames={"#j": job_id},
                ExpressionAttributeValues={":one": 1}, ReturnValues="ALL_NEW")
    except ConditionFailed:
        return None
    for waiting in sorted(reply["Attributes"].get("waiting") or ()):  # oldest job first (ULIDs)
        try:
            with aws.translated():
                _table().update_item(Key=_slots_key(user_id), UpdateExpression="DELETE waiting :j",
                                     ConditionExpression="contains(waiting, :one)",
                                     ExpressionAttributeValues={":j": {waiting}, ":one": waiting})
            return waiting
        except ConditionFailed:
            continue
    return None


# --- Worker transitions (each a conditional update; None/False when the condition fails) ---

def _transition(user_id: str, job_id: str, update: str, condition: str, values: dict,
                names: dict | None = None) -> dict | None:
    if not is_job_id(job_id):
        return None
    try:
        with aws.translated():
            reply = _table().update_item(
                Key={"user_id": user_id, "job_id": job_id}, UpdateExpression=update,
                ConditionExpression=f"attribute_exists(job_id) AND ({condition})",
                ExpressionAttributeNames={"#s": "status", **(names or {})},
                ExpressionAttributeValues=_to_dynamo({**values, ":now_iso": clock.iso(clock.now())}),
                ReturnValues="ALL_NEW")
    except ConditionFailed:
        return None
    return plain(reply["Attributes"])


# What a finished job shows, kept while its recording is made again: a failed attempt puts it back.
AGAIN_KEPT = ("result_key", "audio_key", "outputs", "transient_outputs", "timings_ms", "summary", "seconds", "voice")
KEEP = object()  # record_again's voice: the job's stays


def record_again(user_id: str, job_id: str, job: dict, voice=KEEP) -> dict | None:
    """`done` -> `queued` to make the job's recording again (POST /jobs/{id}/recording): marked
    `rerecording` until it ends, with fresh attempts and turns, back in the sweep's index so a
    lost start is re-driven. Its result and files stay as they are: the worker replaces the
    recording's files when the new one is whole, and what the finished job showed (`job`, as
    read) is kept in `before_again` for `fail` to put back. `voice`: the voice to read it with
    now (an id, or None for the account's and the languages' defaults); KEEP: the job's stays.
    None when the job is not done with a recording, or has changed since `job` was read (a
    second request, or one racing it, changes nothing)."""
    chosen = "" if voice is KEEP else ", voice = :voice"
    return _transition(
        user_id, job_id,
        "SET #s = :queued, rerecording = :yes, attempts = :zero, turns = :zero, lease_until = :none, "
        f"#e = :none, sweep = :open, before_again = :before, updated_at = :now_iso{chosen} REMOVE again_error",
        "#s = :done AND attribute_exists(audio_key) AND audio_key <> :none AND result_key = :r",
        {":queued": QUEUED, ":done": DONE, ":yes": True, ":zero": 0, ":none": None, ":open": SWEEP_OPEN,
         ":r": job.get("result_key"), ":before": {k: job.get(k) for k in AGAIN_KEPT},
         **({} if voice is KEEP else {":voice": voice})},
        {"#e": "error"})


def _fail_again(user_id: str, job_id: str, reason: str) -> dict | None:
    """A recording made again that failed: the job is `done` again as it was before (its old
    recording was never replaced: that happens only when the new one is whole), with the
    reason in `again_error`. None when the job is not being recorded again."""
    job = get(user_id, job_id)
    if not job or not job.get("rerecording") or not job.get("before_again"):
        return None
    before = job["before_again"]
    sets = ", ".join(f"#k{i} = :k{i}" for i in range(len(AGAIN_KEPT)))
    return _transition(
        user_id, job_id,
        f"SET #s = :done, {sets}, again_error = :reason, lease_until = :none, updated_at = :now_iso "
        "REMOVE sweep, rerecording, before_again",
        "rerecording = :yes AND #s IN (:queued, :processing)",
        {":done": DONE, ":yes": True, ":queued": QUEUED, ":processing": PROCESSING, ":none": None,
         ":reason": str(reason)[:ERROR_MAX] or "Processing failed.",
         **{f":k{i}": before.get(k) for i, k in enumerate(AGAIN_KEPT)}},
        {f"#k{i}": k for i, k in enumerate(AGAIN_KEPT)})


def mark_queued(user_id: str, job_id: str) -> bool:
    """`uploading` -> `queued` when the upload has arrived; a no-op (False) in any other state."""
    return _transition(user_id, job_id, "SET #s = :queued, updated_at = :now_iso", "#s = :uploading",
                       {":queued": QUEUED, ":uploading": UPLOADING}) is not None


def claim(user_id: str, job_id: str, lease_seconds: int) -> dict | None:
    """Take the job for processing: the updated record, or None when another delivery holds a
    live lease, the job is done or failed, or it does not exist."""
    now = clock.now()
    return _transition(
        user_id, job_id,
        "SET #s = :processing, lease_until = :lease, updated_at = :now_iso ADD attempts :one",
        "#s IN (:uploading, :queued) OR (#s = :processing AND lease_until <= :now)",
        {":processing": PROCESSING, ":uploading": UPLOADING, ":queued": QUEUED,
         ":lease": now + lease_seconds, ":now": now, ":one": 1})


def finish(user_id: str, job_id: str, *, result_key: str, timings_ms: dict, summary: dict,
           outputs: dict[str, str] | None = None, kind: str | None = None,
           transient: Iterable[str] = (), seconds: float | None = None) -> dict | None:
    """`processing` -> `done`, recording where the outputs are (`outputs`: file name -> key;
    the output `kind` declares as its audio is the job's recording, absent when there was
    nothing to say; `transient`: the names among them kept only a day) and how long the
    recording is (`seconds`, None: none; the job list shows it, a saved position is bounded
    by it). None when the job is no longer processing (e.g. deleted meanwhile)."""
    outputs = _owned_outputs(user_id, job_id, result_key, outputs)
    return _transition(
        user_id, job_id,
        "SET #s = :done, result_key = :r, audio_key = :a, outputs = :o, transient_outputs = :tr, timings_ms = :t, "
        "summary = :sum, #e = :none, lease_until = :none, #sec = :sec, updated_at = :now_iso "
        "REMOVE sweep, rerecording, before_again, again_error",
        "#s = :processing",
        {":done": DONE, ":processing": PROCESSING, ":r": result_key, ":a": outputs.get(kinds.get(kind).audio),
         ":o": outputs, ":tr": sorted(transient), ":t": timings_ms, ":sum": summary, ":none": None,
         ":sec": seconds},
        {"#e": "error", "#sec": "seconds"})


def record_progress(user_id: str, job_id: str, result_key: str, outputs: dict[str, str] | None = None,
                    transient: Iterable[str] = (), seconds: float | None = None) -> bool:
    """What the worker published so far (the text while its recording is made, the recording's
    parts, a document's pages read): GET /jobs/{id} shows it at once, and a later invocation of
    the job goes on from it. `seconds`: how much of the recording is published (None: none yet,
    left as it is)."""
    outputs = _owned_outputs(user_id, job_id, result_key, outputs)
    length = ", #sec = :sec" if seconds is not None else ""
    return _transition(user_id, job_id, "SET result_key = :r, outputs = :o, transient_outputs = :tr, "
                       f"updated_at = :now_iso{length}", "#s = :processing",
                       {":r": result_key, ":o": outputs, ":tr": sorted(transient), ":processing": PROCESSING,
                        **({":sec": seconds} if seconds is not None else {})},
                       {"#sec": "seconds"} if seconds is not None else None) is not None


def _owned_outputs(user_id: str, job_id: str, result_key: str, outputs: dict[str, str] | None) -> dict[str, str]:
    outputs = dict(outputs or {})
    for key in (result_key, *outputs.values()):
        if not owned(user_id, job_id, key):
            raise ValueError(f"{key!r} is not under this job's prefixes")
    return outputs


def hand_over(user_id: str, job_id: str) -> dict | None:
    """The worker's turn ended with work left (a long document): the job stays `processing`,
    its lease ends now so the next invocation claims it at once, and the turn is counted as a
    turn, not as a failed attempt. None when the job is no longer processing."""
    return _transition(
        user_id, job_id,
        "SET lease_until = :now, updated_at = :now_iso ADD turns :one, attempts :minus_one",
        "#s = :processing", {":now": clock.now(), ":one": 1, ":minus_one": -1, ":processing": PROCESSING})


def start_book(user_id: str, job_id: str, *, shards: int, pages: int, result_key: str,
               lease_seconds: int) -> dict | None:
    """The job is a book (chalicelib.jobs.book): how many reading shards and pages it has, where
    its index is, and a lease its shards extend as they end (so the sweep re-drives only a book
    nothing moved for that long). Its counters (`book_read`, ...) are added by the shards.
    None when the job is no longer processing."""
    if not owned(user_id, job_id, result_key):
        raise ValueError(f"{result_key!r} is not under this job's prefixes")
    return _transition(
        user_id, job_id,
        "SET book_shards = :shards, book_pages = :pages, result_key = :r, lease_until = :lease, updated_at = :now_iso, "
        "book_asked = if_not_exists(book_asked, :zero)",
        "#s = :processing", {":shards": shards, ":pages": pages, ":r": result_key, ":zero": 0,
                             ":lease": clock.now() + lease_seconds, ":processing": PROCESSING})


def mark_rest_asked(user_id: str, job_id: str, again_after: float) -> bool:
    """Note that the rest of a book's recording was asked for (chalicelib.jobs.book_demand.ask_rest),
    unless it was within `again_after` seconds; False then (or when there is no such job). Not a
    transition."""
    now = clock.now()
    try:
        with aws.translated():
            _table().update_item(Key={"user_id": user_id, "job_id": job_id}, UpdateExpression="SET book_rest = :now",
                                 ConditionExpression="attribute_exists(job_id) AND "
                                                     "(attribute_not_exists(book_rest) OR book_rest < :stale)",
                                 ExpressionAttributeValues=_to_dynamo({":now": now, ":stale": now - again_after}))
    except ConditionFailed:
        return False
    return True


def set_seconds(user_id: str, job_id: str, seconds: float | None) -> None:
    """A done book's recording length, once its recording is made whole after it was read."""
    if seconds is None:
        return
    with contextlib.suppress(ConditionFailed), aws.translated():
        _table().update_item(Key={"user_id": user_id, "job_id": job_id}, UpdateExpression="SET #sec = :sec",
                             ConditionExpression="attribute_exists(job_id) AND #s = :done",
                             ExpressionAttributeNames={"#sec": "seconds", "#s": "status"},
                             ExpressionAttributeValues=_to_dynamo({":sec": seconds, ":done": DONE}))


def record_source(user_id: str, job_id: str, key: str) -> bool:
    """Where the upload, as processed, is kept (the job's image_url from now on)."""
    if not owned(user_id, job_id, key):
        raise ValueError(f"{key!r} is not under this job's prefixes")
    return _transition(user_id, job_id, "SET source_key = :k, updated_at = :now_iso", "#s = :processing",
                       {":k": key, ":processing": PROCESSING}) is not None


def record_fetched(user_id: str, job_id: str, key: str, *, kind: str, content_type: str, size: int, filename: str,
                   url: str) -> bool:
    """A link's answer, stored at `key`, as the job's upload: what it is and which kind reads it
    (the job's image_url from now on), and where it came from after redirects."""
    if not owned(user_id, job_id, key):
        raise ValueError(f"{key!r} is not under this job's prefixes")
    return _transition(user_id, job_id, "SET source_key = :k, #kind = :kind, content_type = :ct, #size = :size, "
                       "filename = :name, link_final = :url, updated_at = :now_iso", "#s = :processing",
                       {":k": key, ":kind": kind, ":ct": content_type, ":size": size, ":name": filename, ":url": url,
                        ":processing": PROCESSING}, names={"#kind": "kind", "#size": "size"}) is not None


def release(user_id: str, job_id: str) -> bool:
    """Give a claimed job back after a transient error (throttling, timeouts), so the retry
    that follows can claim it at once instead of waiting for the lease to run out."""
    return _transition(user_id, job_id, "SET #s = :queued, lease_until = :none, updated_at = :now_iso",
                       "#s = :processing", {":queued": QUEUED, ":processing": PROCESSING,
                                            ":none": None}) is not None


def fail(user_id: str, job_id: str, reason: str) -> dict | None:
    """-> `failed` with a readable `error` (from any state but done/failed); None otherwise. A
    job whose recording was being made again goes back to `done` instead (`_fail_again`): the
    person loses nothing they had (what it showed is in `before_again`). Every other job's
    failure is the one conditional write."""
    failed = _transition(
        user_id, job_id,
        "SET #s = :failed, #e = :reason, lease_until = :none, updated_at = :now_iso REMOVE sweep",
        "#s IN (:uploading, :queued, :processing) AND attribute_not_exists(before_again)",
        {":failed": FAILED, ":reason": str(reason)[:ERROR_MAX] or "Processing failed.",
         ":uploading": UPLOADING, ":queued": QUEUED, ":processing": PROCESSING, ":none": None},
        {"#e": "error"})
    return failed if failed is not None else _fail_again(user_id, job_id, reason)
