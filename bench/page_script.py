"""A page's script, for pages the default engine cannot read (chalicelib/engines/ocr/scripts.py
`detect_script`): the line classifier on the default engine's line boxes first, or Tesseract's
OSD (then every script model when OSD names none we read) alone, side by side on each page.

    .venv/bin/python -m bench.page_script [--datasets ../shared/datasets] [--limit N]   # ~5 min

Pages: languages-dev's real scans and photos, the UDHR pages rendered in 14 languages and a
photographed copy of each (bench/render.py: blurred, tilted, JPEG), and ICDAR 2015 dev photos and FUNSD forms (English: a
page sent to Tesseract there is a loss). Only pages `needs_other_reader` sends away are asked
their script. Right: the script of the page's language (chalicelib/languages/table.tsv). CPU
seconds: this process and Tesseract's. Right: read by the reader of the page's script (a page
the default engine reads is right when left to it, whether the answer is Latn or none).
"""
from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from bench import datasets, render
from bench.languages import RENDERED
from bench.mixed_scripts import DEFAULT_DATASETS, cpu


def rgb_of(data: bytes) -> np.ndarray:
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def pages(root: Path, limit: int) -> Iterator[tuple[str, str, np.ndarray]]:
    """(set/name, language, RGB)."""
    for path in sorted((root / "languages-dev" / "ocr" / "images").iterdir()):
        code = path.name.split("_")[0]
        if code != "mul":
            yield f"dev/{path.stem}", code, np.asarray(Image.open(path).convert("RGB"))
    for code in RENDERED:
        page = render.render(render.text_of(code), code)
        yield f"rendered/{code}", code, rgb_of(page.png())
        yield f"photo/{code}", code, rgb_of(render.photo(page, seed=24))
    for name in (datasets.ICDAR, datasets.FUNSD):
        for item in datasets.load(root, name)[:limit]:
            yield f"{name}/{item.name}", "en", rgb_of(item.image.read_bytes())


def same_outcome(found: str | None, want: str) -> bool:
    """Whether the page is read as it should be: by Tesseract in its script, or, for a script
    the default engine reads, by that engine (what None and Latn both leave it to)."""
    from chalicelib.engines.ocr import scripts

    return found == want or (not scripts.tesseract_languages(want) and not scripts.tesseract_languages(found or ""))


def main() -> None:
    from chalicelib import languages
    from chalicelib.engines import ocr
    from chalicelib.engines.ocr import scripts

    ap = argparse.ArgumentParser()
    ap.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS)
    ap.add_argument("--limit", type=int, default=100, help="ICDAR photos and FUNSD forms each")
    args = ap.parse_args()
    engine = ocr.get_engine("rapidocr")
    rows = []
    print(f"{'page':44} {'lang':4} {'want':5} {'classifier':>16} {'OSD path':>16}")
    for name, code, rgb in pages(args.datasets, args.limit):
        reading = engine.read(rgb)
        if not scripts.needs_other_reader(reading):
            continue
        want = languages.get(code).script
        t0 = cpu()
        new, _ = scripts.detect_script(rgb, lines=reading)
        t1 = cpu()
        old, _ = scripts.detect_script(rgb)
        t2 = cpu()
        rows.append((name, want, new, t1 - t0, old, t2 - t1))
        print(f"{name:44} {code:4} {want:5} {new!s:>5} {t1 - t0:5.2f} s    {old!s:>5} {t2 - t1:5.2f} s", flush=True)
    n = len(rows)
    for label, got, secs in (("classifier first", 2, 3), ("OSD path alone", 4, 5)):
        right = sum(same_outcome(r[got], r[1]) for r in rows)
        print(f"{label:17} right {right}/{n}, CPU {sum(r[secs] for r in rows):.1f} s "
              f"({sum(r[secs] for r in rows) / max(n, 1):.2f} s a page)")
    print(f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
