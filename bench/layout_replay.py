"""The heading rules in seconds: layout.analyse replayed on recorded pages (issue 55 item 2).

    .venv/bin/python -m bench.layout_replay [--base REV] [--verbose]

`training/layout_roles/train.py` records, once per page and source, the arguments the pipeline
gave `layout.analyse` (the lines, their hints, the figures: ~/.cache/pagevoice-bench/layout-roles/
<id>-text.pickle, -scan.pickle; OCR and the ink's measures included). This replays the working
tree's `layout.analyse` on them, marks what is spoken as the pipeline does (`spoken.apply_skip`)
and scores each page with bench/layout_score.py: layout-dev's halves A and B (bench/layout_split.py),
the tagged PDFs' prose pages and their form pages (training/layout_roles/tagged.py), text layer
and scan. The figures are those of single pages in `bench.layout` and `bench.layout_tagged`
(the same protocol on the same inputs) in ~5 s instead of minutes; confirm a change with them.
`--base REV` also replays REV's layout.py (the rest of the tree as it is) beside it.
`--regions ENGINE` also weighs each page with a layout engine's regions as the pipeline does
(chalicelib.structure.regions; the regions of each page image cached under ~/.cache/pagevoice-bench/
layout-regions/), beside the rules alone; `--cvat DIR` adds training/layout_roles/cvat.py's pages
(recorded once by training/layout_roles/train.py's `recorded`).
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import layout_score as ls
from bench import layout_split

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path.home() / ".cache" / "pagevoice-bench" / "layout-roles"
DEV = ROOT.parent / "shared" / "datasets" / "layout-dev"
TAGGED = Path("/work/data/layout-extra/tagged")
CVAT = Path("/work/data/layout-extra/cvat")
REGIONS = Path.home() / ".cache" / "pagevoice-bench" / "layout-regions"


def _load(folder: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in sorted((folder / "gt").glob("*.json"))}


def sets(dev: Path, tagged: Path, cvat: Path | None = None) -> list[tuple[str, dict[str, dict], list[str]]]:
    """(name, ground truths, page ids) of each set scored."""
    gts = _load(dev)
    out = [(f"layout-dev {h}", gts, ids) for h, ids in layout_split.halves(gts).items()] if gts else []
    extra = _load(tagged)
    prose = sorted(p for p, g in extra.items() if g.get("kind") == "prose")
    forms = sorted(p for p, g in extra.items() if g.get("kind") != "prose")
    out += [("tagged prose", extra, prose), ("tagged forms", extra, forms)]
    if cvat is not None:
        people = _load(cvat)
        out.append(("cvat", people, sorted(people)))
    return out


def regions_of(engine, gt: dict, root: Path, pid: str) -> list:
    """The layout engine's regions of a page's image (its pixels), cached by engine version."""
    from chalicelib.engines.layout import Region

    path = REGIONS / engine.version / f"{pid}.json"
    if not path.exists():
        from chalicelib.media import image

        rgb = image.decode((root / gt["image"]).read_bytes(), max_bytes=1 << 30, max_pixels=1 << 28).rgb
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps([[r.kind, r.score, list(r.box)] for r in engine.detect(rgb)]))
    return [Region(k, s, tuple(b)) for k, s, b in json.loads(path.read_text())]


def page(layout, call: dict, regions=None, image_size: tuple[int, int] | None = None, **thresholds) -> dict:
    """A result page as the pipeline makes it of one recorded analyse call (weighed with a layout
    engine's `regions` of the page's image, `image_size` (width, height), when given)."""
    from chalicelib.structure import elements, spoken
    from chalicelib.structure import regions as weighing

    made = layout.analyse(call["lines"], call["width"], call["height"], call["hints"], page_index=call["page_index"],
                          figures=call["figures"], model=None)
    new = {old: n for n, old in enumerate(made.order)}
    blocks = []
    for b in made.blocks:
        b.lines = [new[i] for i in b.lines]
        for c in b.cells or []:
            c.lines = [new[i] for i in c.lines]
        blocks.append(b.export())
    lines = [call["lines"][i] for i in made.order]
    texts = [ln["text"] for ln in lines]
    if regions is not None and weighing.worth_asking(texts, loaded := [elements.Block.load(b) for b in blocks]):
        scale = (call["width"] / image_size[0], call["height"] / image_size[1])
        weighing.weigh(texts, loaded, regions, scale, **thresholds)
        blocks = [b.export() for b in loaded]
    out = {"lines": lines, "blocks": blocks, "width": call["width"],
           "height": call["height"]}
    spoken.apply_skip([out], None)
    return out


def score(layout, gts: dict[str, dict], ids: list[str], source: str, verbose: bool,
          engine=None, root: Path | None = None, **thresholds) -> tuple[ls.Counts, int]:
    total, missing = ls.Counts(), 0
    for pid in ids:
        path = CACHE / f"{pid}-{source}.pickle"
        if not path.exists():
            missing += 1
            continue
        seen = regions_of(engine, gts[pid], root, pid) if engine is not None else None
        p = page(layout, pickle.loads(path.read_bytes()), seen, (gts[pid]["width"], gts[pid]["height"]), **thresholds)
        c = ls.score_page(ls.regions(gts[pid], p["width"], p["height"], from_pdf=source == "text"), p)
        total += c
        if verbose:
            for miss in c.misses:
                if "heading" in miss or "not found" in miss:
                    print(f"    {source} {pid} {miss}")
    return total, missing


# The thresholds of chalicelib.structure.regions a half may choose (bench.layout_replay --regions E --split).
HEADING_SCORES = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
TABLE_SCORES = (0.5, 0.6, 0.7, 0.8, 0.9)


def split(layout, engine, dev: Path) -> dict:
    """The regions' thresholds tuned on one half of layout-dev (the best mean heading F1 of its text
    layers and scans; of equals, the lowest thresholds) and scored on the other, both ways."""
    gts = _load(dev)
    halves = layout_split.halves(gts)
    cache: dict = {}

    def counts(ids, source, h, t):
        key = (tuple(ids), source, h, t)
        if key not in cache:
            cache[key] = score(layout, gts, ids, source, False, engine, dev, heading_score=h, table_score=t)[0]
        return cache[key]

    def f1(ids, h, t) -> float:
        return sum(ls.figures(counts(ids, source, h, t))["heading_f1"] or 0.0 for source in ("text", "scan")) / 2

    print("split by document, the regions' thresholds tuned on one half, scored on the other:")
    out = {}
    for tune, other in (("A", "B"), ("B", "A")):
        grid = [(h, t) for h in HEADING_SCORES for t in TABLE_SCORES]
        best = max(grid, key=lambda ht: (round(f1(halves[tune], *ht), 6), -ht[0], -ht[1]))
        print(f"  tuned on {tune}: heading_score {best[0]}, table_score {best[1]} (its own mean heading F1 "
              f"{f1(halves[tune], *best):.3f})")
        out[f"tuned on {tune}"] = {"heading_score": best[0], "table_score": best[1]}
        for source in ("text", "scan"):
            c = counts(halves[other], source, *best)
            print(_line(f"other half {other}", source, c))
            out[f"tuned on {tune}"][f"other half {other} {source}"] = ls.figures(c)
    return out


def _module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _line(name: str, source: str, c: ls.Counts) -> str:
    f = ls.figures(c)

    def v(key: str, digits: int = 3) -> str:
        return "-" if f[key] is None else f"{f[key]:.{digits}f}"

    return (f"  {name:<16} {source:<4} heading F1 {v('heading_f1')} (P {v('heading_precision')} R "
            f"{v('heading_recall')}; {c.headings})  footnotes {v('footnote_recall')}  furniture "
            f"{v('furniture_recall')}  body out {v('body_words_left_out', 4)}  order {v('reading_order')}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dev", type=Path, default=DEV)
    ap.add_argument("--tagged", type=Path, default=TAGGED, help="training/layout_roles/tagged.py's --out")
    ap.add_argument("--base", help="also replay this revision's chalicelib/structure/layout.py")
    ap.add_argument("--verbose", action="store_true", help="each page's heading misses (the tree's)")
    ap.add_argument("--regions", metavar="ENGINE", help="also weigh the pages with this layout engine's regions")
    ap.add_argument("--cvat", type=Path, nargs="?", const=CVAT, help="also score these pages (cvat.py's --out)")
    ap.add_argument("--split", action="store_true", help="with --regions: its thresholds tuned on each half, "
                    "scored on the other")
    args = ap.parse_args(argv)
    from chalicelib.structure import layout

    engine = None
    if args.regions:
        from chalicelib.engines import layout as layout_engines

        engine = layout_engines.get_engine(args.regions)
    sides = {"tree": layout}
    with tempfile.TemporaryDirectory(prefix="pv-layout-replay-") as tmp:
        if args.base:
            path = Path(tmp) / "layout_base.py"
            path.write_text(subprocess.run(["git", "show", f"{args.base}:chalicelib/structure/layout.py"], cwd=ROOT,
                                           capture_output=True, text=True, check=True).stdout)
            sides[args.base] = _module(path, "chalicelib.structure.layout_base")
        roots = {"layout-dev": args.dev, "tagged": args.tagged, "cvat": args.cvat}
        runs = [(side, module, None) for side, module in sides.items()]
        if engine is not None:
            runs.append((f"tree + {engine.name} regions ({engine.version})", layout, engine))
        for side, module, weigh_with in runs:
            print(f"{side}:")
            for source in ("text", "scan"):
                for name, gts, ids in sets(args.dev, args.tagged, args.cvat):
                    root = roots[name.split()[0]]
                    c, missing = score(module, gts, ids, source, args.verbose and side == "tree", weigh_with, root)
                    print(_line(name, source, c) + (f"  ({missing} pages not recorded)" if missing else ""))
    if args.split and engine is not None:
        split(layout, engine, args.dev)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
