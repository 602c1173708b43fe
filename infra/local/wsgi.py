"""What the layers of the local AWS server (guard.py, journal.py, mailbox.py) share: the
admin secret's names and the WSGI helpers. It imports nothing of infra.local.
"""
from __future__ import annotations

import io

ADMIN_HEADER = "X-Pagevoice-Admin"  # the stack's own secret (guard.py checks it; never journaled)
ADMIN_ENVIRON = "pagevoice.admin"  # set by the guard alone, once the secret matched


def read_body(environ: dict) -> bytes:
    """The request's body, put back for the layers below."""
    stream = environ["wsgi.input"]
    length = environ.get("CONTENT_LENGTH")
    if length:
        body = stream.read(int(length))
    elif environ.get("wsgi.input_terminated"):  # chunked: the server ends the stream
        body = stream.read()
    else:
        body = b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def call(app, environ: dict) -> tuple[str, list, list[bytes]]:
    """`app`'s whole answer (status, headers, body chunks), none of it sent yet: a layer can
    keep what it must before the caller is told."""
    answer: list = []
    result = app(environ, lambda status, headers, exc_info=None: answer.append((status, headers)))
    try:
        chunks = list(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    status, headers = answer[0]
    return status, headers, chunks


def unavailable(start_response, why: str) -> list[bytes]:
    msg = f"local AWS {why}".encode()
    start_response("503 Service Unavailable", [("Content-Type", "text/plain"), ("Content-Length", str(len(msg)))])
    return [msg]
