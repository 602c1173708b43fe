"""The book planner (chalicelib.kinds.plan): pure, so tested alone, without AWS or models."""
from __future__ import annotations

import pytest

from chalicelib.kinds import plan


def test_reading_shards_start_with_one_page_then_stay_bounded():
    shards = plan.reading(1000, 8)
    sizes = [s.end - s.first for s in shards]
    assert sizes[:3] == [1, 8, 8] and max(sizes) == 8 and len(shards) == 126
    # A book planned before (its survey says no growth: tests/jobs/test_book.py) keeps its shards.
    assert [s.end - s.first for s in plan.reading(1000, 8, 2)][:5] == [1, 2, 4, 8, 8]
    assert shards[0].first == 0 and shards[-1].end == 1000
    assert all(a.end == b.first for a, b in zip(shards, shards[1:]))  # no gap, no overlap
    assert [s.id for s in shards[:2]] == ["read-0000", "read-0001"]
    assert plan.reading(1, 8) == [plan.Pages(0, 0, 1)] and plan.reading(0, 8) == []


def test_a_thousand_page_book_and_a_hundred_page_one_have_shards_of_the_same_size():
    assert max(s.end - s.first for s in plan.reading(1000, 8)) == max(s.end - s.first for s in plan.reading(100, 8))


def test_ids_parse_back_and_sort_in_text_order():
    ids = [plan.read_id(3), plan.record_id(3, 0), plan.record_id(3, 11), plan.record_id(12, 0)]
    assert [plan.parse_id(i) for i in ids] == [("read", 3, 0), ("record", 3, 0), ("record", 3, 11), ("record", 12, 0)]
    assert sorted(ids[1:]) == ids[1:]
    for bad in ("", "read", "read-x", "rec-1", "rec-a-b", "other-1"):
        assert plan.parse_id(bad) is None


def test_a_book_is_past_either_bound():
    assert plan.is_book(pages=51, book_pages=50, book_words=50_000)
    assert not plan.is_book(pages=50, book_pages=50, book_words=50_000)
    assert plan.is_book(words=50_001, book_pages=50, book_words=50_000)
    assert not plan.is_book(words=10, pages=3, book_pages=50, book_words=50_000)


def test_documents_without_pages_are_published_in_runs_of_sections_by_words():
    shards = plan.reading_by_words([10, 500, 500, 30_000, 5, 5], 1000)
    assert [(s.first, s.end) for s in shards] == [(0, 1), (1, 3), (3, 4), (4, 6)]


def blocks(*spec):
    """(role, number of lines, spoken) -> blocks over consecutive lines."""
    out, line = [], 0
    for role, n, said in spec:
        out.append({"role": role, "lines": list(range(line, line + n)), "spoken": said})
        line += n
    return out


def test_units_are_spoken_blocks_and_long_blocks_are_cut_between_lines():
    page = blocks(("heading", 1, True), ("page-number", 1, False), ("paragraph", 10, True), ("table", 10, True))
    chars = [20] + [3] + [99] * 20
    units = plan.units_of(7, page, chars, most=300)
    assert [u.block for u in units] == [0, 2, 2, 2, 2, 3]  # the page number is not spoken
    assert units[0] == plan.Unit(7, 0, 21, None, (0, 0))
    cut = [u.lines for u in units if u.block == 2]
    assert cut == [(0, 3), (3, 6), (6, 9), (9, 10)] and all(u.chars <= 300 for u in units if u.block == 2)
    assert [u.span for u in units if u.block == 2] == [(2, 4), (5, 7), (8, 10), (11, 11)]  # the page's lines
    assert units[-1].lines is None and units[-1].chars == 1000  # a table is never cut: its rows carry its headers


@pytest.mark.parametrize("first", [False, True])
def test_sections_are_bounded_and_in_order(first):
    units = [plan.Unit(p, b, 250) for p in range(10) for b in range(4)]
    cut = plan.sections(units, 1000, first_of_book=first)
    assert [u for s in cut for u in s.units] == units  # every unit once, in order
    assert all(s.chars <= 1000 for s in cut)
    if first:  # the book's first words are heard soon: a short first section, then growing
        assert cut[0].chars <= plan.FIRST_SECTION_CHARS and cut[1].chars <= plan.SECOND_SECTION_CHARS
    assert plan.Section.load(cut[0].public()) == cut[0]


def test_a_unit_longer_than_a_section_is_a_section_alone():
    units = [plan.Unit(0, 0, 10), plan.Unit(0, 1, 5000), plan.Unit(0, 2, 10)]
    assert [s.units for s in plan.sections(units, 1000)] == [(units[0],), (units[1],), (units[2],)]


def test_progress_says_pages_recording_and_time_left():
    half = plan.Progress(pages_read=50, pages=100, seconds_recorded=600.0, chars_recorded=9000, chars=18000,
                         started=0.0, now=100.0)
    out = half.public()
    assert out["pages_read"] == 50 and out["pages"] == 100 and out["seconds_recorded"] == 600.0
    assert out["seconds_estimated"] == pytest.approx(600.0 / 9000 * 36000)  # the read half scaled to the book
    # Half the pages read in 100 s: 100 s left (the recording is made where someone listens).
    assert out["seconds_left"] == pytest.approx(100, abs=1)
    assert "seconds_left" not in plan.Progress(0, 100, 0.0, 0, 0, 0.0, 100.0).public()
    # It never grows with what is recorded: the same pages read, less recorded, the same time left.
    assert plan.Progress(50, 100, 60.0, 900, 18000, 0.0, 100.0).public()["seconds_left"] == out["seconds_left"]


def test_the_section_of_a_place_is_the_one_speaking_its_line_or_the_next_heard():
    units = [plan.Unit(3, 0, 400, None, (0, 2)), plan.Unit(3, 2, 400, None, (4, 6)),
             plan.Unit(4, 0, 400, None, (0, 9)), plan.Unit(5, 0, 400, None, (0, 1))]
    cut = plan.sections(units, 800)
    assert [len(c.units) for c in cut] == [2, 2]
    assert plan.section_at(cut, {"page": 3, "line": 5, "word": 2}) == 0
    assert plan.section_at(cut, {"page": 4, "line": 9, "word": 0}) == 1
    assert plan.section_at(cut, {"page": 3, "line": 3, "word": 0}) == 0  # a skipped line: what follows it
    assert plan.section_at(cut, {"page": 2, "line": 0, "word": 0}) == 0
    assert plan.section_at(cut, {"page": 9, "line": 0, "word": 0}) is None
    assert plan.section_at(cut, None) is None


def test_sections_start_short_again_where_a_listener_waits():
    units = [plan.Unit(p, 0, 200, None, (0, 3)) for p in range(30)]
    cut = plan.sections(units, 1200, listener=20)
    starts = [c.units[0].page for c in cut]
    assert 20 in starts  # the listener's unit begins a section...
    k = starts.index(20)
    assert cut[k].chars <= plan.FIRST_SECTION_CHARS and cut[k + 1].chars <= plan.SECOND_SECTION_CHARS
    assert cut[k - 1].chars <= 1200 and [u for c in cut for u in c.units] == units
    assert plan.unit_at(units, {"page": 20, "line": 1, "word": 0}) == 20
    assert plan.sections(units, 1200) == plan.sections(units, 1200, listener=None)


def test_each_chapter_starts_a_short_section_where_the_outline_sends_a_listener():
    units = [plan.Unit(p, 0, 200, None, (0, 3)) for p in range(30)]
    cut = plan.sections(units, 1200, starts={7, 19})
    starts = [c.units[0].page for c in cut]
    for head in (7, 19):  # a chapter's heading starts a section, made in seconds once asked for
        k = starts.index(head)
        assert cut[k].chars <= plan.FIRST_SECTION_CHARS and cut[k + 1].chars <= plan.SECOND_SECTION_CHARS
    assert [u for c in cut for u in c.units] == units and max(c.chars for c in cut) <= 1200
    assert len(cut) <= len(plan.sections(units, 1200)) + 4  # a few more parts a chapter, no more


# --- A long recording's windows -----------------------------------------------------------

FRAME = 0.032


def speech(seconds: float, pauses: dict[float, float], asked: list | None = None):
    """Each frame's speech probability, as the planner asks for it: talk throughout, but quiet
    in each pause (start -> length). `asked` collects the frames asked for."""
    probs = [0.9] * int(round(seconds / FRAME))
    for start, length in pauses.items():
        for i in range(int(start / FRAME), int((start + length) / FRAME)):
            probs[i] = 0.05

    def voiced(lo: int, hi: int) -> list[float]:
        if asked is not None:
            asked.append((lo, hi))
        return probs[lo:hi]
    return voiced


def test_windows_start_short_grow_to_the_most_and_cover_the_recording_without_gaps():
    duration = 3600.0
    asked = []
    cut = plan.windows(speech(duration, {}, asked), FRAME, duration, most=300.0, slack=20.0)
    # Only where a window may end is weighed: the hour's 14 cuts, 20 s at most each.
    assert len(asked) == len(cut) - 1 and sum(hi - lo for lo, hi in asked) * FRAME <= 20.0 * len(asked) + 1
    assert cut[0][0] == 0.0 and cut[-1][1] == duration
    assert all(a[1] == b[0] for a, b in zip(cut, cut[1:]))  # no gap, no overlap: no word twice
    sizes = [b - a for a, b in cut]
    assert 22 < sizes[0] <= 30 and 45 < sizes[1] <= 60 and 100 < sizes[2] <= 120
    assert max(sizes[:-1]) <= 300 and min(sizes[4:-1]) >= 280  # then bounded, whatever the length
    assert sizes[-1] <= 300 + 20


def test_a_window_ends_in_the_longest_pause_before_its_length_never_inside_speech():
    duration = 200.0
    # Pauses near the first cut (at 30 s): a short one at 26 s, a longer one at 27 s, one past 30 s.
    probs = speech(duration, {26.0: 0.3, 27.0: 0.8, 30.5: 2.0, 85.0: 1.0})
    cut = plan.windows(probs, FRAME, duration, most=60.0, slack=20.0)
    assert 27.0 < cut[0][1] < 27.8  # inside the longer pause, before 30 s
    assert 85.0 < cut[1][1] < 86.0
    # Talk without a pause: the quietest frame (the last of equals) before the length.
    flat = plan.windows(lambda lo, hi: [0.9] * (hi - lo), FRAME, 100.0, most=60.0, slack=20.0)
    assert abs(flat[0][1] - 30.0) < 0.1


def test_the_last_window_takes_a_little_more_rather_than_leave_a_sliver():
    cut = plan.windows(speech(34.0, {}), FRAME, 34.0, most=300.0, slack=20.0)
    assert cut == [(0.0, 34.0)]
    assert plan.windows(speech(0.0, {}), FRAME, 0.0, most=300.0, slack=20.0) == [(0.0, 0.0)]
