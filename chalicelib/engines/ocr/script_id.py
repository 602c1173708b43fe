"""Which script a cropped text line is written in, cheaply: a small CNN run with onnxruntime.

The gate before the other-script OCR: a line the default engine cannot read is sent to the one
Tesseract model of the script ranked first here, instead of trying every script's model.
Trained on lines rendered from real text and random words of each script
(training/scripts/train.py; accuracy and sources in training/scripts/DATA.md).

A crop (any size, grayscale or RGB, upright) is brought to white ink on black, `HEIGHT` pixels
high, contrast stretched; a crop narrower than `WIDTH` is padded, a wider one is read in up to
`MAX_WINDOWS` evenly spaced windows whose probabilities are averaged.
"""
from __future__ import annotations

import threading
from pathlib import Path

import cv2
import numpy as np

CLASSES = ("Latn", "Cyrl", "Grek", "Arab", "Hebr", "Deva", "Hang", "Thai", "Hani")
HEIGHT, WIDTH = 32, 128
MAX_WINDOWS = 5
MAX_NORMALIZED_WIDTH = 4096
MODEL = Path(__file__).with_name("script_id.onnx")
# The model was trained with Latn 1.5 times as frequent as each other script; photos and pages
# PageVoice reads are mostly Latin, so Latn's probability is weighted up by this prior before
# the classes are normalised again (measured trade-off in training/scripts/DATA.md).
LATIN_WEIGHT = 2.0
_LATN = CLASSES.index("Latn")

_lock = threading.Lock()
_session = None


def _gray(crop: np.ndarray) -> np.ndarray:
    img = np.asarray(crop)
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[..., 0]
    elif img.ndim == 3:
        img = cv2.cvtColor(np.ascontiguousarray(img[..., :3]), cv2.COLOR_RGB2GRAY)
    if img.dtype != np.uint8:
        img = np.clip(img, 0, 255).astype(np.uint8)
    return img


def normalize(crop: np.ndarray) -> np.ndarray:
    """`crop` -> float32 (HEIGHT, width) in 0..1, white ink on black, contrast stretched."""
    img = _gray(crop)
    h, w = img.shape[:2]
    out_w = int(min(max(round(w * HEIGHT / max(h, 1)), 1), MAX_NORMALIZED_WIDTH))
    interp = cv2.INTER_AREA if h > HEIGHT else cv2.INTER_LINEAR
    img = cv2.resize(img, (out_w, HEIGHT), interpolation=interp)
    # The ground is what the border mostly shows, even in a tight crop; ink is the other side of
    # Otsu's threshold.
    threshold, _ = cv2.threshold(img, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    border = np.concatenate([img[0], img[-1], img[:, 0], img[:, -1]])
    g = img.astype(np.float32)
    if np.median(border) > threshold:
        g = 255.0 - g
    lo, hi = (float(v) for v in np.percentile(g, (2, 98)))
    if hi - lo < 1.0:
        return np.zeros_like(g)
    return np.clip((g - lo) / (hi - lo), 0.0, 1.0).astype(np.float32)


def windows(norm: np.ndarray) -> np.ndarray:
    """(k, HEIGHT, WIDTH) model inputs for one normalised line (k = 1..MAX_WINDOWS)."""
    w = norm.shape[1]
    if w <= WIDTH:
        out = np.zeros((1, HEIGHT, WIDTH), np.float32)
        out[0, :, :w] = norm
        return out
    n = min(MAX_WINDOWS, -(-w // WIDTH))
    starts = np.linspace(0, w - WIDTH, n).round().astype(int)
    return np.stack([norm[:, s:s + WIDTH] for s in starts])


def _get_session():
    global _session
    with _lock:
        if _session is None:
            import onnxruntime as ort

            from chalicelib.engines.onnx import session_options

            _session = ort.InferenceSession(str(MODEL), sess_options=session_options(1),
                                            providers=["CPUExecutionProvider"])
        return _session


def probabilities(lines: list[np.ndarray], latin_weight: float | None = None) -> np.ndarray:
    """(len(lines), len(CLASSES)) probabilities, in the order of `CLASSES`; Latn weighted by
    `latin_weight` (default `LATIN_WEIGHT`; 1.0 gives the model's own)."""
    if not lines:
        return np.zeros((0, len(CLASSES)), np.float32)
    parts = [windows(normalize(line)) for line in lines]
    batch = np.concatenate(parts)[:, None]
    probs = _get_session().run(["probabilities"], {"image": batch})[0]
    bounds = np.cumsum([0] + [len(p) for p in parts])
    out = np.stack([probs[a:b].mean(axis=0) for a, b in zip(bounds[:-1], bounds[1:])])
    out[:, _LATN] *= LATIN_WEIGHT if latin_weight is None else latin_weight
    return out / out.sum(axis=1, keepdims=True)


def classify(lines: list[np.ndarray], latin_weight: float | None = None) -> list[tuple[str, float]]:
    """The most likely script of each line crop and its probability, e.g. ("Deva", 0.97)."""
    return [(CLASSES[int(p.argmax())], float(p.max())) for p in probabilities(lines, latin_weight)]
