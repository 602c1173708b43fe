"""Lines in another script on pages the default engine reads (bilingual signs): what the
second reader (chalicelib/engines/ocr/scripts.py `read_other_lines`) adds, and what it costs
on pages that have no such lines.

    .venv/bin/python -m bench.mixed_scripts [--datasets ../shared/datasets] [--limit N]   # ~5 min

- Rendered signs (`render.sign`): a line of the first words of each language's UDHR text above
  "All human beings are born free", photographed: the other line's words read (bag-of-words
  recall, bench/languages.py's rules) and the language each line is given.
- The Hindi sign photos of languages-dev (real, half English).
- ICDAR 2015 dev photos and FUNSD test forms (English): lines added (each one is wrong there) and
  the CPU the step takes (this process and Tesseract's) beside the default engine's reading.
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import cv2
import numpy as np

from bench import datasets, render
from bench.languages import score_text

DEFAULT_DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
SIGN_LANGUAGES = ("hi", "ru", "uk", "el", "ar", "he", "ko", "th")
ENGLISH = "All human beings are born free"


def cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def read(rgb: np.ndarray) -> tuple[list, list, float, float]:
    """(lines of the default engine, lines added by the second reader, CPU s of each), as the
    page's reader (engines/ocr/reader.py) runs it: on pages the engine reads, and on short ones."""
    from chalicelib.engines import ocr
    from chalicelib.engines.ocr import scripts

    engine = ocr.get_engine("rapidocr")
    t0 = cpu()
    reading = engine.read(rgb)
    t1 = cpu()
    added = []
    if not scripts.needs_other_reader(reading) or scripts.is_short(reading):
        added, _ = scripts.read_other_lines(rgb, reading, time.monotonic() + 30)
    return list(reading), added, t1 - t0, cpu() - t1


def signs() -> None:
    from chalicelib.kinds.page import pipeline

    print("rendered signs: other line's words read (recall), languages of the lines, page language")
    for code in SIGN_LANGUAGES:
        other = " ".join(render.paragraphs(render.text_of(code))[0].split()[:3])
        result = pipeline.recognize(render.sign([(other, code), (ENGLISH, "en")], seed=7))
        got = "\n".join(ln["text"] for ln in result["lines"] if ln.get("language", result["language"]["code"]) == code)
        langs = [ln.get("language", result["language"]["code"]) for ln in result["lines"]]
        print(f"  {code}  recall {score_text(other, got, code).recall:.2f}  lines {langs}  page {result['language']['code']}")


def english(root: Path, name: str, limit: int | None) -> None:
    items = datasets.load(root, name)[:limit]
    base = extra = 0.0
    looked = added_pages = added_lines = 0
    for item in items:
        rgb = np.ascontiguousarray(cv2.imread(str(item.image))[:, :, ::-1])
        lines, added, t_read, t_extra = read(rgb)
        base, extra = base + t_read, extra + t_extra
        looked += t_extra > 0.05
        if added:
            added_pages, added_lines = added_pages + 1, added_lines + len(added)
            print(f"    {item.image.name}: added {[ln.text for ln in added]}")
    n = len(items)
    print(f"  {name}: {n} pages; second reader ran on ~{looked}, added {added_lines} lines on {added_pages} pages; "
          f"CPU s per page: reading {base / n:.3f}, second reader {extra / n:.3f} ({extra / base:+.1%})")


def hindi(root: Path) -> None:
    for path in sorted((root / "languages-dev" / "ocr" / "images").glob("hi_*")):
        rgb = np.ascontiguousarray(cv2.imread(str(path))[:, :, ::-1])
        lines, added, t_read, t_extra = read(rgb)
        print(f"  {path.name}: read {[ln.text for ln in lines]} + {[ln.text for ln in added]}  ({t_extra:.2f} s)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS)
    ap.add_argument("--limit", type=int, default=None)
    args = ap.parse_args(argv)
    print(f"load {os.getloadavg()[0]:.1f}")
    signs()
    print("languages-dev Hindi signs (real):")
    hindi(args.datasets)
    print("English pages (nothing should be added):")
    for name in ("icdar2015-dev", "funsd-test"):
        english(args.datasets, name, args.limit)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
