"""Train chalicelib/structure/roles.py's model: is a page's block a heading, a footnote, or neither.

    nice -n 19 .venv/bin/python training/layout_roles/train.py [--datasets ../shared/datasets] \
        [--extra DIR ...] [--uses measured|derived|carry] [--mode decide|filter] [--out DIR] \
        | tee training/layout_roles/train.log

Data: layout-dev's 55 labelled pages (DP-Bench, MIT; see its README) and more labelled pages
(`--extra`, by default DocBank's samples as training/layout_roles/docbank.py writes them: 99
arXiv pages, Apache-2.0; or tagged PDFs' pages, training/layout_roles/tagged.py: headings as the
PDFs' structure trees tag them, their footnotes unlabelled: `footnotes_labelled: false` leaves a
page out of the footnote task, and a task with no labelled example keeps the rules' verdict),
each read as the product reads it: from its PDF's text layer, and as a
scan (its 200 dpi image through OCR, the readings cached by bench/ocr_cache.py). What the layout
analysis is given for each page is recorded once (~/.cache/pagevoice-bench/layout-roles), so
changing the measurements and training again takes seconds. Every block the model weighs
(layout._weigh: paragraphs, list items, the rules' headings and footnotes) is one example, with
its measurements (roles.FEATURES) and its label from the page's labels: a heading when its box
meets a Section-header or Title box at IoU >= 0.5 (the bench's match), a footnote when half its
box lies in a Footnote box.

Model: one L2-regularised logistic regression per task over standardised measurements (`--uses`:
roles.FEATURES as layout._features measures them; `derived`: with roles.DERIVED, measurements made
of those such as emphasis on a short line; `carry`: DERIVED without the rules' tuned verdicts,
roles.VERDICTS; `--mode filter`: the heading head weighs only the blocks the rules call headings,
to tell which are none, and the footnotes stay the rules'), fitted by
Newton's method (numpy); the penalty and the threshold are chosen by leave-one-document-out
over the training pages (F1 of the blocks). layout-dev is the test: trained on half A of
bench/layout_split's split by document with the extra pages (training/layout_roles/model_A.json)
and scored on half B, the other way round (model_B.json), and on the extra pages alone
(model_extra.json) scored on all of layout-dev; each half alone too, for comparison (logged, not
written). Here the blocks are scored, `bench.layout` scores the pages. Last, trained on every
page (chalicelib/structure/roles_model.json, what the worker loads when `structure_classifier`
is on). `--out DIR` writes them all there instead (to compare runs).
"""
from __future__ import annotations

import argparse
import json
import pickle
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench import layout as bench_layout  # noqa: E402
from bench import layout_score as ls  # noqa: E402
from bench import layout_split, ocr_cache  # noqa: E402
from chalicelib.structure import layout, roles  # noqa: E402
from training.layout_roles import docbank  # noqa: E402

HERE = Path(__file__).resolve().parent
CACHE = Path.home() / ".cache" / "pagevoice-bench" / "layout-roles"
SOURCES = {"text": "pdf", "scan": "image"}
RULE_HEADING = roles.FEATURES.index("rule_heading")
PENALTIES = (0.3, 1.0, 3.0, 10.0, 30.0)
THRESHOLDS = tuple(np.round(np.arange(0.2, 0.81, 0.05), 2))


def recorded(gts: dict[str, dict], roots: dict[str, Path]) -> dict[tuple[str, str], dict]:
    """{(page id, source): the arguments layout.analyse was given}, recorded once per page (the
    page's files under roots[page id]; a source the page lacks is left out)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    out, todo = {}, []
    for pid in gts:
        for source in SOURCES:
            if not gts[pid].get(SOURCES[source]):
                continue
            path = CACHE / f"{pid}-{source}.pickle"
            if path.exists():
                out[pid, source] = pickle.loads(path.read_bytes())
            else:
                todo.append((pid, source))
    if todo:
        from chalicelib.kinds.page import pipeline
        from chalicelib.media import document

        ocr_cache.install(ocr_cache.DEFAULT, ROOT)
        calls = []
        analyse = layout.analyse

        def recording(lines, width, height, hints=None, **how):
            calls.append({"lines": lines, "width": width, "height": height, "hints": hints,
                          "page_index": how.get("page_index", 0), "figures": list(how.get("figures", ()))})
            return analyse(lines, width, height, hints, **{**how, "model": None})

        def in_process(data, *, deadline=None, **how):  # the sandbox's child runs the text layer's analysis
            doc = document.open_document(data, **how)
            doc.close = lambda: None  # the pipeline asks for the outline after closing (the sandbox keeps it)
            return doc

        layout.analyse = recording
        pipeline.sandbox.open_document, sandboxed = in_process, pipeline.sandbox.open_document
        try:
            for pid, source in todo:
                calls.clear()
                pipeline.read((roots[pid] / gts[pid][SOURCES[source]]).read_bytes())
                (CACHE / f"{pid}-{source}.pickle").write_bytes(pickle.dumps(calls[-1]))
                out[pid, source] = calls[-1]
                print(f"recorded {pid} {source}: {len(calls[-1]['lines'])} lines", flush=True)
        finally:
            layout.analyse, pipeline.sandbox.open_document = analyse, sandboxed
    return out


def _inside(box, region) -> float:
    ix = min(box[2], region[2]) - max(box[0], region[0])
    iy = min(box[3], region[3]) - max(box[1], region[1])
    area = (box[2] - box[0]) * (box[3] - box[1])
    return max(ix, 0) * max(iy, 0) / area if area > 0 else 0.0


def examples(gt: dict, call: dict, source: str) -> tuple[list[list[float]], list[int], list[int]]:
    """One page's blocks: measurements, heading labels, footnote labels."""
    seen: list = []
    layout.analyse(call["lines"], call["width"], call["height"], call["hints"], page_index=call["page_index"],
                   figures=call["figures"], model=None, seen=seen)
    rs = ls.regions(gt, call["width"], call["height"], from_pdf=source == "text")
    heads = [r.box for r in rs if r.cls in ls.HEADINGS]
    notes = [r.box for r in rs if r.cls == ls.FOOTNOTE]
    xs, hs, fs = [], [], []
    for block, x in seen:
        box = block.box
        xs.append(x)
        hs.append(int(any(ls.iou(box, h) >= ls.IOU_MIN for h in heads)))
        fs.append(int(any(_inside(box, n) >= 0.5 for n in notes)))
    return xs, hs, fs


def fit(x: np.ndarray, y: np.ndarray, penalty: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """(mean, scale, weights, bias) of an L2 logistic regression on standardised x (Newton)."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    w = np.zeros(z.shape[1])
    reg = np.full(z.shape[1], penalty)
    reg[-1] = 0.0  # the bias is not penalised
    for _ in range(50):
        p = 1 / (1 + np.exp(-np.clip(z @ w, -60, 60)))
        grad = z.T @ (p - y) + reg * w
        hess = (z * (p * (1 - p))[:, None]).T @ z + np.diag(reg + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return mean, scale, w[:-1], float(w[-1])


def predict(model: tuple, x: np.ndarray) -> np.ndarray:
    mean, scale, w, b = model
    return 1 / (1 + np.exp(-np.clip(((x - mean) / scale) @ w + b, -60, 60)))


def f1(y: np.ndarray, yes: np.ndarray, missed: int = 0) -> float:
    """F1 of the verdicts `yes` against the labels `y`, with `missed` positives never weighed."""
    tp = int((y & yes).sum())
    return 2 * tp / max(1, int(y.sum()) + missed + int(yes.sum()))


def choose(x: np.ndarray, y: np.ndarray, docs: np.ndarray, missed: int = 0) -> tuple[float, float, float]:
    """(penalty, threshold, F1) by leave-one-document-out over the training pages (`missed`:
    positives left out of x, counted as missed: the filter's, those the rules did not call)."""
    best = None
    for penalty in PENALTIES:
        p = np.zeros(len(y))
        for d in np.unique(docs):
            held = docs == d
            if y[~held].sum() == 0:
                continue
            p[held] = predict(fit(x[~held], y[~held], penalty), x[held])
        for t in THRESHOLDS:
            score = f1(y.astype(bool), p >= t, missed)
            if best is None or score > best[2] + 1e-9:
                best = (penalty, float(t), score)
    return best


def train(data: dict, ids: list[str], name: str, log, uses: tuple[str, ...] = roles.FEATURES,
          mode: str = "decide") -> dict:
    """The model's JSON, trained on the pages `ids` (both sources) over the measurements `uses`;
    `mode` filter: the heading head learns only from the rules' headings, the footnote head is the
    rules' (roles.MODES)."""
    keys = [k for k in data if k[0] in ids]
    x = np.array([roles.inputs(v, uses) for k in keys for v in data[k][0]], dtype=float)
    docs = np.array([data[k][3] for k in keys for _ in data[k][0]])
    out = {"features": list(roles.FEATURES), "trained_on": name, "pages": len(ids), "examples": len(x)}
    if uses != roles.FEATURES:
        out["uses"] = list(uses)
    if mode != "decide":
        out["mode"] = mode
    called = np.array([data[k][0][n][RULE_HEADING] > 0.5 for k in keys for n in range(len(data[k][0]))], dtype=bool)
    for task, col in (("heading", 1), ("footnote", 2)):
        # pages whose labels say nothing of footnotes (tagged PDFs tag few of theirs) are left out of that task
        told = np.array([task == "heading" or data[k][4] for k in keys for _ in data[k][0]], dtype=bool)
        y = np.array([v for k in keys for v in data[k][col]], dtype=float)[told]
        missed = 0
        if mode == "filter" and task == "footnote":
            out[task] = rules_head(task, uses)
            log(f"  {name} {task}: the rules' verdict (filter)")
            continue
        if mode == "filter":  # only the rules' headings: the others are missed whatever it says
            missed = int(y[~called[told]].sum())
            told &= called
            y = np.array([v for k in keys for v in data[k][col]], dtype=float)[told]
        if not y.sum():  # nothing to learn from: the rules' verdict
            out[task] = rules_head(task, uses)
            log(f"  {name} {task}: no labelled {task}s; the rules' verdict")
            continue
        penalty, threshold, cv = choose(x[told], y, docs[told], missed)
        mean, scale, w, b = fit(x[told], y, penalty)
        out[task] = {"mean": mean.round(6).tolist(), "scale": scale.round(6).tolist(), "weights": w.round(6).tolist(),
                     "bias": round(b, 6), "threshold": threshold, "penalty": penalty,
                     "positives": int(y.sum()), "cv_f1": round(cv, 3)}
        top = sorted(zip(uses, w), key=lambda t: -abs(t[1]))[:6]
        log(f"  {name} {task}: {int(y.sum())} of {len(y)} blocks; penalty {penalty}, threshold {threshold}, "
            f"leave-one-document-out F1 {cv:.3f}; largest weights " + ", ".join(f"{f} {v:+.2f}" for f, v in top))
    return out


def rules_head(task: str, uses: tuple[str, ...]) -> dict:
    """A head that says what the rules said (a task with no labelled examples to learn from; one
    that does not use the rules' verdict never fires)."""
    n = len(uses)
    weights = [0.0] * n
    if f"rule_{task}" in uses:
        weights[uses.index(f"rule_{task}")] = 10.0
    return {"mean": [0.0] * n, "scale": [1.0] * n, "weights": weights, "bias": -5.0, "threshold": 0.5,
            "penalty": None, "positives": 0, "cv_f1": None}


def score(data: dict, ids: list[str], model: dict, source: str) -> dict[str, tuple[float, float]]:
    """Block F1 of the model and of the rules alone on the pages `ids` from one source."""
    keys = [k for k in data if k[0] in ids and k[1] == source]
    x = np.array([v for k in keys for v in data[k][0]], dtype=float)
    z = np.array([roles.inputs(v, tuple(model.get("uses", roles.FEATURES))) for v in x], dtype=float)
    rule = {"heading": roles.FEATURES.index("rule_heading"), "footnote": roles.FEATURES.index("rule_footnote")}
    out = {}
    for task, col in (("heading", 1), ("footnote", 2)):
        y = np.array([v for k in keys for v in data[k][col]], dtype=bool)
        m = model[task]
        p = predict((np.array(m["mean"]), np.array(m["scale"]), np.array(m["weights"]), m["bias"]), z)
        if model.get("mode") == "filter" and task == "heading":
            p[x[:, RULE_HEADING] <= 0.5] = 0.0
        out[task] = (f1(y, x[:, rule[task]] > 0.5), f1(y, p >= m["threshold"]))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", type=Path, default=ROOT.parent / "shared" / "datasets")
    ap.add_argument("--extra", type=Path, action="append",
                    help=f"a folder of more labelled pages in layout-dev's shape (gt/*.json, each with its `document`); "
                         f"default: {docbank.OUT} when it is there (training/layout_roles/docbank.py writes it)")
    ap.add_argument("--uses", choices=sorted(roles.SETS), default="measured",
                    help="the measurements the model weighs (roles.SETS): measured (roles.FEATURES), derived "
                         "(those and roles.DERIVED) or carry (without the rules' tuned verdicts, with DERIVED)")
    ap.add_argument("--mode", choices=roles.MODES, default="decide",
                    help="filter: the model only weighs the rules' headings (a precision filter), footnotes "
                         "stay the rules'")
    ap.add_argument("--out", type=Path, help="write the models here, the all-pages one as roles_model.json "
                                                "(default: model_*.json here, the all-pages one as roles.MODEL)")
    args = ap.parse_args(argv)
    uses = roles.SETS[args.uses]
    gts = bench_layout.load(args.datasets, None)
    split = layout_split.halves(gts)
    doc_of = {pid: f"layout-dev {n}" for n, doc in enumerate(layout_split.documents(gts)) for pid in doc}
    roots = dict.fromkeys(gts, args.datasets / "layout-dev")
    extra: dict[str, dict] = {}
    folders = args.extra if args.extra is not None else [d for d in (docbank.OUT,) if d.exists()]
    for folder in folders:
        for path in sorted((folder / "gt").glob("*.json")):
            extra[path.stem] = json.loads(path.read_text())
            roots[path.stem], doc_of[path.stem] = folder, extra[path.stem].get("document", path.stem)
    every = {**gts, **extra}
    calls = recorded(every, roots)
    data = {}
    for (pid, source), call in calls.items():
        xs, hs, fs = examples(every[pid], call, source)
        data[pid, source] = (xs, hs, fs, doc_of[pid], every[pid].get("footnotes_labelled", True))

    def log(line: str) -> None:
        print(line, flush=True)

    log(f"layout-dev: {len(gts)} pages; split by document: {layout_split.describe(gts, split)}")
    log(f"extra folders: {', '.join(str(f) for f in folders) or 'none'}; measurements: {args.uses} ({len(uses)}); "
        f"mode: {args.mode}")
    if extra:
        log(f"extra: {len(extra)} pages of {len({doc_of[p] for p in extra})} documents "
            f"({sum(bool(g.get('pdf')) for g in extra.values())} with a text layer), "
            f"{layout_split.count(extra, list(extra), ls.HEADINGS)} headings, "
            f"{layout_split.count(extra, list(extra), (ls.FOOTNOTE,))} footnotes "
            f"({sum(not g.get('footnotes_labelled', True) for g in extra.values())} pages whose footnotes "
            f"are not labelled, left out of that task)")
    # (name, pages trained on, the layout-dev pages scored, the file written or None)
    runs = []
    for half in layout_split.HALVES:
        held = split[layout_split.other(half)]
        if extra:
            runs.append((f"half {half} alone", split[half], held, None))
        runs.append((f"half {half}" + (" + extra" if extra else ""), split[half] + list(extra), held, f"model_{half}.json"))
    if extra:
        runs.append(("extra alone", list(extra), sorted(gts), "model_extra.json"))
    models = {}
    for name, ids, _, file in runs:
        models[name] = train(data, ids, name, log, uses, args.mode)
        if file:
            ((args.out or HERE) / file).write_text(json.dumps(models[name], indent=1) + "\n")
    log("\nblock F1 on layout-dev pages not trained on, rules -> model (the bench's page figures: bench.layout)")
    for name, _, scored, _ in runs:
        for source in SOURCES:
            got = score(data, scored, models[name], source)
            log(f"  trained on {name:<16} {source:<4}: {len(scored)} pages: " + "; ".join(
                f"{task} {got[task][0]:.3f} -> {got[task][1]:.3f}" for task in got))
    everything = train(data, sorted(every), "all pages", log, uses, args.mode)
    whole = args.out / roles.MODEL.name if args.out else roles.MODEL
    whole.write_text(json.dumps(everything, indent=1) + "\n")
    written = [file for *_, file in runs if file]
    log(f"\nwritten: {', '.join(written)} ({args.out or 'here'}), "
        f"{whole.relative_to(ROOT) if whole.is_relative_to(ROOT) else whole}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
