"""The scoring protocol of ../shared/datasets/README.md, implemented once.

- Word level. A predicted word matches a ground-truth word when the IoU of their axis-aligned
  boxes is >= 0.5, one-to-one: candidate pairs are taken greedily in order of decreasing IoU
  (ties: ground-truth order, then prediction order), each word used at most once.
- Ground-truth words with empty text are skipped (the dataset loader drops them; `score_page`
  drops any that reach it too).
- `###` ground truth (ICDAR 2015) is "don't care": it takes part in the matching like any other
  word, but a prediction matched to it counts for nothing (neither a true nor a false positive)
  and the word itself is not in the recall denominator.
- Detection: matches on boxes alone. End-to-end: a pair is a candidate only when the texts are
  also equal (don't-care words accept any text); the one-to-one matching is redone on those
  candidates. Two text rules: exact (case-sensitive), and case-insensitive with leading and
  trailing punctuation stripped.
- Totals are summed over all pages before P, R and F1 are computed (micro average).
- Tokenisation-fair figures (`*_fair` modes) beside the raw ones: before matching, both sides
  are split after `/ : ,` and hyphens standing between letters or digits ("9/24/2012" -> "9/",
  "24/", "2012"; "Market-Weight" -> "Market-", "Weight"), each piece getting the x-share of its
  word's box proportional to its characters. FUNSD's annotators split some tokens people write
  as one; the product's words stay whitespace tokens, so the scorer meets them halfway.
"""
from __future__ import annotations

import string
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

IOU_MIN = 0.5
RAW_MODES = ("det", "e2e_exact", "e2e_ci")
FAIR = "_fair"
MODES = (*RAW_MODES, *(m + FAIR for m in RAW_MODES))
# Split after these when they stand between letters or digits (the hyphens: -, two Unicode
# hyphens and the en dash).
FAIR_SPLIT = "/:,-\u2010\u2011\u2013"

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Pred:
    box: Box
    text: str


def iou(a: Box, b: Box) -> float:
    ix = min(a[2], b[2]) - max(a[0], b[0])
    iy = min(a[3], b[3]) - max(a[1], b[1])
    if ix <= 0 or iy <= 0:
        return 0.0
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _is_punct(ch: str) -> bool:
    return ch in string.punctuation or unicodedata.category(ch).startswith("P")


def normalize_ci(text: str) -> str:
    """Case-insensitive form with leading and trailing punctuation (and spaces) removed."""
    text = text.strip()
    start, end = 0, len(text)
    while start < end and _is_punct(text[start]):
        start += 1
    while end > start and _is_punct(text[end - 1]):
        end -= 1
    return text[start:end].strip().casefold()


def _exact(a: str, b: str) -> bool:
    return a.strip() == b.strip()


def _ci(a: str, b: str) -> bool:
    return normalize_ci(a) == normalize_ci(b)


TEXT_RULES: dict[str, Callable[[str, str], bool] | None] = {
    "det": None, "e2e_exact": _exact, "e2e_ci": _ci}


@dataclass
class Counts:
    tp: int = 0
    n_pred: int = 0  # predictions that count (those matched to don't-care removed)
    n_gt: int = 0  # ground truth that counts (don't-care removed)

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.n_pred += other.n_pred
        self.n_gt += other.n_gt

    @property
    def precision(self) -> float:
        return self.tp / self.n_pred if self.n_pred else (1.0 if not self.n_gt else 0.0)

    @property
    def recall(self) -> float:
        return self.tp / self.n_gt if self.n_gt else (1.0 if not self.n_pred else 0.0)

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict:
        return {"tp": self.tp, "n_pred": self.n_pred, "n_gt": self.n_gt,
                "precision": round(self.precision, 4), "recall": round(self.recall, 4),
                "f1": round(self.f1, 4)}


@dataclass
class PageScore:
    counts: dict[str, Counts] = field(default_factory=dict)
    # Detection pairs (pred index, gt index, iou), for error analysis.
    det_pairs: list[tuple[int, int, float]] = field(default_factory=list)


def match(preds: Sequence[Pred], gts: Sequence, same_text: Callable[[str, str], bool] | None,
          min_iou: float = IOU_MIN, dont_care: bool = True):
    """One-to-one greedy matching by decreasing IoU (at least `min_iou`; don't-care words match
    any text, or none with `dont_care=False`). Returns [(pred i, gt j, iou)]."""
    cands = []
    for j, g in enumerate(gts):
        if g.dont_care and not dont_care:
            continue
        for i, p in enumerate(preds):
            v = iou(p.box, g.box)
            if v >= min_iou and (same_text is None or g.dont_care or same_text(p.text, g.text)):
                cands.append((-v, j, i))
    cands.sort()
    used_p, used_g, pairs = set(), set(), []
    for negv, j, i in cands:
        if i in used_p or j in used_g:
            continue
        used_p.add(i)
        used_g.add(j)
        pairs.append((i, j, -negv))
    return pairs


def fair_cuts(text: str) -> list[int]:
    """Indexes after which the tokenisation-fair scorer splits `text`."""
    return [i for i in range(1, len(text) - 1)
            if text[i] in FAIR_SPLIT and text[i - 1].isalnum() and text[i + 1].isalnum()]


def fair_pieces(text: str, box: Box) -> list[tuple[str, Box]]:
    """`text` split by `fair_cuts`, each piece with its x-share of `box` by characters."""
    text = text.strip()
    cuts = fair_cuts(text)
    if not cuts:
        return [(text, box)]
    x0, y0, x1, y1 = box
    per_char = (x1 - x0) / len(text)
    ends = [0, *(i + 1 for i in cuts), len(text)]
    return [(text[a:b], (x0 + a * per_char, y0, x0 + b * per_char, y1)) for a, b in zip(ends, ends[1:])]


def fair_split(words: Sequence) -> list:
    """Predictions or ground truth (dataclasses with .box and .text) split for the fair modes;
    don't-care words stay whole."""
    out = []
    for w in words:
        if getattr(w, "dont_care", False):
            out.append(w)
        else:
            out += [replace(w, text=t, box=b) for t, b in fair_pieces(w.text, w.box)]
    return out


def score_page(preds: Sequence[Pred], gts: Sequence) -> PageScore:
    """`gts`: dataclasses with .box, .text, .dont_care (bench.datasets.GtWord)."""
    gts = [g for g in gts if g.text.strip()]
    preds = [p for p in preds if p.text.strip()]
    out = PageScore()
    out.det_pairs = _count(out, preds, gts, "")
    _count(out, fair_split(preds), fair_split(gts), FAIR)
    return out


def _count(out: PageScore, preds: Sequence[Pred], gts: Sequence, suffix: str) -> list:
    """Counts of every text rule into `out` (mode + `suffix`); returns the detection pairs."""
    n_care = sum(1 for g in gts if not g.dont_care)
    found = {}
    for mode, rule in TEXT_RULES.items():
        found[mode] = pairs = match(preds, gts, rule)
        to_dc = sum(1 for _, j, _ in pairs if gts[j].dont_care)
        tp = sum(1 for _, j, _ in pairs if not gts[j].dont_care)
        out.counts[mode + suffix] = Counts(tp=tp, n_pred=len(preds) - to_dc, n_gt=n_care)
    return found["det"]


def preds_from_result(doc: dict) -> list[Pred]:
    """Word predictions from a CONTRACTS section 1 OCR result."""
    out = []
    for line in doc.get("lines", []):
        for w in line.get("words", []):
            xs = [p[0] for p in w["box"]]
            ys = [p[1] for p in w["box"]]
            out.append(Pred((min(xs), min(ys), max(xs), max(ys)), w["text"]))
    return out


def total(pages: Iterable[PageScore]) -> dict[str, Counts]:
    acc = {m: Counts() for m in MODES}
    for page in pages:
        for m in MODES:
            acc[m].add(page.counts[m])
    return acc
