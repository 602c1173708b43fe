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

    def probabilities(self, x: list[float]) -> dict[str, float]:
        return {"heading": self.heading.probability(x), "footnote": self.footnote.probability(x)}


@functools.lru_cache(maxsize=8)
def load(path: str) -> Model:
    data = json.loads(Path(path).read_text())
    if tuple(data["features"]) != FEATURES:
        raise ValueError(f"{path}: trained on other features than chalicelib.structure.roles.FEATURES "
                         "(train it again: training/layout_roles/train.py)")
    heads = {t: Head(*(tuple(data[t][k]) for k in ("mean", "scale", "weights")), float(data[t]["bias"]),
                     float(data[t]["threshold"])) for t in TASKS}
    return Model(**heads)


def current() -> Model | None:
    """The model the settings ask for, or None (the rules alone)."""
    from chalicelib import settings

    worker = settings.get().worker
    if not worker.structure_classifier:
        return None
    return load(str(worker.structure_classifier_file or MODEL))
