"""Load: N uploads through the local stack by C concurrent clients; throughput, latency, jobs lost.

    .venv/bin/python -m bench.load                       # starts the local stack, runs, stops it
    .venv/bin/python -m bench.load --jobs 40 --concurrency 8 --url http://127.0.0.1:8000

Each client does what the site does, in a loop: POST /uploads, the presigned POST of the
image, then GET /jobs/{id} until the job ends. Latency is upload-to-done: from the start of
the presigned POST (after any 429 from POST /uploads is waited out) to the first poll that
sees `done`. One job before the run, not counted, warms the worker up. A job lost is one
that has not ended when the run's time cap is reached (the promise: zero). Bounded in count
(--jobs) and time (--time-cap), loopback only. Prints the figures; exits 1 unless every job
ended done.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import requests

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.bench_stack import pct  # noqa: E402
from bench.fuzz import is_loopback  # noqa: E402
from tests.stackclient import get_job, login, register, request_upload, send_file  # noqa: E402

POLL_SECONDS = 0.25


@dataclass
class Outcome:
    job_id: str | None
    status: str  # done, failed, lost (still unfinished at the cap), error (the upload itself failed)
    seconds: float
    stages: dict


def default_image() -> tuple[str, bytes, str]:
    """A sign-like JPEG with a few words (what the journey tests read), made by code."""
    from tests import images

    drawn = images.text_image(["MAIN STREET CAFE", "OPEN DAILY 7 TO 7", "FRESH BREAD"], size=52)
    return "sign.jpg", images.encode(drawn.image, "JPEG", quality=90), "image/jpeg"


def run(stack, jobs: int, concurrency: int, time_cap: float, image: tuple[str, bytes, str]) -> dict:
    name, data, ctype = image
    headers = login(stack, register(stack, email=f"load-{uuid.uuid4().hex[:8]}@example.com", name="Load"))
    deadline = time.monotonic() + time_cap
    tickets = iter(range(jobs))
    lock = threading.Lock()

    def one() -> Outcome:
        started = time.monotonic()
        try:
            # Uploads are limited per account and minute: a 429 is waited out (within the cap)
            # before the clock starts, as it is the client being held back, not the service.
            r = request_upload(stack, headers, name, ctype, len(data), patience=max(0.0, deadline - started))
            if r.status_code != 201:
                return Outcome(None, "error", 0.0, {"error": f"{r.status_code} {r.text[:200]}"})
            if not is_loopback(r.json()["upload"]["url"]):  # the API's storage must be local too
                return Outcome(None, "error", 0.0, {"error": "the presigned POST is not on loopback"})
            started = time.monotonic()
            send_file(r.json()["upload"], name, data, ctype)
            job_id = r.json()["job_id"]
        except (AssertionError, requests.RequestException) as exc:
            return Outcome(None, "error", time.monotonic() - started, {"error": str(exc)[:200]})
        while time.monotonic() < deadline:
            job = get_job(stack, headers, job_id)
            if job["status"] in ("done", "failed"):
                return Outcome(job_id, job["status"], time.monotonic() - started, job.get("timings_ms") or {})
            time.sleep(POLL_SECONDS)
        return Outcome(job_id, "lost", time.monotonic() - started, {})

    def client() -> list[Outcome]:
        mine = []
        while time.monotonic() < deadline:
            with lock:
                if next(tickets, None) is None:
                    break
            mine.append(one())
        return mine

    # One job first, not counted: the worker may still be loading its models (cold start is
    # bench/bench_stack.py's figure); the run measures the steady state.
    warm = one()
    if warm.status != "done":
        raise SystemExit(f"the warm-up job did not end done: {warm}")
    deadline = time.monotonic() + time_cap
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        outcomes = [o for batch in pool.map(lambda _: client(), range(concurrency)) for o in batch]
    wall = time.monotonic() - started
    done = [o for o in outcomes if o.status == "done"]
    latencies = sorted(o.seconds for o in done)
    stages = sorted({k for o in done for k in o.stages})
    return {
        "latencies": latencies, "jobs": jobs, "concurrency": concurrency, "sent": len(outcomes), "wall_s": round(wall, 1),
        "done": len(done), "failed": sum(o.status == "failed" for o in outcomes),
        "lost": sum(o.status == "lost" for o in outcomes),
        "not_sent": jobs - len(outcomes),  # the time cap came first
        "upload_errors": sum(o.status == "error" for o in outcomes),
        "throughput_per_min": round(len(done) / wall * 60, 1) if wall else 0.0,
        "latency_s": {"p50": round(pct(latencies, 0.5), 2), "p90": round(pct(latencies, 0.9), 2),
                      "p99": round(pct(latencies, 0.99), 2)} if latencies else {},
        "worker_stage_median_ms": {k: statistics.median(o.stages.get(k, 0) for o in done) for k in stages},
    }


def fairness(stack, dense: list[Path], jobs_each: int, time_cap: float) -> dict:
    """Two users uploading signs, alone (quiet) and then while a third uploads dense pages all
    at once (busy): their p90 upload-to-done in both runs, side by side."""
    image = default_image()

    def pair() -> dict:
        with ThreadPoolExecutor(max_workers=2) as pool:
            runs = list(pool.map(lambda _: run(stack, jobs_each, 1, time_cap, image), range(2)))
        latencies = sorted(lat for r in runs for lat in r["latencies"])
        return {"p50": round(pct(latencies, 0.5), 2), "p90": round(pct(latencies, 0.9), 2),
                "done": sum(r["done"] for r in runs), "sent": sum(r["sent"] for r in runs)}

    quiet = pair()
    pages = [(p.name, p.read_bytes(), "image/png") for p in dense]
    heavy_headers = login(stack, register(stack, email=f"dense-{uuid.uuid4().hex[:8]}@example.com", name="Dense"))
    job_ids = []
    for name, data, ctype in pages:  # the whole burst first: it queues ahead of the others
        r = request_upload(stack, heavy_headers, name, ctype, len(data), patience=60)
        send_file(r.json()["upload"], name, data, ctype)
        job_ids.append(r.json()["job_id"])
    busy = pair()
    deadline = time.monotonic() + time_cap
    ended = 0
    for job_id in job_ids:
        while time.monotonic() < deadline and get_job(stack, heavy_headers, job_id)["status"] not in ("done", "failed"):
            time.sleep(1)
        ended += 1
    return {"quiet": quiet, "busy": busy, "dense_pages": len(pages), "dense_ended": ended}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", help="a running API on loopback (default: start the local stack)")
    ap.add_argument("--jobs", type=int, default=20)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--time-cap", type=float, default=600.0, help="seconds for the whole run")
    ap.add_argument("--image", type=Path, help="an image to upload (default: a sign drawn by code)")
    ap.add_argument("--fairness", action="store_true",
                    help="two users' signs alone, then beside a third user's burst of dense pages")
    ap.add_argument("--datasets", type=Path, default=ROOT.parent / "shared" / "datasets")
    ap.add_argument("--dense-pages", type=int, default=8, help="--fairness: FUNSD pages in the burst")
    args = ap.parse_args(argv)
    if args.fairness:
        return main_fairness(args)
    if not 1 <= args.jobs <= 500 or not 1 <= args.concurrency <= 32:
        ap.error("--jobs must be 1..500 and --concurrency 1..32")
    image = default_image()
    if args.image:
        ctype = {".png": "image/png", ".webp": "image/webp"}.get(args.image.suffix.lower(), "image/jpeg")
        image = (args.image.name, args.image.read_bytes(), ctype)
    if args.url:
        if not is_loopback(args.url):
            ap.error("loopback addresses only")
        stack = SimpleNamespace(api_url=args.url.rstrip("/"), log_tail=lambda n=60: "(no stack log with --url)")
        figures = run(stack, args.jobs, args.concurrency, args.time_cap, image)
    else:
        from infra.local.process import StackProcess

        with tempfile.TemporaryDirectory() as tmp, \
                StackProcess(Path(tmp) / "state", Path(tmp) / "stack.log") as stack:
            print(f"local stack up at {stack.api_url}", flush=True)
            figures = run(stack, args.jobs, args.concurrency, args.time_cap, image)
    print(f"load: {figures['jobs']} uploads ({len(image[1]) // 1024} KB {image[0]}), "
          f"{figures['concurrency']} concurrent clients, {figures['wall_s']} s")
    print(f"  done {figures['done']}, failed {figures['failed']}, lost {figures['lost']}, "
          f"upload errors {figures['upload_errors']}, not sent (time cap) {figures['not_sent']}")
    print(f"  throughput {figures['throughput_per_min']} jobs/min")
    if figures["latency_s"]:
        lat = figures["latency_s"]
        print(f"  upload-to-done p50 {lat['p50']} s, p90 {lat['p90']} s, p99 {lat['p99']} s")
    print("  worker stages (median ms): " + ", ".join(f"{k} {v:.0f}"
                                                     for k, v in figures["worker_stage_median_ms"].items()))
    return 1 if figures["lost"] or figures["failed"] or figures["upload_errors"] or figures["not_sent"] else 0


def main_fairness(args) -> int:
    from infra.local.process import StackProcess

    dense = sorted((args.datasets / "funsd-test" / "images").glob("*.png"))[:args.dense_pages]
    if not dense:
        raise SystemExit(f"no FUNSD pages under {args.datasets}: pass --datasets")
    jobs_each = max(1, args.jobs // 4)
    with tempfile.TemporaryDirectory() as tmp, \
            StackProcess(Path(tmp) / "state", Path(tmp) / "stack.log") as stack:
        figures = fairness(stack, dense, jobs_each, args.time_cap)
    q, b = figures["quiet"], figures["busy"]
    ratio = b["p90"] / q["p90"] if q["p90"] else float("inf")
    print(f"fairness: two users, {jobs_each} signs each, one at a time; a third uploads {figures['dense_pages']} "
          f"dense FUNSD pages at once before the second round ({figures['dense_ended']} ended)")
    print(f"  quiet: p50 {q['p50']} s, p90 {q['p90']} s ({q['done']}/{q['sent']} done)")
    print(f"  beside the burst: p50 {b['p50']} s, p90 {b['p90']} s ({b['done']}/{b['sent']} done)")
    print(f"  p90 beside the burst / quiet: {ratio:.2f} (goal <= 2.0: {'PASS' if ratio <= 2.0 else 'FAIL'})")
    return 0 if ratio <= 2.0 and b["done"] == b["sent"] else 1


if __name__ == "__main__":
    sys.exit(main())
