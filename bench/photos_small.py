"""Photos' small words: today's photo path against the default engine, paired (issue 26 item 2).

    taskset -c 1 .venv/bin/python -m bench.photos_small [--datasets ../shared/datasets]
        [--before FIELD=VALUE ...] [--after FIELD=VALUE ...] [--funsd] [--limit N]

"before" is the default Config with `--before` changes (none by default: today's photo path),
"after" the default with `--after` changes (by default the second look at small boxes'
regions, `photo_zoom=1.5`; several `--after` add up). Both engines live in one process
with one inference thread and take turns on every image (which goes first alternates), so the
CPU seconds (process time, not wall: the machine is shared) compare within the run. Printed per
dataset and half: end-to-end case-insensitive F1, detection recall, precision and F1, and CPU
seconds per image with after / before. `--funsd` also runs FUNSD's scans, which must not change.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from bench import datasets, score

DEFAULT_DATASETS = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets"


def _pairs(values: list[str]) -> dict:
    return dict(kv.split("=", 1) for kv in values)


def _preds(reading) -> list[score.Pred]:
    out = []
    for line in reading:
        for w in line.words:
            xs, ys = [p[0] for p in w.box], [p[1] for p in w.box]
            out.append(score.Pred((min(xs), min(ys), max(xs), max(ys)), w.text))
    return out


def run(engines: dict, items: list) -> tuple[dict, dict, dict]:
    """-> (pages[side][half], cpu seconds[side], texts[side][item name]) for each side."""
    from chalicelib.media.image import decode

    pages = {side: {h: [] for h in datasets.HALVES} for side in engines}
    cpu = {side: 0.0 for side in engines}
    texts: dict = {side: {} for side in engines}
    order = list(engines)
    for k, it in enumerate(items):
        rgb = decode(it.image.read_bytes(), max_bytes=1 << 30, max_pixels=1 << 30).rgb
        for side in order[k % 2:] + order[:k % 2]:
            t = time.process_time()
            reading = engines[side].read(rgb)
            cpu[side] += time.process_time() - t
            preds = _preds(reading)
            pages[side][it.half].append(score.score_page(preds, it.words))
            texts[side][it.name] = [p.text for p in preds]
    return pages, cpu, texts


def report(name: str, pages: dict, cpu: dict, n: int) -> None:
    mode = "e2e_exact" if name == datasets.FUNSD else "e2e_ci"
    for side in pages:
        for half in datasets.HALVES:
            t = score.total(pages[side][half])
            print(f"{name:14s} {side:6s} {half:7s} {mode} F1 {t[mode].f1:.3f}  det R {t['det'].recall:.3f} "
                  f"P {t['det'].precision:.3f} F1 {t['det'].f1:.3f}")
        print(f"{name:14s} {side:6s} CPU {cpu[side] / n:.3f} s/image  after/before {cpu[side] / cpu['before']:.2f}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.photos_small", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", default=str(DEFAULT_DATASETS))
    ap.add_argument("--before", action="append", default=[], metavar="FIELD=VALUE")
    ap.add_argument("--after", action="append", default=["photo_zoom=1.5"], metavar="FIELD=VALUE")
    ap.add_argument("--funsd", action="store_true", help="also FUNSD (documents: must be unchanged)")
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args(argv)
    from bench.ablation import config
    from chalicelib.engines.ocr.rapid import RapidOcrEngine

    engines = {side: RapidOcrEngine(config({"threads": "1", **_pairs(changes)}))
               for side, changes in (("before", args.before), ("after", args.after))}
    for name in (datasets.ICDAR, *((datasets.FUNSD,) if args.funsd else ())):
        items = datasets.load(args.datasets, name)[: args.limit or None]
        pages, cpu, texts = run(engines, items)
        report(name, pages, cpu, len(items))
        if name == datasets.FUNSD:
            same = sum(texts["before"][k] == texts["after"][k] for k in texts["before"])
            print(f"{name:14s} pages read identically: {same} of {len(items)}")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
