"""Behaviour and speed of one commit against an earlier one, side by side in one run.

    .venv/bin/python -m bench.paired --base REV [--head HEAD] [--rounds 3] [--datasets ../shared/datasets]

For a change that should alter nothing a user sees (a refactoring): both commits are checked
out in temporary git worktrees (so commit the change first), and fresh worker-like processes
of each take turns (base, head, head, base, ...) on the same files of every kind: a FUNSD scan,
two ICDAR photos, a three-page scanned PDF, a photo of handwritten digits and a recording. Each
process imports the worker and runs each file through its kind (the first of each kind twice:
its first run pays for loading the engines), and reports its results with the timings taken
out. Printed: whether every result (and output file) is identical (where they part when not),
and per figure the median of each side and head / base, in wall seconds and in CPU seconds (the
process's threads and its ended children: the decoding sandbox). The machine is shared: only
the ratios within one run mean anything, and under other load the CPU seconds far more than the
wall seconds.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Runs inside a tree (base or head), as the worker does: import, then each file through its kind.
CHILD = r"""
import hashlib, json, resource, sys, time
t0 = time.monotonic()
from chalicelib import kinds
from chalicelib.jobs import worker  # noqa: F401  the worker's import cost is part of a cold start
t_import = time.monotonic() - t0

def strip(value):
    if isinstance(value, dict):
        return {k: strip(v) for k, v in value.items() if k != "timings_ms"}
    if isinstance(value, list):
        return [strip(v) for v in value]
    return value

def digest(outputs):
    files = {}
    for name, (body, _type) in sorted(outputs.files.items()):
        data = body if isinstance(body, bytes) else body.read()
        files[name] = hashlib.sha256(data).hexdigest()[:16]
    text = json.dumps(strip(outputs.result), sort_keys=True)
    return {"result": hashlib.sha256(text.encode()).hexdigest()[:16], "files": files, "text": text[:20000]}

def cpu():
    # This process's threads and its ended children (the decoding sandbox): what a busy machine's
    # other work changes far less than it changes wall time.
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime

report = {"import_s": t_import, "files": {}}
for item in json.loads(sys.argv[1]):
    kind, path = item["kind"], item["path"]
    data = open(path, "rb").read()
    runs, cpus = [], []
    for _ in range(1 + item.get("again", 0)):
        t, c = time.monotonic(), cpu()
        out = kinds.get(kind).run(data)
        runs.append(time.monotonic() - t)
        cpus.append(cpu() - c)
    report["files"][item["name"]] = {"cold_s": runs[0], "warm_s": runs[-1], "cold_cpu_s": cpus[0],
                                     "warm_cpu_s": cpus[-1], **digest(out)}
report["total_s"] = time.monotonic() - t0
report["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(report))
"""


def inputs(datasets: Path, workdir: Path) -> list[dict]:
    from PIL import Image

    funsd = sorted((datasets / "funsd-test" / "images").glob("*.png"))[:4]
    icdar = sorted((datasets / "icdar2015-dev" / "images").glob("*.jpg"))[:2]
    pdf = workdir / "three-scans.pdf"  # a 3-page document (issue 54: no slower than before books)
    pages = [Image.open(p).convert("RGB") for p in funsd[1:4]]
    buffer = io.BytesIO()
    pages[0].save(buffer, "PDF", save_all=True, append_images=pages[1:], resolution=100)
    pdf.write_bytes(buffer.getvalue())
    digits = sorted((datasets / "digits-dev" / "images").glob("*.jpg"))[:1]
    speech = sorted((datasets / "speech-dev" / "asr").glob("*.wav"))[:1]
    items = [("page", p) for p in [*funsd[:1], *icdar, pdf]] + [("digits", p) for p in digits]
    items += [("speech", p) for p in speech]
    # The first file of each kind runs twice: its first run pays the engines' loading.
    firsts = {kind: path for kind, path in reversed(items)}
    return [{"kind": kind, "path": str(path), "name": f"{kind}:{Path(path).name}", "again": int(firsts[kind] == path)}
            for kind, path in items]


def run_child(tree: Path, items: list[dict]) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree), "PAGEVOICE_TTS_DETERMINISTIC": "1"}
    out = subprocess.run([sys.executable, "-c", CHILD, json.dumps(items)], cwd=tree, env=env,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def compare(base: list[dict], head: list[dict]) -> list[str]:
    """Differences between the two sides' results (from their first runs)."""
    lines = []
    for name, b in base[0]["files"].items():
        h = head[0]["files"][name]
        if (b["result"], b["files"]) != (h["result"], h["files"]):
            lines.append(f"  DIFFERENT {name}: result {b['result']} -> {h['result']}, files {b['files']} -> {h['files']}")
            at = next((i for i, (x, y) in enumerate(zip(b["text"], h["text"])) if x != y),
                      min(len(b["text"]), len(h["text"])))
            lines.append(f"    where they part (character {at}):\n    base: ...{b['text'][max(0, at - 150):at + 250]}\n"
                         f"    head: ...{h['text'][max(0, at - 150):at + 250]}")
    return lines


def figures(reports: list[dict]) -> dict[str, float]:
    out = {"import (s)": [r["import_s"] for r in reports], "whole process (s)": [r["total_s"] for r in reports],
           "peak RSS (MB)": [r["peak_mb"] for r in reports]}
    for name in reports[0]["files"]:
        for unit, (cold, warm) in (("s", ("cold_s", "warm_s")), ("CPU s", ("cold_cpu_s", "warm_cpu_s"))):
            if cold not in reports[0]["files"][name]:
                continue
            first, last = ([r["files"][name][key] for r in reports] for key in (cold, warm))
            if first == last:
                out[f"{name} ({unit})"] = first
            else:
                out[f"{name} first run ({unit})"], out[f"{name} again ({unit})"] = first, last
    return {k: statistics.median(v) for k, v in out.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True, help="the commit to compare with (e.g. main~5)")
    parser.add_argument("--head", default="HEAD", help="the commit compared (commit the change first)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--datasets", type=Path, default=ROOT.parent / "shared" / "datasets")
    args = parser.parse_args()
    revs = {side: subprocess.run(["git", "rev-parse", "--short", rev], cwd=ROOT, capture_output=True, text=True,
                                 check=True).stdout.strip() for side, rev in (("base", args.base), ("head", args.head))}
    with tempfile.TemporaryDirectory(prefix="pv-paired-") as tmp:
        # Both sides from checkouts alike (same file system, bytecode compiled before timing):
        # where a tree lies was seen to change these figures by 15%.
        trees = {side: Path(tmp) / side for side in revs}
        for side, tree in trees.items():
            subprocess.run(["git", "worktree", "add", "--detach", "-q", str(tree), revs[side]], cwd=ROOT, check=True)
            subprocess.run([sys.executable, "-m", "compileall", "-q", "chalicelib"], cwd=tree, check=True)
        try:
            items = inputs(args.datasets.resolve(), Path(tmp))  # the children run in the trees, not here
            sides = {"base": [], "head": []}
            for round_no in range(args.rounds):
                order = ("base", "head") if round_no % 2 == 0 else ("head", "base")  # neither always goes first
                for side in order:
                    sides[side].append(run_child(trees[side], items))
                    print(f"round {round_no + 1}/{args.rounds} {side}: {sides[side][-1]['total_s']:.1f} s", flush=True)
        finally:
            for tree in trees.values():
                subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False)
    print(f"\nbase {revs['base']} against head {revs['head']}, {args.rounds} fresh processes each, taking turns; "
          f"load average {open('/proc/loadavg').read().split()[:3]}")  # noqa: SIM115 - read once
    diffs = compare(sides["base"], sides["head"])
    print("results and output files: " + ("identical on every file" if not diffs else "DIFFERENT"))
    print("\n".join(diffs))
    base, head = figures(sides["base"]), figures(sides["head"])
    print(f"  {'figure (median)':<44} {'base':>8} {'head':>8} {'head/base':>9}")
    for name in base:
        print(f"  {name:<44} {base[name]:>8.2f} {head[name]:>8.2f} {head[name] / base[name]:>9.2f}")


if __name__ == "__main__":
    main()
