"""Each method change of the default engine, measured alone: F1 on both halves and CPU time.

    .venv/bin/python -m bench.ablation [--datasets ../shared/datasets] [--out bench/out/ablation.json]
        [--only NAME ...]

Steps are cumulative (each adds one change to the one above it); "variant" rows change one
setting of the final configuration, to show what was tried and not kept. Runs in one process
with one inference thread, so CPU seconds per image compare across rows on a shared machine
(wall time does not). About 2 minutes per row. Results: OUT (JSON) and a markdown table on
standard output (docs/bench/ablation.md holds the last one).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from bench import datasets, score

REPO = Path(__file__).resolve().parent.parent

# The first cut in rapidocr's own terms, rebuilt on our pipeline: native scale, word boxes from
# character positions over the full line height, no splitting, no word filter.
FIRST = {"det_scale": "1.0", "word_boxes": "ctc", "word_pad": "0", "split_gap": "0",
         "word_score": "0", "photo_word_score": "0",
         "rec_min_width": "320",
         "rec_batch_width": "1920", "orientation": "line", "unclip_ratio": "1.6",
         "doc_unclip_ratio": "1.6", "lexicon": "never", "word_reach": "0", "photo_word_reach": "0",
         "word_clip": "never", "doc_roi_fallback": "0",
         "soft_space": "0", "photo_soft_space": "0"}
STEPS = [
    ("first cut (rapidocr's word boxes: character positions, full line height)", {}),
    ("+ word boxes fitted to the ink between neighbouring characters", {"word_boxes": "ink"}),
    ("+ 1 px margin around the ink", {"word_pad": "1.0"}),
    ("+ documents: detect on the ink's box, enlarged 1.5x when characters are small", {"det_scale": "1.5"}),
    ("+ documents: split words at blanks >= 0.8 glyph heights", {"split_gap": "0.8"}),
    ("+ drop words with confidence < 0.8", {"word_score": "0.8", "photo_word_score": "0.8"}),
    ("+ recogniser batches: min width 160, 960 px per batch", {"rec_min_width": "160",
                                                              "rec_batch_width": "960"}),
    ("+ upside-down text decided once per page (16 widest lines, >= 70% sure)",
     {"orientation": "page"}),
    ("+ photos: DB unclip ratio 1.3 (documents keep 1.6)", {"unclip_ratio": "1.3"}),
    ("+ documents no longer enlarged (ink's box at scale 1): a third less CPU",
     {"det_scale": "1.0"}),
    ("+ word-list correction of misread words (a listed word within 5 nats of CTC likelihood)",
     {"lexicon": "always"}),
    ("+ photos: drop words with confidence < 0.9 (documents keep 0.8)", {"photo_word_score": "0.9"}),
    ("+ documents: detect on the whole page when a box touches the ink's box (light text on a dark panel)",
     {"doc_roi_fallback": "1"}),
    ("+ documents: first/last word reaches <= 0.8 glyph heights past its characters; ink across a word "
     "boundary cut there", {"word_reach": "0.8", "word_clip": "documents"}),
    ("+ a space wherever the recogniser gave one >= 5% between two characters (final)",
     {"soft_space": "0.05", "photo_soft_space": "0.05"}),
]
VARIANTS = [
    ("variant: documents enlarged up to 2x", {"det_scale": "2.0"}),
    ("variant: photos treated as documents too (enlarged, gap splits)", {"document_paper": "0"}),
    ("variant: orientation per line (rapidocr's way)", {"orientation": "line"}),
    ("variant: no orientation classifier", {"orientation": "off"}),
    ("variant: DB unclip ratio 1.3 on documents too", {"doc_unclip_ratio": "1.3"}),
    ("variant: DB unclip ratio 2.0", {"unclip_ratio": "2.0", "doc_unclip_ratio": "2.0"}),
    ("variant: DB box threshold 0.6", {"box_thresh": "0.6"}),
    ("variant: DB pixel threshold 0.2", {"det_thresh": "0.2"}),
    ("variant: word confidence >= 0.9 on documents too", {"word_score": "0.9"}),
    ("variant: word-list correction on documents only", {"lexicon": "documents"}),
    ("variant: word-list margin 8 nats", {"lexicon_margin": "8"}),
    ("variant: documents' text map not dilated (small print's lines kept apart)", {"doc_dilation": "0"}),
    ("variant: word reach and boundary cut on photos too", {"photo_word_reach": "0.8", "word_clip": "always"}),
    ("variant: word reach on photos too (no boundary cut there)", {"photo_word_reach": "0.8"}),
    ("variant: documents enlarged 1.5x again (small print's merged lines)", {"det_scale": "1.5"}),
    ("variant: soft spaces at 2% on photos", {"photo_soft_space": "0.02"}),
    ("variant: soft spaces at 10%", {"soft_space": "0.1", "photo_soft_space": "0.1"}),
    ("variant: photos' word filter 0.85 with soft spaces", {"photo_word_score": "0.85"}),
    ("variant: photos' DB unclip 1.45 with soft spaces", {"unclip_ratio": "1.45"}),
]


def config(changes: dict):
    """The engine's Config with `changes` (field -> value as text, typed like the field). Nothing
    is read from the environment: each row is exactly its configuration."""
    from chalicelib import settings
    from chalicelib.engines.ocr.rapid import RapidConfig

    defaults = RapidConfig()
    return replace(defaults, **{k: settings.parse(v, getattr(defaults, k), k) for k, v in changes.items()})


def run_config(changes: dict, items: list[datasets.Item]) -> dict:
    from chalicelib.engines.ocr.rapid import RapidOcrEngine
    from chalicelib.media.image import decode

    engine = RapidOcrEngine(config(changes))
    pages: dict = {}
    cpu: dict = {}
    for it in items:
        rgb = decode(it.image.read_bytes(), max_bytes=1 << 30, max_pixels=1 << 30).rgb
        t = time.process_time()
        lines = engine.read(rgb)
        cpu.setdefault(it.dataset, []).append(time.process_time() - t)
        preds = []
        for ln in lines:
            for w in ln.words:
                xs = [p[0] for p in w.box]
                ys = [p[1] for p in w.box]
                preds.append(score.Pred((min(xs), min(ys), max(xs), max(ys)), w.text))
        page = score.score_page(preds, it.words)
        pages.setdefault(it.dataset, {}).setdefault(it.half, []).append(page)
    out = {}
    for ds, halves in pages.items():
        out[ds] = {h: {m: round(c.f1, 4) for m, c in score.total(v).items()} for h, v in halves.items()}
        out[ds]["cpu_s_per_image"] = round(float(np.mean(cpu[ds])), 3)
        out[ds]["cpu_s_median"] = round(float(statistics.median(cpu[ds])), 3)
    return out


def table(rows: list[dict]) -> str:
    out = ["| change | FUNSD e2e exact F1 tune / confirm | FUNSD det F1 tune / confirm | FUNSD CPU s/page "
           "| ICDAR e2e case-insens. F1 tune / confirm | ICDAR det F1 tune / confirm | ICDAR CPU s/image |",
           "|---|---|---|---|---|---|---|"]
    for r in rows:
        f, i = r["result"].get(datasets.FUNSD, {}), r["result"].get(datasets.ICDAR, {})

        def pair(d, mode):
            return f"{d.get('tune', {}).get(mode, float('nan')):.3f} / {d.get('confirm', {}).get(mode, float('nan')):.3f}"
        out.append(f"| {r['name']} | {pair(f, 'e2e_exact')} | {pair(f, 'det')} | {f.get('cpu_s_per_image', float('nan')):.2f} "
                   f"| {pair(i, 'e2e_ci')} | {pair(i, 'det')} | {i.get('cpu_s_per_image', float('nan')):.2f} |")
    return "\n".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.ablation", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", default=str(REPO.parent / "shared" / "datasets"))
    ap.add_argument("--out", default=str(REPO / "bench" / "out" / "ablation.json"))
    ap.add_argument("--table", nargs="+", metavar="JSON",
                    help="only print the markdown table of earlier runs' JSON files")
    ap.add_argument("--from-step", type=int, default=0, help="skip the first N steps (rows already measured)")
    ap.add_argument("--variants", default=":", metavar="A:B", help="a slice of the variants (e.g. 0:4)")
    ap.add_argument("--rows", choices=("all", "steps", "variants"), default="all",
                    help="run only the cumulative steps or only the variants (e.g. in two processes)")
    args = ap.parse_args(argv)
    if args.table:
        rows = [r for f in args.table for r in json.loads(Path(f).read_text(encoding="utf-8"))]
        print(table(rows))
        return 0
    items = [it for name in datasets.DATASETS for it in datasets.load(args.datasets, name)]
    rows, env = [], {**FIRST, "threads": "1"}
    configs = []
    for name, change in STEPS:
        env = {**env, **change}
        configs.append((name, dict(env)))
    final = dict(env)
    configs = configs[args.from_step:]
    if args.rows == "variants":
        configs = []
    if args.rows != "steps":
        a, _, b = args.variants.partition(":")
        chosen = VARIANTS[int(a) if a else 0:int(b) if b else len(VARIANTS)]
        configs += [(name, {**final, **change}) for name, change in chosen]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    for name, cfg in configs:
        t = time.perf_counter()
        res = run_config(cfg, items)
        rows.append({"name": name, "config": cfg, "result": res})
        print(f"[{time.perf_counter() - t:.0f} s] {name}: "
              + "; ".join(f"{ds} " + " ".join(f"{h} {v['e2e_exact' if ds == datasets.FUNSD else 'e2e_ci']:.3f}"
                                             for h, v in r.items() if isinstance(v, dict))
                          for ds, r in res.items()), flush=True)
        Path(args.out).write_text(json.dumps(rows, indent=1), encoding="utf-8")
    print()
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
