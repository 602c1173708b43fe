"""Peak memory, time and outcome of the worker's kind function on each hostile file.

    .venv/bin/python -m bench.hostile                  # every file of tests/hardening/hostile.py
    .venv/bin/python -m bench.hostile nested-forms-6   # some of them, by name

Each file runs in a fresh process, the way the worker runs a job:
`chalicelib.kinds.get(kind).run(data, deadline=...)` with one invocation's time (the worker's
timeout less a margin to store). A file that is a book (kinds.base.IsBook) is surveyed there and
then read as a worker reads one shard of it: its first full-size reading shard (kinds.page.book), since
each shard is bounded, not the book. Peak memory: the worker process's own peak RSS, its child
processes' (the decoding sandbox, whose own cap is settings.limits.decode_memory_mb), and the whole
tree's (sampled every 50 ms, and never less than either), beside the goal (under 1 GB). It
prints figures and asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

GOAL_MB = 1024
TURN_SECONDS = 110  # the worker's 120 s less what storing the outputs needs


def run_one(name: str) -> dict:
    """In the child: run the file's kind once and say how it ended."""
    from chalicelib import kinds, settings
    from chalicelib.errors import PageVoiceError
    from chalicelib.kinds import plan
    from chalicelib.kinds.base import IsBook
    from chalicelib.kinds.page import book
    from tests.hardening import hostile
    from tests.hardening.test_hostile import cut_short

    case = hostile.by_name(name)
    data = case.data
    kind = kinds.get(case.kind)
    started = time.monotonic()
    try:
        outputs = kind.run(data, deadline=started + TURN_SECONDS, content_type=case.content_type)
        cut = ", cut short" if cut_short(outputs.result) else ""
        outcome = f"more (continued next turn){cut}" if outputs.more else f"done{cut}"
    except IsBook as signal:
        survey = signal.survey
        shard = max(plan.reading(survey.pages, settings.get().books.shard_pages), key=lambda p: p.end - p.first)
        first, end = shard.first, shard.end
        read = book.read_pages(data, first, end, deadline=started + TURN_SECONDS)
        outcome = (f"a book of {survey.pages} pages ({survey.pages_in_file} counted); its shard of pages "
                   f"{first + 1}-{end}: {len(read.pages)} read, {len(read.failed)} unreadable")
    except PageVoiceError as exc:
        outcome = f"failed: {exc}"
    seconds = time.monotonic() - started
    # A document that points at the local canary server: what was asked of it.
    fetched = hostile.canary().requests if hostile.canary.cache_info().currsize else None
    if fetched:
        outcome = f"FETCHED {fetched[:3]}; {outcome}"
    elif fetched is not None:
        outcome = f"nothing fetched; {outcome}"
    return {"outcome": outcome, "seconds": round(seconds, 1),
            "self_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "children_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


def measure(name: str) -> dict:
    """In the parent: one fresh process for the file, its tree's memory sampled as it runs."""
    import psutil

    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "bench.hostile", "--one", name], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    sampled = 0
    root = psutil.Process(proc.pid)
    while proc.poll() is None:
        try:
            tree = [root, *root.children(recursive=True)]
            sampled = max(sampled, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.05)
    out = proc.stdout.read().decode()
    row = json.loads(out.splitlines()[-1]) if proc.returncode == 0 and out.strip() else {
        "outcome": f"crashed (exit {proc.returncode})", "seconds": round(time.monotonic() - started, 1),
        "self_mb": 0.0, "children_mb": 0.0}
    row["tree_mb"] = max(sampled / 2 ** 20, row["self_mb"], row["children_mb"])
    return row


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="hostile files by name (default: all)")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # the child's side
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(args.one)), flush=True)
        return
    from tests.hardening import hostile

    names = args.names or [h.name for h in hostile.hostiles()]
    print(f"{'file':28} {'kind':7} {'bytes':>9} {'worker':>7} {'sandbox':>7} {'tree MB':>7} {'goal':>6} "
          f"{'s':>6}  outcome")
    for name in names:
        case = hostile.by_name(name)
        row = measure(name)
        mark = "ok" if row["tree_mb"] < GOAL_MB else "OVER"
        print(f"{name:28} {case.kind:7} {len(case.data):>9} {row['self_mb']:>7.0f} {row['children_mb']:>7.0f} "
              f"{row['tree_mb']:>7.0f} {'<' + str(GOAL_MB):>6} {row['seconds']:>6.1f}  {mark:4} "
              f"{row['outcome'][:140]}", flush=True)


if __name__ == "__main__":
    main()
