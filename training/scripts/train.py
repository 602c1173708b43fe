"""Train PageVoice's script-of-a-line classifier offline and export it to ONNX.

Runs in the keras venv (TensorFlow 2.15 / keras 2.15 / numpy 1.26):

    .venv-keras/bin/python training/scripts/train.py --seed 24 --epochs 9 --out /tmp/run2.onnx
    .venv-keras/bin/python training/scripts/train.py --seed 25 --epochs 10 --out /tmp/run3.onnx
    .venv-keras/bin/python training/scripts/train.py --merge /tmp/run2.onnx /tmp/run3.onnx \
        --out chalicelib/engines/ocr/script_id.onnx    # the shipped model: the two runs averaged

then score it through the shipped code: `.venv/bin/python training/scripts/evaluate.py`.

Classes: chalicelib.engines.ocr.script_id.CLASSES (Latn Cyrl Grek Arab Hebr Deva Hang Thai Hani;
Hani is Chinese and Japanese, kana included). Data (nothing downloaded): lines rendered by
lines.py from the UDHR excerpts in tests/data/languages/texts -- every paragraph but the LAST of
each file; the last ones are held out and are what accuracy is reported on -- and from random
words of each script's letters, in the Noto/DejaVu fonts Debian installs, degraded like phone
photos (polarity, gray levels of coloured grounds, uneven light, blur, noise, JPEG, rotation,
perspective, tight and loose crops, a neighbouring line showing). Pure digit lines are Latn
(the default OCR reads them). Every crop goes through script_id.normalize and a window of
script_id.WIDTH, as at inference.

The data set is rendered once, up front, by `--procs` processes (FreeType hinting of the Noto
Latin fonts makes Pillow slow: ~6 ms a line), then the CNN trains on it with one thread.
The ONNX graph is built with the `onnx` package by training/digits/train.py's `member_graph`.
"""
from __future__ import annotations

import argparse
import importlib.util
import multiprocessing
import os
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import lines  # noqa: E402

from chalicelib.engines.ocr.script_id import CLASSES, HEIGHT, WIDTH, normalize  # noqa: E402

LOG: list[str] = []


def log(msg: str) -> None:
    line = f"[{time.strftime('%H:%M:%S')}] {msg}"
    print(line, flush=True)
    LOG.append(line)


def digits_train():
    """training/digits/train.py as a module (its `member_graph` exports Keras layers to ONNX)."""
    spec = importlib.util.spec_from_file_location("digits_train", ROOT / "training" / "digits" / "train.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# ---------------------------------------------------------------------------------------------
# Data


def window(norm: np.ndarray, rng) -> np.ndarray:
    """A random training window of a normalised line: left-aligned and padded like inference
    (now and then shifted), or a random stretch of a longer line."""
    out = np.zeros((HEIGHT, WIDTH), np.float32)
    w = norm.shape[1]
    if w <= WIDTH:
        x = int(rng.integers(0, WIDTH - w + 1)) if rng.random() < 0.3 else 0
        out[:, x:x + w] = norm
    else:
        x = int(rng.integers(0, w - WIDTH + 1))
        out[:] = norm[:, x:x + WIDTH]
    return out


def make_chunk(job) -> tuple[np.ndarray, np.ndarray]:
    """`n` samples of class `c` (uint8 windows), `per_text` degradations of each rendered line."""
    c, n, seed, per_text, held_out = job
    rng = np.random.default_rng(seed)
    script = CLASSES[c]
    paras = lines.texts(script, held_out=held_out)
    pool = lines.held_out_lines(script, words=int(rng.integers(1, 7))) if held_out else None
    xs = []
    while len(xs) < n:
        text = pool[int(rng.integers(len(pool)))] if pool else None
        imgs, _ = lines.sample(rng, script, paras, text=text, copies=per_text)
        xs += [np.round(window(normalize(img), rng) * 255).astype(np.uint8) for img in imgs]
    return np.stack(xs[:n]), np.full(n, c, np.int64)


def make_set(per_class: dict[int, int], seed: int, procs: int, per_text: int, held_out: bool, chunk: int = 250):
    jobs = []
    for c, n in per_class.items():
        for k in range(0, n, chunk):
            jobs.append((c, min(chunk, n - k), [seed, c, k, int(held_out)], per_text, held_out))
    with multiprocessing.get_context("fork").Pool(procs) as pool:
        parts = pool.map(make_chunk, jobs, chunksize=1)
    X = np.concatenate([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    return X, y


# ---------------------------------------------------------------------------------------------
# Model and ONNX export


def build_model(tf):
    L = tf.keras.layers
    reg = tf.keras.regularizers.l2(3e-5)

    def conv(f, x):
        x = L.Conv2D(f, 3, padding="same", use_bias=False, kernel_regularizer=reg)(x)
        x = L.BatchNormalization()(x)
        return L.ReLU()(x)

    inp = tf.keras.Input((HEIGHT, WIDTH, 1), name="image")
    x = inp
    for filters in (8, 16, 32, 64):  # 32x128 -> 2x8
        x = L.MaxPooling2D(2)(conv(filters, x))
    x = conv(128, conv(96, x))
    # Global max over the line: a script is recognised by what it has anywhere, and the padding
    # right of a short line adds nothing.
    x = L.MaxPooling2D((HEIGHT // 16, WIDTH // 16))(x)
    x = L.Flatten()(x)
    x = L.Dropout(0.3)(x)
    out = L.Dense(len(CLASSES), name="logits")(x)
    return tf.keras.Model(inp, out)


def save_graph(nodes, inits, path: Path, meta: dict) -> None:
    """Nodes on input "image" giving "logits" and "probabilities" -> a checked ONNX file."""
    import onnx
    from onnx import TensorProto, helper

    k = len(CLASSES)
    graph = helper.make_graph(
        nodes, "pagevoice_script_id",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 1, HEIGHT, WIDTH])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", k]),
         helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", k])], inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="pagevoice-train-scripts")
    m.ir_version = 8
    meta = {"classes": ",".join(CLASSES), "input": f"N,1,{HEIGHT},{WIDTH} float 0..1 white ink on black, from "
            "chalicelib.engines.ocr.script_id.normalize", **meta}
    for key, v in meta.items():
        entry = m.metadata_props.add()
        entry.key, entry.value = key, str(v)
    onnx.checker.check_model(m)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(m, str(path))


def export_onnx(model, path: Path, meta: dict) -> None:
    from onnx import helper

    # Weights stored as float16 (half the file), cast to float32 once at load.
    nodes, inits, out = digits_train().member_graph(model, "m_", fp16=True)
    nodes.append(helper.make_node("Identity", [out], ["logits"]))
    nodes.append(helper.make_node("Softmax", [out], ["probabilities"], axis=1))
    save_graph(nodes, inits, path, meta)


def _half(model) -> None:
    """Store a member's float32 weights as float16, cast back to float32 once at load."""
    from onnx import TensorProto, helper, numpy_helper

    g = model.graph
    casts = []
    for i, init in enumerate(list(g.initializer)):
        if init.data_type != TensorProto.FLOAT:
            continue
        name, arr = init.name, numpy_helper.to_array(init)
        g.initializer[i].CopyFrom(numpy_helper.from_array(arr.astype(np.float16), name + "_f16"))
        casts.append(helper.make_node("Cast", [name + "_f16"], [name], to=TensorProto.FLOAT))
    nodes = casts + list(g.node)
    del g.node[:]
    g.node.extend(nodes)


def merge(paths: list[Path], out: Path) -> None:
    """Several exported runs as one model whose probabilities are the mean of theirs."""
    import onnx
    from onnx import compose, helper

    nodes, inits = [], []
    for i, path in enumerate(paths):
        m = onnx.load(str(path))
        _half(m)
        m = compose.add_prefix(m, f"r{i}_")
        for node in m.graph.node:
            node.input[:] = ["image" if x == f"r{i}_image" else x for x in node.input]
        nodes += list(m.graph.node)
        inits += list(m.graph.initializer)
    inits.append(onnx.numpy_helper.from_array(np.array(1.0 / len(paths), np.float32), "inv_members"))
    inits.append(onnx.numpy_helper.from_array(np.array(1e-30, np.float32), "tiny"))
    nodes.append(helper.make_node("Sum", [f"r{i}_probabilities" for i in range(len(paths))], ["probs_sum"]))
    nodes.append(helper.make_node("Mul", ["probs_sum", "inv_members"], ["probabilities"]))
    nodes.append(helper.make_node("Add", ["probabilities", "tiny"], ["probs_safe"]))
    nodes.append(helper.make_node("Log", ["probs_safe"], ["logits"]))
    save_graph(nodes, inits, out, {"members": " ".join(p.name for p in paths)})
    log(f"merged {', '.join(map(str, paths))} -> {out} ({out.stat().st_size} bytes)")


def onnx_probs(path: Path, X: np.ndarray) -> np.ndarray:
    import onnx
    from onnx.reference import ReferenceEvaluator

    sess = ReferenceEvaluator(onnx.load(str(path)))
    return sess.run(["probabilities"], {"image": X[:, None].astype(np.float32) / 255.0})[0]


def per_class(pred: np.ndarray, y: np.ndarray) -> str:
    return " ".join(f"{CLASSES[c]} {float((pred[y == c] == c).mean()):.3f}" for c in range(len(CLASSES)))


# ---------------------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(ROOT / "chalicelib/engines/ocr/script_id.onnx"))
    ap.add_argument("--per-class", type=int, default=4000, help="training windows per class (Latn: 1.5x)")
    ap.add_argument("--per-text", type=int, default=3, help="degraded copies of each rendered line")
    ap.add_argument("--held-out", type=int, default=150, help="held-out windows per class")
    ap.add_argument("--epochs", type=int, default=9)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=24)
    ap.add_argument("--procs", type=int, default=2, help="processes rendering the data (before training)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--log", default=str(HERE / "train.log"))
    ap.add_argument("--merge", nargs="+", type=Path, help="instead of training: average these exported runs into --out")
    args = ap.parse_args()
    if args.merge:
        merge(args.merge, Path(args.out))
        Path(args.log).write_text("\n".join(LOG) + "\n")
        return
    t0 = time.time()
    log("train.py " + " ".join(sys.argv[1:]))
    counts = {c: int(args.per_class * (1.5 if CLASSES[c] == "Latn" else 1.0)) for c in range(len(CLASSES))}
    X, y = make_set(counts, args.seed, args.procs, args.per_text, held_out=False)
    Xh, yh = make_set({c: args.held_out for c in range(len(CLASSES))}, args.seed + 1, args.procs, 1, held_out=True)
    log(f"rendered {len(y)} training windows ({args.per_text} degradations per line) and {len(yh)} held-out "
        f"windows (last paragraph of each text) in {time.time() - t0:.0f}s; fonts: {len(lines.font_files())}")

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    tf.keras.utils.set_random_seed(args.seed)
    model = build_model(tf)
    steps = args.epochs * int(np.ceil(len(y) / args.batch))
    sched = tf.keras.optimizers.schedules.CosineDecay(0.0, steps, warmup_target=args.lr,
                                                      warmup_steps=max(1, steps // 30), alpha=0.01)
    model.compile(optimizer=tf.keras.optimizers.Adam(sched),
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    log(f"model of {model.count_params()} parameters; TF {tf.__version__}, {args.threads} thread(s); "
        f"epochs {args.epochs}, batch {args.batch}, peak lr {args.lr}")
    Xf = X[..., None].astype(np.float32) / 255.0
    Xhf = Xh[..., None].astype(np.float32) / 255.0
    for epoch in range(args.epochs):
        te = time.time()
        h = model.fit(Xf, y, batch_size=args.batch, epochs=1, verbose=0, shuffle=True)
        pred = model.predict(Xhf, batch_size=256, verbose=0).argmax(1)
        log(f"epoch {epoch + 1:2d}/{args.epochs}: loss {h.history['loss'][0]:.4f} train acc "
            f"{h.history['accuracy'][0]:.4f}; held-out acc {float((pred == yh).mean()):.4f}; {time.time() - te:.0f}s")
    probs = tf.nn.softmax(model.predict(Xhf, batch_size=256, verbose=0)).numpy()
    pred = probs.argmax(1)
    acc = float((pred == yh).mean())
    log(f"held-out windows per class: {per_class(pred, yh)}")
    out = Path(args.out)
    export_onnx(model, out, {"heldout_window_accuracy": f"{acc:.4f}", "train_seed": args.seed})
    diff = float(np.abs(onnx_probs(out, Xh[:64]) - probs[:64]).max())
    log(f"held-out window accuracy {acc:.4f}; ONNX {out.stat().st_size} bytes, max |probability diff| vs Keras "
        f"{diff:.2e}; done in {time.time() - t0:.0f}s")
    Path(args.log).write_text("\n".join(LOG) + "\n")
    if diff > 2e-2:  # float16 weights
        raise SystemExit("ONNX export does not match Keras")


if __name__ == "__main__":
    main()
