"""Keep the local stack's data across restarts.

moto server holds everything in memory. This snapshots PageVoice's tables and bucket
into a state directory (every few seconds and at shutdown) and loads them back at start.
Only changed objects are copied, and an idle stack (nothing journaled since) takes none.
Between snapshots, local AWS journals every write before answering it (journal.py):
`checkpoint` sets the journal aside, snapshots, then deletes it; `recover` replays what a
crash left on top of the restored snapshot. Recovery lives here, above the journal: the
journal writes and rotates its files and knows nothing of snapshots.

The directory is 0700 and every file in it 0600, whatever the umask (files.py): it holds
password hashes, sessions and every uploaded image.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from botocore.exceptions import ClientError

from chalicelib import aws, resources, settings
from infra.local import iam, journal
from infra.local.files import private_dir, write_private

JOURNAL_DIR = "journal"


def _atomic_write(path: Path, data: bytes) -> None:
    private_dir(path.parent)
    tmp = path.with_suffix(path.suffix + ".tmp")
    write_private(tmp, data)
    os.replace(tmp, path)


def _object_file(root: Path, key: str) -> Path:
    # Keys hold user ids and slashes: store under a digest, the key lives in the manifest.
    return root / "s3" / hashlib.sha256(key.encode()).hexdigest()


def _table_names() -> list[str]:
    s = settings.get().aws
    return [getattr(s, spec["setting"]) for spec in resources.TABLES.values()]


def snapshot(root: Path) -> None:
    client = aws.dynamodb_client()
    for table in _table_names():
        items = []
        for page in client.get_paginator("scan").paginate(TableName=table):
            items.extend(page["Items"])
        _atomic_write(root / "dynamodb" / f"{table}.json", json.dumps(items).encode())

    s3 = aws.s3()
    bucket = settings.get().aws.bucket
    manifest_path = root / "s3-manifest.json"
    old = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    new = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            key, etag = obj["Key"], obj["ETag"]
            if old.get(key, {}).get("etag") == etag and _object_file(root, key).exists():
                new[key] = old[key]
                continue
            try:
                got = s3.get_object(Bucket=bucket, Key=key)
            except ClientError:
                continue  # deleted between list and get
            _atomic_write(_object_file(root, key), got["Body"].read())
            new[key] = {"etag": etag, "content_type": got.get("ContentType", "binary/octet-stream")}
    for gone in set(old) - set(new):
        _object_file(root, gone).unlink(missing_ok=True)
    _atomic_write(manifest_path, json.dumps(new).encode())


def restore(root: Path) -> int:
    """Load a snapshot into freshly created (empty) resources. Returns items + objects loaded."""
    count = 0
    client = aws.dynamodb_client()
    for table in _table_names():
        path = root / "dynamodb" / f"{table}.json"
        items = [_indexed(item) for item in json.loads(path.read_text())] if path.exists() else []
        for i in range(0, len(items), 25):
            batch = [{"PutRequest": {"Item": item}} for item in items[i:i + 25]]
            client.batch_write_item(RequestItems={table: batch})
        count += len(items)
    manifest_path = root / "s3-manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    s3 = aws.s3()
    bucket = settings.get().aws.bucket
    for key, meta in manifest.items():
        path = _object_file(root, key)
        if path.exists():
            s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes(), ContentType=meta["content_type"])
            count += 1
    return count


def _indexed(item: dict) -> dict:
    """A job snapshotted before the sweep index existed: an unfinished one joins the index, so
    the sweep still moves it (DynamoDB's typed JSON)."""
    from chalicelib.jobs import table

    status = (item.get("status") or {}).get("S")
    if status in table.UNFINISHED and "sweep" not in item and "job_id" in item:
        return {**item, "sweep": {"S": table.SWEEP_OPEN}}
    return item


def journal_dir(root: Path) -> Path:
    return root / JOURNAL_DIR


def _admin_secret(root: Path) -> str:
    return iam.credentials(root)["admin"]["secret"]


def checkpoint(root: Path, endpoint: str) -> None:
    """Set the journal aside (local AWS waits for the writes in flight), snapshot, then delete
    every journal file set aside up to now: the snapshot holds all their writes. If the
    snapshot fails, they stay, and a crash replays them. Nothing written since the last snapshot
    (an empty journal, none set aside): no snapshot, which lists every object and scans every
    table (~0.8 s of CPU at 2,200 objects, every 3 s while the stack idles)."""
    rotated = journal.rotate(endpoint, _admin_secret(root))
    done = journal.rotated_files(journal_dir(root))
    if rotated is None and not done and (root / "s3-manifest.json").exists():
        return
    snapshot(root)
    for path in done:
        path.unlink(missing_ok=True)


def set_journal_aside(root: Path) -> None:
    """Before local AWS starts: a journal left by a crash becomes a rotated file (to replay),
    so the new server starts an empty one."""
    journal.set_aside(private_dir(journal_dir(root)) / journal.CURRENT)


def recover(root: Path, endpoint: str) -> int:
    """Replay the journal files a crash left (after `restore`). Returns requests replayed.
    They are deleted by the next checkpoint, not here: a crash before it replays them again."""
    return journal.replay(journal.rotated_files(journal_dir(root)), endpoint, _admin_secret(root))
