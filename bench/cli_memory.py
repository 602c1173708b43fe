"""The command line's memory on a book (issue 74 part 3): peak resident memory of
`python -m chalicelib process BOOK.pdf --no-audio --out DIR` (chalicelib.cli_book: the service's
shards in a pool of this machine's processes) on a generated 100-page and 1,000-page PDF with a
text layer, side by side. Flat is the goal: no process holds the whole book.

    .venv/bin/python -m bench.cli_memory                # ~2 minutes on 2 cores
    .venv/bin/python -m bench.cli_memory --pages 100 300 --workers 2

The process tree is sampled with psutil every 50 ms: the peak of the parent alone, the peak of
any one of its descendants (a pool worker, or the decoding sandbox a worker opens the PDF in),
and the peak of the whole tree's sum at one sample (what the machine must hold at once). The
pages are Helvetica lines of words that differ from page to page (tests/media/documents.py's
hand-written PDF), each read from its text layer and rendered to its page image as the service
reads a book's page.
"""
from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
WORDS = ["harbour", "lantern", "meadow", "orchard", "pebble", "quarry", "raven", "saddle", "timber", "willow", "river",
         "stone", "garden", "window", "morning", "silver", "journey", "amber", "cobalt", "driftwood", "falcon"]
MIB = 2 ** 20


def book_pdf(pages: int) -> bytes:
    """`pages` pages of ~20 lines each, every line its own words."""
    from tests.media import documents as docs

    rng = random.Random(pages)
    made = []
    for i in range(pages):
        lines = [" ".join(rng.choice(WORDS) for _ in range(8)).capitalize() + "." for _ in range(20)]
        made.append(docs.TextPage([f"Chapter {i + 1}", *lines], font_size=11, at=(72, 60)))
    return docs.text_pdf(made)


def peaks(cmd: list[str], every: float = 0.05) -> dict:
    """Run `cmd`; the peaks of its process tree's resident memory (bytes) and its wall time."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    top = psutil.Process(proc.pid)
    parent = child = tree = 0
    processes = set()
    while proc.poll() is None:
        try:
            own = top.memory_info().rss
            kids = top.children(recursive=True)
        except psutil.NoSuchProcess:
            break
        sizes = []
        for kid in kids:
            try:
                sizes.append(kid.memory_info().rss)
                processes.add(kid.pid)
            except psutil.NoSuchProcess:
                pass
        parent, child, tree = max(parent, own), max([child, *sizes]), max(tree, own + sum(sizes))
        time.sleep(every)
    err = proc.stderr.read().decode(errors="replace")
    if proc.wait() != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{err}")
    return {"parent": parent, "child": child, "tree": tree, "processes": len(processes) + 1,
            "seconds": time.perf_counter() - t0}


def measure(pages: int, workers: int | None, folder: Path) -> dict:
    pdf = folder / f"book-{pages}.pdf"
    pdf.write_bytes(book_pdf(pages))
    cmd = [sys.executable, "-m", "chalicelib", "process", str(pdf), "--no-audio", "--out", str(folder / f"out-{pages}")]
    if workers:
        cmd += ["--workers", str(workers)]
    found = peaks(cmd)
    found |= {"pages": pages, "pdf_bytes": len(pdf.read_bytes())}
    return found


def table(rows: list[dict]) -> str:
    head = "| | " + " | ".join(f"{r['pages']:,} pages" for r in rows) + " |"
    lines = [head, "|---|" + "---|" * len(rows)]
    for label, key, fmt in (("PDF size", "pdf_bytes", lambda v: f"{v / MIB:.1f} MiB"),
                            ("wall time", "seconds", lambda v: f"{v:.0f} s"),
                            ("processes seen", "processes", str),
                            ("peak RSS, parent", "parent", lambda v: f"{v / MIB:.0f} MiB"),
                            ("peak RSS, largest child", "child", lambda v: f"{v / MIB:.0f} MiB"),
                            ("peak RSS, whole tree at once", "tree", lambda v: f"{v / MIB:.0f} MiB")):
        lines.append(f"| {label} | " + " | ".join(fmt(r[key]) for r in rows) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, nargs="+", default=[100, 1000])
    ap.add_argument("--workers", type=int, default=None, help="the CLI's --workers (default: its own, the cores)")
    args = ap.parse_args(argv)
    print(f"{os.cpu_count()} cores; workers: {args.workers or 'default (cores)'}", flush=True)
    with tempfile.TemporaryDirectory(prefix="pagevoice-cli-memory-") as tmp:
        rows = [measure(n, args.workers, Path(tmp)) for n in args.pages]
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
