"""Platform settings in sections (`get().limits.max_page_words`), each field written once: its
name, type, default and meaning (the comment on its line, else the comment just above it).

A field `foo_bar` is read from `PAGEVOICE_FOO_BAR` (or the variables its `env` names). Engine
tuning is not here: each engine declares a `Config` beside it, read by the same loader with
the engine's own prefix (`load(Config, "PAGEVOICE_OCR_")`), and benchmarks pass configs.

`get()` parses the environment once per process and again only when a variable it reads has
changed: Chalice's test client and `chalice local` set a stage's variables only around each
call, and tests set their own. So read it when needed, never at import time.

chalicelib/settings_table.py makes the table of every variable (these and the engines').
"""
from __future__ import annotations

import dataclasses
import functools
import os
from dataclasses import dataclass, field
from pathlib import Path

PREFIX = "PAGEVOICE_"
ROOT = Path(__file__).resolve().parents[1]


def setting(default=dataclasses.MISSING, *, env: tuple[str, ...] = (), maximum=None, default_factory=None):
    """A field read from the environment: `env` replaces the derived variable name (first set
    wins), `maximum` caps the value whatever the environment says."""
    meta = {"env": env, "maximum": maximum}
    if default_factory is not None:
        return field(default_factory=default_factory, metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class Aws:
    """Where PageVoice runs: its AWS resources (one definition of each: chalicelib.resources)."""
    bucket: str = setting("pagevoice-local")  # the S3 bucket of uploads and results
    auth_table: str = setting("pagevoice-auth")  # DynamoDB table of accounts, API keys and throttling counters
    jobs_table: str = setting("pagevoice-jobs")  # DynamoDB table of jobs
    shards_table: str = setting("pagevoice-shards")  # DynamoDB table of books' shards (chalicelib.jobs.book)
    shards_queue: str = setting("pagevoice-shards")  # the SQS queue of books' shards, the worker's second event source
    first_queue: str = setting("pagevoice-shards-first")  # the SQS queue of the shards a listener waits for (taken first)
    record_queue: str = setting("pagevoice-shards-record")  # the SQS queue of recording nobody waits for yet (the lowest share)
    region: str = setting("us-east-1", env=("AWS_REGION", "AWS_DEFAULT_REGION"))  # the AWS region
    endpoint_url: str = setting("", env=("AWS_ENDPOINT_URL",))  # the local stack's moto server
    worker_function: str = setting("")  # deployed: the worker Lambda the sweep re-drives jobs to
    log_level: str = setting("INFO")  # Python logging level of every process


@dataclass(frozen=True)
class Auth:
    """Accounts: tokens, password hashing, throttling (counters live in the auth table with a TTL)."""
    jwt_secret: str = setting("")  # local: the signing secret itself (32+ bytes)
    jwt_secret_param: str = setting("")  # deployed: SSM SecureString parameter name of the signing secret
    jwt_issuer: str = setting("pagevoice")  # the tokens' `iss`
    jwt_audience: str = setting("pagevoice-api")  # the tokens' `aud`
    session_ttl_seconds: int = setting(7 * 24 * 3600)  # how long a login lasts
    cors_origin: str = setting("http://127.0.0.1:8080,http://localhost:8080")  # the site's origins, comma-separated
    # Password hashing (argon2id). Defaults are OWASP's minimum; tests may lower them.
    argon2_time_cost: int = setting(2)  # argon2id passes per hash
    argon2_memory_kib: int = setting(19 * 1024)  # argon2id memory per hash (KiB)
    argon2_parallelism: int = setting(1)  # argon2id lanes
    login_max_failures: int = setting(5)  # failed logins per account before lockouts start
    login_lockout_base_seconds: int = setting(1)  # first lockout; doubles with each further failure
    login_lockout_max_seconds: int = setting(900)  # longest lockout
    login_failure_reset_seconds: int = setting(900)  # this long without a failure forgets the count
    # Credential stuffing: one address trying many accounts (one or two tries each) never trips
    # the per-account lockout; this does. Generous enough for an office behind one address.
    login_ip_max_failures: int = setting(50)
    login_ip_window_seconds: int = setting(900)  # the window login_ip_max_failures counts in
    register_limit_per_ip: int = setting(10)  # registrations per client IP per window
    register_window_seconds: int = setting(3600)  # the window register_limit_per_ip counts in
    upload_limit_per_user: int = setting(30)  # POST /uploads per account per window
    upload_window_seconds: int = setting(60)  # the window upload_limit_per_user counts in
    max_api_keys_per_user: int = setting(20)  # API keys one account may hold


@dataclass(frozen=True)
class Account:
    """Self-service: mail, password resets, email verification, exports, retention."""
    site_url: str = setting("http://127.0.0.1:8080")  # the site the links in mails open (no trailing slash)
    mail_from: str = setting("PageVoice <no-reply@pagevoice.local>")  # the sender of every mail (an SES identity)
    tasks_queue: str = setting("pagevoice-tasks")  # the SQS queue of work the API hands to the worker side
    reset_ttl_seconds: int = setting(1800, maximum=1800)  # how long a password-reset link is valid
    verify_ttl_seconds: int = setting(7 * 24 * 3600)  # how long an email-verification link is valid
    # Reset and verification mails asked for, per address and per client IP, in this window.
    mail_window_seconds: int = setting(3600)
    mail_limit_per_email: int = setting(3)  # reset or verification mails per email address per window
    mail_limit_per_ip: int = setting(30)  # reset mails asked for by one client IP per window
    export_max_bytes: int = setting(4 * 1024 * 1024 * 1024)  # an export stops adding files past this (the zip says so)
    max_retention_days: int = setting(3650)  # the longest "delete my files after N days" an account may choose


@dataclass(frozen=True)
class Limits:
    """What one request, upload, document or result may hold (each kind's limits read these)."""
    max_json_body_bytes: int = setting(16 * 1024)  # request bodies above this are refused (400)
    max_upload_bytes: int = setting(15 * 1024 * 1024)  # largest upload (policy, API and worker)
    max_pixels: int = setting(40_000_000)  # larger images are refused before decoding (a PDF page renders within it)
    # Recordings: a 4-hour MP3 at 128 kbit/s is ~230 MB, a 4-hour 16 kHz WAV ~460 MB. One longer
    # than settings.books.recording_book_seconds is transcribed in windows by many workers.
    max_audio_bytes: int = setting(500 * 1024 * 1024)
    max_audio_seconds: int = setting(4 * 3600)  # longest recording a speech job takes
    upload_url_ttl_seconds: int = setting(600, maximum=600)  # how long a presigned upload (POST) is valid
    download_url_ttl_seconds: int = setting(900, maximum=900)  # how long a presigned download (GET) is valid
    # GET /jobs/{id} carries the result inline up to this size; a larger one (a long document's)
    # is left to `result_url`: a Lambda's response is at most 6 MB, escaped JSON included.
    inline_result_bytes: int = setting(4 * 1024 * 1024, maximum=4 * 1024 * 1024)
    # Documents (PDF, multi-page TIFF, several photos as one PDF): pages read per document (the
    # rest are left out and the result says so).
    max_document_pages: int = setting(50)
    pdf_render_dpi: int = setting(200)  # the resolution a document's pages are rendered at
    # Text kept per page and per document (a PDF's text layer can hold anything): past these the
    # rest is left unread and the result says so (`complete: false` with a reason).
    max_page_words: int = setting(5000)
    max_page_chars: int = setting(50_000)  # see max_page_words
    max_document_words: int = setting(50_000)  # see max_page_words
    max_document_chars: int = setting(500_000)  # see max_page_words
    max_result_bytes: int = setting(32 * 1024 * 1024)  # the largest result.json the worker writes, whatever the above let through
    # Untrusted decoding (PDF, TIFF, HEIC, recordings) runs in a child process with its own
    # address-space and CPU limits and deadline (chalicelib.media.sandbox).
    decode_memory_mb: int = setting(768)
    decode_seconds: float = setting(60.0)  # the decoding child's deadline
    tts_max_seconds: float = setting(60.0)  # short recordings (a number, the CLI): most synthesis time
    # A page's or document's recording is made in turns of the worker's time (kinds/voice.py);
    # only its length is capped (2 h of speech: ~300 MB of WAV in the worker's /tmp).
    max_speech_seconds: float = setting(2 * 3600.0)


@dataclass(frozen=True)
class Worker:
    """The worker: which kinds and engines, its time, and how jobs are leased, retried and ended."""
    kind_plugins: str = setting("")  # extra job kinds, "module:ATTR,..." (tests add a stub kind)
    # Kinds whose engines load at worker start, before the first job; what a kind loads later
    # (the page kind's voice) waits for the first job's text.
    warm_kinds: str = setting("page")
    ocr_engine: str = setting("rapidocr")  # the OCR engine (its tuning: the engine's Config)
    tts_engine: str = setting("piper")  # the text-to-speech engine
    digits_engine: str = setting("cnn")  # the handwritten-digit engine
    asr_engine: str = setting("whisper")  # the speech-to-text engine
    # Who spoke in a recording (CONTRACTS section 17); "none": no speakers. Its licences: docs/licences.md.
    diarization_engine: str = setting("pyannote")
    # The page layout detector whose regions settle headings the rules are unsure of
    # (chalicelib.structure.regions); "none": the rules alone. Its licence: docs/licences.md.
    layout_engine: str = setting("doclaynet")
    # A document page's headings and footnotes weighed by a small trained model after the rules
    # (chalicelib.structure.roles). Off: on layout-dev's split by document it did not beat the
    # rules on the half it was not trained on (bench.layout prints both).
    structure_classifier: bool = setting(False)
    structure_classifier_file: str = setting("")  # another model than the committed one (a JSON file; the bench's)
    ocr_max_seconds: float = setting(60.0)  # most time spent reading one image; the rest is left unread
    speech_reserve_seconds: float = setting(10.0)  # of the worker's time, kept from OCR for the recording
    worker_timeout_seconds: int = setting(120)  # its time per invocation (Lambda's timeout; the bridge gives the same)
    # Deployed workers one account may hold at once (claim time); its other jobs wait their turn.
    user_max_workers: int = setting(3)
    job_lease_seconds: int = setting(300)  # how long a worker holds a job before a retry may take it
    # Attempts at one job before it is failed: Lambda's async invoke makes 1 + MaximumRetryAttempts
    # (2, infra/template.py); the sweep's re-drives count as attempts too.
    worker_max_attempts: int = setting(3)
    # Invocations one job may take in turns (a long document's reading and recording continue
    # where the last turn stopped); each must make progress.
    worker_max_turns: int = setting(40)
    # No S3 event is retried later than this after it happened (MaximumEventAgeInSeconds in
    # infra/template.py): after it, an unfinished job is failed (jobs.lifecycle.settle).
    job_retry_window_seconds: int = setting(3600)
    # An upload can only start before its presigned POST expires; this covers one in flight.
    upload_grace_seconds: int = setting(300)
    # Of the worker's memory (Lambda's; locally local.worker_memory_mb), what is kept for a job's
    # own work (its images and audio, the decoding sandbox, Tesseract): past the rest, loaded engines
    # no job holds are dropped, least recently used first, and built again when asked for (plugins).
    job_memory_mb: int = setting(1024)


@dataclass(frozen=True)
class Books:
    """Long documents read and recorded by many workers at once (chalicelib.jobs.book): when a
    document is a book, how it is cut into shards, and what one book and one account may hold."""
    # A document with more pages than this (or a document without pages with more words than
    # book_words) is a book: its pages are read and its text recorded in shards that any worker
    # takes from the shards queue. Shorter ones are read by one worker, as before.
    book_pages: int = setting(50)
    book_words: int = setting(50_000)  # see book_pages
    max_book_pages: int = setting(2000)  # pages read of one PDF or TIFF (the rest are left out and the result says so)
    max_book_words: int = setting(1_000_000)  # words read of one document without pages
    max_book_bytes: int = setting(500 * 1024 * 1024)  # the largest document uploaded (PDF, TIFF, DOCX, EPUB, ...)
    # Pages one reading shard reads at most: the first shards read 1, 2, 4... pages, so the first
    # page's text comes as fast as a short document's. A shard is about the same worker time
    # whatever its pages (~5 s on one vCPU under load: 3 scanned pages, 32 with text layers), so
    # books taking turns on the queue (reading_ahead_shards) take turns of time: bench.fair's busy
    # shards (2026-11-28): 4 scanned pages 6.45 s, 32 text pages 4.9 s (medians); with 8 scanned
    # pages a scan beside a text book of the same account took 2.7 times its workers' time.
    shard_pages: int = setting(3)
    # ...and of a book whose pages have text layers (sampled when it is opened): such a page reads
    # in ~0.15 s of one vCPU alone (its picture rendered, its layout weighed), so a shard of 8 was
    # mostly its own overhead (a worker process, its claims and files). Not larger: a listener who
    # moves into pages not read yet waits for their whole shard (42 pages made that jump 2-3 s
    # longer). A book planned keeps the sizes it was planned with.
    text_shard_pages: int = setting(32)
    # Characters of spoken text one recording shard speaks at most: ~75 s of speech, ~7 s of one
    # worker's thread (piper), so a listener who moves to any place hears it within seconds; the
    # book's first sections are shorter still.
    section_chars: int = setting(1200)
    # A recording longer than this is a book too: cut at pauses into windows (the first 30 s,
    # then 60, 120... up to recording_window_seconds) that workers transcribe in parallel.
    recording_book_seconds: int = setting(600)
    recording_window_seconds: int = setting(300)  # see recording_book_seconds
    recording_window_slack: int = setting(20)  # seconds before a window's length it may end, at a pause
    shard_lease_seconds: int = setting(300)  # how long a worker holds a shard before another may take it
    shard_max_attempts: int = setting(3)  # attempts at one shard before it fails alone (its pages or section say why)
    # Deployed workers the shards queue may hold at once (the event source's maximum concurrency):
    # a book never takes every worker, so other people's photos go on being read.
    shard_max_concurrency: int = setting(20)
    # A book's reading shards on the queue at once (0: shard_max_concurrency; the local stack's:
    # its worker count): each one read sends the one this many after it. SQS serves one account's
    # messages in the order sent, so an account's next upload waits for at most this many of its
    # first book's shards, and a book alone still keeps every worker busy.
    reading_ahead_shards: int = setting(0)
    # Workers the listener's queue may hold at once (its own event source): the shard a listener
    # moved to is taken at once, whatever the book's other shards are doing.
    first_max_concurrency: int = setting(5)
    # Workers the recording nobody listens to yet may hold at once (the record queue's event
    # source): a book's start and the rest of a book an export asked for, the lowest share.
    record_max_concurrency: int = setting(5)
    # Seconds of speech recorded ahead of where each listener is (and of a book's start before
    # anyone listens): the rest is recorded when a listener comes near it or an export asks for
    # it, so a book nobody listens to costs its reading and this much speech.
    record_ahead_seconds: int = setting(600)
    # ...of which the seconds right after a listener's place are what they wait for: recorded on the
    # listener's queue; the rest on the record queue, moved up as the listener comes near it (each
    # place saved while playing, every 5 s). At 120 a jump put three sections there at once, made
    # at the uploads' priority beside other people's first pages (a scan's first page took 3.8 s,
    # 2.5x its time alone, in bench.fair); the third has the second's playing time to be made.
    listen_first_seconds: int = setting(60)
    # ...of which the sections that start within this many seconds of the place are waited for now
    # (the one heard; the next when that one is nearly over): locally run at the uploads' priority.
    # The rest is made ahead, at the books' niceness: bench.fair's logs had the section after a
    # 75-second one (~8 s of a core) made un-niced while two accounts' first pages were read.
    listen_now_seconds: int = setting(20)
    # Uploads larger than this go to S3 as a multipart upload with presigned part URLs (POST
    # /uploads says so), which the site and scripts can resume after a dropped connection.
    multipart_bytes: int = setting(100 * 1024 * 1024)
    multipart_part_bytes: int = setting(16 * 1024 * 1024)  # one part of a multipart upload (S3: 5 MB to 5 GB)
    # What one account may hold and read: its stored uploads and results, and pages read in the
    # last 30 days (POST /uploads refuses past them with a sentence; GET /me shows both).
    quota_storage_bytes: int = setting(20 * 1024 * 1024 * 1024)  # an account's stored uploads and results at most
    quota_pages: int = setting(20_000)  # pages an account may have read in the last 30 days


@dataclass(frozen=True)
class Local:
    """The local stack (`make run`, infra/local), standing in for Lambda."""
    local_workers: int = setting(2)  # `make run`'s worker processes (Lambda's concurrency, locally)
    # More worker processes for uploads only (photos, short documents): deployed, a book's shards
    # run under their event sources' own concurrency, so an upload never waits behind a book.
    local_upload_workers: int = setting(1)
    # More worker processes for the listener's queue only (a book's shards a listener waits for:
    # its first pages, the place they moved to): deployed, that queue has its own event source
    # and concurrency (books.first_max_concurrency), so a jump never waits behind a book's shards.
    local_listener_workers: int = setting(1)
    # The niceness of the processes that take books' shards (the upload and listener processes run
    # at 0): deployed, an upload's invocation has a CPU of its own beside a book's; here they share
    # the machine's cores. At 19 (CFS weight 15 against 1,024) a book's shards use what uploads and
    # listeners leave; at 5 and 10, two cores under two shards gave other people's first pages
    # 2.0-3.7x their quiet time in bench.fair, at 19 1.35x at most (bench/README.md). Only where
    # the stack may raise a process again (root, CAP_SYS_NICE, RLIMIT_NICE): elsewhere none is niced.
    local_shard_nice: int = setting(19)
    # Each local worker process gets the memory Lambda would give (the template's WorkerMemorySize).
    worker_memory_mb: int = setting(2048)
    aws_port: int = setting(4566)  # `make run`'s local AWS (moto) port
    api_port: int = setting(8000)  # `make run`'s API port
    site_port: int = setting(8080)  # `make run`'s site port
    state_dir: str = setting(".local/state")  # where `make run` keeps its data (relative: to the repository)
    journal_fsync: bool = setting(False)  # fsync each line of the local AWS journal (~1-5 ms a write)
    # How often the bridge re-drives unfinished jobs whose lease has ended (deployed: the sweep's
    # schedule, infra/template.py SWEEP_EVERY_MINUTES).
    sweep_seconds: float = setting(30.0)
    # A worker process idle this long ends, as Lambda reclaims an idle execution environment; the
    # next invocation there starts a new one (a cold start). 0: kept for the stack's life. A warm
    # process holds its engines (0.4-1 GB): an idle `make run`, or a test's stack while another
    # module's runs, gives that memory back.
    local_idle_seconds: float = setting(600.0)
    # ...only while the machine's memory in use is at least this percent (0: always, as Lambda).
    # The tests' stacks reclaim at 60: two clones' suites side by side get the memory back, and one
    # alone keeps its session stacks warm while a module's own stack runs (reclaimed regardless, a
    # run alone made 17 more cold starts of ~3-5 CPU s each).
    local_idle_memory_percent: int = setting(0)


@dataclass(frozen=True)
class Links:
    """Reading by link (CONTRACTS section 18): what a worker fetches from the open internet for a
    person, and its bounds (chalicelib.links.fetch); and the account's podcast feed (chalicelib.feeds)."""
    link_max_bytes: int = setting(50 * 1024 * 1024)  # the most a fetched page or file may be
    link_seconds: float = setting(30.0)  # the whole fetch, redirects and a slow sender included
    link_read_seconds: float = setting(10.0)  # the connect and each read
    link_max_redirects: int = setting(5, maximum=10)  # redirects followed, each checked as the first address
    # The local stack's "internet" (CONTRACTS section 18): host:port entries, comma-separated, fetched
    # from though not public (its tests' web servers). Ignored in Lambda: deployed, nothing private
    # is reachable.
    fetch_allow: str = setting("")
    # Episodes in an account's podcast feed, the newest (each costs the API a read and an S3 HEAD).
    feed_max_items: int = setting(50, maximum=500)


SECTIONS = {"aws": Aws, "auth": Auth, "account": Account, "limits": Limits, "worker": Worker, "books": Books,
            "links": Links, "local": Local}


@dataclass(frozen=True)
class Settings:
    """Every platform setting, by section: `get().limits.max_page_words`."""
    aws: Aws
    auth: Auth
    account: Account
    limits: Limits
    worker: Worker
    books: Books
    links: Links
    local: Local


def parse(raw: str, like, name: str):
    """A setting's text as the type of `like` (its default)."""
    if isinstance(like, bool):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(like, Path):
        return Path(raw.strip()).expanduser()
    try:
        if isinstance(like, int):
            return int(raw)
        if isinstance(like, float):
            return float(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a number") from None
    return raw.strip()


def names_of(f: dataclasses.Field, prefix: str = PREFIX) -> tuple[str, ...]:
    """The environment variables a field is read from, first set wins."""
    return f.metadata.get("env") or (prefix + f.name.upper(),)


def load(cls, prefix: str = PREFIX, overrides: dict | None = None, environ=None):
    """An instance of the dataclass `cls` with each field from its environment variable (when set
    and not blank), else its default; `overrides` (field -> value) win over both. `environ`: the
    variables to read (os.environ by default)."""
    env = os.environ if environ is None else environ
    values = {}
    for f in dataclasses.fields(cls):
        if overrides and f.name in overrides:
            values[f.name] = overrides[f.name]
            continue
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
        names = names_of(f, prefix)
        raw = next((env[n] for n in names if env.get(n, "").strip()), None)
        value = default if raw is None else parse(raw, default, names[0])
        if f.metadata.get("maximum") is not None:
            value = min(value, f.metadata["maximum"])
        values[f.name] = value
    return cls(**values)


# What get() watches: every variable it can read (the explicit names outside these prefixes too).
_WATCHED_PREFIXES = (PREFIX, "AWS_")
_WATCHED_NAMES = frozenset(n for cls in SECTIONS.values() for f in dataclasses.fields(cls)
                           for n in names_of(f) if not n.startswith(_WATCHED_PREFIXES))


def _snapshot() -> tuple:
    # Keys first, values only of the watched ones: half the decoding of items(). A variable
    # removed meanwhile by another thread reads as blank, which counts as unset.
    env = os.environ
    return tuple((k, env.get(k, "")) for k in env if k.startswith(_WATCHED_PREFIXES) or k in _WATCHED_NAMES)


# A few environments stay parsed: the test client switches between the suite's and the stage's.
@functools.lru_cache(maxsize=8)
def _parse(snapshot: tuple) -> Settings:
    env = dict(snapshot)
    return Settings(**{name: load(cls, environ=env) for name, cls in SECTIONS.items()})


def get() -> Settings:
    """The settings as the environment sets them now (parsed again only after it changed)."""
    return _parse(_snapshot())


def reload() -> Settings:
    """Forget every parsed environment and read it again."""
    _parse.cache_clear()
    return get()
