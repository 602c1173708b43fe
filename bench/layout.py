"""Layout: what a listener hears of a document page (issue 38), on layout-dev's labelled pages.

    .venv/bin/python -m bench.layout --datasets ../shared/datasets [--base REV] [--limit N]
        [--configs text-single,scan-single,...] [--verbose] [--ocr-cache [DIR]]

Each page of `layout-dev` is read by `chalicelib.kinds.page.pipeline.read` (the result without
a recording) four ways: {text layer: the page's PDF; scan: its 200 dpi .webp image} x {single
pages; documents joined from the pages of one `doc_group`: a multi-page PDF (pypdfium2) or a
multi-page TIFF (Pillow, deflate)}. Pages without a doc_group are only read single. The result's
pages are scored against the labels by bench/layout_score.py (the dataset README's protocol):
furniture and footnotes left out of the spoken text, body words wrongly left out, heading F1,
reading order on multi-column pages (and on all pages, for context).

CPU per page: the process time (its own and its children's: the decoding sandbox, Tesseract)
of each pipeline call, in a long-lived reader process that has loaded its engines and read one
page of each kind untimed. With `--base REV` a second reader runs the code of REV (a git
worktree under /tmp) and the two take turns page by page (base first on even items), so both
meet the same load; both sides are scored and the CPU ratio head / base is printed. The head
is the working tree (uncommitted changes included) unless `--head REV`.

`--ocr-cache` reuses OCR readings stored on disk (bench/ocr_cache.py: keyed by the page image,
the engine and the tree's OCR source) so that the structure of scans can be iterated on in
seconds; its CPU figures then leave the OCR out, so compare CPU without it.

Then the split by document (issue 55, bench/layout_split.py): layout-dev's source documents in
two halves A and B, never a document on both sides: the rules' figures on each half, and those
of the heading and footnote model (chalicelib/structure/roles.py) trained on one half and the
extra labelled pages (training/layout_roles/model_A.json, model_B.json) on its own half and on
the other, and of the one trained on the extra pages alone (model_extra.json) on every page,
read by more readers of the head's tree (`--no-split`: without them).

Prints a table per side; writes bench/out/layout.json (figures, counts, and per page what was
missed: furniture or footnotes spoken, body words left out, headings missed, order).
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench import layout_score as ls
from bench import layout_split, ocr_cache

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ("text-single", "text-joined", "scan-single", "scan-joined")
TARGETS = {"furniture_recall": ">= 0.95", "body_words_left_out": "<= 0.02", "footnote_recall": ">= 0.85",
           "heading_f1": ">= 0.80", "reading_order_multi": ">= 0.95"}

# Runs inside a tree (the head's or REV's): loads the engines, reads one page of each kind
# untimed, then answers one JSON line per file named on stdin. Stray prints go to stderr.
CHILD = r"""
import json, os, sys, time
out = os.fdopen(os.dup(1), "w")
os.dup2(2, 1)
from chalicelib.kinds.page import pipeline
from chalicelib.languages import detect
if os.environ.get("PV_BENCH_OCR_CACHE"):  # bench/ocr_cache.py of the head, around this tree's OCR
    import importlib.util, pathlib
    spec = importlib.util.spec_from_file_location("pv_ocr_cache", os.environ["PV_BENCH_OCR_CACHE_MODULE"])
    cache = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cache)
    cache.install(pathlib.Path(os.environ["PV_BENCH_OCR_CACHE"]), pathlib.Path.cwd())
pipeline.warm_up(speech=False)
detect.warm_up()

def cpu():
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system

for path in json.loads(sys.argv[1]):
    try:
        pipeline.read(open(path, "rb").read())
    except Exception:  # the timed read of the same kind reports it
        pass
out.write('{"ready": true}\n')
out.flush()
for request in sys.stdin:
    data = open(json.loads(request), "rb").read()
    c0, w0 = cpu(), time.monotonic()
    try:
        result, error = pipeline.read(data), None
    except Exception as e:  # reported and scored as an empty page
        result, error = None, f"{type(e).__name__}: {e}"
    answer = {"result": result, "cpu_s": cpu() - c0, "wall_s": time.monotonic() - w0, "error": error}
    out.write(json.dumps(answer) + "\n")
    out.flush()
"""


class Reader:
    """A long-lived process reading files with the code of one tree."""

    def __init__(self, tree: Path, warm: list[Path], log: Path, ocr_cache: Path | None = None,
                 settings: dict[str, str] | None = None):
        self.tree, self.log = tree, log
        env = {**os.environ, **(settings or {}), "PYTHONPATH": str(tree)}
        if ocr_cache is not None:
            env.update(PV_BENCH_OCR_CACHE=str(ocr_cache), PV_BENCH_OCR_CACHE_MODULE=str(ROOT / "bench" / "ocr_cache.py"))
        with log.open("w") as err:
            self.proc = subprocess.Popen([sys.executable, "-c", CHILD, json.dumps([str(p) for p in warm])],
                                         cwd=tree, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=err, text=True)
        self._answer()

    def read(self, path: Path) -> dict:
        self.proc.stdin.write(json.dumps(str(path)) + "\n")
        self.proc.stdin.flush()
        return self._answer()

    def _answer(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            tail = self.log.read_text()[-2000:]
            raise RuntimeError(f"the reader of {self.tree} stopped (its log {self.log}):\n{tail}")
        return json.loads(line)

    def close(self) -> None:
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()


@contextlib.contextmanager
def worktree(rev: str, parent: Path, side: str):
    """(tree, short sha): REV checked out under `parent`, bytecode compiled before timing (as
    bench/paired.py does), removed afterwards."""
    sha = _git("rev-parse", "--short", rev)
    tree = parent / f"{side}-{sha}"
    subprocess.run(["git", "worktree", "add", "--detach", "-q", str(tree), sha], cwd=ROOT, check=True)
    try:
        subprocess.run([sys.executable, "-m", "compileall", "-q", "chalicelib"], cwd=tree, check=True)
        yield tree, sha
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False)


@dataclass
class Unit:
    """One file read: a page, or a document joined from the pages of one doc_group."""
    config: str
    path: Path
    pages: list[str]  # the ids of its pages, in order


def load(datasets: Path, limit: int | None) -> dict[str, dict]:
    root = datasets / "layout-dev"
    paths = sorted((root / "gt").glob("*.json"))[:limit]
    if not paths:
        raise SystemExit(f"no layout-dev ground truth under {root}")
    return {p.stem: json.loads(p.read_text()) for p in paths}


def units(gts: dict[str, dict], root: Path, work: Path, configs: list[str]) -> list[Unit]:
    """The files each configuration reads (joined documents written to `work`)."""
    from PIL import Image

    from tests.media import documents as docs

    groups: dict[str, list[str]] = {}
    for pid, gt in gts.items():
        if gt.get("doc_group"):
            groups.setdefault(gt["doc_group"], []).append(pid)
    groups = {g: ids for g, ids in groups.items() if len(ids) > 1}  # --limit can leave one page of a group
    out = []
    for config in configs:
        text = config.startswith("text")
        if config.endswith("single"):
            out += [Unit(config, root / gts[pid]["pdf" if text else "image"], [pid]) for pid in gts]
            continue
        for group, ids in sorted(groups.items()):
            if text:
                data = docs.join(*[(root / gts[pid]["pdf"]).read_bytes() for pid in ids])
            else:
                data = docs.tiff([Image.open(root / gts[pid]["image"]).convert("RGB") for pid in ids],
                                 compression="tiff_deflate")
            path = work / f"{group}.{'pdf' if text else 'tiff'}"
            path.write_bytes(data)
            out.append(Unit(config, path, ids))
    return out


@dataclass
class Tally:
    """One side's figures in one configuration."""
    all: ls.Counts = field(default_factory=ls.Counts)
    multi: ls.Counts = field(default_factory=ls.Counts)  # pages with multi_column true
    pages: int = 0
    cpu_s: float = 0.0
    wall_s: float = 0.0
    errors: list[str] = field(default_factory=list)
    per_page: dict[str, dict] = field(default_factory=dict)
    page_counts: dict[str, ls.Counts] = field(default_factory=dict)  # for the split by document

    def figures(self) -> dict:
        f = ls.figures(self.all)
        f["reading_order_multi"] = ls.figures(self.multi)["reading_order"]
        f["cpu_s_per_page"] = self.cpu_s / self.pages if self.pages else None
        f["wall_s_per_page"] = self.wall_s / self.pages if self.pages else None
        return f

    def counts(self) -> dict:
        c = {k: v for k, v in asdict(self.all).items() if k != "misses"}
        c["order_pairs_multi"], c["pages"] = self.multi.order_pairs, self.pages
        return c


def score(unit: Unit, answer: dict, gts: dict[str, dict], tally: Tally) -> None:
    result = answer["result"] or {}
    pages = result.get("pages") or ([result] if "lines" in result else [])
    if answer["error"]:
        tally.errors.append(f"{unit.path.name}: {answer['error']}")
    tally.pages += len(unit.pages)
    tally.cpu_s += answer["cpu_s"]
    tally.wall_s += answer["wall_s"]
    for i, pid in enumerate(unit.pages):
        gt = gts[pid]
        page = pages[i] if i < len(pages) else {"lines": [], "width": gt["width"], "height": gt["height"]}
        rs = ls.regions(gt, page.get("width") or gt["width"], page.get("height") or gt["height"],
                        from_pdf=unit.config.startswith("text"))
        c = ls.score_page(rs, page)
        tally.all += c
        if gt.get("multi_column"):
            tally.multi += c
        tally.per_page[pid] = {"figures": ls.figures(c), "misses": c.misses}
        tally.page_counts[pid] = c


def _cell(value: float | None, n: int | None = None) -> str:
    text = "-" if value is None else f"{value:.3f}"
    return text if n is None else f"{text} ({n})"


ROWS = [  # (label, figure, the count shown beside it)
    ("furniture left out (recall)", "furniture_recall", "furniture"),
    ("  page numbers left out", "page_number_recall", "page_numbers"),
    ("body words wrongly left out", "body_words_left_out", "body_words"),
    ("footnotes left out (recall)", "footnote_recall", "footnotes"),
    ("heading F1 (labelled)", "heading_f1", "headings"),
    ("  heading precision (found)", "heading_precision", "heading_blocks"),
    ("  heading recall", "heading_recall", None),
    ("reading order, multi-column (pairs)", "reading_order_multi", "order_pairs_multi"),
    ("reading order, all pages (pairs)", "reading_order", "order_pairs"),
    ("CPU s per page (pages)", "cpu_s_per_page", "pages"),
    ("wall s per page", "wall_s_per_page", None),
]


def table(tallies: dict[str, Tally]) -> str:
    configs = list(tallies)
    figs = {c: tallies[c].figures() for c in configs}
    counts = {c: tallies[c].counts() for c in configs}
    width = 17
    lines = [f"  {'':<36}" + "".join(f"{c:>{width}}" for c in configs) + "  target"]
    for label, key, n in ROWS:
        cells = "".join(f"{_cell(figs[c][key], counts[c][n] if n else None):>{width}}" for c in configs)
        lines.append(f"  {label:<36}{cells}  {TARGETS.get(key, '')}")
    unread = "".join(f"{counts[c]['furniture_unread']:>{width}}" for c in configs)
    lines.append(f"  {'  furniture with no word read':<36}{unread}")
    unread = "".join(f"{counts[c]['footnotes_unread']:>{width}}" for c in configs)
    lines.append(f"  {'  footnotes with no word read':<36}{unread}")
    return "\n".join(lines)


def run(gts: dict, work_units: list[Unit], readers: dict[str, Reader], verbose: bool) -> dict:
    tallies = {side: {} for side in readers}
    for n, unit in enumerate(work_units):
        sides = list(readers) if n % 2 == 0 else list(reversed(readers))  # neither side always first
        for side in sides:
            answer = readers[side].read(unit.path)
            score(unit, answer, gts, tallies[side].setdefault(unit.config, Tally()))
        if verbose:
            cpu = "  ".join(f"{side} {tallies[side][unit.config].cpu_s:.1f}" for side in readers)
            print(f"  {n + 1}/{len(work_units)} {unit.config} {unit.path.name}: CPU so far {cpu}", flush=True)
    return tallies


def print_report(gts: dict, configs: list[str], tallies: dict[str, dict[str, Tally]], revisions: dict[str, str],
                 verbose: bool) -> dict:
    """Print each side's table (and the CPU ratio, and with `verbose` each page's misses); the
    report's `sides` for the JSON."""
    groups = {g["doc_group"] for g in gts.values() if g.get("doc_group")}
    print(f"\nLayout (issue 38): layout-dev, {len(gts)} pages ({sum(bool(g.get('doc_group')) for g in gts.values())} "
          f"in {len(groups)} doc_groups, {sum(bool(g.get('multi_column')) for g in gts.values())} multi-column); "
          f"load average {' '.join(open('/proc/loadavg').read().split()[:3])}")  # noqa: SIM115
    print("figure (count it is over); 'joined': documents of one doc_group's pages; CPU: the pipeline "
          "call's process time, its children's included")
    sides = {}
    for side in tallies:
        print(f"\n{side}: {revisions[side]}")
        print(table(tallies[side]))
        for config, tally in tallies[side].items():
            for error in tally.errors:
                print(f"  ERROR {config} {error}")
        sides[side] = {"revision": revisions[side], "configs": {
            c: {"figures": t.figures(), "counts": t.counts(), "errors": t.errors, "pages": t.per_page}
            for c, t in tallies[side].items()}}
    if "base" in tallies:
        print("\nCPU per page, head / base (the same pages, taking turns):")
        for config in configs:
            b, h = tallies["base"].get(config), tallies["head"].get(config)
            if b and h and b.cpu_s:
                print(f"  {config:<12} {h.cpu_s / h.pages:.3f} / {b.cpu_s / b.pages:.3f} = {h.cpu_s / b.cpu_s:.2f}x")
                sides["head"]["configs"][config]["cpu_ratio_to_base"] = h.cpu_s / b.cpu_s
    if verbose:
        for config, tally in tallies["head"].items():
            print(f"\nhead, {config}: what went wrong, per page")
            for pid, page in tally.per_page.items():
                for miss in page["misses"]:
                    print(f"  {pid} {miss}")
    return sides


def split_readers(head_classifier: bool) -> dict[str, dict[str, str]]:
    """The settings of the readers the split needs beside the head's: the rules alone (unless
    the head reads so), the role model trained on each half (with the extra labelled pages), and
    the one trained on the extra pages alone (training/layout_roles)."""
    models = ROOT / "training" / "layout_roles"
    out = {f"tuned on {h}": {CLASSIFIER: "1", CLASSIFIER + "_FILE": str(models / f"model_{h}.json")}
           for h in layout_split.HALVES}
    if (models / EXTRA_MODEL).exists():
        out[EXTRA] = {CLASSIFIER: "1", CLASSIFIER + "_FILE": str(models / EXTRA_MODEL)}
    if head_classifier:
        out = {"rules": {CLASSIFIER: "0"}, **out}
    # The rules without the layout engine's regions (chalicelib.structure.regions): today's defaults beside.
    return {RULES_ALONE: {CLASSIFIER: "0", "PAGEVOICE_LAYOUT_ENGINE": "none"}, **out}


CLASSIFIER = "PAGEVOICE_STRUCTURE_CLASSIFIER"
RULES_ALONE = "rules alone"
EXTRA, EXTRA_MODEL = "tuned on extra", "model_extra.json"


def print_split(gts: dict, head: dict[str, Tally], split_tallies: dict[str, dict[str, Tally]], dev: Path) -> dict:
    """The split by document (bench/layout_split.py): per configuration, the rules on each half,
    the model tuned on each half (and the extra pages) scored on it ("tune") and on the other
    half ("other"), the two other halves together (every page scored by a model that never saw
    its document), and the model trained on the extra pages alone on every page; the same as a
    dict for the JSON."""
    split = layout_split.halves(gts)
    print(f"\nSplit by document: {layout_split.describe(gts, split)}")
    rules = split_tallies.get("rules", head)
    out = {"halves": split, "configs": {}}
    for config in head:
        columns = {f"head {h}": layout_split.total(head[config].page_counts, ids) for h, ids in split.items()}
        if RULES_ALONE in split_tallies:
            columns |= {f"{RULES_ALONE} {h}": layout_split.total(split_tallies[RULES_ALONE][config].page_counts, ids)
                        for h, ids in split.items()}
        if rules is not head:
            columns |= {f"rules {h}": layout_split.total(rules[config].page_counts, ids) for h, ids in split.items()}
        unseen = ls.Counts()
        for h in layout_split.HALVES:
            tallies = split_tallies.get(f"tuned on {h}")
            if tallies is None:
                continue
            pages = tallies[config].page_counts
            other = layout_split.other(h)
            columns[f"{h}: tune {h}"] = layout_split.total(pages, split[h])
            columns[f"{h}: other {other}"] = layout_split.total(pages, split[other])
            unseen += columns[f"{h}: other {other}"]
        if unseen.headings:
            columns["head, all"] = layout_split.total(head[config].page_counts, sorted(gts))
            columns["models' other halves"] = unseen
        if EXTRA in split_tallies:
            columns["extra alone: all"] = layout_split.total(split_tallies[EXTRA][config].page_counts, sorted(gts))
        print(f"\n{config}: the head (the rules and the layout engine's regions), the rules alone, and the role "
              "model (roles.py) tuned on A or B (with the extra pages), on each half")
        print(layout_split.table(columns))
        out["configs"][config] = {name: ls.figures(c) for name, c in columns.items()}
        if RULES_ALONE in split_tallies and head[config].pages:
            # Read side by side, page by page: the regions' cost as a ratio on the same load.
            ours, alone = head[config].figures()["cpu_s_per_page"], split_tallies[RULES_ALONE][config].figures()["cpu_s_per_page"]
            print(f"  CPU s per page: head {ours:.3f}, {RULES_ALONE} {alone:.3f} ({ours / alone:.2f}x)")
            out["configs"][config]["cpu_s_per_page"] = {"head": ours, RULES_ALONE: alone}
    out["regions"] = regions_split(dev)
    return out


def regions_split(dev: Path) -> dict | None:
    """The layout engine's thresholds (chalicelib.structure.regions) tuned on one half and scored on the
    other, both ways, replayed on the analyses training/layout_roles/train.py recorded
    (bench.layout_replay --split); None when they are not recorded."""
    from bench import layout_replay
    from chalicelib import settings
    from chalicelib.engines import layout as layout_engines
    from chalicelib.structure import layout

    name = layout_engines.chosen(settings.get().worker.layout_engine)
    if name is None or not any(layout_replay.CACHE.glob("*-text.pickle")):
        print("\n(the regions' split needs the analyses training/layout_roles/train.py records)")
        return None
    print()
    return layout_replay.split(layout, layout_engines.get_engine(name), dev)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", type=Path, default=ROOT.parent / "shared" / "datasets")
    ap.add_argument("--base", help="also read every page with the code of this revision, taking turns")
    ap.add_argument("--head", help="read with this revision instead of the working tree")
    ap.add_argument("--limit", type=int, help="the first N pages only (by id)")
    ap.add_argument("--configs", default=",".join(CONFIGS), help=f"some of {', '.join(CONFIGS)}")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "layout.json")
    ap.add_argument("--no-split", action="store_true", help="leave out the role models tuned on each half")
    ap.add_argument("--verbose", action="store_true", help="progress, and each page's misses (head)")
    ap.add_argument("--ocr-cache", nargs="?", type=Path, const=ocr_cache.DEFAULT, metavar="DIR",
                    help=f"reuse OCR readings pickled under DIR (default {ocr_cache.DEFAULT}), keyed by the page "
                         "image, the engine and the tree's OCR source: for iterating on the structure; CPU "
                         "figures then leave the OCR out")
    args = ap.parse_args(argv)
    configs = [c for c in args.configs.split(",") if c]
    if unknown := set(configs) - set(CONFIGS):
        ap.error(f"unknown configuration(s) {', '.join(sorted(unknown))}: choose from {', '.join(CONFIGS)}")
    datasets = args.datasets.resolve()  # the readers run in their own trees
    root = datasets / "layout-dev"
    gts = load(datasets, args.limit)
    with tempfile.TemporaryDirectory(prefix="pv-layout-") as tmp, contextlib.ExitStack() as stack:
        work = Path(tmp)
        trees: dict[str, tuple[Path, str]] = {}
        if args.base:
            trees["base"] = stack.enter_context(worktree(args.base, work, "base"))
        if args.head:
            trees["head"] = stack.enter_context(worktree(args.head, work, "head"))
        else:
            dirty = _git("status", "--porcelain", "--", "chalicelib")
            trees["head"] = (ROOT, _git("rev-parse", "--short", "HEAD") + (" + uncommitted changes" if dirty else ""))
        todo = units(gts, root, work, configs)
        first = next(iter(gts.values()))
        warm = [root / first[key] for key, prefix in (("pdf", "text"), ("image", "scan"))
                if any(c.startswith(prefix) for c in configs)]
        readers: dict[str, Reader] = {}
        try:
            for side, (tree, _) in trees.items():
                readers[side] = Reader(tree, warm, work / f"{side}.log", args.ocr_cache)
            if not args.no_split:
                from chalicelib import settings

                for name, env in split_readers(settings.get().worker.structure_classifier).items():
                    readers[name] = Reader(ROOT, warm, work / f"{name.replace(' ', '-')}.log", args.ocr_cache, env)
            tallies = run(gts, todo, readers, args.verbose)
            split_tallies = {name: tallies.pop(name) for name in list(tallies) if name not in trees}
        finally:
            for reader in readers.values():
                reader.close()
    if args.ocr_cache:
        print(f"\nOCR readings cached under {args.ocr_cache}: CPU figures leave out the OCR of pages read before")
    report = {"pages": len(gts), "ocr_cache": str(args.ocr_cache) if args.ocr_cache else None,
              "sides": print_report(gts, configs, tallies, {s: t[1] for s, t in trees.items()},
                                                       args.verbose)}
    report["sides"]["head"]["split"] = print_split(gts, tallies["head"], split_tallies, args.datasets / "layout-dev")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1))
    print(f"\nwritten: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
