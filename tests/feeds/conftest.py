"""What the feed's tests share: finished jobs with a recording made straight in moto (their record
as the worker finishes it, their result.json and speech.mp3), without running a worker."""
from __future__ import annotations

import json

from chalicelib import aws, settings
from chalicelib.jobs import keys
from chalicelib.jobs import table as jobs

# A document's result as the page kind writes it (CONTRACTS sections 10, 13 and 14): two sections,
# a heading each, the read-along's words and sentences.
RESULT = {
    "schema": 1, "kind": "page", "flow": True, "text": "Notes\nThe ferry left. It was calm.",
    "document": {"format": "markdown", "title": "River Notes & Co"},
    "pages": [{"lines": [{"text": "Notes", "words": [{"text": "Notes"}]}]},
              {"lines": [{"text": "The ferry left. It was <calm>.",
                          "words": [{"text": w} for w in ["The", "ferry", "left.", "It", "was", "<calm>."]]}]}],
    "chapters": [{"title": "Notes", "level": 1, "page": 0, "block": 0, "start": 0.05},
                 {"title": "The Crossing", "level": 2, "page": 1, "block": 0, "start": 1.25}],
    "speech": {"seconds": 4.0, "words": [
        {"page": 0, "line": 0, "word": 0, "start": 0.05, "end": 0.6},
        {"page": 1, "line": 0, "word": 0, "start": 1.25, "end": 1.4}, {"page": 1, "line": 0, "word": 1, "start": 1.45,
                                                                      "end": 1.8},
        {"page": 1, "line": 0, "word": 2, "start": 1.85, "end": 2.2}, {"page": 1, "line": 0, "word": 3, "start": 2.5,
                                                                      "end": 2.7},
        {"page": 1, "line": 0, "word": 4, "start": 2.75, "end": 3.0}, {"page": 1, "line": 0, "word": 5, "start": 3.05,
                                                                      "end": 3.8}],
        "sentences": [{"start": 0.05, "end": 0.6, "page": 0, "line": 0, "word": 0},
                      {"start": 1.25, "end": 2.2, "page": 1, "line": 0, "word": 0},
                      {"start": 2.5, "end": 3.8, "page": 1, "line": 0, "word": 3}]},
}
MP3 = bytes(range(256)) * 8  # the bytes served, not decoded here


def recorded_job(user_id: str, filename: str = "notes.md", *, result: dict | None = None, mp3: bytes = MP3,
                 seconds: float = 4.0, status: str = jobs.DONE, **record) -> str:
    """A job of `user_id` finished with a recording (speech.mp3 beside result.json); its id."""
    job = jobs.create(user_id, filename=filename, content_type="text/markdown", size=100, kind="page")
    job_id = job["job_id"]
    bucket = settings.get().aws.bucket
    outputs = {}
    for name, body in (("result.json", json.dumps(result or RESULT).encode()), ("speech.mp3", mp3),
                       ("speech.wav", b"RIFF")):
        outputs[name] = keys.output_key(user_id, job_id, name)
        aws.s3().put_object(Bucket=bucket, Key=outputs[name], Body=body)
    result_key = outputs.pop("result.json")
    aws.jobs_table().update_item(Key={"user_id": user_id, "job_id": job_id}, UpdateExpression="SET #s = :p",
                                 ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":p": "processing"})
    if status == jobs.DONE:
        assert jobs.finish(user_id, job_id, result_key=result_key, timings_ms={}, summary={"pages": 2, "words": 7},
                           outputs=outputs, kind="page", seconds=seconds)
    if record:
        names = {f"#k{i}": k for i, k in enumerate(record)}
        aws.jobs_table().update_item(
            Key={"user_id": user_id, "job_id": job_id}, ExpressionAttributeNames=names,
            UpdateExpression="SET " + ", ".join(f"#k{i} = :v{i}" for i in range(len(record))),
            ExpressionAttributeValues={f":v{i}": v for i, v in enumerate(record.values())})
    return job_id
