"""bench/layout_tagged.py: the tagged pages' figures in total and per document."""
from __future__ import annotations

from bench import layout, layout_tagged
from bench import layout_score as ls


def test_counts_add_up_per_document_and_in_total():
    gts = {"tagged-x__a-p001": {"document": "tagged:x__a.pdf"}, "tagged-x__a-p002": {"document": "tagged:x__a.pdf"},
           "tagged-y__b-p001": {"document": "tagged:y__b.pdf"}}
    tally = layout.Tally()
    tally.page_counts = {"tagged-x__a-p001": ls.Counts(headings=2, heading_blocks=2, headings_matched=2),
                         "tagged-x__a-p002": ls.Counts(headings=1, heading_blocks=2, headings_matched=1),
                         "tagged-y__b-p001": ls.Counts(headings=1, heading_blocks=0, headings_matched=0)}
    columns = layout_tagged.summary(tally, gts)
    assert list(columns) == ["all", "a", "b"]
    assert (columns["all"].headings, columns["all"].heading_blocks, columns["all"].headings_matched) == (4, 4, 3)
    assert ls.figures(columns["a"])["heading_f1"] == 6 / 7
    assert ls.figures(columns["b"])["heading_f1"] == 0.0
