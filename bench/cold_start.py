"""The worker's cold start as Lambda runs it: a fresh process, the worker's init, then the S3
event through `worker.lambda_handler` against a moto server over HTTP (the local AWS).

    .venv/bin/python -m bench.cold_start [--photo PATH] [--runs 5] [--variants now,voice-at-init]

Seconds from the process's start (Python's own start included) to: the end of init, the
first text stored (the result's first publish: S3 objects and the job record written), the
first audio part stored, and the handler's return. Variants alternate run by run, so a noisy
machine weighs on each alike:

- now: the shipped worker.
- voice-at-init: the voice starts loading in a low-priority thread at init, not held back
  while the first job makes its text (as before 2026-11-24).
- clients-in-handler: the AWS clients are built by the first job, not beside the models at init
  (as before 2026-11-24).
- before: both.

Goals (issue 26): first text <= 1.0 s after the event, first audio <= 3 s after the text.
Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.bench_stack import DEFAULT_PHOTO
from infra.local.process import ROOT

USER = "u-cold-bench"

# The child: everything a fresh worker container runs, timed from the interpreter's start
# (time.monotonic is system-wide, so the parent's clock at Popen is comparable).
CHILD = """
import json, sys, time
variant, bucket, key = sys.argv[1:4]
if variant in ("voice-at-init", "before"):  # not held back by the first job's text (worker._TextFirst)
    from chalicelib.kinds.base import Kind
    real = Kind.warm_in_background
    Kind.warm_in_background = lambda self, wait=None: real(self)
if variant in ("clients-in-handler", "before"):  # the AWS clients built by the first job, not at init
    from chalicelib import aws
    aws.warm_up = lambda: None
from chalicelib.jobs import worker
t_init = time.monotonic()
marks = {}
publish = worker._Publisher.publish
def timed(self, early):
    publish(self, early)
    marks.setdefault("audio" if early.files else "text", time.monotonic())
    marks.setdefault("cpu_" + ("audio" if early.files else "text"), time.process_time())
worker._Publisher.publish = timed
from chalicelib.jobs import events
class Context:
    def __init__(self): self.end = time.monotonic() + 300
    def get_remaining_time_in_millis(self): return int((self.end - time.monotonic()) * 1000)
t_event = time.monotonic()
out = worker.lambda_handler(events.s3_event(bucket, key), Context())
t_done = time.monotonic()
print(json.dumps({"init": t_init, "event": t_event, "text": marks.get("text"), "audio": marks.get("audio"),
                  "done": t_done, "outcome": out["outcomes"][0], "cpu_text": marks.get("cpu_text")}))
sys.stdout.flush()
import os; os._exit(0)
"""

VARIANTS = ("now", "voice-at-init", "clients-in-handler", "before")


def _job(photo: Path) -> tuple[str, str]:
    """A job record and its upload, as POST /uploads and the browser leave them."""
    from chalicelib import aws, settings
    from chalicelib.jobs import keys
    from chalicelib.jobs import table as jobs

    data = photo.read_bytes()
    record = jobs.create(USER, filename=photo.name, size=len(data), kind="page",
                         content_type="image/png" if photo.suffix.lower() == ".png" else "image/jpeg")
    key = keys.upload_key(USER, record["job_id"])
    aws.s3().put_object(Bucket=settings.get().aws.bucket, Key=key, Body=data)
    return settings.get().aws.bucket, key


def _env(endpoint: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k.startswith(("PAGEVOICE_", "LANG", "HOME"))}
    return {**env, "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "AWS_LAMBDA_FUNCTION_NAME": "bench",
            "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1"}


def run(photo: Path, runs: int, variants: tuple[str, ...]) -> dict[str, list[dict]]:
    from moto.server import ThreadedMotoServer

    from chalicelib import aws
    from infra.local.bootstrap import ensure_resources

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # a line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{server.get_host_and_port()[1]}"
    os.environ.update({"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing",
                       "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"})
    aws.reset()
    marks: dict[str, list[dict]] = {v: [] for v in variants}
    try:
        ensure_resources()
        for _ in range(runs):
            for variant in variants:
                bucket, key = _job(photo)
                t0 = time.monotonic()
                out = subprocess.run([sys.executable, "-c", CHILD, variant, bucket, key], cwd=ROOT,
                                     capture_output=True, text=True, env=_env(endpoint))
                if out.returncode != 0:
                    sys.exit(f"the {variant} worker failed:\n{out.stderr[-3000:]}")
                got = json.loads(out.stdout.strip().splitlines()[-1])
                marks[variant].append({**{k: got[k] - t0 for k in ("init", "text", "audio", "done")},
                                        "cpu_text": got["cpu_text"]})
    finally:
        server.stop()
    return marks


def report(marks: dict[str, list[dict]], photo: Path) -> None:
    keys = ("init", "text", "audio", "done")
    runs = len(next(iter(marks.values())))
    print(f"worker cold start, {photo.name}, {runs} fresh processes per variant, taking turns; median seconds "
          f"from the process's start ({os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}):")
    print(f"  {'variant':<18} {'init':>6} {'text':>6} {'audio':>6} {'audio-text':>10} {'done':>6} {'CPU s to text':>13}"
          "  text per run")
    for variant, runs_ in marks.items():
        med = {k: statistics.median(m[k] for m in runs_) for k in (*keys, "cpu_text")}
        gap = statistics.median(m["audio"] - m["text"] for m in runs_)
        each = " ".join(f"{m['text']:.2f}" for m in runs_)
        print(f"  {variant:<18} {med['init']:>6.2f} {med['text']:>6.2f} {med['audio']:>6.2f} {gap:>10.2f} "
              f"{med['done']:>6.2f} {med['cpu_text']:>13.2f}  {each}")
    print("  goals: first text <= 1.0 s after the event; first audio <= 3 s after the text. CPU s: the process's, all\n"
          "  its threads (onnxruntime uses 2): on a busy machine the wall seconds grow, the CPU seconds do not")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--photo", type=Path, default=DEFAULT_PHOTO)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--variants", default=",".join(VARIANTS))
    args = ap.parse_args()
    if not args.photo.exists():
        sys.exit(f"no photo at {args.photo}: pass --photo PATH (or put ../shared/datasets beside the repo)")
    variants = tuple(v for v in args.variants.split(",") if v)
    report(run(args.photo, args.runs, variants), args.photo)


if __name__ == "__main__":
    main()
