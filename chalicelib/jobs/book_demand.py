"""A book's recording made where someone listens (issue 77): what a listener moved to and the
minutes after it first (the listener's queue), a book's start for whoever opens it, the rest when
an export asks (the record queue, the lowest share); and where a place is heard on the book's clock."""
from __future__ import annotations

from chalicelib import logs, settings
from chalicelib.errors import Transient
from chalicelib.jobs import book_files, objects, shards, table
from chalicelib.jobs.book_files import SECTIONS_FILE, is_book, read_survey
from chalicelib.jobs.book_queues import FIRST, RECORD, send
from chalicelib.kinds import plan

log = logs.get("book")


def place_of(job: dict) -> dict | None:
    position = job.get("position")
    place = position.get("place") if isinstance(position, dict) else None
    return place if isinstance(place, dict) else None


def listen_at(files: objects.JobFiles, job: dict, place: dict) -> str | None:
    """A listener moved to (or plays at) `place` in a book: the shard that makes it heard, and the
    recording of the minutes after it (settings.books.record_ahead_seconds), go to the listener's
    queue (its pages first when they are not read yet: their end asks for the rest). Returns the
    shard the place needs; None when it is made already (or nothing more can be made)."""
    if job.get("status") not in (table.PROCESSING, table.DONE) or not is_book(job) or recorded_whole(job):
        return None
    r = _reading_at(files, place)
    if r is None:
        return None
    read = shards.get(files.user_id, files.job_id, r.id)
    if read is None or read.get("status") != shards.DONE:
        if shards.promote(files.user_id, files.job_id, r.id, FIRST):  # once, not at every saved place
            send(files, [r.id], FIRST, listener=True)
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
    # Waited for now: the sections starting within listen_now_seconds of the place, a book's first;
    # the rest of `near` is made ahead.
    now = {plan.record_id(r, k) for r, k in plan.ahead(read, start or (0, 0), plan.ahead_chars(
        settings.get().books.listen_now_seconds))} | {plan.record_id(0, 0)}
    later = RECORD if queue == FIRST else queue
    have = {item["shard"]: item for item in shards.each(files.user_id, files.job_id, between=(wanted[0], wanted[-1]))}
    missing = [sid for sid in wanted if sid not in have]
    newly = []
    for lane, ids in ((FIRST, [sid for sid in missing if sid in near]), (later, [sid for sid in missing if sid not in near])):
        asked = shards.ask(files.user_id, files.job_id, ids, lane) if ids else []
        _send(files, asked, lane, now)
        newly += asked
    # Asked for before for nobody (the record queue): a listener waits for them now.
    promoted = [sid for sid in wanted if sid in near and (have.get(sid) or {}).get("status") == shards.QUEUED
                and have[sid].get("lane") != FIRST and shards.promote(files.user_id, files.job_id, sid, FIRST)
                ] if queue == FIRST else []
    _send(files, promoted, FIRST, now)
    if newly or promoted:
        log.info("recording asked for", extra={"sections": len(newly), "promoted": len(promoted), "queue": queue,
                                               "from": wanted[0]})
    return newly


def _send(files: objects.JobFiles, ids: list[str], lane: str, now: set[str]) -> None:
    """Sections to `lane`; on the listener's queue, those not in `now` marked as made ahead."""
    if lane != FIRST:
        send(files, ids, lane)
        return
    send(files, [sid for sid in ids if sid in now], FIRST)
    send(files, [sid for sid in ids if sid not in now], FIRST, ahead=True)


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
        send(files, [shard], FIRST, listener=True, ahead=True)


def ask_rest(files: objects.JobFiles, job: dict) -> bool:
    """Ask for every section of a read book not recorded yet (an export, `pagevoice read`): one
    message to the record queue, whose worker asks for them (the lowest share), at most once a
    while. False when there is nothing left to ask for."""
    if recorded_whole(job) or int(float(job.get("book_asked") or 0)) >= int(float(job.get("book_sections") or 0)):
        return False
    if table.mark_rest_asked(files.user_id, files.job_id, REST_AGAIN_SECONDS):
        send(files, [REST], RECORD)
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
        survey = read_survey(files)
    except Transient:
        return None
    if survey.get("recording"):
        return None
    return next((p for p in book_files.reading_shards(survey) if p.first <= int(place.get("page", 0)) < p.end), None)


def anchor(files: objects.JobFiles, place: dict) -> tuple[int, int] | None:
    """The (reading shard, section) a listener's place is heard in; None when its pages are not read."""
    r = _reading_at(files, place)
    if r is None:
        return None
    stored, _ = objects.read_json(files.bucket, files.key(SECTIONS_FILE.format(r.index)))
    if stored is None:
        return None
    k = plan.section_at([plan.Section.load(c) for c in stored], place)
    return (r.index, k) if k is not None else (r.index + 1, 0)


def asked_count(job: dict) -> int:
    """Sections asked for: a book planned before recording was made on demand asked for all."""
    return int(float(job["book_asked"] if "book_asked" in job else job.get("book_sections") or 0))


def recorded_whole(job: dict) -> bool:
    """Every page read and every section of them recorded."""
    counts = {k: int(float(job.get(k) or 0)) for k in ("book_read", "book_shards", "book_recorded", "book_sections")}
    return counts["book_read"] >= counts["book_shards"] and counts["book_recorded"] >= counts["book_sections"]


def recording_open(job: dict) -> bool:
    """A book whose recording is not whole: its index is built from its shards when asked
    (GET /jobs/{id}), as while it is read."""
    return is_book(job) and job.get("kind") != "speech" and not recorded_whole(job)


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
