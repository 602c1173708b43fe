"""PageVoice benchmark: OCR accuracy and speed per engine, the worker's memory, TTS speed.

    .venv/bin/python -m bench.run [--datasets ../shared/datasets] [--out bench/out] [--quick]

Every engine runs in its own process (bench/worker.py) on the same images in the same run, so
peak memory is per engine and speed ratios are fair on a shared machine. Writes
OUT/results.json, OUT/results.md and OUT/*.png, and copies the table and plots to docs/bench/.
Scoring: bench/score.py (the protocol of the datasets' README). See bench/README.md.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import datasets, report, score

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATASETS = REPO.parent / "shared" / "datasets"
DEFAULT_OUT = REPO / "bench" / "out"
DOCS = REPO / "docs" / "bench"

DEFAULT_ENGINE = "rapidocr"
KERAS = "keras-ocr"
# keras-ocr's own Pipeline defaults (scale=2, max_size=2048), not the app's lighter settings:
# the issue compares against "keras-ocr's default pipeline". Untrained: no weights can be
# downloaded here, so its boxes and text are noise and only its compute time means anything.
# An untrained CRAFT finds no words, so its recogniser would never run: keras-ocr is sent each
# page's ground-truth word boxes, read by its recogniser after its detector has run (the
# workload of a trained pipeline; the first cut timed the detector alone, half the work).
KERAS_ENV = {"PAGEVOICE_KERAS_OCR_UNTRAINED": "1", "PAGEVOICE_KERAS_OCR_SCALE": "2",
             "PAGEVOICE_KERAS_OCR_MAX_SIZE": "2048"}

TTS_TEXTS = {
    "short": "Your document has been read. It has three lines of text and one table.",
    # Harvard sentences (IEEE 1969), public domain.
    "long": None,
    "3000 chars, no punctuation": None,
}
HARVARD = (
    "The birch canoe slid on the smooth planks. Glue the sheet to the dark blue background. "
    "It's easy to tell the depth of a well. These days a chicken leg is a rare dish. "
    "Rice is often served in round bowls. The juice of lemons makes fine punch. "
    "The box was thrown beside the parked truck. The hogs were fed chopped corn and garbage. "
    "Four hours of steady work faced us. A large size in stockings is hard to sell. "
    "The boy was there when the sun rose. A rod is used to catch pink salmon. "
    "The source of the huge river is the clear spring. Kick the ball straight and follow through. "
    "Help the woman get back to her feet. A pot of tea helps to pass the evening. "
    "Smoky fires lack flame and heat. The soft cushion broke the man's fall. "
    "The salt breeze came across from the sea. The girl at the booth sold fifty bonds. "
)


def tts_texts() -> dict[str, str]:
    long = (HARVARD * 4)[:1500].rsplit(" ", 1)[0]
    words = "".join(ch for ch in HARVARD.lower() if ch.isalpha() or ch == " ").split()
    flat = " ".join(words * 10)[:3000].rsplit(" ", 1)[0]
    return {"short": TTS_TEXTS["short"], "long": long, "3000 chars, no punctuation": flat}


# ------------------------------------------------------------------------------------ running


def _python_for(engine: str) -> str | None:
    if engine == KERAS:
        exe = REPO / ".venv-keras" / "bin" / "python"
        return str(exe) if exe.exists() else None
    return sys.executable


def _run_worker(python: str, args: list[str], out: Path, env: dict | None = None,
                timeout: float = 3600) -> tuple[dict | None, str, float]:
    full_env = {**os.environ, "PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "2", **(env or {})}
    t = time.perf_counter()
    proc = subprocess.run([python, "-m", "bench.worker", *args, "--out", str(out)], cwd=REPO,
                          env=full_env, capture_output=True, text=True, timeout=timeout)
    wall = time.perf_counter() - t
    if proc.returncode != 0 or not out.exists():
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-8:]
        return None, "\n".join(tail), wall
    return json.loads(out.read_text(encoding="utf-8")), "", wall


def _serve(python: str, engine: str, env: dict | None = None) -> tuple[subprocess.Popen, dict]:
    full_env = {**os.environ, "PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "2", **(env or {})}
    proc = subprocess.Popen([python, "-m", "bench.worker", "serve", "--engine", engine], cwd=REPO,
                            env=full_env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, bufsize=1)
    line = proc.stdout.readline()
    if not line:
        proc.kill()
        raise RuntimeError(f"{engine} did not start")
    return proc, json.loads(line)


def _ask(proc: subprocess.Popen, item: datasets.Item, with_boxes: bool = False) -> dict:
    request = {"key": f"{item.dataset}/{item.name}", "image": str(item.image)}
    if with_boxes:  # keras-ocr untrained (KERAS_ENV): the words a trained detector would find
        request["boxes"] = [[[x0, y0], [x1, y0], [x1, y1], [x0, y1]] for x0, y0, x1, y1 in
                            (w.box for w in item.words)]
    proc.stdin.write(json.dumps(request) + "\n")
    proc.stdin.flush()
    line = proc.stdout.readline()
    if not line:
        raise RuntimeError("engine process stopped")
    return json.loads(line)


def _finish(proc: subprocess.Popen) -> dict:
    proc.stdin.close()
    last = {}
    for line in proc.stdout:
        last = json.loads(line)
    proc.wait(timeout=120)
    return last


def paired_speed(engines: list[str], items: list[datasets.Item]) -> dict[str, dict]:
    """keras-ocr and the other engines, each in its own long-lived process, take turns on the
    same images (keras-ocr, then each peer, image by image): on a shared machine both meet the
    same background load, which two separate passes minutes apart do not."""
    procs, info = {}, {}
    try:
        for engine in engines:
            python = _python_for(engine)
            if python is None:
                continue
            procs[engine], info[engine] = _serve(python, engine, KERAS_ENV if engine == KERAS else None)
        rows: dict[str, list] = {e: [] for e in procs}
        # One untimed round first: a process's first page pays for its first allocations.
        for engine, proc in procs.items():
            _ask(proc, items[0], with_boxes=engine == KERAS)
        for it in items:
            for engine, proc in procs.items():
                # Let the previous engine's worker threads go idle: TensorFlow's and
                # onnxruntime's pools spin after a run, and a spinning pool on the other core
                # tripled rapidocr's time on the turn right after keras-ocr's.
                time.sleep(1.5)
                rows[engine].append(_ask(proc, it, with_boxes=engine == KERAS))
        for engine, proc in procs.items():
            info[engine].update(_finish(proc))
            info[engine]["images"] = rows[engine]
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
    return info


def _manifest(items: list[datasets.Item], path: Path) -> None:
    path.write_text(json.dumps([{"key": f"{it.dataset}/{it.name}", "image": str(it.image)} for it in items]),
                    encoding="utf-8")


def _pick(items: list[datasets.Item], n: int) -> list[datasets.Item]:
    """n items spread over the list (both halves), deterministic."""
    if n >= len(items):
        return list(items)
    step = len(items) / n
    return [items[int(i * step)] for i in range(n)]


# ------------------------------------------------------------------------------------ scoring


def _quantile(values: list[float], q: float) -> float:
    vals = sorted(values)
    if not vals:
        return float("nan")
    pos = q * (len(vals) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(vals) - 1)
    return vals[lo] + (vals[hi] - vals[lo]) * (pos - lo)


def _score_engine(result: dict, items_by_key: dict[str, datasets.Item]) -> dict:
    from bench.boxfit import fit_summary, match_any_overlap, text_rule

    per: dict[str, dict[str, list]] = {}
    fits: dict[str, dict[str, list[float]]] = {}
    for row in result["images"]:
        it = items_by_key[row["key"]]
        preds = []
        for text, box in row["words"]:
            xs = [p[0] for p in box]
            ys = [p[1] for p in box]
            preds.append(score.Pred((min(xs), min(ys), max(xs), max(ys)), text))
        page = score.score_page(preds, it.words)
        per.setdefault(it.dataset, {}).setdefault("all", []).append(page)
        per[it.dataset].setdefault(it.half, []).append(page)
        ious = [v for _, _, v in match_any_overlap(preds, [g for g in it.words if g.text.strip()],
                                                   text_rule(it.dataset))]
        for h in ("all", it.half):
            fits.setdefault(it.dataset, {}).setdefault(h, []).extend(ious)
    out = {}
    for ds, halves in per.items():
        out[ds] = {h: {"pages": len(pages), **{m: c.to_dict() for m, c in score.total(pages).items()},
                       "boxfit": fit_summary(fits.get(ds, {}).get(h, []))}
                   for h, pages in halves.items()}
    return out


def _speed(result: dict, keys: set[str] | None = None) -> dict:
    rows = [r for r in result["images"] if keys is None or r["key"] in keys]
    secs = [r["seconds"] for r in rows]
    stages: dict[str, list[float]] = {}
    for r in rows:
        for k, v in r.get("stages_ms", {}).items():
            stages.setdefault(k, []).append(v)
    return {"images": len(rows), "median_s": statistics.median(secs) if secs else None,
            "p90_s": _quantile(secs, 0.9) if secs else None,
            "mean_cpu_s": statistics.mean(r["cpu_seconds"] for r in rows) if rows else None,
            "stages_median_ms": {k: statistics.median(v) for k, v in stages.items()}}


# ------------------------------------------------------------------------------------ machine


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        load = os.getloadavg()
    except OSError:
        load = None
    mem = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {"date": dt.datetime.now().strftime("%Y-%m-%d %H:%M"), "cpu": cpu, "cores": os.cpu_count(),
            "mem_gb": mem, "python": platform.python_version(), "platform": platform.platform(),
            "load_average_at_start": [round(v, 2) for v in load] if load else None}


# ------------------------------------------------------------------------------------ main


def main(argv=None) -> int:
    args = _arguments(argv)
    t_run = time.perf_counter()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    info = machine()
    print(f"PageVoice benchmark, {info['date']}: {info['cpu']}, {info['cores']} cores, "
          f"load {info['load_average_at_start']}", flush=True)
    items = _load_datasets(args.datasets)
    if not items:
        print(f"no datasets under {args.datasets}", file=sys.stderr)
        return 2
    if args.quick:
        items = {k: _pick(v, 4) for k, v in items.items()}
    n_keras = args.keras_images if args.keras_images is not None else (1 if args.quick else 6)
    keras_items = [it for v in items.values() for it in _pick(v, n_keras)]
    results: dict = {"machine": info, "protocol": "bench/score.py (../shared/datasets/README.md)",
                     "datasets": {k: {"images": len(v), "path": str(Path(args.datasets) / k)} for k, v in items.items()},
                     "quick": args.quick, "ocr": {}, "pipeline": None, "tts": {}}
    tmp = Path(tempfile.mkdtemp(prefix="pagevoice-bench-"))
    try:
        _ocr_engines(results, engines, items, tmp)
        if KERAS in engines:
            _keras_paired(results, engines, items, keras_items)
        n_pipe = args.pipeline_images if args.pipeline_images is not None else (1 if args.quick else 4)
        funsd = items.get(datasets.FUNSD, [])
        if n_pipe and funsd:
            results["pipeline"] = _worker_path(funsd, n_pipe, tmp)
        results["tts"] = _tts(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    results["acceptance"] = report.acceptance(results)
    results["run_seconds"] = time.perf_counter() - t_run
    _write(results, out, args.docs if not args.quick else "")
    return 0


def _arguments(argv) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", default=str(DEFAULT_DATASETS), help="folder holding funsd-test/ and icdar2015-dev/")
    ap.add_argument("--out", default=str(DEFAULT_OUT))
    ap.add_argument("--docs", default=str(DOCS), help="where the table and plots are copied ('' to skip)")
    ap.add_argument("--quick", action="store_true", help="a few images per dataset (smoke run)")
    ap.add_argument("--keras-images", type=int, default=None,
                    help="images per dataset for keras-ocr's timing (default 6; quick 1)")
    ap.add_argument("--pipeline-images", type=int, default=None, help="FUNSD pages through the whole worker path")
    ap.add_argument("--engines", default="rapidocr,tesseract,keras-ocr")
    return ap.parse_args(argv)


def _load_datasets(root: str) -> dict[str, list[datasets.Item]]:
    items: dict[str, list[datasets.Item]] = {}
    for name in datasets.DATASETS:
        try:
            items[name] = datasets.load(root, name)
        except FileNotFoundError as exc:
            print(f"skip {name}: {exc}", file=sys.stderr)
    return items


def _key(it: datasets.Item) -> str:
    return f"{it.dataset}/{it.name}"


def _ocr_engines(results: dict, engines: list[str], items: dict[str, list[datasets.Item]], tmp: Path) -> None:
    """Every engine but keras-ocr over all the images, each in its own process."""
    all_items = [it for v in items.values() for it in v]
    by_key = {_key(it): it for it in all_items}
    _manifest(all_items, tmp / "all.json")
    for engine in [e for e in engines if e != KERAS]:
        python = _python_for(engine)
        if python is None:
            print(f"{engine}: not installed, skipped", flush=True)
            results["ocr"][engine] = {"engine": engine, "error": "not installed (.venv-keras missing)"}
            continue
        print(f"{engine}: {len(all_items)} images in its own process ...", flush=True)
        res, err, wall = _run_worker(python, ["ocr", "--engine", engine, "--manifest", str(tmp / "all.json")],
                                     tmp / f"ocr-{engine}.json")
        if res is None:
            print(f"{engine}: failed\n{err}", flush=True)
            results["ocr"][engine] = {"engine": engine, "error": err or "failed"}
            continue
        entry = results["ocr"][engine] = _ocr_entry(engine, res, wall, items, by_key)
        print(f"{engine}: done in {wall:.0f} s; "
              + ", ".join(f"{ds} median {v['median_s']:.2f} s/image" for ds, v in entry["speed"].items()
                          if v["images"]),
              flush=True)


def _ocr_entry(engine: str, res: dict, wall: float, items: dict, by_key: dict[str, datasets.Item]) -> dict:
    entry = {"engine": engine}
    entry.update({k: res[k] for k in ("engine_version", "load_s", "cold_start_s", "first_image_s",
                                      "peak_rss_mb", "children_peak_rss_mb")})
    if engine == "tesseract":  # the work happens in tesseract's own processes
        entry["peak_rss_mb"] = max(res["children_peak_rss_mb"], 0.0)
        entry["peak_rss_note"] = "the tesseract process (the Python wrapper is not counted)"
    entry["untrained"] = False
    entry["wall_s"] = wall
    entry["speed"] = {ds: _speed(res, {k for k in by_key if k.startswith(ds + "/")}) for ds in items}
    entry["accuracy"] = _score_engine(res, by_key)
    entry["pages"] = {r["key"]: r["seconds"] for r in res["images"]}
    return entry


def _keras_paired(results: dict, engines: list[str], items: dict, keras_items: list[datasets.Item]) -> None:
    """keras-ocr, paired image by image with the other engines (fresh processes)."""
    if _python_for(KERAS) is None:
        results["ocr"][KERAS] = {"engine": KERAS, "error": "not installed (.venv-keras missing)"}
        print(f"{KERAS}: not installed, skipped", flush=True)
        return
    peers = [e for e in engines if e != KERAS and "speed" in results["ocr"].get(e, {})]
    print(f"{KERAS} paired with {', '.join(peers)}: {len(keras_items)} images ...", flush=True)
    try:
        paired = paired_speed([KERAS, *peers], keras_items)
    except (RuntimeError, OSError, ValueError) as exc:
        paired = {}
        results["ocr"][KERAS] = {"engine": KERAS, "error": str(exc)}
        print(f"{KERAS}: failed: {exc}", flush=True)
    k = paired.get(KERAS)
    if not k:
        return
    keras_keys = {_key(it) for it in keras_items}
    results["ocr"][KERAS] = {
        "engine": KERAS, "untrained": True, "engine_version": k.get("engine_version"),
        "load_s": k.get("load_s"), "cold_start_s": k.get("cold_start_s"),
        "peak_rss_mb": k.get("peak_rss_mb"), "accuracy": None,
        "speed": {ds: _speed(k, {x for x in keras_keys if x.startswith(ds + "/")}) for ds in items}}
    for ds, v in results["ocr"][KERAS]["speed"].items():
        if v["images"]:
            print(f"{KERAS}: {ds} median {v['median_s']:.2f} s/image (untrained: compute only)")
    keys_by_dataset = {ds: {x for x in keras_keys if x.startswith(ds + "/")} for ds in items}
    for engine in peers:
        if paired.get(engine):
            _ratios(engine, results["ocr"][engine], k, paired[engine], keys_by_dataset)


def _ratios(engine: str, entry: dict, k: dict, mine: dict, keys_by_dataset: dict[str, set[str]]) -> None:
    """keras-ocr's median over the engine's, on the images both read in turns, per dataset."""
    entry["paired_with_keras"] = {}
    entry["ratio_vs_keras_by_dataset"] = {}
    for ds, keys in keys_by_dataset.items():
        a, b = _speed(k, keys), _speed(mine, keys)
        if a["images"] and b["median_s"]:
            entry["paired_with_keras"][ds] = b
            entry["ratio_vs_keras_by_dataset"][ds] = a["median_s"] / b["median_s"]
            print(f"{engine}: {ds} {a['median_s'] / b['median_s']:.1f}x faster than "
                  f"{KERAS} (paired, median {b['median_s']:.2f} s)", flush=True)


def _worker_path(funsd: list[datasets.Item], n_pipe: int, tmp: Path) -> dict:
    """The worker's whole path (decode, OCR, speech) with the default engines: peak memory."""
    _manifest(_pick(funsd, n_pipe), tmp / "pipe.json")
    print(f"worker pipeline (OCR + TTS): {n_pipe} FUNSD pages ...", flush=True)
    res, err, _ = _run_worker(sys.executable, ["pipeline", "--manifest", str(tmp / "pipe.json")],
                              tmp / "pipeline.json")
    return res if res is not None else {"error": err}


def _tts(tmp: Path) -> dict:
    """Each engine and text in a fresh process (peak memory per case)."""
    texts = tts_texts()
    tts: dict = {}
    for tts_engine in ("piper", "gtts"):
        tts[tts_engine] = {}
        for label, text in texts.items():
            if tts_engine == "gtts":
                tts[tts_engine][label] = {
                    "engine": "gtts", "error": "not measurable offline (gTTS needs translate.google.com)"}
                continue
            (tmp / "text.txt").write_text(text, encoding="utf-8")
            print(f"tts {tts_engine}: {label} ({len(text)} characters) ...", flush=True)
            res, err, _ = _run_worker(sys.executable, ["tts", "--engine", tts_engine, "--text-file",
                                                       str(tmp / "text.txt")], tmp / "tts.json")
            tts[tts_engine][label] = res if res is not None else {"error": err}
    return tts


def _write(results: dict, out: Path, docs: str) -> None:
    """results.json, results.md and the plots into `out`; the table and plots copied to `docs`
    ('' for none)."""
    for entry in results["ocr"].values():
        entry.pop("pages", None)
    (out / "results.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    md = report.markdown(results)
    (out / "results.md").write_text(md, encoding="utf-8")
    plots = report.plots(results, out)
    print()
    print(md)
    if docs:
        docs_dir = Path(docs)
        docs_dir.mkdir(parents=True, exist_ok=True)
        (docs_dir / "results.md").write_text(md, encoding="utf-8")
        for p in plots:
            shutil.copy2(p, docs_dir / p.name)
        print(f"copied results.md and {len(plots)} plots to {docs_dir}")
    print(f"wrote {out}/results.json, results.md, {', '.join(p.name for p in plots)} "
          f"in {results['run_seconds'] / 60:.1f} min")


if __name__ == "__main__":
    sys.exit(main())
