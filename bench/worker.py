"""One engine in one process, so its peak memory is its own (`python -m bench.run` starts these).

    python -m bench.worker ocr --engine NAME --manifest IN.json --out OUT.json
    python -m bench.worker pipeline --manifest IN.json --out OUT.json
    python -m bench.worker tts --engine NAME --text-file T.txt --out OUT.json
    python -m bench.worker serve --engine NAME      (JSON lines in and out)

Imports only the standard library, numpy and chalicelib at the top, so the same file runs in
the keras-ocr virtualenv (numpy 1.26, TensorFlow) as in the main one.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

T_START = time.perf_counter()

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def peak_rss_mb(children: bool = False) -> float:
    """Peak resident set size (Linux reports KiB)."""
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return resource.getrusage(who).ru_maxrss / 1024.0


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (tesseract runs as a child)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _engine(name: str):
    if name == "tesseract":
        from bench.tesseract import TesseractEngine

        return TesseractEngine()
    from chalicelib.engines import ocr

    return ocr.get_engine(name)


def _words(doc: dict) -> list:
    return [[w["text"], w["box"]] for ln in doc["lines"] for w in ln["words"]]


def cmd_ocr(args) -> dict:
    from chalicelib import settings
    from chalicelib.engines.ocr.base import build_result
    from chalicelib.media import image as imaging

    manifest = json.loads(Path(args.manifest).read_text(encoding="utf-8"))
    t0 = time.perf_counter()
    engine = _engine(args.engine)
    t_ready = time.perf_counter()
    s = settings.get().limits
    rows = []
    for i, item in enumerate(manifest):
        data = Path(item["image"]).read_bytes()
        cpu0 = cpu_seconds()
        t = time.perf_counter()
        image = imaging.decode(data, max_bytes=s.max_upload_bytes, max_pixels=s.max_pixels)
        t_dec = time.perf_counter()
        lines = engine.read(image.rgb)
        t_ocr = time.perf_counter()
        doc = build_result(engine, image.width, image.height, lines)
        rows.append({"key": item["key"], "seconds": t_ocr - t, "cpu_seconds": cpu_seconds() - cpu0,
                     "stages_ms": {"decode": (t_dec - t) * 1000,
                                   **{k: float(v) for k, v in getattr(engine, "last_timings", {}).items()},
                                   "ocr": (t_ocr - t_dec) * 1000},
                     "words": _words(doc)})
        if i == 0:
            first_s = t_ocr - t
    return {"engine": args.engine, "engine_version": getattr(engine, "version", ""),
            # Cold start: importing the engine, loading its models and warming up (what a new
            # Lambda or container pays before its first page), then the first page itself.
            "load_s": t_ready - t0, "cold_start_s": t_ready - T_START,
            "first_image_s": first_s if rows else None,
            "peak_rss_mb": peak_rss_mb(), "children_peak_rss_mb": peak_rss_mb(children=True),
            "images": rows}


def cmd_pipeline(args) -> dict:
    """The worker's whole path per image: decode, OCR, speech (default engines)."""
    from chalicelib.kinds.page import pipeline

    manifest = json.loads(Path(args.manifest).read_text(encoding="utf-8"))
    t0 = time.perf_counter()
    pipeline.warm_up()
    load_s = time.perf_counter() - t0
    rows = []
    for item in manifest:
        data = Path(item["image"]).read_bytes()
        t = time.perf_counter()
        done = pipeline.process(data)
        rows.append({"key": item["key"], "seconds": time.perf_counter() - t,
                     "stages_ms": done.result["timings_ms"], "chars": len(done.result["text"]),
                     "wav_bytes": len(done.wav or b"")})
    from chalicelib import settings

    s = settings.get().worker
    return {"ocr_engine": s.ocr_engine, "tts_engine": s.tts_engine, "load_s": load_s,
            "peak_rss_mb": peak_rss_mb(), "images": rows}


def cmd_tts(args) -> dict:
    from chalicelib.engines import tts

    text = Path(args.text_file).read_text(encoding="utf-8")
    t0 = time.perf_counter()
    try:
        engine = tts.get_engine(args.engine)
    except Exception as exc:  # noqa: BLE001 - reported, not fatal for the benchmark
        return {"engine": args.engine, "error": f"{exc.__class__.__name__}: {exc}"}
    load_s = time.perf_counter() - t0
    rss_loaded = peak_rss_mb()
    t = time.perf_counter()
    try:
        audio = engine.synthesize(text)
    except Exception as exc:  # noqa: BLE001 - gTTS offline: no network here
        return {"engine": args.engine, "load_s": load_s, "error": f"{exc.__class__.__name__}: {exc}"}
    synth_s = time.perf_counter() - t
    return {"engine": args.engine, "engine_version": getattr(engine, "version", ""), "chars": len(text),
            "load_s": load_s, "synth_s": synth_s, "audio_s": audio.seconds,
            "rtf": synth_s / audio.seconds if audio.seconds else None,
            "peak_rss_after_load_mb": rss_loaded, "peak_rss_mb": peak_rss_mb()}


def cmd_serve(args) -> None:
    """Load once, then time one image per JSON line on standard input (bench.run pairs two of
    these, so both engines meet the shared machine's load at the same moments)."""
    from chalicelib import settings
    from chalicelib.media import image as imaging

    out = sys.stdout
    sys.stdout = sys.stderr  # anything an engine prints must not mix with the replies
    t0 = time.perf_counter()
    engine = _engine(args.engine)
    t_ready = time.perf_counter()
    s = settings.get().limits
    out.write(json.dumps({"ready": True, "engine_version": getattr(engine, "version", ""),
                          "load_s": t_ready - t0, "cold_start_s": t_ready - T_START}) + "\n")
    out.flush()
    for line in sys.stdin:
        item = json.loads(line)
        data = Path(item["image"]).read_bytes()
        cpu0 = cpu_seconds()
        t = time.perf_counter()
        image = imaging.decode(data, max_bytes=s.max_upload_bytes, max_pixels=s.max_pixels)
        if item.get("boxes") is not None:  # untrained keras-ocr: a trained detector's workload
            words = len(engine.detect_words(image.rgb, boxes=item["boxes"]))
        else:
            words = sum(len(line.words) for line in engine.read(image.rgb))
        out.write(json.dumps({"key": item["key"], "seconds": time.perf_counter() - t,
                              "cpu_seconds": cpu_seconds() - cpu0, "word_count": words}) + "\n")
        out.flush()
    out.write(json.dumps({"peak_rss_mb": peak_rss_mb(), "children_peak_rss_mb": peak_rss_mb(children=True)}) + "\n")
    out.flush()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.worker")
    sub = ap.add_subparsers(dest="cmd", required=True)
    o = sub.add_parser("ocr")
    o.add_argument("--engine", required=True)
    o.add_argument("--manifest", required=True)
    o.add_argument("--out", required=True)
    p = sub.add_parser("pipeline")
    p.add_argument("--manifest", required=True)
    p.add_argument("--out", required=True)
    t = sub.add_parser("tts")
    t.add_argument("--engine", required=True)
    t.add_argument("--text-file", required=True)
    t.add_argument("--out", required=True)
    v = sub.add_parser("serve")
    v.add_argument("--engine", required=True)
    args = ap.parse_args(argv)
    if args.cmd == "serve":
        cmd_serve(args)
        return 0
    result = {"ocr": cmd_ocr, "pipeline": cmd_pipeline, "tts": cmd_tts}[args.cmd](args)
    Path(args.out).write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
