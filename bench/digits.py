"""Handwritten digits: accuracy, "not sure" behaviour, speed and size, side by side in one run.

    .venv/bin/python -m bench.digits [--datasets ../shared/datasets] [--photos 60]

Rows (all images are read as files through `chalicelib.media.image.decode`, except the raw
classifier row, which feeds MNIST's 28x28 arrays to the digit normalisation directly):
- MNIST held out: the 2,500 MNIST test images of digits-dev that training never saw
  (source_index % 4 == 2); "classifier" = our normalisation + model, "full pipeline" = the
  28x28 picture through `read()` (page preprocessing, segmentation, exactly one digit).
- digits-dev drawn: the 28 drawn images (labels.csv), through `read()`, exactly one digit.
- synthetic photos: numbers of 1-5 held-out MNIST digits (touching in some) written in ink on
  plain, ruled or squared paper, a gradient shadow, photographed crooked on a table (JPEG);
  the whole number right.
- real-image kinds drawn by code (tests/engines/digits/drawn.py): a black brush digit on a
  transparent PNG, a palette PNG with a transparent background, thick marker on white and on
  coloured paper, bold 28x28 light-on-dark canvases, chalk on a board, digits running off the
  picture's edge, a bold digit cropped to its ink, uneven light with a shadow; the whole
  number right, through `read()`.
- blank pages and photos of printed text: pictures with a *confident* digit (value not None).

Side by side: the WinML `mnist.onnx` cannot be had here (it is only on GitHub, and no PyPI
package ships it), so the peer columns are (1) the WinML/CNTK architecture (8 and 16 5x5
convolutions, 5,8 k parameters, ~26 KB) trained by training/digits/train.py --baseline on the
same 7,500 images without augmentation, run through our same preprocessing; and (2) our model
behind the naive preprocessing of a typical MNIST web demo (grayscale, invert if the border is
light, stretch, crop the ink, long side 20 px, centre of mass), to show what preprocessing adds.
"""
from __future__ import annotations

import argparse
import csv
import statistics
import time
from pathlib import Path

import cv2
import numpy as np

from chalicelib.engines.digits import cnn
from chalicelib.media.image import decode

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATASETS = REPO.parent / "shared" / "datasets"
BASELINE = REPO / "training" / "digits" / "baseline_winml_arch.onnx"
LIMITS = dict(max_bytes=50 * 1024 * 1024, max_pixels=40_000_000)


def naive_crop(rgb: np.ndarray) -> np.ndarray:
    """The usual MNIST-demo preprocessing (the field notes' recipe), one digit per picture."""
    g = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    border = np.concatenate([g[0], g[-1], g[:, 0], g[:, -1]])
    if np.median(border) > 127:
        g = 255 - g
    g = (g - g.min()) / max(float(g.max() - g.min()), 1.0)
    g = np.where(g > 0.5, g, 0)
    ys, xs = np.nonzero(g)
    if ys.size == 0:
        return np.zeros((28, 28), np.float32)
    g = g[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    h, w = g.shape
    s = 20.0 / max(h, w)
    g = cv2.resize(g, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
    m = cv2.moments(g)
    if m["m00"] <= 0:
        return np.zeros((28, 28), np.float32)
    M = np.float32([[1, 0, 14 - m["m10"] / m["m00"]], [0, 1, 14 - m["m01"] / m["m00"]]])
    return cv2.warpAffine(g, M, (28, 28), flags=cv2.INTER_LINEAR)


class Reader:
    """One column of the table: `read(rgb, alpha) -> list[int|None]` plus raw classification."""

    def __init__(self, name, engine, crops=None):
        self.name, self.engine, self.crops = name, engine, crops

    def read(self, rgb, alpha):
        if self.crops == "naive":
            p = self.engine.classify(naive_crop(rgb)[None])[0]
            v = int(p[:10].argmax())
            ok = p[:10].max() >= self.engine.config.min_confidence and p[10] <= self.engine.config.max_not_digit
            return [v if ok else None]
        return [d.value for d in self.engine.read(rgb, alpha)]


def baseline_engine():
    """The WinML-architecture peer in our engine (10 classes: no "not a digit")."""
    if not BASELINE.is_file():
        return None
    eng = cnn.CnnDigitsEngine(cnn.Config(model_path=str(BASELINE)))

    def classify(crops, _run=eng._session.run, _inp=eng._input):
        if len(crops) == 0:
            return np.zeros((0, 11), np.float32)
        logits = _run(["logits"], {_inp: np.asarray(crops, np.float32).reshape(-1, 1, 28, 28)})[0]
        p = cnn._softmax(logits.astype(np.float64))
        return np.concatenate([p, np.zeros((len(p), 1))], axis=1)

    eng.classify = classify
    return eng


def held_out(datasets: Path):
    d = np.load(datasets / "digits-dev" / "mnist_test_even.npz")
    keep = d["source_index"] % 4 == 2
    return d["images"][keep], d["labels"][keep].astype(int)


def png(arr: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".png", arr)
    return buf.tobytes()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", default=str(DEFAULT_DATASETS))
    ap.add_argument("--photos", type=int, default=60, help="synthetic photos of numbers")
    ap.add_argument("--mnist", type=int, default=2500, help="held-out MNIST images through read()")
    args = ap.parse_args()
    datasets = Path(args.datasets)
    if not (datasets / "digits-dev" / "labels.csv").is_file():
        raise SystemExit(f"digits-dev not found under {datasets}")

    ours = cnn.CnnDigitsEngine()
    base = baseline_engine()
    readers = [Reader("ours", ours)]
    if base is not None:
        readers.append(Reader("WinML-arch (trained here)", base))
    readers.append(Reader("ours, naive preproc.", ours, crops="naive"))

    X, y = held_out(datasets)
    rows: Rows = {}
    _classifier(rows, readers, X, y, ours)
    _full_pipeline(rows, readers, X, y, min(args.mnist, len(X)))
    _drawn(rows, readers, datasets)
    rng = np.random.default_rng(7)
    _number_photos(rows, readers, _photos_of_numbers(rng, X, y, args.photos))
    _big_digits(rows, readers, _photos_of_big_digits(rng, X, y, args.photos // 2))
    _real_kinds(rows, readers)
    _negatives(rows, readers)
    for r in readers:
        path = Path(r.engine.config.model_path)
        _put(rows, "model size", r.name, f"{path.stat().st_size / 1024:.0f} KB")
    _print_table(rows, readers, ours.version)
    if base is None:
        print(f"(no {BASELINE.name}: run training/digits/train.py --baseline for the peer column)")
    print("WinML mnist.onnx itself: not obtainable offline (GitHub only, no PyPI package ships it); "
          "its published figure is 98.9% on the full MNIST test set.")


Rows = dict[str, dict[str, str]]  # row label -> column (reader) -> cell


def _put(rows: Rows, row: str, col: str, val: str) -> None:
    rows.setdefault(row, {})[col] = val


def _digits_text(vals: list) -> str:
    return "".join("?" if v is None else str(v) for v in vals)


def _classifier(rows: Rows, readers: list[Reader], X, y, ours) -> None:
    """1. Raw classifier accuracy on held-out MNIST (argmax over the 10 digits)."""
    for r in readers:
        if r.crops == "naive":
            crops = np.stack([naive_crop(np.repeat(x[:, :, None], 3, 2)) for x in X])
            p = r.engine.classify(crops)
        else:
            p = r.engine.classify_mnist(X)
        acc = float((p[:, :10].argmax(1) == y).mean())
        _put(rows, "MNIST held out (2,500), classifier argmax", r.name,
             f"{acc:.2%} ({int((p[:, :10].argmax(1) != y).sum())} wrong)")
        if r.name == "ours":
            conf = p[:, :10].max(1)
            sure = (conf >= ours.config.min_confidence) & (p[:, 10] <= ours.config.max_not_digit)
            wrong_sure = int(((p[:, :10].argmax(1) != y) & sure).sum())
            _put(rows, "MNIST held out: 'not sure' / confident wrong", r.name, f"{1 - sure.mean():.2%} / {wrong_sure}")


def _full_pipeline(rows: Rows, readers: list[Reader], X, y, n: int) -> None:
    """2. Held-out MNIST through the full picture pipeline (files, decode, read())."""
    files = [png(x) for x in X[:n]]
    for r in readers:
        ok = unsure = 0
        t0 = time.perf_counter()
        for data, label in zip(files, y[:n]):
            dec = decode(data, **LIMITS)
            vals = r.read(dec.rgb, dec.alpha)
            ok += vals == [label]
            unsure += vals == [None]
        ms = (time.perf_counter() - t0) * 1000 / n
        _put(rows, f"MNIST held out ({n}), full pipeline, exactly right", r.name, f"{ok / n:.2%}")
        _put(rows, f"MNIST held out ({n}), full pipeline, 'not sure' / wrong", r.name,
             f"{unsure / n:.2%} / {(n - ok - unsure) / n:.2%}")
        _put(rows, "ms per 28x28 image (decode + read)", r.name, f"{ms:.1f}")


def _drawn(rows: Rows, readers: list[Reader], datasets: Path) -> None:
    """3. The 28 drawn images."""
    with open(datasets / "digits-dev" / "labels.csv") as f:
        labels = list(csv.DictReader(f))
    for r in readers:
        ok, wrong = 0, []
        for row in labels:
            dec = decode((datasets / "digits-dev" / row["file"]).read_bytes(), **LIMITS)
            vals = r.read(dec.rgb, dec.alpha)
            if vals == [int(row["label"])]:
                ok += 1
            else:
                wrong.append(f"{Path(row['file']).stem}->{_digits_text(vals)}")
        _put(rows, f"digits-dev drawn ({len(labels)}), exactly right", r.name, f"{ok}/{len(labels)}")
        if wrong:
            _put(rows, "digits-dev drawn, misses", r.name, ", ".join(wrong))


def _photos_of_numbers(rng, X, y, count: int) -> list[tuple[bytes, str]]:
    """Synthetic phone photos of numbers: plain, ruled and squared paper, touching digits in some."""
    from tests.engines.digits import synth

    photos = []
    for i in range(count):
        k = int(rng.integers(1, 6))
        idx = rng.choice(len(X), k, replace=False)
        inks = [(30, 40, 110), (20, 20, 20), (150, 20, 30), (20, 90, 40)]
        angle, height = float(rng.uniform(-12, 12)), int(rng.integers(60, 140))
        if i % 6 == 2:  # ruled notebook paper
            data = synth.lined_paper_photo([X[j] for j in idx], seed=100 + i, angle=angle, height=max(height, 90))
        elif i % 6 == 5:  # squared paper
            data = synth.lined_paper_photo([X[j] for j in idx], seed=100 + i, angle=angle, height=max(height, 90),
                                           grid=True)
        else:
            data, _ = synth.photo_of_number([X[j] for j in idx], seed=100 + i, angle=angle, ink=inks[i % 4],
                                            overlap=(i % 6 == 4), height=height, jitter=0.15)
        photos.append((data, "".join(str(y[j]) for j in idx)))
    return photos


def _number_photos(rows: Rows, readers: list[Reader], photos: list[tuple[bytes, str]]) -> None:
    """4. Synthetic phone photos of numbers."""
    for r in readers:
        if r.crops == "naive":
            continue
        ok_num, ok_dig, tot_dig, times = 0, 0, 0, []
        for data, truth in photos:
            t0 = time.perf_counter()
            dec = decode(data, **LIMITS)
            vals = r.read(dec.rgb, dec.alpha)
            times.append((time.perf_counter() - t0) * 1000)
            got = _digits_text(vals)
            ok_num += got == truth
            ok_dig += sum(a == b for a, b in zip(got, truth)) if len(got) == len(truth) else 0
            tot_dig += len(truth)
        _put(rows, f"synthetic photos ({len(photos)}, 1-5 digits), whole number right", r.name,
             f"{ok_num / len(photos):.1%}")
        _put(rows, "synthetic photos, digits right", r.name, f"{ok_dig / tot_dig:.1%}")
        _put(rows, "ms per photo (900x700 JPEG, decode + read)", r.name, f"{statistics.median(times):.0f}")


def _photos_of_big_digits(rng, X, y, count: int) -> list[tuple[bytes, int]]:
    """One big digit on a sheet on a dark table (the polarity is a close call there)."""
    from tests.engines.digits import synth

    big = []
    for i in range(count):
        j = int(rng.integers(len(X)))
        big.append((synth.photo_of_big_digit(X[j], seed=500 + i, angle=float(rng.uniform(-8, 8))), y[j]))
    return big


def _big_digits(rows: Rows, readers: list[Reader], big: list[tuple[bytes, int]]) -> None:
    """4b. One big digit on a sheet on a dark table."""
    for r in readers:
        ok = 0
        for data, label in big:
            dec = decode(data, **LIMITS)
            ok += r.read(dec.rgb, dec.alpha) == [label]
        _put(rows, f"synthetic photos of one big digit on a dark table ({len(big)}), right", r.name,
             f"{ok / len(big):.1%}")


def _real_kinds(rows: Rows, readers: list[Reader]) -> None:
    """4c. The kinds of picture people upload, drawn by code: the whole number right, per kind."""
    from tests.engines.digits import drawn

    cases = drawn.real_image_cases()
    for r in readers:
        if r.crops == "naive":
            continue
        right: dict[str, list[int]] = {}
        for kind, data, truth in cases:
            dec = decode(data, **LIMITS)
            right.setdefault(kind, []).append(_digits_text(r.read(dec.rgb, dec.alpha)) == truth)
        total = sum(sum(v) for v in right.values())
        _put(rows, f"real-image kinds drawn by code ({len(cases)}), whole number right", r.name,
             f"{total / len(cases):.1%}")
        misses = [f"{kind} {len(v) - sum(v)}/{len(v)}" for kind, v in right.items() if sum(v) < len(v)]
        _put(rows, "real-image kinds, misses", r.name, ", ".join(misses) or "none")


def _negatives(rows: Rows, readers: list[Reader]) -> None:
    """5. No confident digit on blank pages and printed text."""
    from tests.engines.digits import synth

    negatives = [synth.blank_page(seed=s) for s in range(5)] + [synth.printed_text_photo(seed=s) for s in range(5)]
    negatives += [synth.printed_text_photo(seed=9, lines=["Hello world"], size=44),
                  synth.printed_text_photo(seed=10, lines=["Total due", "Thank you"], size=40)]
    for r in readers:
        bad = 0
        for data in negatives:
            dec = decode(data, **LIMITS)
            bad += any(v is not None for v in r.read(dec.rgb, dec.alpha))
        _put(rows, f"blank/printed-text pictures ({len(negatives)}) with a confident digit", r.name, str(bad))


def _print_table(rows: Rows, readers: list[Reader], version: str) -> None:
    cols = [r.name for r in readers]
    width = max(len(k) for k in rows) + 2
    cw = [max(len(c), *(len(rows[k].get(c, "")) for k in rows)) + 2 for c in cols]
    print("Handwritten digits benchmark (PageVoice)  engine", version)
    print("".ljust(width) + "".join(c.ljust(w) for c, w in zip(cols, cw)))
    for k, v in rows.items():
        print(k.ljust(width) + "".join(v.get(c, "-").ljust(w) for c, w in zip(cols, cw)))


if __name__ == "__main__":
    main()
