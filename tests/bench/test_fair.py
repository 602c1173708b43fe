"""bench/fair.py's arithmetic (ratios, goals, windows, what a section was recorded for) and
bench/cost.py's on-demand book figures (issue 77)."""
from __future__ import annotations

import math

import pytest

from bench import cost, fair


def test_ratios_and_goals():
    assert fair.ratio(3.0, 2.0) == pytest.approx(1.5)
    assert fair.ratio(None, 2.0) is None and fair.ratio(3.0, None) is None and fair.ratio(3.0, 0.0) is None
    assert fair.verdict(2.0, 2.0) == "PASS" and fair.verdict(2.01, 2.0) == "MISS"
    assert fair.verdict(0.2, 1 / 6, at_most=False) == "PASS" and fair.verdict(0.1, 1 / 6, at_most=False) == "MISS"
    assert fair.verdict(None, 10.0).startswith("MISS")  # never seen is never a pass


def test_pages_in_a_window_and_fair_shares():
    reads = [(10.0, 1), (12.0, 2), (20.0, 32), (31.0, 32)]
    assert fair.pages_in(reads, 10.0, 30.0) == 34  # (t0, t1]: the shard ending at t0 is before it
    assert fair.per_minute(34, 30.0) == pytest.approx(68.0) and fair.per_minute(3, 0.0) is None
    shares = fair.fair_shares({"book 0": 120.0, "scan 0": 5.0, "book 1": 20.0}, {"book 0": 300.0, "scan 0": 30.0,
                                                                                "book 1": 300.0})
    assert shares["book 0"]["of_alone"] == pytest.approx(0.4) and shares["book 0"]["verdict"] == "PASS"  # >= 1/3
    assert shares["scan 0"]["of_alone"] == pytest.approx(1 / 6) and shares["scan 0"]["verdict"] == "MISS"
    assert shares["book 1"]["share"] == pytest.approx(20 / 145) and shares["book 1"]["goal"] == pytest.approx(1 / 3)
    assert fair.fair_shares({"book 0": 10.0}, {})["book 0"]["verdict"].startswith("MISS")  # no rate alone


def test_a_books_fair_share_counts_only_the_books_being_read_at_each_moment():
    def ev(job, t, msg, shard=None):
        return {"job_id": job, "t": t, "msg": msg, **({"shard": shard} if shard else {})}

    # Two books, one worker. "a" is read alone from 0 to 10 s, then "b" is planned; a reads 10-15,
    # b 15-20, a 20-25 and is read whole; b reads 25-40 alone.
    events = [ev("a", 0.0, "book planned"), ev("a", 0.0, "shard started", "read-0000"), ev("a", 10.0, "pages read", "read-0000"),
              ev("b", 10.0, "book planned"), ev("a", 10.0, "shard started", "read-0001"), ev("a", 15.0, "pages read", "read-0001"),
              ev("b", 15.0, "shard started", "read-0000"), ev("b", 20.0, "pages read", "read-0000"),
              ev("a", 20.0, "shard started", "read-0002"), ev("a", 25.0, "pages read", "read-0002"), ev("a", 25.0, "book done"),
              ev("b", 25.0, "shard started", "read-0001"), ev("b", 40.0, "pages read", "read-0001")]
    uploads = [fair.Upload("book", 0, "a"), fair.Upload("scan", 1, "b")]
    got = fair.fair_share_audit(events, uploads, 0.0, 40.0)
    a, b = got["book 0"], got["scan 1"]
    # a: its own 20 s over 10 (alone) + 15 / 2 (with b) = 17.5; b: 20 s over 15 / 2 + 15 = 22.5
    assert a["own_s"] == pytest.approx(20.0, abs=0.2) and a["fair_s"] == pytest.approx(17.5, abs=0.2)
    assert b["of_fair"] == pytest.approx(20.0 / 22.5, abs=0.02)
    assert b["shard_s"] == pytest.approx(15.0) and b["verdict"] == "PASS"  # 0.89 >= 1 - 2 x 15 / 22.5: a shard behind
    assert a["verdict"] == "PASS"
    # Starved: two books planned together; b has one turn of 1 s, then a has the worker for 39 s.
    # b's fair share is 20 s of the 40, its own 1 s: far more than two of its shards short.
    starved = [ev("a", 0.0, "book planned"), ev("b", 0.0, "book planned"),
               ev("b", 0.0, "shard started", "read-0000"), ev("b", 1.0, "pages read", "read-0000")]
    for t in range(1, 40):
        starved += [ev("a", float(t), "shard started", f"read-{t:04d}"), ev("a", float(t + 1), "pages read", f"read-{t:04d}")]
    got = fair.fair_share_audit(starved, uploads, 0.0, 40.0)
    assert got["scan 1"]["fair_s"] == pytest.approx(20.0, abs=0.2) and got["scan 1"]["lag"] == pytest.approx(0.1, abs=0.01)
    assert got["scan 1"]["verdict"] == "MISS" and got["book 0"]["verdict"] == "PASS"


def test_window_sections_walk_as_the_planner_asks():
    chars = {0: [500, 500], 1: [1000, 1000, 1000], 3: [10]}
    assert fair.window_sections(chars, (0, 0), 1200) == {(0, 0), (0, 1), (1, 0)}  # until the budget is spent
    assert fair.window_sections(chars, (1, 1), 10_000) == {(1, 1), (1, 2)}  # a shard not read (2) stops it
    assert fair.window_sections(chars, (5, 0), 100) == set()


def test_sections_are_sorted_by_what_they_were_recorded_for():
    def summary(first, last):
        return {"first": {"page": first[0], "line": first[1], "word": 0}, "last": {"page": last[0], "line": last[1], "word": 9}}

    chars = {0: [1000, 1000], 1: [1000, 1000, 1000, 1000]}
    recorded = {(0, 0): summary((0, 0), (0, 9)), (0, 1): summary((1, 0), (1, 9)),
                (1, 1): summary((5, 0), (5, 9)), (1, 2): summary((6, 0), (6, 9)), (1, 3): summary((7, 0), (7, 9))}
    place = {"page": 5, "line": 3, "word": 0}
    later = {"page": 6, "line": 2, "word": 4}
    kinds = fair.classify(recorded, chars, [place, later], (place, later), budget=1500)
    assert kinds[(0, 0)] == {"start": True, "listener": False, "heard": False}
    assert kinds[(0, 1)] == {"start": True, "listener": False, "heard": False}
    assert kinds[(1, 1)] == {"start": False, "listener": True, "heard": True}
    assert kinds[(1, 2)] == {"start": False, "listener": True, "heard": True}
    assert kinds[(1, 3)] == {"start": False, "listener": True, "heard": False}  # the window ahead of the later place
    assert fair.section_of(recorded, {"page": 4, "line": 0, "word": 0}) == (1, 1)  # not spoken: the next section
    nobody = fair.classify({(1, 3): summary((7, 0), (7, 9))}, chars, [], None, budget=1500)
    assert nobody[(1, 3)] == {"start": False, "listener": False, "heard": False}


def test_duplicates_and_cpu_between_samples():
    assert fair.duplicates(["j/rec-0000-00", "j/rec-0000-01", "j/rec-0000-00"]) == {"j/rec-0000-00": 2}
    series = [(0.0, 0.0), (1.0, 0.5), (2.0, 1.5)]
    assert fair.cpu_between(series, 0.5, 1.5) == pytest.approx(0.75)
    assert fair.cpu_between(series, -1.0, 5.0) == pytest.approx(1.5)  # outside the samples: their ends
    assert fair.cpu_between(series[:1], 0.0, 1.0) is None and fair.cpu_between(series, 2.0, 1.0) is None


def test_the_generated_book_has_chapters_and_a_text_layer():
    import pypdfium2 as pdfium

    pdf, chapters = fair.long_book(21, seed=3)
    doc = pdfium.PdfDocument(pdf)
    assert len(doc) == 21 and [p for _, p in chapters] == [0, 10, 20]
    text = doc[10].get_textpage().get_text_range()
    assert text.startswith("Chapter 2: Salt and Bread") and len(text) > 1500


def _model() -> dict:
    zero = {k: (0.0, 0.0) for k in ("s3_put", "s3_get", "sqs", "ddb_wru", "ddb_rru")}
    return {"shard_pages": 32, "plan_s": 1.0, "plan_cpu_s": 1.0, "plan_requests": {k: 0 for k in zero},
            "text": {"wall": (0.5, 0.1), "cpu": (0.5, 0.1), "requests": zero},
            "ocr": {"wall": (0.5, 2.0), "cpu": (0.5, 2.0), "requests": zero},
            "record": {"wall": (0.0, 0.1), "cpu": (0.0, 0.1), "requests": zero},
            "chars_per_page": 1000.0, "section_chars_mean": 1000.0, "speech_s_per_char": 0.06,
            "stored_per_page": {"text": 0.0, "ocr": 0.0}, "stored_per_speech_s": 0.0, "read_item_bytes": 1000.0}


def test_a_book_recorded_in_part_costs_its_sections():
    model = _model()
    whole = cost.book_cost(model, 100, False, cost.PRICES, 2048, workers=())
    assert whole["sections"] == whole["sections_whole"] == 100 and whole["section_s"] == pytest.approx(60.0)
    part = cost.book_cost(model, 100, False, cost.PRICES, 2048, workers=(1,), recorded=10)
    assert part["sections"] == 10 and part["speech_hours"] == pytest.approx(10 * 60 / 3600)
    assert part["gb_s"]["record"] == pytest.approx(whole["gb_s"]["record"] / 10)
    assert part["gb_s"]["read"] == whole["gb_s"]["read"]  # read whole either way
    assert part["invocations"] == whole["invocations"] - 90
    assert math.isfinite(part["wall"][1]["done"])


def test_sections_for_an_hour_listened():
    # 60 s sections: the 10-minute start window (10), the hour and the 10 minutes ahead (70, + 1 at the ends)
    assert cost.listened_sections(60.0, 600, 3600, 1000) == 10 + 71
    assert cost.listened_sections(60.0, 600, 3600, 50) == 50  # never more than the book
    d = cost.on_demand(_model(), {"wall_per_s": 0.01, "cpu_per_s": 0.01, "bytes_per_s": 6000.0, "parts": 1,
                                  "speech_s": 60.0}, cost.PRICES, 2048, 512, pages=500, window_s=600)
    assert d["listened"]["sections"] == 81 and d["whole"]["sections"] == 500
    base = d["whole"]["dollars"]["total"]
    assert d["listened_ratio"] == pytest.approx((d["listened"]["dollars"]["total"] + d["listened_api_dollars"]) / base)
    assert d["listened"]["dollars"]["total"] < base < d["export_total"]
    # From the book's start, the start window is the hour's first ten minutes: the hour and the window ahead, + 1.
    assert d["from_start"]["sections"] == 71 and d["from_start_total"] < d["listened_total"]
    assert d["build"]["seconds"] == pytest.approx(500 * 60 * 0.01 + 500 * cost.EXPORT_S_PER_PART)
