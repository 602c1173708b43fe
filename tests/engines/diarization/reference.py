"""Plain-numpy float64 forward passes of the two diarization models, written directly from the upstream
PyTorch modules, to check the ONNX graphs against (test_models.py).

Independent of segmentation_graph.py and embedding_graph.py: it shares only the checkpoint reader
with them, and does none of their work its own way round (the sinc filters come from the closed
form on an explicit time axis, the LSTM runs step by step in PyTorch's gate order, batch norms are
applied as they are, not folded, the segment pooling is a loop). Ported from the colleague's
check_parity.py (outside the repository), after:
- pyannote/pyannote-audio b749285c (MIT): `models/segmentation/PyanNet.py`, `models/blocks/sincnet.py`;
- asteroid-team/asteroid-filterbanks ddecf6b9 (MIT): `param_sinc_fb.py`;
- modelscope/3D-Speaker 09e78067 (Apache-2.0): `speakerlab/models/campplus/DTDNN.py`, `layers.py`.
"""
from __future__ import annotations

import numpy as np

# ------------------------------------------------------------------ layers


def conv1d(x, w, b=None, stride=1, pad=0, dil=1):
    """x (N, C, T), w (O, C, K) -> (N, O, T'), as torch.nn.functional.conv1d."""
    if pad:
        x = np.pad(x, ((0, 0), (0, 0), (pad, pad)))
    span = dil * (w.shape[2] - 1) + 1
    win = np.lib.stride_tricks.sliding_window_view(x, span, axis=2)[:, :, ::stride, ::dil]
    y = np.einsum("nctk,ock->not", win, w, optimize=True)
    return y if b is None else y + b[None, :, None]


def conv2d(x, w, stride=(1, 1), pad=(0, 0)):
    """x (N, C, H, W), w (O, C, kh, kw), no bias."""
    x = np.pad(x, ((0, 0), (0, 0), (pad[0], pad[0]), (pad[1], pad[1])))
    win = np.lib.stride_tricks.sliding_window_view(x, w.shape[2:], axis=(2, 3))
    win = win[:, :, ::stride[0], ::stride[1]]
    return np.einsum("nchwij,ocij->nohw", win, w, optimize=True)


def batchnorm(x, sd, p, eps=1e-5):
    """Eval-mode BatchNorm over axis 1."""
    shape = (1, -1) + (1,) * (x.ndim - 2)
    y = (x - sd[p + "running_mean"].reshape(shape)) / np.sqrt(sd[p + "running_var"].reshape(shape) + eps)
    if p + "weight" in sd:
        y = y * sd[p + "weight"].reshape(shape) + sd[p + "bias"].reshape(shape)
    return y


def instancenorm(x, w, b, eps=1e-5):
    m = x.mean(-1, keepdims=True)
    v = x.var(-1, keepdims=True)
    return (x - m) / np.sqrt(v + eps) * w[None, :, None] + b[None, :, None]


def relu(x):
    return np.maximum(x, 0)


def leaky(x):
    return np.where(x > 0, x, 0.01 * x)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


# ------------------------------------------------------------ segmentation


def sinc_filters(sd, sr=16000):
    """SincNet's band-pass filters from the closed form on an explicit time axis (80, 1, 251)."""
    p = "sincnet.conv1d.0.filterbank."
    low = 50 + np.abs(sd[p + "low_hz_"][:, 0])
    high = np.clip(low + 50 + np.abs(sd[p + "band_hz_"][:, 0]), 50, sr / 2)
    band = high - low
    t = np.arange(-125, 126) / sr  # 251 taps
    win = np.hamming(251)
    # the checkpoint's buffers are what the closed form assumes
    assert np.allclose(win[:125], sd[p + "window_"], atol=1e-7)
    assert np.allclose(2 * np.pi * t[:125], sd[p + "n_"][0], rtol=1e-6)
    out = np.zeros((80, 251))
    tt = np.where(t == 0, 1.0, t)
    for i in range(40):
        c = (np.sin(2 * np.pi * high[i] * tt) - np.sin(2 * np.pi * low[i] * tt)) / (np.pi * tt)
        c[t == 0] = 2 * band[i]
        s = (np.cos(2 * np.pi * low[i] * tt) - np.cos(2 * np.pi * high[i] * tt)) / (np.pi * tt)
        s[t == 0] = 0
        out[i] = c * win / (2 * band[i])
        out[40 + i] = s * win / (2 * band[i])
    return out[:, None, :]


def lstm_direction(x, Wih, Whh, bih, bhh, reverse):
    """x (N, T, I) -> (N, T, H), PyTorch's gate order i, f, g, o."""
    N, T, _ = x.shape
    H = Whh.shape[1]
    h, c = np.zeros((N, H)), np.zeros((N, H))
    out = np.zeros((N, T, H))
    xp = x @ Wih.T + bih + bhh
    for t in (range(T - 1, -1, -1) if reverse else range(T)):
        z = xp[:, t] + h @ Whh.T
        i, f, g, o = (z[:, k * H:(k + 1) * H] for k in range(4))
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
        out[:, t] = h
    return out


def segmentation(sd, x):
    """PyanNet: x (N, 1, T) -> log-probabilities (N, frames, 7)."""
    sd = {k: v.astype(np.float64) for k, v in sd.items()}
    h = instancenorm(x, sd["sincnet.wav_norm1d.weight"], sd["sincnet.wav_norm1d.bias"])
    for c in range(3):
        if c == 0:
            h = np.abs(conv1d(h, sinc_filters(sd), stride=10))
        else:
            h = conv1d(h, sd[f"sincnet.conv1d.{c}.weight"], sd[f"sincnet.conv1d.{c}.bias"])
        F = h.shape[2] // 3
        h = h[:, :, :3 * F].reshape(h.shape[0], h.shape[1], F, 3).max(-1)
        h = leaky(instancenorm(h, sd[f"sincnet.norm1d.{c}.weight"], sd[f"sincnet.norm1d.{c}.bias"]))
    h = h.transpose(0, 2, 1)
    for layer in range(4):
        h = np.concatenate([lstm_direction(h, sd[f"lstm.weight_ih_l{layer}{s}"], sd[f"lstm.weight_hh_l{layer}{s}"],
                                           sd[f"lstm.bias_ih_l{layer}{s}"], sd[f"lstm.bias_hh_l{layer}{s}"], s != "")
                            for s in ("", "_reverse")], -1)
    for i in range(2):
        h = leaky(h @ sd[f"linear.{i}.weight"].T + sd[f"linear.{i}.bias"])
    z = h @ sd["classifier.weight"].T + sd["classifier.bias"]
    z = z - z.max(-1, keepdims=True)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


# ------------------------------------------------------------------ CAM++


def seg_pooling(x, L=100):
    """CAMLayer.seg_pooling (avg_pool1d, ceil_mode) as a loop over the blocks."""
    out = np.empty_like(x)
    for s in range(0, x.shape[-1], L):
        out[..., s:s + L] = x[..., s:s + L].mean(-1, keepdims=True)
    return out


def fcm_head(sd, feats):
    """(N, T, 80) -> (N, 320, T)."""
    h = relu(batchnorm(conv2d(feats.transpose(0, 2, 1)[:, None], sd["head.conv1.weight"], pad=(1, 1)),
                       sd, "head.bn1."))
    for layer in (1, 2):
        for blk in range(2):
            p = f"head.layer{layer}.{blk}."
            st = (2, 1) if blk == 0 else (1, 1)
            o = relu(batchnorm(conv2d(h, sd[p + "conv1.weight"], st, (1, 1)), sd, p + "bn1."))
            o = batchnorm(conv2d(o, sd[p + "conv2.weight"], (1, 1), (1, 1)), sd, p + "bn2.")
            sc = batchnorm(conv2d(h, sd[p + "shortcut.0.weight"], st), sd, p + "shortcut.1.") \
                if p + "shortcut.0.weight" in sd else h
            h = relu(o + sc)
    h = relu(batchnorm(conv2d(h, sd["head.conv2.weight"], (2, 1), (1, 1)), sd, "head.bn2."))
    N, C, Fq, T = h.shape
    return h.reshape(N, C * Fq, T)


def campplus(sd, feats):
    """CAM++: fbank (N, T, 80) -> embedding (N, 192)."""
    sd = {k: v.astype(np.float64) for k, v in sd.items()}
    h = relu(batchnorm(conv1d(fcm_head(sd, feats), sd["xvector.tdnn.linear.weight"], stride=2, pad=2),
                       sd, "xvector.tdnn.nonlinear.batchnorm."))
    for b, (n, dil) in enumerate(zip((12, 24, 16), (1, 2, 2)), start=1):
        for i in range(1, n + 1):
            p = f"xvector.block{b}.tdnnd{i}."
            o = relu(batchnorm(h, sd, p + "nonlinear1.batchnorm."))
            o = relu(batchnorm(conv1d(o, sd[p + "linear1.weight"]), sd, p + "nonlinear2.batchnorm."))
            c = p + "cam_layer."
            y = conv1d(o, sd[c + "linear_local.weight"], pad=dil, dil=dil)
            ctx = o.mean(-1, keepdims=True) + seg_pooling(o)
            ctx = relu(conv1d(ctx, sd[c + "linear1.weight"], sd[c + "linear1.bias"]))
            m = sigmoid(conv1d(ctx, sd[c + "linear2.weight"], sd[c + "linear2.bias"]))
            h = np.concatenate([h, y * m], axis=1)
        p = f"xvector.transit{b}."
        h = conv1d(relu(batchnorm(h, sd, p + "nonlinear.batchnorm.")), sd[p + "linear.weight"])
    h = relu(batchnorm(h, sd, "xvector.out_nonlinear.batchnorm."))
    stats = np.concatenate([h.mean(-1), h.std(-1, ddof=1)], axis=-1)
    e = conv1d(stats[:, :, None], sd["xvector.dense.linear.weight"])[:, :, 0]
    return batchnorm(e, sd, "xvector.dense.nonlinear.batchnorm.")
