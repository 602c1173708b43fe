"""A file sent to S3 as POST /uploads says: in one presigned POST, or as a multipart upload of
presigned part PUTs, several at once. A multipart upload is remembered (`Pending`) until it is
complete, so that the same file sent again, after a dropped connection or a closed terminal,
sends only the parts S3 lacks (GET /uploads/{id}/parts)."""
from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from pagevoice_client.api import Api, ApiError

PARALLEL_PARTS = 4  # parts in flight at once (as the site sends them)
ROUNDS = 5  # times the parts still missing are asked for again and sent (fresh URLs each time)
BACKOFF_S = 1.0  # before the second round; doubled each round after
Progress = Callable[[int, int], None]  # (bytes S3 holds, bytes in all)


class Pending:
    """Multipart uploads under way, by the file (its path, size and last change) and the API:
    a small JSON file (PAGEVOICE_STATE, else ~/.local/state/pagevoice/uploads.json)."""

    def __init__(self, path: Path | None = None):
        default = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state") / "pagevoice" / "uploads.json"
        self.path = Path(os.environ.get("PAGEVOICE_STATE") or path or default)
        self._lock = threading.Lock()

    @staticmethod
    def key(api: Api, file: Path) -> str:
        stat = file.stat()
        return json.dumps([api.base_url, str(file.resolve()), stat.st_size, stat.st_mtime_ns])

    def _read(self) -> dict:
        try:
            return json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}

    def get(self, key: str) -> str | None:
        return self._read().get(key)

    def put(self, key: str, job_id: str | None) -> None:
        with self._lock:
            kept = self._read()
            if job_id is None:
                kept.pop(key, None)
            else:
                kept[key] = job_id
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(kept, indent=1))
            tmp.replace(self.path)


def send(api: Api, file: Path, job_id: str, upload: dict, progress: Progress) -> None:
    """The file sent as `upload` (POST /uploads' answer for `job_id`) says."""
    if "multipart" in upload:
        send_parts(api, file, job_id, upload["multipart"], progress)
        return
    size = file.stat().st_size
    with open(file, "rb") as fh:
        try:
            answer = requests.post(upload["url"], data=upload["fields"], files={"file": (file.name, fh)}, timeout=600)
        except requests.RequestException as exc:
            raise ApiError(f"The upload of {file.name} was cut off ({exc.__class__.__name__}): send it again.") from exc
    if answer.status_code not in (200, 201, 204):
        raise ApiError(f"Storage refused {file.name} ({answer.status_code}): {_s3_message(answer.text)}", answer.status_code)
    progress(size, size)


def send_parts(api: Api, file: Path, job_id: str, multipart: dict, progress: Progress) -> None:
    """Every part S3 lacks, PARALLEL_PARTS at once; then the upload completed. A part that could
    not be sent (a dropped connection, an expired URL) is sent again with a fresh URL, up to
    ROUNDS times; then the error says the file can be sent again to go on."""
    size = int(multipart["size"])
    part_bytes = int(multipart["part_bytes"])
    sent = {int(p["number"]): int(p["size"]) for p in multipart.get("received") or []}
    lock = threading.Lock()
    progress(sum(sent.values()), size)

    def put(part: dict) -> None:
        number, length = int(part["number"]), int(part["size"])
        with open(file, "rb") as fh:
            fh.seek((number - 1) * part_bytes)
            body = fh.read(length)
        answer = requests.put(part["url"], data=body, timeout=600)
        if answer.status_code != 200:
            raise ApiError(f"Storage refused part {number} ({answer.status_code}): {_s3_message(answer.text)}",
                           answer.status_code)
        with lock:
            sent[number] = length
            progress(sum(sent.values()), size)

    todo = multipart.get("parts") or []
    for round_ in range(ROUNDS):
        failures = []
        with ThreadPoolExecutor(PARALLEL_PARTS) as pool:
            for future in [pool.submit(put, part) for part in todo]:
                try:
                    future.result()
                except (requests.RequestException, ApiError) as exc:
                    failures.append(exc)
        if not failures:
            break
        if round_ == ROUNDS - 1:
            raise ApiError(f"{len(failures)} part(s) of {file.name} could not be sent ({failures[0]}); "
                           "run the same command again to send only what is missing.")
        time.sleep(BACKOFF_S * 2 ** round_)  # a dropped connection may come back
        todo = api.parts(job_id)["parts"]
    api.complete(job_id)
    progress(size, size)


def _s3_message(text: str) -> str:
    """S3's XML error, its <Message> only."""
    start, end = text.find("<Message>"), text.find("</Message>")
    return text[start + 9:end].strip() if 0 <= start < end else (text.strip()[:200] or "no reason given")
