"""What a job costs on AWS, from the worker's measured duration, memory and requests.

    .venv/bin/python -m bench.cost [--datasets ../shared/datasets] [--quick]

The real worker runs in-process on moto (as the unit tests run it): each job is an upload
object and its record, then `worker.lambda_handler` with the S3 event and a Lambda-like
context. Every AWS call the worker makes is counted by service and operation (botocore
events on the clients of chalicelib.aws), with the bytes it leaves in S3. Per job: wall
seconds of the handler (Lambda bills duration, at the configured memory), CPU seconds
(this process and the decoding sandbox's children) and the worker process's peak RSS. Warm jobs come after one
untimed job of their kind; a cold start (init: importing the worker and warming its engines,
then the first job) is measured in a fresh process per kind and amortised. Prices are
PRICES below; every assumption is printed with the figures.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import resource
import statistics
import subprocess
import sys
import time
import wave
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# AWS on-demand prices, us-east-1, in dollars, as published on aws.amazon.com/lambda/pricing,
# /s3/pricing (S3 Standard), /dynamodb/pricing/on-demand (after the November 2024 reduction) and
# /api-gateway/pricing (REST APIs, first 333 million), as of 2026-11-23 (not fetched by this run).
PRICES = {
    "lambda_gb_s_x86_64": 0.0000166667,
    "lambda_gb_s_arm64": 0.0000133334,
    "lambda_request": 0.20 / 1e6,
    "s3_put_class": 0.005 / 1000,  # PUT, COPY, POST, LIST
    "s3_get_class": 0.0004 / 1000,  # GET, HEAD and every other request (DELETE is free)
    "s3_gb_month": 0.023,  # Standard, first 50 TB
    "ddb_write_unit": 0.625 / 1e6,  # one write request unit: up to 1 KB written
    "ddb_read_unit": 0.125 / 1e6,  # one read request unit: a strongly consistent read of up to 4 KB
    "api_gateway_rest_request": 3.50 / 1e6,
}

ASSUMPTIONS = {
    "cold_start_every_jobs": 50,  # one fresh worker per this many jobs
    "results_kept_months": 1,  # a job's outputs stay stored this long (until the user deletes them)
    "api_ms_per_request": 50,  # billed duration of one API function call (POST /uploads, a poll)
    "polls_after_done": 1,  # the poll that sees `done`
}

S3_FREE = {"DeleteObject", "DeleteObjects", "AbortMultipartUpload"}
S3_PUT_CLASS = ("Put", "Copy", "Post", "List", "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload")
DDB_WRITES = {"PutItem", "UpdateItem", "DeleteItem"}
DDB_READS = {"GetItem", "Query", "Scan"}
GB = 1024 ** 3
BUCKET_MONTH_DAYS = 30


# ---------------------------------------------------------------- the arithmetic (pure)

def s3_class(operation: str) -> str:
    """S3's price class of an operation: "put", "get" or "free"."""
    if operation in S3_FREE:
        return "free"
    return "put" if operation.startswith(S3_PUT_CLASS) else "get"


def job_cost(fig: dict, prices: dict, memory_mb: int, arch: str = "x86_64") -> dict[str, float]:
    """Dollars per job by where they go, from one job's measured figures:
    wall_s (handler duration), invocations, s3 ({"put": n, "get": n}), ddb_wru, ddb_rru,
    stored_bytes (outputs kept `months`), upload_bytes (kept `upload_days`), transient_bytes
    (outputs tagged transient, kept `transient_days`: the bucket's lifecycle rule), and optionally
    cold_extra_s (init + first job's extra seconds, paid once per `cold_every` jobs)."""
    gb_s_price = prices[f"lambda_gb_s_{arch}"]
    gb = memory_mb / 1024
    cold = fig.get("cold_extra_s", 0.0) / fig.get("cold_every", 1)
    months = fig.get("months", 1)
    storage_gb_months = (fig.get("stored_bytes", 0) * months
                         + fig.get("upload_bytes", 0) * fig.get("upload_days", 0) / BUCKET_MONTH_DAYS
                         + fig.get("transient_bytes", 0) * fig.get("transient_days", 0) / BUCKET_MONTH_DAYS) / GB
    out = {
        "compute": fig["wall_s"] * gb * gb_s_price,
        "cold_start": cold * gb * gb_s_price,
        "lambda_requests": fig.get("invocations", 1) * prices["lambda_request"],
        "s3_requests": (fig.get("s3", {}).get("put", 0) * prices["s3_put_class"]
                        + fig.get("s3", {}).get("get", 0) * prices["s3_get_class"]),
        "dynamodb": fig.get("ddb_wru", 0) * prices["ddb_write_unit"] + fig.get("ddb_rru", 0) * prices["ddb_read_unit"],
        "storage": storage_gb_months * prices["s3_gb_month"],
    }
    out["total"] = sum(out.values())
    return out


def api_cost(requests: int, prices: dict, api_memory_mb: int, ms_per_request: float,
             ddb_rru: float = 0.0, ddb_wru: float = 0.0, s3_put: int = 0, s3_get: int = 0) -> float:
    """Dollars of a user's API side of one job: `requests` API Gateway + API function calls, and
    the DynamoDB and S3 requests they and the browser's upload make."""
    lam = requests * (prices["lambda_request"]
                      + ms_per_request / 1000 * api_memory_mb / 1024 * prices["lambda_gb_s_x86_64"])
    return (requests * prices["api_gateway_rest_request"] + lam + ddb_rru * prices["ddb_read_unit"]
            + ddb_wru * prices["ddb_write_unit"] + s3_put * prices["s3_put_class"] + s3_get * prices["s3_get_class"])


TYPED = {"S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"}  # DynamoDB's typed JSON


def item_bytes(value) -> int:
    """DynamoDB's size of an item or value (names and values as UTF-8, numbers ~1 byte per 2
    digits, 3 bytes per list or map); accepts plain values or DynamoDB's typed JSON."""
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in TYPED:
        tag, inner = next(iter(value.items()))
        if tag == "N":
            return _number_bytes(inner)
        return 3 + sum(1 + _number_bytes(n) for n in inner) if tag == "NS" else item_bytes(inner)
    if isinstance(value, dict):
        return 3 + sum(len(str(k).encode()) + item_bytes(v) for k, v in value.items())
    if isinstance(value, (list, tuple, set)):
        return 3 + sum(1 + item_bytes(v) for v in value)
    if isinstance(value, (bytes, bytearray, str)):
        return len(value.encode() if isinstance(value, str) else value)
    return 1 if isinstance(value, bool) or value is None else _number_bytes(value)


def _number_bytes(number) -> int:
    return 1 + math.ceil(len(str(number).replace("-", "").replace(".", "")) / 2)


def read_units(items: list) -> float:
    """Strongly consistent read units of a GetItem or Query that returned `items` (at least 1)."""
    return max(1, math.ceil(sum(item_bytes(i) for i in items) / 4096))


# ---------------------------------------------------------------- counting the worker's requests

@dataclass
class Calls:
    """AWS calls made while `active`, by (service, operation); DynamoDB read units from the
    answers; the keys of the job records written (their units are reckoned from their size)."""
    ops: Counter = field(default_factory=Counter)
    rru: float = 0.0
    writes: list = field(default_factory=list)  # (operation, table, key as text, size of a put item)
    active: bool = False

    def attach(self, client) -> None:
        client.meta.events.register("before-parameter-build.*.*", self._params)
        client.meta.events.register("before-call.*.*", self._before)
        client.meta.events.register("after-call.*.*", self._after)

    def _params(self, params, model, **_):
        if self.active and model.name in DDB_WRITES:
            put = model.name == "PutItem"
            self.writes.append((model.name, params.get("TableName"),
                                None if put else _typed_key(params.get("Key") or {}),
                                item_bytes(params.get("Item")) if put else 0))

    def _before(self, model, **_):
        if self.active:
            self.ops[(model.service_model.service_name, model.name)] += 1

    def _after(self, model, parsed, **_):
        if self.active and model.name in DDB_READS:
            items = [parsed["Item"]] if parsed.get("Item") else parsed.get("Items", [])
            self.rru += read_units(items)

    def reset(self) -> None:
        self.ops, self.rru, self.writes = Counter(), 0.0, []

    def write_units(self, client) -> int:
        """Write units of the writes counted: a PutItem by its item's size, an UpdateItem by the
        item's size now (after the job, so at least as large as at each write: an upper bound), a
        DeleteItem 1 (its items are small)."""
        sizes = {}
        for op, table, key, _ in self.writes:
            if op == "UpdateItem" and (table, key) not in sizes:
                item = client.get_item(TableName=table, Key=json.loads(key), ConsistentRead=True).get("Item")
                sizes[(table, key)] = item_bytes(item) if item else 1
        return sum(max(1, math.ceil((sizes.get((table, key)) if op == "UpdateItem" else size) / 1024))
                   for op, table, key, size in self.writes)


def _typed_key(key: dict) -> str:
    """A DynamoDB key in typed JSON, as text (the resource may or may not have typed it yet)."""
    return json.dumps({k: v if isinstance(v, dict) else {"S": str(v)} for k, v in key.items()}, sort_keys=True)


# ---------------------------------------------------------------- running jobs as Lambda would

USER = "u-cost-bench"


@dataclass
class Item:
    label: str
    data: bytes
    content_type: str
    units: float = 1.0  # pages, minutes or photos in this job


@dataclass
class Category:
    name: str
    unit: str  # what "per 1,000" counts: page, minute, photo
    kind: str
    items: list[Item]


class Context:
    """Lambda's context: the remaining time of an invocation of WorkerTimeout seconds."""

    def __init__(self, timeout_s: float):
        self.end = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return int((self.end - time.monotonic()) * 1000)


def _cpu() -> float:
    own = time.process_time()
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own + kids.ru_utime + kids.ru_stime


def reset_peak() -> None:
    """Start this process's peak RSS (VmHWM) afresh, so each job's peak is its own (Linux)."""
    with contextlib.suppress(OSError):  # else the peak is the process's so far
        Path("/proc/self/clear_refs").write_text("5")


def peak_mb() -> float:
    """This process's peak RSS since reset_peak. Not the decoding sandbox's: a child's ru_maxrss
    on Linux counts the parent's pages it was forked with."""
    status = Path("/proc/self/status")
    hwm = [line.split()[1] for line in status.read_text().splitlines() if line.startswith("VmHWM:")] \
        if status.exists() else []
    return int(hwm[0]) / 1024 if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Moto:
    """moto in-process with PageVoice's tables and bucket (tests/conftest.py's aws_env), every
    client of chalicelib.aws made once and counted."""

    def __enter__(self):
        from moto import mock_aws

        from chalicelib import aws, settings
        from infra.local.bootstrap import ensure_resources

        self.mock = mock_aws()
        self.mock.start()
        aws.reset()
        ensure_resources()
        self.calls = Calls()
        for client in (aws.s3(), aws.dynamodb().meta.client, aws.dynamodb_client(), aws.lambda_(), aws.sqs(),
                       aws.ssm(), aws.ses()):
            self.calls.attach(client)
        self.bucket = settings.get().aws.bucket
        return self

    def __exit__(self, *exc):
        from chalicelib import aws

        self.mock.stop()
        aws.reset()

    def run(self, item: Item, kind: str, timeout_s: float) -> dict:
        """One job through the worker's entry point; its measured figures."""
        from chalicelib import aws
        from chalicelib.jobs import events, keys, worker
        from chalicelib.jobs import table as jobs

        record = jobs.create(USER, filename=item.label, content_type=item.content_type, size=len(item.data),
                             kind=kind)
        key = keys.upload_key(USER, record["job_id"])
        aws.s3().put_object(Bucket=self.bucket, Key=key, Body=item.data)  # the browser's POST (API side)
        self.calls.reset()
        self.calls.active = True
        reset_peak()
        cpu0, t0, invocations, outcome = _cpu(), time.perf_counter(), 0, "continued"
        try:
            while outcome == "continued":  # a long job's next turn is another invocation
                invocations += 1
                outcome = worker.lambda_handler(events.s3_event(self.bucket, key), Context(timeout_s))["outcomes"][0]
        finally:
            self.calls.active = False
        wall, cpu = time.perf_counter() - t0, _cpu() - cpu0
        return self._figures(record["job_id"], key, item, outcome, wall, cpu, invocations)

    def _figures(self, job_id: str, key: str, item: Item, outcome: str, wall: float, cpu: float,
                 invocations: int) -> dict:
        from chalicelib import aws

        listed = aws.s3().list_objects_v2(Bucket=self.bucket).get("Contents", [])
        kept = [o for o in listed if job_id in o["Key"] and o["Key"] != key]
        by_name: Counter = Counter()
        transient = 0
        for o in kept:  # speech-part-003.wav -> speech-part-N.wav
            by_name[re.sub(r"(?<=-)\d+", "N", o["Key"].rsplit("/", 1)[-1])] += o["Size"]
            if _is_transient(self.bucket, o["Key"]):
                transient += o["Size"]
        s3 = Counter(s3_class(op) for (service, op), n in self.calls.ops.items() if service == "s3"
                     for _ in range(n))
        return {"label": item.label, "units": item.units, "outcome": outcome, "wall_s": wall, "cpu_s": cpu,
                "invocations": invocations, "ops": {f"{s}:{o}": n for (s, o), n in sorted(self.calls.ops.items())},
                "s3": {"put": s3["put"], "get": s3["get"], "free": s3["free"]},
                "ddb_wru": self.calls.write_units(aws.dynamodb_client()), "ddb_rru": self.calls.rru,
                "stored_bytes": sum(by_name.values()) - transient, "transient_bytes": transient,
                "stored_by_name": dict(by_name), "stages_ms": self._stages(job_id),
                "upload_bytes": len(item.data), "peak_mb": peak_mb()}

    def _stages(self, job_id: str) -> dict:
        """The result's timings_ms: wall ms by stage (fetch, decode, ocr, tts, join, ...); {} without one."""
        from chalicelib.jobs import keys, objects

        result, _ = objects.read_json(self.bucket, keys.result_key(USER, job_id))  # None: a failed job
        return (result or {}).get("timings_ms") or {}


def _is_transient(bucket: str, key: str) -> bool:
    """Tagged for the bucket's lifecycle rule (a recording's parts): stored a day, not a month."""
    from chalicelib import aws, resources

    key_, value = resources.BUCKET["transient_tag"]
    return {"Key": key_, "Value": value} in aws.s3().get_object_tagging(Bucket=bucket, Key=key)["TagSet"]


# ---------------------------------------------------------------- what is deployed, what is measured

def deployed() -> dict:
    """The worker's MemorySize, threads and timeout (infra/template.py's parameter defaults), the
    API functions' memory (.chalice/config.json, dev stage) and the site's poll interval."""
    from chalicelib import settings
    from infra import template

    params = template.build(["APIHandler"])["Parameters"]
    chalice = json.loads((ROOT / ".chalice" / "config.json").read_text())
    poll = re.search(r"POLL_PROCESSING_MS = (\d+)", (ROOT / "static_site/js/views/job.js").read_text())
    return {"memory_mb": int(params["WorkerMemorySize"]["Default"]),
            "threads": int(params["WorkerThreads"]["Default"]),
            "timeout_s": int(params["WorkerTimeout"]["Default"]),
            "api_memory_mb": int(chalice["stages"]["dev"].get("lambda_memory_size", 128)),
            "poll_ms": int(poll.group(1)) if poll else 1000,
            "decode_mb": settings.get().limits.decode_memory_mb}


def worker_env(threads: int) -> dict:
    """The deployed worker's thread settings; fake credentials (moto), no endpoint."""
    return {"PAGEVOICE_OCR_THREADS": str(threads), "PAGEVOICE_TTS_THREADS": str(threads),
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


def _spread(paths: list, n: int) -> list:
    """n paths spread evenly over the sorted list."""
    paths = sorted(paths)
    return paths[:: max(1, len(paths) // n)][:n]


def _funsd_words(path: Path) -> int:
    doc = json.loads((path.parent.parent / "annotations" / f"{path.stem}.json").read_text())
    return sum(len(block.get("words", [])) for block in doc.get("form", []))


def _wav_minutes(data: bytes) -> float:
    import io

    with wave.open(io.BytesIO(data)) as w:
        return w.getnframes() / w.getframerate() / 60


def _joined_wav(paths: list[Path]) -> bytes:
    """One recording of the clips one after another (they share a format)."""
    import io

    out = io.BytesIO()
    with wave.open(str(paths[0])) as first, wave.open(out, "wb") as w:
        w.setparams(first.getparams())
        for p in paths:
            with wave.open(str(p)) as clip:
                w.writeframes(clip.readframes(clip.getnframes()))
    return out.getvalue()


PROSE = ("The committee met on Tuesday to review the budget for the coming year. After a long discussion "
         "the members agreed that the library would stay open in the evenings, that the roof of the north "
         "building would be repaired before winter, and that a small fund would help families pay for the "
         "school trips of their children. The chair thanked the volunteers who had counted the votes. ")


def text_pdf_page() -> bytes:
    """A PDF page full of prose at 10 pt (a text layer: ~45 lines, ~650 words), made with the
    tests' PDF writer."""
    import textwrap

    from tests.media.documents import TextPage, text_pdf

    lines = textwrap.wrap(PROSE * 8, 92)[:45]
    return text_pdf([TextPage(lines=lines, font_size=10, at=(54, 50))])


def categories(datasets: Path, quick: bool) -> list[Category]:
    n = (lambda q, full: q if quick else full)  # noqa: E731
    funsd = sorted((datasets / "funsd-test" / "images").glob("*.png"))
    dense = sorted(funsd, key=_funsd_words, reverse=True)[:n(0, 2)]  # --quick: the PDF page alone
    icdar = sorted((datasets / "icdar2015-dev" / "images").glob("*.jpg"))
    clips = sorted((datasets / "speech-dev" / "asr").glob("*.wav"))
    digits = sorted((datasets / "digits-dev" / "images").glob("*.*"))
    book = [c for c in clips if c.name.startswith("librivox")]
    joined = _joined_wav(book)
    cats = [
        Category("typical page: FUNSD scan", "page", "page", _files(_spread(funsd, n(1, 6)), "image/png")),
        Category("typical page: ICDAR photo", "page", "page", _files(_spread(icdar, n(2, 6)), "image/jpeg")),
        Category("dense page: densest FUNSD forms", "page", "page", _files(dense, "image/png")),
        Category("dense page: full text page of a PDF", "page", "page",
                 [Item("text-page.pdf", text_pdf_page(), "application/pdf")]),
        Category("recording: speech-dev clips (1-7 s)", "minute", "speech",
                 _files(_spread(clips, n(2, len(clips))), "audio/wav", _wav_minutes)),
        Category(f"recording: the {len(book)} librivox clips joined", "minute", "speech",
                 [Item("joined.wav", joined, "audio/wav", _wav_minutes(joined))]),
        Category("digit photo: digits-dev images", "photo", "digits", _files(_spread(digits, n(3, 10)), None)),
    ]
    return [c for c in cats if c.items]


def first_items(datasets: Path) -> dict[str, Item]:
    """Per kind, the short job that warms a worker up and is timed cold: a photo with a few
    words (OCR and a short recording), the first clip, the first digits image."""
    icdar = sorted((datasets / "icdar2015-dev" / "images").glob("*.jpg"), key=lambda p: int(p.stem.split("_")[-1]))
    worded = next(p for p in icdar if _icdar_words(p) >= 5)
    return {"page": _files([worded], "image/jpeg")[0],
            "speech": _files(sorted((datasets / "speech-dev" / "asr").glob("*.wav"))[:1], "audio/wav", _wav_minutes)[0],
            "digits": _files(sorted((datasets / "digits-dev" / "images").glob("*.*"))[:1], None)[0]}


def _icdar_words(photo: Path) -> int:
    gt = photo.parent.parent / "gt" / f"gt_{photo.stem}.txt"
    return sum(1 for line in gt.read_text(encoding="utf-8-sig").splitlines() if line and "###" not in line)


def _files(paths: list[Path], content_type: str | None, units=lambda data: 1.0) -> list[Item]:
    return [Item(p.name, data, content_type or _image_type(p), units(data)) for p in paths
            for data in [p.read_bytes()]]


def _image_type(path: Path) -> str:
    return {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp"}[path.suffix.lower()]


# ---------------------------------------------------------------- cold starts, in a fresh process

def cold_child(kind: str, path: str, content_type: str, out: str, timeout_s: float) -> None:
    """In a fresh process: Lambda's init (import the worker, warm the engines it warms at start),
    then the first job and a second one of the same file."""
    t0, cpu0 = time.perf_counter(), _cpu()
    from chalicelib.jobs import worker

    worker.warm_up()
    init = {"init_s": time.perf_counter() - t0, "init_cpu_s": _cpu() - cpu0}
    item = Item(Path(path).name, Path(path).read_bytes(), content_type)
    with Moto() as moto:
        first = moto.run(item, kind, timeout_s)
        second = moto.run(item, kind, timeout_s)
    Path(out).write_text(json.dumps({**init, "first": first, "second": second}))
    sys.stdout.flush()
    # Now, not through the interpreter's exit: engines still warming in background threads
    # (worker.warm_up) can crash a finalising interpreter.
    os._exit(0)


def measure_cold(kind: str, item: Item, env: dict, timeout_s: float) -> dict | None:
    """The cold start of `kind` in a fresh process; None (said on stderr) when that process failed."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / item.label, Path(tmp) / "cold.json"
        src.write_bytes(item.data)
        done = subprocess.run([sys.executable, "-m", "bench.cost", "--cold", kind, str(src), item.content_type,
                               str(out), str(timeout_s)], cwd=ROOT, env={**os.environ, **env}, check=False,
                              stdout=subprocess.DEVNULL)
        if not out.exists():
            print(f"the cold start of {kind} was not measured: its process ended with {done.returncode}",
                  file=sys.stderr)
            return None
        cold = json.loads(out.read_text())
    # What a cold start adds to a job: the init, and what the first job takes beyond a warm one.
    cold["extra_s"] = cold["init_s"] + max(0.0, cold["first"]["wall_s"] - cold["second"]["wall_s"])
    return cold


# ---------------------------------------------------------------- the report

def category_cost(jobs: list[dict], dep: dict, cold_extra_s: float, arch: str = "x86_64") -> dict[str, float]:
    """Dollars per 1,000 units (pages, minutes, photos) of a category, by where they go."""
    from chalicelib import resources

    extra = {"cold_extra_s": cold_extra_s, "cold_every": ASSUMPTIONS["cold_start_every_jobs"],
             "months": ASSUMPTIONS["results_kept_months"], "upload_days": resources.BUCKET["abandoned_upload_days"],
             "transient_days": resources.BUCKET["transient_days"]}
    total: Counter = Counter()
    for fig in jobs:
        total.update(job_cost({**fig, **extra}, PRICES, dep["memory_mb"], arch))
    units = sum(fig["units"] for fig in jobs)
    return {k: v * 1000 / units for k, v in total.items()}


def api_side(jobs: list[dict], dep: dict) -> float:
    """Dollars per 1,000 units of the user's side: POST /uploads and the browser's S3 POST, the
    site's polls while the job runs (one per poll interval of worker wall time, one while queued
    and one that sees it done), each poll reading the session and the job (2 read units) and the
    result (1 S3 GET), and one download of the audio."""
    total = 0.0
    for fig in jobs:
        polls = 1 + math.ceil(fig["wall_s"] * 1000 / dep["poll_ms"]) + ASSUMPTIONS["polls_after_done"]
        total += api_cost(1 + polls, PRICES, dep["api_memory_mb"], ASSUMPTIONS["api_ms_per_request"],
                          ddb_rru=2 * (1 + polls), ddb_wru=1, s3_put=1, s3_get=polls + 1)
    return total * 1000 / sum(fig["units"] for fig in jobs)


def _mean(jobs: list[dict], key: str) -> float:
    return statistics.fmean(fig[key] for fig in jobs)


def print_category(cat: Category, jobs: list[dict], dep: dict, cold: dict) -> dict:
    extra = cold["extra_s"] if cold else 0.0
    cost = category_cost(jobs, dep, extra)
    arm = category_cost(jobs, dep, extra, "arm64")
    ops: Counter = Counter()
    for fig in jobs:
        ops.update(fig["ops"])
    units = sum(fig["units"] for fig in jobs)
    print(f"\n## {cat.name}  ({len(jobs)} jobs, {units:.2f} {cat.unit}s; kind {cat.kind})")
    print(f"  per job: wall {_mean(jobs, 'wall_s'):.2f} s (billed), CPU {_mean(jobs, 'cpu_s'):.2f} s, "
          f"{_mean(jobs, 'invocations'):.1f} invocation(s), stored {_mean(jobs, 'stored_bytes') / 1024:.0f} KB, "
          f"upload {_mean(jobs, 'upload_bytes') / 1024:.0f} KB; outcomes {dict(Counter(f['outcome'] for f in jobs))}")
    print(f"  cold start ({cat.kind}, fresh process): init {cold['init_s']:.2f} s (CPU {cold['init_cpu_s']:.2f} s) "
          f"+ first job {cold['first']['wall_s']:.2f} s vs warm {cold['second']['wall_s']:.2f} s "
          f"-> {cold['extra_s']:.2f} s extra per cold start (peak RSS {cold['first']['peak_mb']:.0f} MB)"
          if cold else f"  cold start ({cat.kind}): NOT MEASURED (its process failed); counted as 0 below")
    print(f"  peak RSS of the worker process per job: up to {max(f['peak_mb'] for f in jobs):.0f} MB of "
          f"{dep['memory_mb']} MB configured (every kind's engines loaded; the decoding sandbox, a process of "
          f"its own capped at {dep['decode_mb']} MB, comes on top for PDFs and recordings)")
    stages: Counter = Counter()
    for fig in jobs:
        stages.update(fig.get("stages_ms", {}))
    print("  stages per job (wall s, the result's timings_ms): "
          + ", ".join(f"{name} {ms / 1000 / len(jobs):.2f}" for name, ms in stages.items()))
    print("  requests per job: " + ", ".join(f"{op} {n / len(jobs):.1f}" for op, n in sorted(ops.items())))
    print(f"  DynamoDB units per job: {_mean(jobs, 'ddb_wru'):.1f} write, {_mean(jobs, 'ddb_rru'):.1f} read")
    stored: Counter = Counter()
    for fig in jobs:
        stored.update(fig["stored_by_name"])
    print("  stored per job: " + ", ".join(f"{name} {size / len(jobs) / 1024:.0f} KB" for name, size in
                                         stored.most_common()))
    by_cpu = category_cost([{**f, "wall_s": f["cpu_s"]} for f in jobs], dep, extra)["total"]
    print(f"  $ per 1,000 {cat.unit}s (x86_64): " + ", ".join(f"{k} {v:.4f}" for k, v in cost.items() if k != "total")
          + f"  => TOTAL {cost['total']:.4f}  (arm64 price: {arm['total']:.4f}; billed at CPU seconds "
          f"instead of wall: {by_cpu:.4f})")
    api = api_side(jobs, dep)
    print(f"  + API side (POST /uploads, the site's polls, one audio download): {api:.4f} per 1,000 {cat.unit}s")
    return {"name": cat.name, "unit": cat.unit, "x86_64": cost, "arm64": arm["total"], "api": api, "by_cpu": by_cpu}


def print_assumptions(dep: dict) -> None:
    from chalicelib import resources

    print("\n## Assumptions")
    print(f"- Prices (us-east-1, on-demand; PRICES in bench/cost.py): {json.dumps(PRICES)}")
    print(f"- Memory billed = the worker's MemorySize, {dep['memory_mb']} MB (infra/template.py WorkerMemorySize "
          f"default), x86_64 as deployed by default; arm64 (WorkerArchitecture=arm64: every pinned worker wheel "
          f"has an aarch64 build, infra/README.md) = the same duration at arm64's GB-s price. "
          f"Threads {dep['threads']} (WorkerThreads), invocation timeout {dep['timeout_s']} s (WorkerTimeout).")
    print("- Duration billed = the handler's wall seconds here. The machine is shared (2 cores, other work "
          "running): wall time here overstates Lambda's; CPU seconds are printed beside it (and the "
          "total billed at CPU seconds). A 2048 MB Lambda has ~1.2 vCPU. moto answers in-process: real S3 and "
          "DynamoDB round trips (~10-30 ms each, the requests listed) are not in these seconds.")
    print(f"- One cold start per {ASSUMPTIONS['cold_start_every_jobs']} jobs; its init (importing the worker, "
          "warming its engines) is billed (Lambda bills INIT since August 2025) and so is the first job's extra time.")
    print("- S3: PUT/COPY/POST/LIST at the PUT price, DELETE free, the rest (GET, HEAD, tagging reads) at the GET "
          f"price. Stored: the job's outputs (and its kept source) for {ASSUMPTIONS['results_kept_months']} month; "
          f"the upload under uploads/ for {resources.BUCKET['abandoned_upload_days']} days and outputs tagged "
          f"transient (a recording's parts) for {resources.BUCKET['transient_days']} day (lifecycle rules). "
          "Data transfer out (the user's downloads) is not counted.")
    print("- DynamoDB on-demand: a write is ceil(item KB / 1) units, the item's size taken after the job (an upper "
          "bound for the record's early writes; a DeleteItem 1 unit); a read is ceil(KB returned / 4) units, at "
          "least 1 (strongly consistent).")
    print(f"- API side (separate line): API Gateway REST + an API function call of {ASSUMPTIONS['api_ms_per_request']}"
          f" ms at {dep['api_memory_mb']} MB per request; polls every {dep['poll_ms']} ms of worker time "
          "(static_site/js/views/job.js) plus one while queued and one that sees it done; 2 read units and "
          "1 S3 GET a poll; 1 write unit and 1 S3 POST for the upload; 1 S3 GET for the audio.")


def run_all(cats: list[Category], first: dict[str, Item], dep: dict, env: dict) -> list[dict]:
    measured = []
    with Moto() as moto:
        for kind, item in first.items():  # one untimed job of each kind first: a warm worker
            moto.run(item, kind, dep["timeout_s"])
        for cat in cats:
            jobs = []
            for item in cat.items:
                jobs.append(moto.run(item, cat.kind, dep["timeout_s"]))
                print(f"  {cat.name}: {item.label} {jobs[-1]['wall_s']:.2f} s", file=sys.stderr, flush=True)
            measured.append((cat, jobs))
    # After the warm jobs: the children's peak RSS above is then the decoding sandbox's alone.
    print(f"cold starts, one fresh process per kind ({', '.join(first)}) ...", file=sys.stderr, flush=True)
    colds = {kind: measure_cold(kind, item, env, dep["timeout_s"]) for kind, item in first.items()}
    return [print_category(cat, jobs, dep, colds[cat.kind]) for cat, jobs in measured]


def print_summary(rows: list[dict]) -> None:
    typical = [r for r in rows if r["name"].startswith("typical")]
    dense = [r for r in rows if r["name"].startswith("dense")]
    print("\n## Summary ($ per 1,000, worker side: x86_64 / arm64 price / x86_64 billed at CPU seconds; "
          "+ API side)")
    if typical:
        mean = {k: statistics.fmean(r[k]["total"] if k == "x86_64" else r[k] for r in typical)
                for k in ("x86_64", "arm64", "by_cpu", "api")}
        print(f"- typical page (mean of FUNSD scans and ICDAR photos): {mean['x86_64']:.4f} / {mean['arm64']:.4f} / "
              f"{mean['by_cpu']:.4f}; + API {mean['api']:.4f}")
    for r in dense + [r for r in rows if r not in typical and r not in dense]:
        print(f"- {r['name']}: {r['x86_64']['total']:.4f} / {r['arm64']:.4f} / {r['by_cpu']:.4f} per 1,000 "
              f"{r['unit']}s; + API {r['api']:.4f}")
    share = Counter()
    for r in typical:
        share.update({k: v for k, v in r["x86_64"].items() if k != "total"})
    whole = sum(share.values()) or 1
    print("- where a typical page's cost goes: " + ", ".join(f"{k} {100 * v / whole:.0f}%" for k, v in share.most_common()))


# ---------------------------------------------------------------- a book (issue 54 item 7)

BOOK_PAGES = 500
BOOK_WORKERS = (20, 50, 500)  # 20: the shards queue's maximum concurrency as deployed (PAGEVOICE_SHARD_MAX_CONCURRENCY)
SQS_REQUEST = 0.40 / 1e6  # SQS standard, per request (64 KB chunk), after the free tier (aws.amazon.com/sqs/pricing)
# The event source's own SQS calls per message (one message per invocation): a ReceiveMessage and a
# DeleteMessageBatch. Its idle long polls (a few a minute per poller) are left out.
SQS_EVENT_SOURCE_PER_MESSAGE = 2


def fit(points: list[tuple[float, float]]) -> tuple[float, float]:
    """(a, b) of y = a + b * x by least squares; (mean y, 0) when every x is the same."""
    n = len(points)
    if n == 0:
        return 0.0, 0.0
    mx, my = sum(x for x, _ in points) / n, sum(y for _, y in points) / n
    var = sum((x - mx) ** 2 for x, _ in points)
    if var == 0:
        return my, 0.0
    b = sum((x - mx) * (y - my) for x, y in points) / var
    return my - b * mx, b


def reading_shards(pages: int, shard_pages: int) -> list[int]:
    """Pages of each reading shard of a book (kinds.plan.reading: 1, then shard_pages)."""
    from chalicelib.kinds import plan

    return [r.end - r.first for r in plan.reading(pages, shard_pages)]


def schedule(plan_s: float, reads: list[float], sections: list[list[float]], workers: int) -> dict[str, float]:
    """When a book is read, first heard and done with `workers` workers taking shards from one
    queue in order (the reading shards, sent at planning; each one's sections appended when it
    ends, as chalicelib.jobs.book sends them): {"read", "first_audio", "done"} seconds from the
    upload, after the planning invocation's `plan_s`. Every worker warm; no ramp-up."""
    import heapq

    free = [plan_s] * max(1, workers)  # when each worker is next free
    heapq.heapify(free)
    queue: list[tuple[float, float, int]] = [(plan_s, d, -1) for d in reads]  # (ready at, seconds, reading shard)
    done_read, first_audio, end, head = plan_s, math.inf, plan_s, 0
    pending: list[tuple[float, int, float, int]] = []  # sections: (ready at, order, seconds, from shard)
    order = 0
    while head < len(queue) or pending:
        # The next message in the queue's order: reading shards first, then sections as they were sent.
        if head < len(queue):
            ready, seconds, _ = queue[head]
            index, head = head, head + 1
            is_read = True
        else:
            ready, _, seconds, index = heapq.heappop(pending)
            is_read = False
        start = max(heapq.heappop(free), ready)
        finish = start + seconds
        heapq.heappush(free, finish)
        end = max(end, finish)
        if is_read:
            done_read = max(done_read, finish)
            for d in sections[index]:
                heapq.heappush(pending, (finish, order, d, index))
                order += 1
        else:
            first_audio = min(first_audio, finish) if index == 0 else first_audio
    return {"read": done_read, "first_audio": first_audio, "done": end}


def book_cost(model: dict, pages: int, ocr: bool, prices: dict, memory_mb: int, workers=BOOK_WORKERS,
              arch: str = "x86_64", basis: str = "wall", recorded: int | None = None) -> dict:
    """A book of `pages` pages (all read from a text layer, or all by OCR) from per-shard figures
    measured (`model`, measure_book's): Lambda GB-seconds by shard type, S3, SQS and DynamoDB
    requests, storage for a month, and the wall time at each number of `workers`. `basis`: the
    shards' seconds from their wall fits (what Lambda bills) or their CPU fits (a loaded machine's
    wall seconds overstate a Lambda's). `recorded`: sections recorded (the first ones in text
    order; None: every one, the book recorded whole as before recording was made on demand)."""
    gb = memory_mb / 1024
    read_kind = "ocr" if ocr else "text"
    # A book of text layers is read in larger shards (settings.books.text_shard_pages) than a scan.
    sizes = reading_shards(pages, model["shard_pages"] if ocr else model.get("text_shard_pages", model["shard_pages"]))
    a, b = model[read_kind][basis]
    reads = [a + b * n for n in sizes]
    chars = model["chars_per_page"] * pages
    sections_per_read = [math.ceil(model["chars_per_page"] * n / model["section_chars_mean"]) for n in sizes]
    all_sections = sum(sections_per_read)
    speech_whole = chars * model["speech_s_per_char"]
    ra, rb = model["record"][basis]
    section_s = speech_whole / all_sections
    n_sections = all_sections if recorded is None else max(0, min(all_sections, recorded))
    speech = section_s * n_sections  # seconds of speech recorded
    per_section = ra + rb * section_s
    sections, left = [], n_sections
    for k in sections_per_read:  # the first n_sections in text order, by the reading shard that cuts them
        sections.append([per_section] * min(k, left))
        left -= min(k, left)
    out: dict = {"pages": pages, "ocr": ocr, "reading_shards": len(sizes), "sections": n_sections,
                 "sections_whole": all_sections, "section_s": section_s, "speech_hours": speech / 3600,
                 "speech_hours_whole": speech_whole / 3600, "chars": chars}
    plan_s = model["plan_s" if basis == "wall" else "plan_cpu_s"]
    gbs = {"plan": plan_s * gb, "read": sum(reads) * gb, "record": n_sections * per_section * gb}
    out["gb_s"] = gbs
    out["lambda_s"] = plan_s + sum(reads) + n_sections * per_section
    invocations = 1 + len(sizes) + n_sections
    req: Counter = Counter()
    for name, count, size in (("read", len(sizes), None), ("record", n_sections, section_s)):
        for metric, (ma, mb) in model[read_kind if name == "read" else "record"]["requests"].items():
            total = sum(ma + mb * n for n in sizes) if name == "read" else count * (ma + mb * size)
            req[metric] += total
    for metric, value in model["plan_requests"].items():
        req[metric] += value
    req["sqs"] += (len(sizes) + n_sections) * SQS_EVENT_SOURCE_PER_MESSAGE
    out["requests"] = dict(req)
    stored = model["stored_per_page"][read_kind] * pages + model["stored_per_speech_s"] * speech
    gb_s_price = prices[f"lambda_gb_s_{arch}"]
    dollars = {"lambda_compute": sum(gbs.values()) * gb_s_price, "lambda_requests": invocations * prices["lambda_request"],
               "s3_requests": req["s3_put"] * prices["s3_put_class"] + req["s3_get"] * prices["s3_get_class"],
               "sqs": req["sqs"] * SQS_REQUEST,
               "dynamodb": req["ddb_wru"] * prices["ddb_write_unit"] + req["ddb_rru"] * prices["ddb_read_unit"],
               "storage_month": stored / GB * prices["s3_gb_month"]}
    dollars["total"] = sum(dollars.values())
    out["dollars"], out["stored_bytes"], out["invocations"] = dollars, stored, invocations
    out["wall"] = {n: schedule(plan_s, reads, sections, n) for n in workers}
    return out


def _book_calls(calls: Calls) -> dict[str, float]:
    """A shard's requests by what they cost: S3 PUT and GET classes, SQS requests, DynamoDB units
    (a transaction's item 2 write units: ~1 KB items; UpdateItems by size, as for jobs)."""
    from chalicelib import aws

    ops = calls.ops
    s3 = Counter(s3_class(op) for (service, op), n in ops.items() if service == "s3" for _ in range(n))
    transact = sum(n for (service, op), n in ops.items() if op == "TransactWriteItems")
    return {"s3_put": s3["put"], "s3_get": s3["get"],
            "sqs": sum(n for (service, _), n in ops.items() if service == "sqs"),
            "ddb_wru": calls.write_units(aws.dynamodb_client()) + 2 * 2 * transact, "ddb_rru": calls.rru}


def measure_book(text_pdf: bytes, scanned_pdf: bytes, records: int, timeout_s: float) -> dict:
    """Per-shard figures of a book through the worker's entry point, in-process on moto: the
    planning invocation, every reading shard of `text_pdf` (a text layer) and of `scanned_pdf`
    (OCR), and the first `records` recording sections of the text book; each shard's wall and
    CPU seconds and its AWS requests. Read shards fit a + b * pages, sections a + b * seconds of speech."""
    from chalicelib import aws, resources, settings
    from chalicelib.jobs import events, keys, worker
    from chalicelib.jobs import table as jobs

    books = settings.get().books
    fig: dict = {"shard_pages": books.shard_pages, "text_shard_pages": books.text_shard_pages,
                 "section_chars": books.section_chars}
    warm_up(scanned_pdf)
    with Moto() as moto:
        urls = [aws.sqs().get_queue_url(QueueName=resources.queue_name(q, settings.get()))["QueueUrl"]
                for q in ("FirstQueue", "ShardsQueue", "RecordQueue")]

        def take() -> tuple[str, dict] | None:
            moto.calls.active = False
            for url in urls:
                got = aws.sqs().receive_message(QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=0).get("Messages")
                if got:
                    aws.sqs().delete_message(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"])
                    return url, got[0]
            return None

        def invoke(event: dict) -> tuple[dict, dict]:
            moto.calls.reset()
            moto.calls.active = True
            cpu0, t0 = _cpu(), time.perf_counter()
            try:
                reply = worker.lambda_handler(event, Context(timeout_s))
            finally:
                moto.calls.active = False
            return reply, {"wall_s": time.perf_counter() - t0, "cpu_s": _cpu() - cpu0, **_book_calls(moto.calls)}

        def book(label: str, data: bytes, book_pages: int, record_limit: int) -> dict:
            os.environ["PAGEVOICE_BOOK_PAGES"] = str(book_pages)
            record = jobs.create(USER, filename=label, content_type="application/pdf", size=len(data))
            key = keys.upload_key(USER, record["job_id"])
            aws.s3().put_object(Bucket=moto.bucket, Key=key, Body=data)
            reply, plan_fig = invoke(events.s3_event(moto.bucket, key))
            assert reply["outcomes"] == ["planned"], reply
            reads, recs = [], []
            while (got := take()) is not None:
                _, msg = got
                body = json.loads(msg["Body"])
                is_read = body["shard"].startswith("read-")
                if not is_read and len(recs) >= record_limit:
                    continue  # the rest of the recording is left (the job is deleted with the moto server)
                event = {"Records": [{"eventSource": "aws:sqs", "eventSourceARN": "", "messageId": msg["MessageId"],
                                      "receiptHandle": msg["ReceiptHandle"], "body": msg["Body"]}]}
                reply, shard_fig = invoke(event)
                item = moto_shard(record["job_id"], body["shard"])
                summary = (item or {}).get("summary") or {}
                if is_read:
                    reads.append({**shard_fig, "pages": summary.get("count", 0), "chars": summary.get("chars", 0),
                                  "sections": summary.get("sections", 0)})
                else:
                    recs.append({**shard_fig, "speech_s": float(summary.get("seconds") or 0),
                                 "chars": int(summary.get("characters") or 0)})
                print(f"  book {label}: {body['shard']} {shard_fig['wall_s']:.2f} s", file=sys.stderr, flush=True)
            stored = _stored(moto, record["job_id"], key)
            # For the on-demand figures: the reading shards' items (what a listener's saved place
            # queries: jobs.book_demand.ask reads them all) and the sections' MP3s (an export's build).
            from chalicelib.jobs import shards as shard_items

            read_items = [i for i in shard_items.each(USER, record["job_id"], prefix="read-")]
            mp3s = [aws.s3().get_object(Bucket=moto.bucket, Key=o["Key"])["Body"].read()
                    for o in aws.s3().list_objects_v2(Bucket=moto.bucket).get("Contents", [])
                    if record["job_id"] in o["Key"] and o["Key"].endswith(".mp3")]
            return {"plan": plan_fig, "reads": reads, "records": recs, "stored": stored,
                    "read_item_bytes": statistics.fmean(item_bytes(i) for i in read_items) if read_items else 0.0,
                    "mp3s": mp3s}

        text = book("text-book.pdf", text_pdf, 50, records)
        scanned = book("scanned-book.pdf", scanned_pdf, 8, 0)
    os.environ.pop("PAGEVOICE_BOOK_PAGES", None)
    return {**fig, "text_run": text, "scanned_run": scanned}


def warm_up(scanned_pdf: bytes) -> None:
    """What a warm worker has loaded (Lambda's init and its first jobs): the worker's modules, the
    OCR engine (a scanned page read) and the voice (that page spoken), untimed."""
    from chalicelib.jobs import worker
    from chalicelib.kinds import plan
    from chalicelib.kinds.page import book as page_book

    worker.warm_up()
    read = page_book.read_pages(scanned_pdf, 0, 1)
    page_book.record_section({0: read.pages[0]}, plan.sections(read.units, 600)[0])


def moto_shard(job_id: str, shard: str) -> dict | None:
    from chalicelib.jobs import shards

    return shards.get(USER, job_id, shard)


def _stored(moto: Moto, job_id: str, upload_key: str) -> dict[str, int]:
    """Bytes the book left in S3 by kind of file: page images, page and text JSON, audio, timings."""
    from chalicelib import aws

    listed = aws.s3().list_objects_v2(Bucket=moto.bucket).get("Contents", [])
    out: Counter = Counter()
    for o in listed:
        if job_id not in o["Key"] or o["Key"] == upload_key:
            continue
        name = o["Key"].rsplit("/", 1)[-1]
        kind = ("audio" if name.endswith(".mp3") else "timings" if name.startswith("book-rec-")
                else "images" if name.endswith(".jpg") else "pages")
        out[kind] += o["Size"]
    return dict(out)


def book_model(m: dict) -> dict:
    """What book_cost needs, from measure_book's figures: fits of wall seconds and requests by
    shard size, characters per page, seconds of speech per character, bytes stored."""
    text, scanned = m["text_run"], m["scanned_run"]
    metrics = ("s3_put", "s3_get", "sqs", "ddb_wru", "ddb_rru")

    def fits(rows: list[dict], x: str) -> dict:
        return {"wall": fit([(r[x], r["wall_s"]) for r in rows]), "cpu": fit([(r[x], r["cpu_s"]) for r in rows]),
                "requests": {k: fit([(r[x], r[k]) for r in rows]) for k in metrics}}

    recs = [r for r in text["records"] if r["speech_s"] > 0]
    full = [r for r in recs if r["chars"] >= 0.5 * m["section_chars"]] or recs
    text_pages = sum(r["pages"] for r in text["reads"]) or 1
    scanned_pages = sum(r["pages"] for r in scanned["reads"]) or 1
    speech = sum(r["speech_s"] for r in recs) or 1
    shards_chars = [r for r in text["reads"] if r["sections"]]
    return {"shard_pages": m["shard_pages"], "text_shard_pages": m.get("text_shard_pages", m["shard_pages"]),
            "text": fits(text["reads"], "pages"),
            "ocr": fits(scanned["reads"], "pages"), "record": fits(recs, "speech_s"),
            "plan_s": text["plan"]["wall_s"], "plan_cpu_s": text["plan"]["cpu_s"], "plan_requests": {k: text["plan"][k] for k in metrics},
            "chars_per_page": sum(r["chars"] for r in text["reads"]) / text_pages,
            "section_chars_mean": (sum(r["chars"] for r in shards_chars) / sum(r["sections"] for r in shards_chars)
                                   if shards_chars else m["section_chars"]),
            "speech_s_per_char": speech / (sum(r["chars"] for r in recs) or 1),
            "full_section_s": statistics.fmean(r["speech_s"] for r in full) if full else 0.0,
            "stored_per_page": {"text": (text["stored"].get("images", 0) + text["stored"].get("pages", 0)) / text_pages,
                                "ocr": (scanned["stored"].get("images", 0) + scanned["stored"].get("pages", 0))
                                / scanned_pages},
            "stored_per_speech_s": (text["stored"].get("audio", 0) + text["stored"].get("timings", 0)) / speech,
            "read_item_bytes": text.get("read_item_bytes", 0.0)}


def book_inputs(datasets: Path) -> tuple[bytes, bytes, str]:
    """The text book: the first 64 pages of bench.book's War of the Worlds PDF (printed by
    Chromium; a book at the default 50 pages); the scanned one: its pages 3-18 rendered at 150 dpi
    as JPEG pages of a PDF (a book when books start past 8 pages, as set for it)."""
    import pypdfium2 as pdfium

    from bench.book import book_pdf, pages_of
    from tests.media import documents as docs

    pdf, _ = book_pdf()
    text = pages_of(pdf, 64)
    doc = pdfium.PdfDocument(pdf)
    images = [doc[i].render(scale=150 / 72).to_pil().convert("RGB") for i in range(2, 18)]
    return text, docs.scanned_pdf(images, dpi=150), "The War of the Worlds (bench.book): 64 text pages; 16 of them scanned"


def print_book(model: dict, m: dict, dep: dict, label: str) -> None:
    text, scanned = m["text_run"], m["scanned_run"]
    print(f"\n## A {BOOK_PAGES}-page book (issue 54 item 7), from per-shard figures measured here")
    print(f"- Measured in-process on moto through worker.lambda_handler, {dep['threads']} thread(s) (WorkerThreads), "
          f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}: {label}; shards of up to "
          f"{m['shard_pages']} scanned or {m.get('text_shard_pages', m['shard_pages'])} text-layer pages, sections of up to {m['section_chars']} characters (settings.books).")
    for name, run in (("text layer", text), ("OCR", scanned)):
        rows = ", ".join(f"{r['pages']} p {r['wall_s']:.2f} s" for r in run["reads"])
        print(f"- reading shards, {name}: {rows}")
    print("- recording sections: " + ", ".join(f"{r['chars']} chars -> {r['speech_s']:.0f} s of speech in "
                                               f"{r['wall_s']:.1f} s" for r in text["records"]))
    ta, tb = model["text"]["wall"]
    oa, ob = model["ocr"]["wall"]
    ra, rb = model["record"]["wall"]
    ca, cb = model["record"]["cpu"]
    print(f"- fits (wall s): a text-layer reading shard {ta:.2f} + {tb:.3f} x pages; an OCR reading shard "
          f"{oa:.2f} + {ob:.3f} x pages; a section {ra:.2f} + {rb:.4f} x seconds of speech "
          f"({1 / rb if rb else 0:.1f} s of speech per wall s at the margin); planning (the upload's invocation: "
          f"opening the 64-page PDF, the survey, {model['shard_pages']}-page plan) {model['plan_s']:.2f} s; CPU fits: "
          f"text {model['text']['cpu'][0]:.2f} + {model['text']['cpu'][1]:.3f} x pages, OCR {model['ocr']['cpu'][0]:.2f} "
          f"+ {model['ocr']['cpu'][1]:.3f} x pages, a section {ca:.2f} + {cb:.4f} x seconds of speech")
    req = {k: [f"{a:.1f} + {b:.2f}/page" for a, b in [v]][0] for k, v in model["text"]["requests"].items()}
    rreq = {k: [f"{a:.1f} + {b:.3f}/s" for a, b in [v]][0] for k, v in model["record"]["requests"].items()}
    print(f"- requests per reading shard (text): {req}; per section: {rreq} (the event source's receive and delete "
          f"not included here: {SQS_EVENT_SOURCE_PER_MESSAGE} a message below)")
    print(f"- text: {model['chars_per_page']:.0f} spoken characters a page, {model['speech_s_per_char'] * 1000:.1f} ms of "
          f"speech a character, sections of {model['section_chars_mean']:.0f} characters on average; stored "
          f"{model['stored_per_page']['text'] / 1024:.0f} KB a text page, {model['stored_per_page']['ocr'] / 1024:.0f} "
          f"KB a scanned page (page image and JSON), {model['stored_per_speech_s'] / 1024:.1f} KB a second of speech "
          "(MP3 and timings)")
    for ocr in (False, True):
        b = book_cost(model, BOOK_PAGES, ocr, PRICES, dep["memory_mb"])
        arm = book_cost(model, BOOK_PAGES, ocr, PRICES, dep["memory_mb"], arch="arm64")["dollars"]["total"]
        cpu = book_cost(model, BOOK_PAGES, ocr, PRICES, dep["memory_mb"], basis="cpu")
        print(f"\n### {BOOK_PAGES} pages, {'scanned (every page by OCR)' if ocr else 'with a text layer'}: "
              f"{b['reading_shards']} reading shards, {b['sections']} sections, {b['speech_hours']:.1f} h of speech, "
              f"{b['invocations']} invocations, {b['lambda_s'] / 3600:.2f} h of Lambda")
        print(f"- Lambda GB-s at {dep['memory_mb']} MB: planning {b['gb_s']['plan']:.0f}, reading {b['gb_s']['read']:.0f}, "
              f"recording {b['gb_s']['record']:.0f} (total {sum(b['gb_s'].values()):.0f})")
        r = b["requests"]
        print(f"- requests: S3 {r['s3_put']:.0f} PUT-class + {r['s3_get']:.0f} GET-class, SQS {r['sqs']:.0f}, DynamoDB "
              f"{r['ddb_wru']:.0f} write + {r['ddb_rru']:.0f} read units; stored {b['stored_bytes'] / 2 ** 20:.0f} MB")
        print("- $ (x86_64): " + ", ".join(f"{k} {v:.4f}" for k, v in b["dollars"].items() if k != "total")
              + f"  => TOTAL {b['dollars']['total']:.3f} (arm64 price: {arm:.3f}; billed at CPU seconds instead of "
              f"wall: {cpu['dollars']['total']:.3f}, {sum(cpu['gb_s'].values()):.0f} GB-s)")
        for n, w in b["wall"].items():
            note = " (the shards queue's maximum concurrency as deployed)" if n == BOOK_WORKERS[0] else ""
            c = cpu["wall"][n]
            print(f"- {n} concurrent workers{note}: every page read at {w['read']:.0f} s, first audio "
                  f"{w['first_audio']:.0f} s, the whole recording made at {w['done']:.0f} s ({w['done'] / 60:.1f} min); "
                  f"from the CPU fits: {c['read']:.0f} / {c['first_audio']:.0f} / {c['done']:.0f} s")
    print("- The wall times are a schedule of the measured shard times (one queue in order: the reading shards, then "
          "each one's sections as it ends), every worker warm: Lambda's ramp-up of SQS pollers and each new "
          "worker's cold start (bench.cold_start) come on top; real S3/DynamoDB round trips are not in moto's.")


# ---------------------------------------------------------------- recording on demand (issue 77)

LISTEN_S = 3600  # the listened case: one hour of listening
TASKS_MEMORY_MB = 1024  # the tasks function (infra/template.py "Tasks"), which builds exports
EXPORT_PIECE_BYTES = 8 * 2 ** 20  # objects.write_pieces' multipart parts
SAVES_EVERY_S = 5  # a playing listener's saved place (static_site/js/result/resume.js SAVE_EVERY_MS)
# Reading each part from S3 (its head, then its body) dominates a build's time: the MP3 export of
# 1,000 parts (5.6 h) took 42.6 wall s (14.5 CPU s) reading them from moto's S3 server
# (bench/book_exports.py, bench/README.md, 2026-11-27), the joining itself milliseconds.
EXPORT_S_PER_PART = 42.6 / 1000
EXPORT_CPU_S_PER_PART = 14.5 / 1000


def listened_sections(section_s: float, window_s: float, listened_s: float, whole: int) -> int:
    """Sections recorded for a book opened and listened to for `listened_s` somewhere past its start
    window: the start window (`window_s` of speech from the start, whole sections), the sections
    under what was listened to and the window ahead of the last place (from inside a section: one
    more at each end), at most the whole book's."""
    if section_s <= 0:
        return whole
    start = math.ceil(window_s / section_s)
    listened = math.ceil((listened_s + window_s) / section_s) + 1
    return min(whole, start + listened)


def listener_requests(model: dict, b: dict, listened_s: float, window_sections: int) -> dict[str, float]:
    """What a listener's saved places cost (PUT /jobs/{id}/position with a place, every
    SAVES_EVERY_S while playing; chalicelib.jobs.book_demand.listen_at): an API call each, reading the job,
    the survey, the place's reading shard and section (S3 GET, DynamoDB items), `ask`'s Query of
    every reading shard's item and its Query of the window's section items; a section is asked for
    once, when it first comes into the window (a transaction of its item and the job's counter:
    2 items, twice the units of a write), and a save whose window is asked already writes nothing."""
    saves = listened_s / SAVES_EVERY_S
    query_units = math.ceil(b["reading_shards"] * model["read_item_bytes"] / 4096) if model.get("read_item_bytes") else 1
    section_s = b["speech_hours"] * 3600 / max(1, b["sections"])
    asked = math.ceil(listened_s / section_s) + window_sections
    return {"requests": saves, "s3_get": 2 * saves, "ddb_rru": saves * (4 + query_units), "ddb_wru": asked * 2 * 2}


def measure_export(mp3s: list[bytes], speech_s: float) -> dict:
    """An export's MP3 built from measured sections' MP3s by chalicelib.books.mp3.build_book (one
    part in memory at a time, as the tasks function builds it): wall and CPU seconds and bytes per
    second of speech."""
    from chalicelib.books import HEAD_BYTES, mp3

    if not mp3s or speech_s <= 0:
        return {}
    head = {"speech": {"parts": [{} for _ in mp3s]}, "chapters": []}
    cpu0, t0, size = _cpu(), time.perf_counter(), 0
    for piece in mp3.build_book(head, "", lambda k: mp3s[k][:HEAD_BYTES], lambda k: mp3s[k], title="bench"):
        size += len(piece)
    return {"wall_per_s": (time.perf_counter() - t0) / speech_s, "cpu_per_s": (_cpu() - cpu0) / speech_s,
            "bytes_per_s": size / speech_s, "parts": len(mp3s), "speech_s": speech_s}


def export_cost(export: dict, b: dict, prices: dict, basis: str = "wall") -> dict[str, float]:
    """The tasks function building a whole book's MP3 export: its GB-s, the S3 requests (each part's
    head and body, each reading shard's pages and text, the multipart upload) and its file's month."""
    speech = b["speech_hours"] * 3600
    seconds = (speech * export["wall_per_s" if basis == "wall" else "cpu_per_s"]
               + b["sections"] * (EXPORT_S_PER_PART if basis == "wall" else EXPORT_CPU_S_PER_PART))
    size = speech * export["bytes_per_s"]
    gets = 2 * b["sections"] + 2 * b["reading_shards"]
    puts = math.ceil(size / EXPORT_PIECE_BYTES) + 2
    return {"seconds": seconds, "bytes": size,
            "lambda_compute": seconds * TASKS_MEMORY_MB / 1024 * prices["lambda_gb_s_x86_64"],
            "lambda_requests": prices["lambda_request"],
            "s3_requests": gets * prices["s3_get_class"] + puts * prices["s3_put_class"],
            "storage_month": size / GB * prices["s3_gb_month"]}


def on_demand(model: dict, export: dict, prices: dict, memory_mb: int, api_memory_mb: int, pages: int = BOOK_PAGES,
              ocr: bool = False, basis: str = "wall", window_s: float | None = None) -> dict:
    """A book recorded whole (as before recording was made on demand), read and listened to for
    LISTEN_S, and exported whole: each one's dollars (x86_64) and the ratios to the first."""
    from chalicelib import settings
    from chalicelib.kinds import plan

    window_s = settings.get().books.record_ahead_seconds if window_s is None else window_s
    whole = book_cost(model, pages, ocr, prices, memory_mb, workers=(), basis=basis)
    n = listened_sections(whole["section_s"], window_s, LISTEN_S, whole["sections"])
    listened = book_cost(model, pages, ocr, prices, memory_mb, workers=(), basis=basis, recorded=n)
    per_window = math.ceil(plan.ahead_chars(window_s) / model["section_chars_mean"])
    api = listener_requests(model, whole, LISTEN_S, per_window)
    api_dollars = api_cost(round(api["requests"]), prices, api_memory_mb, ASSUMPTIONS["api_ms_per_request"],
                           ddb_rru=api["ddb_rru"], ddb_wru=api["ddb_wru"], s3_get=round(api["s3_get"]))
    # The rest asked by the export: one message to the record queue, whose worker asks for every
    # section left (transactions of up to 50 items and the job's counter, 2 units an item).
    rest = whole["sections"] - math.ceil(window_s / whole["section_s"])
    rest_dollars = ((rest + math.ceil(rest / 50)) * 2 * prices["ddb_write_unit"]
                    + 3 * SQS_REQUEST + prices["lambda_request"])
    build = export_cost(export, whole, prices, basis) if export else None
    # ...and the same hour listened from the book's start (its start window is then the first ten
    # minutes of that hour): the sections under the hour and the window ahead of its last place.
    n_start = min(whole["sections"], math.ceil((LISTEN_S + window_s) / whole["section_s"]) + 1)
    from_start = book_cost(model, pages, ocr, prices, memory_mb, workers=(), basis=basis, recorded=n_start)
    out = {"whole": whole, "listened": listened, "listened_api": api, "listened_api_dollars": api_dollars,
           "from_start": from_start, "from_start_total": from_start["dollars"]["total"] + api_dollars,
           "window_s": window_s, "per_window": per_window, "build": build, "rest_dollars": rest_dollars}
    base = whole["dollars"]["total"]
    out["listened_total"] = listened["dollars"]["total"] + api_dollars
    out["listened_ratio"] = out["listened_total"] / base
    out["from_start_ratio"] = out["from_start_total"] / base
    if build:
        out["export_total"] = base + rest_dollars + sum(v for k, v in build.items()
                                                        if k not in ("seconds", "bytes", "storage_month"))
        out["export_ratio"] = out["export_total"] / base
    return out


def print_on_demand(model: dict, export: dict, dep: dict) -> None:
    print(f"\n## Recording on demand (issue 77): a {BOOK_PAGES}-page book read and listened to for an hour, or "
          "exported whole, against the same book recorded whole (as before the change)")
    if export:
        print(f"- export build measured: chalicelib.books.mp3.build_book over the {export['parts']} sections' MP3s "
              f"recorded above ({export['speech_s']:.0f} s of speech): {export['wall_per_s'] * 3600:.2f} wall s and "
              f"{export['cpu_per_s'] * 3600:.2f} CPU s an hour of speech (the parts in memory), "
              f"{export['bytes_per_s'] / 1024:.1f} KB a second; + reading each part from S3, {EXPORT_S_PER_PART:.3f} wall "
              f"s ({EXPORT_CPU_S_PER_PART:.4f} CPU s) a part as bench.book_exports measured; billed at the tasks "
              f"function's {TASKS_MEMORY_MB} MB")
    for ocr in (False, True):
        for basis in ("wall", "cpu"):
            d = on_demand(model, export, PRICES, dep["memory_mb"], dep["api_memory_mb"], ocr=ocr, basis=basis)
            w, li = d["whole"], d["listened"]
            name = f"{'scanned (OCR)' if ocr else 'text layer'}, shards billed at {basis} seconds"
            print(f"\n### {name}")
            print(f"- recorded whole (before): {w['sections']} sections, {w['speech_hours']:.1f} h of speech; "
                  f"$ {w['dollars']['total']:.4f} (Lambda {w['dollars']['lambda_compute']:.4f}, storage "
                  f"{w['dollars']['storage_month']:.4f}, the rest {w['dollars']['total'] - w['dollars']['lambda_compute'] - w['dollars']['storage_month']:.4f})")
            fs = d["from_start"]
            print(f"- read and listened to for {LISTEN_S / 3600:.0f} h from its start: {fs['sections']} sections recorded "
                  f"({fs['speech_hours'] * 60:.0f} min of speech: the hour and the {d['window_s'] / 60:.0f} minutes ahead, "
                  f"a section more at the end); $ {fs['dollars']['total']:.4f} + the saved places "
                  f"{d['listened_api_dollars']:.4f} = {d['from_start_total']:.4f}: **{d['from_start_ratio']:.3f}x** the "
                  f"recorded-whole figure (goal <= 0.2x: {'PASS' if d['from_start_ratio'] <= 0.2 else 'MISS'})")
            print(f"- read and listened to for {LISTEN_S / 3600:.0f} h past its start window: {li['sections']} sections recorded "
                  f"({li['speech_hours'] * 60:.0f} min of speech: the {d['window_s'] / 60:.0f}-minute start window, the hour "
                  f"and the {d['window_s'] / 60:.0f} minutes ahead, a section of {w['section_s']:.0f} s more at each end); "
                  f"$ {li['dollars']['total']:.4f} + the listener's {d['listened_api']['requests']:.0f} saved places "
                  f"{d['listened_api_dollars']:.4f} (API, S3 {d['listened_api']['s3_get']:.0f} GET, DynamoDB "
                  f"{d['listened_api']['ddb_rru']:.0f} read + {d['listened_api']['ddb_wru']:.0f} write units) = "
                  f"{d['listened_total']:.4f}: **{d['listened_ratio']:.3f}x** the recorded-whole figure "
                  f"(goal <= 0.2x: {'PASS' if d['listened_ratio'] <= 0.2 else 'MISS'})")
            if d.get("build"):
                b = d["build"]
                print(f"- exported whole: read + every section recorded ({w['dollars']['total']:.4f}) + the rest asked "
                      f"({d['rest_dollars']:.5f}) + the MP3's build ({b['seconds']:.0f} s of the tasks function: "
                      f"{b['lambda_compute']:.5f}, S3 {b['s3_requests']:.5f}) = {d['export_total']:.4f}: "
                      f"**{d['export_ratio']:.3f}x** (goal <= 1.05x: {'PASS' if d['export_ratio'] <= 1.05 else 'MISS'}); "
                      f"the export's file ({b['bytes'] / 2 ** 20:.0f} MB) stored a month {b['storage_month']:.4f} more, "
                      "as any export before the change")


def run_book(dep: dict, datasets: Path, records: int) -> None:
    text, scanned, label = book_inputs(datasets)
    print(f"book: measuring shards ({label}) ...", file=sys.stderr, flush=True)
    m = measure_book(text, scanned, records, dep["timeout_s"])
    model = book_model(m)
    print_book(model, m, dep, label)
    recs = [r for r in m["text_run"]["records"] if r["speech_s"] > 0]
    export = measure_export(m["text_run"].get("mp3s") or [], sum(r["speech_s"] for r in recs))
    print_on_demand(model, export, dep)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", type=Path, default=ROOT.parent / "shared" / "datasets")
    ap.add_argument("--quick", action="store_true", help="fewer jobs per category (~3 minutes)")
    ap.add_argument("--book", choices=("yes", "no", "only"), default="yes",
                    help="the 500-page book's section (only: that section alone, ~5 minutes)")
    ap.add_argument("--book-sections", type=int, default=8, help="recording sections measured for the book")
    ap.add_argument("--cold", nargs=5, metavar=("KIND", "PATH", "TYPE", "OUT", "TIMEOUT"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    if args.cold:  # the child of measure_cold
        kind, path, content_type, out, timeout = args.cold
        cold_child(kind, path, content_type, out, float(timeout))
        return 0
    dep = deployed()
    env = {**worker_env(dep["threads"]), "PAGEVOICE_LOG_LEVEL": "WARNING"}
    os.environ.update(env)
    t0 = time.monotonic()
    if args.book == "only":
        print(f"# PageVoice: the cost of a book (load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} on "
              f"{os.cpu_count()} cores)")
        run_book(dep, args.datasets, args.book_sections)
        print(f"\n(run took {time.monotonic() - t0:.0f} s; load average now {os.getloadavg()[0]:.1f})")
        return 0
    print(f"# PageVoice cost per 1,000 ({'quick' if args.quick else 'full'} run; load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores)")
    rows = run_all(categories(args.datasets, args.quick), first_items(args.datasets), dep, env)
    print_summary(rows)
    if args.book == "yes":
        run_book(dep, args.datasets, args.book_sections)
    print_assumptions(dep)
    print(f"\n(run took {time.monotonic() - t0:.0f} s; load average now {os.getloadavg()[0]:.1f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
