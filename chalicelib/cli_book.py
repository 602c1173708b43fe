"""A book read whole on this machine (`python -m chalicelib process|ocr`, CONTRACTS sections 4 and 15).

The service reads a book in shards that many workers take (chalicelib.jobs.book, its executor,
over AWS). Here the same shards run in a pool of this machine's processes: the planner's
reading shards (chalicelib.kinds.plan: `reading`, `reading_by_words`) and recording sections
(`plan.sections`), each done by the kind's book module (`Kind.book_work`: read_pages,
flow_pages, record_section) in a worker process, each shard's files and summary made by the
executor's own pure half (chalicelib.jobs.book_files: read_outputs, record_outputs), and the
book's index built by its `build_index` from those summaries. So DIR holds what the service stores for a book: result-index.json
(chalicelib.jobs.growing's format) and its files (book-pages-NNNN.json, book-text-NNNN.json,
page-NNN.jpg, book-rec-NNNN-NN.mp3 and .json), and beside them the joined result.json (when it
is within settings.limits.max_result_bytes, written piece by piece from the files) and the
recording joined into speech.mp3 (chalicelib.books.mp3.build_book, one part at a time).

Memory stays flat: a worker holds one shard (its pages, or its section and the pages it
speaks), the parent one shard's files while it writes them, and at most two tasks per worker
are in flight. (A document without pages is read whole by the parent to know it is a book, as
the service's upload worker does; its shards' parts go to a temporary folder and the parent
lets go of it.) No AWS I/O: only the executor's pure half is imported.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from chalicelib import kinds, settings
from chalicelib.errors import PageVoiceError
from chalicelib.jobs import book_files, growing
from chalicelib.kinds import plan
from chalicelib.kinds.base import Survey

MP3 = "speech.mp3"
_GROWN = re.compile(rb'"\\u0000pagevoice-grown-(\d+)\\u0000"')


@dataclass
class Book:
    """What to read and how: the source file, the folder its files go to, the upload's options."""
    source: Path
    out: Path
    kind: str = kinds.DEFAULT
    language: str | None = None
    skip: tuple[str, ...] | None = None
    ocr_engine: str | None = None
    tts_engine: str | None = None
    record: bool = True  # make the recording (`process`); `ocr` and `process --no-audio` do not
    workers: int | None = None  # processes (default os.cpu_count())
    label: str = ""
    progress: TextIO | None = None  # a terminal for the progress line (None: no line)


@dataclass
class _Tally:
    """The job record's counters (chalicelib.jobs.book.COUNTERS) and the shards' items."""
    shards: int
    pages: int
    items: list[dict] = field(default_factory=list)
    counters: dict[str, float] = field(default_factory=dict)

    def done(self, shard: str, summary: dict, counters: dict[str, float]) -> None:
        self.items.append({"shard": shard, "status": "done", "summary": summary})
        for name, amount in counters.items():
            self.counters[name] = self.counters.get(name, 0) + amount

    def count(self, name: str) -> int:
        return int(self.counters.get(name, 0))


# --- The parent: plan, hand out, write ---------------------------------------------------------

def read_book(book: Book, survey: Survey) -> dict:
    """Read (and record) the book `survey` describes into `book.out`: its index (growing's format),
    also written there as result-index.json."""
    book.out.mkdir(parents=True, exist_ok=True)
    reading, info = _plan(survey)
    with tempfile.TemporaryDirectory(prefix="pagevoice-cli-book-") as scratch:
        flow_files = _flow_parts(book, survey, reading, Path(scratch)) if survey.flow is not None else {}
        survey.flow = None  # what the shards need is in their parts now
        tally = _Tally(len(reading), survey.pages)
        _run(book, reading, flow_files, survey.outline, tally)
    job = {"kind": book.kind, "skip": None if book.skip is None else list(book.skip), "language": book.language,
           "status": "done", "book_shards": len(reading), **tally.counters}
    index = book_files.build_index(job, info, tally.items, time.time())
    (book.out / growing.INDEX).write_bytes(growing.encode(index))
    return index


def _plan(survey: Survey) -> tuple[list[plan.Pages], dict]:
    """The reading shards, and the survey as chalicelib.jobs.book.start stores it (BOOK_SURVEY)."""
    if survey.recording is not None:
        raise PageVoiceError("This recording is longer than one worker transcribes: the command line does not read "
                             "long recordings yet; upload it to PageVoice, which reads it whole.")
    s = settings.get()
    most = s.books.text_shard_pages if survey.text_layer else s.books.shard_pages
    if survey.flow is not None:
        words = [sum(len(line.get("words") or []) for line in page["lines"]) for page in survey.flow["pages"]]
        reading = plan.reading_by_words(words, plan.FLOW_SHARD_WORDS)
    else:
        reading = plan.reading(survey.pages, most)
    flow = survey.flow or {}
    info = {"document": survey.document(), "outline": survey.outline, "flow": survey.flow is not None,
            "shard_pages": most, "shard_growth": most, "ranges": [[r.first, r.end] for r in reading] if survey.flow else None,
            "engine": flow.get("engine"), "engine_version": flow.get("engine_version"),
            "language": flow.get("language"), "started": time.time()}
    return reading, info


def _flow_parts(book: Book, survey: Survey, reading: list[plan.Pages], folder: Path) -> dict[int, str]:
    """A document without pages: each reading shard's part (`flow_part`, as book.start stores
    FLOW_FILE), in `folder`, by shard index."""
    work = kinds.get(book.kind).book_work()
    out = {}
    for r in reading:
        path = folder / book_files.FLOW_FILE.format(r.index)
        path.write_bytes(growing.encode(work.flow_part(survey.flow, r.first, r.end)))
        out[r.index] = str(path)
    return out


def _run(book: Book, reading: list[plan.Pages], flow_files: dict[int, str], outline: list[dict], tally: _Tally) -> None:
    """Every shard through the pool: reading shards in text order, each one's sections (when
    recording) queued ahead of the reading still to do, at most two tasks a worker in flight."""
    import multiprocessing

    workers = max(1, book.workers or os.cpu_count() or 1)
    todo: deque = deque(("read", _ReadTask(book.kind, str(book.source), r.index, r.first, r.end, flow_files.get(r.index),
                                            book.language, book.skip, book.ocr_engine, outline)) for r in reading)
    line = _Line(book.progress, book.label, tally)
    # spawn: the parent may hold onnxruntime's threads (a fork of them can hang) and a whole
    # document without pages until its parts are written.
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        running: dict[Future, tuple[str, object]] = {}
        while todo or running:
            while todo and len(running) < 2 * workers:
                stage, task = todo.popleft()
                running[pool.submit(_read_shard if stage == "read" else _record_shard, task)] = (stage, task)
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                stage, task = running.pop(future)
                done = future.result()
                if stage == "read":
                    todo.extendleft(reversed(_store_read(book, task, done, tally)))
                else:
                    _store_record(book, task, done, tally)
                line.show()
    line.end()


def _store_read(book: Book, task: _ReadTask, done: dict, tally: _Tally) -> list[tuple[str, _RecordTask]]:
    """A reading shard's files written (as book._store_read stores them); its sections to record."""
    for name, body in done["files"].items():
        (book.out / name).write_bytes(body)
    summary = done["summary"]
    if not book.record:  # read, not recorded: no section is made (the index then has no speech)
        summary = {**summary, "sections": 0, "section_chars": []}
    tally.done(plan.read_id(task.index), summary,
               {"book_read": 1, "book_pages_read": summary["count"], "book_sections": summary["sections"],
                "book_chars": summary["chars"]})
    pages = str(book.out / book_files.PAGES_FILE.format(task.index))
    return [("record", _RecordTask(book.kind, task.index, k, section, pages, summary["first"], summary["chapters"],
                                   book.tts_engine))
            for k, section in enumerate(done["sections"]) if book.record]


def _store_record(book: Book, task: _RecordTask, done: dict, tally: _Tally) -> None:
    for name, body in done["files"].items():
        (book.out / name).write_bytes(body)
    summary = done["summary"]
    tally.done(plan.record_id(task.read_index, task.section), summary,
               {"book_recorded": 1, "book_seconds": summary["seconds"], "book_chars_recorded": summary["characters"]})


class _Line:
    """The progress line on a terminal: rewritten in place (`\\r`), ended by a newline."""

    def __init__(self, stream: TextIO | None, label: str, tally: _Tally):
        self.stream, self.label, self.tally, self.shown = stream, label, tally, False

    def show(self) -> None:
        if self.stream is None:
            return
        t = self.tally
        text = f"{self.label}: {t.count('book_pages_read')}/{t.pages} pages read"
        if t.count("book_sections"):
            text += f", {t.count('book_recorded')}/{t.count('book_sections')} parts recorded"
        self.stream.write(f"\r{text}\x1b[K")
        self.stream.flush()
        self.shown = True

    def end(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()


# --- The workers: one shard each, bytes back to the parent -----------------------------------

@dataclass(frozen=True)
class _ReadTask:
    kind: str
    source: str
    index: int
    first: int
    end: int
    flow_file: str | None
    language: str | None
    skip: tuple[str, ...] | None
    ocr_engine: str | None
    outline: list[dict]  # a PDF's bookmarks (the survey's)


@dataclass(frozen=True)
class _RecordTask:
    kind: str
    read_index: int
    section: int
    units: list  # plan.Section.public()
    pages_file: str
    first: int  # the book index of the pages file's first page
    chapters: list[dict]  # its reading shard's chapters
    tts_engine: str | None


def _read_shard(task: _ReadTask) -> dict:
    """One reading shard (as book._read does it): {"files", "summary", "sections"}."""
    work = kinds.get(task.kind).book_work()
    try:
        if task.flow_file is not None:
            read = work.flow_pages(json.loads(Path(task.flow_file).read_bytes()), task.first, task.skip)
        else:
            read = work.read_pages(Path(task.source), task.first, task.end, language=task.language, skip=task.skip,
                                   ocr_engine=task.ocr_engine, outline=task.outline)
    except PageVoiceError as exc:  # these pages fail alone, saying why; the book goes on
        read = work.unreadable_pages(task.first, task.end, exc.message, task.language)
    return _read_outputs(task.index, read)


def _read_outputs(index: int, read) -> dict:
    """What book._store_read writes of a reading shard, and its summary (chalicelib.jobs.book_files)."""
    out = book_files.read_outputs(index, read, settings.get().books.section_chars)
    return {"files": {name: body for name, (body, _) in out.files.items()}, "summary": out.summary,
            "sections": [c.public() for c in out.cut]}


def _record_shard(task: _RecordTask) -> dict:
    """One recording section (as book._record makes it): {"files", "summary"}."""
    section = plan.Section.load(task.units)
    by_index = {task.first + k: page for k, page in enumerate(json.loads(Path(task.pages_file).read_bytes()))}
    try:
        rec = kinds.get(task.kind).book_work().record_section(by_index, section, tts_engine=task.tts_engine)
    except PageVoiceError as exc:
        out = book_files.unrecorded(section, f"This part could not be recorded: {exc.message}")
    else:
        out = book_files.record_outputs(plan.record_id(task.read_index, task.section), section, rec, task.chapters,
                                        by_index)
    return {"files": {name: body for name, (body, _) in out.files.items()}, "summary": out.summary}


# --- The whole: result.json and speech.mp3 from the files --------------------------------------

def joined(index: dict, folder: Path) -> Iterator[bytes]:
    """The result the index stands for (growing.assemble's), as compact JSON, piece by piece:
    each part file's contents copied in, never the whole in memory."""
    head = {k: dict(v) if isinstance(v, dict) else v for k, v in index["result"].items()}
    for n, part in enumerate(index["parts"]):
        path = part["path"]
        (head if len(path) == 1 else head[path[0]])[path[-1]] = f"\0pagevoice-grown-{n}\0"
    pieces = _GROWN.split(growing.encode(head))
    yield pieces[0]
    for k in range(1, len(pieces), 2):
        yield from _grown(index["parts"][int(pieces[k])], folder)
        yield pieces[k + 1]


def _grown(part: dict, folder: Path) -> Iterator[bytes]:
    """A grown value: its files' JSON lists (or strings) joined, then its tail."""
    is_list = part["type"] == "list"
    yield b"[" if is_list else b'"'
    empty = True
    for body in [*((folder / f["name"]).read_bytes() for f in part["files"]), growing.encode(part["tail"])]:
        inner = body[1:-1]
        if is_list and inner and not empty:
            yield b","
        empty = empty and not inner
        yield inner
    yield b"]" if is_list else b'"'


def write_joined(index: dict, folder: Path, out) -> int:
    """The joined result written to the binary file `out`: its size."""
    size = 0
    for piece in joined(index, folder):
        out.write(piece)
        size += len(piece)
    return size


def fits(index: dict) -> bool:
    """Whether the joined result is within the size the worker writes a result.json to."""
    return int(index.get("bytes") or 0) <= settings.get().limits.max_result_bytes


def write_recording(index: dict, folder: Path, title: str) -> Path | None:
    """The parts of the recording joined into folder/speech.mp3 with its chapters (as the book's
    MP3 export makes it, one part in memory at a time); None when nothing was recorded."""
    from chalicelib.books import HEAD_BYTES, TEXT_CHARS
    from chalicelib.books import mp3 as mp3_books

    head = index["result"]
    parts = (head.get("speech") or {}).get("parts") or []
    if not parts:
        return None

    def read_head(k: int) -> bytes:
        with open(folder / parts[k]["file"], "rb") as fh:
            return fh.read(HEAD_BYTES)

    text = _opening_text(index, folder, TEXT_CHARS)
    path = folder / MP3
    with open(path, "wb") as out:
        for piece in mp3_books.build_book(head, text, read_head, lambda k: (folder / parts[k]["file"]).read_bytes(),
                                          title=title):
            out.write(piece)
    return path


def _opening_text(index: dict, folder: Path, most: int) -> str:
    """The book's text up to `most` characters (the MP3's lyrics keep no more)."""
    part = next((p for p in index["parts"] if p["path"] == ["text"]), None)
    text = ""
    for f in (part or {}).get("files") or []:
        if len(text) >= most:
            break
        text += json.loads((folder / f["name"]).read_bytes())
    return text[:most]


def progress_stream(stream: TextIO = sys.stderr) -> TextIO | None:
    """Where the progress line goes: the terminal, or nowhere when stderr is not one."""
    return stream if stream.isatty() else None


def finish(book: Book, index: dict, result_path: Path | None, notice: Callable[[str], None]) -> None:
    """After the book: its joined result at `result_path` (when within the size the worker
    writes whole), said by `notice` otherwise."""
    if result_path is None:
        return
    if fits(index):
        with open(result_path, "wb") as out:
            write_joined(index, book.out, out)
        return
    result_path.unlink(missing_ok=True)
    notice(f"{result_path.name} is not written: the whole result is {int(index['bytes']) // 2**20} MiB, more than "
           f"{settings.get().limits.max_result_bytes // 2**20} MiB; {book.out / growing.INDEX} and its files hold it")


def scratch_folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="pagevoice-cli-"))


def remove(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
