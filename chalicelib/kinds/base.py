"""What a kind of job is: a declaration (data the API, the worker and the site share) and a
function from the upload's bytes to outputs (run by the worker only, with no AWS I/O).

    run(data: bytes, *, deadline: float | None, publish: Callable[[Outputs], None] | None,
        [resume: Resume]) -> Outputs

`deadline` is a time.monotonic() by which the work must have stopped (the worker's remaining
time less what storing needs); `publish(outputs)` may be called with early outputs (the text
before its recording, each part of the recording) and the worker stores them at once. Each
publish carries the whole result so far; the worker writes only what is new in it
(chalicelib.jobs.growing), so a list of the result grows by appending and an item once
published is not changed in place (a list changed otherwise is written again whole).
`publish` may raise: when the job was deleted meanwhile, or the result would pass its size
cap, the worker stops the work that way; a kind lets such exceptions through. A kind
whose work can outlast one invocation returns `Outputs(more=True)` when time runs out; the
worker stores them and invokes itself again with `resume` (the last published result, and a
way to read the files stored so far): the kind goes on from there. A retry after a crash gets
`resume` too, so published work is never done twice. Only kinds declared `resumable` get
`resume`. A kind that declares `language_use` gets `language` when the upload named one (a
code of chalicelib.languages; None: detect it). A kind raises
chalicelib.errors.MediaError (or another permanent PageVoiceError) for input it cannot read:
the job then fails with that message.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO

RESULT = "result.json"


def characters(result: dict) -> dict:
    """The summary every kind's job record can have: how much text it made."""
    return {"characters": len(result.get("text") or "")}


@dataclass
class Outputs:
    """A job's outputs: `result` (stored as result.json) and other files by name, each
    (bytes or a binary file, content type), stored beside it under results/{user}/{job}/.
    `more`: the work is not finished (the worker continues it in another invocation).
    `transient`: names of files only needed while the job grows (a recording's parts, which
    the whole recording repeats): they are kept a day, not as long as the result."""
    result: dict
    files: dict[str, tuple[bytes | BinaryIO, str]] = field(default_factory=dict)
    more: bool = False
    transient: frozenset[str] = frozenset()


@dataclass
class Resume:
    """Where an earlier invocation left the job: its last published result, and `read(name)`,
    the bytes of an output file it stored."""
    result: dict
    read: Callable[[str], bytes]


@dataclass
class Survey:
    """What the planner (chalicelib.kinds.plan) needs of a book: how many pages to read and what
    was found opening it. A document without pages was read whole to know its length: `flow`
    is its result."""
    pages: int  # pages to read (a flow document's sections)
    pages_in_file: int
    format: str
    outline: list[dict] = field(default_factory=list)  # a PDF's bookmarks: {"title", "level", "page"}
    flow: dict | None = None
    title: str | None = None
    # Every page sampled has a text layer (read ~20x faster than by OCR): larger reading shards.
    text_layer: bool = False
    # A document without pages cut at the book's caps: its `document`'s "reason", "words" and
    # "note" (a flow result's, kinds/page/pipeline.py), so the book says it is not whole.
    cut: dict = field(default_factory=dict)
    # A long recording (chalicelib.kinds.speech.long): its windows, language, audio and the
    # local file of its samples the windows are cut from.
    recording: dict | None = None

    def document(self) -> dict:
        """The result's `document` before any page is read."""
        out = {"format": self.format, "pages_in_file": self.pages_in_file, "pages": self.pages, "book": True}
        if self.title:
            out["title"] = self.title
        if self.pages_in_file > self.pages:
            out["reason"] = "pages"
        return out | self.cut


@dataclass
class Read:
    """What a reading shard of a book made (chalicelib.jobs.book stores it): its pages (exported,
    CONTRACTS sections 7 and 13, in order from `first`; a long recording's window: its
    segments, CONTRACTS section 9), their images by output name, and what the book's index
    keeps of them."""
    first: int
    pages: list[dict]
    images: dict[str, bytes]
    text: str
    chapters: list[dict]  # each with its page in the book
    skipped: dict[str, int]
    unsure: list[dict]
    units: list  # plan.Unit: what its recording sections speak (none for a recording's window)
    failed: list[str]  # pages that could not be read, each said as a sentence
    engine: str
    engine_version: str
    words: int = 0
    timings_ms: dict = field(default_factory=dict)
    language: str | None = None  # a recording's window: the language it was transcribed in
    sentences: list[dict] = field(default_factory=list)  # a recording's window: its sentences' times
    speakers: dict | None = None  # a recording's window: who spoke when (kinds.speech.speakers.local)


class IsBook(Exception):  # noqa: N818 - a signal, not a failure
    """The upload is a book (settings.books): its work is planned into shards that many workers
    take (chalicelib.jobs.book) instead of being done here. A kind's runner raises it."""

    def __init__(self, survey: Survey) -> None:
        super().__init__(f"a book of {survey.pages} pages")
        self.survey = survey


@dataclass(frozen=True)
class Kind:
    name: str
    label: str  # what the site's chooser says
    description: str
    content_types: tuple[str, ...]  # what POST /uploads accepts for it (identified again by content)
    extensions: tuple[str, ...]  # what the site's file picker offers
    runner: str  # "module:function", imported by the worker only (the ML stack lives behind it)
    result_schema: dict  # JSON Schema of result.json (also in /openapi.json)
    outputs: tuple[str, ...]  # file names it may write beside result.json
    audio: str | None = None  # the output that is the job's recording (GET /jobs/{id}'s audio_url)
    # {"max_bytes", ...} from settings, read per call; a kind that takes documents larger than its
    # photos adds "max_document_bytes" and the "document_types" it applies to (`max_bytes(type)`).
    limits: Callable[[], dict] = field(default=lambda: {})
    checks: Callable[[dict], None] | None = None  # invariants beyond the schema (raise ValueError)
    warm_up: str | None = None  # "module:function" loading its engines (worker init)
    # "module:function" loading engines needed later in a job (the voice, after the text), in a
    # background thread once `warm_up` is done and no job is making its first output: ready by
    # the time the first job needs them, without slowing that job's first stage.
    warm_later: str | None = None
    resumable: bool = False  # its runner takes `resume` (and may return `more`)
    # What the kind does with the language an upload names (CONTRACTS section 11): "read",
    # "transcribe" or "voice" (chalicelib.languages.for_upload); None: it takes none.
    language_use: str | None = None
    # Upload options it takes beside the language, each with what GET /kinds says of it: name ->
    # {"description", "roles"...}; the runner gets each by name when the upload set it.
    options: dict = field(default_factory=dict)
    # The few numbers its job record (and the job list, and the log) keeps of a result: the
    # worker reads no result's insides (CONTRACTS: the record's `summary`).
    summary: Callable[[dict], dict] = characters
    # Its runner takes `content_type`, the type the upload declared: what the bytes cannot
    # tell (Markdown from plain text), and what they must then be (a declared DOCX is a DOCX).
    declared_type: bool = False
    # Its runner takes `lexicon`, the account's pronunciations (chalicelib.kinds.pronunciation),
    # and applies them to what its voice says.
    pronunciations: bool = False
    # "module" whose read_pages, flow_part, flow_pages and record_section do a book's shards (its runner
    # raises IsBook for a book); None: every upload of the kind is one worker's.
    book: str | None = None

    def max_bytes(self, content_type: str | None = None) -> int:
        """The largest upload of `content_type` (parameters such as ";codecs=" ignored); None: of
        any type the kind takes (the largest of its limits)."""
        limits = self.limits()
        documents = limits.get("document_types") or ()
        if content_type is None:
            return int(max(limits["max_bytes"], limits.get("max_document_bytes", 0)))
        normal = content_type.split(";", 1)[0].strip().lower()
        return int(limits["max_document_bytes"] if normal in documents else limits["max_bytes"])

    def unrecorded(self, result: dict) -> dict:
        """The result as it was before its recording was made, to make it again (POST
        /jobs/{id}/recording): what was read stays, what the recording said goes."""
        return {k: v for k, v in result.items() if k not in ("speech", "unspoken")}

    def seconds(self, result: dict) -> float | None:
        """How long the job's recording is so far (`speech.seconds`, CONTRACTS section 10): the job
        list shows it and a listener's saved place is bounded by it. None for a kind that makes no
        recording, or before its first part."""
        speech = result.get("speech") if self.audio else None
        seconds = speech.get("seconds") if isinstance(speech, dict) else None
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds <= 0:
            return None
        return float(seconds)

    def accepts(self, content_type: str) -> bool:
        return content_type in self.content_types

    def run(self, data: bytes, *, deadline: float | None = None,
            publish: Callable[[Outputs], None] | None = None, resume: Resume | None = None,
            language: str | None = None, options: dict | None = None, content_type: str | None = None,
            lexicon: list[dict] | None = None, voices: dict[str, str] | None = None) -> Outputs:
        module, func = self.runner.split(":")
        extra = {"resume": resume} if resume is not None else {}
        if lexicon and self.pronunciations:
            extra["lexicon"] = lexicon
        if voices and self.pronunciations:  # the same kinds read aloud: {language: voice id}
            extra["voices"] = voices
        if content_type is not None and self.declared_type:
            extra["content_type"] = content_type
        if language is not None and self.language_use is not None:
            extra["language"] = language
        extra |= {k: v for k, v in (options or {}).items() if k in self.options and v is not None}
        return getattr(importlib.import_module(module), func)(data, deadline=deadline, publish=publish, **extra)

    def book_work(self):
        """The module doing this kind's book shards (imported by the worker only)."""
        return importlib.import_module(self.book) if self.book else None

    def warm(self) -> None:
        if self.warm_up:
            module, func = self.warm_up.split(":")
            getattr(importlib.import_module(module), func)()

    def warm_in_background(self, wait: Callable[[], None] | None = None):
        """Start `warm_later` in a background thread, after `wait()` returns (None when there
        is nothing to load).

        At the process's own priority: on Linux nice is per thread, and the threads a session
        starts (onnxruntime's intra-op pool) inherit it for the session's life, which an
        unprivileged process cannot undo. The voice loaded at nice 19 left its pool thread at 19,
        doing a third of every synthesis: on a busy machine each recording went at a starved
        thread's pace (a 3-page document's first turn took 95 s for 15 s of work)."""
        if not self.warm_later:
            return None
        import threading

        module, func = self.warm_later.split(":")

        def load() -> None:
            if wait is not None:
                wait()
            getattr(importlib.import_module(module), func)()

        # Not a daemon: a process ending while onnxruntime builds a session in it crashed
        # (SIGSEGV/abort at exit); exit now waits the second or two the load has left.
        thread = threading.Thread(target=load, name=f"warm-{self.name}")
        thread.start()
        return thread

    def public(self) -> dict:
        """What GET /kinds says of it (the site builds its upload chooser from this)."""
        from chalicelib.media.types import EXTENSIONS, NAMES

        formats = list(dict.fromkeys(NAMES.get(t, t) for t in self.content_types))
        # Each ending's type to declare (the first the kind takes that names it): clients that
        # have only a file name (the pagevoice command) declare what the site would.
        endings: dict[str, str] = {}
        for t in self.content_types:
            for ending in EXTENSIONS.get(t, ()):
                endings.setdefault(ending, t)
        return {"name": self.name, "label": self.label, "description": self.description,
                "content_types": list(self.content_types), "extensions": list(self.extensions),
                "endings": {e: endings[e] for e in self.extensions if e in endings}, "formats": formats,
                "outputs": [RESULT, *self.outputs], "language_use": self.language_use,
                "options": dict(self.options), **self.limits()}
