"""bench/layout_score.py: the layout-dev protocol on small hand-made pages, figures worked by hand."""
from __future__ import annotations

import pytest

from bench import layout_score as ls


def quad(x0, y0, x1, y1):
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]


def line(*words):
    """words: (text, x0, y0, x1, y1)."""
    return {"text": " ".join(w[0] for w in words), "words": [{"text": t, "box": quad(*b)} for t, *b in words]}


# A 1000 x 1000 page: running header, heading, two columns, a picture, a footnote, a page number.
REGIONS = [
    ls.Region((100, 20, 400, 50), "Page-header", 0, "Chapter 1"),
    ls.Region((100, 100, 500, 140), "Section-header", 1, "1 Intro"),
    ls.Region((100, 200, 480, 600), "Text", 2, "alpha beta epsilon"),
    ls.Region((520, 200, 900, 600), "Text", 3, "gamma delta"),
    ls.Region((100, 650, 900, 880), "Picture", 4, ""),
    ls.Region((100, 900, 600, 930), "Footnote", 5, "1 Note"),
    ls.Region((480, 950, 520, 980), "Page-footer", 6, "7", page_number=True),
]
LINES = [
    line(("Chapter", 100, 20, 200, 50), ("1", 210, 20, 240, 50)),  # 0 header
    line(("1", 100, 100, 130, 140), ("Intro", 140, 100, 300, 140)),  # 1 heading
    line(("alpha", 100, 200, 200, 230), ("beta", 210, 200, 300, 230)),  # 2 left column
    line(("gamma", 520, 200, 620, 230), ("delta", 630, 200, 700, 230)),  # 3 right column
    line(("epsilon", 100, 240, 200, 270)),  # 4 left column
    line(("axis", 200, 700, 260, 720)),  # 5 in the picture
    line(("1", 100, 900, 120, 930), ("Note", 130, 900, 200, 930)),  # 6 footnote
    line(("7", 490, 950, 510, 980)),  # 7 page number
]


def block(role, lines, spoken=True, box=None, **extra):
    return {"role": role, "lines": lines, "spoken": spoken, "box": quad(*box) if box else None, **extra}


STRUCTURED = {"lines": LINES, "blocks": [
    block("page-header", [0], spoken=False),
    block("heading", [1], box=(100, 100, 400, 140), level=1),  # IoU 300/400 with the label
    block("paragraph", [3]),  # the right column first: one pair out of order
    block("paragraph", [2, 4]),
    block("figure", [5]),
    block("footnote", [6]),  # spoken: a footnote not left out
    block("page-number", [7], spoken=False),
    block("heading", [], box=(600, 650, 900, 700)),  # a heading where none is labelled
]}


def test_old_result_speaks_everything_in_line_order_and_has_no_headings():
    c = ls.score_page(REGIONS, {"lines": LINES})
    assert (c.furniture, c.furniture_out, c.furniture_unread) == (2, 0, 0)
    assert (c.page_numbers, c.page_numbers_out) == (1, 0)
    assert (c.footnotes, c.footnotes_out) == (1, 0)
    assert (c.body_words, c.body_words_out) == (7, 0)  # heading 2 + left 3 + right 2; "axis" is in a picture
    assert (c.headings, c.heading_blocks, c.headings_matched) == (1, 0, 0)
    # First words: heading rank 2, left column 4 ("alpha"), right column 6 ("gamma"): all 3 pairs right.
    assert (c.order_pairs, c.order_right) == (3, 3)
    assert ls.figures(c) == {"furniture_recall": 0.0, "page_number_recall": 0.0, "body_words_left_out": 0.0,
                             "footnote_recall": 0.0, "heading_precision": None, "heading_recall": 0.0,
                             "heading_f1": 0.0, "reading_order": 1.0}


def test_structured_result():
    c = ls.score_page(REGIONS, STRUCTURED)
    assert (c.furniture, c.furniture_out, c.page_numbers_out) == (2, 2, 1)
    assert (c.footnotes, c.footnotes_out) == (1, 0)
    assert (c.body_words, c.body_words_out) == (7, 0)
    assert (c.headings, c.heading_blocks, c.headings_matched) == (1, 2, 1)
    # Spoken first words: heading 0, right column 2, left column 4: (left, right) is the wrong pair.
    assert (c.order_pairs, c.order_right) == (3, 2)
    f = ls.figures(c)
    assert f["furniture_recall"] == 1.0 and f["footnote_recall"] == 0.0
    assert (f["heading_precision"], f["heading_recall"]) == (0.5, 1.0)
    assert f["heading_f1"] == pytest.approx(2 / 3)
    assert f["reading_order"] == pytest.approx(2 / 3)
    assert "Footnote spoken (as footnote): '1 Note'" in c.misses
    assert "1 heading block(s) with no labelled heading: ''" in c.misses


def test_regions_the_labels_do_not_order_are_left_out_of_the_order():
    regions = [r if r.order != 3 else ls.Region(r.box, r.cls, r.order, r.text, ordered=False) for r in REGIONS]
    c = ls.score_page(regions, STRUCTURED)
    # Only (heading, left column) is left: right.
    assert (c.order_pairs, c.order_right) == (1, 1)
    gt = {"width": 10, "height": 10, "boxes": [{"bbox": [0, 0, 1, 1], "class": "Text", "order": 0, "ordered": False},
                                               {"bbox": [0, 0, 1, 1], "class": "Text", "order": 1}]}
    assert [r.ordered for r in ls.regions(gt, 10, 10, from_pdf=False)] == [False, True]


def test_lines_no_block_names_are_not_spoken_and_unread_furniture_is_left_out():
    page = {"lines": LINES, "blocks": [block("heading", [1]), block("paragraph", [2, 3]), block("footnote", [6], False)]}
    regions = [*REGIONS, ls.Region((800, 20, 900, 50), "Page-header", 7, "nothing read here")]
    c = ls.score_page(regions, page)
    # Lines 0, 4, 5 and 7 are in no block: the header and page number are left out; so is "epsilon".
    assert (c.furniture, c.furniture_out, c.furniture_unread) == (3, 3, 1)
    assert (c.body_words, c.body_words_out) == (7, 1)
    assert (c.footnotes, c.footnotes_out, c.footnotes_unread) == (1, 1, 0)
    assert ls.figures(c)["body_words_left_out"] == pytest.approx(1 / 7)
    # A heading block without a box gets the box around its words (100..300 x 100..140): IoU 0.5.
    assert (c.heading_blocks, c.headings_matched) == (1, 1)
    assert "Text left out 1/3 words: 'epsilon'" in c.misses


def test_micro_average_over_pages():
    total = ls.score_page(REGIONS, {"lines": LINES}) + ls.score_page(REGIONS, STRUCTURED)
    f = ls.figures(total)
    assert f["furniture_recall"] == 0.5  # 2 of 4
    assert f["heading_f1"] == pytest.approx(2 * 1 / (2 + 2))  # 1 matched; 2 labelled, 2 found
    assert f["reading_order"] == pytest.approx(5 / 6)
    assert ls.figures(ls.Counts())["furniture_recall"] is None


def test_table_speaks_its_cells_in_order_then_its_other_lines():
    page = {"lines": [line(("a", 0, 0, 1, 1))] * 4, "blocks": [
        {"role": "table", "lines": [0, 1, 2], "spoken": True, "cells": [{"lines": [2]}, {"lines": [0]}]},
        {"role": "paragraph", "lines": [3], "spoken": False}]}
    assert ls.speaking_order(page) == [(2, True, "table"), (0, True, "table"), (1, True, "table"),
                                       (3, False, "paragraph")]
    assert [w.rank for w in ls.words(page)] == [0, 1, 2, None]


def test_a_word_belongs_where_its_centre_is():
    big, small = ls.Region((0, 0, 100, 100), "Picture", 0), ls.Region((0, 0, 50, 50), "Caption", 1)
    half = ls.Word((40, 0, 60, 10), "half", 0)  # centre (50, 5) in both: all of it in `big`, half in `small`
    out = ls.Word((90, 0, 130, 10), "out", 1)  # centre (110, 5) outside
    inner = ls.Word((10, 10, 20, 20), "in", 2)  # wholly in both: the smaller region
    assert ls.place([half, out, inner], [big, small]) == [[half], [inner]]
    # A text-layer word as tall as its font, against a label tight on its glyphs (01030000000003's "321").
    number = ls.Word((1013, 88, 1047, 133), "321", 3)
    assert ls.place([number], [ls.Region((1012.6, 102.0, 1050.1, 120.3), "Page-header", 0)]) == [[number]]


def test_regions_scale_to_the_result_page():
    gt = {"width": 1000, "height": 2000, "boxes": [
        {"bbox": [100, 200, 300, 400], "bbox_norm": [0.1, 0.1, 0.3, 0.2], "class": "Text", "order": 0, "text": "x"}]}
    assert ls.regions(gt, 500, 1000, from_pdf=False)[0].box == (50, 100, 150, 200)
    assert ls.regions(gt, 600, 800, from_pdf=True)[0].box == pytest.approx((60, 80, 180, 160))


def test_headings_match_one_to_one_by_decreasing_iou():
    gt = [(0, 0, 100, 10), (0, 0, 100, 12)]
    pred = [(0, 0, 100, 11)]
    assert ls.match(gt, pred) == [(1, 0)]  # IoU 11/12 with the second beats 10/11 with the first
    assert ls.match(gt, [(0, 0, 100, 30)]) == []  # IoU 0.4 at best
