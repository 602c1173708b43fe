"""moto server with a write-ahead journal: what local AWS acknowledged survives a crash.

moto keeps everything in memory and state.py snapshots it only every few seconds. This runs
moto's own server app (what `python -m moto.server` runs) behind a small WSGI middleware that
appends every mutating request moto accepted (method, raw path, headers, body) as one JSON
line to `journal/journal.jsonl` before the answer goes out. At start,
the stack restores the last snapshot and replays the journal files left (`replay`).

Why not moto's own recorder (MOTO_ENABLE_RECORDING)? It does record before handling
(moto.core.utils.convert_to_flask_response calls `_record_request` before the callback), but
it records reads too, writes a line in two buffered writes with no lock (two large concurrent
uploads can interleave), and a file renamed aside for a snapshot may still receive a request
whose effect lands after the snapshot has read that table. Here:

- one `os.write` per line under a lock, on an O_APPEND descriptor: the line is in the kernel
  before the answer leaves (moto lives in this process, so a crash before the write loses the
  change with moto's memory, and nobody was told it happened). A `kill -9` of any process keeps
  it; power loss does not (no fsync; set PAGEVOICE_JOURNAL_FSYNC=1 to fsync each line, at a
  cost per write). What moto refused (a forged signature, an action outside a policy, a failed
  condition) changed nothing and is not written.
- `POST /_pagevoice/journal/rotate` (underscore: no bucket can have that name) waits until
  no mutation is in flight, holds new ones back, renames the journal to `journal-<seq>.jsonl`
  and starts a new one. Every request in the renamed file has then been applied, so a snapshot
  taken afterwards contains it and the file can go (state.checkpoint).
- reads (GET/HEAD/OPTIONS, and Get*/List*/Describe*/Query/Scan/Receive* actions of the JSON
  and query protocols) are not journaled: the bridge's polling would fill it for nothing.
- nor are SES sends: the stack keeps no SES state (snapshots hold the tables and the bucket),
  the mail file (mailbox.py, written before the answer) is the send's record, and replaying
  one could only send it again.

Files are 0600 in a 0700 directory (they hold password hashes and every upload).

In front of it all, guard.py keeps the server private to the stack (credentials, CORS, no
`/moto-api/`), so what it refuses is never journaled.

Next to moto, mailbox.py writes each mail moto's SES accepted as a file (`--mail DIR`).

`python -m infra.local.journal -H 127.0.0.1 -p 4566 --journal DIR/journal.jsonl
 --credentials DIR/aws-credentials.json --mail DIR/mail`
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import re
import signal
import sys
import threading
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, quote

from infra.local import guard, iam, mailbox, queues, tables
from infra.local.files import open_private
from infra.local.wsgi import ADMIN_HEADER, call, read_body, unavailable

ROTATE_PATH = "/_pagevoice/journal/rotate"
CURRENT = "journal.jsonl"
_ROTATED = re.compile(r"^journal-(\d+)\.jsonl$")
_READ_METHODS = {"GET", "HEAD", "OPTIONS"}
_READ_ACTIONS = ("Get", "BatchGet", "List", "Describe", "Query", "Scan", "Receive")
_UNKEPT_ACTIONS = ("SendEmail", "SendRawEmail")  # SES (query protocol): see above


def rotated_files(directory: Path) -> list[Path]:
    """Journal files renamed aside, oldest first."""
    found = []
    for p in directory.glob("journal-*.jsonl") if directory.is_dir() else ():
        m = _ROTATED.match(p.name)
        if m:
            found.append((int(m.group(1)), p))
    return [p for _, p in sorted(found)]


def set_aside(current: Path) -> Path | None:
    """Rename `current` to the next `journal-<seq>.jsonl` beside it (None if empty or absent)."""
    try:
        if current.stat().st_size == 0:
            current.unlink()
            return None
    except FileNotFoundError:
        return None
    older = rotated_files(current.parent)
    seq = int(_ROTATED.match(older[-1].name).group(1)) + 1 if older else 1
    target = current.with_name(f"journal-{seq:012d}.jsonl")
    os.replace(current, target)
    return target


def seq_of(path: Path) -> int:
    return int(_ROTATED.match(path.name).group(1))


def is_mutation(method: str, headers: dict[str, str], body: bytes) -> bool:
    if method.upper() in _READ_METHODS:
        return False
    lower = {k.lower(): v for k, v in headers.items()}
    target = lower.get("x-amz-target")
    if target:  # JSON protocol: DynamoDB_20120810.GetItem, AmazonSQS.ReceiveMessage, ...
        return not target.rsplit(".", 1)[-1].startswith(_READ_ACTIONS)
    if lower.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        action = parse_qs(body.decode("latin-1")).get("Action", [""])[0]  # query protocol
        if action:
            return not action.startswith(_READ_ACTIONS) and action not in _UNKEPT_ACTIONS
    return True  # S3 PUT/POST/DELETE (presigned POST uploads included), anything unknown


class _Gate:
    """Many mutations at once, or one rotation alone (a rotation waits for those in flight)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._active = 0
        self._closed = False

    @contextmanager
    def shared(self):
        with self._cond:
            while self._closed:
                self._cond.wait()
            self._active += 1
        try:
            yield
        finally:
            with self._cond:
                self._active -= 1
                self._cond.notify_all()

    @contextmanager
    def exclusive(self):
        with self._cond:
            while self._closed:
                self._cond.wait()
            self._closed = True
            while self._active:
                self._cond.wait()
        try:
            yield
        finally:
            with self._cond:
                self._closed = False
                self._cond.notify_all()


def _headers(environ: dict) -> dict[str, str]:
    from moto.moto_server.werkzeug_app import PRESERVED_HEADER_NAMES_ENVIRON_KEY

    preserved = environ.get(PRESERVED_HEADER_NAMES_ENVIRON_KEY) or {}
    out = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            out[preserved.get(key) or key[5:].replace("_", "-").title()] = value
    for key, name in (("CONTENT_TYPE", "Content-Type"), ("CONTENT_LENGTH", "Content-Length")):
        if environ.get(key):
            out[name] = environ[key]
    return out


class Journal:
    """WSGI middleware: journal each mutating request, then hand it to `app`."""

    def __init__(self, app, path: Path, fsync: bool = False) -> None:
        self.app = app
        self.path = path
        self.fsync = fsync
        self.gate = _Gate()
        self.lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.parent.chmod(0o700)
        self.fd = open_private(path)

    def _append(self, line: bytes) -> None:
        with self.lock:
            view = memoryview(line)
            while view:
                view = view[os.write(self.fd, view):]
            if self.fsync:
                os.fsync(self.fd)

    def rotate(self) -> Path | None:
        with self.gate.exclusive(), self.lock:
            if os.fstat(self.fd).st_size == 0:
                return None
            os.close(self.fd)
            target = set_aside(self.path)
            self.fd = open_private(self.path)
            return target

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        if environ.get("PATH_INFO") == ROTATE_PATH and method == "POST":
            target = self.rotate()
            body = json.dumps({"rotated": target.name if target else None}).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        if method in _READ_METHODS:
            return self.app(environ, start_response)
        body = read_body(environ)
        headers = {k: v for k, v in _headers(environ).items() if k.lower() != ADMIN_HEADER.lower()}
        if not is_mutation(method, headers, body):
            return self.app(environ, start_response)
        path = environ.get("REQUEST_URI") or environ.get("RAW_URI")
        if not path:
            path = quote(environ.get("PATH_INFO", "/"))
            if environ.get("QUERY_STRING"):
                path += "?" + environ["QUERY_STRING"]
        entry = {"method": method, "path": path, "headers": headers, "body": base64.b64encode(body).decode()}
        with self.gate.shared():
            # moto computes its whole answer here; the answer goes out only after the line is
            # written, and only what moto accepted is written (a forged signature, a refused
            # call or a failed condition changes nothing, so it is never replayed).
            status, out_headers, chunks = call(self.app, environ)
            if int(status.split()[0]) < 400:
                try:
                    self._append(json.dumps(entry).encode() + b"\n")
                except OSError as exc:  # not kept, so not acknowledged
                    return unavailable(start_response, f"could not journal the request: {exc}")
            start_response(status, out_headers)
            return chunks


def replay(files: list[Path], endpoint: str, admin_secret: str) -> int:
    """Send the journaled requests of `files`, in order, to the local AWS at `endpoint`.
    Returns how many were sent. A torn last line (the process died writing it, so the request
    was never answered) is skipped. Answers are ignored: a conditional write that already
    happened fails its condition, which is the point.

    Replaying onto a snapshot that already holds some of these writes must be harmless:
    PutItem/PutObject/DeleteItem/DeleteObject and SET updates end in the same state, and
    conditional writes (sign-up, the worker's claim, job transitions) fail their condition
    the second time. Not idempotent, and accepted: ADD counters of the rate limits (a few
    attempts counted twice, on records that expire within minutes); SQS SendMessage (a second
    event for a job, which the worker's claim dedupes); uploads re-fire their S3 event
    (wanted: the queue is not snapshotted, so an upload acknowledged just before a crash gets
    its worker run this way; a finished job's duplicate is a no-op). Concurrent requests are
    replayed in the order they were journaled, which may differ from the order moto applied
    them; the app's writes to one item are sequential, so this does not arise for it.

    Each request goes with its original headers, Host included (its signature covers it, and
    the ports may have changed), and the admin secret: it was admitted once, and a presigned
    form may have expired since.
    """
    import requests

    session = requests.Session()
    sent = 0
    for path in files:
        with open(path, "rb") as fh:
            for raw in fh:
                try:
                    entry = json.loads(raw)
                except ValueError:
                    continue
                headers = {k: v for k, v in entry["headers"].items()
                           if k.lower() not in ("content-length", "transfer-encoding", "connection")}
                headers[ADMIN_HEADER] = admin_secret
                session.request(entry["method"], endpoint + entry["path"], headers=headers,
                                data=base64.b64decode(entry["body"]), timeout=60)
                sent += 1
    return sent


def rotate(endpoint: str, admin_secret: str) -> str | None:
    """Ask the local AWS at `endpoint` to set its journal aside; the file's name, or None."""
    import urllib.request

    req = urllib.request.Request(endpoint + ROTATE_PATH, data=b"", method="POST",
                                 headers={ADMIN_HEADER: admin_secret})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())["rotated"]


def _list_moto_modules_once() -> None:
    """moto's dispatcher lists its package's folders (an isdir of each of ~150, 1.3 ms) for every
    request whose host names no service, as ours (127.0.0.1:port) never does: listed once."""
    from moto import backends

    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules


# DynamoDB's item operations that answer items (moto's DynamoResult): as the wire's JSON already.
_ITEM_OPERATIONS = frozenset({"GetItem", "Query", "Scan", "PutItem", "UpdateItem", "DeleteItem", "TransactGetItems",
                              "BatchGetItem"})


def wire_json(value):
    """A DynamoDB result as the JSON protocol writes it: binary values in base64, no nulls."""
    if isinstance(value, dict):
        return {k: wire_json(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [wire_json(v) for v in value]
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    return value


def _serialize_dynamodb_items_directly() -> None:
    """moto writes every DynamoDB response by walking botocore's output shapes, an attribute
    picker per key: two thirds of its DynamoDB time when a book's shards and jobs are read and
    written. The item operations' results are already the wire's JSON (moto's dynamo_to_dict),
    so they are dumped as they are (tests/infra/local/test_journal.py: the same JSON)."""
    import uuid

    from moto.dynamodb import responses

    shaped = responses.DynamoResult.execute_result

    def execute_result(self, context):
        if context.operation_model.name not in _ITEM_OPERATIONS or not isinstance(self.result, dict):
            return shaped(self, context)
        members = context.operation_model.output_shape.members  # moto's results hold a few keys more
        return 200, {"Content-Type": "application/x-amz-json-1.0", "server": "amazon.com",
                     "x-amzn-requestid": uuid.uuid4().hex}, json.dumps(wire_json(
                         {k: v for k, v in self.result.items() if k in members}))

    responses.DynamoResult.execute_result = execute_result


def main(argv: list[str] | None = None) -> None:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import run_simple

    from chalicelib import resources, settings

    ap = argparse.ArgumentParser(prog="python -m infra.local.journal")
    ap.add_argument("-H", "--host", default="127.0.0.1")
    ap.add_argument("-p", "--port", type=int, default=4566)
    ap.add_argument("--journal", required=True, help="the journal file (its directory is made 0700)")
    ap.add_argument("--credentials", required=True, help="the stack's identities (iam.credentials)")
    ap.add_argument("--mail", required=True, help="where each mail sent is written (mailbox.py; made 0700)")
    args = ap.parse_args(argv)
    os.environ.setdefault("MOTO_PORT", str(args.port))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    creds = json.loads(Path(args.credentials).read_text())
    iam.install(creds, iam.policies())
    queues.install()
    tables.install()
    _list_moto_modules_once()
    _serialize_dynamodb_items_directly()
    moto_app = DomainDispatcherApplication(create_backend_app)
    moto_app.debug = True
    app = Journal(mailbox.Mailbox(moto_app, Path(args.mail)), Path(args.journal),
                  fsync=settings.get().local.journal_fsync)
    s = settings.get()
    app = guard.Guard(app, creds, resources.cors_origins(s.auth.cors_origin), s.aws.bucket, s.aws.region)
    run_simple(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
