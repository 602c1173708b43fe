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


def test_footnotes_count_only_where_people_labelled_them_and_kinds_add_up():
    gts = {"cvat-a": {"document": "cvat:a", "kind": "paper"}, "cvat-b": {"document": "cvat:b", "kind": "form"},
           "tagged-c": {"document": "tagged:c.pdf", "kind": "paper", "footnotes_labelled": False}}
    tally = layout.Tally()
    tally.page_counts = {"cvat-a": ls.Counts(footnotes=2, footnotes_out=1, headings=1),
                         "cvat-b": ls.Counts(footnotes=1, footnotes_out=1),
                         "tagged-c": ls.Counts(footnotes=3, footnotes_out=0, footnotes_unread=1, headings=2)}
    layout_tagged.unlabelled_footnotes(tally, gts)
    assert (tally.page_counts["tagged-c"].footnotes, tally.page_counts["tagged-c"].headings) == (0, 2)
    columns = layout_tagged.kinds(tally, gts)
    assert list(columns) == ["kind: form", "kind: paper"]
    assert ls.figures(columns["kind: paper"])["footnote_recall"] == 0.5
    assert (columns["kind: paper"].headings, columns["kind: form"].footnotes_out) == (3, 1)
    assert layout_tagged.kinds(tally, {pid: {**gt, "kind": "prose"} for pid, gt in gts.items()}) == {}
    assert "kind: form" in layout_tagged.rows(columns)
