"""A finished book job (CONTRACTS section 15) written straight into moto, as its shards leave it
(chalicelib.jobs.book): its pages and text files, its recording's parts (MP3 and timings files),
its index and its record, done, without reading or recording anything. For the book exports'
tests and bench/book_exports.py, whose books are long."""
from __future__ import annotations

import json
from collections.abc import Iterable

from chalicelib import aws, settings
from chalicelib.jobs import book, growing, objects
from chalicelib.jobs import table as jobs


def finished_book(user_id: str, head: dict, parts_mp3: Iterable[bytes], *, pages: list[list[dict]] | None = None,
                  texts: list[str] | None = None, timings: Iterable[dict] | None = None,
                  filename: str = "book.pdf", done: bool = True, sections: int | None = None) -> str:
    """A book job whose index's result is `head` (its `speech.parts` name their files, which are
    written from `parts_mp3` and `timings`, one at a time), its pages files `pages` (one list of
    pages per reading shard) and text files `texts`: its id. `done` False leaves it processing
    (its parts made, the index written, the job not ended); `sections` more than its parts says
    that some sections could not be recorded (as a part that failed leaves no entry)."""
    record = jobs.create(user_id, filename=filename, content_type="application/pdf", size=1)
    job_id = record["job_id"]
    assert jobs.claim(user_id, job_id, 60)
    files = objects.JobFiles(settings.get().aws.bucket, user_id, job_id)
    parts = (head.get("speech") or {}).get("parts") or []
    timings = iter(timings) if timings is not None else None
    for part, data in zip(parts, parts_mp3, strict=True):
        _write(files, part["file"], data, "audio/mpeg")
        if timings is not None and part.get("timings"):
            _write(files, part["timings"], growing.encode(next(timings)), "application/json")
    pages, texts = pages or [[]], texts or [head.get("text") or ""]
    page_files, text_files = [], []
    for r, (shard_pages, text) in enumerate(zip(pages, texts, strict=True)):
        body, text_body = growing.encode(shard_pages), json.dumps(text).encode()
        _write(files, book.PAGES_FILE.format(r), body, "application/json")
        _write(files, book.TEXT_FILE.format(r), text_body, "application/json")
        page_files.append({"name": book.PAGES_FILE.format(r), "count": len(shard_pages), "bytes": len(body)})
        text_files.append({"name": book.TEXT_FILE.format(r), "bytes": len(text_body)})
    index = book._index(head, "pages", page_files, text_files)
    key = _write(files, growing.INDEX, growing.encode(index), "application/json")
    assert jobs.start_book(user_id, job_id, shards=len(pages), pages=sum(len(p) for p in pages), result_key=key,
                           lease_seconds=book.LEASE_SECONDS)
    seconds = float((head.get("speech") or {}).get("seconds") or sum(float(p.get("seconds") or 0) for p in parts))
    aws.jobs_table().update_item(
        Key={"user_id": user_id, "job_id": job_id},
        UpdateExpression="SET book_read = :r, book_sections = :n, book_recorded = :n, book_chars = :c",
        ExpressionAttributeValues={":r": len(pages), ":n": sections or max(1, len(parts)), ":c": sum(len(t) for t in texts)})
    if done:
        assert jobs.finish(user_id, job_id, result_key=key, timings_ms={"book": True},
                           summary={"pages": sum(len(p) for p in pages), "book": True}, kind="page",
                           seconds=round(seconds, 3))
    return job_id


def _write(files: objects.JobFiles, name: str, body: bytes, content_type: str) -> str:
    return objects.write(files.bucket, files.key(name), body, content_type)
