"""Typed errors: each carries a sentence a user understands and the HTTP status it maps to.

`permanent` tells the worker whether retrying could help: a broken image fails its
job at once, a throttled AWS call raises so Lambda retries.
"""
from __future__ import annotations


class PageVoiceError(Exception):
    status = 400
    code = "bad_request"
    permanent = True

    def __init__(self, message: str, **details):
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict:
        body = {"error": self.code, "message": self.message}
        body.update(self.details)
        return body


class ImageError(PageVoiceError):
    """The upload is not an image we can read (or is one we refuse to read)."""
    code = "bad_image"
    status = 422


class EngineUnavailable(PageVoiceError):
    """An engine was chosen that cannot run here (missing install or weights)."""
    code = "engine_unavailable"
    status = 503


class InputError(PageVoiceError):
    """Bad input to a command or route (not an image problem)."""
    code = "bad_request"
    status = 400
