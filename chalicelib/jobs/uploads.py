"""POST /uploads: a job record and a presigned POST straight to S3 for its file.

The browser sends the file to S3 itself (the API Lambda never carries file bytes).
The POST policy pins the exact key, the size range and the Content-Type, and expires
within 10 minutes; whatever the policy would refuse is refused here first (400), so
people get a message instead of an S3 XML error. moto does not enforce POST policies,
so the worker re-checks size and type on arrival. A file over the multipart threshold (a
book) goes as a multipart upload instead (chalicelib.jobs.multipart). The account's quotas
(chalicelib.auth.usage: storage, pages read in 30 days) are checked last, and the file counted.

The size limit depends on the type: a document (PDF, TIFF, DOCX, EPUB, ...) may be as large as
a book (`Kind.max_bytes(content_type)`), a photo is held to the photo limit.
"""
from __future__ import annotations

from chalicelib import kinds, languages, settings, structure, voices
from chalicelib.auth import throttle, usage
from chalicelib.errors import InputError
from chalicelib.jobs import keys, multipart, objects, table
from chalicelib.kinds.base import Kind
from chalicelib.media.types import NAMES
from chalicelib.validation import clean_text

FILENAME_MAX = 255
LINK_KINDS = ("page", "speech")  # what a link may be read as (create_link)
POLICY_MAX_SECONDS = 600


def _content_type(content_type: str, kind: Kind) -> str:
    # "audio/webm;codecs=opus" (what MediaRecorder reports) is audio/webm: parameters are dropped.
    normal = content_type.split(";", 1)[0].strip().lower()
    if not kind.accepts(normal):
        names = list(dict.fromkeys(NAMES.get(t, t) for t in kind.content_types))  # GET /kinds lists the types
        raise InputError(f"'{content_type}' is not a type the {kind.name} kind reads. Upload "
                         f"{', '.join(names[:-1])} or {names[-1]}.", field="content_type")
    return normal


def _size(size: int, kind: Kind, content_type: str) -> int:
    cap = kind.max_bytes(content_type)
    if size < 1:
        raise InputError("The file is empty.", field="size")
    if size > cap:
        what = f"a {NAMES.get(content_type, content_type)} file" if cap < kind.max_bytes() else "the file"
        raise InputError(f"The file is too large: {what} may be at most {cap // (1024 * 1024)} MB "
                         f"({cap} bytes).", field="size")
    return size


def create(user_id: str, filename: str, content_type: str, size: int, kind: str | None = None,
           language: str | None = None, skip=None, voice: str | None = None) -> dict:
    """{"job_id", "kind", "language", "upload": {"url", "fields"}, "expires_in"} for one file of the
    caller's; for a file over the multipart threshold, `upload` is {"multipart": ...} instead. `language`: "auto" (None) or a code of GET /languages the kind can use. `skip`:
    the roles of a document's blocks not to speak (None: the default), for kinds that take it.
    `voice`: a voice of GET /voices to read it with (where it speaks the text's language), for
    kinds that read aloud."""
    job_kind = kinds.get(kind)
    named = languages.for_upload(language, job_kind.language_use)
    skip = _skip(skip, job_kind)
    if voice is not None:
        if not job_kind.pronunciations:  # the kinds whose voice reads text aloud
            raise InputError(f"'voice' is for files read aloud: the {job_kind.name} kind speaks nothing.",
                             field="voice")
        voice = voices.check(voice, language=named)
    filename = clean_text(filename, "filename", "file name", FILENAME_MAX)
    content_type = _content_type(content_type, job_kind)
    size = _size(size, job_kind, content_type)
    s = settings.get()
    throttle.hit("upload", user_id, s.auth.upload_limit_per_user, s.auth.upload_window_seconds,
                 f"Too many uploads at once. Try again in {throttle.WAIT}.")
    usage.reserve(user_id, size)  # the account's quotas: refused here (413, 400), else the file is counted
    try:
        job = table.create(user_id, filename=filename, content_type=content_type, size=size, kind=job_kind.name,
                           language=named, skip=skip, voice=voice)
    except Exception:
        usage.unreserve(user_id, size)
        raise
    if multipart.is_multipart(size):
        upload = multipart.start(user_id, job["job_id"], content_type, size, expires_in=_expiry())
    else:
        upload = objects.presign_post(keys.upload_key(user_id, job["job_id"]), content_type,
                                      size_cap=job_kind.max_bytes(content_type), expires_in=_expiry())
    return {"job_id": job["job_id"], "kind": job_kind.name, "language": named or languages.AUTO,
            **({"skip": list(skip)} if skip is not None else {}), **({"voice": voice} if voice else {}),
            "upload": upload, "expires_in": _expiry()}


def create_link(user_id: str, url: str, kind: str | None = None, language: str | None = None, skip=None,
                voice: str | None = None) -> dict:
    """POST /uploads {"url"} (CONTRACTS section 18): a job whose worker fetches `url` and reads what
    comes back as an upload ({"job_id", "kind", "language", "link"}). Only the address's form is
    checked here; the API fetches nothing (chalicelib.links: the worker, safely). A recording by
    link is read as a recording whatever `kind` says."""
    from chalicelib.links import fetch, reader

    job_kind = kinds.get(kind)
    if job_kind.name not in LINK_KINDS:
        raise InputError(f"Links are read as documents or recordings, not as the {job_kind.name} kind.", field="kind")
    named = languages.for_upload(language, job_kind.language_use)
    skip = _skip(skip, job_kind)
    if voice is not None:
        if not job_kind.pronunciations:
            raise InputError(f"'voice' is for files read aloud: the {job_kind.name} kind speaks nothing.", field="voice")
        voice = voices.check(voice, language=named)
    try:
        _, host, _, _ = fetch.checked_url(url)
    except fetch.LinkError as exc:
        raise InputError(exc.message, field="url") from None
    s = settings.get()
    throttle.hit("upload", user_id, s.auth.upload_limit_per_user, s.auth.upload_window_seconds,
                 f"Too many uploads at once. Try again in {throttle.WAIT}.")
    usage.reserve(user_id, 0)  # the pages quota now; the file's bytes once its worker has them
    job = table.create(user_id, filename=reader.filename_of(url, "")[:FILENAME_MAX] or host, content_type="",
                       size=0, kind=job_kind.name, language=named, skip=skip, voice=voice, link=url)
    # What starts its worker as an upload would: an empty object at its upload key (the S3 event).
    objects.write(s.aws.bucket, keys.upload_key(user_id, job["job_id"]), b"", "application/octet-stream")
    return {"job_id": job["job_id"], "kind": job_kind.name, "language": named or languages.AUTO,
            **({"skip": list(skip)} if skip is not None else {}), **({"voice": voice} if voice else {}), "link": url}


def parts(user_id: str, job_id: str) -> dict | None:
    """GET /uploads/{job_id}/parts (chalicelib.jobs.multipart.parts); None: no such job."""
    return multipart.parts(user_id, job_id, expires_in=_expiry())


def complete(user_id: str, job_id: str) -> dict | None:
    """POST /uploads/{job_id}/complete (chalicelib.jobs.multipart.complete); None: no such job."""
    return multipart.complete(user_id, job_id)


def _skip(value, kind: Kind):
    if value is None:
        return None
    if "skip" not in kind.options:
        raise InputError(f"'skip' is for documents: the {kind.name} kind reads no page structure.", field="skip")
    try:
        return structure.check_skip(value)
    except ValueError as exc:
        raise InputError(str(exc), field="skip") from exc


def _expiry() -> int:
    return min(settings.get().limits.upload_url_ttl_seconds, POLICY_MAX_SECONDS)


def abandon(user_id: str, job_id: str) -> None:
    """Before DELETE /jobs/{id}: a multipart upload in progress is dropped with its parts."""
    multipart.abandon(user_id, job_id)
