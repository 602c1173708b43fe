"""A finished job of a document without pages (issue 39: `flow: true`, CONTRACTS section 13) for
the site's tests, made by the real page pipeline: the real format reader (chalicelib.media.flow),
the real language detection and the real voice. The recording's parts and speech.wav go to the
local stack's bucket behind presigned GETs, and the answer is served like tests/site/fakejob.py's.
"""
from __future__ import annotations

import uuid

from tests.site.fakejob import FakeJob, Store


def make_flow_job(stack, data: bytes, *, content_type: str, filename: str) -> FakeJob:
    """`data` read and recorded as the worker does (chalicelib.kinds.page.pipeline.run); the
    parts published on the way are the recording's parts, as in a real job's outputs."""
    from chalicelib.kinds.page import pipeline

    store = Store(stack)
    files: dict[str, tuple[bytes, str]] = {}

    def publish(outputs) -> None:
        files.update(outputs.files)

    done = pipeline.run(data, content_type=content_type, publish=publish)
    files.update(done.files)
    result = done.result
    assert result.get("flow") is True, "the pipeline did not read this as a document without pages"
    outputs = {name: store.put(name, body if isinstance(body, bytes) else body.read(), type_)
               for name, (body, type_) in files.items() if name.startswith("speech") or name.endswith(".vtt")}
    speech = result["speech"]
    return FakeJob(job_id=f"01FAKE{uuid.uuid4().hex[:20].upper()}", filename=filename, result=result,
                   outputs=outputs, image_url=None, parts=speech["parts"], words=speech["words"])
