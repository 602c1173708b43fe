"""Accuracy of the default engine under one configuration, per dataset and half (for tuning).

    .venv/bin/python -m bench.tune [--datasets ../shared/datasets] [--half tune] [--limit N]
        [--set FIELD=VALUE ...] [--dump preds.json]

Runs in-process (one engine, one configuration); `python -m bench.run` is the benchmark.
A variant is a change of the engine's Config (`--set split_gap=0.6`), passed to the engine.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from bench import datasets, score

DEFAULT_DATASETS = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", default=str(DEFAULT_DATASETS))
    ap.add_argument("--only", choices=datasets.DATASETS, action="append")
    ap.add_argument("--half", choices=(*datasets.HALVES, "all"), default="all")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                    help="a field of the default engine's Config (chalicelib.engines.ocr.rapid.RapidConfig)")
    ap.add_argument("--dump", metavar="FILE", help="write predictions and per-page scores")
    args = ap.parse_args(argv)
    from bench.ablation import config
    from chalicelib import settings
    from chalicelib.engines.ocr.base import build_result
    from chalicelib.engines.ocr.rapid import RapidOcrEngine
    from chalicelib.media import image

    engine = RapidOcrEngine(config(dict(kv.split("=", 1) for kv in args.set)))
    s = settings.get().limits

    def recognize(data: bytes) -> dict:
        decoded = image.decode(data, max_bytes=s.max_upload_bytes, max_pixels=s.max_pixels)
        return build_result(engine, decoded.width, decoded.height, engine.read(decoded.rgb))

    dump = {}
    for name in args.only or datasets.DATASETS:
        items = datasets.load(args.datasets, name)
        if args.half != "all":
            items = [it for it in items if it.half == args.half]
        if args.limit:
            items = items[: args.limit]
        by_half = {h: [] for h in datasets.HALVES}
        secs = []
        for it in items:
            data = it.image.read_bytes()
            t0 = time.perf_counter()
            doc = recognize(data)
            secs.append(time.perf_counter() - t0)
            preds = score.preds_from_result(doc)
            page = score.score_page(preds, it.words)
            by_half[it.half].append(page)
            if args.dump:
                dump[f"{name}/{it.name}"] = {"lines": doc["lines"], "half": it.half,
                                             "counts": {m: c.to_dict() for m, c in page.counts.items()}}
        for half, pages in by_half.items():
            if not pages:
                continue
            t = score.total(pages)
            print(f"{name:14s} {half:7s} n={len(pages):3d}  "
                  + "  ".join(f"{m} P={t[m].precision:.3f} R={t[m].recall:.3f} F1={t[m].f1:.3f}"
                              for m in score.MODES))
        print(f"{name:14s} median {statistics.median(secs):.2f} s  p90 "
              f"{sorted(secs)[int(0.9 * (len(secs) - 1))]:.2f} s  total {sum(secs):.0f} s")
        sys.stdout.flush()
    if args.dump:
        Path(args.dump).write_text(json.dumps(dump), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
