"""How a book is cut into shards: decides, does nothing (no AWS, no models), as Chalice's
deploy planner beside its executor (chalicelib.jobs.book calls AWS). The kind that
reads books (its `book` module) and the executor share it.

A book (CONTRACTS section 15) is worked by many workers at once. Its pages are read in
*reading shards* (page ranges); each reading shard, once read, cuts what it read into
*recording sections* (runs of the spoken blocks of its pages), each a shard of its own. Every
shard is bounded (pages, characters), whatever the size of the book, and the first ones are
small, so the first page's text and the first words of the recording come as fast as a short
document's. Shard ids sort in text order: `read-0003` (the fourth page range),
`rec-0003-01` (its second section).
"""
from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

READ, RECORD = "read", "record"
FIRST_SECTION_CHARS = 300  # the book's first section: a sentence or two, heard seconds after its page is read
SECOND_SECTION_CHARS = 1200  # then growing to the full size
FLOW_SHARD_WORDS = 20_000  # a document without pages: words published by one reading shard at most


@dataclass(frozen=True)
class Pages:
    """A reading shard: pages [first, end) of the book."""
    index: int
    first: int
    end: int

    @property
    def id(self) -> str:
        return read_id(self.index)


def read_id(index: int) -> str:
    return f"read-{index:04d}"


def record_id(read_index: int, section: int) -> str:
    return f"rec-{read_index:04d}-{section:02d}"


def parse_id(shard_id: str) -> tuple[str, int, int] | None:
    """(stage, reading shard, section) of a shard id; None for anything else."""
    parts = shard_id.split("-")
    try:
        if len(parts) == 2 and parts[0] == "read":
            return READ, int(parts[1]), 0
        if len(parts) == 3 and parts[0] == "rec":
            return RECORD, int(parts[1]), int(parts[2])
    except ValueError:
        return None
    return None


def is_book(*, pages: int | None = None, words: int | None = None, book_pages: int, book_words: int) -> bool:
    """A document read by many workers: more pages than `book_pages`, or (without pages) more
    words than `book_words`."""
    return (pages is not None and pages > book_pages) or (words is not None and words > book_words)


def reading(pages: int, most: int, growth: int | None = None) -> list[Pages]:
    """The reading shards of a book of `pages` pages: the first page alone, so it is published as
    soon as it is read, then `most` at a time (each about the same worker time: books take turns
    by shard), so no shard grows with the book. `growth`: each shard that many times the one
    before, up to `most` (books planned before 2026-11-28 read 1, 2, 4... pages: growth 2; a
    text book's five short turns then lost it half its share beside a scan in bench.fair)."""
    out, first, size = [], 0, 1
    most = max(1, most)
    growth = most if growth is None else max(2, growth)
    while first < pages:
        end = min(pages, first + size)
        out.append(Pages(len(out), first, end))
        first, size = end, min(most, size * growth)
    return out


def reading_by_words(words: list[int], most: int) -> list[Pages]:
    """The reading shards of a document without pages (read whole already; its shards only
    publish and cut it into sections): runs of its sections of at most `most` words (a longer
    section alone), the first section alone, so its recording starts at once."""
    out, first = [], 0
    while first < len(words):
        end, total = first + 1, words[first]
        while out and end < len(words) and total + words[end] <= most:
            total += words[end]
            end += 1
        out.append(Pages(len(out), first, end))
        first = end
    return out


@dataclass(frozen=True)
class Unit:
    """A piece of spoken text that is never cut: a block of a page, or a run of a long block's
    lines (`lines` [from, to) of the block's own list; None: the whole block)."""
    page: int  # the book's page index
    block: int  # index into that page's blocks
    chars: int  # characters the voice says
    lines: tuple[int, int] | None = None
    span: tuple[int, int] = (-1, -1)  # the first and last of the page's lines it speaks


@dataclass(frozen=True)
class Section:
    """A recording shard: units spoken one after another, in text order."""
    units: tuple[Unit, ...]

    @property
    def chars(self) -> int:
        return sum(u.chars for u in self.units)

    def public(self) -> list[list[int]]:
        """As stored beside the reading shard: [page, block, chars, from, to, first line, last line]."""
        return [[u.page, u.block, u.chars, *(u.lines or (-1, -1)), *u.span] for u in self.units]

    @classmethod
    def load(cls, stored: Iterable[Iterable[int]]) -> Section:
        units = []
        for page, block, chars, start, stop, first, last in stored:
            units.append(Unit(int(page), int(block), int(chars), None if start < 0 else (int(start), int(stop)),
                              (int(first), int(last))))
        return cls(tuple(units))


def units_of(page_index: int, blocks: list[dict], line_chars: list[int], most: int) -> list[Unit]:
    """The spoken units of one page: each spoken block whole, or a block longer than `most`
    characters cut between its lines (a table stays whole: its rows are read with their headers).
    `line_chars[i]`: the characters of the page's line i."""
    out = []
    for b, block in enumerate(blocks):
        if not block.get("spoken", True):
            continue
        lines = list(block.get("lines") or [])
        sizes = [line_chars[i] + 1 if 0 <= i < len(line_chars) else 0 for i in lines]
        total = sum(sizes)
        if total <= most or block.get("role") == "table" or len(lines) < 2:
            out.append(Unit(page_index, b, max(total, 1), None, _span(lines)))
            continue
        start, run = 0, 0
        for k, size in enumerate(sizes):
            if run and run + size > most:
                out.append(Unit(page_index, b, run, (start, k), _span(lines[start:k])))
                start, run = k, 0
            run += size
        out.append(Unit(page_index, b, run, (start, len(lines)), _span(lines[start:])))
    return out


def _span(lines: list[int]) -> tuple[int, int]:
    return (min(lines), max(lines)) if lines else (-1, -1)


def sections(units: list[Unit], most: int, first_of_book: bool = False, listener: int | None = None,
             starts: Collection[int] = ()) -> list[Section]:
    """The recording sections of a reading shard's units, in order: each at most `most`
    characters (a unit longer than that is a section alone). The book's first sections are
    short (`first_of_book`), so its first words are heard seconds after its first page is read;
    so are those from unit `listener` on (where a listener is waiting) and from each unit in
    `starts` (a chapter's heading: where the outline sends a listener, who then waits for the
    section that starts there to be made, not for a whole section before it), each starting a
    section."""
    out: list[Section] = []
    run: list[Unit] = []
    chars, since = 0, 0 if first_of_book else None  # sections made since the last short start
    for i, unit in enumerate(units):
        if i == listener or i in starts:
            if run:
                out.append(Section(tuple(run)))
                run, chars = [], 0
            since = 0
        limit = most if since is None else min(most, (FIRST_SECTION_CHARS, SECOND_SECTION_CHARS, most)[min(since, 2)])
        if run and chars + unit.chars > limit:
            out.append(Section(tuple(run)))
            run, chars = [], 0
            since = None if since is None else since + 1
            limit = most if since is None else min(most, (FIRST_SECTION_CHARS, SECOND_SECTION_CHARS, most)[min(since, 2)])
        run.append(unit)
        chars += unit.chars
    if run:
        out.append(Section(tuple(run)))
    return out


def unit_at(units: list[Unit], place: dict | None) -> int | None:
    """The index of the unit speaking `place`'s line, else of the first heard after it."""
    return section_at([Section((u,)) for u in units], place)


def section_at(cut: list[Section], place: dict | None) -> int | None:
    """The index of the section in `cut` that speaks `place` ({"page", "line", "word"}): the one
    holding its page's block of that line, else the first after it; None when none does."""
    if not place:
        return None
    page, line = int(place.get("page", -1)), int(place.get("line", 0))
    after = None
    for k, section in enumerate(cut):
        for unit in section.units:
            if unit.page == page and unit.span[0] <= line <= unit.span[1]:
                return k
            if after is None and (unit.page > page or (unit.page == page and unit.span[0] > line)):
                after = k  # the place is not spoken (a skipped block): what is heard next
    return after


# --- Recording on demand --------------------------------------------------------------------
# A book's recording is made where someone listens: from a place, the sections of the next
# minutes of speech (settings.books.record_ahead_seconds), the rest when an export asks for it.

# Characters the default voice says in a second: a 1,200-character section is ~75 s (piper's joe
# voice at its own pace; only used to turn a setting's minutes into characters).
SPOKEN_CHARS_PER_SECOND = 16


def ahead_chars(seconds: float) -> int:
    return max(1, int(seconds * SPOKEN_CHARS_PER_SECOND))


def ahead(section_chars: dict[int, list[int]], start: tuple[int, int], budget: int | None) -> list[tuple[int, int]]:
    """The sections (reading shard, section) from `start` on, in text order, until `budget`
    characters are covered (None: to the end). `section_chars[r]`: the characters of reading
    shard r's sections, for the shards read so far; a shard not read yet stops the walk (its end
    asks again from where it sits)."""
    out: list[tuple[int, int]] = []
    r, k = start
    left = budget
    while r in section_chars:
        sizes = section_chars[r]
        while k < len(sizes):
            if left is not None and left <= 0:
                return out
            out.append((r, k))
            if left is not None:
                left -= max(1, int(sizes[k]))
            k += 1
        r, k = r + 1, 0
    return out


@dataclass(frozen=True)
class Progress:
    """How far a book is (CONTRACTS section 15's `document.progress`)."""
    pages_read: int
    pages: int
    seconds_recorded: float
    chars_recorded: int
    chars: int  # characters to speak in what is read so far
    started: float  # when reading began (seconds, any clock)
    now: float

    def public(self) -> dict:
        out = {"pages_read": self.pages_read, "pages": self.pages, "seconds_recorded": round(self.seconds_recorded, 1)}
        estimated = self.seconds_estimated()
        if estimated is not None:
            out["seconds_estimated"] = round(estimated, 1)
        left = self.seconds_left()
        if left is not None:
            out["seconds_left"] = left
        return out

    def seconds_estimated(self) -> float | None:
        """The whole recording's length: seconds per character so far, times the characters
        the whole book will have (those read, scaled to every page)."""
        if self.chars_recorded <= 0 or self.pages_read <= 0:
            return None
        per_char = self.seconds_recorded / self.chars_recorded
        return per_char * self.chars * self.pages / self.pages_read

    def seconds_left(self) -> int | None:
        """Wall time left until the book is read, at the pace its pages were read since reading
        began. Its recording is made where someone listens (a few minutes ahead of them), not
        whole, so reading is what a book's job waits for; None before a page is read."""
        elapsed = max(0.0, self.now - self.started)
        if self.pages_read <= 0 or elapsed <= 0:
            return None
        return int(round(elapsed * max(0, self.pages - self.pages_read) / self.pages_read))


# --- Long recordings -----------------------------------------------------------------------
# A recording past settings.books.recording_book_seconds is cut into *windows* (a reading shard
# each: `read-0003` transcribes the fourth), 30 s, 60 s, 120 s... then `most` seconds at a time,
# so the first minute's text comes as fast as a short clip's. Each cut falls in a pause (the
# longest quiet run near where the window should end), never inside a word: every word is in
# exactly one window, so the joined transcript loses and doubles nothing at a seam.

FIRST_WINDOW_S = 30.0
QUIET = 0.3  # a frame whose speech probability (Silero) is under this is quiet


def windows(voiced, frame_s: float, duration: float, *, most: float, slack: float,
            first: float = FIRST_WINDOW_S) -> list[tuple[float, float]]:
    """The windows [start, end) seconds of a recording of `duration` seconds. `voiced(lo, hi)`:
    the speech probability of frames lo..hi-1 (frames of `frame_s` seconds), asked only where a
    window may end. A window ends in the longest quiet run of the `slack` seconds (a quarter of
    the window at most) before its length is reached (at its middle; the quietest frame when
    nothing there is quiet); the last window takes up to `slack` more rather than leave a
    sliver."""
    import numpy as np

    out: list[tuple[float, float]] = []
    start, size = 0.0, min(first, most)
    while True:
        give = min(slack, size / 4)
        if duration - start <= size + give:
            out.append((start, duration))
            return out
        lo, hi = int(round((start + size - give) / frame_s)), int(round((start + size) / frame_s))
        cut = (lo + _cut(np.asarray(voiced(lo, hi), dtype=np.float32).reshape(-1))) * frame_s
        cut = min(max(cut, start + frame_s), duration)
        out.append((start, cut))
        start, size = cut, min(most, size * 2)


def _cut(span) -> int:
    """Where to cut in `span` (speech probabilities): the middle of its longest quiet run (the
    later one of equals), else its quietest frame (the last of equals)."""
    import numpy as np

    if not len(span):
        return 0
    best, best_len, run_start = None, 0, None
    for i, q in enumerate(np.append(span < QUIET, False)):
        if q and run_start is None:
            run_start = i
        elif not q and run_start is not None:
            if i - run_start >= best_len:
                best, best_len = (run_start + i) // 2, i - run_start
            run_start = None
    if best is not None:
        return best
    return int(len(span) - 1 - np.argmin(span[::-1]))


# A long recording's chapters start at its windows (each cut at the longest pause near its
# length), at least CHAPTER_MIN_S apart: a two-hour lecture gets an outline of ~25 entries, each
# titled by its first words.
CHAPTER_MIN_S = 240.0
TITLE_WORDS = 8


def opening(text: str) -> str:
    """A chapter's title: its first words, to its first sentence's end when that comes within
    them (no ellipsis after a full stop)."""
    words = text.split()
    for k, word in enumerate(words[:TITLE_WORDS]):
        if word.endswith((".", "?", "!")):
            return " ".join(words[:k + 1])
    return " ".join(words[:TITLE_WORDS]) + ("…" if len(words) > TITLE_WORDS else "")


def chapters(starts: list[tuple[float, int, str]]) -> list[dict]:
    """A long recording's chapters from its windows' (start seconds, first segment index, first
    words), in order: one at the first window with words, then at each window starting at least
    CHAPTER_MIN_S after the last chapter."""
    out: list[dict] = []
    for start, segment, words in starts:
        if not words or (out and start - out[-1]["start"] < CHAPTER_MIN_S):
            continue
        out.append({"title": opening(words), "level": 1, "start": round(float(start), 2), "segment": segment})
    return out
