"""The DocLayNet layout engine (real inference) and what its regions change in a page's result.

Pages of layout-dev (../shared/datasets, DP-Bench, MIT): 003 (a book page: a numbered section
heading), 183 (a slide: three headings side by side over charts), 150 (a framework's table whose
column labels are set bold, as headings are)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from chalicelib import errors
from chalicelib.engines import layout
from chalicelib.kinds.page import pipeline
from chalicelib.media import image

PAGES = Path(__file__).resolve().parents[3].parent / "shared" / "datasets" / "layout-dev"


def page_file(pid: str, ext: str) -> bytes:
    path = PAGES / "pages" / f"{pid}.{ext}"
    assert path.exists(), f"these tests need {path} (../shared/datasets/layout-dev)"
    return path.read_bytes()


def iou(a, b) -> float:
    common = max(0, min(a[2], b[2]) - max(a[0], b[0])) * max(0, min(a[3], b[3]) - max(a[1], b[1]))
    return common / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - common)


@pytest.fixture(scope="module")
def engine():
    return layout.get_engine("doclaynet")


def test_it_finds_a_books_heading_its_paragraphs_and_running_header_where_people_boxed_them(engine):
    rgb = image.decode(page_file("01030000000003", "webp"), max_bytes=1 << 26, max_pixels=1 << 26).rgb
    found = engine.detect(rgb)
    assert engine.version.startswith("yolov8n-doclaynet-")
    labelled = json.loads((PAGES / "gt" / "01030000000003.json").read_text())["boxes"]
    for want in ("Section-header", "Text", "Page-header"):
        boxes = [b["bbox"] for b in labelled if b["class"] == want]
        seen = [r for r in found if r.kind == want and r.score >= 0.5]
        matched = sum(any(iou(b, r.box) >= 0.7 for r in seen) for b in boxes)
        assert matched >= (len(boxes) if want == "Section-header" else len(boxes) - 1), (want, found)
    assert not [r for r in found if r.kind in ("Section-header", "Title") and r.score >= 0.5 and
                not any(iou(b["bbox"], r.box) >= 0.5 for b in labelled if b["class"] == "Section-header")]


def test_a_blank_page_has_no_region_it_is_sure_of(engine):
    assert [r for r in engine.detect(np.full((1100, 850, 3), 255, np.uint8)) if r.score >= 0.5] == []


def headings(result: dict) -> list[str]:
    page = result["pages"][0] if "pages" in result else result
    return [" ".join(page["lines"][i]["text"] for i in b["lines"]) for b in page["blocks"]
            if b["role"] in ("heading", "title")]


@pytest.mark.parametrize("ext", ["pdf", "webp"])
def test_a_slides_side_by_side_headings_and_a_tables_bold_labels_from_a_text_layer_and_a_scan(ext, monkeypatch):
    with_regions = {pid: pipeline.read(page_file(pid, ext)) for pid in ("01030000000183", "01030000000150")}
    monkeypatch.setenv("PAGEVOICE_LAYOUT_ENGINE", "none")
    rules = {pid: pipeline.read(page_file(pid, ext)) for pid in with_regions}
    assert "Education Content Platform PoC Case" in headings(with_regions["01030000000183"])
    assert "Education Content Platform PoC Case" not in headings(rules["01030000000183"])
    assert headings(with_regions["01030000000150"]) == ["6. ECO CIRCLE COMPETENCE FRAMEWORK"]
    if ext == "pdf":  # the text layer's bold labels; OCR's ink measures miss their weight
        assert {"Competence Statement", "Learning Outcomes"} <= set(headings(rules["01030000000150"]))
    assert with_regions["01030000000183"]["timings_ms"]["layout"] > 0
    assert "layout" not in rules["01030000000183"]["timings_ms"]


def test_without_the_engine_the_rules_roles_stand(monkeypatch):
    def unavailable(name, config=None):
        raise errors.EngineUnavailable(f"the {name} layout engine needs onnxruntime, which is not installed")

    monkeypatch.setattr(pipeline.layout_engines, "get_engine", unavailable)
    result = pipeline.read(page_file("01030000000150", "pdf"))
    assert {"Competence Statement", "Learning Outcomes"} <= set(headings(result))
    assert "layout" not in result["timings_ms"]
