"""keras-ocr's real word detection (CRAFT, weights converted from craft_mlt_25k.pth), scored.

    .venv-keras/bin/python -m bench.keras_detect [--limit N] [--datasets DIR]   # keras-ocr
    .venv/bin/python -m bench.keras_detect --engine rapidocr [--limit N]       # a peer, same images
    .venv-keras/bin/python -m bench.keras_detect --check                         # the bench check

Detection only: word boxes against the ground truth with bench/score.py's protocol (axis-aligned
IoU >= 0.5, one-to-one, ICDAR `###` don't care, micro totals), on the first N images of each
half (tune, confirm) of funsd-test and icdar2015-dev, in bench/datasets.py's order. keras-ocr runs
its detector alone (the recogniser has no weights), at the app's settings (1.5x, 1280 px);
another engine runs its whole `read` and its word boxes are scored the same way.

`--check` fails (exit 1) unless the converted detector is in the cache (`make fetch-weights`) and
finds the words of a rendered text image: the check that cannot be a test, since CI has no
weights.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

from bench import datasets, score

KERAS = "keras-ocr"
DEFAULT_DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
CHECK_WORDS = [(30, 30, "HELLO"), (170, 30, "WORLD"), (30, 110, "second"), (190, 110, "line"),
               (290, 110, "here")]


def _boxes_xyxy(quads) -> list[tuple[float, float, float, float]]:
    out = []
    for q in quads:
        q = np.asarray(q, dtype=float).reshape(-1, 2)
        out.append((q[:, 0].min(), q[:, 1].min(), q[:, 0].max(), q[:, 1].max()))
    return out


class Detect:
    """image (RGB uint8) -> word boxes (x0, y0, x1, y1) in image pixels."""

    def __init__(self, engine: str):
        from chalicelib.engines import ocr

        self.name = engine
        if engine == KERAS:
            os.environ["PAGEVOICE_KERAS_OCR_UNTRAINED"] = "1"  # the recogniser: no weights exist
            self.engine = ocr.get_engine(KERAS)
            if self.engine.detector_weights == "untrained":
                from chalicelib.engines.ocr.keras_engine import CONVERTED_DETECTOR, cache_dir

                raise SystemExit(f"no verified {CONVERTED_DETECTOR} in {cache_dir()}: "
                                 "run `make fetch-weights` first")
        else:
            self.engine = ocr.get_engine(engine)

    def __call__(self, rgb: np.ndarray):
        if self.name == KERAS:
            _, found, scale = self.engine.detect_boxes(rgb)
            return _boxes_xyxy(np.asarray(found, dtype=float) / scale)
        lines = self.engine.read(rgb)
        return _boxes_xyxy([w.box for ln in lines for w in ln.words])


def check(det: Detect) -> int:
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("RGB", (640, 200), "white")
    draw = ImageDraw.Draw(img)
    font = None
    for path in ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
                 "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"):
        if os.path.exists(path):
            font = ImageFont.truetype(path, 30)
            break
    if font is None:
        print("check: no DejaVu font (make system-deps)", file=sys.stderr)
        return 1
    gts = []
    for x, y, word in CHECK_WORDS:
        draw.text((x, y), word, font=font, fill="black")
        gts.append(datasets.GtWord(tuple(float(v) for v in draw.textbbox((x, y), word, font=font)), word))
    boxes = det(np.array(img))
    preds = [score.Pred(b, "w") for b in boxes]
    c = score.score_page(preds, gts).counts["det"]
    print(f"check: {len(boxes)} boxes for {len(gts)} rendered words, {c.tp} matched at IoU >= 0.5")
    ok = c.tp >= len(gts) - 1 and len(boxes) <= len(gts) + 1
    print("check:", "ok" if ok else "FAILED")
    return 0 if ok else 1


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.keras_detect", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--engine", default=KERAS)
    ap.add_argument("--datasets", default=str(DEFAULT_DATASETS))
    ap.add_argument("--only", choices=datasets.DATASETS, action="append")
    ap.add_argument("--limit", type=int, default=5, help="images per dataset and half (0: all)")
    ap.add_argument("--check", action="store_true", help="only the rendered-image check")
    args = ap.parse_args(argv)
    from chalicelib.media.image import decode

    det = Detect(args.engine)
    if args.check:
        return check(det)
    print(f"{'engine':10s} {'dataset':14s} {'half':8s} {'images':>6s} {'P':>6s} {'R':>6s} "
          f"{'F1':>6s} {'s/img':>6s}")
    for name in args.only or datasets.DATASETS:
        items = datasets.load(args.datasets, name)
        both = score.Counts()
        n_all, t_all = 0, 0.0
        for half in datasets.HALVES:
            part = [it for it in items if it.half == half]
            part = part[: args.limit] if args.limit else part
            counts = score.Counts()
            t0 = time.perf_counter()
            for it in part:
                rgb = decode(it.image.read_bytes(), max_bytes=1 << 30, max_pixels=1 << 30).rgb
                preds = [score.Pred(b, "w") for b in det(rgb)]
                counts.add(score.score_page(preds, it.words).counts["det"])
            secs = time.perf_counter() - t0
            both.add(counts)
            n_all, t_all = n_all + len(part), t_all + secs
            print(f"{args.engine:10s} {name:14s} {half:8s} {len(part):6d} {counts.precision:6.3f} "
                  f"{counts.recall:6.3f} {counts.f1:6.3f} {secs / max(len(part), 1):6.1f}", flush=True)
        print(f"{args.engine:10s} {name:14s} {'both':8s} {n_all:6d} {both.precision:6.3f} "
              f"{both.recall:6.3f} {both.f1:6.3f} {t_all / max(n_all, 1):6.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
