"""The two benchmark datasets in ../shared/datasets, read in place (never copied into the repo).

Each item is an image path and its ground-truth words: axis-aligned boxes (x0, y0, x1, y1),
the transcription, and whether the word is "don't care" (ICDAR 2015 `###`).

Halves: items are sorted by name and alternate between "tune" (even positions) and
"confirm" (odd positions). Methods were tuned on the tune half only; both are reported.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

FUNSD = "funsd-test"
ICDAR = "icdar2015-dev"
DATASETS = (FUNSD, ICDAR)
HALVES = ("tune", "confirm")


@dataclass(frozen=True)
class GtWord:
    box: tuple[float, float, float, float]  # x0, y0, x1, y1
    text: str
    dont_care: bool = False


@dataclass
class Item:
    dataset: str
    name: str  # stem, unique within the dataset
    image: Path
    half: str = "tune"
    words: list[GtWord] = field(default_factory=list)


def _natural(name: str):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def _funsd(root: Path) -> list[Item]:
    items = []
    for image in sorted((root / "images").glob("*.png"), key=lambda p: _natural(p.stem)):
        doc = json.loads((root / "annotations" / f"{image.stem}.json").read_text(encoding="utf-8"))
        words = []
        for block in doc.get("form", []):
            for w in block.get("words", []):
                text = w.get("text", "")
                if not text.strip():  # empty-text ground truth is skipped (protocol)
                    continue
                x0, y0, x1, y1 = (float(v) for v in w["box"])
                words.append(GtWord((min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)), text))
        items.append(Item(FUNSD, image.stem, image, words=words))
    return items


def parse_icdar_gt(text: str) -> list[GtWord]:
    """`x1,y1,...,x4,y4,transcription` per line; the transcription may itself contain commas."""
    words = []
    for line in text.splitlines():
        line = line.strip().lstrip("\ufeff")
        if not line:
            continue
        parts = line.split(",")
        xs = [float(v) for v in parts[0:8:2]]
        ys = [float(v) for v in parts[1:8:2]]
        transcription = ",".join(parts[8:])
        words.append(GtWord((min(xs), min(ys), max(xs), max(ys)), transcription,
                            dont_care=transcription == "###"))
    return words


def _icdar(root: Path) -> list[Item]:
    items = []
    for image in sorted((root / "images").glob("*.jpg"), key=lambda p: _natural(p.stem)):
        gt = (root / "gt" / f"gt_{image.stem}.txt").read_text(encoding="utf-8-sig")
        items.append(Item(ICDAR, image.stem, image, words=parse_icdar_gt(gt)))
    return items


def load(root: Path | str, name: str) -> list[Item]:
    root = Path(root) / name
    if not root.is_dir():
        raise FileNotFoundError(f"dataset {name} not found at {root}")
    items = _funsd(root) if name == FUNSD else _icdar(root)
    for i, item in enumerate(sorted(items, key=lambda it: it.name)):
        item.half = HALVES[i % 2]
    return items
