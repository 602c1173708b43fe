"""Headings on pages the rules were never tuned on: tagged PDFs' prose pages (issue 55 item 2).

    nice -n 19 .venv/bin/python -m bench.layout_tagged [--pages /work/data/layout-extra/tagged-prose]
        [--configs text-single,scan-single] [--ocr-cache [DIR]] [--verbose]

The pages are those `training/layout_roles/tagged.py` writes in layout-dev's shape (54 non-form
pages of 6 tagged PDFs: NIST, FDA, HHS, a court notice, a bill, Adobe's sample; their licences
in docs/licences.md): each page's PDF (the text layer) and its 200 dpi PNG (the scan) are read
by the pipeline (bench/layout.py's reader) and scored by bench/layout_score.py, as layout-dev's
are: heading F1 by box IoU >= 0.5 against the structure tree's H/H1-H6 boxes, with the other
figures beside it (furniture: the tagged artifacts; body words left out; reading order, one
labelled box a line). Footnotes are not scored (few notes are tagged: `footnotes_labelled`).
Per document and in total; `--verbose` prints each page's misses.
"""
from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from bench import layout, layout_split, ocr_cache
from bench import layout_score as ls

PAGES = Path("/work/data/layout-extra/tagged-prose")
CONFIGS = ("text-single", "scan-single")


def load(root: Path) -> dict[str, dict]:
    paths = sorted((root / "gt").glob("*.json"))
    if not paths:
        raise SystemExit(f"no labelled pages under {root}/gt (training/layout_roles/tagged.py writes them)")
    return {p.stem: json.loads(p.read_text()) for p in paths}


def summary(tally: layout.Tally, gts: dict[str, dict]) -> dict[str, ls.Counts]:
    """Counts per document, and in total."""
    docs: dict[str, list[str]] = {}
    for pid, gt in gts.items():
        docs.setdefault(gt.get("document", pid).removesuffix(".pdf").split("__")[-1][:16], []).append(pid)
    out = {"all": layout_split.total(tally.page_counts, sorted(gts))}
    out.update({d: layout_split.total(tally.page_counts, ids) for d, ids in sorted(docs.items())})
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=Path, default=PAGES)
    ap.add_argument("--configs", default=",".join(CONFIGS), help=f"some of {', '.join(CONFIGS)}")
    ap.add_argument("--ocr-cache", nargs="?", type=Path, const=ocr_cache.DEFAULT, metavar="DIR")
    ap.add_argument("--verbose", action="store_true", help="each page's misses")
    ap.add_argument("--out", type=Path, default=layout.ROOT / "bench" / "out" / "layout_tagged.json")
    args = ap.parse_args(argv)
    configs = [c for c in args.configs.split(",") if c]
    if unknown := set(configs) - set(CONFIGS):
        ap.error(f"unknown configuration(s) {', '.join(sorted(unknown))}")
    root = args.pages.resolve()
    gts = load(root)
    with tempfile.TemporaryDirectory(prefix="pv-layout-tagged-") as tmp:
        work = Path(tmp)
        todo = layout.units(gts, root, work, configs)
        first = next(iter(gts.values()))
        warm = [root / first[key] for key, prefix in (("pdf", "text"), ("image", "scan"))
                if any(c.startswith(prefix) for c in configs)]
        reader = layout.Reader(layout.ROOT, warm, work / "head.log", args.ocr_cache)
        try:
            tallies = layout.run(gts, todo, {"head": reader}, False)["head"]
        finally:
            reader.close()
    print(f"\nTagged PDFs' prose pages ({root}): {len(gts)} pages, "
          f"{len({g.get('document') for g in gts.values()})} documents, never tuned on")
    report = {}
    for config, tally in tallies.items():
        columns = summary(tally, gts)
        f = ls.figures(columns["all"])
        print(f"\n{config}: heading F1 {f['heading_f1']:.3f} (precision {f['heading_precision']:.3f}, "
              f"recall {f['heading_recall']:.3f}; {columns['all'].headings} labelled, "
              f"{columns['all'].heading_blocks} found)")
        print(layout_split.table(columns))
        for error in tally.errors:
            print(f"  ERROR {error}")
        report[config] = {name: ls.figures(c) for name, c in columns.items()}
        if args.verbose:
            for pid, page in tally.per_page.items():
                for miss in page["misses"]:
                    if "heading" in miss or "Section-header" in miss:
                        print(f"  {pid} {miss}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
