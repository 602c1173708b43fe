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
    # Credential stuffing: one address trying many accounts (one or two tries each) never trips
    # the per-account lockout; this does. Generous enough for an office behind one address.
    login_ip_max_failures: int
    login_ip_window_seconds: int
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
    # Default OCR engine (rapidocr PP-OCRv6); each value measured by bench/ (docs/bench/).
    ocr_det_max_side: int  # longest side the text detector sees
    ocr_det_max_pixels: int  # most pixels it sees (its time and memory grow with them)
    ocr_det_scale: float  # documents: most the page is enlarged for detecting small text (1: off)...
    ocr_text_height: int  # ...to bring its median character height to this (pixels; 0: off)
    ocr_det_thresh: float  # DB: pixel probability that counts as text
    ocr_box_thresh: float  # DB: mean probability a box needs to be kept
    ocr_unclip_ratio: float  # DB: how far a box is grown around its text kernel (photos)...
    ocr_doc_unclip_ratio: float  # ...and on documents
    ocr_doc_dilation: bool  # DB: dilate the text map on documents (off: small print's close lines kept apart, +11% CPU)
    ocr_text_score: float  # lines whose mean character confidence is lower are dropped
    ocr_word_score: float  # so are words (mean character confidence) on documents...
    ocr_photo_word_score: float  # ...and on photos, where unsure words are mostly texture read as text
    ocr_orientation: str  # upside-down text: "page" (one vote per page), "line" (each alone), "off"
    ocr_word_boxes: str  # "ink": fitted to the word's ink; "ctc": character positions only
    ocr_word_pad: float  # word box margin around the ink, in image pixels
    ocr_split_gap: float  # documents: a blank this many glyph heights wide splits a word (0: off)
    ocr_split_hyphens: str  # "662-6280" -> words "662-", "6280": documents | always | never
    ocr_document_paper: float  # an image this much paper is a document (enlarged, hyphens split)
    ocr_rec_batch_width: int  # recogniser batch: images x padded width (pixels), at most
    ocr_rec_min_width: int  # recogniser: narrowest padded input width (pixels)
    ocr_lexicon: str  # unsure out-of-list words re-read against a word list: documents | always | never
    ocr_lexicon_margin: float  # ...when the listed word's CTC log-likelihood is at most this far below
    ocr_lexicon_min_count: int  # ...among the list's words seen at least this often
    tts_threads: int
    tts_max_seconds: float  # most time spent making one recording; the rest of the text is not spoken
    tts_deterministic: bool
    gtts_lang: str  # gTTS: IETF tag Google accepts, e.g. en, fr, zh-TW
    gtts_tld: str  # gTTS: translate.google.<tld> (accent, or a reachable host)
    gtts_timeout_seconds: int  # gTTS: per request; gTTS's default waits forever
    keras_ocr_cache_dir: str  # KERAS_OCR_CACHE_DIR (keras-ocr's own variable), else ~/.keras-ocr
    keras_ocr_scale: float  # keras-ocr: most a small image is enlarged before detection
    keras_ocr_max_size: int  # keras-ocr: longest side the detector sees (time, memory ~ its square)
    keras_ocr_untrained: bool  # keras-ocr, tests only: random weights, nothing downloaded
    # Worker.
    job_lease_seconds: int
    # Attempts at one job before it is failed: Lambda's async invoke makes 1 + MaximumRetryAttempts
    # (2, infra/template.py); locally the bridge's redelivery and sweep would otherwise retry for ever.
    worker_max_attempts: int
    # No S3 event is retried later than this after it happened (MaximumEventAgeInSeconds in
    # infra/template.py): after it, an unfinished job is failed (jobs.settle).
    job_retry_window_seconds: int
    # An upload can only start before its presigned POST expires; this covers one in flight.
    upload_grace_seconds: int
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
        login_ip_max_failures=_int("LOGIN_IP_MAX_FAILURES", 50),
        login_ip_window_seconds=_int("LOGIN_IP_WINDOW_SECONDS", 900),
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
        ocr_det_max_side=_int("OCR_DET_MAX_SIDE", 2048),
        ocr_det_max_pixels=_int("OCR_DET_MAX_PIXELS", 2_500_000),
        ocr_det_scale=float(_str("OCR_DET_SCALE", "1.0")),
        ocr_text_height=_int("OCR_TEXT_HEIGHT", 20),
        ocr_det_thresh=float(_str("OCR_DET_THRESH", "0.3")),
        ocr_box_thresh=float(_str("OCR_BOX_THRESH", "0.5")),
        ocr_unclip_ratio=float(_str("OCR_UNCLIP_RATIO", "1.3")),
        ocr_doc_unclip_ratio=float(_str("OCR_DOC_UNCLIP_RATIO", "1.6")),
        ocr_doc_dilation=_bool("OCR_DOC_DILATION", True),
        ocr_text_score=float(_str("OCR_TEXT_SCORE", "0.5")),
        ocr_word_score=float(_str("OCR_WORD_SCORE", "0.8")),
        ocr_photo_word_score=float(_str("OCR_PHOTO_WORD_SCORE", "0.9")),
        ocr_orientation=_str("OCR_ORIENTATION", "page"),
        ocr_word_boxes=_str("OCR_WORD_BOXES", "ink"),
        ocr_word_pad=float(_str("OCR_WORD_PAD", "1.0")),
        ocr_split_gap=float(_str("OCR_SPLIT_GAP", "0.8")),
        ocr_split_hyphens=_str("OCR_SPLIT_HYPHENS", "documents"),
        ocr_document_paper=float(_str("OCR_DOCUMENT_PAPER", "0.6")),
        ocr_rec_batch_width=_int("OCR_REC_BATCH_WIDTH", 960),
        ocr_rec_min_width=_int("OCR_REC_MIN_WIDTH", 160),
        ocr_lexicon=_str("OCR_LEXICON", "always"),
        ocr_lexicon_margin=float(_str("OCR_LEXICON_MARGIN", "5.0")),
        ocr_lexicon_min_count=_int("OCR_LEXICON_MIN_COUNT", 50),
        tts_threads=_int("TTS_THREADS", 2),
        tts_max_seconds=float(_str("TTS_MAX_SECONDS", "60")),
        tts_deterministic=_bool("TTS_DETERMINISTIC", False),
        gtts_lang=_str("GTTS_LANG", "en"),
        gtts_tld=_str("GTTS_TLD", "com"),
        gtts_timeout_seconds=_int("GTTS_TIMEOUT_SECONDS", 15),
        keras_ocr_cache_dir=(os.environ.get("KERAS_OCR_CACHE_DIR", "").strip()
                             or os.path.join(os.path.expanduser("~"), ".keras-ocr")),
        # CRAFT's own reference inference settings (mag_ratio 1.5, canvas 1280), not keras-ocr's
        # scale=2/2048: 2.5x less CPU and 1.3 GB less memory on a FUNSD page.
        keras_ocr_scale=float(_str("KERAS_OCR_SCALE", "1.5")),
        keras_ocr_max_size=_int("KERAS_OCR_MAX_SIZE", 1280),
        keras_ocr_untrained=_bool("KERAS_OCR_UNTRAINED", False),
        job_lease_seconds=_int("JOB_LEASE_SECONDS", 300),
        worker_max_attempts=_int("WORKER_MAX_ATTEMPTS", 3),
        job_retry_window_seconds=_int("JOB_RETRY_WINDOW_SECONDS", 3600),
        upload_grace_seconds=_int("UPLOAD_GRACE_SECONDS", 300),
        log_level=_str("LOG_LEVEL", "INFO"),
    )


def names() -> list[str]:
    """Setting names, for docs and the README's table."""
    return [f.name for f in fields(Settings)]
