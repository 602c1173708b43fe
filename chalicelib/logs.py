"""Structured JSON logs: one object per line, with the job id or request id bound in.

    log = logs.get("worker")
    with logs.context(job_id=job_id):
        log.info("processing", extra={"stage": "ocr"})
"""
from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import sys
import time

_context: contextvars.ContextVar[dict] = contextvars.ContextVar("pagevoice_log_context", default={})  # noqa: B039 - never mutated: context() sets a new dict
_RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        doc = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        doc.update(_context.get())
        doc.update({k: v for k, v in vars(record).items() if k not in _RESERVED and not k.startswith("_")})
        if record.exc_info:
            doc["exc"] = self.formatException(record.exc_info)
        return json.dumps(doc, default=str)


_configured = False


def get(name: str) -> logging.Logger:
    global _configured
    if not _configured:
        from chalicelib import settings

        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        root = logging.getLogger("pagevoice")
        root.handlers[:] = [handler]
        root.setLevel(settings.get().aws.log_level.upper())
        root.propagate = False
        _configured = True
    return logging.getLogger(f"pagevoice.{name}")


@contextlib.contextmanager
def context(**fields):
    """Bind fields (job_id, request_id, user_id) to every log line inside the block."""
    token = _context.set({**_context.get(), **fields})
    try:
        yield
    finally:
        _context.reset(token)
