"""bench/layout_split.py on layout-dev's real labels: no document on both sides of the split, both
halves hold headings and footnotes, and the pages whose running headers show them to be one
document stay together."""
from __future__ import annotations

from pathlib import Path

import pytest

from bench import layout, layout_split

DATASETS = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"


@pytest.fixture(scope="module")
def gts():
    assert (DATASETS / "layout-dev" / "gt").is_dir(), f"the layout bench needs {DATASETS}/layout-dev"
    return layout.load(DATASETS, None)


def test_no_document_on_both_sides(gts):
    split = layout_split.halves(gts)
    a, b = set(split["A"]), set(split["B"])
    assert not a & b and a | b == set(gts)
    for doc in layout_split.documents(gts):
        assert set(doc) <= a or set(doc) <= b, doc
    groups = {}
    for pid, gt in gts.items():
        if gt.get("doc_group"):
            groups.setdefault(gt["doc_group"], set()).add(pid)
    for pages in groups.values():  # a running header's pages are one document
        assert pages <= a or pages <= b, pages


def test_neighbouring_pages_of_one_size_are_one_document(gts):
    docs = {pid: i for i, doc in enumerate(layout_split.documents(gts)) for pid in doc}
    # pages 6 and 7 of one report (no running header to group them), and page 14 of the
    # report whose pages 13 and 15 share a running header
    assert docs["01030000000036"] == docs["01030000000037"]
    assert docs["01030000000070"] == docs["01030000000074"]
    # a different page size is another document, however near its id
    assert docs["01030000000047"] != docs["01030000000048"]


def test_halves_are_balanced(gts):
    split = layout_split.halves(gts)
    for ids in split.values():
        assert 20 <= len(ids) <= 35
        boxes = [b["class"] for pid in ids for b in gts[pid]["boxes"]]
        assert boxes.count("Footnote") >= 5
        assert boxes.count("Section-header") + boxes.count("Title") >= 15
    assert "A:" in layout_split.describe(gts, split) and "footnotes" in layout_split.describe(gts, split)
