"""Headings on pages the rules were never tuned on: tagged PDFs' prose pages, and pages labelled
by people (issue 55 item 2).

    nice -n 19 .venv/bin/python -m bench.layout_tagged [--pages /work/data/layout-extra/tagged-prose]
        [--configs text-single,scan-single] [--ocr-cache [DIR]] [--verbose]
    nice -n 19 .venv/bin/python -m bench.layout_tagged --pages /work/data/layout-extra/cvat --ocr-cache

The pages are those `training/layout_roles/tagged.py` writes in layout-dev's shape (54 non-form
pages of 6 tagged PDFs: NIST, FDA, HHS, a court notice, a bill, Adobe's sample; their licences
in docs/licences.md): each page's PDF (the text layer) and its 200 dpi PNG (the scan) are read
by the pipeline (bench/layout.py's reader) and scored by bench/layout_score.py, as layout-dev's
are: heading F1 by box IoU >= 0.5 against the structure tree's H/H1-H6 boxes, with the other
figures beside it (furniture: the tagged artifacts; body words left out; reading order, one
labelled box a line). Footnotes are not scored (few notes are tagged: `footnotes_labelled`).
Per document and in total; `--verbose` prints each page's misses.

Any folder in that shape can be read with `--pages`: `training/layout_roles/cvat.py` writes
docling-cvat-tools' CVAT pages there (61 pages of 52 documents, labelled by people, 38 of them
with their PDF): footnotes are scored on pages with `footnotes_labelled: true`, a page without a
PDF is read as a scan only (the text-layer figures are over the PDF pages), the figures are given
per `kind` as well when the pages hold more than one, and with more than 8 documents those go
one a row.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
from pathlib import Path

from bench import layout, layout_split, ocr_cache
from bench import layout_score as ls

PAGES = Path("/work/data/layout-extra/tagged-prose")
CONFIGS = ("text-single", "scan-single")
TITLES = {"tagged": "Tagged PDFs' prose pages", "cvat": "docling-cvat-tools' CVAT pages (labelled by people)"}
COLUMNS = 8  # more documents than this: one a row


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


def kinds(tally: layout.Tally, gts: dict[str, dict]) -> dict[str, ls.Counts]:
    """Counts per `kind` of the pages read, when they hold more than one (else none)."""
    by: dict[str, list[str]] = {}
    for pid, gt in gts.items():
        if pid in tally.page_counts:
            by.setdefault(f"kind: {gt.get('kind')}", []).append(pid)
    return {k: layout_split.total(tally.page_counts, ids) for k, ids in sorted(by.items())} if len(by) > 1 else {}


def unlabelled_footnotes(tally: layout.Tally, gts: dict[str, dict]) -> None:
    """A page whose footnotes nobody labelled (`footnotes_labelled: false`) scores none."""
    for pid, c in tally.page_counts.items():
        if not gts[pid].get("footnotes_labelled", True):
            tally.page_counts[pid] = dataclasses.replace(c, footnotes=0, footnotes_out=0, footnotes_unread=0)


def rows(columns: dict[str, ls.Counts]) -> str:
    """layout_split.table turned: a row per column (a document), the figures across."""
    keys = [(key, n) for _, key, n in layout_split.ROWS]
    head = "".join(f"{label[:22]:>24}" for label, _, _ in layout_split.ROWS)
    lines = [f"  {'':<18}{head}"]
    for name, c in columns.items():
        f = ls.figures(c)
        cells = "".join(f"{'-' if f[key] is None else f'{f[key]:.3f}'} ({getattr(c, n)})".rjust(24) for key, n in keys)
        lines.append(f"  {name:<18}{cells}")
    return "\n".join(lines)


def _wanted(miss: str, footnotes: bool) -> bool:
    """The misses `--verbose` prints: headings (and footnotes, where they were labelled)."""
    return "heading" in miss or "Section-header" in miss or "Title" in miss or (footnotes and "Footnote" in miss)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=Path, default=PAGES)
    ap.add_argument("--configs", default=",".join(CONFIGS), help=f"some of {', '.join(CONFIGS)}")
    ap.add_argument("--ocr-cache", nargs="?", type=Path, const=ocr_cache.DEFAULT, metavar="DIR")
    ap.add_argument("--verbose", action="store_true", help="each page's misses")
    ap.add_argument("--out", type=Path, help="bench/out/layout_tagged.json (another --pages: layout_<its name>.json)")
    args = ap.parse_args(argv)
    configs = [c for c in args.configs.split(",") if c]
    if unknown := set(configs) - set(CONFIGS):
        ap.error(f"unknown configuration(s) {', '.join(sorted(unknown))}")
    root = args.pages.resolve()
    gts = load(root)
    with_pdf = {pid: gt for pid, gt in gts.items() if gt.get("pdf")}  # scan-only pages have none
    with tempfile.TemporaryDirectory(prefix="pv-layout-tagged-") as tmp:
        work = Path(tmp)
        todo = layout.units(with_pdf, root, work, [c for c in configs if c.startswith("text")]) + \
            layout.units(gts, root, work, [c for c in configs if not c.startswith("text")])
        first = next(iter(with_pdf.values()), None)
        warm = [root / gt[key] for key, prefix, gt in (("pdf", "text", first), ("image", "scan", next(iter(gts.values()))))
                if gt is not None and any(c.startswith(prefix) for c in configs)]
        reader = layout.Reader(layout.ROOT, warm, work / "head.log", args.ocr_cache)
        try:
            tallies = layout.run(gts, todo, {"head": reader}, False)["head"]
        finally:
            reader.close()
    title = TITLES.get(next(iter(gts)).split("-")[0], "Labelled pages")
    print(f"\n{title} ({root}): {len(gts)} pages ({len(with_pdf)} with their PDF), "
          f"{len({g.get('document') for g in gts.values()})} documents, never tuned on")
    report = {}
    for config, tally in tallies.items():
        unlabelled_footnotes(tally, gts)
        columns = summary(tally, gts)
        extra = kinds(tally, gts)
        if not config.startswith("text") and len(with_pdf) < len(gts):  # beside the text layers' figures
            extra = {"with PDF": layout_split.total(tally.page_counts, sorted(with_pdf)), **extra}
        f = ls.figures(columns["all"])
        print(f"\n{config}: {tally.pages} pages; heading F1 {f['heading_f1']:.3f} (precision {f['heading_precision']:.3f}, "
              f"recall {f['heading_recall']:.3f}; {columns['all'].headings} labelled, "
              f"{columns['all'].heading_blocks} found)")
        if len(columns) - 1 > COLUMNS:
            print(layout_split.table({"all": columns["all"], **extra}))
            print(rows({name: c for name, c in columns.items() if name != "all" and c != ls.Counts()}))
        else:
            print(layout_split.table({"all": columns["all"], **extra, **{k: v for k, v in columns.items() if k != "all"}}))
        for error in tally.errors:
            print(f"  ERROR {error}")
        report[config] = {name: ls.figures(c) for name, c in {**columns, **extra}.items()}
        if args.verbose:
            for pid, page in tally.per_page.items():
                for miss in page["misses"]:
                    if _wanted(miss, gts[pid].get("footnotes_labelled", True)):
                        print(f"  {pid} {miss}")
    out = args.out or layout.ROOT / "bench" / "out" / (
        "layout_tagged.json" if root == PAGES.resolve() else f"layout_{root.name}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
