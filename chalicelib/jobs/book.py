"""A book's executor: one job, many workers (CONTRACTS section 15). The planner decides
(chalicelib.kinds.plan, pure); this module calls AWS, as Chalice's deploy executor beside its
planner; the kind's book module (`Kind.book_work`) does each shard's work on bytes.

1. The upload's worker opens the document, and its kind says it is a book (`kinds.base.IsBook`):
   `start` records the plan on the job (`book_*` counters), writes the survey
   (BOOK_SURVEY: what the shards need, the PDF's outline), and sends one message per reading
   shard to the shards queue (the worker's second event source: Lambda runs as many workers
   as the queue's maximum concurrency allows). A document without pages was read whole by
   then: its reading shards' sections are stored (FLOW_FILE) for them to publish.
2. A worker takes a shard from the queue (`handle_shard`): claims it (a conditional write: a
   duplicate delivery does nothing), does it, stores its files, and ends it in one transaction
   with its job's counters (chalicelib.jobs.shards). A reading shard stores its pages and
   their text, cuts what is spoken into recording sections, and sends them to the queue; a
   recording section stores its MP3 and its word timings (timed from its own start).
3. The shard whose end makes every count whole writes the book's index (`build_index`, in
   chalicelib.jobs.growing's format: its pages and text are the shards' files, its
   `speech.parts` the sections' recordings) and ends the job. While it runs, GET /jobs/{id}
   builds the same index from the shards' items (`live_index`).

No object or item grows with the book: each shard's files and item hold its own pages or
section; the job's record holds counters; the index holds one entry per shard file and part.
A worker killed in a shard loses that shard only: its message comes back once its visibility
ends and the shard's lease has run out; a shard that fails `shard_max_attempts` times fails
alone (its pages, or its section, say why) and the book goes on.
"""
from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

from chalicelib import aws, clock, kinds, logs, resources, settings, voices
from chalicelib.auth import pronunciations, usage, users
from chalicelib.errors import ObjectMissing, PageVoiceError, Transient
from chalicelib.jobs import book_copy, book_files, growing, objects, shards, table
from chalicelib.jobs.book_files import (  # noqa: F401 - the book's files, named here for their readers
    AUDIO_FILE,
    BOOK_SURVEY,
    FLOW_FILE,
    PAGES_FILE,
    SECTIONS_FILE,
    SENTENCES_FILE,
    TEXT_FILE,
    TIMINGS_FILE,
    WINDOW_FILE,
    WINDOW_MP3,
    build_index,
)
from chalicelib.kinds import plan
from chalicelib.kinds.base import Survey

log = logs.get("book")

# The job's lease while its shards run: each shard's end extends it, so only a book no worker
# has moved on for this long is re-driven by the sweep (which sends its unfinished shards again).
LEASE_SECONDS = 1800
COUNTERS = ("book_read", "book_pages_read", "book_sections", "book_recorded", "book_seconds", "book_transcribed", "book_chars",
            "book_chars_recorded")
SEND_BATCH = 10  # SQS's SendMessageBatch maximum


class ShardBusy(Transient):
    """Another worker holds this shard's lease now: its message comes back later."""
    code = "shard_in_progress"


def is_book(job: dict) -> bool:
    return bool(job.get("book_shards"))


# --- 1. Planning -------------------------------------------------------------------------

def start(files: objects.JobFiles, job: dict, kind, survey: Survey, context=None) -> str:
    """Plan the book and hand its shards to the queue; "planned". Safe to run again (a sweep's
    re-drive of a book that stalled): shards done are not done again, the others are sent again."""
    s = settings.get()
    most = s.books.text_shard_pages if survey.text_layer else s.books.shard_pages
    recording = survey.recording
    if recording is not None:  # a long recording: one reading shard per window
        reading = [plan.Pages(i, i, i + 1) for i in range(survey.pages)]
    elif survey.flow is not None:
        words = [sum(len(line.get("words") or []) for line in page["lines"]) for page in survey.flow["pages"]]
        reading = plan.reading_by_words(words, plan.FLOW_SHARD_WORDS)
    else:
        reading = plan.reading(survey.pages, most)
    info = {"document": survey.document(), "outline": survey.outline, "flow": survey.flow is not None,
            "shard_pages": most, "shard_growth": most, "ranges": [[r.first, r.end] for r in reading] if survey.flow else None,
            "engine": (survey.flow or {}).get("engine"), "engine_version": (survey.flow or {}).get("engine_version"),
            "language": (survey.flow or {}).get("language"), "started": clock.now()}
    done, asked = _made(files)
    if recording is not None:
        info |= {"ranges": [[r.first, r.end] for r in reading],
                 "recording": {k: v for k, v in recording.items() if k != "path"}}
        try:
            return _start_recording(files, kind, survey, reading, info, done)
        finally:
            Path(recording["path"]).unlink(missing_ok=True)
    if survey.flow is not None:
        # Read whole already: each reading shard's sections are stored for it to publish, in
        # parallel, as a paged book's shards read their pages.
        work = kind.book_work()
        for r in reading:
            if r.id not in done:
                files_write(files, FLOW_FILE.format(r.index), growing.encode(work.flow_part(survey.flow, r.first, r.end)),
                            "application/json")
    if not _started(files, survey, reading, info):
        return "skipped"  # deleted meanwhile, or no longer this worker's
    # The first pages are what a listener reads and hears first: they go to the listener's queue.
    released = _released(reading, done)
    _send(files, [r.id for r in released if r.index == 0], FIRST)
    _send(files, [r.id for r in released if r.index > 0])
    # A book planned again (it stalled: a message lost, a worker gone): the sections asked for
    # that are not recorded yet are sent again too.
    _send(files, asked, RECORD)
    return "planned"


def _started(files: objects.JobFiles, survey: Survey, reading: list[plan.Pages], info: dict) -> bool:
    """The survey stored and the job made a book; False when it is no longer this worker's."""
    files_write(files, BOOK_SURVEY, json.dumps(info).encode(), "application/json")
    if table.start_book(files.user_id, files.job_id, shards=len(reading), pages=survey.pages,
                        result_key=files.key(growing.INDEX), lease_seconds=LEASE_SECONDS) is None:
        return False
    log.info("book planned", extra={"pages": survey.pages, "shards": len(reading), "flow": survey.flow is not None,
                                    "recording": survey.recording is not None})
    return True


def _start_recording(files: objects.JobFiles, kind, survey: Survey, reading: list[plan.Pages], info: dict,
                     done: set[str]) -> str:
    """A long recording's windows stored (transient) and each sent once its samples are there,
    the first before the book starts: its text comes while the others are still being stored."""
    work, recording = kind.book_work(), survey.recording
    todo = [r for r in reading if r.id not in done]

    def store(r: plan.Pages) -> None:
        objects.write(files.bucket, files.key(WINDOW_FILE.format(r.index)), work.window_audio(recording, r.index),
                      "audio/flac", transient=True)

    if todo and todo[0].index == 0:
        store(todo[0])
    if not _started(files, survey, reading, info):
        return "skipped"
    released = {r.id for r in _released(reading, done)}
    batch: list[str] = []
    for r in todo:
        if r.index == 0:
            _send(files, [r.id], FIRST)
            continue
        store(r)
        if r.id in released:
            batch.append(r.id)
        if len(batch) == SEND_BATCH:
            _send(files, batch)
            batch = []
    _send(files, batch)
    return "planned"


def reading_ahead() -> int:
    s = settings.get().books
    return max(1, s.reading_ahead_shards or s.shard_max_concurrency)


def _released(reading: list[plan.Pages], done: set[str]) -> list[plan.Pages]:
    """The reading shards whose messages should be on the queue: not done, and among a book's
    first `reading_ahead()` or after one done (shard i read sends shard i + ahead: `_read`). A
    book planned again (a sweep's re-drive) sends these again; the others wait for their turn."""
    ahead = reading_ahead()
    return [r for r in reading if r.id not in done and (r.index < ahead or plan.read_id(r.index - ahead) in done)]


def _made(files: objects.JobFiles) -> tuple[set[str], list[str]]:
    """The shards of a book done so far, and the recording sections asked for and not made."""
    done, asked = set(), []
    for item in shards.each(files.user_id, files.job_id):
        if item.get("status") == shards.DONE and isinstance(item.get("summary"), dict):
            done.add(item["shard"])
        elif (plan.parse_id(item["shard"]) or ("",))[0] == plan.RECORD:
            asked.append(item["shard"])
    return done, asked


def files_write(files: objects.JobFiles, name: str, body, content_type: str) -> str:
    return objects.write(files.bucket, files.key(name), body, content_type)


def _send(files: objects.JobFiles, shard_ids: list[str], queue: str | None = None, listener: bool = False) -> None:
    """One message per shard to `queue` (resources.worker_queues: the listener's, taken before any
    other; the reading shards'; the recording nobody waits for), each in its account's group (SQS
    fair queues); a duplicate is harmless: the claim dedupes."""
    if not shard_ids:
        return
    sqs = aws.sqs()
    url = queue_url(queue or SHARDS)
    for i in range(0, len(shard_ids), SEND_BATCH):
        batch = shard_ids[i:i + SEND_BATCH]
        entries = [{"Id": str(k), "MessageBody": json.dumps(message(files, shard, listener)), "MessageGroupId": files.user_id}
                   for k, shard in enumerate(batch)]
        reply = sqs.send_message_batch(QueueUrl=url, Entries=entries)
        if reply.get("Failed"):
            raise Transient(f"{len(reply['Failed'])} shard messages were not sent")


LISTENER = "listener"  # a message's "for": pages a listener moved to, not the book's own turn


def message(files: objects.JobFiles, shard: str, listener: bool = False) -> dict:
    return {"bucket": files.bucket, "user": files.user_id, "job": files.job_id, "shard": shard,
            **({"for": LISTENER} if listener else {})}


_QUEUE_URL: dict[str, str] = {}
SHARDS, FIRST, RECORD = "ShardsQueue", "FirstQueue", "RecordQueue"  # resources.worker_queues()


def queue_url(logical: str = SHARDS) -> str:
    return _url(resources.queue_name(logical, settings.get()))


def queue_url_of(arn: str | None) -> str:
    """The URL of the queue an event's record came from (its `eventSourceARN`); the shards queue's
    when it does not say."""
    return _url(arn.rsplit(":", 1)[-1]) if arn else queue_url()


def _url(name: str) -> str:
    if name not in _QUEUE_URL:
        _QUEUE_URL[name] = aws.sqs().get_queue_url(QueueName=name)["QueueUrl"]
    return _QUEUE_URL[name]


def _owner(context) -> str:
    return f"{getattr(context, 'aws_request_id', None) or 'local'}-{uuid.uuid4().hex[:8]}"


# --- 2. A shard --------------------------------------------------------------------------

def handle_shard(body: dict, context=None) -> str:
    """One shard's message: "done", "skipped" (done already, or its job ended or is gone), or
    raises (ShardBusy while another worker holds it; a transient error) so the message comes back."""
    s = settings.get()
    user_id, job_id, shard_id, bucket = (str(body.get(k) or "") for k in ("user", "job", "shard", "bucket"))
    parsed = plan.parse_id(shard_id)
    job = table.get(user_id, job_id) if parsed or shard_id == REST else None
    # A book's recording goes on where it is asked for once the book is read (its job done).
    open_to = (table.PROCESSING, table.DONE) if shard_id == REST or (parsed and parsed[0] == plan.RECORD) else (table.PROCESSING,)
    if job is None or job["status"] not in open_to or not is_book(job):
        return "skipped"
    files = objects.JobFiles(bucket or s.aws.bucket, user_id, job_id)
    if shard_id == REST:
        with logs.context(job_id=job_id, user_id=user_id):
            log.info("the rest of the recording asked for", extra={"sections": len(ask(files, job, None, RECORD, None))})
        return "done"
    owner = _owner(context)
    with logs.context(job_id=job_id, user_id=user_id, shard=shard_id):
        item = shards.claim(user_id, job_id, shard_id, owner, s.books.shard_lease_seconds)
        if item is None:
            current = shards.get(user_id, job_id, shard_id)
            if current is not None and current.get("status") == shards.DONE:
                if parsed[0] == plan.READ and current.get("lane") == FIRST and body.get("for") != LISTENER:
                    # The book's own turn reached pages read for a listener, which sent no
                    # follower: its turns go on past them.
                    _send_follower(files, parsed[1])
                return "skipped"
            raise ShardBusy("Another worker is on this shard.")
        # Pages a listener moved to (`listen_at`) are read for them and send no follower: a book
        # keeps one line of reading turns, not one more for each jump.
        turn = body.get("for") != LISTENER
        # Which process works it: one of the local stack's, or a Lambda's whose log stream it is.
        attempt = int(item.get("attempts") or 1)
        log.info("shard started", extra={"pid": os.getpid(), "attempt": attempt})
        stage, read_index, section = parsed
        failing = attempt > s.books.shard_max_attempts
        kind = kinds.get(job.get("kind"))
        try:
            if stage == plan.READ:
                _read(files, job, kind, read_index, owner, failing, context, turn=turn)
            else:
                _record(files, job, kind, read_index, section, shard_id, owner, failing)
        except PageVoiceError as exc:
            if not exc.permanent:
                shards.release(user_id, job_id, shard_id, owner)
                raise
            log.warning("shard failed", extra={"reason": exc.message})
            if stage == plan.READ:
                _read(files, job, kind, read_index, owner, True, context, reason=exc.message, turn=turn)
            else:
                _record(files, job, kind, read_index, section, shard_id, owner, True, reason=exc.message)
        except Exception:
            shards.release(user_id, job_id, shard_id, owner)
            raise
        return "done"


def _survey(files: objects.JobFiles) -> dict:
    info, _ = objects.read_json(files.bucket, files.key(BOOK_SURVEY))
    if info is None:
        raise Transient("The book's survey is not there yet.")
    return info


def _read(files: objects.JobFiles, job: dict, kind, index: int, owner: str, failing: bool, context,
          reason: str | None = None, turn: bool = True) -> None:
    survey = _survey(files)
    reading = book_files.reading_shards(survey)
    r = reading[index]
    work = kind.book_work()
    recording = survey.get("recording")
    listened = None
    if recording is not None:
        # (A window that stopped its worker too often is not decoded again, not even for its MP3:
        # whatever stopped it would stop this delivery too, and the job would never end.)
        if failing:
            read = work.untranscribed(index, recording, reason or "it stopped its worker too often.")
        else:
            try:
                data = objects.read_bytes(files.bucket, files.key(WINDOW_FILE.format(index)))
            except ObjectMissing:
                raise Transient("This window's samples are not stored yet.") from None
            read = work.transcribe_window(data, index, recording, deadline=_deadline(context))
            listened = _window_mp3(files, work, index, data)
    elif failing:  # this shard broke its worker too often (or cannot be read): its pages fail alone
        why = reason or "it stopped its reader too often."
        read = work.unreadable_pages(r.first, r.end, why, job.get("language"))
    elif survey.get("flow"):
        part, _ = objects.read_json(files.bucket, files.key(FLOW_FILE.format(index)))
        if part is None:
            raise Transient("This shard's sections are not stored yet.")
        read = work.flow_pages(part, r.first, job.get("skip"))
    else:
        read = work.read_pages(_local_copy(files, job), r.first, r.end, language=job.get("language"), skip=job.get("skip"),
                               outline=survey.get("outline"), deadline=_deadline(context))
    # The shard `reading_ahead()` after this one takes its place on the queue, sent before this one
    # ends (a crash between loses nothing; a duplicate is harmless): an account's books take turns.
    if turn:
        _send_follower(files, index, len(reading))
    _store_read(files, job, index, read, owner, window=recording["windows"][index] if recording else None,
                listened=listened)


def _send_follower(files: objects.JobFiles, index: int, shards_count: int | None = None) -> None:
    """Reading shard `index`'s turn handed on: the shard `reading_ahead()` after it, if any."""
    if shards_count is None:
        shards_count = len(book_files.reading_shards(_survey(files)))
    following = index + reading_ahead()
    if following < shards_count:
        _send(files, [plan.read_id(following)])


def _window_mp3(files: objects.JobFiles, work, index: int, data: bytes) -> dict | None:
    """A recording's window as the MP3 part its book exports join ({"file", "bytes"}), stored; None
    when it cannot be encoded (the export says what it leaves out)."""
    try:
        body = work.window_mp3(data)
    except Exception:  # noqa: BLE001 - the transcript stands without it
        log.warning("a window's MP3 could not be made", exc_info=True, extra={"window": index})
        return None
    name = WINDOW_MP3.format(index)
    files_write(files, name, body, "audio/mpeg")
    return {"file": name, "bytes": len(body)}


def _local_copy(files: objects.JobFiles, job: dict) -> Path:
    """The book's file on this worker's disk (chalicelib.jobs.book_copy)."""
    return book_copy.local_copy(files.bucket, job.get("source_key") or files.upload, settings.get().books.max_book_bytes)


def _deadline(context) -> float | None:
    import time

    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return None if remaining is None else time.monotonic() + remaining() / 1000.0 - 10


def _store_read(files: objects.JobFiles, job: dict, index: int, read, owner: str, window=None,
                listened: dict | None = None) -> None:
    """A reading shard's outputs stored, its sections asked for, and its end recorded. `window`: a
    recording's window ([start, end] seconds) whose segments `read.pages` holds, `listened` its
    MP3 part (`_window_mp3`)."""
    # Where a listener moved while these pages were read: what is spoken from there is cut short
    # at first (heard soon), and that section goes to the listener's queue.
    place = _place(table.get(files.user_id, files.job_id) or job)
    out = book_files.read_outputs(index, read, settings.get().books.section_chars, place=place, window=window,
                                  listened=listened)
    for name, (body, content_type) in out.files.items():
        files_write(files, name, body, content_type)
    after = shards.complete(files.user_id, files.job_id, plan.read_id(index), owner, out.summary, out.counters,
                            LEASE_SECONDS)
    log.info("pages read", extra={"first": read.first + 1, "pages": len(read.pages), "sections": len(out.cut)})
    if after is None:
        return
    if window is None and out.cut:
        # Its recording is asked for where someone will hear it: from the listener's place when
        # it is in these pages or in the minutes before them (the listener's queue), and when
        # these pages are within the minutes after the book's start (the record queue; the
        # book's first short section the listener's: whoever opens the book hears it first).
        # A place saved while this shard was ending (after `place` was read) is on `after`, read
        # after the shard's end: that PUT found these pages not read and left them to this end.
        now = _place(after) or place
        anchor = (index, out.wanted) if out.wanted is not None and now == place else \
            _anchor(files, now) if now is not None else None
        if anchor is not None and anchor[0] <= index:
            ask(files, after, anchor, FIRST)
        ask(files, after, (0, 0), RECORD)
        after = table.get(files.user_id, files.job_id) or after
    finish_if_whole(files, after)


def _record(files: objects.JobFiles, job: dict, kind, read_index: int, section_index: int, shard_id: str,
            owner: str, failing: bool, reason: str | None = None) -> None:
    stored, _ = objects.read_json(files.bucket, files.key(SECTIONS_FILE.format(read_index)))
    source = shards.get(files.user_id, files.job_id, plan.read_id(read_index))
    # Its message is sent before its reading shard ends (so a crash between loses nothing): it
    # may come before that end is written, and then comes back.
    if stored is None or not isinstance((source or {}).get("summary"), dict) or section_index >= len(stored):
        raise Transient("The section's reading shard is not stored yet.")
    section = plan.Section.load(stored[section_index])
    if failing:
        out = book_files.unrecorded(section, f"This part could not be recorded: {reason or 'it stopped its voice too often.'}")
    else:
        pages, _ = objects.read_json(files.bucket, files.key(PAGES_FILE.format(read_index)))
        first = int(source["summary"]["first"])
        by_index = {first + k: page for k, page in enumerate(pages or [])}
        lexicon = pronunciations.get(files.user_id) if kind.pronunciations else None
        # The voices the account and the upload chose (CONTRACTS section 16), as they are now: a
        # change made while a book is recorded speaks the sections recorded after it.
        chosen = voices.chosen(users.voices_of(files.user_id), job) if kind.pronunciations else None
        rec = kind.book_work().record_section(by_index, section, lexicon=lexicon, voices=chosen)
        out = book_files.record_outputs(shard_id, section, rec, source["summary"].get("chapters") or [], by_index)
    for name, (body, content_type) in out.files.items():
        files_write(files, name, body, content_type)
    summary = out.summary
    after = shards.complete(files.user_id, files.job_id, shard_id, owner, summary, out.counters, LEASE_SECONDS)
    log.info("section recorded", extra={"seconds": summary["seconds"]})
    if after is not None:
        finish_if_whole(files, after)


# --- The listener first -------------------------------------------------------------------

def _place(job: dict) -> dict | None:
    position = job.get("position")
    place = position.get("place") if isinstance(position, dict) else None
    return place if isinstance(place, dict) else None


def listen_at(files: objects.JobFiles, job: dict, place: dict) -> str | None:
    """A listener moved to (or plays at) `place` in a book: the shard that makes it heard, and the
    recording of the minutes after it (settings.books.record_ahead_seconds), go to the listener's
    queue (its pages first when they are not read yet: their end asks for the rest). Returns the
    shard the place needs; None when it is made already (or nothing more can be made)."""
    if job.get("status") not in (table.PROCESSING, table.DONE) or not is_book(job) or _recorded_whole(job):
        return None
    r = _reading_at(files, place)
    if r is None:
        return None
    read = shards.get(files.user_id, files.job_id, r.id)
    if read is None or read.get("status") != shards.DONE:
        if shards.promote(files.user_id, files.job_id, r.id, FIRST):  # once, not at every saved place
            _send(files, [r.id], FIRST, listener=True)
        return r.id
    stored, _ = objects.read_json(files.bucket, files.key(SECTIONS_FILE.format(r.index)))
    k = plan.section_at([plan.Section.load(c) for c in stored or []], place)
    if k is None:
        return None
    shard = plan.record_id(r.index, k)
    ask(files, job, (r.index, k), FIRST)  # what is asked for nobody yet is the listener's now
    made = shards.get(files.user_id, files.job_id, shard)
    return None if made is not None and made.get("status") == shards.DONE else shard


# --- Recording on demand ------------------------------------------------------------------
REST = "rest"  # a record queue message: every section of the book not asked for yet (an export's)


def ask(files: objects.JobFiles, job: dict, start: tuple[int, int] | None, queue: str,
        budget: int | None | bool = True) -> list[str]:
    """Ask for the book's recording from `start` ((reading shard, section); None: the start) for
    the minutes settings.books.record_ahead_seconds says (`budget` True), `budget` characters, or
    to the end (None), as far as its pages are read: each section not asked for before is marked
    and sent to `queue`. Returns the sections asked for now."""
    chars = plan.ahead_chars(settings.get().books.record_ahead_seconds) if budget is True else budget
    read = {}
    for item in shards.each(files.user_id, files.job_id, prefix="read-"):
        summary = item.get("summary")
        if item.get("status") == shards.DONE and isinstance(summary, dict):
            n = int(summary.get("sections") or 0)
            read[plan.parse_id(item["shard"])[1]] = summary.get("section_chars") or [
                int(summary.get("chars") or 0) // max(1, n)] * n
    window = plan.ahead(read, start or (0, 0), chars)
    if queue == FIRST and window:
        _read_ahead_of_listener(files, job, read, window, chars)
    wanted = [plan.record_id(r, k) for r, k in window]
    if not wanted:
        return []
    # A listener waits for the next minutes only (settings.books.listen_first_seconds): those go to
    # the listener's queue, the rest of the window to the record queue (the lowest share), promoted
    # as the listener comes near them (every saved place asks again). Ten minutes ahead on the
    # listener's queue held every book's reading back while they were made.
    near = {plan.record_id(r, k) for r, k in plan.ahead(read, start or (0, 0), plan.ahead_chars(
        settings.get().books.listen_first_seconds))} if queue == FIRST else set()
    if queue == FIRST and len(wanted) > 1:
        # ...and always the section after the one being heard (made while that one plays): a
        # section longer than those seconds left the next one on the record queue until the
        # listener reached it (bench.fair: 24 s waiting for audio).
        near.add(wanted[1])
    # A book's very first (short) section is heard first by whoever opens it: the listener's queue.
    near.add(plan.record_id(0, 0))
    later = RECORD if queue == FIRST else queue
    have = {item["shard"]: item for item in shards.each(files.user_id, files.job_id, between=(wanted[0], wanted[-1]))}
    missing = [sid for sid in wanted if sid not in have]
    newly = []
    for lane, ids in ((FIRST, [sid for sid in missing if sid in near]), (later, [sid for sid in missing if sid not in near])):
        asked = shards.ask(files.user_id, files.job_id, ids, lane) if ids else []
        _send(files, asked, lane)
        newly += asked
    # Asked for before for nobody (the record queue): a listener waits for them now.
    promoted = [sid for sid in wanted if sid in near and (have.get(sid) or {}).get("status") == shards.QUEUED
                and have[sid].get("lane") != FIRST and shards.promote(files.user_id, files.job_id, sid, FIRST)
                ] if queue == FIRST else []
    _send(files, promoted, FIRST)
    if newly or promoted:
        log.info("recording asked for", extra={"sections": len(newly), "promoted": len(promoted), "queue": queue,
                                               "from": wanted[0]})
    return newly


def _read_ahead_of_listener(files: objects.JobFiles, job: dict, read: dict[int, list[int]],
                            window: list[tuple[int, int]], chars: int | None) -> None:
    """A listener's minutes ahead run into pages not read yet (they jumped past the book's own
    turns): the reading shard of those pages goes to the listener's queue, once."""
    after = window[-1][0] + 1
    if chars is None or after in read or after >= int(float(job.get("book_shards") or 0)):
        return
    if sum(max(1, int(read[r][k])) for r, k in window) >= chars:
        return  # the minutes ahead end within what is read
    shard = plan.read_id(after)
    if shards.promote(files.user_id, files.job_id, shard, FIRST):
        _send(files, [shard], FIRST, listener=True)


def ask_rest(files: objects.JobFiles, job: dict) -> bool:
    """Ask for every section of a read book not recorded yet (an export, `pagevoice read`): one
    message to the record queue, whose worker asks for them (the lowest share), at most once a
    while. False when there is nothing left to ask for."""
    if _recorded_whole(job) or int(float(job.get("book_asked") or 0)) >= int(float(job.get("book_sections") or 0)):
        return False
    if table.mark_rest_asked(files.user_id, files.job_id, REST_AGAIN_SECONDS):
        _send(files, [REST], RECORD)
    return True


REST_AGAIN_SECONDS = 900  # an export's "the rest" is asked again after this (its message lost)
# Seconds of speech one worker records in a second (piper on one vCPU, measured: docs/FIELD-NOTES'
# ~11 s a wall second), for how long the rest of a book takes on the record queue's workers.
RECORDED_PER_SECOND = 11.0


def seconds_to_record(chars: int) -> int:
    """Wall seconds the record queue's workers take to record `chars` characters."""
    speech = chars / plan.SPOKEN_CHARS_PER_SECOND
    return int(round(speech / RECORDED_PER_SECOND / max(1, settings.get().books.record_max_concurrency)))


def _reading_at(files: objects.JobFiles, place: dict) -> plan.Pages | None:
    """The reading shard of a book's pages that holds `place`; None when there is none (a long
    recording's windows: the upload is what is heard; a book not planned yet)."""
    try:
        survey = _survey(files)
    except Transient:
        return None
    if survey.get("recording"):
        return None
    return next((p for p in book_files.reading_shards(survey) if p.first <= int(place.get("page", 0)) < p.end), None)


def _anchor(files: objects.JobFiles, place: dict) -> tuple[int, int] | None:
    """The (reading shard, section) a listener's place is heard in; None when its pages are not read."""
    r = _reading_at(files, place)
    if r is None:
        return None
    stored, _ = objects.read_json(files.bucket, files.key(SECTIONS_FILE.format(r.index)))
    if stored is None:
        return None
    k = plan.section_at([plan.Section.load(c) for c in stored], place)
    return (r.index, k) if k is not None else (r.index + 1, 0)


def _asked(job: dict) -> int:
    """Sections asked for: a book planned before recording was made on demand asked for all."""
    return int(float(job["book_asked"] if "book_asked" in job else job.get("book_sections") or 0))


def _recorded_whole(job: dict) -> bool:
    """Every page read and every section of them recorded."""
    counts = {k: int(float(job.get(k) or 0)) for k in ("book_read", "book_shards", "book_recorded", "book_sections")}
    return counts["book_read"] >= counts["book_shards"] and counts["book_recorded"] >= counts["book_sections"]


def recording_open(job: dict) -> bool:
    """A book whose recording is not whole: its index is built from its shards when asked
    (GET /jobs/{id}), as while it is read."""
    return is_book(job) and job.get("kind") != "speech" and not _recorded_whole(job)


def place_time(files: objects.JobFiles, head: dict, place: dict) -> float | None:
    """When `place` is heard on the whole recording's clock: the first word at or after it in the
    part that covers it, once that part and every part before it are made (None until then)."""
    want = tuple(int(place.get(k, 0)) for k in ("page", "line", "word"))
    for part in (head.get("speech") or {}).get("parts") or []:
        first, last = part.get("first"), part.get("last")
        if part.get("start") is None or not first or not last or not part.get("timings"):
            continue
        if not _at(first) <= want <= _at(last):
            continue
        timings, _ = objects.read_json(files.bucket, files.key(part["timings"]))
        later = [w["start"] for w in (timings or {}).get("words", []) if _at(w) >= want]
        return round(float(part["start"]) + (min(later) if later else 0.0), 3)
    return None


def _at(word: dict) -> tuple[int, int, int]:
    return int(word.get("page", 0)), int(word.get("line", 0)), int(word.get("word", 0))


# --- 3. The whole ------------------------------------------------------------------------

def whole(job: dict) -> bool:
    """Every page read and every section asked for recorded: the job ends (the rest of its
    recording is made where it is asked for later)."""
    counts = {k: int(float(job.get(k) or 0)) for k in ("book_read", "book_shards", "book_recorded")}
    return counts["book_read"] >= counts["book_shards"] and counts["book_recorded"] >= _asked(job)


def finish_if_whole(files: objects.JobFiles, job: dict) -> None:
    """After a shard's end: when every shard is done, the book's index is written and its job ends
    (two workers that both see it whole write the same index; one ends the job)."""
    if job.get("status") == table.DONE and job.get("kind") != "speech":
        # A read book's recording goes on where it is asked for: its index written again at each
        # section's end, so GET /jobs/{id} reads it (current_index) instead of building it.
        index = live_index(files, job)
        files_write(files, growing.INDEX, growing.encode(index), "application/json")
        if _recorded_whole(job):
            table.set_seconds(files.user_id, files.job_id, (index["result"].get("speech") or {}).get("seconds"))
            log.info("book recorded whole", extra={"seconds": (index["result"].get("speech") or {}).get("seconds")})
        return
    if job.get("status") != table.PROCESSING or not whole(job):
        return
    index = live_index(files, {**job, "status": table.DONE})  # the index as it stays: no progress
    body = growing.encode(index)
    key = files_write(files, growing.INDEX, body, "application/json")
    head = index["result"]
    summary = {"pages": head["document"].get("read", 0), "characters": int(float(job.get("book_chars") or 0)),
               "book": True}
    if "duration_s" in head:  # a recording: its windows are not pages read
        summary = {"characters": summary["characters"], "book": True, "seconds": head["duration_s"]}
    if table.finish(files.user_id, files.job_id, result_key=key, timings_ms={"book": True}, summary=summary,
                    kind=job.get("kind"), seconds=(head.get("speech") or {}).get("seconds")) is not None:
        usage.count_read(files.user_id, job, summary)  # pages read, against the account's quota
        log.info("book done", extra={"pages": summary.get("pages"),
                                     "seconds": (head.get("speech") or {}).get("seconds") or head.get("duration_s")})


def current_index(files: objects.JobFiles, job: dict) -> dict | None:
    """A read book's stored index when it says what the job's record says (its sections recorded
    and asked for: two workers ending sections at once may each write what it saw, and a listener
    may have asked for more since), else built from its shards now; None when neither is there."""
    index, _ = objects.read_json(files.bucket, files.key(growing.INDEX))
    made = ((index or {}).get("result", {}).get("speech") or {}).get("sections")
    recorded, asked = int(float(job.get("book_recorded") or 0)), _asked(job)
    if isinstance(made, dict) and made.get("recorded") == recorded and made["recorded"] + made.get("queued", 0) >= asked:
        return index
    try:
        return live_index(files, job)
    except Transient:
        return index


def live_index(files: objects.JobFiles, job: dict) -> dict:
    """The book's index as its shards stand now (growing's format)."""
    survey = _survey(files)
    return build_index(job, survey, list(shards.each(files.user_id, files.job_id)), clock.now())


