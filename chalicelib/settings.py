"""Every setting PageVoice reads, in one place.

Read lazily (call `get()`), never at import time: Chalice's test client and
`chalice local` set a stage's environment variables only around each call.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, fields

PREFIX = "PAGEVOICE_"


def _int(name: str, default: int) -> int:
    raw = os.environ.get(PREFIX + name, "")
    return int(raw) if raw.strip() else default


def _str(name: str, default: str) -> str:
    return os.environ.get(PREFIX + name, "").strip() or default


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(PREFIX + name, "").strip().lower()
    if not raw:
        return default
    return raw in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class Settings:
    # AWS resources (one definition of each lives in chalicelib.resources).
    bucket: str
    auth_table: str
    jobs_table: str
    region: str
    endpoint_url: str  # AWS_ENDPOINT_URL: set for the local stack (moto server)
    # Auth.
    jwt_secret: str  # local: straight from the environment
    jwt_secret_param: str  # deployed: SSM SecureString parameter name
    jwt_issuer: str
    jwt_audience: str
    session_ttl_seconds: int
    cors_origin: str
    # Password hashing (argon2id). Defaults are OWASP's minimum; tests may lower them.
    argon2_time_cost: int
    argon2_memory_kib: int
    argon2_parallelism: int
    # Throttling (counters live in the auth table with a TTL).
    login_max_failures: int  # failed logins per account before lockouts start
    login_lockout_base_seconds: int  # first lockout; doubles with each further failure
    login_lockout_max_seconds: int
    login_failure_reset_seconds: int  # this long without a failure forgets the count
    register_limit_per_ip: int  # registrations per client IP per window
    register_window_seconds: int
    upload_limit_per_user: int  # POST /uploads per account per window
    upload_window_seconds: int
    max_api_keys_per_user: int
    max_json_body_bytes: int  # request bodies above this are refused (400)
    # Uploads and images.
    max_upload_bytes: int
    max_pixels: int
    upload_url_ttl_seconds: int
    download_url_ttl_seconds: int
    # Engines.
    ocr_engine: str
    tts_engine: str
    ocr_threads: int
    tts_threads: int
    tts_deterministic: bool
    gtts_lang: str  # gTTS: IETF tag Google accepts, e.g. en, fr, zh-TW
    gtts_tld: str  # gTTS: translate.google.<tld> (accent, or a reachable host)
    gtts_timeout_seconds: int  # gTTS: per request; gTTS's default waits forever
    # Worker.
    job_lease_seconds: int
    log_level: str


def get() -> Settings:
    return Settings(
        bucket=_str("BUCKET", "pagevoice-local"),
        auth_table=_str("AUTH_TABLE", "pagevoice-auth"),
        jobs_table=_str("JOBS_TABLE", "pagevoice-jobs"),
        region=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
        endpoint_url=os.environ.get("AWS_ENDPOINT_URL", "").strip(),
        jwt_secret=_str("JWT_SECRET", ""),
        jwt_secret_param=_str("JWT_SECRET_PARAM", ""),
        jwt_issuer=_str("JWT_ISSUER", "pagevoice"),
        jwt_audience=_str("JWT_AUDIENCE", "pagevoice-api"),
        session_ttl_seconds=_int("SESSION_TTL_SECONDS", 7 * 24 * 3600),
        cors_origin=_str("CORS_ORIGIN", "http://127.0.0.1:8080"),
        argon2_time_cost=_int("ARGON2_TIME_COST", 2),
        argon2_memory_kib=_int("ARGON2_MEMORY_KIB", 19 * 1024),
        argon2_parallelism=_int("ARGON2_PARALLELISM", 1),
        login_max_failures=_int("LOGIN_MAX_FAILURES", 5),
        login_lockout_base_seconds=_int("LOGIN_LOCKOUT_BASE_SECONDS", 1),
        login_lockout_max_seconds=_int("LOGIN_LOCKOUT_MAX_SECONDS", 900),
        login_failure_reset_seconds=_int("LOGIN_FAILURE_RESET_SECONDS", 900),
        register_limit_per_ip=_int("REGISTER_LIMIT_PER_IP", 10),
        register_window_seconds=_int("REGISTER_WINDOW_SECONDS", 3600),
        upload_limit_per_user=_int("UPLOAD_LIMIT_PER_USER", 30),
        upload_window_seconds=_int("UPLOAD_WINDOW_SECONDS", 60),
        max_api_keys_per_user=_int("MAX_API_KEYS_PER_USER", 20),
        max_json_body_bytes=_int("MAX_JSON_BODY_BYTES", 16 * 1024),
        max_upload_bytes=_int("MAX_UPLOAD_BYTES", 15 * 1024 * 1024),
        max_pixels=_int("MAX_PIXELS", 40_000_000),
        upload_url_ttl_seconds=min(_int("UPLOAD_URL_TTL_SECONDS", 600), 600),
        download_url_ttl_seconds=min(_int("DOWNLOAD_URL_TTL_SECONDS", 900), 900),
        ocr_engine=_str("OCR_ENGINE", "rapidocr"),
        tts_engine=_str("TTS_ENGINE", "piper"),
        ocr_threads=_int("OCR_THREADS", 2),
        tts_threads=_int("TTS_THREADS", 2),
        tts_deterministic=_bool("TTS_DETERMINISTIC", False),
        gtts_lang=_str("GTTS_LANG", "en"),
        gtts_tld=_str("GTTS_TLD", "com"),
        gtts_timeout_seconds=_int("GTTS_TIMEOUT_SECONDS", 15),
        job_lease_seconds=_int("JOB_LEASE_SECONDS", 300),
        log_level=_str("LOG_LEVEL", "INFO"),
    )


def names() -> list[str]:
    """Setting names, for docs and the README's table."""
    return [f.name for f in fields(Settings)]
