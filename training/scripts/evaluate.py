"""Score the script classifier through the shipped code (script_id.classify, onnxruntime).

Runs in the project venv:

    .venv/bin/python training/scripts/evaluate.py [--model chalicelib/engines/ocr/script_id.onnx]

1. held-out rendered lines: the last paragraph of every text (never trained on), cut into lines
   of 1-6 words, degraded like photos (and once clean, like a scan);
2. real crops, never trained on: the line/word boxes of ../shared/datasets/languages-dev/ocr
   (Arabic book page, Hindi signs, Latin pages, a Chinese line) and the English word boxes of
   ../shared/datasets/icdar2015-dev, each cut by postprocess.crop_line at height 48;
3. CPU time per crop (one thread).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

import cv2
import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import lines  # noqa: E402

from chalicelib.engines.ocr import script_id  # noqa: E402
from chalicelib.engines.ocr.postprocess import crop_line  # noqa: E402
from chalicelib.engines.ocr.script_id import CLASSES  # noqa: E402

# Unicode blocks of each class (the others' letters count as Latn: the default OCR's).
RANGES = {"Cyrl": [(0x0400, 0x052F)], "Grek": [(0x0370, 0x03FF)], "Arab": [(0x0600, 0x06FF), (0x0750, 0x077F)],
          "Hebr": [(0x0590, 0x05FF)], "Deva": [(0x0900, 0x097F)], "Hang": [(0xAC00, 0xD7A3), (0x1100, 0x11FF)],
          "Thai": [(0x0E00, 0x0E7F)], "Hani": [(0x3040, 0x30FF), (0x4E00, 0x9FFF)]}


def script_of(text: str) -> str:
    """The class most of the line's letters belong to (the annotated "script" of a bilingual
    sign is its other language's: its English words are Latin)."""
    votes = Counter(next((k for k, rs in RANGES.items() if any(a <= ord(ch) <= b for a, b in rs)), "Latn")
                    for ch in text if ch.isalpha())
    return votes.most_common(1)[0][0] if votes else "Latn"


def box_quad(box) -> np.ndarray:
    x0, y0, x1, y1 = box
    return np.float32([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])


def report(name: str, truth: list[str], got: list[tuple[str, float]], out: list[str]) -> None:
    """Accuracy, what was predicted, and as a gate that fires only on a non-Latin top class with
    probability >= t: how many non-Latin lines still pass with their script, how many Latin
    lines would wrongly fire."""
    pred = [g[0] for g in got]
    right = sum(p == t for p, t in zip(pred, truth))
    line = f"{name}: {right}/{len(truth)} = {right / max(1, len(truth)):.3f} right; predicted {dict(Counter(pred))}"
    gates = []
    for t in (0.8, 0.9):
        other = [(g, s) for g, s in zip(got, truth) if s != "Latn"]
        latin = [g for g, s in zip(got, truth) if s == "Latn"]
        if other:
            gates.append(f"p>={t}: {sum(g[0] == s and g[1] >= t for g, s in other) / len(other):.3f} found")
        if latin:
            gates.append(f"p>={t}: {sum(g[0] != 'Latn' and g[1] >= t for g in latin) / len(latin):.3f} false gates")
    out.append(line + "; " + ", ".join(gates))


def held_out(n: int, seed: int, out: list[str]) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    crops_all = []
    for clean in (False, True):
        rows = []
        for script in CLASSES:
            paras = lines.texts(script, held_out=True)
            crops = []
            for i in range(n):
                pool = lines.held_out_lines(script, words=1 + i % 6)
                text = pool[int(rng.integers(len(pool)))]
                crops += lines.sample(rng, script, paras, text=text, clean=clean)[0]
            got = script_id.classify(crops)
            right = sum(g[0] == script for g in got)
            rows.append(f"{script} {right / n:.3f}")
            wrong = Counter(g[0] for g in got if g[0] != script)
            if wrong:
                rows[-1] += f" (wrong: {dict(wrong)})"
            crops_all += crops
        out.append(f"held-out rendered lines, {'clean' if clean else 'photo-like'}, {n} per class: " + "; ".join(rows))
    return crops_all


def languages_dev(datasets: Path, out: list[str]) -> list[np.ndarray]:
    base = datasets / "languages-dev" / "ocr"
    by_script: dict[str, tuple[list, list, list]] = {}
    for gt_path in sorted((base / "gt").glob("*.json")):
        gt = json.loads(gt_path.read_text())
        image = next((p for p in (base / "images").glob(gt_path.stem + ".*")), None)
        rows = [ln for ln in gt["lines"] if ln["box"]]
        if image is None or not rows:
            continue
        img = cv2.imread(str(image), cv2.IMREAD_COLOR)
        if img is None:
            continue
        img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
        crops = [crop_line(img, box_quad(ln["box"]), 48).image for ln in rows]
        truth = [script_of(ln["text"]) for ln in rows]
        got = script_id.classify(crops)
        report(f"  {gt_path.stem}", truth, got, out)
        for c, t, g in zip(crops, truth, got):
            key = f"{t} ({gt['language']}, {gt['image_type']}, {gt['granularity']}s)"
            by_script.setdefault(key, ([], [], []))
            by_script[key][0].append(c)
            by_script[key][1].append(g)
            by_script[key][2].append(t)
    crops_all = []
    for key, (crops, got, truth) in sorted(by_script.items()):
        report(f"languages-dev {key}", truth, got, out)
        crops_all += crops
    return crops_all


def icdar(datasets: Path, out: list[str]) -> list[np.ndarray]:
    base = datasets / "icdar2015-dev"
    crops = []
    for gt_path in sorted((base / "gt").glob("gt_*.txt")):
        img = cv2.imread(str(base / "images" / (gt_path.stem[3:] + ".jpg")))
        if img is None:
            continue
        img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
        for row in gt_path.read_text(encoding="utf-8-sig").splitlines():
            parts = row.strip().split(",", 8)
            if len(parts) < 9 or parts[8] == "###":
                continue
            quad = np.float32([float(v) for v in parts[:8]]).reshape(4, 2)
            crops.append(crop_line(img, quad, 48).image)
    got = script_id.classify(crops)
    report("ICDAR 2015 dev English word crops (### skipped) called Latn", ["Latn"] * len(crops), got, out)
    return crops


def speed(crops: list[np.ndarray], out: list[str]) -> None:
    rng = np.random.default_rng(0)
    pick = [crops[int(i)] for i in rng.integers(0, len(crops), 200)]
    script_id.classify(pick[:5])
    t0 = time.process_time()
    for c in pick:
        script_id.classify([c])
    one = (time.process_time() - t0) / len(pick) * 1000
    t0 = time.process_time()
    script_id.classify(pick)
    batch = (time.process_time() - t0) / len(pick) * 1000
    widths = np.median([c.shape[1] for c in pick])
    out.append(f"CPU time per crop (1 thread; median crop width {widths:.0f} px at height 48): "
               f"{one:.2f} ms one at a time, {batch:.2f} ms in one batch of {len(pick)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=str(script_id.MODEL))
    ap.add_argument("--datasets", default=str(ROOT.parent / "shared" / "datasets"))
    ap.add_argument("--per-class", type=int, default=200)
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--latin-weight", type=float, default=script_id.LATIN_WEIGHT)
    ap.add_argument("--log", default=str(HERE / "evaluate.log"))
    args = ap.parse_args()
    script_id.MODEL = Path(args.model)
    script_id.LATIN_WEIGHT = args.latin_weight
    out = [f"model {args.model} ({Path(args.model).stat().st_size} bytes), Latn weight {args.latin_weight}"]
    crops = held_out(args.per_class, args.seed, out)
    crops += languages_dev(Path(args.datasets), out)
    crops += icdar(Path(args.datasets), out)
    speed(crops, out)
    print("\n".join(out))
    Path(args.log).write_text("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
