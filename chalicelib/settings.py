"""Platform settings, each written once: its name, type, default and meaning in one line.

A field `foo_bar` is read from `PAGEVOICE_FOO_BAR` (or the variables its `env` names). Engine
tuning is not here: each engine declares a `Config` beside it, read by the same loader with
the engine's own prefix (`load(Config, "PAGEVOICE_OCR_")`), and benchmarks pass configs.

Read lazily (call `get()`), never at import time: Chalice's test client and `chalice local`
set a stage's environment variables only around each call.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

PREFIX = "PAGEVOICE_"


def setting(default=dataclasses.MISSING, *, env: tuple[str, ...] = (), maximum=None, default_factory=None):
    """A field read from the environment: `env` replaces the derived variable name (first set
    wins), `maximum` caps the value whatever the environment says."""
    meta = {"env": env, "maximum": maximum}
    if default_factory is not None:
        return field(default_factory=default_factory, metadata=meta)
    return field(default=default, metadata=meta)


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


def load(cls, prefix: str = PREFIX, overrides: dict | None = None):
    """An instance of the dataclass `cls` with each field from its environment variable (when set
    and not blank), else its default; `overrides` (field -> value) win over both."""
    values = {}
    for f in dataclasses.fields(cls):
        if overrides and f.name in overrides:
            values[f.name] = overrides[f.name]
            continue
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
        names = f.metadata.get("env") or (prefix + f.name.upper(),)
        raw = next((os.environ[n] for n in names if os.environ.get(n, "").strip()), None)
        value = default if raw is None else parse(raw, default, names[0])
        if f.metadata.get("maximum") is not None:
            value = min(value, f.metadata["maximum"])
        values[f.name] = value
    return cls(**values)


def variable(cls, name: str, prefix: str = PREFIX) -> str:
    """The environment variable a field is read from (for messages and docs)."""
    f = next(f for f in dataclasses.fields(cls) if f.name == name)
    return (f.metadata.get("env") or (prefix + name.upper(),))[0]


@dataclass(frozen=True)
class Settings:
    # AWS resources (one definition of each lives in chalicelib.resources).
    bucket: str = setting("pagevoice-local")
    auth_table: str = setting("pagevoice-auth")
    jobs_table: str = setting("pagevoice-jobs")
    region: str = setting("us-east-1", env=("AWS_REGION", "AWS_DEFAULT_REGION"))
    endpoint_url: str = setting("", env=("AWS_ENDPOINT_URL",))  # the local stack's moto server
    worker_function: str = setting("")  # deployed: the worker Lambda the sweep re-drives jobs to
    # Auth.
    jwt_secret: str = setting("")  # local: straight from the environment
    jwt_secret_param: str = setting("")  # deployed: SSM SecureString parameter name
    jwt_issuer: str = setting("pagevoice")
    jwt_audience: str = setting("pagevoice-api")
    session_ttl_seconds: int = setting(7 * 24 * 3600)
    cors_origin: str = setting("http://127.0.0.1:8080,http://localhost:8080")  # the site's origins, comma-separated
    # Password hashing (argon2id). Defaults are OWASP's minimum; tests may lower them.
    argon2_time_cost: int = setting(2)
    argon2_memory_kib: int = setting(19 * 1024)
    argon2_parallelism: int = setting(1)
    # Throttling (counters live in the auth table with a TTL).
    login_max_failures: int = setting(5)  # failed logins per account before lockouts start
    login_lockout_base_seconds: int = setting(1)  # first lockout; doubles with each further failure
    login_lockout_max_seconds: int = setting(900)
    login_failure_reset_seconds: int = setting(900)  # this long without a failure forgets the count
    # Credential stuffing: one address trying many accounts (one or two tries each) never trips
    # the per-account lockout; this does. Generous enough for an office behind one address.
    login_ip_max_failures: int = setting(50)
    login_ip_window_seconds: int = setting(900)
    register_limit_per_ip: int = setting(10)  # registrations per client IP per window
    register_window_seconds: int = setting(3600)
    upload_limit_per_user: int = setting(30)  # POST /uploads per account per window
    upload_window_seconds: int = setting(60)
    max_api_keys_per_user: int = setting(20)
    max_json_body_bytes: int = setting(16 * 1024)  # request bodies above this are refused (400)
    # Uploads (each kind's limits read these: chalicelib.kinds).
    max_upload_bytes: int = setting(15 * 1024 * 1024)
    max_pixels: int = setting(40_000_000)
    max_audio_bytes: int = setting(50 * 1024 * 1024)  # recordings: a 15-minute WAV is ~29 MB
    max_audio_seconds: int = setting(15 * 60)
    upload_url_ttl_seconds: int = setting(600, maximum=600)
    download_url_ttl_seconds: int = setting(900, maximum=900)
    # GET /jobs/{id} carries the result inline up to this size; a larger one (a long document's)
    # is left to `result_url`: a Lambda's response is at most 6 MB, escaped JSON included.
    inline_result_bytes: int = setting(4 * 1024 * 1024, maximum=4 * 1024 * 1024)
    # Documents (PDF, multi-page TIFF, several photos as one PDF): pages read per document (the
    # rest are left out and the result says so), and the resolution pages are rendered at.
    max_document_pages: int = setting(50)
    pdf_render_dpi: int = setting(200)
    # Text kept per page and per document (a PDF's text layer can hold anything): past these the
    # rest is left unread and the result says so (`complete: false` with a reason).
    max_page_words: int = setting(5000)
    max_page_chars: int = setting(50_000)
    max_document_words: int = setting(50_000)
    max_document_chars: int = setting(500_000)
    # The largest result.json the worker writes, whatever the limits above let through.
    max_result_bytes: int = setting(32 * 1024 * 1024)
    # Untrusted decoding (PDF, TIFF, HEIC, recordings) runs in a child process with its own
    # address-space and CPU limits and deadline (chalicelib.media.sandbox).
    decode_memory_mb: int = setting(768)
    decode_seconds: float = setting(60.0)
    kind_plugins: str = setting("")  # extra job kinds, "module:ATTR,..." (tests add a stub kind)
    # Engines: which one of each task runs (their tuning: each engine's Config).
    ocr_engine: str = setting("rapidocr")
    tts_engine: str = setting("piper")
    digits_engine: str = setting("cnn")
    asr_engine: str = setting("whisper")
    tts_max_seconds: float = setting(60.0)  # short recordings (a number, the CLI): most synthesis time
    # A page's or document's recording is made in turns of the worker's time (kinds/voice.py);
    # only its length is capped (2 h of speech: ~300 MB of WAV in the worker's /tmp).
    max_speech_seconds: float = setting(2 * 3600.0)
    ocr_max_seconds: float = setting(60.0)  # most time spent reading one image; the rest is left unread
    speech_reserve_seconds: float = setting(10.0)  # of the worker's time, kept from OCR for the recording
    # Worker.
    local_workers: int = setting(2)  # `make run`'s worker processes (Lambda's concurrency, locally)
    # Each local worker process gets the memory Lambda would give (the template's WorkerMemorySize).
    worker_memory_mb: int = setting(2048)
    # Deployed workers one account may hold at once (claim time); its other jobs wait their turn.
    user_max_workers: int = setting(3)
    worker_timeout_seconds: int = setting(120)  # its time per invocation (Lambda's timeout; the bridge gives the same)
    warm_kinds: str = setting("page")  # kinds whose engines load at worker start, before the first job
    job_lease_seconds: int = setting(300)
    # Attempts at one job before it is failed: Lambda's async invoke makes 1 + MaximumRetryAttempts
    # (2, infra/template.py); the sweep's re-drives count as attempts too.
    worker_max_attempts: int = setting(3)
    # Invocations one job may take in turns (a long document's reading and recording continue
    # where the last turn stopped); each must make progress.
    worker_max_turns: int = setting(40)
    # No S3 event is retried later than this after it happened (MaximumEventAgeInSeconds in
    # infra/template.py): after it, an unfinished job is failed (jobs.store.settle).
    job_retry_window_seconds: int = setting(3600)
    # An upload can only start before its presigned POST expires; this covers one in flight.
    upload_grace_seconds: int = setting(300)
    log_level: str = setting("INFO")


def get() -> Settings:
    return load(Settings)


def names() -> list[str]:
    """Setting names, for docs and the README's table."""
    return [f.name for f in dataclasses.fields(Settings)]
