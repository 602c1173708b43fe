"""What checking a PDF's text layer against its page costs (chalicelib/media/textlayer.py),
paired on each text-layer page of layout-dev: the text path as it is (open, text layer,
render, JPEG) and the same with `review` after it, in one run; and what the review decided.

    .venv/bin/python -m bench.textlayer [--datasets ../shared/datasets] [--repeat 3]   # ~1 min

CPU is this process's (all threads), the median of `--repeat` runs of each page; the OCR engine
is loaded before timing (a worker's is, at start).
"""
from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from bench.mixed_scripts import DEFAULT_DATASETS, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    from chalicelib.engines import ocr
    from chalicelib.media import document, textlayer

    engine = ocr.get_engine("rapidocr")
    textlayer._dictionary()  # loaded once per process, as the engine's own list is
    rows = []
    for path in sorted((args.datasets / "layout-dev" / "pages").glob("*.pdf")):
        data = path.read_bytes()
        base, with_review, found = [], [], None
        for _ in range(args.repeat):
            for checked in (False, True):
                t0 = cpu()
                with document.open_document(data, max_bytes=10**9, max_pixels=40_000_000, max_pages=1, dpi=200) as doc:
                    page = doc.page(0)
                    lines = page.lines()
                    if lines is None:
                        break
                    rgb = page.rgb()
                    page.jpeg(rgb=rgb)
                    if checked:
                        found = textlayer.review(lines, rgb, engine=engine)
                (with_review if checked else base).append(cpu() - t0)
        if found is None:
            continue
        a, b = statistics.median(base), statistics.median(with_review)
        rows.append((path.stem, a, b, found))
        verdict = ("page to OCR" if found.untrusted_page else
                   f"{len(found.replaced)} replaced" if found.replaced else "trusted")
        print(f"{path.stem}  lines {len(found.lines):3d}  signs {found.suspicious:2d}  read {found.checked:2d}  "
              f"{verdict:12s}  text path {a * 1000:6.0f} ms  + review {(b - a) * 1000:6.0f} ms")
    clean = [r for r in rows if not r[3].suspicious]
    flagged = [r for r in rows if r[3].suspicious]
    total_a, total_b = sum(r[1] for r in rows), sum(r[2] for r in rows)
    print(f"\n{len(rows)} text-layer pages: {len(clean)} raised no sign, {len(flagged)} did "
          f"({sum(bool(r[3].replaced) or r[3].untrusted_page for r in rows)} changed)")
    print(f"CPU per page, text path {total_a / len(rows) * 1000:.0f} ms, with review {total_b / len(rows) * 1000:.0f} ms "
          f"(x{total_b / total_a:.3f})")
    if clean:
        print(f"pages without a sign: review {statistics.mean(r[3].ms for r in clean):.2f} ms each (its own thread CPU)")
    for name, a, b, found in flagged:
        print(f"  {name}: +{(b - a) * 1000:.0f} ms for {found.checked} lines read; {found.reason}")


if __name__ == "__main__":
    main()
