"""A kind of job for tests only (OCRmyPDF's fault-injecting plugins, as a PageVoice kind).

Plugged in with PAGEVOICE_KIND_PLUGINS=tests.stubkind:KIND, in-process or in the real local
stack. What it does is written in the upload itself, so a test chooses by what it uploads:

    echo:TEXT      done: result.text = TEXT, and an output file echo.txt holding TEXT
    early:TEXT     as echo, but the result is published first and the file comes after
    fail:REASON    a permanent error: the job fails with REASON
    retry:REASON   a transient error: the worker hands the job back and raises (retried)
    crash          an unexpected exception (a bug met on odd input)
    slow:SECONDS   works SECONDS, or until its deadline; result.complete says which
    hold:SECONDS   as slow, but ends as soon as the test sets RELEASE (in-process only): a job
                   kept running for exactly as long as a test needs, whatever the machine's load

RUNS records each run's bytes in this process.

A package, as a kind is (chalicelib.kinds): it builds on chalicelib.kinds.base alone and no file
of another kind names it (tests/kinds/test_independence.py). Its work is here beside the
declaration, not in a `pipeline` module, because it loads nothing heavy and the fault tests
swap `run` on this module.
"""
from __future__ import annotations

import threading
import time

from chalicelib.errors import MediaError, Transient
from chalicelib.kinds.base import Kind, Outputs

RUNS: list[bytes] = []
RELEASE = threading.Event()
ECHO = "echo.txt"

RESULT_SCHEMA = {
    "title": "StubResult", "type": "object", "required": ["schema", "kind", "text", "timings_ms"],
    "properties": {"schema": {"const": 1}, "kind": {"const": "stub"}, "text": {"type": "string"},
                   "complete": {"type": "boolean"}, "timings_ms": {"type": "object"}},
}


def run(data: bytes, *, deadline: float | None = None, publish=None) -> Outputs:
    RUNS.append(data)
    verb, _, arg = data.decode("utf-8", "replace").partition(":")
    if verb == "fail":
        raise MediaError(arg or "The stub refused this file.")
    if verb == "retry":
        raise Transient(arg or "The stub asks for another try.")
    if verb == "crash":
        raise RuntimeError("stub kind crashed")
    result = {"schema": 1, "kind": "stub", "text": arg, "timings_ms": {"stub": 1}}
    if verb in ("slow", "hold"):
        end = time.monotonic() + float(arg or 1)
        if deadline is not None:
            end = min(end, deadline)
        while time.monotonic() < end and not (verb == "hold" and RELEASE.is_set()):
            time.sleep(0.05)
        result["complete"] = deadline is None or time.monotonic() < deadline or end < deadline
        return Outputs(result=result)
    if verb == "early" and publish is not None:
        publish(Outputs(result=dict(result)))
    if verb not in ("echo", "early"):
        raise MediaError("The stub reads echo:, early:, fail:, retry:, crash, slow: or hold:.")
    return Outputs(result=result, files={ECHO: (arg.encode(), "text/plain")})


KIND = Kind(
    name="stub", label="Stub (tests)", description="Echoes what it is given; fails on request.",
    content_types=("text/plain",), extensions=(".txt",), runner="tests.stubkind:run",
    result_schema=RESULT_SCHEMA, outputs=(ECHO,), limits=lambda: {"max_bytes": 1024 * 1024})
