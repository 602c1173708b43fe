"""The handwritten-digit engine: our preprocessing + a small CNN (trained here, run with onnxruntime).

The model (`digits_cnn.onnx`, made by training/digits/train.py) takes MNIST-style 28x28 crops
(white ink on black, 0..1, NCHW) and gives 11 classes: the digits 0-9 and "not a digit"
(printed letters and symbols, two digits in one crop, a wrong cut through a digit).

Touching digits: a candidate wider than a digit usually is, is also read as 2..4 digits cut at
the least-ink columns; the reading whose pieces look most like single digits wins.
"""
from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort

from chalicelib.engines.digits import preprocess as pp
from chalicelib.engines.digits.base import Digit, box_quad
from chalicelib.engines.onnx import session_options

MODEL_PATH = Path(__file__).resolve().parent / "digits_cnn.onnx"
REJECT = 10


@dataclass(frozen=True)
class Config:
    model_path: str = str(MODEL_PATH)  # the ONNX model (training/digits/train.py makes it)
    threads: int = 1  # onnxruntime intra-op threads
    min_confidence: float = 0.70  # best digit probability below this: "not sure" (value None)
    max_not_digit: float = 0.35  # P(not a digit) above this: "not sure"
    drop_not_digit: float = 0.92  # P(not a digit) above this, alone or in text: not reported at all
    max_digits: int = 24  # more ink blobs than this: a page of text, not a number -> []
    split_ratio: float = 0.85  # width/height above which touching digits are considered
    max_split: int = 4  # most digits one wide candidate is cut into
    split_margin: float = 0.15  # a split must beat reading one digit by this much (mean log p)
    split_not_digit: float = 0.5  # ...and the whole must look like no single digit (P(not a digit))
    force_split_ratio: float = 1.8  # ...or be this much wider than tall
    slant: bool = True  # correct the slant before classifying
    text_line_share: float = 0.3  # a line with this share of non-digit blobs is text: all "not sure"


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _looks_like_lowercase_text(line: list, has_letter: bool) -> bool:
    """Printed or written words: besides tall letters, several blobs of x-height (shorter,
    standing on the same baseline, all of one height). The digits of a number are all about
    as tall as each other."""
    if len(line) < 3:
        return False
    heights = np.array([c.h for c in line], float)
    tall = float(np.percentile(heights, 90))
    # The baseline may be tilted (a crooked photo): a straight line through the blobs' bottoms,
    # refitted without the worst outlier (a descender).
    xs = np.array([(c.x0 + c.x1) / 2 for c in line], float)
    bottoms = np.array([c.y1 for c in line], float)
    fit = np.polyfit(xs, bottoms, 1)
    resid = np.abs(np.polyval(fit, xs) - bottoms)
    keep = resid < resid.max() if len(line) > 3 else np.ones(len(line), bool)
    if keep.sum() >= 2:
        fit = np.polyfit(xs[keep], bottoms[keep], 1)
    resid = np.abs(np.polyval(fit, xs) - bottoms)
    short = [c for c, r in zip(line, resid) if c.h < 0.86 * tall and r < 0.12 * tall]
    if not (len(short) >= 2 and len(short) >= 0.25 * len(line) and len(short) < len(line)):
        return False
    # x-height letters are all alike in height (typeset, or a steady hand): within 12%; and
    # either one blob reads as a letter, or they are clearly short (a number whose digits
    # merely vary in height is not text).
    sh = np.array([c.h for c in short], float)
    if float(sh.max() - sh.min()) > 0.12 * float(np.median(sh)):
        return False
    return has_letter or float(np.median(sh)) < 0.7 * tall


def _reading_score(found: list[Digit]) -> float:
    """How much a reading looks like digits: the mean confidence, an unsure digit counting 0
    (not the count: the wrong polarity can make many blobs, a sheet's edges read as 1s)."""
    if not found:
        return 0.0
    return float(np.mean([d.confidence if d.value is not None else 0.0 for d in found]))


def _all_sure(found: list[Digit]) -> bool:
    return bool(found) and all(d.value is not None for d in found)


def _framed_wins(found: list[Digit], framed: list[Digit]) -> bool:
    """The reading inside a margin replaces the first one when it is clearly better; or, when
    the first is sure too, when it is all sure, as confident, and no shorter (the first lost a
    digit, or a stroke, at the edge)."""
    if not any(d.value is not None for d in framed):
        return False
    if not _all_sure(found):
        return _reading_score(framed) > _reading_score(found) + 0.1
    return (_all_sure(framed) and len(framed) >= len(found)
            and _reading_score(framed) >= _reading_score(found) - 0.02)


def _best_cut(segments: dict, width: int, digit_p: np.ndarray, margin: float, whole_score: float, whole):
    """The sequence of segments from column 0 to `width` with the highest total log
    probability of its best digits (each cut costs `margin`); the whole when nothing beats it."""
    ends = sorted({0, width} | {a for a, _ in segments} | {b for _, b in segments})
    best = {0: (0.0, [])}
    for e in ends:
        if e not in best:
            continue
        score, path = best[e]
        for (a, b), seg in segments.items():
            if a != e:
                continue
            s = score + float(np.log(max(digit_p[seg[0]].max(), 1e-6))) - margin
            if b not in best or s > best[b][0]:
                best[b] = (s, path + [seg])
    if width in best and len(best[width][1]) >= 2 and best[width][0] + margin > whole_score:
        return best[width][1]
    return [whole]


class CnnDigitsEngine:
    name = "cnn"
    Config = Config
    ENV_PREFIX = "PAGEVOICE_DIGITS_"

    def __init__(self, config: Config | None = None):
        self.config = config or Config()
        path = Path(self.config.model_path)
        data = path.read_bytes()
        self.version = f"digits-cnn-{hashlib.sha256(data).hexdigest()[:12]}"
        self._session = ort.InferenceSession(data, sess_options=session_options(self.config.threads),
                                             providers=["CPUExecutionProvider"])
        self._input = self._session.get_inputs()[0].name
        self._find = pp.FindConfig(max_candidates=self.config.max_digits)

    # -- the classifier --------------------------------------------------------------------

    def classify(self, crops: np.ndarray) -> np.ndarray:
        """(N, 28, 28) float32 normalised crops -> (N, 11) probabilities (0-9, not-a-digit)."""
        if len(crops) == 0:
            return np.zeros((0, 11), np.float32)
        x = np.asarray(crops, np.float32).reshape(-1, 1, 28, 28)
        logits = self._session.run(["logits"], {self._input: x})[0]
        return _softmax(logits.astype(np.float64))

    def classify_mnist(self, images: np.ndarray) -> np.ndarray:
        """MNIST-format images (N, 28, 28) uint8 white on black -> (N, 11) probabilities,
        through the same digit normalisation as real crops (no page-level steps)."""
        crops = np.stack([pp.normalize_digit(im.astype(np.float32) / 255.0, slant=self.config.slant)
                          for im in images])
        return self.classify(crops)

    # -- a whole picture -------------------------------------------------------------------

    def read(self, rgb: np.ndarray, alpha: np.ndarray | None = None) -> list[Digit]:
        found = self._read_either_way(rgb, alpha)
        if not pp.ink_at_edge(rgb, alpha):
            return found
        # Something inked along the picture's edge: perhaps a digit touches it (a tight crop,
        # a bold digit filling a 28x28 canvas), where it looks like the table around a sheet
        # and the background estimate swallows its strokes. Read again inside a margin of the
        # edge's colour (a table at the edge continues into it, and is still left out).
        framed = pp.with_margin(rgb, alpha)
        second = [dataclasses.replace(d, box=framed.to_input(d.box))
                  for d in self._read_either_way(framed.rgb, framed.alpha)]
        second = [d for d in second if not framed.along_edge(d.box)]
        return second if _framed_wins(found, second) else found

    def _read_either_way(self, rgb: np.ndarray, alpha: np.ndarray | None) -> list[Digit]:
        im = pp.ink_map(rgb, alpha)
        found = self._read(im)
        if im.ambiguous and found:
            # A light middle in a dark picture: paper on a table, or a bold light digit. Read
            # it the other way too and keep the reading that looks clearly more like digits.
            # (Nothing found the first way stays nothing: the other way of a blank sheet or a
            # page of print is its gaps and edges.)
            other = "light-on-dark" if im.polarity == "dark-on-light" else "dark-on-light"
            second = self._read(pp.ink_map(rgb, alpha, polarity=other))
            if second and _reading_score(second) > _reading_score(found) + 0.1:
                found = second
        return found

    def _read(self, im) -> list[Digit]:
        cfg = self.config
        mask, t = pp.threshold(im)
        if not mask.any():
            return []
        cands = pp.find_digits(mask, self._find)
        if not cands:
            return []

        # Every reading to score: each candidate whole, and for wide ones every segment
        # between two candidate cut columns (least-ink columns and an even grid) of a
        # plausible digit width; the best sequence of segments is chosen after classification.
        crops: list[np.ndarray] = []
        plans = []  # per candidate: (candidate, index of the whole crop, {(a, b): (crop index, x0, x1)})
        for c in cands:
            soft = pp.soft_crop(im, t, c, pad=0)
            whole = len(crops)
            crops.append(pp.normalize_digit(soft, slant=cfg.slant))
            segments = {}
            if c.w / max(c.h, 1) > cfg.split_ratio:
                for a, b in pp.segment_spans(soft, c.h, cfg.max_split):
                    piece = soft[:, a:b]
                    cols = np.nonzero(piece.max(axis=0) > 0.1)[0]
                    if cols.size < 2:
                        continue
                    segments[(a, b)] = (len(crops), c.x0 + a + int(cols[0]), c.x0 + a + int(cols[-1]) + 1)
                    crops.append(pp.normalize_digit(piece, slant=cfg.slant))
            plans.append((c, whole, segments, soft.shape[1]))

        probs = self.classify(np.stack(crops))
        digit_p = probs[:, :10]

        # A line where several blobs are clearly not digits is text (printed or written):
        # none of its "digits" is trusted.
        text_lines = set()
        for li in {c.line for c in cands}:
            wholes = [w for c, w, _, _ in plans if c.line == li]
            letters = sum(probs[i, REJECT] >= 0.5 for i in wholes)
            if letters >= 2 and letters >= cfg.text_line_share * len(wholes) or _looks_like_lowercase_text([c for c in cands if c.line == li], letters >= 1):
                text_lines.add(li)

        per_line: dict[int, int] = {}
        for c in cands:
            per_line[c.line] = per_line.get(c.line, 0) + 1

        out: list[Digit] = []
        inv = 1.0 / im.scale
        for c, whole, segments, width in plans:
            best = [(whole, c.x0, c.x1)]
            # Cut only what does not read as one digit: the model says "not a digit" (two
            # digits in one crop look like that to it), or it is far too wide for one.
            if segments and (probs[whole, REJECT] >= cfg.split_not_digit or c.w >= cfg.force_split_ratio * c.h):
                best = _best_cut(segments, width, digit_p, cfg.split_margin, whole_score=float(
                    np.log(max(digit_p[whole].max(), 1e-6))), whole=(whole, c.x0, c.x1))
            for i, x0, x1 in best:
                p = probs[i]
                not_digit = float(p[REJECT])
                # Clearly not a digit: left out when alone or among text; among digits it
                # stays as "not sure" (two touching digits the cuts did not separate must not
                # silently shorten the number).
                if not_digit >= cfg.drop_not_digit and (c.line in text_lines or per_line[c.line] == 1):
                    continue
                conf = float(p[:10].max())
                value = int(p[:10].argmax())
                if conf < cfg.min_confidence or not_digit > cfg.max_not_digit or c.line in text_lines:
                    value = None
                box = box_quad(x0 * inv, c.y0 * inv, x1 * inv, c.y1 * inv)
                out.append(Digit(value=value, confidence=conf, probabilities=[float(v) for v in p[:10]],
                                 box=box, line=c.line, not_digit=not_digit))
        return out
