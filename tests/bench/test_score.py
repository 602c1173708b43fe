"""The benchmark scorer pins the protocol of ../shared/datasets/README.md on fabricated data."""
from __future__ import annotations

import json

import pytest

from bench import datasets, score
from bench.datasets import GtWord
from bench.score import Pred


def gt(box, text, dont_care=False):
    return GtWord(tuple(float(v) for v in box), text, dont_care)


def test_iou_of_axis_aligned_boxes():
    assert score.iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert score.iou((0, 0, 10, 10), (10, 0, 20, 10)) == 0.0  # touching edges
    assert score.iou((0, 0, 10, 10), (5, 0, 15, 10)) == pytest.approx(50 / 150)
    assert score.iou((0, 0, 10, 10), (0, 0, 10, 5)) == pytest.approx(0.5)


def test_threshold_is_iou_at_least_one_half():
    gts = [gt((0, 0, 10, 10), "word")]
    at_half = score.score_page([Pred((0, 0, 10, 5), "word")], gts)  # IoU exactly 0.5
    below = score.score_page([Pred((0, 0, 10, 4.9), "word")], gts)
    assert at_half.counts["det"].tp == 1 and at_half.counts["e2e_exact"].tp == 1
    assert below.counts["det"].tp == 0 and below.counts["det"].n_pred == 1


def test_matching_is_one_to_one_and_greedy_by_iou():
    gts = [gt((0, 0, 10, 10), "a")]
    preds = [Pred((0, 0, 10, 9), "a"), Pred((0, 0, 10, 10), "a")]  # both overlap the one word
    page = score.score_page(preds, gts)
    c = page.counts["det"]
    assert (c.tp, c.n_pred, c.n_gt) == (1, 2, 1)  # the second prediction is a false positive
    assert page.det_pairs[0][0] == 1  # the higher IoU won
    # One prediction cannot match two ground-truth words either.
    two = score.score_page([Pred((0, 0, 20, 10), "a")], [gt((0, 0, 20, 10), "a"), gt((0, 0, 20, 9), "a")])
    assert (two.counts["det"].tp, two.counts["det"].n_gt) == (1, 2)


def test_end_to_end_matching_redone_on_text_equal_pairs():
    # The best-IoU prediction reads the word wrong; a second, still >= 0.5, reads it right.
    gts = [gt((0, 0, 10, 10), "Total")]
    preds = [Pred((0, 0, 10, 10), "Tota1"), Pred((0, 0, 10, 6), "Total")]
    page = score.score_page(preds, gts)
    assert page.counts["det"].tp == 1
    assert page.counts["e2e_exact"].tp == 1


def test_dont_care_counts_for_nothing():
    gts = [gt((0, 0, 10, 10), "###", dont_care=True), gt((20, 0, 30, 10), "EXIT")]
    preds = [Pred((0, 0, 10, 10), "blur"), Pred((20, 0, 30, 10), "EXIT"), Pred((50, 0, 60, 10), "x")]
    page = score.score_page(preds, gts)
    for mode in score.MODES:
        c = page.counts[mode]
        # The prediction on ### is neither true nor false positive; ### is not in recall.
        assert (c.tp, c.n_pred, c.n_gt) == (1, 2, 1), mode
    # A don't-care word absorbs only one prediction (one-to-one); the second one is an FP.
    twice = score.score_page([Pred((0, 0, 10, 10), "a"), Pred((0, 0, 10, 9), "b")], gts[:1])
    assert (twice.counts["det"].tp, twice.counts["det"].n_pred, twice.counts["det"].n_gt) == (0, 1, 0)


def test_empty_text_ground_truth_is_skipped():
    gts = [gt((0, 0, 10, 10), ""), gt((0, 20, 10, 30), "  "), gt((20, 0, 30, 10), "ok")]
    page = score.score_page([Pred((0, 0, 10, 10), "x"), Pred((20, 0, 30, 10), "ok")], gts)
    c = page.counts["det"]
    # Skipped entirely: not in recall, and a prediction there is a plain false positive.
    assert (c.tp, c.n_pred, c.n_gt) == (1, 2, 1)


def test_exact_versus_case_insensitive_punctuation_stripped():
    cases = [("Date:", "Date:", True, True), ("Date:", "date", False, True),
             ("(B)", "B", False, True), ("DATE", "Date", False, True), ("5,000", "5.000", False, False),
             ("don't", "dont", False, False), ("Café", "CAFÉ", False, True), ("-", "--", False, True)]
    for truth, read, exact, ci in cases:
        page = score.score_page([Pred((0, 0, 10, 10), read)], [gt((0, 0, 10, 10), truth)])
        assert page.counts["det"].tp == 1
        assert page.counts["e2e_exact"].tp == int(exact), (truth, read)
        assert page.counts["e2e_ci"].tp == int(ci), (truth, read)
    assert score.normalize_ci("  ¿Hola?! ") == "hola"
    assert score.normalize_ci("e-mail,") == "e-mail"  # inner punctuation stays


def test_micro_average_over_pages():
    a = score.score_page([Pred((0, 0, 10, 10), "a")], [gt((0, 0, 10, 10), "a")])
    b = score.score_page([Pred((0, 0, 10, 10), "b")], [gt((0, 0, 10, 10), "c"), gt((0, 20, 10, 30), "d")])
    t = score.total([a, b])["e2e_exact"]
    assert (t.tp, t.n_pred, t.n_gt) == (1, 2, 3)
    assert t.precision == pytest.approx(0.5) and t.recall == pytest.approx(1 / 3)
    assert t.f1 == pytest.approx(2 * 0.5 * (1 / 3) / (0.5 + 1 / 3))


def test_no_predictions_no_truth_edge_cases():
    empty = score.total([score.score_page([], [])])["det"]
    assert (empty.precision, empty.recall) == (1.0, 1.0)
    miss = score.total([score.score_page([], [gt((0, 0, 1, 1), "a")])])["det"]
    assert (miss.precision, miss.recall, miss.f1) == (0.0, 0.0, 0.0)


def test_predictions_from_a_result_document_use_axis_aligned_word_boxes():
    doc = {"lines": [{"text": "a b", "words": [
        {"text": "a", "box": [[10, 5], [20, 7], [19, 17], [9, 15]]},
        {"text": "b", "box": [[30, 5], [40, 5], [40, 15], [30, 15]]}]}]}
    preds = score.preds_from_result(doc)
    assert preds == [Pred((9, 5, 20, 17), "a"), Pred((30, 5, 40, 15), "b")]


def test_dataset_readers(tmp_path):
    funsd = tmp_path / datasets.FUNSD
    (funsd / "images").mkdir(parents=True)
    (funsd / "annotations").mkdir()
    for stem in ("b", "a", "c"):
        (funsd / "images" / f"{stem}.png").write_bytes(b"")
        (funsd / "annotations" / f"{stem}.json").write_text(json.dumps({"form": [{"words": [
            {"box": [30, 10, 5, 2], "text": "To:"}, {"box": [1, 1, 2, 2], "text": ""}]}]}))
    items = datasets.load(tmp_path, datasets.FUNSD)
    assert [it.name for it in items] == ["a", "b", "c"]
    assert [it.half for it in items] == ["tune", "confirm", "tune"]
    assert items[0].words == [GtWord((5.0, 2.0, 30.0, 10.0), "To:")]  # empty text dropped, box ordered

    icdar = tmp_path / datasets.ICDAR
    (icdar / "images").mkdir(parents=True)
    (icdar / "gt").mkdir()
    (icdar / "images" / "img_1.jpg").write_bytes(b"")
    (icdar / "gt" / "gt_img_1.txt").write_text(
        "\ufeff377,117,463,117,465,130,378,130,Genaxis Theatre\r\n"
        "493,115,519,115,519,131,493,131,###\n"
        "10,10,20,10,20,20,10,20,a,b\n", encoding="utf-8")
    words = datasets.load(tmp_path, datasets.ICDAR)[0].words
    assert words[0] == GtWord((377.0, 117.0, 465.0, 130.0), "Genaxis Theatre", False)
    assert words[1].dont_care and not words[0].dont_care
    assert words[2].text == "a,b"  # commas inside a transcription


def test_fair_pieces_split_after_slash_colon_comma_and_hyphens_with_box_shares():
    assert score.fair_pieces("9/24/2012", (0, 0, 90, 10)) == [
        ("9/", (0, 0, 20, 10)), ("24/", (20, 0, 50, 10)), ("2012", (50, 0, 90, 10))]
    assert [t for t, _ in score.fair_pieces("Market-Weight", (0, 0, 130, 10))] == ["Market-", "Weight"]
    assert [t for t, _ in score.fair_pieces("$3,015.00", (0, 0, 90, 10))] == ["$3,", "015.00"]
    assert [t for t, _ in score.fair_pieces("NUMBER:June", (0, 0, 110, 10))] == ["NUMBER:", "June"]
    # Only between letters or digits: leading, trailing and doubled marks stay.
    for whole in ("To:", "9/", "/10", "-5087", "a--b", "47.5", "(B)"):
        assert score.fair_pieces(whole, (0, 0, 10, 10)) == [(whole, (0, 0, 10, 10))]
    dc = gt((0, 0, 10, 10), "a-b", dont_care=True)
    assert score.fair_split([dc, gt((0, 0, 30, 10), "a-b")]) == [dc, gt((0, 0, 20, 10), "a-"), gt((20, 0, 30, 10), "b")]


def test_a_date_the_annotators_split_counts_whole_in_the_fair_mode_only():
    # FUNSD's annotators split "9/24/2012" into three boxes, with gaps; the product reads one word.
    gts = [gt((0, 0, 19, 10), "9/"), gt((21, 0, 49, 10), "24/"), gt((52, 0, 90, 10), "2012")]
    page = score.score_page([Pred((0, 0, 90, 10), "9/24/2012")], gts)
    for mode in score.RAW_MODES:
        raw, fair = page.counts[mode], page.counts[mode + score.FAIR]
        assert (raw.tp, raw.n_pred, raw.n_gt) == (0, 1, 3), mode
        assert (fair.tp, fair.n_pred, fair.n_gt) == (3, 3, 3), mode


def test_the_fair_mode_changes_nothing_where_the_tokenisation_is_the_same():
    # Nothing to split: the fair counts are the raw counts, misreads and misses included.
    gts = [gt((0, 0, 40, 10), "To:"), gt((50, 0, 80, 10), "(B)"), gt((0, 20, 40, 30), "47.5"),
           gt((50, 20, 90, 30), "Total"), gt((0, 40, 30, 50), "###", dont_care=True)]
    preds = [Pred((1, 0, 40, 10), "To:"), Pred((50, 1, 80, 10), "B"), Pred((0, 20, 41, 30), "47.5"),
             Pred((0, 40, 30, 50), "blur"), Pred((200, 0, 230, 10), "x")]
    page = score.score_page(preds, gts)
    for mode in score.RAW_MODES:
        assert page.counts[mode] == page.counts[mode + score.FAIR], mode
    # The same split tokens on both sides: each piece matches its piece, F1 stays 1.
    same = score.score_page([Pred((0, 0, 90, 10), "9/24/2012")], [gt((0, 0, 90, 10), "9/24/2012")])
    for mode in score.RAW_MODES:
        assert same.counts[mode].f1 == same.counts[mode + score.FAIR].f1 == 1.0, mode
