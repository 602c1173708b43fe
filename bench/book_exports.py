"""The whole-book exports' builders (chalicelib.books: mp3, m4b, chapters, epub_book): peak memory
and time on a 100-page and a 1,000-page book, and whether the peaks are within 10% of each other
(issue 57: memory bounded whatever the length). `python -m bench.book --exports` runs it.

    .venv/bin/python -m bench.book_exports            # ~6 minutes on 2 cores (the M4B encodes 5.6 h)
    .venv/bin/python -m bench.book_exports --check    # and EPUBCheck and Ace on the 1,000-page EPUB (~25 min)
    .venv/bin/python -m bench.book_exports --mixed --formats mp3,chapters   # every third part at 24 kHz

The books are synthetic (tests/books/bookjob.py `synthetic`): pages as the reading shards store
them (20 chapter headings a book, three paragraphs of two lines a page, a printed page number),
a recording part of 20 s a page made by the worker's MP3 writer (media.audio.RecordingWriter:
LAME, 48 kbit/s, three such parts in turn, of noise as loud as a voice: silence would make the
M4B's AAC, and so what its builder holds, far smaller than a book's; with `--mixed` the second
of the three at Kokoro's 24 kHz, a book in two voices, whose MP3 and chapters encode those parts
again at 22,050 Hz) with its word and sentence timings, and the index's head as
jobs.book.build_index writes it. They are written into S3 (moto's server, a process of its
own) as a book's shards leave them, and each builder reads them from there as the export's task does
(books.export._of_parts: a part's first 4 KB by a ranged GET, each part, its timings, the pages
files), its pieces counted and dropped (the task streams them into an S3 multipart upload).

Each (format, book) runs in a process of its own, the book stored before measuring; measured
while the builder runs (once the task has read the book's index and the start of its text, its
inputs: the index is printed, ~0.8 KB a part): Python's allocations (tracemalloc's peak: the
builder's own objects, not FFmpeg's) and the process's resident memory sampled every 10 ms
(psutil: its peak over what it was when the build started, FFmpeg's encoder included). Asserts
nothing; prints a table.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FORMATS = ("mp3", "m4b", "chapters", "epub")
BOOKS = (100, 1000)
PART_SECONDS = 20.0
BUCKET = "bench-book-exports"
CHAPTERS = 20  # in each book: a heading every 5 pages of 100, every 50 of 1,000 (a format keeps up to 255)
SAMPLE_S = 0.01
MIXED_RATES = (22050, 24000, 22050)  # --mixed: piper's English and, every third part, Kokoro's voice


def _store(s3, pages: int, mixed: bool = False) -> None:
    """The synthetic book written into S3 as its shards leave it, under prefix(pages); `mixed`:
    every third part at 24 kHz."""
    from chalicelib.jobs import book_files, growing
    from tests.books import bookjob

    at = prefix(pages)
    head, mp3s, shards, texts, timings = bookjob.synthetic(pages, part_seconds=PART_SECONDS,
                                                           chapter_every=pages // CHAPTERS, noise=True,
                                                           rates=MIXED_RATES if mixed else (22050,) * 3)
    for part, data, timing in zip(head["speech"]["parts"], mp3s, timings, strict=True):
        s3.put_object(Bucket=BUCKET, Key=at + part["file"], Body=data)
        s3.put_object(Bucket=BUCKET, Key=at + part["timings"], Body=growing.encode(timing))
    page_files, text_files = [], []
    for r, (shard, text) in enumerate(zip(shards, texts, strict=True)):
        body, text_body = growing.encode(shard), json.dumps(text).encode()
        s3.put_object(Bucket=BUCKET, Key=at + book_files.PAGES_FILE.format(r), Body=body)
        s3.put_object(Bucket=BUCKET, Key=at + book_files.TEXT_FILE.format(r), Body=text_body)
        page_files.append({"name": book_files.PAGES_FILE.format(r), "count": len(shard), "bytes": len(body)})
        text_files.append({"name": book_files.TEXT_FILE.format(r), "bytes": len(text_body)})
    index = book_files._index(head, "pages", page_files, text_files)
    s3.put_object(Bucket=BUCKET, Key=at + growing.INDEX, Body=growing.encode(index))


def prefix(pages: int) -> str:
    return f"results/u/book-{pages}/"


def client(endpoint: str):
    import boto3

    return boto3.client("s3", region_name="us-east-1", endpoint_url=endpoint, aws_access_key_id="bench",
                        aws_secret_access_key="bench")


def child(fmt: str, pages: int, endpoint: str, keep: str | None) -> dict:
    """One builder on one book, in this process, the book read from the S3 at `endpoint`: what
    it measured."""
    import gc
    import tracemalloc

    import psutil

    from chalicelib.books import FORMATS as BOOK_FORMATS
    from chalicelib.books import HEAD_BYTES, TEXT_CHARS, book_builder, export
    from chalicelib.jobs import growing

    s3, at = client(endpoint), prefix(pages)

    def read(name: str) -> bytes:
        return s3.get_object(Bucket=BUCKET, Key=at + name)["Body"].read()

    process = psutil.Process()
    peak_rss, stop = [0], threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak_rss[0] = max(peak_rss[0], process.memory_info().rss)
            time.sleep(SAMPLE_S)

    read(growing.INDEX)  # (the client's first request sets it up: not the builder's)
    t0, cpu0 = time.perf_counter(), time.process_time()
    # As books.export._of_parts does: the index, the start of the text, then the builder.
    raw = read(growing.INDEX)
    index = json.loads(raw)
    head = index["result"]
    parts = head["speech"]["parts"]
    text = export.opening_text(index, read)

    def read_pages():
        for part in index["parts"]:
            if part["path"] == ["pages"]:
                for f in part["files"]:
                    yield from json.loads(read(f["name"]))

    gc.collect()
    before = process.memory_info().rss  # the index and the text read: the builder's inputs
    peak_rss[0] = before
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    tracemalloc.start()
    fmt_ = BOOK_FORMATS[fmt]
    of_text = {"read_pages": read_pages, "read_timings": lambda k: json.loads(read(parts[k]["timings"]))} \
        if fmt_.of_text else {}
    pieces = book_builder(fmt_)(
        head, text[:TEXT_CHARS + 1],
        lambda k: s3.get_object(Bucket=BUCKET, Key=at + parts[k]["file"],
                                Range=f"bytes=0-{HEAD_BYTES - 1}")["Body"].read(),
        lambda k: read(parts[k]["file"]), title="A synthetic book", **of_text)
    size = 0
    out = open(keep, "wb") if keep else None  # noqa: SIM115 - closed below
    try:
        for piece in pieces:
            size += len(piece)
            if out:
                out.write(piece)
    finally:
        if out:
            out.close()
    seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    _, traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    stop.set()
    sampler.join()
    return {"format": fmt, "pages": pages, "parts": len(parts), "chapters": len(head["chapters"]),
            "recording_h": round(len(parts) * PART_SECONDS / 3600, 2), "bytes": size, "seconds": round(seconds, 2),
            "cpu_s": round(cpu, 2), "traced_peak": traced, "rss_rise": peak_rss[0] - before, "rss_before": before,
            "index_bytes": len(raw)}


def moto_server():
    """moto's S3 in a process of its own (what it stores is not the builders' memory): (its
    process, its endpoint)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            client(endpoint).list_buckets()
            return server, endpoint
        except Exception:  # noqa: BLE001 - not listening yet
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("moto's server did not start")


def run(fmt: str, pages: int, endpoint: str, keep: str | None = None) -> dict:
    args = [sys.executable, "-m", "bench.book_exports", "--child", fmt, str(pages), "--s3", endpoint] + \
        (["--keep", keep] if keep else [])
    done = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(f"{fmt} of {pages} pages failed: {done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def check(path: Path) -> None:
    """EPUBCheck's and Ace's counts on the EPUB at `path`, and how long each took."""
    from tests.books import epubtools

    t0 = time.perf_counter()
    report = epubtools.epubcheck(path)
    c = report["checker"]
    print(f"- EPUBCheck 5.3 on the 1,000-page EPUB: {c['nFatal']} fatal, {c['nError']} errors, {c['nWarning']} "
          f"warnings ({time.perf_counter() - t0:.0f} s){'; ' + '; '.join(epubtools.problems(report)[:5]) if c['nError'] else ''}")
    t0 = time.perf_counter()
    outdir = path.parent / "ace"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(outdir)}
    from tests import chromium

    env["PUPPETEER_EXECUTABLE_PATH"] = chromium.executable(chromium.FULL)
    subprocess.run([os.environ.get("NODE", "node"), str(epubtools.ACE), "--silent", "--force", "--outdir", str(outdir),
                    str(path)], capture_output=True, text=True, env=env, cwd=ROOT, timeout=7200)
    ace = json.loads((outdir / "report.json").read_text())
    serious, lesser = epubtools.violations(ace), epubtools.violations(ace, ("minor", "moderate"))
    print(f"- Ace 1.4 on the 1,000-page EPUB: {len(ace['assertions'])} documents, {len(serious)} serious or critical, "
          f"{len(lesser)} minor or moderate ({time.perf_counter() - t0:.0f} s){': ' + serious[0] if serious else ''}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--child", nargs=2, metavar=("FORMAT", "PAGES"), help=argparse.SUPPRESS)
    ap.add_argument("--keep", help=argparse.SUPPRESS)
    ap.add_argument("--s3", help=argparse.SUPPRESS)
    ap.add_argument("--check", action="store_true", help="EPUBCheck and Ace on the 1,000-page EPUB")
    ap.add_argument("--mixed", action="store_true", help="every third part at 24 kHz (a book in two voices)")
    ap.add_argument("--formats", default=",".join(FORMATS), help="which builders (default: all)")
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child[0], int(args.child[1]), args.s3, args.keep)))
        return 0
    from bench.machine import commit, load

    print(f"# bench.book_exports at {commit()}, {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, "
          f"{os.cpu_count()} CPUs, load average {load()}")
    print(f"- synthetic books: a part of {PART_SECONDS:.0f} s a page (48 kbit/s MP3s of noise"
          f"{', every third at 24 kHz, the others 22,050 Hz' if args.mixed else ''}), {CHAPTERS} chapters each; "
          "each (format, book) in a process of its own, read from moto's S3 server (another process), its pieces "
          "counted and dropped")
    print("\n| format | pages | parts | recording | index | book | time (CPU) | Python peak (tracemalloc) | RSS rise |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    found: dict[tuple[str, int], dict] = {}
    server, endpoint = moto_server()
    try:
        s3 = client(endpoint)
        s3.create_bucket(Bucket=BUCKET)
        for pages in BOOKS:
            _store(s3, pages, args.mixed)
        results(args, endpoint, found)
    finally:
        server.terminate()
        server.wait(30)
    return 0


def results(args, endpoint: str, found: dict) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        epub = Path(tmp) / "thousand.epub"
        formats = [f for f in FORMATS if f in args.formats.split(",")]
        for fmt in formats:
            for pages in BOOKS:
                r = run(fmt, pages, endpoint, str(epub) if (fmt, pages) == ("epub", 1000) and args.check else None)
                found[(fmt, pages)] = r
                print(f"| {fmt} | {pages:,} | {r['parts']:,} | {r['recording_h']:.1f} h | {r['index_bytes'] / 1e6:.2f} MB | "
                      f"{r['bytes'] / 1e6:.1f} MB | "
                      f"{r['seconds']:.1f} s ({r['cpu_s']:.1f}) | {r['traced_peak'] / 1e6:.2f} MB | "
                      f"{r['rss_rise'] / 1e6:.1f} MB |", flush=True)
        print("\n1,000 pages against 100 (the same within 10%?):")
        for fmt in formats:
            a, b = found[(fmt, 100)], found[(fmt, 1000)]
            traced = b["traced_peak"] / a["traced_peak"]
            print(f"- {fmt}: Python peak {traced:.2f}x ({'within' if abs(traced - 1) <= 0.10 else 'NOT within'} 10%), "
                  f"RSS rise {a['rss_rise'] / 1e6:.1f} -> {b['rss_rise'] / 1e6:.1f} MB")
        if args.check:
            check(epub)


if __name__ == "__main__":
    sys.exit(main())
