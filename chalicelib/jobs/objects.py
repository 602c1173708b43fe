"""A job's objects in S3 (uploads/{user}/{job}/, results/{user}/{job}/): the one module that
calls S3 for jobs. The pinned read of the upload, the kept source, the outputs written, the
result read back (whole or growing), presigned POSTs and GETs, removal, and what counts as a
missing object (`is_missing`).

A result grows as it is published (a document's pages, the recording's parts and their word
timings), but a kind publishes the whole result dict each time. Writing it whole each time
would write O(n^2) bytes (a 50-page document: hundreds of MB), so while the job runs the
result is stored as a small index plus parts (`Growing`): the lists and long strings of the
result (at its top level and one level down: `pages`, `text`, `speech.words`, ...) grow by
appending, and only what was appended since the last publish is written. New items wait in
the index (its `tail`) until they make a part of at least PART_MIN_BYTES, so a photo's result
is one small index and a dense page is one part. Once the job is done its result.json is
written whole (CONTRACTS section 1) and the index and parts are removed.

Index (INDEX, JSON):
    {"format": 1, "result": {...the result, each grown value null...},
     "parts": [{"path": ["speech", "words"], "type": "list" | "text",
                "files": [{"name": "result-speech-words-0003.json", "count": 41, "bytes": 3120}],
                "tail": [...items (or the text) not yet in a file...]}],
     "bytes": size of the index and its files, "next": the next file's number}
A grown value is its files' contents (JSON lists, or JSON strings) joined in order, then its
tail. The site assembles it the same way (static_site/js/api.js) reading only new files.
"""
from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from botocore.exceptions import ClientError

from chalicelib import aws, logs, resources, settings
from chalicelib.jobs.keys import job_prefix, output_key, prefixes

log = logs.get("objects")

INDEX = "result-index.json"
PART = "result-{path}-{seq:04d}.json"
PART_MIN_BYTES = 8 * 1024  # new items stay in the index's tail until they make this much
TEXT_MIN_CHARS = 2048  # a shorter string stays in the result's head
FORMAT = 1
MISSING = ("NoSuchKey", "404", "NotFound")
_NAME = re.compile(r"^[A-Za-z0-9_]+$")


def is_index(key: str | None) -> bool:
    return bool(key) and key.rsplit("/", 1)[-1] == INDEX


# --- The growing result (no I/O) ---

class ResultTooLarge(Exception):
    """Publishing this result would take it past the size cap (settings.limits.max_result_bytes)."""


@dataclass
class _Path:
    kind: str  # "list" or "text"
    files: list[dict] = field(default_factory=list)  # {"name", "count", "bytes"}
    written: list | str = ""  # what the files and the tail hold: a copy of the list, or the text
    tail_from: int = 0  # where the tail starts in `written`
    tail_bytes: int = 0

    def __post_init__(self):
        if self.kind == "list" and self.written == "":
            self.written = []


@dataclass
class Change:
    """What one publish writes: new part files (name -> bytes), the index, and the files it
    no longer needs (a value that did not grow by appending is written again)."""
    files: dict[str, bytes]
    index: bytes
    dropped: list[str]
    state: dict
    head: dict
    seq: int


class Growing:
    """What of a job's result is written as parts, and what to write next (see the module)."""

    def __init__(self, seq: int = 0, stale: list[str] | None = None):
        self.paths: dict[tuple, _Path] = {}
        self.head: dict | None = None  # the last published result, each grown value None
        self.seq = seq
        self.stale = list(stale or [])  # files of an earlier attempt that this one does not use

    @classmethod
    def resumed(cls, index: dict, result: dict) -> Growing:
        """The state an earlier invocation left (its index), with `result` its assembled result:
        the very lists handed on to the kind, so what the kind appends to them is what is new."""
        growing = cls(seq=int(index.get("next", 0)))
        growing.head = index["result"]
        for part in index["parts"]:
            path = tuple(part["path"])
            value = _get(result, path)
            written = list(value) if part["type"] == "list" else value
            tail = part["tail"]
            growing.paths[path] = _Path(part["type"], [dict(f) for f in part["files"]], written,
                                        len(written) - len(tail), len(encode(tail)) if tail else 0)
        return growing

    @classmethod
    def after(cls, index: dict | None) -> Growing:
        """A fresh start that does not reuse an earlier attempt's files (removed at the end)."""
        if not index:
            return cls()
        return cls(seq=int(index.get("next", 0)), stale=part_names(index))

    def diff(self, result: dict, max_bytes: int | None = None) -> Change:
        """What publishing `result` writes. Raises ResultTooLarge when the stored result would
        pass `max_bytes`; nothing is changed until `commit`."""
        head = _head_copy(result)
        state, files, dropped, seq = {}, {}, [], self.seq
        for path, value in _grown(result, self.paths):
            _set(head, path, None)
            old = self.paths.get(path)
            kind = "list" if isinstance(value, list) else "text"
            if old is not None and old.kind == kind and _appended(old.written, value):
                new = _Path(kind, list(old.files), old.written, old.tail_from, old.tail_bytes)
                added = value[len(old.written):]
            else:  # new, or changed otherwise than by appending: written again whole
                dropped += [f["name"] for f in old.files] if old else []
                new, added = _Path(kind), value
            if added:
                new.written = list(value) if kind == "list" else value
                new.tail_bytes += len(encode(added))
            if new.tail_bytes >= PART_MIN_BYTES:
                tail = new.written[new.tail_from:]
                name = PART.format(path="-".join(path), seq=seq)
                seq += 1
                files[name] = encode(tail)
                new.files.append({"name": name, "bytes": len(files[name]),
                                  **({"count": len(tail)} if kind == "list" else {})})
                new.tail_from, new.tail_bytes = len(new.written), 0
            state[path] = new
        dropped += [f["name"] for p, old in self.paths.items() if p not in state for f in old.files]
        body = {"format": FORMAT, "result": head, "parts": [_describe(p, s) for p, s in state.items()], "next": seq}
        stored = sum(f["bytes"] for s in state.values() for f in s.files)
        index = encode({**body, "bytes": stored + len(encode(body)) + 32})
        if max_bytes is not None and stored + len(index) > max_bytes:
            raise ResultTooLarge(f"{stored + len(index)} bytes")
        return Change(files, index, dropped, state, head, seq)

    def commit(self, change: Change) -> None:
        self.paths, self.head, self.seq = change.state, change.head, change.seq
        self.stale += change.dropped

    def result(self) -> dict | None:
        """The last published result, assembled from what was written (None before any)."""
        if self.head is None:
            return None
        result = _head_copy(self.head)
        for path, state in self.paths.items():
            _set(result, path, list(state.written) if state.kind == "list" else state.written)
        return result

    def names(self) -> list[str]:
        """Every file this job's growing result has (its index, parts, stale parts)."""
        return [INDEX, *(f["name"] for s in self.paths.values() for f in s.files), *self.stale]


def assemble(index: dict, read: Callable[[str], bytes]) -> dict:
    """The result an index stands for, reading its part files with `read(name)`."""
    names = part_names(index)
    bodies = {}
    if names:
        with ThreadPoolExecutor(max_workers=8) as pool:  # one GET per part: not one after another
            bodies = dict(zip(names, pool.map(read, names)))
    result = _head_copy(index["result"])
    for part in index["parts"]:
        chunks = [json.loads(bodies[f["name"]]) for f in part["files"]] + [part["tail"]]
        value = [item for chunk in chunks for item in chunk] if part["type"] == "list" else "".join(chunks)
        _set(result, tuple(part["path"]), value)
    return result


def part_names(index: dict) -> list[str]:
    return [f["name"] for part in index.get("parts", []) for f in part["files"]]


def _grown(result: dict, known: dict) -> list[tuple[tuple, list | str]]:
    """The values stored as parts: lists (not empty) and long strings, at the top level and one
    level down, and any value already stored so that is still a list or a string."""
    out = []
    for key, value in result.items():
        if isinstance(value, dict) and _NAME.match(key):
            out += [((key, k), v) for k, v in value.items() if _NAME.match(k) and _grows(v, (key, k) in known)]
        elif _NAME.match(key) and _grows(value, (key,) in known):
            out.append(((key,), value))
    return out


def _grows(value, known: bool) -> bool:
    if isinstance(value, list):
        return bool(value) or known
    return isinstance(value, str) and (known or len(value) >= TEXT_MIN_CHARS)


def _appended(written, value) -> bool:
    """`value` is `written` with more at its end. Lists compare item by item, by identity first
    (the kind appends to the same list), so this is cheap; items already published are never
    changed in place (chalicelib.kinds.base)."""
    if isinstance(value, str):
        return value.startswith(written)
    return len(value) >= len(written) and value[:len(written)] == written


def _describe(path: tuple, state: _Path) -> dict:
    return {"path": list(path), "type": state.kind, "files": state.files,
            "tail": state.written[state.tail_from:]}


def _head_copy(result: dict) -> dict:
    """The result with its top-level dicts copied (where grown values are set)."""
    return {k: dict(v) if isinstance(v, dict) else v for k, v in result.items()}


def _get(result: dict, path: tuple):
    return result[path[0]] if len(path) == 1 else result[path[0]][path[1]]


def _set(result: dict, path: tuple, value) -> None:
    (result if len(path) == 1 else result[path[0]])[path[-1]] = value


def encode(value) -> bytes:
    """Compact JSON (parts, the index, the final result.json)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


# --- S3 ---

# What output files are served as: a file is served as what its name says, never sniffed.
_OUTPUT_TYPES = {".wav": "audio/wav", ".json": "application/json", ".txt": "text/plain; charset=utf-8",
                 ".mp3": "audio/mpeg", ".ogg": "audio/ogg", ".opus": "audio/ogg", ".vtt": "text/vtt",
                 ".srt": "text/plain; charset=utf-8", ".png": "image/png", ".jpg": "image/jpeg"}


def is_missing(exc: Exception) -> bool:
    """The one test of "the object is not there" (S3 and moto name it three ways)."""
    return isinstance(exc, ClientError) and exc.response.get("Error", {}).get("Code") in MISSING


def upload_time(bucket: str, key: str) -> float | None:
    """When the object was last written, or None when there is none."""
    try:
        head = aws.s3().head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if is_missing(exc):
            return None
        raise
    return head["LastModified"].timestamp()


def stat(bucket: str, key: str) -> tuple[int, str]:
    """(size, ETag) of the object as it is now: `read_pinned` reads exactly that version."""
    head = aws.s3().head_object(Bucket=bucket, Key=key)
    return int(head["ContentLength"]), head["ETag"]


def read_pinned(bucket: str, key: str, etag: str) -> bytes:
    """The object's bytes, only while it is still the version `stat` saw (else S3 refuses)."""
    return aws.s3().get_object(Bucket=bucket, Key=key, IfMatch=etag)["Body"].read()


def read_bytes(bucket: str, key: str) -> bytes:
    return aws.s3().get_object(Bucket=bucket, Key=key)["Body"].read()


def read_json(bucket: str, key: str, max_bytes: int | None = None) -> tuple[dict | None, int | None]:
    """(the object's JSON, or None when it is larger than `max_bytes`; its size, or None when
    it is missing). A large object's body is never read."""
    try:
        obj = aws.s3().get_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if is_missing(exc):
            log.warning("result missing", extra={"key": key})
            return None, None
        raise
    size = int(obj["ContentLength"])
    if max_bytes is not None and size > max_bytes:
        obj["Body"].close()
        return None, size
    return json.loads(obj["Body"].read()), size


def reader(bucket: str, user_id: str, job_id: str) -> Callable[[str], bytes]:
    """Reads the job's output files by name (a growing result's parts, for `assemble`)."""
    return lambda name: read_bytes(bucket, output_key(user_id, job_id, name))


def keep_source(bucket: str, upload: str, kept: str, etag: str, content_type: str) -> None:
    """Copy the upload beside the results, as it is now (its ETag), without its tags: the
    upload's pending tag must not follow it (tags would also need s3:GetObjectTagging on the
    upload and s3:PutObjectTagging on the copy)."""
    aws.s3().copy_object(Bucket=bucket, Key=kept, CopySource={"Bucket": bucket, "Key": upload},
                         CopySourceIfMatch=etag, MetadataDirective="REPLACE", ContentType=content_type,
                         TaggingDirective="REPLACE")


def write(bucket: str, key: str, body, content_type: str, transient: bool = False) -> str:
    """Store one output: bytes, or a file (a whole recording, streamed, then closed); its key.
    `transient`: tagged for the bucket's lifecycle rule to remove it after a day."""
    extra = {"ContentType": content_type}
    if transient:
        extra["Tagging"] = resources.transient_tagging()
    if hasattr(body, "read"):
        aws.s3().upload_fileobj(body, bucket, key, ExtraArgs=extra)
        body.close()
    else:
        aws.s3().put_object(Bucket=bucket, Key=key, Body=body, **extra)
    return key


def store_file(bucket: str, key: str, fileobj, content_type: str) -> None:
    """An open file of any size (multipart past 8 MB), left open: an account's export."""
    aws.s3().upload_fileobj(fileobj, bucket, key, ExtraArgs={"ContentType": content_type})


def read_to(bucket: str, key: str, out) -> bool:
    """Stream the object into the open binary file `out`; False when it is missing."""
    try:
        aws.s3().download_fileobj(bucket, key, out)
    except ClientError as exc:
        if is_missing(exc):
            return False
        raise
    return True


def delete_keys(bucket: str, keys: list[str]) -> None:
    s3 = aws.s3()
    for i in range(0, len(keys), 1000):  # delete_objects' limit
        reply = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys[i:i + 1000]],
                                                         "Quiet": True})
        if reply.get("Errors"):
            raise RuntimeError(f"could not delete {len(reply['Errors'])} objects")


def delete_prefix(bucket: str, prefix: str) -> int:
    """Remove every object under `prefix`; how many."""
    removed = 0
    for page in aws.s3().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys = [o["Key"] for o in page.get("Contents", [])]
        delete_keys(bucket, keys)
        removed += len(keys)
    return removed


def delete_job(bucket: str, user_id: str, job_id: str, *, outputs_only: bool = False) -> int:
    """Remove every object of the job, its upload and all a worker wrote (`outputs_only`: what a
    worker wrote, all the worker's role may delete); how many."""
    chosen = [job_prefix(user_id, job_id)] if outputs_only else prefixes(user_id, job_id)
    return sum(delete_prefix(bucket, prefix) for prefix in chosen)


def output_type(name: str) -> str:
    return _OUTPUT_TYPES.get(os.path.splitext(name)[1].lower(), "application/octet-stream")


def presign_get(key: str, content_type: str | None, filename: str | None = None) -> str:
    """A presigned GET of at most 15 minutes that makes S3 answer with `content_type` (the job's
    declared type, or the output's), as an attachment: whatever the bytes are, a browser never
    renders an upload as a page of this site's (an image or a recording still plays in place)."""
    s = settings.get()
    safe = content_type if content_type and "/" in content_type and not content_type.startswith("text/html") \
        else "application/octet-stream"
    name = filename or key.rsplit("/", 1)[-1]
    return aws.s3().generate_presigned_url(
        "get_object", Params={"Bucket": s.aws.bucket, "Key": key, "ResponseContentType": safe,
                              "ResponseContentDisposition": f'attachment; filename="{name}"'},
        ExpiresIn=min(s.limits.download_url_ttl_seconds, 900))


def presign_post(key: str, content_type: str, size_cap: int, expires_in: int) -> dict:
    """{"url", "fields"} for one POST of exactly `key`. boto3 adds the bucket and exact-key
    conditions itself (the key has no ${filename})."""
    fields = {"Content-Type": content_type}
    # Tagged "pending" until the worker has handled it: an upload that never becomes a
    # finished job (its job deleted meanwhile, its events lost) is reaped by the bucket's
    # lifecycle rule (resources.BUCKET), while finished jobs' source images are kept.
    tagging = resources.pending_upload_tagging()
    if tagging:
        fields["tagging"] = tagging
    post = aws.s3().generate_presigned_post(
        Bucket=settings.get().aws.bucket, Key=key, Fields=fields,
        Conditions=[{k: v} for k, v in fields.items()] + [["content-length-range", 1, size_cap]],
        ExpiresIn=expires_in)
    return {"url": post["url"], "fields": post["fields"]}
