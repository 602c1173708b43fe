"""Activation ranges for the int8 detectors and recogniser (chalicelib/engines/ocr/int8.py),
measured again: a new bundled model or onnxruntime.

    .venv/bin/python -m bench.int8_calibrate [--datasets ../shared/datasets] [--pages 12]

The default engine (fp32) reads layout-dev's odd pages (large print, the pages the int8 copies
read; the even pages and bench.layout measure them) and keeps what its models are fed: per page
16 of its line crops and two 640-pixel windows of each detector's input (whole pages would take
GBs to calibrate): the small models' as they read without the tiny cascade, the tiny detector's
as the default engine runs it. MinMax ranges go to chalicelib/engines/ocr/int8/<model>.ranges.json.
"""
from __future__ import annotations

import argparse
import glob
import tempfile
from pathlib import Path

from chalicelib.engines.ocr import int8
from chalicelib.engines.ocr.rapid import RapidConfig, RapidOcrEngine, _models_dir, _tiny_models
from chalicelib.media import image as imaging

REPO = Path(__file__).resolve().parents[1]


def calibrate(datasets_root: Path, pages: int = 12, only: tuple[str, ...] = ()) -> None:
    """Measure the activation ranges again, as the default engine feeds its models, on dev pages
    of the kind the int8 copies read (large print: layout-dev's odd pages; the even ones and
    bench.layout measure them), into int8.RANGES; `only`: these models' (names as in int8), else all."""
    import numpy as np
    from onnxruntime.quantization import CalibrationDataReader, CalibrationMethod, QuantFormat, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    # The small models as they read large print without the tiny cascade; the tiny detector as
    # the default engine runs it.
    engine = RapidOcrEngine(RapidConfig(rec_parallel=False, int8="off", tiny="off"))
    tiny = RapidOcrEngine(RapidConfig(rec_parallel=False, int8="off", tiny_int8=False))
    fed: dict[str, list] = {"det": [], "rec": [], "tiny_det": []}

    class Tap:  # the session, keeping what it is given
        def __init__(self, session, into):
            self.session, self.into = session, into

        def run(self, names, feed):
            self.into.append(feed["x"])
            return self.session.run(names, feed)

    det, rec = engine._fp32
    engine._fp32 = (Tap(det, fed["det"]), Tap(rec, fed["rec"]))
    tiny._tiny_det = Tap(tiny._tiny_det, fed["tiny_det"])
    paths = sorted(glob.glob(str(Path(datasets_root) / "layout-dev" / "pages" / "*.webp")))[1::2][:pages]
    rng = np.random.default_rng(0)
    samples: dict[str, list] = {"det": [], "rec": [], "tiny_det": []}
    for path in paths:
        rgb = imaging.decode(Path(path).read_bytes(), max_bytes=1 << 30, max_pixels=1 << 30).rgb
        if not only or set(only) & set(int8.MODELS):
            engine.read(rgb)
        if not only or int8.TINY_DET in only:
            tiny.read(rgb)
        lines = [b[i:i + 1] for b in fed["rec"] for i in range(len(b))]
        if lines:
            samples["rec"] += [lines[i] for i in rng.choice(len(lines), min(16, len(lines)), replace=False)]
        for kind in ("det", "tiny_det"):
            for d in fed[kind]:  # 640-pixel windows of each detector input (whole pages need GBs)
                _, _, h, w = d.shape
                for _ in range(2):
                    y, x = int(rng.integers(0, max(1, h - 640))), int(rng.integers(0, max(1, w - 640)))
                    samples[kind].append(np.ascontiguousarray(d[:, :, y:y + 640, x:x + 640]))
        for got in fed.values():
            got.clear()

    class Reader(CalibrationDataReader):
        def __init__(self, xs):
            self.it = iter({"x": x} for x in xs)

        def get_next(self):
            return next(self.it, None)

    int8.RANGES.mkdir(exist_ok=True)
    models = [(stem, _models_dir() / f"{stem}.onnx", kind) for stem, kind in zip(int8.MODELS, ("det", "rec"))]
    models.append((int8.TINY_DET, _tiny_models()[0], "tiny_det"))
    for stem, fp32, kind in models:
        if only and stem not in only:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            pre = Path(tmp) / "pre.onnx"
            quant_pre_process(str(fp32), str(pre), skip_symbolic_shape=True)
            int8.ranges_file(stem).unlink(missing_ok=True)
            quantize_static(str(pre), str(Path(tmp) / "int8.onnx"), Reader(samples[kind]),
                            quant_format=QuantFormat.QOperator, per_channel=True,
                            calibrate_method=CalibrationMethod.MinMax,
                            calibration_cache_path=str(int8.ranges_file(stem)))
        print(f"{int8.ranges_file(stem)}: {len(samples[kind])} inputs", flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.int8_calibrate", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", type=Path, default=REPO.parent / "shared" / "datasets")
    ap.add_argument("--pages", type=int, default=12)
    ap.add_argument("--only", nargs="*", default=[], choices=[*int8.MODELS, int8.TINY_DET],
                    help="measure these models' ranges only (default: all)")
    args = ap.parse_args(argv)
    calibrate(args.datasets, args.pages, tuple(args.only))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
