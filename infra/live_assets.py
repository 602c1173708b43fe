#!/usr/bin/env python3
"""Copy what the site's live reading (#/live) downloads once into static_site/live-assets/
(git-ignored: models are never committed):

- the detector and recogniser of the worker's default engine, from the installed rapidocr
  wheel (PP-OCRv6 small, Apache-2.0), and the recogniser's characters (kept in the ONNX file's
  metadata: written out as keys.txt, one per line, so the browser need not parse protobuf);
- onnxruntime-web's WASM build (MIT), from node_modules (npm ci: package.json pins it).

    .venv/bin/python -m infra.live_assets            # make run, the site tests and bench.live call it

Files are copied only when missing or changed (size and time), so calling it often is cheap.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "static_site" / "live-assets"
ORT_DIST = ROOT / "node_modules" / "onnxruntime-web" / "dist"
# The WASM-only build with its loader bundled in: one module and one .wasm (threads and SIMD).
# The module is renamed .js: every server (S3's content types included) sends that as
# JavaScript, which a module must be; .mjs is not known everywhere.
ORT_FILES = {"ort.wasm.bundle.min.mjs": "ort.bundle.min.js", "ort-wasm-simd-threaded.wasm": "ort-wasm-simd-threaded.wasm"}
MODELS = {"det.onnx": "PP-OCRv6_det_small.onnx", "rec.onnx": "PP-OCRv6_rec_small.onnx"}


def _fresh(src: Path, dst: Path) -> bool:
    return dst.exists() and dst.stat().st_size == src.stat().st_size and dst.stat().st_mtime >= src.stat().st_mtime


def _copy(src: Path, dst: Path) -> None:
    if not src.is_file():
        raise FileNotFoundError(f"{src} is missing (pip install -r requirements-worker.txt; npm ci)")
    if not _fresh(src, dst):
        shutil.copy2(src, dst)


def build(out: Path = OUT) -> dict:
    """Copy the files; returns the manifest written beside them (name -> bytes)."""
    from chalicelib.engines.ocr.rapid import _models_dir

    out.mkdir(parents=True, exist_ok=True)
    models = _models_dir()
    for name, source in MODELS.items():
        _copy(models / source, out / name)
    for source, name in ORT_FILES.items():
        _copy(ORT_DIST / source, out / name)
    keys = out / "keys.txt"
    if not _fresh(models / MODELS["rec.onnx"], keys):
        import onnxruntime as ort

        meta = ort.InferenceSession(str(models / MODELS["rec.onnx"]),
                                    providers=["CPUExecutionProvider"]).get_modelmeta().custom_metadata_map
        keys.write_text(meta["character"], encoding="utf-8")
    files = {p.name: p.stat().st_size for p in sorted(out.iterdir()) if p.name != "manifest.json"}
    manifest = {"files": files, "licences": {
        "det.onnx": "Apache-2.0 (PaddleOCR PP-OCRv6 small, via rapidocr)",
        "rec.onnx": "Apache-2.0 (PaddleOCR PP-OCRv6 small, via rapidocr)",
        "keys.txt": "Apache-2.0 (the recogniser's characters)",
        **{name: "MIT (onnxruntime-web)" for name in ORT_FILES.values()}}}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    try:
        manifest = build(args.out)
    except FileNotFoundError as exc:
        print(f"live_assets: {exc}", file=sys.stderr)
        return 2
    for name, size in manifest["files"].items():
        print(f"{name}\t{size / 1e6:.1f} MB\t{manifest['licences'].get(name, '')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
