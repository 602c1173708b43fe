"""Typed errors, the one leaf module every layer imports (it imports nothing of ours).

Each carries a sentence a person understands and the HTTP status it maps to; the web layer
only renders them. `permanent` tells the worker whether retrying could help: a broken file
fails its job at once, a throttled AWS call raises so Lambda retries.
"""
from __future__ import annotations


class PageVoiceError(Exception):
    status = 400
    code = "bad_request"
    permanent = True
    headers: dict = {}  # response headers an HTTP answer carries (Retry-After, WWW-Authenticate)

    def __init__(self, message: str, **details):
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict:
        body = {"error": self.code, "message": self.message}
        body.update(self.details)
        return body


class InputError(PageVoiceError):
    """Bad input to a command or route (not a file problem)."""
    code = "bad_request"
    status = 400


class MediaError(PageVoiceError):
    """The uploaded file cannot be read (or is one we refuse to read): the job fails with
    this message."""
    code = "bad_media"
    status = 422


class ImageError(MediaError):
    """The upload is not an image we can read."""
    code = "bad_image"


class UnknownFile(ImageError):
    """The upload's bytes are no format read here at all (the kind that reads it says what it takes)."""


class AudioError(MediaError):
    """The upload is not a recording we can read."""
    code = "bad_audio"


class EngineUnavailable(PageVoiceError):
    """An engine was chosen that cannot run here (missing install or weights)."""
    code = "engine_unavailable"
    status = 503


class Unauthorized(PageVoiceError):
    status = 401
    code = "unauthorized"
    # RFC 6750: a 401 names the scheme the client should use.
    headers = {"WWW-Authenticate": 'Bearer realm="pagevoice"'}


class Forbidden(PageVoiceError):
    """The caller is known but this credential may not do this (no WWW-Authenticate: signing
    in again with the same credential would not help)."""
    status = 403
    code = "forbidden"


class NotFound(PageVoiceError):
    status = 404
    code = "not_found"


class Conflict(PageVoiceError):
    status = 409
    code = "conflict"


class TooManyRequests(PageVoiceError):
    status = 429
    code = "too_many_requests"

    def __init__(self, message: str, retry_after: int):
        retry_after = max(1, int(retry_after))
        super().__init__(message, retry_after=retry_after)
        self.headers = {"Retry-After": str(retry_after)}


class Internal(PageVoiceError):
    status = 500
    code = "internal_error"
    permanent = False


class Transient(PageVoiceError):
    """Worth another try later (an upstream hiccup, a job another delivery holds)."""
    code = "try_again"
    status = 503
    permanent = False


# --- What the persistence doors raise (chalicelib.jobs.objects, chalicelib.jobs.table,
# chalicelib.auth.table, chalicelib.account.records) in place of the AWS SDK's errors ---

class StoreError(Exception):
    """The data is not as a read or a conditional write needed it. Not a PageVoiceError: the
    module that catches it says what it means to a person (uncaught, it is a 500)."""


class ObjectMissing(StoreError):
    """The object is not there (S3 and moto name it NoSuchKey, 404 or NotFound)."""


class ConditionFailed(StoreError):
    """A conditional write found the item otherwise than its condition required (the item is
    gone, or changed since it was read). `failed`: in a transaction, the positions of the
    actions whose condition failed."""

    def __init__(self, message: str = "The condition of a write failed.", failed=()):
        super().__init__(message)
        self.failed = frozenset(failed)
