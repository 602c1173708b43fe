"""Tables, acceptance lines and plots from bench.run's results (no measuring here)."""
from __future__ import annotations

from pathlib import Path

from bench import datasets

DEFAULT = "rapidocr"
KERAS = "keras-ocr"
UNTRAINED_NOTE = ("keras-ocr ran untrained (no weights can be downloaded here): compute time only, no accuracy; "
                  "its detector runs on each page and its recogniser reads the page's ground-truth word boxes, "
                  "the workload a trained detector would hand it")
# FUNSD, all 199 pages, end-to-end exact (recall, precision), from docTR's documentation.
PUBLISHED_FUNSD = {"docTR": (0.7337, 0.7611), "AWS Textract": (0.7810, 0.8300),
                   "Azure Form Recognizer": (0.7942, 0.8589), "Google Vision": (0.5950, 0.6250)}
TTS_GOAL_MB = 600.0


def _f1(r: float, p: float) -> float:
    return 2 * r * p / (r + p) if r + p else 0.0


def _acc(results: dict, engine: str, ds: str, mode: str, half: str = "all") -> float | None:
    acc = (results["ocr"].get(engine) or {}).get("accuracy") or {}
    try:
        return acc[ds][half][mode]["f1"]
    except KeyError:
        return None


def acceptance(results: dict) -> list[dict]:
    """The issue's acceptance lines, each with the measured value and PASS/FAIL."""
    lines = []
    r = results["ocr"].get(DEFAULT, {})

    def add(what, value, ok, detail=""):
        lines.append({"what": what, "value": value, "pass": bool(ok) if value is not None else None,
                      "detail": detail})

    v = _acc(results, DEFAULT, datasets.FUNSD, "e2e_exact")
    add("FUNSD test, end-to-end exact F1 >= 0.85 (default engine)", v, v is not None and v >= 0.85,
        f"tokenisation-fair {_fmt(_acc(results, DEFAULT, datasets.FUNSD, 'e2e_exact_fair'))}; tune half {_fmt(_acc(results, DEFAULT, datasets.FUNSD, 'e2e_exact', 'tune'))}, "
        f"confirm half {_fmt(_acc(results, DEFAULT, datasets.FUNSD, 'e2e_exact', 'confirm'))}")
    v = _acc(results, DEFAULT, datasets.ICDAR, "e2e_ci")
    add("ICDAR 2015 dev, end-to-end case-insensitive F1 >= 0.65", v, v is not None and v >= 0.65,
        f"tune half {_fmt(_acc(results, DEFAULT, datasets.ICDAR, 'e2e_ci', 'tune'))}, "
        f"confirm half {_fmt(_acc(results, DEFAULT, datasets.ICDAR, 'e2e_ci', 'confirm'))}")
    by = {ds: v for ds, v in (r.get("ratio_vs_keras_by_dataset") or {}).items() if v}
    ratio = min(by.values()) if by else None  # the slower case decides: FUNSD pages
    add("default engine >= 10x faster than keras-ocr's default pipeline (same pages, same run; "
        "the smaller of the FUNSD and ICDAR ratios)", ratio, ratio is not None and ratio >= 10,
        ", ".join(f"{ds} {v:.1f}x" for ds, v in by.items()) + "; " + UNTRAINED_NOTE)
    sp = ((r.get("speed") or {}).get(datasets.FUNSD) or {})
    v = sp.get("median_s")
    add("<= 1.0 s per FUNSD page (median, this machine)", v, v is not None and v <= 1.0,
        f"p90 {_fmt(sp.get('p90_s'), 2)} s")
    pipe = results.get("pipeline") or {}
    v = pipe.get("peak_rss_mb")
    add("worker peak memory < 1 GB (decode + OCR + speech, one process)", v, v is not None and v < 1024,
        f"{pipe.get('ocr_engine')} + {pipe.get('tts_engine')}")
    flat = ((results.get("tts") or {}).get("piper") or {}).get("3000 chars, no punctuation") or {}
    v = flat.get("peak_rss_mb")
    add("piper peak memory on 3,000 characters without punctuation < 600 MB", v,
        v is not None and v < TTS_GOAL_MB, f"RTF {_fmt(flat.get('rtf'), 3)}")
    return lines


def _fmt(v, nd: int = 3) -> str:
    if v is None:
        return "n/a"
    return f"{v:.{nd}f}"


def markdown(results: dict) -> str:
    out = _header(results)
    out += _accuracy_table(results)
    out += _fair_table(results)
    out += _boxfit_table(results)
    out += ["", "Published FUNSD end-to-end exact (all 199 pages; docTR's documentation): "
            + "; ".join(f"{k} F1 {_f1(*v):.3f}" for k, v in PUBLISHED_FUNSD.items()) + ".", ""]
    out += _speed_table(results)
    out += _stages_and_worker_path(results)
    out += _tts_table(results)
    out += _acceptance_list(results)
    return "\n".join(out)


def _header(results: dict) -> list[str]:
    m = results["machine"]
    out = [f"# PageVoice benchmark ({m['date']})", "",
           f"Machine: {m['cpu']}, {m['cores']} cores, {m['mem_gb']} GB, Python {m['python']}; "
           f"load average at start {m['load_average_at_start']} (a shared machine: compare engines "
           "by their ratios in one run). Protocol: word level, IoU >= 0.5 one-to-one, "
           "`../shared/datasets/README.md` (bench/score.py). Halves: tune (methods were tuned on "
           "it) and confirm (held out).", ""]
    if results.get("quick"):
        out += ["**Quick run (a few images per dataset): numbers are a smoke test, not results.**", ""]
    return out


def _half_f1(half: dict, mode: str) -> str:
    return _fmt(half.get(mode, {}).get("f1")) if half else "n/a"


def _accuracy_table(results: dict) -> list[str]:
    out = ["## OCR accuracy", "",
           "| engine | dataset | images | det F1 | e2e exact P / R / F1 | e2e case-insens. P / R / F1 "
           "| e2e F1 tune / confirm (exact; case-insens.) |",
           "|---|---|---|---|---|---|---|"]
    for engine, e in results["ocr"].items():
        if e.get("untrained"):
            out.append(f"| {engine} | all | {e.get('speed', {}).get(datasets.FUNSD, {}).get('images', 0) + e.get('speed', {}).get(datasets.ICDAR, {}).get('images', 0)} "
                       "| n/a | n/a (untrained: compute only) | n/a | n/a |")
            continue
        if not e.get("accuracy"):
            out.append(f"| {engine} | - | - | {e.get('error', 'n/a')} | | | |")
            continue
        for ds, halves in e["accuracy"].items():
            a = halves["all"]
            t, c = halves.get("tune", {}), halves.get("confirm", {})
            out.append(
                f"| {engine} | {ds} | {a['pages']} | {a['det']['f1']:.3f} "
                f"| {a['e2e_exact']['precision']:.3f} / {a['e2e_exact']['recall']:.3f} / **{a['e2e_exact']['f1']:.3f}** "
                f"| {a['e2e_ci']['precision']:.3f} / {a['e2e_ci']['recall']:.3f} / **{a['e2e_ci']['f1']:.3f}** "
                f"| {_half_f1(t, 'e2e_exact')} / {_half_f1(c, 'e2e_exact')}; "
                f"{_half_f1(t, 'e2e_ci')} / {_half_f1(c, 'e2e_ci')} |")
    return out


def _fair_table(results: dict) -> list[str]:
    """F1 raw and tokenisation-fair (bench/score.py: both sides split after / : , and hyphens
    before matching), per half."""
    rows = [(engine, ds, halves) for engine, e in results["ocr"].items() if not e.get("untrained")
            for ds, halves in (e.get("accuracy") or {}).items() if "det_fair" in (halves.get("all") or {})]
    if not rows:
        return []
    out = ["", "Raw and tokenisation-fair F1 (before matching, both sides split after `/ : ,` and at hyphens "
           "between letters or digits, each piece an x-share of its word's box by characters).", "",
           "| engine | dataset | half | images | det F1 raw / fair | e2e exact F1 raw / fair "
           "| e2e case-insens. F1 raw / fair |", "|---|---|---|---|---|---|---|"]
    for engine, ds, halves in rows:
        for half in ("all", *datasets.HALVES):
            h = halves.get(half)
            if h:
                out.append(f"| {engine} | {ds} | {half} | {h['pages']} | "
                           + " | ".join(f"{_half_f1(h, m)} / {_half_f1(h, m + '_fair')}"
                                        for m in ("det", "e2e_exact", "e2e_ci")) + " |")
    return out


def _boxfit_table(results: dict) -> list[str]:
    fits = [(engine, ds, halves) for engine, e in results["ocr"].items() if not e.get("untrained")
            for ds, halves in (e.get("accuracy") or {}).items() if (halves.get("all") or {}).get("boxfit")]
    if not fits:
        return []
    out = ["", "Word box fit (`python -m bench.boxfit`): words matched to ground truth by text from any "
           "overlap; mean IoU and share with IoU >= 0.7, tune / confirm.", "",
           "| engine | dataset | words | mean IoU tune / confirm | IoU >= 0.7 tune / confirm |", "|---|---|---|---|---|"]
    for engine, ds, halves in fits:
        def g(h, k, halves=halves):
            return _fmt((halves.get(h) or {}).get("boxfit", {}).get(k))
        out.append(f"| {engine} | {ds} | {halves['all']['boxfit']['matched']} | {g('tune', 'mean_iou')} / "
                   f"{g('confirm', 'mean_iou')} | {g('tune', 'iou_0_7')} / {g('confirm', 'iou_0_7')} |")
    return out


def _speed_table(results: dict) -> list[str]:
    out = ["## OCR speed and memory", "", f"_{UNTRAINED_NOTE}._ keras-ocr runs its library defaults "
           "(scale 2, max_size 2048) on a few images per dataset, each image paired with the other "
           "engines' turn on it (long-lived processes taking turns), so the ratios meet the same "
           "background load. CPU s/image counts all threads (and Tesseract's own process).", "",
           "| engine | dataset | images | median s/image | p90 s/image | CPU s/image | paired with keras-ocr: "
           "median s/image, keras-ocr / engine | cold start s | peak RSS MB |", "|---|---|---|---|---|---|---|---|---|"]
    for engine, e in results["ocr"].items():
        if "speed" not in e:
            continue
        for ds, s in e["speed"].items():
            if not s["images"]:
                continue
            out.append(f"| {engine}{' (untrained)' if e.get('untrained') else ''} | {ds} | {s['images']} "
                       f"| {_fmt(s['median_s'], 2)} | {_fmt(s['p90_s'], 2)} | {_fmt(s['mean_cpu_s'], 2)} "
                       f"| {_paired(e, ds)} | {_fmt(e.get('cold_start_s'), 1)} | {_fmt(e.get('peak_rss_mb'), 0)} |")
    out.append("")
    return out


def _paired(e: dict, ds: str) -> str:
    ratio = (e.get("ratio_vs_keras_by_dataset") or {}).get(ds)
    paired = (e.get("paired_with_keras") or {}).get(ds)
    if e.get("untrained"):
        return "(the reference)"
    if paired and ratio:
        return f"{paired['median_s']:.2f} s on {paired['images']}, **{ratio:.1f}x**"
    return "n/a"


def _worker_stages(pipe: dict) -> dict[str, list]:
    """The worker path's milliseconds by stage, every image's."""
    st: dict[str, list] = {}
    for r in pipe["images"]:
        for k, v in r["stages_ms"].items():
            st.setdefault(k, []).append(v)
    return st


def _stages_and_worker_path(results: dict) -> list[str]:
    out = []
    stages = ((results["ocr"].get(DEFAULT) or {}).get("speed") or {})
    if stages:
        out += ["Default engine, median milliseconds by stage: " + "; ".join(
            f"{ds}: " + ", ".join(f"{k} {v:.0f}" for k, v in s["stages_median_ms"].items())
            for ds, s in stages.items() if s["images"]), ""]
    pipe = results.get("pipeline")
    if pipe and "images" in pipe:
        st = _worker_stages(pipe)
        out += [f"Worker path (decode, OCR with {pipe['ocr_engine']}, speech with {pipe['tts_engine']}) on "
                f"{len(pipe['images'])} FUNSD pages in one process: **peak RSS {pipe['peak_rss_mb']:.0f} MB**; "
                "mean ms " + ", ".join(f"{k} {sum(v) / len(v):.0f}" for k, v in st.items()) + ".", ""]
    elif pipe:
        out += [f"Worker path: failed ({pipe.get('error')})", ""]
    return out


def _tts_table(results: dict) -> list[str]:
    out = ["## Text to speech", "", "| engine | text | characters | load s | synth s | audio s | RTF | peak RSS MB |",
           "|---|---|---|---|---|---|---|---|"]
    for engine, cases in (results.get("tts") or {}).items():
        for label, r in cases.items():
            if r.get("error"):
                out.append(f"| {engine} | {label} | | | | | {r['error']} | |")
                continue
            out.append(f"| {engine} | {label} | {r['chars']} | {r['load_s']:.1f} | {r['synth_s']:.2f} "
                       f"| {r['audio_s']:.1f} | {_fmt(r['rtf'], 3)} | {r['peak_rss_mb']:.0f} |")
    flat = ((results.get("tts") or {}).get("piper") or {}).get("3000 chars, no punctuation") or {}
    if flat.get("peak_rss_mb"):
        out += ["", f"**piper on 3,000 characters without punctuation: peak {flat['peak_rss_mb']:.0f} MB "
                f"(goal < {TTS_GOAL_MB:.0f} MB), RTF {flat['rtf']:.3f}**."]
    return out


def _acceptance_list(results: dict) -> list[str]:
    out = ["", "## Acceptance", ""]
    for a in results.get("acceptance", []):
        mark = "PASS" if a["pass"] else ("FAIL" if a["pass"] is False else "n/a")
        val = _fmt(a["value"], 3) if isinstance(a["value"], float) else a["value"]
        out.append(f"- **{mark}** {a['what']}: {val}" + (f" ({a['detail']})" if a["detail"] else ""))
    out.append("")
    return out


COLORS = {DEFAULT: "tab:blue", "tesseract": "tab:green", KERAS: "tab:red"}


def plots(results: dict, out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), dpi=90)
    for ax, (ds, mode, label) in zip(axes, [(datasets.FUNSD, "e2e_exact", "FUNSD e2e exact F1"),
                                            (datasets.ICDAR, "e2e_ci", "ICDAR 2015 e2e case-insens. F1")]):
        _accuracy_points(ax, results, ds, mode)
        if ds == datasets.FUNSD:
            _published_lines(ax)
        _speed_axis(ax, label)
    paths.append(_save(fig, out / "accuracy_vs_speed.png"))

    bars = _latency_bars(results)
    if bars:
        fig, ax = plt.subplots(figsize=(9, 3.8), dpi=90)
        _stacked_bars(ax, bars)
        paths.append(_save(fig, out / "latency_by_stage.png"))
    return paths


def _save(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def _accuracy_points(ax, results: dict, ds: str, mode: str) -> None:
    """Each engine at its median speed and F1; an untrained one as a vertical line (time only)."""
    for engine, e in results["ocr"].items():
        s = (e.get("speed") or {}).get(ds) or {}
        if not s.get("images"):
            continue
        x = s["median_s"]
        if e.get("untrained"):
            ax.axvline(x, color=COLORS.get(engine, "gray"), ls=":", lw=1.5)
            ax.text(x, 0.02, f" {engine}\n untrained:\n time only", color=COLORS.get(engine, "gray"),
                    fontsize=7, va="bottom")
            continue
        y = _acc(results, engine, ds, mode)
        if y is None:
            continue
        ax.scatter([x], [y], s=40, color=COLORS.get(engine, "gray"), zorder=3)
        ax.annotate(engine, (x, y), textcoords="offset points", xytext=(5, 4), fontsize=8)


def _published_lines(ax) -> None:
    for name, (rr, pp) in PUBLISHED_FUNSD.items():
        if name == "Google Vision":
            continue
        ax.axhline(_f1(rr, pp), color="gray", lw=0.6, ls="--")
        ax.text(1.0, _f1(rr, pp), f" {name} {_f1(rr, pp):.2f}", fontsize=6, color="gray",
                va="bottom" if name.startswith("Azure") else "top", ha="left",
                transform=ax.get_yaxis_transform())


def _speed_axis(ax, label: str) -> None:
    from matplotlib import ticker

    ax.set_xscale("log")
    ticks = [0.1, 0.2, 0.3, 0.5, 1, 2, 5, 10, 20]
    lo, hi = ax.get_xlim()
    ax.set_xticks([t for t in ticks if lo <= t <= hi])
    ax.xaxis.set_major_formatter(ticker.FormatStrFormatter("%g"))
    ax.xaxis.set_minor_formatter(ticker.NullFormatter())
    ax.set_ylim(0, 1)
    ax.set_xlabel("median seconds per image (log)")
    ax.set_title(label, fontsize=9)
    ax.grid(alpha=0.3)


def _latency_bars(results: dict) -> list[tuple[str, dict]]:
    """Latency by stage: the default engine per dataset, the whole worker path, and the peers."""
    bars = []
    r = results["ocr"].get(DEFAULT) or {}
    for ds, s in (r.get("speed") or {}).items():
        st = s.get("stages_median_ms") or {}
        if s.get("images"):
            bars.append((f"{DEFAULT}\n{ds}", {k: st.get(k, 0) for k in ("decode", "det", "cls", "rec", "post")}))
    pipe = results.get("pipeline") or {}
    if pipe.get("images"):
        agg = _worker_stages(pipe)
        bars.append(("worker path\nFUNSD (+ speech)", {k: sum(v) / len(v) for k, v in agg.items()}))
    for engine, e in results["ocr"].items():
        if engine == DEFAULT:
            continue
        for ds, s in (e.get("speed") or {}).items():
            st = s.get("stages_median_ms") or {}
            # keras-ocr's paired turns time the whole image only (no stages), and its 5-20 s
            # would squash every other bar: it is left to the table and the other plot.
            if s.get("images") and st:
                bars.append((f"{engine}{' (untrained)' if e.get('untrained') else ''}\n{ds}",
                             {"decode": st.get("decode", 0), "ocr": st.get("ocr", 0)}))
    return bars


def _stacked_bars(ax, bars: list[tuple[str, dict]]) -> None:
    import matplotlib.pyplot as plt

    stages = []
    for _, st in bars:
        for k in st:
            if k not in stages:
                stages.append(k)
    left = [0.0] * len(bars)
    cmap = plt.get_cmap("tab10")
    for i, stage in enumerate(stages):
        vals = [st.get(stage, 0) / 1000.0 for _, st in bars]
        ax.barh(range(len(bars)), vals, left=left, color=cmap(i % 10), label=stage)
        left = [a + b for a, b in zip(left, vals)]
    for i, total in enumerate(left):
        ax.text(total, i, f" {total:.2f} s", va="center", fontsize=7)
    ax.set_yticks(range(len(bars)))
    ax.set_yticklabels([b[0] for b in bars], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, max(left) * 1.15)
    ax.set_xlabel("seconds per image (median per stage; worker path: mean per stage)")
    ax.legend(fontsize=7, ncol=4, loc="upper right")
    ax.grid(axis="x", alpha=0.3)
