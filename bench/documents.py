"""Documents: seconds per page for text-layer and scanned pages, and the recording, side by side.

    .venv/bin/python -m bench.documents [--datasets ../shared/datasets] [--pages 8]

Two PDFs of the same FUNSD pages, read by the page kind (chalicelib.kinds.page.pipeline.run):
- scanned: the page images embedded (what a scanner or the site's photo pack makes): OCR;
- text layer: each page's ground-truth words printed by the real Chromium (Debian's `chromium`)
  into a PDF at their places on the page: read from the text layer, no OCR.
"Reading" is from the start to the last page published (rendering, reading, the page image);
"recording" is the rest (the read-along recording and its MP3) for the text-layer document.
"""
from __future__ import annotations

import argparse
import html
import json
import time
from pathlib import Path

from chalicelib.kinds.page import pipeline as page_pipeline  # noqa: E402
from tests.media import documents as docs  # noqa: E402


def funsd(datasets: Path, n: int) -> list[tuple[Path, dict]]:
    root = datasets / "funsd-test"
    pages = sorted((root / "images").glob("*.png"))[:n]
    return [(p, json.loads((root / "annotations" / f"{p.stem}.json").read_text())) for p in pages]


def printed(pages: list[tuple[Path, dict]]) -> bytes:
    """Each page's words at their places (page pixels as CSS pixels), printed by Chromium."""
    from PIL import Image

    htmls = []
    for path, annotation in pages:
        w, h = Image.open(path).size
        spans = []
        for block in annotation["form"]:
            for word in block.get("words", []):
                x0, y0, x1, y1 = word["box"]
                spans.append(f"<span style='position:absolute;left:{x0}px;top:{y0}px;font:{max(8, y1 - y0)}px sans-serif'>"
                             f"{html.escape(word['text'])}</span>")
        htmls.append(f"<html><body style='margin:0;width:{w}px;height:{h}px;position:relative'>{''.join(spans)}</body></html>")
    return docs.join(*docs.chromium_pdfs(htmls))


def timed(data: bytes) -> tuple[float, float, dict]:
    """(seconds to read every page, seconds in all, result)."""
    marks = {}
    t0 = time.perf_counter()

    def publish(outputs) -> None:
        if "speech" not in outputs.result:
            marks["read"] = time.perf_counter() - t0

    done = page_pipeline.run(data, publish=publish)
    return marks["read"], time.perf_counter() - t0, done.result


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", type=Path, default=Path("../shared/datasets"))
    ap.add_argument("--pages", type=int, default=8)
    args = ap.parse_args(argv)
    pages = funsd(args.datasets, args.pages)
    from PIL import Image

    scanned = docs.scanned_pdf([Image.open(p) for p, _ in pages])
    text = printed(pages)
    page_pipeline.warm_up()  # engines loaded before timing, as in a warm worker
    rows = []
    for name, data in (("text layer", text), ("scanned", scanned)):
        read, total, result = timed(data)
        sources = {p["source"] for p in result["pages"]}
        rows.append((name, read / len(pages), total - read, result["speech"]["seconds"], sources))
    print(f"\nDocuments: {len(pages)} FUNSD pages per PDF, read by the page kind (2 cores, shared machine)")
    print(f"{'PDF':<12} {'s/page read':>12} {'recording s':>12} {'audio s':>9}  read from")
    for name, per_page, rec, audio, sources in rows:
        print(f"{name:<12} {per_page:>12.3f} {rec:>12.1f} {audio:>9.1f}  {', '.join(sorted(sources))}")
    print(f"scanned / text-layer seconds per page: {rows[1][1] / rows[0][1]:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
