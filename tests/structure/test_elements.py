"""The result tree (chalicelib.structure.elements): it exports CONTRACTS sections 1, 7, 11 and
13 as the page kind published them before the tree, and a published page reads back exactly."""
from __future__ import annotations

import copy

from chalicelib.structure import elements, layout
from tests.structure.pages import line


def _arranged(texts: list[str], top: int = 200) -> tuple[list[dict], list[dict]]:
    lines = [line(t, 150, top + 42 * i, 150 + 24 * len(t), top + 42 * i + 30) for i, t in enumerate(texts)]
    return layout.arrange(lines, 1700, 2200)


def _document_page() -> dict:
    """A page of a document as the page kind publishes it: blocks (one a table with cells),
    a line from OCR in a text layer (`source`), a mixed-language line, its cut and language."""
    lines, blocks = _arranged(["1. Introduction", "The harbour opened in spring.", "Boats came in."])
    lines[1] = {**lines[1], "source": "ocr", "language": "fr"}
    blocks.append({"role": "table", "lines": [2], "spoken": True, "box": None,
                   "cells": [{"row": 0, "col": 0, "header": True, "lines": [2]}], "rows": 1, "cols": 1})
    return {"width": 1700, "height": 2200, "text": "\n".join(ln["text"] for ln in lines), "lines": lines,
            "blocks": blocks, "source": "text", "image": "page-001.jpg",
            "text_layer": {"trusted": False, "reason": "words", "lines": 1},
            "ocr": {"complete": False, "reason": "time", "lines_found": 9},
            "cut": {"reason": "words", "kept": 8, "found": 20, "of": "page"},
            "language": {"code": "en", "confidence": 0.93, "detected": True}}


def test_a_published_page_reads_back_and_exports_as_it_was():
    page = _document_page()
    before = copy.deepcopy(page)
    tree = elements.Page.load(page)
    assert tree.lines[1].language == "fr" and tree.lines[1].rest == {"source": "ocr"}
    assert tree.blocks[-1].cells[0].lines == [2] and tree.language.code == "en"
    assert tree.export() == before and page == before  # loading changes nothing


def test_a_flow_page_keeps_its_null_sizes_boxes_and_image():
    words = [{"text": w, "confidence": 1.0, "box": None} for w in ("Plain", "text")]
    page = {"width": None, "height": None, "text": "Plain text",
            "lines": [{"text": "Plain text", "confidence": 1.0, "box": None, "words": words}],
            "blocks": [{"role": "paragraph", "lines": [0], "spoken": True, "box": None}],
            "source": "text", "image": None, "language": {"code": "en", "confidence": 0.5, "detected": True}}
    assert elements.Page.load(page).export() == page


def test_an_image_exports_section_1_with_its_page_at_the_top_level():
    lines, blocks = _arranged(["OPEN 24 HOURS", "Main Street Cafe"])
    page = elements.Page(1700, 2200, [elements.Line.load(ln) for ln in lines], [elements.Block.load(b) for b in blocks],
                         elements.Language("en", 0.9, True))
    unsure = [elements.Word("cafe", 0.41, [[1, 2], [3, 2], [3, 4], [1, 4]])]
    doc = elements.Document("rapidocr", "3", [page], {"ocr": 5}, unsure, kind="page")
    out = doc.export()
    assert list(out) == ["schema", "kind", "engine", "engine_version", "width", "height", "text", "lines",
                         "timings_ms", "unsure", "blocks", "language"]
    assert out["text"] == "OPEN 24 HOURS\nMain Street Cafe" and out["lines"] == lines and out["blocks"] == blocks
    assert out["unsure"] == [{"text": "cafe", "confidence": 0.41, "box": [[1, 2], [3, 2], [3, 4], [1, 4]]}]
    assert "unsure" not in elements.Document("rapidocr", "3", [page]).export()
    out["lines"][0]["text"] = "changed"  # each export is new: a publish holds no part of the tree
    assert doc.export()["lines"][0]["text"] == "OPEN 24 HOURS"


def test_a_document_exports_its_pages_and_page_one_at_the_top_level():
    first, second = elements.Page.load(_document_page()), elements.Page(10, 20, [])
    doc = elements.Document("rapidocr", "3", [first, second], paged=True, info={"read": 2},
                            language=elements.Language("en", 0.9, True),
                            unsure=[elements.Word("x", 0.3, [[0, 0], [1, 0], [1, 1], [0, 1]], page=1)])
    out = doc.export()
    assert out["pages"] == [first.export(), second.export()] and out["lines"] == out["pages"][0]["lines"]
    assert (out["width"], out["height"], out["text"]) == (1700, 2200, first.text)  # an empty page adds no blank
    assert out["document"] == {"read": 2} and out["unsure"][0]["page"] == 1 and "flow" not in out
    empty = elements.Document("rapidocr", "3", [], paged=True).export()
    assert (empty["width"], empty["height"], empty["lines"], empty["text"]) == (1, 1, [], "")
    flow = elements.Document("text", "docx", [], paged=True, flow=True).export()
    assert (flow["flow"], flow["width"], flow["height"]) == (True, None, None)


def test_a_block_cut_with_its_page_keeps_its_first_lines():
    table = elements.Block("table", [3, 4, 5], [elements.Cell([3], {"row": 0}), elements.Cell([5], {"row": 1})],
                           {"spoken": True})
    kept = table.kept(4)
    assert kept.lines == [3] and [c.export() for c in kept.cells] == [{"row": 0, "lines": [3]}]
    assert table.lines == [3, 4, 5]  # the page's own block is left as it was
    assert elements.Block("paragraph", [7]).kept(4) is None
    assert elements.Block("figure", []).kept(0).lines == []  # a figure without lines stays


def test_a_line_cut_after_its_first_words():
    ln = elements.Line.load({**line("one two three", 100, 10, 400, 40), "language": "de"})
    cut = ln.first_words(2)
    assert cut.text == "one two" and [w.text for w in cut.words] == ["one", "two"] and cut.language == "de"
    assert cut.box == [[100, 10], [cut.words[1].box[1][0], 10], [cut.words[1].box[1][0], 40], [100, 40]]


def test_a_document_exports_each_page_once_as_it_grows():
    """Published page by page, a long document exports each page the first time only (pages
    are added, never changed, once published): a 50-page document's publishes stay linear."""
    doc = elements.Document("rapidocr", "3", [elements.Page.load(_document_page())], paged=True)
    first = doc.export()
    doc.pages.append(elements.Page(10, 20, []))
    second = doc.export()
    assert second["pages"][0] is first["pages"][0] and second["pages"][1] == elements.Page(10, 20, []).export()
    assert second["lines"] is first["pages"][0]["lines"] and len(first["pages"]) == 1
