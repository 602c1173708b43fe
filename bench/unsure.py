"""What is spoken of the words the recogniser is unsure of, and how word boxes fit on photos:
before and after, side by side (issue 44).

    .venv/bin/python -m bench.unsure [--datasets ../shared/datasets] [--only NAME] [--limit N]

Two configurations of the default engine take turns image by image in one process (one
inference thread, which goes first alternating), on FUNSD test and ICDAR 2015 dev, both halves:

- before: unsure words all left out of the text (`listed_margin=0`) and the old photo boxes
  (to the crop's ends, no cut at the neighbour's boundary, no second fit: `photo_word_reach=0`,
  `word_clip=documents`, `word_recheck=never`);
- after: today's defaults: the word list vouches for some unsure words (`RapidOcrEngine._vouched`)
  and photos' boxes are fitted as documents' are, with a second fit of implausibly small ones.

A third column, "boxes", is "after" without the vouched words (they are the words of `lines`
under the confidence filter, so it needs no run of its own): the box change alone.

Per dataset and half: the spoken text's end-to-end F1 (the words of `lines`, what is read
aloud; FUNSD exact, ICDAR case-insensitive, as bench.run; tokenisation-fair beside it), the
box-fit share (`bench.boxfit`: words matched by text from any overlap whose IoU is >= 0.7), the
words vouched for and how many of them are right, and the CPU ratio after/before per image.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from bench import boxfit, datasets, score

DEFAULT_DATASETS = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets"
BEFORE = {"listed_margin": "0", "photo_word_reach": "0", "word_clip": "documents", "word_recheck": "never"}
LABELS = ("before", "boxes", "after")


class Half:
    """One dataset half's pages and box fits for one configuration."""

    def __init__(self) -> None:
        self.pages: list[score.PageScore] = []
        self.ious: list[float] = []
        self.vouched = 0
        self.vouched_right = 0

    def add(self, preds: list[score.Pred], gts: list, rule, vouched: set[int] = frozenset()) -> None:
        self.pages.append(score.score_page(preds, gts))
        care = [g for g in gts if g.text.strip()]
        self.ious += [v for _, _, v in boxfit.match_any_overlap(preds, care, rule)]
        if vouched:
            right = {i for i, j, _ in score.match(preds, care, rule) if not care[j].dont_care}
            self.vouched += len(vouched)
            self.vouched_right += len(vouched & right)

    def summary(self, mode: str) -> dict:
        t = score.total(self.pages)
        return {"e2e": t[mode].f1, "e2e_fair": t[mode + score.FAIR].f1,
                "fit": sum(v >= 0.7 for v in self.ious) / len(self.ious) if self.ious else 0.0,
                "matched": len(self.ious), "vouched": self.vouched, "vouched_right": self.vouched_right}


def spoken(lines, word_score: float) -> tuple[list[score.Pred], set[int]]:
    """The words of `lines` as predictions, and the indexes of those under `word_score` (the
    ones the word list vouched for)."""
    preds, vouched = [], set()
    for ln in lines:
        for w in ln.words:
            if w.confidence < word_score:
                vouched.add(len(preds))
            preds.append(score.Pred(boxfit._bounds(w.box), w.text))
    return preds, vouched


def table(name: str, results: dict[str, dict[str, dict]], mode: str) -> list[str]:
    out = [f"\n{name} ({mode}; box fit: share of text-matched words with IoU >= 0.7)",
           "| half | spoken e2e F1 before / boxes / after | fair F1 before / after | box fit before / boxes / after "
           "(words matched) | vouched (right) |", "|---|---|---|---|---|"]
    for half in datasets.HALVES:
        if half not in results["before"]:
            continue
        b, x, a = (results[label][half] for label in LABELS)
        out.append(f"| {half} | {b['e2e']:.4f} / {x['e2e']:.4f} / {a['e2e']:.4f} ({a['e2e'] - b['e2e']:+.4f}) "
                   f"| {b['e2e_fair']:.4f} / {a['e2e_fair']:.4f} | {b['fit']:.3f} / {x['fit']:.3f} / {a['fit']:.3f} "
                   f"({b['matched']} / {x['matched']} / {a['matched']}) | {a['vouched']} ({a['vouched_right']}) |")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.unsure", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", default=str(DEFAULT_DATASETS))
    ap.add_argument("--only", choices=datasets.DATASETS, action="append")
    ap.add_argument("--limit", type=int, default=0, help="images per dataset and half (0: all)")
    args = ap.parse_args(argv)
    from bench.ablation import config
    from chalicelib.engines.ocr.rapid import RapidOcrEngine
    from chalicelib.media.image import decode

    engines = {"before": RapidOcrEngine(config({"threads": "1", **BEFORE})),
               "after": RapidOcrEngine(config({"threads": "1"}))}
    cfg = engines["after"].cfg
    for name in args.only or datasets.DATASETS:
        items = datasets.load(args.datasets, name)
        if args.limit:
            items = [it for h in datasets.HALVES for it in [i for i in items if i.half == h][: args.limit]]
        rule = boxfit.text_rule(name)
        mode = "e2e_exact" if name == datasets.FUNSD else "e2e_ci"
        halves = {label: {} for label in LABELS}
        ratios = []
        for n, it in enumerate(items):
            rgb = decode(it.image.read_bytes(), max_bytes=1 << 30, max_pixels=1 << 30).rgb
            cpu = {}
            for label in (("before", "after") if n % 2 == 0 else ("after", "before")):
                engine = engines[label]
                t = time.process_time()
                lines = engine.read(rgb)
                cpu[label] = time.process_time() - t
                word_score = cfg.word_score if engine.last_document else cfg.photo_word_score
                preds, vouched = spoken(lines, word_score)
                if label == "after":
                    kept = [p for i, p in enumerate(preds) if i not in vouched]
                    halves["boxes"].setdefault(it.half, Half()).add(kept, it.words, rule)
                    halves["after"].setdefault(it.half, Half()).add(preds, it.words, rule, vouched)
                else:
                    halves["before"].setdefault(it.half, Half()).add(preds, it.words, rule)
            ratios.append(cpu["after"] / max(cpu["before"], 1e-6))
        results = {label: {h: v.summary(mode) for h, v in halves[label].items()} for label in LABELS}
        print("\n".join(table(name, results, mode)))
        print(f"CPU after/before per image: median {statistics.median(ratios):.3f} "
              f"(paired, {len(ratios)} images)")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
