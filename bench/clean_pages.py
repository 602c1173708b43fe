"""Seconds per clean page: PageVoice's default engine against Tesseract, paired in one run.

    .venv/bin/python -m bench.clean_pages [--datasets ../shared/datasets] [--base REV] [--limit N]
    .venv/bin/python -m bench.clean_pages --accuracy [--base REV]

Speed: `layout-dev`'s page images (clean 200 dpi scans of books, reports and papers) and the
FUNSD test pages (noisy ~100 dpi forms). Each engine stays loaded in its own long-lived process
(`bench.worker serve`: decode + read, as bench.run times them) and the processes take turns page
by page, the order rotating, after one untimed page each, with a pause before each turn so the
previous process's threads are idle: on the shared 2-core machine they meet the same background
load, so the ratios mean something where the seconds alone do not. With `--base REV` the
default engine of that commit (a temporary git worktree) takes its turns too: before and after
in the same run. Printed per dataset: median seconds per page, mean CPU seconds per page (all
threads; Tesseract's own process), and PageVoice / Tesseract (the median of the per-page
ratios; goal <= 1.0 on the clean pages), of wall seconds and of CPU seconds. What each side
does per page: PageVoice's default engine as configured (2 onnxruntime threads: the detector's
intra-op, the recogniser's batches side by side; on large print PP-OCRv6 tiny reads first and the
small recogniser only its unsure words, `PAGEVOICE_OCR_TINY`), Tesseract 5
(bench/tesseract.py: `eng`, grayscale PNG, page segmentation mode 11, `OMP_THREAD_LIMIT=1`,
one thread: its OpenMP build was ~4x slower on 2 shared cores without it; mode 3 took the
same CPU on layout-dev pages), both from the image file's bytes (decode included).

`--accuracy`: the default engine over FUNSD and ICDAR 2015 dev (bench.worker ocr, scored as
bench.run scores them: FUNSD end-to-end exact F1, ICDAR case-insensitive), for the working tree
and `--base`: a speed cut must keep both within 0.5 points.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import datasets
from bench.run import _ask, _finish, _score_engine
from bench.trees import worktree

REPO = Path(__file__).resolve().parents[1]
LAYOUT = "layout-dev"
PAUSE_S = 1.0  # before each turn: the previous process's onnxruntime threads go idle


def layout_items(root: Path) -> list[datasets.Item]:
    """layout-dev's page images (no word truth here: this set is for speed)."""
    pages = sorted((root / LAYOUT / "pages").glob("*.webp"))
    return [datasets.Item(LAYOUT, p.stem, p) for p in pages]




def _env(tree: Path) -> dict:
    return {**os.environ, "PYTHONPATH": str(tree), "OMP_THREAD_LIMIT": "1"}  # chalicelib.engines keeps ORT offline


def serve(tree: Path, engine: str) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "bench.worker", "serve", "--engine", engine], cwd=tree,
                            env=_env(tree), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, bufsize=1)
    if not proc.stdout.readline():
        proc.kill()
        raise RuntimeError(f"{engine} ({tree}) did not start")
    return proc


def paired(sides: dict[str, tuple[Path, str]], items: list[datasets.Item]) -> dict[str, list[dict]]:
    """Each side (tree, engine) in its own process; turns page by page, the order rotating."""
    procs = {}
    try:
        for name, (tree, engine) in sides.items():
            procs[name] = serve(tree, engine)
        for proc in procs.values():  # untimed: a process's first page pays its first allocations
            _ask(proc, items[0])
        rows: dict[str, list[dict]] = {name: [] for name in procs}
        names = list(procs)
        for i, item in enumerate(items):
            order = names[i % len(names):] + names[:i % len(names)]
            for name in order:
                time.sleep(PAUSE_S)
                rows[name].append(_ask(procs[name], item))
            print(f"  {item.dataset}/{item.name}: "
                  + ", ".join(f"{n} {rows[n][-1]['seconds']:.2f} s" for n in names), flush=True)
        for proc in procs.values():
            _finish(proc)
        return rows
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()


def _ratio(a: list[dict], b: list[dict], field: str) -> float:
    """The median of the per-page ratios a / b of `field`."""
    return statistics.median(x[field] / y[field] for x, y in zip(a, b) if y[field] > 0)


def speed_table(rows: dict[str, list[dict]], peer: str = "tesseract") -> str:
    """Per dataset: each side's median seconds (wall) and mean CPU seconds per page, then each
    side's ratios to `peer`: wall (what a user waits; the goal) and CPU (what the machine pays)."""
    by_ds: dict[str, dict[str, list[dict]]] = {}
    for name, rs in rows.items():
        for r in rs:
            by_ds.setdefault(r["key"].split("/")[0], {}).setdefault(name, []).append(r)
    others = [n for n in rows if n != peer]
    out = [f"| dataset | pages | {' | '.join(f'{n} s/page (median) / CPU s' for n in rows)} | "
           + " | ".join(f"{n} / {peer}" for n in others) + " | "
           + " | ".join(f"{n} / {peer} CPU" for n in others) + " |",
           "|---|---|" + "---|" * (len(rows) + 2 * len(others))]
    for ds, sides in by_ds.items():
        cells = [f"{statistics.median(r['seconds'] for r in sides[n]):.2f} / "
                 f"{statistics.mean(r['cpu_seconds'] for r in sides[n]):.2f}" for n in rows]
        ratios = [f"{_ratio(sides[n], sides[peer], field):.2f}" for field in ("seconds", "cpu_seconds") for n in others]
        out.append(f"| {ds} | {len(sides[peer])} | {' | '.join(cells)} | {' | '.join(ratios)} |")
    return "\n".join(out)


def accuracy(tree: Path, root: Path, work: Path) -> dict:
    """The default engine over FUNSD and ICDAR dev in a fresh process of `tree`, scored."""
    items = [it for ds in datasets.DATASETS for it in datasets.load(root, ds)]
    manifest, out = work / "manifest.json", work / f"ocr-{tree.name}.json"
    manifest.write_text(json.dumps([{"key": f"{it.dataset}/{it.name}", "image": str(it.image)} for it in items]))
    subprocess.run([sys.executable, "-m", "bench.worker", "ocr", "--engine", "rapidocr", "--manifest",
                    str(manifest), "--out", str(out)], cwd=tree, env=_env(tree), check=True)
    result = json.loads(out.read_text())
    scored = _score_engine(result, {f"{it.dataset}/{it.name}": it for it in items})
    figures = {}
    for ds, metric in ((datasets.FUNSD, "e2e_exact"), (datasets.ICDAR, "e2e_ci")):
        for half in ("all", "tune", "confirm"):
            figures[f"{ds} {metric} F1 ({half})"] = scored[ds][half][metric]["f1"]
    figures["median s/page (FUNSD)"] = statistics.median(
        r["seconds"] for r in result["images"] if r["key"].startswith(datasets.FUNSD))
    return figures


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.clean_pages", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", type=Path, default=REPO.parent / "shared" / "datasets")
    ap.add_argument("--base", help="a commit whose default engine also takes turns (before/after)")
    ap.add_argument("--limit", type=int, default=None, help="pages per dataset (spread over it)")
    ap.add_argument("--accuracy", action="store_true", help="FUNSD and ICDAR dev F1 instead of speed")
    args = ap.parse_args(argv)
    print(f"load average {os.getloadavg()}", flush=True)
    with worktree(args.base) as base_tree:
        if args.accuracy:
            with tempfile.TemporaryDirectory(prefix="pv-clean-acc-") as tmp:
                trees = {"head": REPO, **({"base": base_tree} if args.base else {})}
                figs = {side: accuracy(tree, args.datasets, Path(tmp)) for side, tree in trees.items()}
            print(f"| figure | {' | '.join(figs)} |\n|---|" + "---|" * len(figs))
            for name in figs["head"]:
                print(f"| {name} | {' | '.join(f'{f[name]:.4f}' for f in figs.values())} |")
            return 0
        items = []
        for group in (layout_items(args.datasets), datasets.load(args.datasets, datasets.FUNSD)):
            if args.limit and args.limit < len(group):
                step = len(group) / args.limit
                group = [group[int(i * step)] for i in range(args.limit)]
            items += group
        sides = {"pagevoice": (REPO, "rapidocr"), "tesseract": (REPO, "tesseract")}
        if args.base:
            sides = {"pagevoice": (REPO, "rapidocr"), f"base {args.base}": (base_tree, "rapidocr"),
                     "tesseract": (REPO, "tesseract")}
        rows = paired(sides, items)
    print(f"\nseconds per page, paired in one run (load average now {os.getloadavg()}):")
    print(speed_table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
