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

What is recorded, and when (the listener first, a book's start, an export's rest), is
chalicelib.jobs.book_demand; the messages and the queues they go to, chalicelib.jobs.book_queues.

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

from chalicelib import clock, kinds, logs, settings, voices
from chalicelib.auth import pronunciations, usage, users
from chalicelib.errors import ObjectMissing, PageVoiceError, Transient
from chalicelib.jobs import book_copy, book_demand, book_files, growing, objects, shards, table
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
    is_book,
    read_survey,
)
from chalicelib.jobs.book_queues import FIRST, LISTENER, RECORD, SEND_BATCH, send
from chalicelib.kinds import plan
from chalicelib.kinds.base import Survey

log = logs.get("book")

# The job's lease while its shards run: each shard's end extends it, so only a book no worker
# has moved on for this long is re-driven by the sweep (which sends its unfinished shards again).
LEASE_SECONDS = 1800
COUNTERS = ("book_read", "book_pages_read", "book_sections", "book_recorded", "book_seconds", "book_transcribed", "book_chars",
            "book_chars_recorded")


class ShardBusy(Transient):
    """Another worker holds this shard's lease now: its message comes back later."""
    code = "shard_in_progress"


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
    send(files, [r.id for r in released if r.index == 0], FIRST)
    send(files, [r.id for r in released if r.index > 0])
    # A book planned again (it stalled: a message lost, a worker gone): the sections asked for
    # that are not recorded yet are sent again too.
    send(files, asked, RECORD)
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
            send(files, [r.id], FIRST)
            continue
        store(r)
        if r.id in released:
            batch.append(r.id)
        if len(batch) == SEND_BATCH:
            send(files, batch)
            batch = []
    send(files, batch)
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


def _owner(context) -> str:
    return f"{getattr(context, 'aws_request_id', None) or 'local'}-{uuid.uuid4().hex[:8]}"


# --- 2. A shard --------------------------------------------------------------------------

def handle_shard(body: dict, context=None) -> str:
    """One shard's message: "done", "skipped" (done already, or its job ended or is gone), or
    raises (ShardBusy while another worker holds it; a transient error) so the message comes back."""
    s = settings.get()
    user_id, job_id, shard_id, bucket = (str(body.get(k) or "") for k in ("user", "job", "shard", "bucket"))
    parsed = plan.parse_id(shard_id)
    job = table.get(user_id, job_id) if parsed or shard_id == book_demand.REST else None
    # A book's recording goes on where it is asked for once the book is read (its job done).
    open_to = (table.PROCESSING, table.DONE) if shard_id == book_demand.REST or (parsed and parsed[0] == plan.RECORD) else (table.PROCESSING,)
    if job is None or job["status"] not in open_to or not is_book(job):
        return "skipped"
    files = objects.JobFiles(bucket or s.aws.bucket, user_id, job_id)
    if shard_id == book_demand.REST:
        with logs.context(job_id=job_id, user_id=user_id):
            log.info("the rest of the recording asked for", extra={"sections": len(book_demand.ask(files, job, None, RECORD, None))})
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


def _read(files: objects.JobFiles, job: dict, kind, index: int, owner: str, failing: bool, context,
          reason: str | None = None, turn: bool = True) -> None:
    survey = read_survey(files)
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
        shards_count = len(book_files.reading_shards(read_survey(files)))
    following = index + reading_ahead()
    if following < shards_count:
        send(files, [plan.read_id(following)])


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
    place = book_demand.place_of(table.get(files.user_id, files.job_id) or job)
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
        now = book_demand.place_of(after) or place
        anchor = (index, out.wanted) if out.wanted is not None and now == place else \
            book_demand.anchor(files, now) if now is not None else None
        if anchor is not None and anchor[0] <= index:
            book_demand.ask(files, after, anchor, FIRST)
        book_demand.ask(files, after, (0, 0), RECORD)
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


# --- 3. The whole ------------------------------------------------------------------------

def whole(job: dict) -> bool:
    """Every page read and every section asked for recorded: the job ends (the rest of its
    recording is made where it is asked for later)."""
    counts = {k: int(float(job.get(k) or 0)) for k in ("book_read", "book_shards", "book_recorded")}
    return counts["book_read"] >= counts["book_shards"] and counts["book_recorded"] >= book_demand.asked_count(job)


def finish_if_whole(files: objects.JobFiles, job: dict) -> None:
    """After a shard's end: when every shard is done, the book's index is written and its job ends
    (two workers that both see it whole write the same index; one ends the job)."""
    if job.get("status") == table.DONE and job.get("kind") != "speech":
        # A read book's recording goes on where it is asked for: its index written again at each
        # section's end, so GET /jobs/{id} reads it (current_index) instead of building it.
        index = live_index(files, job)
        files_write(files, growing.INDEX, growing.encode(index), "application/json")
        if book_demand.recorded_whole(job):
            table.set_seconds(files.user_id, files.job_id, (index["result"].get("speech") or {}).get("seconds"))
            log.info("book recorded whole", extra={"seconds": (index["result"].get("speech") or {}).get("seconds")})
        return
    if job.get("status") != table.PROCESSING or not whole(job):
        return
    items = list(shards.each(files.user_id, files.job_id))
    index = live_index(files, {**job, "status": table.DONE}, items)  # the index as it stays: no progress
    if "duration_s" in index["result"]:  # a recording: who spoke, labelled over all its windows at once
        index = book_files.label_speakers(
            index, book_files.done_reads(items), kinds.get(job.get("kind")).book_work(),
            lambda name: objects.read_json(files.bucket, files.key(name))[0],
            lambda name, body: files_write(files, name, body, "application/json"))
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
    recorded, asked = int(float(job.get("book_recorded") or 0)), book_demand.asked_count(job)
    if isinstance(made, dict) and made.get("recorded") == recorded and made["recorded"] + made.get("queued", 0) >= asked:
        return index
    try:
        return live_index(files, job)
    except Transient:
        return index


def live_index(files: objects.JobFiles, job: dict, items: list[dict] | None = None) -> dict:
    """The book's index as its shards stand now (growing's format), from their items when the
    caller has read them already."""
    if items is None:
        items = list(shards.each(files.user_id, files.job_id))
    return build_index(job, read_survey(files), items, clock.now())


