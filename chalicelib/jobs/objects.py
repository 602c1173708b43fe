"""A job's objects in S3 (uploads/{user}/{job}/, results/{user}/{job}/): the one module that
calls S3 for jobs. The pinned read of the upload, the kept source, the outputs written, the
result read back (whole or growing: chalicelib.jobs.growing), presigned POSTs and GETs, and
removal. A persistence door: S3's "not there" is raised as chalicelib.errors.ObjectMissing (or
answered as None or False where the caller asks whether), never as botocore's error.

One job's objects are reached through its `JobFiles` (bucket, user, job: the job's keys are
jobs.keys'); the module's functions take any key of the bucket.
"""
from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass

from chalicelib import aws, logs, resources, settings
from chalicelib.errors import ObjectMissing
from chalicelib.jobs import growing
from chalicelib.jobs.keys import job_prefix, output_key, prefixes, upload_key

log = logs.get("objects")

# What output files are served as: a file is served as what its name says, never sniffed.
_OUTPUT_TYPES = {".wav": "audio/wav", ".json": "application/json", ".txt": "text/plain; charset=utf-8",
                 ".mp3": "audio/mpeg", ".ogg": "audio/ogg", ".opus": "audio/ogg", ".vtt": "text/vtt",
                 ".srt": "text/plain; charset=utf-8", ".png": "image/png", ".jpg": "image/jpeg"}


def upload_time(bucket: str, key: str) -> float | None:
    """When the object was last written, or None when there is none."""
    try:
        with aws.translated():
            head = aws.s3().head_object(Bucket=bucket, Key=key)
    except ObjectMissing:
        return None
    return head["LastModified"].timestamp()


def stat(bucket: str, key: str) -> tuple[int, str]:
    """(size, ETag) of the object as it is now: `read_pinned` reads exactly that version.
    Raises ObjectMissing."""
    with aws.translated():
        head = aws.s3().head_object(Bucket=bucket, Key=key)
    return int(head["ContentLength"]), head["ETag"]


def read_pinned(bucket: str, key: str, etag: str) -> bytes:
    """The object's bytes, only while it is still the version `stat` saw (else S3 refuses).
    Raises ObjectMissing."""
    with aws.translated():
        return aws.s3().get_object(Bucket=bucket, Key=key, IfMatch=etag)["Body"].read()


def read_bytes(bucket: str, key: str) -> bytes:
    """Raises ObjectMissing."""
    with aws.translated():
        return aws.s3().get_object(Bucket=bucket, Key=key)["Body"].read()


def read_json(bucket: str, key: str, max_bytes: int | None = None) -> tuple[dict | None, int | None]:
    """(the object's JSON, or None when it is larger than `max_bytes`; its size, or None when
    it is missing). A large object's body is never read."""
    try:
        with aws.translated():
            obj = aws.s3().get_object(Bucket=bucket, Key=key)
    except ObjectMissing:
        log.warning("result missing", extra={"key": key})
        return None, None
    size = int(obj["ContentLength"])
    if max_bytes is not None and size > max_bytes:
        obj["Body"].close()
        return None, size
    return json.loads(obj["Body"].read()), size


def keep_source(bucket: str, upload: str, kept: str, etag: str, content_type: str) -> None:
    """Copy the upload beside the results, as it is now (its ETag), without its tags: the
    upload's pending tag must not follow it (tags would also need s3:GetObjectTagging on the
    upload and s3:PutObjectTagging on the copy). Raises ObjectMissing."""
    with aws.translated():
        aws.s3().copy_object(Bucket=bucket, Key=kept, CopySource={"Bucket": bucket, "Key": upload},
                             CopySourceIfMatch=etag, MetadataDirective="REPLACE", ContentType=content_type,
                             TaggingDirective="REPLACE")


def send_again(bucket: str, kept: str, upload: str, content_type: str) -> None:
    """Copy the bytes a job processed (`kept`) back to its upload key: S3 announces the upload
    again (ObjectCreated), and the worker takes the job up as for its first upload (it reads the
    kept copy, not this one). Tagged as a pending upload, so the bucket's lifecycle rule reaps it
    as it reaps uploads. Raises ObjectMissing."""
    tag = resources.BUCKET["abandoned_upload_tag"]
    extra = {"Tagging": f"{tag[0]}={tag[1]}"} if tag else {}
    with aws.translated():
        aws.s3().copy_object(Bucket=bucket, Key=upload, CopySource={"Bucket": bucket, "Key": kept},
                             MetadataDirective="REPLACE", ContentType=content_type, TaggingDirective="REPLACE",
                             **extra)


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


def read_head(bucket: str, key: str, size: int) -> bytes:
    """The object's first `size` bytes (a ranged GET). Raises ObjectMissing."""
    with aws.translated():
        return aws.s3().get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{size - 1}")["Body"].read()


PIECES_IN_FLIGHT = 2  # upload parts (8 MB each) held at once by write_pieces


def write_pieces(bucket: str, key: str, pieces, content_type: str) -> int:
    """Store an object given as an iterator of byte strings, never whole in memory (a multipart
    upload past 8 MB, aborted should the iterator raise); its size."""
    from boto3.s3.transfer import TransferConfig

    stream = _Pieces(pieces)
    # s3transfer reads up to max_in_memory_upload_chunks 8 MB parts ahead of the uploads (10 by
    # default); one more than in flight keeps the builder busy while two go.
    config = TransferConfig(max_concurrency=PIECES_IN_FLIGHT)
    config.max_in_memory_upload_chunks = PIECES_IN_FLIGHT + 1  # (s3transfer's; boto3's constructor lacks it)
    aws.s3().upload_fileobj(stream, bucket, key, ExtraArgs={"ContentType": content_type}, Config=config)
    return stream.size


class _Pieces(io.RawIOBase):
    """A readable, unseekable file over an iterator of byte strings."""

    def __init__(self, pieces):
        self._pieces, self._left, self.size = iter(pieces), memoryview(b""), 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._left:
            try:
                self._left = memoryview(next(self._pieces))
            except StopIteration:
                return 0
        n = min(len(buffer), len(self._left))
        buffer[:n], self._left = self._left[:n], self._left[n:]
        self.size += n
        return n

    def read(self, size: int = -1) -> bytes:
        """`size` bytes, fewer only at the end. s3transfer takes each part with one read(): a short
        read (one piece) would be a part under S3's 5 MB minimum for all but the last."""
        out = bytearray()
        while size < 0 or len(out) < size:
            while not self._left:
                try:
                    self._left = memoryview(next(self._pieces))
                except StopIteration:
                    self.size += len(out)
                    return bytes(out)
            n = len(self._left) if size < 0 else min(size - len(out), len(self._left))
            out += self._left[:n]
            self._left = self._left[n:]
        self.size += len(out)
        return bytes(out)


def store_file(bucket: str, key: str, fileobj, content_type: str) -> None:
    """An open file of any size (multipart past 8 MB), left open: an account's export."""
    aws.s3().upload_fileobj(fileobj, bucket, key, ExtraArgs={"ContentType": content_type})


def read_to(bucket: str, key: str, out) -> bool:
    """Stream the object into the open binary file `out`; False when it is missing."""
    try:
        with aws.translated():
            aws.s3().download_fileobj(bucket, key, out)
    except ObjectMissing:
        return False
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


def output_type(name: str) -> str:
    return _OUTPUT_TYPES.get(os.path.splitext(name)[1].lower(), "application/octet-stream")


def presign_get(key: str, content_type: str | None, filename: str | None = None) -> str:
    """A presigned GET of at most 15 minutes that makes S3 answer with `content_type` (the job's
    declared type, or the output's), as an attachment: whatever the bytes are, a browser never
    renders an upload as a page of this site's (an image or a recording still plays in place)."""
    s = settings.get()
    markup = content_type and any(m in content_type.lower() for m in ("html", "xml", "svg", "javascript"))
    safe = content_type if content_type and "/" in content_type and not markup else "application/octet-stream"
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


# --- Multipart uploads (chalicelib.jobs.multipart): a large file sent as parts, each to its own
# presigned URL, then assembled by S3 into the upload key.

def start_multipart(key: str, content_type: str) -> str:
    """Begin a multipart upload of exactly `key` with its type pinned, tagged as a pending upload
    as the presigned POST's are; its UploadId."""
    tag = resources.BUCKET["abandoned_upload_tag"]
    extra = {"Tagging": f"{tag[0]}={tag[1]}"} if tag else {}
    return aws.s3().create_multipart_upload(Bucket=settings.get().aws.bucket, Key=key, ContentType=content_type,
                                            **extra)["UploadId"]


def multipart_of(key: str) -> dict | None:
    """The newest multipart upload in progress for exactly `key`: {"upload_id", "started"} (a
    timestamp), or None."""
    reply = aws.s3().list_multipart_uploads(Bucket=settings.get().aws.bucket, Prefix=key)
    found = [u for u in reply.get("Uploads", []) if u["Key"] == key]
    if not found:
        return None
    newest = max(found, key=lambda u: u["Initiated"])
    return {"upload_id": newest["UploadId"], "started": newest["Initiated"].timestamp()}


def parts_of(key: str, upload_id: str) -> list[dict]:
    """The parts S3 holds of a multipart upload, by number: [{"number", "size", "etag",
    "at"}]. Raises ObjectMissing when the upload is no longer in progress (completed, aborted)."""
    out = []
    with aws.translated():
        for page in aws.s3().get_paginator("list_parts").paginate(Bucket=settings.get().aws.bucket, Key=key,
                                                                   UploadId=upload_id):
            out += [{"number": p["PartNumber"], "size": int(p["Size"]), "etag": p["ETag"],
                     "at": p["LastModified"].timestamp()} for p in page.get("Parts", [])]
    return sorted(out, key=lambda p: p["number"])


def presign_part(key: str, upload_id: str, number: int, expires_in: int) -> str:
    """A presigned PUT of one part (UploadPart) of a multipart upload."""
    return aws.s3().generate_presigned_url(
        "upload_part", Params={"Bucket": settings.get().aws.bucket, "Key": key, "UploadId": upload_id,
                               "PartNumber": number}, ExpiresIn=expires_in)


def complete_multipart(key: str, upload_id: str, parts: list[dict]) -> None:
    """Assemble the parts (`parts_of`'s) into the object: S3 announces it (ObjectCreated).
    Raises ObjectMissing when the upload is no longer in progress."""
    with aws.translated():
        aws.s3().complete_multipart_upload(
            Bucket=settings.get().aws.bucket, Key=key, UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": p["number"], "ETag": p["etag"]} for p in parts]})


def abort_multipart(key: str, upload_id: str) -> None:
    """Drop a multipart upload and the parts sent (nothing when it is gone already)."""
    try:
        with aws.translated():
            aws.s3().abort_multipart_upload(Bucket=settings.get().aws.bucket, Key=key, UploadId=upload_id)
    except ObjectMissing:
        pass


@dataclass(frozen=True)
class JobFiles:
    """One job's objects: its upload and the files its worker writes beside the result, by
    name (jobs.keys says where each lives): reading and removing them. Writing is the
    worker's alone (`write`): the sweep's role, which only reads and deletes, reaches no
    PutObject through this class (tests/infra/test_iam.py reads the code class by class)."""
    bucket: str
    user_id: str
    job_id: str

    @classmethod
    def of(cls, user_id: str, job_id: str) -> JobFiles:
        """The job's files in the service's bucket (settings.aws.bucket)."""
        return cls(settings.get().aws.bucket, user_id, job_id)

    @property
    def upload(self) -> str:
        return upload_key(self.user_id, self.job_id)

    def key(self, name: str) -> str:
        """Where the output file `name` is."""
        return output_key(self.user_id, self.job_id, name)

    def upload_time(self) -> float | None:
        """When the upload arrived, or None when it has not."""
        return upload_time(self.bucket, self.upload)

    def read(self, name: str) -> bytes:
        """An output file's bytes. Raises ObjectMissing."""
        return read_bytes(self.bucket, self.key(name))

    def assemble(self, index: dict) -> dict:
        """The result a growing result's index stands for, its parts read from here. Raises
        ObjectMissing when a part is gone (the job ended meanwhile)."""
        return growing.assemble(index, self.read)

    def delete(self, names: list[str]) -> None:
        delete_keys(self.bucket, [self.key(n) for n in names])

    def delete_all(self, *, outputs_only: bool = False) -> int:
        """Remove every object of the job, its upload and all a worker wrote (`outputs_only`:
        what a worker wrote, all the worker's role may delete); how many."""
        chosen = [job_prefix(self.user_id, self.job_id)] if outputs_only else prefixes(self.user_id, self.job_id)
        return sum(delete_prefix(self.bucket, prefix) for prefix in chosen)
