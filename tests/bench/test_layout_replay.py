"""bench/layout_replay.py: a recorded analyse call becomes a result page scored as bench.layout scores it."""
from __future__ import annotations

from bench import layout_replay
from bench import layout_score as ls
from chalicelib.structure import layout
from tests.structure.pages import HEIGHT, WIDTH, Page


def test_a_replayed_page_speaks_its_heading_and_body_not_its_page_number():
    p = Page()
    p.add("Background and aims", size=36, gap=14)
    for k in range(6):
        p.para(5, start=k)
    p.add("12", x0=800, y=2060)
    call = {"lines": p.lines, "width": WIDTH, "height": HEIGHT, "hints": p.hints, "page_index": 1, "figures": []}
    page = layout_replay.page(layout, call)
    roles = {b["role"]: b["spoken"] for b in page["blocks"]}
    assert roles == {"heading": True, "paragraph": True, "page-number": False}
    heading = next(b for b in page["blocks"] if b["role"] == "heading")
    box = heading["box"]
    gt = {"width": WIDTH, "height": HEIGHT, "boxes": [
        {"bbox": [box[0][0], box[0][1], box[2][0], box[2][1]], "class": "Section-header", "order": 0}]}
    c = ls.score_page(ls.regions(gt, WIDTH, HEIGHT, from_pdf=False), page)
    assert ls.figures(c)["heading_f1"] == 1.0
