"""Bytes written to S3 for a 50-page document, beside its final outputs (goal: at most 3x).

    .venv/bin/python -m bench.result_growth [--pages 50] [--words 600] [--speech-seconds 300]

A dense text-layer PDF (`--words` a page, read from its text layer: no OCR) goes through the
worker's handler (chalicelib.jobs.worker.lambda_handler, in turns of the worker's timeout as the
local bridge runs them) against moto in-process. Every PUT and multipart part the S3 client
sends is counted, and the kept source's server-side copy; the final outputs are the objects
left under results/{user}/{job}/ (the kept source aside). The recording is capped at
`--speech-seconds` to keep the run short (its parts, speech.wav and speech.mp3 are counted like
everything else); the result alone is printed too, beside what writing the whole result at
each publish (before results grew by parts) would have written.
"""
from __future__ import annotations

import argparse
import os
import resource
import time
from urllib.parse import unquote, urlsplit

for name, value in {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1"}.items():
    os.environ.setdefault(name, value)
os.environ.pop("AWS_ENDPOINT_URL", None)  # moto in-process: never a real endpoint

TEXT = ("the committee thanks every member for the careful reading of the annual report and asks "
        "for comments on the budget before the meeting in March")
USER = "bench-user"


def dense_pdf(pages: int, words: int) -> bytes:
    from tests.media import documents as docs

    per_line, vocabulary = 14, TEXT.split()
    lines = [" ".join(vocabulary[(i * 7 + k) % len(vocabulary)] for k in range(per_line)) for i in range(words // per_line)]
    return docs.text_pdf([docs.TextPage(lines, font_size=7, at=(30, 30)) for _ in range(pages)])


class Counter:
    """Bytes of each S3 write by key (botocore's before-send event: what goes on the wire)."""

    def __init__(self, s3, bucket: str):
        self.bucket, self.by_key = bucket, {}
        s3.meta.events.register("before-send.s3.*", self.count)

    def count(self, request, **kw):
        if request.method != "PUT":
            return
        key = unquote(urlsplit(request.url).path).lstrip("/").removeprefix(f"{self.bucket}/")
        headers = {k.lower(): v for k, v in request.headers.items()}
        if "x-amz-copy-source" in headers:
            size = 0  # counted from the source's size below (a server-side copy sends no body)
        else:
            size = int(headers.get("x-amz-decoded-content-length") or headers.get("content-length")
                       or len(request.body or b""))
        self.by_key[key] = self.by_key.get(key, 0) + size


def group(key: str) -> str:
    name = key.rsplit("/", 1)[-1]
    if name.startswith("result"):
        return "result"
    if name.startswith("speech"):
        return "speech"
    return "pages" if name.startswith("page-") else name


def run(pages: int, words: int, speech_seconds: float, timeout: float) -> dict:
    from moto import mock_aws

    os.environ["PAGEVOICE_MAX_SPEECH_SECONDS"] = str(speech_seconds)
    with mock_aws():
        from chalicelib import aws, settings
        from chalicelib.jobs import events, keys, objects, worker
        from chalicelib.jobs import table as jobs
        from infra.local.bootstrap import ensure_resources
        from infra.local.slots import LambdaContext

        aws.reset()
        ensure_resources()
        bucket, s3 = settings.get().aws.bucket, aws.s3()
        data = dense_pdf(pages, words)
        record = jobs.create(USER, filename="dense.pdf", content_type="application/pdf", size=len(data))
        key = keys.upload_key(USER, record["job_id"])
        s3.put_object(Bucket=bucket, Key=key, Body=data)
        counter = Counter(s3, bucket)
        whole = {"bytes": 0, "publishes": 0}
        publish = worker._Publisher.publish

        def publish_and_measure(self, early):  # what the whole result each time would have been
            whole["bytes"] += len(objects.encode(early.result))
            whole["publishes"] += 1
            return publish(self, early)

        worker._Publisher.publish = publish_and_measure
        t0, outcomes = time.monotonic(), []
        while not outcomes or outcomes[-1] == "continued":
            outcomes += worker.lambda_handler(events.s3_event(bucket, key), LambdaContext(timeout))["outcomes"]
        seconds = time.monotonic() - t0
        worker._Publisher.publish = publish
        job = jobs.get(USER, record["job_id"])
        prefix = objects.job_prefix(USER, record["job_id"])
        final = {o["Key"]: o["Size"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix)["Contents"]}
        source = final.pop(prefix + "source")
        counter.by_key[prefix + "source"] = source
        summary = job.get("summary") or {}
    written: dict[str, int] = {}
    for k, size in counter.by_key.items():
        if k.startswith(prefix):
            written[group(k)] = written.get(group(k), 0) + size
    outputs: dict[str, int] = {}
    for k, size in final.items():
        outputs[group(k)] = outputs.get(group(k), 0) + size
    return {"status": job["status"], "turns": len(outcomes), "seconds": seconds, "pdf_bytes": len(data),
            "summary": summary, "written": written, "outputs": outputs, "whole": whole,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def report(r: dict) -> None:
    total_w, total_o = sum(r["written"].values()), sum(r["outputs"].values())
    s = r["summary"]
    print(f"{s.get('pages')} pages, {s.get('words', 0):,} words (PDF {r['pdf_bytes'] / 1024:.0f} KB): "
          f"{r['status']} in {r['turns']} invocation(s), {r['seconds']:.0f} s; peak RSS {r['peak_rss_mb']:.0f} MB")
    print(f"{'':10} {'written':>14} {'final':>14}")
    for name in sorted(set(r["written"]) | set(r["outputs"])):
        print(f"{name:10} {r['written'].get(name, 0):>14,} {r['outputs'].get(name, 0):>14,}")
    print(f"{'total':10} {total_w:>14,} {total_o:>14,}")
    print(f"bytes written / final outputs: {total_w / total_o:.2f}x (goal <= 3x)")
    result_w, result_o = r["written"].get("result", 0), r["outputs"].get("result", 1)
    print(f"the result alone: {result_w / result_o:.2f}x; the whole result at each of the "
          f"{r['whole']['publishes']} publishes would have been {r['whole']['bytes']:,} bytes "
          f"({r['whole']['bytes'] / result_o:.1f}x)")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--words", type=int, default=600, help="words a page")
    parser.add_argument("--speech-seconds", type=float, default=300.0, help="the recording's cap")
    parser.add_argument("--timeout", type=float, default=120.0, help="the worker's time per invocation")
    args = parser.parse_args(argv)
    report(run(args.pages, args.words, args.speech_seconds, args.timeout))


if __name__ == "__main__":
    main()
