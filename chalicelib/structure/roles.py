"""Headings and footnotes weighed by a small trained model (issue 55 item 2), after the rules.

The rules of layout.py were tuned until layout-dev's 55 pages passed and lost much of it on other
pages; a logistic regression over the same measurements (size against the page's body, weight,
position, spacing, numbering, length, markers, and the rules' own verdicts) carries over better
(training/layout_roles: trained on half of layout-dev's documents, scored on the other half).
The model is a small JSON file of coefficients, read once per process; it needs no numpy.

Settings (chalicelib.settings, worker section): `structure_classifier` turns it on or off,
`structure_classifier_file` names another model (the bench's half-trained ones).
"""
from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path

MODEL = Path(__file__).with_name("roles_model.json")
# The order of a block's measurements (layout._features); a model trained on other names is refused.
FEATURES = ("size", "bigger", "smaller", "bold", "bold_known", "lines", "chars", "words", "ends_stop",
            "ends_colon", "ends_comma", "numbered", "chapter", "bullet", "caps", "title_case", "lower_start",
            "digits", "top", "bottom", "foot_zone", "gap_above", "gap_below", "width", "centred", "indent",
            "note_mark", "bare_mark", "body_below", "ocr", "ink", "rule_heading", "rule_footnote",
            "sentence_like", "list_item", "caption", "heading_like", "beside", "largest")
TASKS = ("heading", "footnote")
# Measurements made of those, for a linear model to weigh what only goes together: emphasis (bigger or
# bold) on a short line, a number opening a short line, type above the body's (its log ratio, when
# positive), one line alone. A model names what it uses (`uses`, default FEATURES).
_AT = {name: n for n, name in enumerate(FEATURES)}


def _short(x) -> float:
    return float(x[_AT["words"]] <= 12 / 40)


DERIVED = {
    "emphasis": lambda x: max(x[_AT["bigger"]], x[_AT["bold"]]),
    "emphasis_short": lambda x: max(x[_AT["bigger"]], x[_AT["bold"]]) * _short(x),
    "emphasis_no_stop": lambda x: max(x[_AT["bigger"]], x[_AT["bold"]]) * (1 - x[_AT["ends_stop"]]),
    "numbered_short": lambda x: x[_AT["numbered"]] * _short(x),
    "size_above": lambda x: max(0.0, x[_AT["size"]]),
    "one_line": lambda x: float(x[_AT["lines"]] <= 1 / 6),
    "short_no_stop": lambda x: _short(x) * (1 - x[_AT["ends_stop"]]),
    "caps_short": lambda x: float(x[_AT["caps"]] > 0.8) * _short(x),
    "small_low": lambda x: x[_AT["smaller"]] * x[_AT["foot_zone"]],
}
# The rules' own verdicts, tuned on layout-dev's pages: a model that carries over may do without them.
VERDICTS = ("rule_heading", "rule_footnote", "heading_like", "sentence_like")
SETS = {"measured": FEATURES,
        "carry": tuple(f for f in FEATURES if f not in VERDICTS) + tuple(DERIVED),
        "derived": FEATURES + tuple(DERIVED)}


def inputs(x: list[float], uses: tuple[str, ...]) -> list[float]:
    """A block's measurements (FEATURES' order) as the model's inputs `uses`."""
    if uses == FEATURES:
        return list(x)
    return [DERIVED[u](x) if u in DERIVED else x[_AT[u]] for u in uses]


@dataclass(frozen=True)
class Head:
    """One task's logistic regression: standardised features, weights, bias, threshold."""
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float

    def probability(self, x: list[float]) -> float:
        z = self.bias + sum(w * (v - m) / s for w, v, m, s in zip(self.weights, x, self.mean, self.scale))
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


@dataclass(frozen=True)
class Model:
    heading: Head
    footnote: Head
    uses: tuple[str, ...] = FEATURES
    mode: str = "decide"  # "filter": it only says which of the rules' headings are none (MODES)

    def probabilities(self, x: list[float]) -> dict[str, float]:
        z = inputs(x, self.uses)
        out = {"heading": self.heading.probability(z), "footnote": self.footnote.probability(z)}
        if self.mode == "filter" and x[_AT["rule_heading"]] <= 0.5:
            out["heading"] = 0.0
        return out


# decide: the model says heading, footnote or neither of every block weighed; filter: it weighs only
# the rules' headings (a block the rules did not call a heading is none), its footnote head the rules'.
MODES = ("decide", "filter")


@functools.lru_cache(maxsize=8)
def load(path: str) -> Model:
    data = json.loads(Path(path).read_text())
    if tuple(data["features"]) != FEATURES:
        raise ValueError(f"{path}: trained on other features than chalicelib.structure.roles.FEATURES "
                         "(train it again: training/layout_roles/train.py)")
    uses = tuple(data.get("uses", FEATURES))
    unknown = [u for u in uses if u not in _AT and u not in DERIVED]
    if unknown:
        raise ValueError(f"{path}: uses measurements roles.py does not make: {unknown} "
                         "(train it again: training/layout_roles/train.py)")
    heads = {t: Head(*(tuple(data[t][k]) for k in ("mean", "scale", "weights")), float(data[t]["bias"]),
                     float(data[t]["threshold"])) for t in TASKS}
    if any(len(h.weights) != len(uses) for h in heads.values()):
        raise ValueError(f"{path}: its weights do not match what it uses (train it again: training/layout_roles/train.py)")
    mode = data.get("mode", "decide")
    if mode not in MODES:
        raise ValueError(f"{path}: mode {mode!r} is not one of {MODES}")
    return Model(**heads, uses=uses, mode=mode)


def current() -> Model | None:
    """The model the settings ask for, or None (the rules alone)."""
    from chalicelib import settings

    worker = settings.get().worker
    if not worker.structure_classifier:
        return None
    return load(str(worker.structure_classifier_file or MODEL))
