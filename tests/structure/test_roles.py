"""chalicelib/structure/roles.py: the trained heading and footnote model, its setting, and its say
on real pages (layout-dev's text layers, DP-Bench, MIT) and on a hand-made one."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import layout_score as ls
from chalicelib.media import document
from chalicelib.structure import layout, roles
from tests.structure.pages import LEFT, RIGHT, Page, body_text

LAYOUT_DEV = Path(__file__).resolve().parents[2].parent / "shared" / "datasets" / "layout-dev"
TRAINING = Path(__file__).resolve().parents[2] / "training" / "layout_roles"


@pytest.mark.parametrize("path", [roles.MODEL, *(TRAINING / f"model_{m}.json" for m in ("A", "B", "extra"))])
def test_the_committed_models_measure_what_the_code_measures(path):
    model = roles.load(str(path))
    data = json.loads(path.read_text())
    assert data["features"] == list(roles.FEATURES)
    for task in roles.TASKS:
        assert len(data[task]["weights"]) == len(model.uses)
        assert 0 < getattr(model, task).threshold < 1
        # learnt from labelled examples, or (pages that label none: tagged PDFs' footnotes) the rules' verdict
        assert data[task]["positives"] > 5 or data[task]["penalty"] is None


def test_a_model_of_other_measurements_is_refused(tmp_path):
    data = json.loads(roles.MODEL.read_text())
    data["features"] = data["features"][:-1]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="train it again"):
        roles.load(str(path))


def test_a_model_weighs_the_measurements_it_names(tmp_path):
    # `uses` names the model's inputs: the measurements (roles.FEATURES) and those made of them (roles.DERIVED)
    x = [0.0] * len(roles.FEATURES)
    at = {f: n for n, f in enumerate(roles.FEATURES)}
    x[at["bold"]], x[at["words"]], x[at["numbered"]], x[at["lines"]] = 1.0, 4 / 40, 1.0, 1 / 6
    z = roles.inputs(x, roles.SETS["derived"])
    assert z[:len(roles.FEATURES)] == x
    made = dict(zip(roles.SETS["derived"][len(roles.FEATURES):], z[len(roles.FEATURES):]))
    assert made["emphasis_short"] == made["numbered_short"] == made["one_line"] == 1.0
    assert not set(roles.VERDICTS) & set(roles.SETS["carry"])
    uses = ["emphasis_short", "size"]
    head = {"mean": [0.0, 0.0], "scale": [1.0, 1.0], "weights": [4.0, 0.0], "bias": -2.0, "threshold": 0.5}
    path = tmp_path / "derived.json"
    path.write_text(json.dumps({"features": list(roles.FEATURES), "uses": uses, "heading": head, "footnote": head}))
    model = roles.load(str(path))
    assert model.probabilities(x)["heading"] > 0.8
    x[at["bold"]] = 0.0
    assert model.probabilities(x)["heading"] < 0.2
    path = tmp_path / "unknown.json"  # roles.load caches by path
    path.write_text(json.dumps({"features": list(roles.FEATURES), "uses": ["size", "no_such"], "heading": head,
                                "footnote": head}))
    with pytest.raises(ValueError, match="train it again"):
        roles.load(str(path))


def test_a_filter_only_weighs_the_rules_headings(tmp_path):
    # mode "filter": a block the rules did not call a heading is none, whatever the head says
    n = len(roles.FEATURES)
    sure = {"mean": [0.0] * n, "scale": [1.0] * n, "weights": [0.0] * n, "bias": 5.0, "threshold": 0.5}
    path = tmp_path / "filter.json"
    path.write_text(json.dumps({"features": list(roles.FEATURES), "mode": "filter", "heading": sure, "footnote": sure}))
    model = roles.load(str(path))
    x = [0.0] * n
    assert model.probabilities(x)["heading"] == 0.0
    x[roles.FEATURES.index("rule_heading")] = 1.0
    assert model.probabilities(x)["heading"] > 0.99


def test_the_setting_turns_it_on_and_names_the_file(monkeypatch):
    monkeypatch.delenv("PAGEVOICE_STRUCTURE_CLASSIFIER", raising=False)
    assert roles.current() is None  # off by default: it did not beat the rules on unseen documents
    monkeypatch.setenv("PAGEVOICE_STRUCTURE_CLASSIFIER", "1")
    assert roles.current() == roles.load(str(roles.MODEL))
    monkeypatch.setenv("PAGEVOICE_STRUCTURE_CLASSIFIER_FILE", str(TRAINING / "model_A.json"))
    assert roles.current() == roles.load(str(TRAINING / "model_A.json"))
    assert roles.current() != roles.load(str(TRAINING / "model_B.json"))


def _page(pid: str):
    """(the page's blocks as the text layer reads them, its labelled regions in the same pixels)."""
    assert LAYOUT_DEV.is_dir(), f"these tests read real pages from {LAYOUT_DEV}"
    gt = json.loads((LAYOUT_DEV / "gt" / f"{pid}.json").read_text())
    data = (LAYOUT_DEV / gt["pdf"]).read_bytes()
    with document.open_document(data, max_bytes=len(data) + 1, max_pixels=40_000_000, max_pages=1, dpi=200) as doc:
        page = doc.page(0)
        read = page.read()
        return read, ls.regions(gt, page.width, page.height, from_pdf=True)


def _found(read: dict, regions, cls: tuple[str, ...], role: str) -> tuple[int, int]:
    """(labelled regions of `cls` that a block of `role` matches at IoU >= 0.5, blocks of `role`)."""
    boxes = [ls.bounds(b["box"]) for b in read["blocks"] if b["role"] == role and b.get("box")]
    labelled = [r.box for r in regions if r.cls in cls]
    return len(ls.match(labelled, boxes)), len(boxes)


@pytest.mark.parametrize("on", ["0", "1"])
def test_a_real_pages_heading_and_footnote(monkeypatch, on):
    # A book's page: one section heading, one footnote at its foot ("1 ..."), body text between.
    monkeypatch.setenv("PAGEVOICE_STRUCTURE_CLASSIFIER", on)
    read, regions = _page("01030000000003")
    assert _found(read, regions, ls.HEADINGS, "heading") == (1, 1)
    assert _found(read, regions, (ls.FOOTNOTE,), "footnote")[0] == 1


def test_the_model_measures_every_body_block_and_keeps_a_clear_heading():
    page = Page()
    page.add("Results of the survey", size=34.0, bold=True, gap=2)
    for k in range(6):
        page.add(body_text(k))
    page.add("1 The district's own count, taken in the spring.", size=18.0, y=2050)
    seen: list = []
    out = layout.analyse(page.lines, 1700, 2200, page.hints, model=roles.load(str(roles.MODEL)), seen=seen)
    assert [len(x) for _, x in seen] == [len(roles.FEATURES)] * len(seen)
    assert {b.role for b, _ in seen} >= {"heading", "paragraph"}
    heading = next(b for b in out.blocks if b.role == "heading")
    assert page.lines[heading.lines[0]]["text"] == "Results of the survey"
    assert LEFT <= heading.box[0] < RIGHT


def test_tagged_pdfs_lines_become_layout_dev_boxes():
    # training/layout_roles/tagged.py: a heading's two lines one box, a note a footnote, an artifact at the top
    # a running header; PDF units (origin bottom-left) to fractions of the page from its top
    from training.layout_roles import tagged

    page = {"lines": [
        {"text": "Annual report", "label": "artifact", "bbox": [72, 750, 200, 760]},
        {"text": "2. Threats to the", "label": "H2", "bbox": [72, 600, 300, 614]},
        {"text": "storage zone", "label": "H2", "bbox": [72, 584, 200, 598]},
        {"text": "Body text runs on here.", "label": "body", "bbox": [72, 560, 500, 570]},
        {"text": "* A note.", "label": "note", "bbox": [72, 60, 200, 68]},
        {"text": "3", "label": "artifact", "bbox": [300, 30, 306, 40]},
    ]}
    loose = [None, [72, 597, 300, 617], [72, 581, 200, 601], None, None, None]
    boxes = tagged.regions(page, 0, 0, 612, 792, loose)
    assert [(b["class"], b["text"]) for b in boxes] == [
        ("Page-header", "Annual report"), ("Section-header", "2. Threats to the\nstorage zone"),
        ("Text", "Body text runs on here."), ("Footnote", "* A note."), ("Page-footer", "3")]
    heading = boxes[1]
    assert heading["bbox_norm"] == pytest.approx([72 / 612, 1 - 617 / 792, 300 / 612, 1 - 581 / 792])
    assert heading["glyphs"] == pytest.approx([72 / 612, 1 - 614 / 792, 300 / 612, 1 - 584 / 792])
    assert boxes[-1]["page_number_like"] and not boxes[0]["page_number_like"]
    assert set(tagged.KEEP).isdisjoint(tagged.LEFT_OUT) and tagged.FORMS.issubset(tagged.KEEP)
