"""How well the default engine's word boxes fit the words, and what its unsure words are.

    .venv/bin/python -m bench.boxfit [--datasets ../shared/datasets] [--only NAME] [--half tune]
        [--limit N] [--set FIELD=VALUE ...] [--base FIELD=VALUE ...] [--worst N]

Box fit: predicted words are matched to ground-truth words as the scorer does (one-to-one,
greedily by decreasing IoU of axis-aligned boxes, texts equal: exact on FUNSD, case-insensitive
without leading/trailing punctuation on ICDAR 2015), but from any overlap (IoU > 0.05) instead
of the scorer's 0.5, so badly fitted boxes of rightly read words are counted too. Printed: the
words matched, their mean IoU, and the share with IoU >= 0.7 (and >= 0.5, what the scorer
needs). ICDAR words are also split by the slant of their ground-truth quadrilateral.

Unsure words (`Reading.unsure`: read, but under the engine's confidence filter, not vouched for
by the word list, and left out of the text): each is "right" (a ground-truth word with the same text under it, IoU >= 0.5),
"misread" (a word is there, IoU >= 0.5, other text), "don't care" (an ICDAR `###` region) or
"noise" (no word there). "new" counts the right ones no kept word had already found.

`--base` runs a second configuration (the engine's settings plus these) on every image in the
same process, turn about with the first: "before" and "after" side by side, and the CPU-time
ratio per image (paired, so it holds on a shared machine). One inference thread unless set.
"""
from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

from bench import datasets, score

DEFAULT_DATASETS = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets"
MIN_OVERLAP = 0.05


def text_rule(dataset: str):
    """The dataset's usual end-to-end text rule: exact on FUNSD, case-insensitive on ICDAR."""
    return score.TEXT_RULES["e2e_exact" if dataset == datasets.FUNSD else "e2e_ci"]


def fit_summary(ious: list[float]) -> dict:
    """Words matched by text, their mean IoU and the share with IoU >= 0.7 (and >= 0.5)."""
    if not ious:
        return {"matched": 0, "mean_iou": None, "iou_0_7": None, "iou_0_5": None}
    return {"matched": len(ious), "mean_iou": round(statistics.fmean(ious), 4),
            "iou_0_7": round(sum(v >= 0.7 for v in ious) / len(ious), 4),
            "iou_0_5": round(sum(v >= 0.5 for v in ious) / len(ious), 4)}


def match_any_overlap(preds, gts, same_text, min_iou: float = MIN_OVERLAP):
    """Like score.match, from any overlap (IoU > min_iou), never on don't-care words."""
    return score.match(preds, gts, same_text, min_iou=min_iou + 1e-9, dont_care=False)


def icdar_slants(path: Path) -> list[float]:
    """Slant (degrees, 0 = level) of each ICDAR ground-truth quadrilateral, in file order."""
    out = []
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        parts = line.strip().lstrip("\ufeff").split(",")
        if len(parts) < 9:
            continue
        x1, y1, x2, y2 = (float(v) for v in parts[:4])
        out.append(abs(math.degrees(math.atan2(y2 - y1, x2 - x1))))
    return out


def slant_bucket(deg: float) -> str:
    return "level <5" if deg < 5 else ("slant 5-15" if deg < 15 else "slant >=15")


def word_preds(lines) -> list[score.Pred]:
    out = []
    for ln in lines:
        for w in ln.words:
            out.append(score.Pred(_bounds(w.box), w.text))
    return out


def _bounds(box):
    xs = [p[0] for p in box]
    ys = [p[1] for p in box]
    return (min(xs), min(ys), max(xs), max(ys))


class Tally:
    def __init__(self) -> None:
        self.pages: dict[str, list] = {h: [] for h in datasets.HALVES}
        self.ious: dict[str, list[float]] = {h: [] for h in datasets.HALVES}
        self.by_slant: dict[str, list[float]] = {}
        self.unsure: dict[str, int] = {"right": 0, "new": 0, "misread": 0, "don't care": 0, "noise": 0}
        self.cpu: list[float] = []
        self.worst: list[tuple[float, str, str, tuple, tuple]] = []

    def add(self, it: datasets.Item, lines, cpu: float, slants: list[float] | None) -> None:
        self.cpu.append(cpu)
        preds = word_preds(lines)
        rule = text_rule(it.dataset)
        self.pages[it.half].append(score.score_page(preds, it.words))
        gts = [g for g in it.words if g.text.strip()]
        for i, j, v in match_any_overlap(preds, gts, rule):
            self.ious[it.half].append(v)
            self.worst.append((v, it.name, preds[i].text, preds[i].box, gts[j].box))
            if slants is not None:
                # it.words keeps the file's order (empty texts never occur in ICDAR).
                k = it.words.index(gts[j])
                self.by_slant.setdefault(slant_bucket(slants[k]), []).append(v)
        unsure = [score.Pred(_bounds(w.box), w.text) for w in getattr(lines, "unsure", ())]
        if unsure:
            found = {j for _, j, _ in score.match(preds, gts, rule)}
            for u in unsure:
                best = max(((score.iou(u.box, g.box), j) for j, g in enumerate(gts)), default=(0.0, -1))
                right = [j for j, g in enumerate(gts)
                         if not g.dont_care and score.iou(u.box, g.box) >= score.IOU_MIN and rule(u.text, g.text)]
                if right:
                    self.unsure["right"] += 1
                    self.unsure["new"] += any(j not in found for j in right)
                elif best[0] >= score.IOU_MIN and gts[best[1]].dont_care:
                    self.unsure["don't care"] += 1
                elif best[0] >= score.IOU_MIN:
                    self.unsure["misread"] += 1
                else:
                    self.unsure["noise"] += 1

    def report(self, name: str, label: str) -> list[str]:
        out = []
        for half in datasets.HALVES:
            if not self.pages[half]:
                continue
            t = score.total(self.pages[half])
            v = self.ious[half]
            fit = (f"matched {len(v):5d} mean IoU {statistics.fmean(v):.3f} IoU>=0.7 {sum(x >= 0.7 for x in v) / len(v):.3f}"
                   f" IoU>=0.5 {sum(x >= 0.5 for x in v) / len(v):.3f}") if v else "matched 0"
            mode = "e2e_exact" if name == datasets.FUNSD else "e2e_ci"
            out.append(f"{name:14s} {label:6s} {half:7s} n={len(self.pages[half]):3d}  {fit}  "
                       f"det F1 {t['det'].f1:.3f}  {mode} F1 {t[mode].f1:.3f}")
        for bucket in sorted(self.by_slant):
            v = self.by_slant[bucket]
            out.append(f"{name:14s} {label:6s} {bucket:11s} matched {len(v):5d} mean IoU {statistics.fmean(v):.3f} "
                       f"IoU>=0.7 {sum(x >= 0.7 for x in v) / len(v):.3f}")
        n = sum(self.unsure[k] for k in ("right", "misread", "don't care", "noise"))
        dont_care = self.unsure["don't care"]
        if n:
            out.append(f"{name:14s} {label:6s} unsure words {n}: right {self.unsure['right']} "
                       f"({self.unsure['right'] / n:.0%}; {self.unsure['new']} not found by a kept word), "
                       f"misread {self.unsure['misread']} ({self.unsure['misread'] / n:.0%}), "
                       f"don't care {dont_care}, "
                       f"noise {self.unsure['noise']} ({self.unsure['noise'] / n:.0%})")
        else:
            out.append(f"{name:14s} {label:6s} unsure words 0")
        out.append(f"{name:14s} {label:6s} CPU s/image mean {statistics.fmean(self.cpu):.3f} "
                   f"median {statistics.median(self.cpu):.3f}")
        return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.boxfit", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", default=str(DEFAULT_DATASETS))
    ap.add_argument("--only", choices=datasets.DATASETS, action="append")
    ap.add_argument("--half", choices=(*datasets.HALVES, "all"), default="all")
    ap.add_argument("--limit", type=int, default=0, help="images per dataset and half (0: all)")
    ap.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                    help="a field of the default engine's Config (RapidConfig)")
    ap.add_argument("--base", action="append", default=[], metavar="FIELD=VALUE",
                    help="a paired 'before' configuration: --set's plus these")
    ap.add_argument("--worst", type=int, default=0, help="list the N worst-fitted matched words")
    args = ap.parse_args(argv)
    from bench.ablation import config
    from chalicelib.engines.ocr.rapid import RapidOcrEngine
    from chalicelib.media.image import decode

    after = {"threads": "1", **dict(kv.split("=", 1) for kv in args.set)}
    configs = {"after": after}
    if args.base:
        configs = {"before": {**after, **dict(kv.split("=", 1) for kv in args.base)}, "after": after}
    engines = {label: RapidOcrEngine(config(c)) for label, c in configs.items()}
    if len(engines) == 1:
        engines = {"now": engines["after"]}
    for name in args.only or datasets.DATASETS:
        items = datasets.load(args.datasets, name)
        halves = datasets.HALVES if args.half == "all" else (args.half,)
        chosen = []
        for h in halves:
            part = [it for it in items if it.half == h]
            chosen += part[: args.limit] if args.limit else part
        tallies = {label: Tally() for label in engines}
        ratios = []
        for n, it in enumerate(chosen):
            rgb = decode(it.image.read_bytes(), max_bytes=1 << 30, max_pixels=1 << 30).rgb
            slants = icdar_slants(it.image.parent.parent / "gt" / f"gt_{it.image.stem}.txt") \
                if name == datasets.ICDAR else None
            cpu = {}
            # Turn about: which configuration goes first alternates image by image.
            order = list(engines) if n % 2 == 0 else list(engines)[::-1]
            for label in order:
                t = time.process_time()
                lines = engines[label].read(rgb)
                cpu[label] = time.process_time() - t
                tallies[label].add(it, lines, cpu[label], slants)
            if len(cpu) == 2:
                ratios.append(cpu["after"] / max(cpu["before"], 1e-6))
        for label, tally in tallies.items():
            print("\n".join(tally.report(name, label)))
        if ratios:
            print(f"{name:14s} CPU after/before per image: median {statistics.median(ratios):.3f} "
                  f"mean {statistics.fmean(ratios):.3f} (paired, {len(ratios)} images)")
        if args.worst:
            last = tallies[list(tallies)[-1]]
            for v, stem, text, pbox, gbox in sorted(last.worst)[: args.worst]:
                print(f"  worst {stem:16s} IoU {v:.2f} {text!r} pred {tuple(round(c) for c in pbox)} "
                      f"gt {tuple(round(c) for c in gbox)}")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
