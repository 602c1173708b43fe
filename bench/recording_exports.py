"""A long recording's book exports (issue 57: "exports of a long book: ... a 2-hour recording's"):
the MP3 and M4B with chapters, the ZIP of chapters and the EPUB 3 of its transcript, made by the
export task as it runs for a user (chalicelib.books.export.build, in-process moto) from a
20-minute and a 2-hour recording's windows, as their workers leave them (tests/books/recordingjob.py:
each window an MP3 of a hiss with a beep where its first word is, its transcript synthetic).
Prints each format's time and Python peak (tracemalloc) on both, whether each chapter mark of
the MP3 and the M4B is within 0.1 s of a beep (where the chapter is heard), and EPUBCheck's and
Ace's counts on the 2-hour EPUB. Asserts nothing.

    .venv/bin/python -m bench.recording_exports             # ~6 minutes on 2 cores
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FORMATS = ("mp3", "m4b", "chapters", "epub")
LENGTHS_MIN = (20, 120)
USER = "bench-recording"


def made(job_id: str, fmt: str) -> tuple[bytes, dict, float, int]:
    """The format's book of the job, made as the export task makes it: (its bytes, its state, the
    seconds it took, the Python peak while it was made)."""
    from chalicelib import settings
    from chalicelib.books import FORMATS as BOOK_FORMATS
    from chalicelib.books import export
    from chalicelib.jobs import objects
    from chalicelib.jobs import table as jobs

    state = export.start(jobs.get(USER, job_id), BOOK_FORMATS[fmt])
    tracemalloc.start()
    t0 = time.perf_counter()
    export.build(USER, job_id, fmt, state["build"])
    seconds = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    done = jobs.get(USER, job_id)[f"book_{fmt}"]
    assert done["status"] == "ready", done
    return objects.read_bytes(settings.get().aws.bucket, done["key"]), done, seconds, peak


def marks_heard(fmt: str, data: bytes, tmp: Path) -> tuple[int, int, float]:
    """(chapter marks, marks within 0.1 s of a beep, the farthest mark from one) of an MP3 or M4B."""
    from mutagen.mp4 import MP4

    from tests.books.test_m4b import onsets
    from tests.books.test_mp3 import chapters_of, tags_of

    if fmt == "mp3":
        starts = [start for start, _, title in chapters_of(tags_of(data, tmp))[1:]]  # (the first: the title's lead-in)
    else:
        path = tmp / "book.m4b"
        path.write_bytes(data)
        starts = [c.start for c in MP4(str(path)).chapters][1:]  # (the first holds the lead-in from 0)
    beeps = onsets(data)
    far = [min(abs(b - s) for b in beeps) for s in starts]
    return len(starts), sum(d < 0.1 for d in far), max(far, default=0.0)


def check(data: bytes, tmp: Path) -> str:
    from tests.books import epubtools

    path = tmp / "lecture.epub"
    path.write_bytes(data)
    t0 = time.perf_counter()
    c = epubtools.epubcheck(path)["checker"]
    checked = time.perf_counter() - t0
    t0 = time.perf_counter()
    ace = epubtools.ace(path, tmp / "ace")
    serious, lesser = epubtools.violations(ace), epubtools.violations(ace, ("minor", "moderate"))
    return (f"EPUBCheck {c['nFatal']} fatal, {c['nError']} errors, {c['nWarning']} warnings ({checked:.0f} s); "
            f"Ace {len(ace['assertions'])} documents, {len(serious)} serious or critical, {len(lesser)} minor or "
            f"moderate ({time.perf_counter() - t0:.0f} s){': ' + serious[0] if serious else ''}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--minutes", default=",".join(map(str, LENGTHS_MIN)), help="the recordings' lengths")
    args = ap.parse_args(argv)
    for name, value in (("AWS_ACCESS_KEY_ID", "bench"), ("AWS_SECRET_ACCESS_KEY", "bench"),
                        ("AWS_DEFAULT_REGION", "us-east-1"), ("PAGEVOICE_JWT_SECRET", "bench-" + "x" * 40)):
        os.environ.setdefault(name, value)
    from bench.book_exports import moto_server
    from bench.machine import commit, load
    from chalicelib import aws
    from infra.local.bootstrap import ensure_resources

    print(f"# bench.recording_exports at {commit()}, {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, "
          f"{os.cpu_count()} CPUs, load average {load()}")
    print("- synthetic long recordings (tests/books/recordingjob.py): windows of 30, 60, 120, 240 then 300 s, each "
          "its worker's 16 kHz MP3 with a beep at its first word; exports made by books.export.build in-process")
    print("\n| recording | format | windows | chapters heard within 0.1 s | farthest | book | time | Python peak |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    # moto's server in a process of its own, as the stack's: what it stores is not the builders' memory
    server, endpoint = moto_server()
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    try:
        with tempfile.TemporaryDirectory() as tmp_dir:
            aws.reset()
            ensure_resources()
            epub_check = _run(args, Path(tmp_dir))
    finally:
        server.terminate()
        server.wait(30)
    print(f"\n- the longest recording's EPUB: {epub_check}")
    return 0


def _run(args, tmp: Path) -> str:
    """Each recording's exports, a table row each: what EPUBCheck and Ace say of the longest's EPUB."""
    from tests.books import epubtools, recordingjob

    lengths = [int(m) for m in args.minutes.split(",")]
    epub_check = ""
    for minutes in lengths:
        job_id, cut, _ = recordingjob.finished_recording(USER, minutes * 60.0, filename=f"lecture-{minutes}.mp3")
        for fmt in FORMATS:
            data, _, seconds, peak = made(job_id, fmt)
            heard, far_s = "-", "-"
            if fmt in ("mp3", "m4b"):
                count, near, far = marks_heard(fmt, data, tmp)
                heard, far_s = f"{near} of {count}", f"{far:.3f} s"
            if fmt == "epub":
                heard = f"{len(epubtools.overlays(data)):,} words lit"
                if minutes == max(lengths):
                    epub_check = check(data, tmp)
            print(f"| {minutes} min | {fmt} | {len(cut)} | {heard} | {far_s} | {len(data) / 1e6:.1f} MB | "
                  f"{seconds:.1f} s | {peak / 1e6:.2f} MB |", flush=True)
            del data
    return epub_check


if __name__ == "__main__":
    sys.exit(main())
