"""A finished job as a book (`GET /jobs/{id}/export?format=epub|mp3|m4b|chapters`, CONTRACTS section 14): the
API asks (`ask`), the tasks function makes it (`build`, on the worker's image: the builders are
chalicelib.books' formats), and the answer is a short-lived presigned link once it is made.

Each format's state is a map on the job's record (`book_epub`, `book_mp3`, `book_m4b`: status, progress,
the build's id, the recording it was made from), written only while the job is done with that
recording (jobs.table.put_book), so:
- a book is current while `recording` is the job's updated_at: "Read again" (POST
  /jobs/{id}/recording) finishes with a new one, and the old book is never served again;
- a build that finds its job deleted, recorded again or its place taken by a newer build stops
  at its next progress write, and removes what it stored;
- each build writes its own file, `book-<build id>.<suffix>` beside the job's results, so a late
  build never overwrites a newer one's book; a job's deletion removes them with its prefix.
A build not moved for STALLED_SECONDS (a task lost with its function) is started again by the
next ask; a failed one answers its failure for RETRY_FAILED_SECONDS, then is tried again; one the
builder refused (a PageVoiceError: a result it cannot make that book of) is a 409 with its
reason for as long as the recording is the same.
"""
from __future__ import annotations

import itertools
import json
import re
import secrets
import time
import unicodedata

from chalicelib import clock, logs, settings
from chalicelib.account import tasks
from chalicelib.auth import throttle
from chalicelib.books import FORMATS, HEAD_BYTES, TEXT_CHARS, Format, book_builder, builder, left, transcript
from chalicelib.errors import Conflict, InputError, ObjectMissing, PageVoiceError
from chalicelib.jobs import book, book_demand, lifecycle, objects
from chalicelib.jobs import table as jobs
from chalicelib.jobs.keys import output_key, owned
from chalicelib.kinds.common import RECORDING_MP3

log = logs.get("books")

QUEUED, BUILDING, READY, FAILED = "queued", "building", "ready", "failed"
UNFINISHED = (QUEUED, BUILDING)
TASK = "book"  # chalicelib.account.tasks.HANDLERS
FILE_PREFIX = "book-"  # a book's file: book-<build id><suffix> (the tasks role may write only these)
STALLED_SECONDS = 20 * 60  # longer than the tasks function's timeout (infra/template.py TASKS_TIMEOUT)
RETRY_FAILED_SECONDS = 60  # a failure is answered this long (a polling client stops on it), then tried again
PROGRESS_EVERY_SECONDS = 1.0
POLL_SECONDS = 2  # Retry-After of a 202
# Books started per account and hour: each is a task beside the account's mail on one queue. Asking
# again while one is made, or once it is made, starts nothing and counts nothing.
BOOKS_PER_HOUR = 60
TOO_MANY = f"You started {BOOKS_PER_HOUR} books in the last hour. Try again in {throttle.WAIT}."

_NAMES = [f"format={name}" for name in FORMATS]
FORMAT_NAMES = ", ".join(_NAMES[:-1]) + " or " + _NAMES[-1]  # "format=epub, format=mp3, ... or format=chapters"
NO_FORMAT = f"Say which book to make: {FORMAT_NAMES}."
UNKNOWN_FORMAT = "PageVoice makes no '{name}' book: ask for " + FORMAT_NAMES + "."
RUNNING = "This job is still being read or recorded; ask for its book once it is done."
NOT_DONE = "This job did not finish, so there is no book to make of it."
NO_RECORDING = ("This job has no recording (nothing was read aloud), so there is no book to make of it. "
                "Only a photo, scan or document read aloud makes one.")
SHORT_RECORDING = ("A recording makes a book when it is long enough to be transcribed in parts (over {minutes} "
                   "minutes); this one is not: download its transcript as text or subtitles instead.")
NO_WINDOWS = ("This recording was transcribed before PageVoice kept its pieces for books, so there is no book to "
              "make of it. Upload it again to have one.")
FAILED_MESSAGE = "The book could not be made. Please ask again in a minute."
TOO_LONG = ("An {kind} is made of recordings up to {hours} hours, and this one is {length}: ask for format=mp3, "
            "which has the same chapters.")
_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


class BookFailed(PageVoiceError):
    """The last try to make the book failed (answered for a while, then tried again)."""
    status = 422
    code = "book_failed"


class _Superseded(Exception):
    """The build's place was taken (the job deleted, recorded again, a newer build)."""


def format_of(name: str | None) -> Format:
    """The format asked for; a 400 with a message when it is missing or unknown."""
    if name is None or not name.strip():
        raise InputError(NO_FORMAT, field="format")
    fmt = FORMATS.get(name)  # exactly as /openapi.json's enum says
    if fmt is None:
        raise InputError(UNKNOWN_FORMAT.format(name=name[:40]), field="format")
    return fmt


def attribute(fmt: Format) -> str:
    """The job record's attribute that holds the format's book."""
    return f"book_{fmt.name}"


def key_of(user_id: str, job_id: str, fmt: Format, build: str) -> str:
    return output_key(user_id, job_id, f"{FILE_PREFIX}{build}{fmt.suffix}")


def recorded(job: dict) -> bool:
    """The job is done with a recording: its speech.mp3, a whole book's parts, or a long
    recording's windows (the upload is the recording: books.transcript)."""
    if book.is_book(job):
        made = "book_read" if job.get("kind") == "speech" else "book_sections"
        return job.get("status") == jobs.DONE and int(float(job.get(made) or 0)) > 0
    return recording_key(job) is not None


def recording_key(job: dict) -> str | None:
    """The job's speech.mp3, when it is done with one."""
    key = (job.get("outputs") or {}).get(RECORDING_MP3)
    if job.get("status") != jobs.DONE or not job.get("audio_key"):
        return None
    return key if owned(job["user_id"], job["job_id"], key) else None


def current(job: dict, fmt: Format) -> dict | None:
    """The format's book state when it is of the job's recording as it is now."""
    state = job.get(attribute(fmt))
    if not isinstance(state, dict) or job.get("status") != jobs.DONE or state.get("recording") != job.get("updated_at"):
        return None
    return state


def ready_books(job: dict) -> dict[str, str]:
    """The books of the job that are made and current: download name (book.epub) -> key."""
    out = {}
    for fmt in FORMATS.values():
        state = current(job, fmt)
        if state and state["status"] == READY and owned(job["user_id"], job["job_id"], state.get("key")):
            out[f"book{fmt.suffix}"] = state["key"]
    return out


def download_name(filename: str | None, fmt: Format) -> str:
    """The job's file name with the book's suffix, in letters every header carries ("Été.pdf"
    -> "Ete.epub")."""
    stem = (filename or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    stem = stem.rsplit(".", 1)[0] if "." in stem.strip(".") else stem
    plain = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    plain = _UNSAFE.sub("_", plain).strip(" ._")[:100].strip(" ._")
    return (plain or "book") + fmt.suffix


def _hours(seconds: float) -> str:
    h, m = int(seconds // 3600), int(seconds % 3600 // 60)
    return f"{h} h {m:02d} min"


def title_of(result: dict, filename: str | None) -> str:
    """The title the document declares, else the job's file name without its suffix."""
    declared = ((result.get("document") or {}).get("title") or "").strip()
    if declared:
        return " ".join(declared.split())
    stem = (filename or "").rsplit("/", 1)[-1]
    return (stem.rsplit(".", 1)[0] if "." in stem.strip(".") else stem).strip() or "PageVoice"


def _length(job: dict) -> float:
    """Seconds of the job's recording: what was spoken, or a long recording's own length."""
    return float(job.get("seconds") or 0) or float((job.get("summary") or {}).get("seconds") or 0)


def _progress(state: dict) -> dict:
    return {"status": state["status"], "progress": round(float(state.get("done") or 0.0), 3)}


def _stalled(state: dict) -> bool:
    return clock.now() - float(state.get("updated") or 0) >= STALLED_SECONDS


def ask(user_id: str, job_id: str, format_name: str | None) -> tuple[dict, int] | None:
    """What GET /jobs/{id}/export answers: ({"url"}, 200) when the book is made and current, else
    ({"status", "progress"}, 202), its making started here when nothing is making it. None when
    the caller has no such job; 409 when the job has no book to make (not done, no recording, or
    the builder refused its result); 422 (for a minute) when the last try failed; 429 past BOOKS_PER_HOUR started."""
    fmt = format_of(format_name)
    job = jobs.get(user_id, job_id)
    if job is None:
        return None
    job = lifecycle.settle(job)
    if job["status"] in jobs.UNFINISHED:
        raise Conflict(RUNNING)
    if job["status"] != jobs.DONE:
        raise Conflict(NOT_DONE)
    if not recorded(job):
        raise Conflict(SHORT_RECORDING.format(minutes=settings.get().books.recording_book_seconds // 60)
                       if job.get("kind") == "speech" else NO_RECORDING)
    if fmt.max_seconds and _length(job) > fmt.max_seconds:
        raise Conflict(TOO_LONG.format(kind=fmt.name.upper(), hours=fmt.max_seconds // 3600,
                                       length=_hours(_length(job))))
    if book_demand.recording_open(job):  # recorded where listened to so far: the rest first (the lowest share)
        return {"format": fmt.name, **recording_rest(job)}, 202
    state = current(job, fmt)
    if state is not None:
        if state["status"] == READY and owned(user_id, job_id, state.get("key")):
            return {"url": objects.presign_get(state["key"], fmt.content_type, download_name(job["filename"], fmt)),
                    "format": fmt.name, "size": int(state.get("size") or 0),
                    "left_out": state.get("left_out") or []}, 200  # what the format's bounds cut (books.left)
        if state["status"] in UNFINISHED and not _stalled(state):
            return {"format": fmt.name, **_progress(state)}, 202
        if state["status"] == FAILED and state.get("refused"):
            raise Conflict(state.get("message") or NO_RECORDING)  # the builder's word on this recording
        if state["status"] == FAILED and clock.now() - float(state.get("updated") or 0) < RETRY_FAILED_SECONDS:
            raise BookFailed(state.get("message") or FAILED_MESSAGE)
    return {"format": fmt.name, **_progress(start(job, fmt))}, 202


def recording_rest(job: dict) -> dict:
    """A read book whose recording is made only where someone listened: the rest asked for (the
    record queue, the lowest share), and what the answer says of it (CONTRACTS section 15):
    {"status": "recording", "progress": the share recorded, "sections_left", "seconds_left"}."""
    files = objects.JobFiles.of(job["user_id"], job["job_id"])
    book_demand.ask_rest(files, job)
    total = int(float(job.get("book_sections") or 0))
    recorded = int(float(job.get("book_recorded") or 0))
    chars_left = max(0, int(float(job.get("book_chars") or 0)) - int(float(job.get("book_chars_recorded") or 0)))
    return {"status": "recording", "progress": round(recorded / total, 3) if total else 0.0,
            "sections_left": max(0, total - recorded),
            "seconds_left": book_demand.seconds_to_record(chars_left)}


def start(job: dict, fmt: Format) -> dict:
    """A new build of the book (replacing a stale, stalled or failed one and its file), queued
    for the tasks function; the state as it is now (another request's build, should one have
    started first)."""
    user_id, job_id = job["user_id"], job["job_id"]
    old = job.get(attribute(fmt))
    old = old if isinstance(old, dict) else None
    throttle.hit("book", user_id, BOOKS_PER_HOUR, 3600, TOO_MANY)
    state = {"status": QUEUED, "build": secrets.token_hex(8), "recording": job["updated_at"], "done": 0,
             "updated": int(clock.now())}
    if not jobs.put_book(user_id, job_id, attribute(fmt), state, recording=job["updated_at"],
                         replaces=old and old.get("build")):
        again = jobs.get(user_id, job_id)  # another request started one first (or the job moved)
        return (again and current(again, fmt)) or state
    if old and owned(user_id, job_id, old.get("key")):
        try:
            objects.delete_keys(settings.get().aws.bucket, [old["key"]])
        except Exception:  # noqa: BLE001 - a stale file left until the job is deleted
            log.warning("could not remove a replaced book", exc_info=True, extra={"job_id": job_id})
    try:
        tasks.enqueue(TASK, user_id=user_id, job_id=job_id, format=fmt.name, build_id=state["build"])
    except Exception:
        _fail(user_id, job_id, fmt, state)
        raise
    log.info("book started", extra={"job_id": job_id, "format": fmt.name})
    return state


def _put(user_id: str, job_id: str, fmt: Format, state: dict, **changes) -> dict | None:
    """The build's state with `changes`, stored while the build still holds the book; None when not."""
    new = {**state, **changes, "updated": int(clock.now())}
    ok = jobs.put_book(user_id, job_id, attribute(fmt), new, recording=state["recording"], replaces=state["build"])
    return new if ok else None


def _fail(user_id: str, job_id: str, fmt: Format, state: dict) -> None:
    _put(user_id, job_id, fmt, state, status=FAILED, message=FAILED_MESSAGE)


def build(user_id: str, job_id: str, format: str, build_id: str) -> None:
    """(Worker side, a task.) Make the book of build `build_id` and mark it ready (or failed). A repeated
    delivery of a build that ended, or of one replaced since, does nothing."""
    fmt = FORMATS.get(format)
    taken = _take(user_id, job_id, fmt, build_id) if fmt else None
    if taken is None:
        return
    t0 = time.monotonic()
    bucket, key = settings.get().aws.bucket, key_of(user_id, job_id, fmt, build_id)
    made = _make(*taken, fmt, key)
    if made is None:
        return
    size, state, left_out = made
    if _put(user_id, job_id, fmt, state, status=READY, done=1.0, key=key, size=size, left_out=left_out) is None:
        # The job was deleted, recorded again, or a newer build took over meanwhile: nobody's book.
        objects.delete_keys(bucket, [key])
        return
    log.info("book ready", extra={"job_id": job_id, "format": fmt.name, "bytes": size,
                                  "seconds": round(time.monotonic() - t0, 2)})


def _take(user_id: str, job_id: str, fmt: Format, build_id: str) -> tuple[dict, dict] | None:
    """(the job, the build's state, now building); None when the build is not to be made: the job
    deleted or recorded again since it was asked for (the next ask starts a new build), the build
    replaced, or ended already."""
    job = jobs.get(user_id, job_id)
    state = job.get(attribute(fmt)) if job else None
    if not isinstance(state, dict) or state.get("build") != build_id or state.get("status") not in UNFINISHED:
        return None
    if current(job, fmt) is None or not recorded(job):
        return None
    state = _put(user_id, job_id, fmt, state, status=BUILDING, done=0)
    return (job, state) if state else None


def _make(job: dict, state: dict, fmt: Format, key: str) -> tuple[int, dict, list[dict]] | None:
    """The book stored at `key`: (its size, the build's state as it is now, what its bounds left
    out), or None when it was not made (the failure or refusal recorded, or the build's place
    taken meanwhile)."""
    user_id, job_id, bucket = job["user_id"], job["job_id"], settings.get().aws.bucket
    last = [time.monotonic()]

    def progress(share: float) -> None:
        nonlocal state
        if time.monotonic() - last[0] < PROGRESS_EVERY_SECONDS:
            return
        last[0] = time.monotonic()
        moved = _put(user_id, job_id, fmt, state, done=round(min(max(float(share), 0.0), 0.99), 3))
        if moved is None:
            raise _Superseded
        state = moved

    try:
        result, _ = objects.read_json(bucket, job["result_key"])
        if result is None:
            raise ObjectMissing(job["result_key"])
        left_out: list[dict] = []
        if book.is_book(job):  # its index: the parts are read one by one as the book is written
            pieces = _of_parts(objects.JobFiles(bucket, user_id, job_id), result, job, fmt, progress, left_out)
            try:
                first = next(pieces)  # (the parts' lengths and rates are read before anything is stored)
            except ValueError as why:
                if isinstance(why, PageVoiceError):  # the builder's own refusal, said as it is
                    raise
                raise Conflict(f"This book's recording cannot be made into one file: {why}.") from why
            size = objects.write_pieces(bucket, key, itertools.chain([first], pieces), fmt.content_type)
        else:
            recording = objects.read_bytes(bucket, recording_key(job))
            data = builder(fmt)(result, recording, title=title_of(result, job.get("filename")), progress=progress,
                                left_out=left_out)
            objects.write(bucket, key, data, fmt.content_type)
            size = len(data)
    except _Superseded:
        log.info("book no longer wanted", extra={"job_id": job_id, "format": fmt.name})
        return None
    except PageVoiceError as refusal:  # the builder's own: this recording makes no such book (no timed sentences)
        log.info("book refused", extra={"job_id": job_id, "format": fmt.name, "reason": refusal.message})
        _put(user_id, job_id, fmt, state, status=FAILED, message=refusal.message, refused=True)
        return None
    except Exception:  # noqa: BLE001 - a broken result or file, an outage: failed, asked again later
        # (a job deleted meanwhile fails nothing: its record is gone and the write's condition with it)
        log.exception("book failed", extra={"job_id": job_id, "format": fmt.name})
        _fail(user_id, job_id, fmt, state)
        return None
    return size, state, left_out


def opening_text(index: dict, read) -> str:
    """The start of a whole book's text (a little past TEXT_CHARS): its text files in order,
    each read by `read(name)` only while more is wanted."""
    text = ""
    for part in index["parts"]:
        if part["path"] == ["text"]:
            for f in part["files"]:
                if len(text) > TEXT_CHARS:
                    break
                text += json.loads(read(f["name"]))
            text += part["tail"] if len(text) <= TEXT_CHARS else ""
    return text


def _of_parts(files: objects.JobFiles, index: dict, job: dict, fmt: Format, progress, left_out: list[dict]):
    """A whole book's pieces (`fmt.parts_builder`) from its index: its head, the first
    TEXT_CHARS of its text, and its recording's parts, each read when the builder asks."""
    head = index["result"]
    if transcript.is_recording(head):
        return _of_recording(files, index, job, fmt, progress, left_out)
    parts = (head.get("speech") or {}).get("parts") or []
    text = opening_text(index, files.read)
    sections = int(float(job.get("book_sections") or 0))
    lost = sections - len(parts)
    left(left_out, "parts", lost, sections,
         f"{lost:,} of the {sections:,} parts of the recording could not be made, so the book does not say what "
         f"{'it covers' if lost == 1 else 'they cover'} (the text has it, and the job's result says which).")
    of_text = {"read_pages": lambda: _pages(files, index), "read_timings": lambda k: json.loads(files.read(
        parts[k]["timings"]))} if fmt.of_text else {}
    return _built(files, fmt, head, text, job, progress, left_out, of_text)


def _of_recording(files: objects.JobFiles, index: dict, job: dict, fmt: Format, progress, left_out: list[dict]):
    """A long recording's book (books.transcript): its windows' MP3s as the parts, a section of
    its transcript a window."""
    result = index["result"]
    head = transcript.head_of(result)
    parts = head["speech"]["parts"]
    if not parts:
        raise Conflict(NO_WINDOWS)
    windows = int((result.get("document") or {}).get("windows") or len(parts))
    lost = windows - len(parts)
    left(left_out, "parts", lost, windows,
         f"{lost:,} of the {windows:,} pieces of the recording could not be kept, so the book leaves out what "
         f"{'it says' if lost == 1 else 'they say'} (the transcript has it).")
    lists = {tuple(part["path"]): part["files"] for part in index["parts"] if part["type"] == "list"}
    said, marks = lists.get(("segments",), []), lists.get(("sentences",), [])
    opens_at = {p["first"]["page"]: p["start"] for p in parts}  # (not `start`: a name of this module's)
    code = (head.get("language") or {}).get("code")
    made: dict[int, dict] = {}  # the last section's timings, asked for just after its section

    def window(w: int) -> tuple[dict, dict]:
        segments = json.loads(files.read(said[w]["name"]))
        sentences = json.loads(files.read(marks[w]["name"])) if w < len(marks) else []
        opens = opens_at.get(w, segments[0]["start"] if segments else 0.0)
        return transcript.section(w, segments, sentences, opens, code)

    def read_pages():
        for w in range(len(said)):
            page, timings = window(w)
            made.clear()
            made[w] = timings
            yield page

    def read_timings(k: int) -> dict:
        w = parts[k]["first"]["page"]
        return made.pop(w) if w in made else window(w)[1]

    of_text = {"read_pages": read_pages, "read_timings": read_timings} if fmt.of_text else {}
    return _built(files, fmt, head, opening_text(index, files.read), job, progress, left_out, of_text)


def _built(files: objects.JobFiles, fmt: Format, head: dict, text: str, job: dict, progress, left_out: list[dict],
           of_text: dict):
    """The format's builder of a whole book (its head's `speech.parts`, the start of its `text`),
    each part's head and MP3 read from the job's files when it asks."""
    parts = (head.get("speech") or {}).get("parts") or []
    return book_builder(fmt)(head, text[:TEXT_CHARS + 1], lambda k: objects.read_head(files.bucket, files.key(
        parts[k]["file"]), HEAD_BYTES), lambda k: files.read(parts[k]["file"]), title=title_of(head, job.get("filename")),
        progress=progress, left_out=left_out, text_chars=int(float(job.get("book_chars") or 0)) or len(text), **of_text)


def _pages(files: objects.JobFiles, index: dict):
    """A whole book's pages in order, a shard's file at a time (then the index's tail)."""
    for part in index["parts"]:
        if part["path"] == ["pages"]:
            for f in part["files"]:
                yield from json.loads(files.read(f["name"]))
            yield from part["tail"]
