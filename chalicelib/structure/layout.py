"""One page's structure: its lines grouped into blocks, each with a role, in reading order.

The same analysis serves lines from a PDF's text layer and lines read by OCR from an image;
what differs is what is known of each line (`Hints`): a text layer knows its font's size and
weight, and marks running headers and footers as artifacts when it is tagged; OCR knows only
the line's height. Everything is measured in the text's own frame (a photo taken at an angle is
turned level first), in units of the page's body text height, so the rules read the same at
any resolution.

Steps (docTR's predictor shape: preprocess, model, postprocess; here every step is geometry):
1. tables: runs of rows whose cells line up in three or more columns (or two of short cells);
2. blocks: each remaining line joins the block right above it when it is close, overlaps it,
   and has the same size and weight (a heading never runs into its paragraph), unless it opens
   a list item;
3. roles: furniture by position, size and pattern (`furniture.py`), footnotes (small type under
   the body, opened by a marker), headings (larger or bolder than the body, short), list items,
   captions;
4. order: recursive XY-cut over the blocks (columns left to right, bands top to bottom), where
   bands that share their columns are read as one set of columns.
"""
from __future__ import annotations

import bisect
import math
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from chalicelib.geometry import bounds, rect
from chalicelib.structure import furniture, roles

# Page zones, as fractions of the page's height.
HEAD_ZONE = 0.11
FOOT_ZONE = 0.885
# Block grouping, in units of the lines' height.
LINE_GAP = 0.75  # the widest vertical gap between two lines of one block
SAME_SIZE = 0.18  # relative difference in height still read as the same type size
FONT_SIZE = 0.12  # the same between a text layer's font sizes: exact, not measured on ink
# Headings: this much taller than the body, or bold at body size; at most this long.
HEADING_SIZE = 1.18
OCR_HEADING_SIZE = 1.3
INK_HEADING_SIZE = 1.18
HEADING_MAX_LINES = 3
HEADING_MAX_CHARS = 160
# Footnotes: at most this size relative to the body.
FOOTNOTE_SIZE = 0.93
LEVEL_DEGREES = 3.0

BULLET = re.compile(r"^(?:[•◦▪▫●○■□►▶–—\-*·‣⁃]|\(?(?:\d{1,3}|[a-zA-Z]|[ivxlc]{1,5})[.)])(?=\s|$)")
CAPTION = re.compile(r"^(?:fig(?:ure)?|table|chart|graph|exhibit|plate|map|photo|diagram|illustration|box)\.?\s*"
                     r"(?:\d+|[ivxlc]+\b|[a-z]\b)", re.IGNORECASE)
FOOTNOTE_MARK = re.compile(r"^(?:\d{1,3}[.)]?|[*†‡§¶]+|[¹²³⁴⁵⁶⁷⁸⁹⁰]+)(?=\s|[A-Za-z(\"“<])")
CHAPTER_LINE = re.compile(r"^(?:chapter|part|appendix|section|unit|lesson)\s+[\w.]{1,8}\.?$", re.IGNORECASE)
NOTE = re.compile(r"^(?:sources?|notes?)\s*:", re.IGNORECASE)
BARE_MARK = re.compile(r"^\d{1,3}\.?\s+[A-Z“\"<(]")
FOOT_NOTES = 0.75
SMALLER = 0.97
NUMBERED_HEADING = re.compile(r"^(?:(?:chapter|section|part|appendix|unit|lesson)\s+\w+|\d{1,2}(?:\.\d{1,2}){0,3}\.?\s+\S)",
                              re.IGNORECASE)


@dataclass
class Hints:
    """What is known of a line beside its words: its type size (pixels), whether it is bold,
    whether a tagged PDF marks it as an artifact (page furniture), and its structure tag.
    `ink`: size and weight were measured on a scan's ink (structure/ink.py), to a few percent
    (a line of capitals a little smaller than it is), not read from a font. `figure`: the line
    lies among a drawing's ink on a scan (a chart's or a map's label, never a heading). `keyed`:
    the line is a legend's or a list's item marked by a drawn key OCR did not read (a coloured
    dot), as its neighbours are: never a heading."""
    size: float | None = None
    bold: bool | None = None
    artifact: bool = False
    tag: str | None = None
    ink: bool = False
    figure: bool = False
    keyed: bool = False


@dataclass
class Cell:
    row: int
    col: int
    header: bool
    lines: list[int]

    def export(self) -> dict:
        return {"row": self.row, "col": self.col, "header": self.header, "lines": list(self.lines)}


@dataclass
class Block:
    role: str
    lines: list[int]  # indices into the page's lines, in reading order
    box: tuple[float, float, float, float] | None  # image pixels (x0, y0, x1, y1)
    level: int | None = None
    spoken: bool = True
    cells: list[Cell] | None = None

    def export(self) -> dict:
        out: dict = {"role": self.role}
        if self.level is not None:
            out["level"] = self.level
        out["lines"] = list(self.lines)
        out["spoken"] = self.spoken
        out["box"] = None if self.box is None else rect(*self.box)
        if self.cells is not None:
            out["cells"] = [c.export() for c in self.cells]
            out["rows"] = 1 + max((c.row for c in self.cells), default=-1)
            out["cols"] = 1 + max((c.col for c in self.cells), default=-1)
        return out


@dataclass
class _Line:
    index: int
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    size: float
    hints: Hints
    box: tuple[float, float, float, float] = field(default=(0, 0, 0, 0))  # image pixels

    @property
    def h(self) -> float:
        return max(1.0, self.y1 - self.y0)

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


@dataclass
class Layout:
    order: list[int]  # the page's line indices in reading order
    blocks: list[Block]  # their `lines` index into the page's lines as they are (not `order`)


def analyse(lines: Sequence[dict], width: int, height: int, hints: Sequence[Hints] | None = None,
            *, page_index: int = 0, figures: Sequence[tuple[float, float, float, float]] = (),
            model: roles.Model | None | str = "settings", seen: list | None = None) -> Layout:
    """CONTRACTS section 1 lines of one page -> its blocks in reading order. `hints[i]` is
    what is known of line i beyond its box; `figures` are the boxes of the page's pictures
    (a text layer's images), whose own text is part of them. `model`: what weighs headings and
    footnotes after the rules (roles.py; "settings": the one the settings name, None: the rules
    alone). `seen`, when given, gets (block, its measurements) for every block the model weighs
    (training/layout_roles reads them), with the rules' roles."""
    if model == "settings":
        model = roles.current()
    hints = list(hints) if hints is not None else [Hints() for _ in lines]
    if not lines:
        return Layout([], [Block("figure", [], f) for f in figures])
    angle = _page_angle(lines)
    items = [_frame_line(i, ln, hints[i], angle) for i, ln in enumerate(lines)]
    top, bottom = _frame_extent(width, height, angle)
    body = _body_size(items)
    in_figure, figure_blocks = _figures(items, figures, angle)
    rest = [ln for ln in items if ln.index not in in_figure]
    tables, rest = _tables(rest, body)
    blocks = tables + _group(rest, body) + figure_blocks
    for block, members in ((b, [items[i] for i in b.lines]) for b in blocks):
        block.box = _image_box(members) if members else block.box
    frame_boxes = {id(b): _frame_box([items[i] for i in b.lines]) if b.lines else
                   _rotate_box(b.box, angle) for b in blocks}
    _roles(blocks, items, body, top, bottom, frame_boxes, page_index, model, seen)
    ordered = xy_cut(blocks, lambda b: frame_boxes[id(b)], body)
    order = [i for b in ordered for i in b.lines]
    return Layout(order, ordered)


# ---------------------------------------------------------------- the text's frame


def _page_angle(lines: Sequence[dict]) -> float:
    """The page's reading direction (radians): the mean of its lines' top edges, weighted by
    length; within LEVEL_DEGREES of level it is level (a scan keeps exact top-to-bottom)."""
    sx = sy = 0.0
    for ln in lines:
        (ax, ay), (bx, by) = ln["box"][0], ln["box"][1]
        sx, sy = sx + (bx - ax), sy + (by - ay)
    angle = math.atan2(sy, sx) if (sx or sy) else 0.0
    return 0.0 if abs(math.degrees(angle)) < LEVEL_DEGREES else angle


def _rotate(x: float, y: float, angle: float) -> tuple[float, float]:
    c, s = math.cos(angle), math.sin(angle)
    return x * c + y * s, -x * s + y * c


def _rotate_box(box, angle: float):
    if box is None or not angle:
        return box
    x0, y0, x1, y1 = box
    pts = [_rotate(x, y, angle) for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1))]
    xs, ys = zip(*pts)
    return min(xs), min(ys), max(xs), max(ys)


def _frame_line(i: int, line: dict, hints: Hints, angle: float) -> _Line:
    pts = [_rotate(x, y, angle) for x, y in line["box"]]
    xs, ys = zip(*pts)
    x0, y0, x1, y1 = min(xs), min(ys), max(xs), max(ys)
    size = hints.size if hints.size else (y1 - y0)
    return _Line(i, line["text"], x0, y0, x1, y1, float(size), hints, bounds(line["box"]))


def _frame_extent(width: int, height: int, angle: float) -> tuple[float, float]:
    _, top, _, bottom = _rotate_box((0, 0, width, height), angle) if angle else (0, 0, width, height)
    return top, bottom


def _frame_box(members: list[_Line]) -> tuple[float, float, float, float]:
    return (min(m.x0 for m in members), min(m.y0 for m in members),
            max(m.x1 for m in members), max(m.y1 for m in members))


def _image_box(members: list[_Line]) -> tuple[float, float, float, float]:
    return (min(m.box[0] for m in members), min(m.box[1] for m in members),
            max(m.box[2] for m in members), max(m.box[3] for m in members))


def _body_size(items: list[_Line]) -> float:
    """The body text's type size: the median size of the page's characters in lines of running
    text (a chart's labels are not; OCR's line heights vary by a few pixels around it)."""
    running = [ln for ln in items if len(ln.text.split()) >= 4] or items
    weighted = sorted((ln.size, len(ln.text)) for ln in running)
    half, seen = sum(w for _, w in weighted) / 2, 0
    for size, w in weighted:
        seen += w
        if seen >= half:
            return max(1.0, size)
    return 1.0


# ---------------------------------------------------------------- figures and tables


def _figures(items: list[_Line], figures, angle: float) -> tuple[set[int], list[Block]]:
    """Pictures big enough to matter, each a `figure` block holding the lines drawn inside it
    (a chart's labels): they are said as "Figure", with their caption, not read out."""
    taken: set[int] = set()
    blocks = []
    for box in figures:
        fx0, fy0, fx1, fy1 = _rotate_box(box, angle)
        inside = [ln.index for ln in items if ln.index not in taken and fx0 - 2 <= ln.x0 and ln.x1 <= fx1 + 2
                  and fy0 - 2 <= ln.y0 and ln.y1 <= fy1 + 2]
        taken |= set(inside)
        blocks.append(Block("figure", inside, box))
    return taken, blocks


def _rows(items: list[_Line]) -> list[list[_Line]]:
    """Lines sharing a baseline band, top to bottom, each left to right."""
    rows: list[list[_Line]] = []
    y0 = y1 = 0.0
    for ln in sorted(items, key=lambda m: m.cy):
        if rows and min(y1, ln.y1) - max(y0, ln.y0) > 0.5 * min(ln.h, y1 - y0):
            rows[-1].append(ln)
            y0, y1 = min(y0, ln.y0), max(y1, ln.y1)
            continue
        rows.append([ln])
        y0, y1 = ln.y0, ln.y1
    return [sorted(r, key=lambda m: m.x0) for r in rows]


def _tables(items: list[_Line], body: float) -> tuple[list[Block], list[_Line]]:
    """Runs of consecutive rows of several cells whose columns line up: `table` blocks, read
    row by row (CONTRACTS section 13's `cells`). A short line alone in its row inside such a
    run is a cell's wrapped text and joins the cell above it. Two side-by-side columns of
    running text are not a table: two-column runs need short cells."""
    rows = _rows(items)
    tables: list[Block] = []
    used: set[int] = set()
    i = 0
    while i < len(rows):
        if not _multi(rows[i]):
            i += 1
            continue
        j = i + 1
        while j < len(rows) and (_multi(rows[j]) or _wrapped(rows[j])) and _close(rows[j - 1], rows[j], body):
            j += 1
        while j > i and not _multi(rows[j - 1]):
            j -= 1  # a run ends on a row of cells
        run = rows[i:j]
        cols = _columns(run, body) if sum(map(_multi, run)) >= 3 else None
        if cols is not None:
            cells = _cells(run, cols)
            used |= {k for c in cells for k in c.lines}
            tables.append(Block("table", [k for c in cells for k in c.lines], None, cells=cells))
            i = j
        else:
            i = j if sum(map(_multi, run)) >= 3 else i + 1  # no table starts inside columns of text
    return tables, [ln for ln in items if ln.index not in used]


def _multi(row: list[_Line]) -> bool:
    return 2 <= len(row) <= MAX_TABLE_COLS


def _wrapped(row: list[_Line]) -> bool:
    return len(row) == 1 and len(row[0].text.split()) <= 4


def _flowing(cells: list[_Line], cols: list) -> bool:
    """A column whose lines mostly run on into the next (the next starts in lower case) is
    running text: a sidebar beside the main text, not a table's column."""
    by_col: dict[int, list[_Line]] = {}
    for ln in cells:
        by_col.setdefault(min(range(len(cols)), key=lambda k: _col_distance(ln, cols[k])), []).append(ln)
    for lines in by_col.values():
        lines.sort(key=lambda m: m.y0)
        pairs = list(zip(lines, lines[1:]))
        if len(pairs) >= 3 and sum(b.text[:1].islower() for _, b in pairs) >= 0.5 * len(pairs):
            return True
    return False


def _cells(run: list[list[_Line]], cols: list) -> list[Cell]:
    """Each line to its column; a lone line continues the cell above it in its column."""
    cells: list[Cell] = []
    r = -1
    for row in run:
        if _multi(row) or r < 0:
            r += 1
        for ln in row:
            col = min(range(len(cols)), key=lambda k: _col_distance(ln, cols[k]))
            above = next((c for c in reversed(cells) if c.col == col and c.row == r), None)
            if above is not None:
                above.lines.append(ln.index)
            else:
                cells.append(Cell(r, col, r == 0, [ln.index]))
    cells.sort(key=lambda c: (c.row, c.col))
    return cells


MAX_TABLE_COLS = 40
CELL_CHARS = 28  # a table's cells are short: the median line of a text column is longer


def _close(a: list[_Line], b: list[_Line], body: float) -> bool:
    gap = min(m.y0 for m in b) - max(m.y1 for m in a)
    return gap < 1.6 * body


def _col_distance(ln: _Line, col: tuple[float, float]) -> float:
    a, b = col
    return max(0.0, a - ln.x1, ln.x0 - b)


def _columns(run: list[list[_Line]], body: float) -> list[tuple[float, float]] | None:
    """The column spans of a table-like run: x-ranges that every row's cells fall into, found
    as the gaps no cell crosses; None when it does not look like a table."""
    cells = [ln for row in run for ln in row]
    spans = sorted((ln.x0, ln.x1) for ln in cells)
    merged: list[list[float]] = []
    for a, b in spans:
        if merged and a < merged[-1][1] + 0.3 * body:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    if len(merged) < 2:
        return None
    width = merged[-1][1] - merged[0][0]
    # Each row must fill at least two columns; most rows most of them.
    filled = [len({min(range(len(merged)), key=lambda k: _col_distance(ln, merged[k])) for ln in row})
              for row in run if _multi(row)]
    if sum(f >= 2 for f in filled) < 0.8 * len(filled):
        return None
    chars = statistics.median(len(ln.text) for ln in cells)
    if chars > CELL_CHARS or _flowing(cells, merged):
        return None  # columns of running text
    if len(merged) == 2:
        median = statistics.median(ln.x1 - ln.x0 for ln in cells)
        words = statistics.median(len(ln.text.split()) for ln in cells)
        if median > 0.3 * width or words > 4:
            return None  # two columns of running text, or a form's label and value
    elif statistics.median(len(ln.text.split()) for ln in cells) > 6:
        return None
    return [(a, b) for a, b in merged]


# ---------------------------------------------------------------- blocks


def _markers(items: list[_Line], body: float) -> dict[int, _Line]:
    """Section numbers and note markers that OCR read as lines of their own ("11", "4.1",
    "IV.", "*") beside the text they open on the same row: {the text's line index: its marker}.
    The marker takes its text's size and weight (a bold heading's "3" is as bold as its words,
    an old-style "11" shorter)."""
    out: dict[int, _Line] = {}
    for row in _rows(items):
        for a, b in zip(row, row[1:]):
            if MARKER_LINE.match(a.text.strip()) and not MARKER_LINE.match(b.text.strip()) and \
                    b.x0 > (a.x0 + a.x1) / 2 and b.x0 - a.x1 < MARKER_GAP * body and b.index not in out:
                a.size, a.hints = b.size, b.hints
                out[b.index] = a
    return out


MARKER_LINE = re.compile(r"^(?:\d{1,3}(?:\.\d{1,3}){0,3}\.?|[IVXLC]{1,6}\.|[A-Z]\.|[*†‡§¶]{1,3}|[¹²³⁴⁵⁶⁷⁸⁹⁰]{1,3})$")
MARKER_GAP = 3.0  # the widest gap between a marker and its text, in body heights


def _group(items: list[_Line], body: float) -> list[Block]:
    """Lines into blocks: each line joins the block whose last line is right above it. Only
    blocks whose last line ends within reach of the current line are looked at, so a page of
    thousands of lines is read in about linear time. A marker read apart from its text
    (`_markers`) goes with it."""
    markers = _markers(items, body)
    taken = {id(m) for m in markers.values()}
    blocks = _group_lines([m for m in items if id(m) not in taken], body)
    for block in blocks:
        block.lines = [k for i in block.lines for k in ((markers[i].index, i) if i in markers else (i,))]
    return blocks


def _group_lines(items: list[_Line], body: float) -> list[Block]:
    ordered = sorted(items, key=lambda m: (m.y0, m.x0))
    tops = [m.y0 for m in ordered]
    blocks: list[list[_Line]] = []
    open_blocks: list[list[_Line]] = []
    for ln in ordered:
        reach = LINE_GAP * ln.h
        open_blocks = [b for b in open_blocks if ln.y0 - b[-1].y1 <= max(reach, LINE_GAP * b[-1].h)][-OPEN_BLOCKS:]
        best, best_gap = None, None
        for members in open_blocks:
            last = members[-1]
            gap = ln.y0 - last.y1
            h = min(ln.h, last.h)
            if gap > LINE_GAP * h or gap < -0.5 * h:
                continue
            if min(ln.x1, last.x1) - max(ln.x0, last.x0) <= 0.1 * min(ln.x1 - ln.x0, last.x1 - last.x0):
                continue
            same = FONT_SIZE if ln.hints.size is not None and last.hints.size is not None and not ln.hints.ink \
                and not last.hints.ink else SAME_SIZE
            if abs(ln.size - last.size) > same * max(ln.size, last.size):
                continue
            if ln.hints.bold is not None and last.hints.bold is not None and ln.hints.bold != last.hints.bold:
                continue
            if ln.hints.artifact != last.hints.artifact:
                continue
            if _opens_item(ln.text, members[0].text):
                continue  # a new list item
            if _capitals(ln.text) != _capitals(last.text):
                continue  # a heading in capitals over its paragraph
            if _blocked(last, ln, ordered, tops):
                continue
            if best_gap is None or gap < best_gap:
                best, best_gap = members, gap
        if best is None:
            best = [ln]
            blocks.append(best)
        else:
            best.append(ln)
            open_blocks.remove(best)
        open_blocks.append(best)
    return [Block("paragraph", [m.index for m in members], None) for members in blocks]


OPEN_BLOCKS = 64  # blocks a line may join: more than any page's columns


def _capitals(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 6 and len(text.split()) >= 2 and sum(c.isupper() for c in letters) >= 0.9 * len(letters)


def _opens_item(text: str, first: str) -> bool:
    """A line opens a new list item: it starts with an enumerator, or with the bullet that
    opened the block (a dash opening a line is often a wrapped "51 - 99")."""
    mark = BULLET.match(text)
    if not mark:
        return False
    if mark.group(0) in "–—-":
        return first.startswith(mark.group(0))
    return True


def _blocked(upper: _Line, lower: _Line, ordered: list[_Line], tops: list[float]) -> bool:
    """Another line sits between the two (they are not neighbours)."""
    x0, x1 = max(upper.x0, lower.x0), min(upper.x1, lower.x1)
    start = bisect.bisect_left(tops, upper.y1 - 1)
    for m in ordered[start:bisect.bisect_right(tops, lower.y0 + 1)][:MAX_BETWEEN]:
        if m is not upper and m is not lower and m.y1 <= lower.y0 + 1 and min(m.x1, x1) > max(m.x0, x0):
            return True
    return False


MAX_BETWEEN = 200


# ---------------------------------------------------------------- roles


def _roles(blocks: list[Block], items: list[_Line], body: float, top: float, bottom: float,
           boxes: dict, page_index: int, model: roles.Model | None = None, seen: list | None = None) -> None:
    page_h = max(1.0, bottom - top)
    _join_captions(blocks, items, boxes, body)
    texts = {id(b): " ".join(items[i].text for i in b.lines) for b in blocks}
    # Furniture is looked for among the blocks nearest the page's top and bottom edges only.
    with_text = [b for b in blocks if b.lines and b.role != "figure"]
    edges = {id(b) for b in sorted(with_text, key=lambda b: boxes[id(b)][3])[:EDGE_BLOCKS]} | \
            {id(b) for b in sorted(with_text, key=lambda b: -boxes[id(b)][1])[:EDGE_BLOCKS]}
    figures = [boxes[id(b)] for b in blocks if b.role == "figure" and boxes[id(b)] is not None]
    # Position tells furniture only on a page of running text (a book's page, a report's): on a
    # photo of a sign or a street, the word at the top edge is the sign's.
    if sum(len(ln.text.split()) >= 4 for ln in items) < RUNNING_LINES:
        edges = {id(b) for b in with_text if all(items[i].hints.artifact for i in b.lines)}
    numbers = [boxes[id(b)] for b in with_text if id(b) in edges and furniture.is_page_number(texts[id(b)])]
    letters = [c for ln in items for c in ln.text if c.isalpha()]
    caps = sum(c.isupper() for c in letters) / max(1, len(letters))
    bold = _bold_share(items)
    body_blocks = []
    for b in blocks:
        if b.role in ("table", "figure"):
            continue
        members = [items[i] for i in b.lines]
        text = texts[id(b)]
        box = boxes[id(b)]
        rel_top, rel_bottom = (box[1] - top) / page_h, (box[3] - top) / page_h
        size = statistics.median(m.size for m in members)
        if id(b) in edges and _furniture(b, members, text, box, size, body, rel_top, rel_bottom, blocks, boxes,
                                         figures, numbers):
            b.role = furniture.role_of(text, "head" if rel_top < 0.5 else "foot")
            continue
        if CAPTION.match(text) and len(members) <= 4:
            b.role = "caption"
        elif BULLET.match(text) and not _heading_like(members, text, body, caps, bold):
            b.role = "list-item"
        elif _heading_like(members, text, body, caps, bold):
            b.role = "heading"
        body_blocks.append(b)
    body_blocks += _heads_not_headers(blocks, body_blocks, items, boxes, texts, body, caps, bold)
    _runs_on(body_blocks, items, boxes, texts, body)
    _chart_labels(body_blocks, items, boxes, body, figures)
    _side_by_side_headings(body_blocks, boxes, body, items)
    _heading_runs(body_blocks, boxes)
    _field_labels(body_blocks, texts)
    _footnotes(body_blocks, items, body, boxes, texts, top, page_h)
    if (model is not None or seen is not None) and len(body_blocks) <= MODEL_BLOCKS:
        _weigh(body_blocks, blocks, items, body, boxes, texts, top, page_h, caps, model, seen)
    _heading_levels(blocks, items, body, page_index)


MODEL_BLOCKS = 400  # its measurements compare blocks pairwise: a page of more keeps the rules' roles


def _weigh(candidates: list[Block], blocks: list[Block], items: list[_Line], body: float, boxes: dict, texts: dict,
           top: float, page_h: float, caps_page: float, model: roles.Model | None, seen: list | None) -> None:
    """The model's say on each body block: a heading, a footnote, or neither (then a heading or
    footnote of the rules' becomes a paragraph, or a list item when it opens like one). A block
    tagged as a heading by its PDF stays one."""
    weighed = [b for b in candidates if b.lines and b.role in WEIGHED and not items[b.lines[0]].hints.tag]
    if not weighed:
        return
    left = min(boxes[id(b)][0] for b in blocks if b.lines)
    right = max(boxes[id(b)][2] for b in blocks if b.lines)
    largest = max(statistics.median(items[i].size for i in b.lines) for b in weighed)
    measured = [(b, _features(b, blocks, items, body, boxes, texts[id(b)], top, page_h, left, right, caps_page,
                              largest)) for b in weighed]
    if seen is not None:
        seen += [(b, x) for b, x in measured]
    if model is None:
        return
    for b, x in measured:
        p = model.probabilities(x)
        heading = p["heading"] >= model.heading.threshold
        footnote = p["footnote"] >= model.footnote.threshold
        if heading and footnote:  # the surer one, by its margin over its threshold
            heading = p["heading"] - model.heading.threshold >= p["footnote"] - model.footnote.threshold
            footnote = not heading
        if heading:
            b.role = "heading"
        elif footnote:
            b.role = "footnote"
        elif b.role in ("heading", "footnote"):
            b.role = "list-item" if BULLET.match(texts[id(b)]) else "paragraph"


WEIGHED = ("paragraph", "list-item", "heading", "footnote")


def _features(b: Block, blocks: list[Block], items: list[_Line], body: float, boxes: dict, text: str, top: float,
              page_h: float, left: float, right: float, caps_page: float, largest: float) -> list[float]:
    """A block's measurements in roles.FEATURES' order, in units of the page's body text."""
    members = [items[i] for i in b.lines]
    size = statistics.median(m.size for m in members)
    x0, y0, x1, y1 = boxes[id(b)]
    span = max(1.0, right - left)
    words = text.split()
    letters = [c for c in text if c.isalpha()]
    end = text.rstrip()
    above = below = GAP_CAP
    body_below = beside = False
    for o in blocks:
        if o is b or not o.lines:
            continue
        ox0, oy0, ox1, oy1 = boxes[id(o)]
        if min(oy1, y1) - max(oy0, y0) > 0.5 * (y1 - y0):
            beside = True  # a table row's label, a slide's column heading
        if min(ox1, x1) <= max(ox0, x0):
            continue
        if oy1 <= y0 + 0.3 * body:
            above = min(above, max(0.0, y0 - oy1) / body)
        if oy0 >= y1 - 0.3 * body:
            below = min(below, max(0.0, oy0 - y1) / body)
            if o.role in ("paragraph", "list-item", "heading") and \
                    statistics.median(items[i].size for i in o.lines) > FOOTNOTE_SIZE * body:
                body_below = True
    hints = members[0].hints
    flag = float
    return [math.log(size / body), flag(size >= HEADING_SIZE * body), flag(size <= FOOTNOTE_SIZE * body),
            flag(all(m.hints.bold for m in members)), flag(any(m.hints.bold is not None for m in members)),
            min(len(members), 6) / 6, math.log1p(len(text)) / 6, min(len(words), 40) / 40,
            flag(end.endswith(".")), flag(end.endswith(":")), flag(end.endswith((",", ";"))),
            flag(bool(NUMBERED_HEADING.match(text))), flag(bool(CHAPTER_LINE.match(text))),
            flag(bool(BULLET.match(text))),
            sum(c.isupper() for c in letters) / max(1, len(letters)),
            sum(w[:1].isupper() for w in words) / max(1, len(words)), flag(text[:1].islower()),
            sum(c.isdigit() for c in text) / max(1, len(text)),
            (y0 - top) / page_h, (y1 - top) / page_h, flag((y0 - top) / page_h > FOOT_NOTES),
            math.log1p(above) / math.log1p(GAP_CAP), math.log1p(below) / math.log1p(GAP_CAP),
            (x1 - x0) / span, abs((x0 + x1) / 2 - (left + right) / 2) / span, (x0 - left) / span,
            flag(bool(FOOTNOTE_MARK.match(text))), flag(bool(BARE_MARK.match(text))), flag(body_below),
            flag(hints.size is None and not hints.ink), flag(hints.ink),
            flag(b.role == "heading"), flag(b.role == "footnote"),
            flag(_sentence_like(members, text, size, body)), flag(b.role == "list-item"),
            flag(bool(CAPTION.match(text))), flag(_heading_like(members, text, body, caps_page)), flag(beside),
            flag(size >= 0.97 * largest)]


GAP_CAP = 8.0  # gaps wider than this many body heights say nothing more


def _furniture(b: Block, members: list[_Line], text: str, box, size: float, body: float, rel_top: float,
               rel_bottom: float, blocks: list[Block], boxes: dict, figures: list, numbers: list) -> bool:
    """A running header, footer or page number, told on this page alone: a tagged PDF's
    artifact in a margin, or a short block between the body and the page's edge in body size or
    smaller, a page number, or beside one."""
    if CAPTION.match(text) or any(_just_under(box, f, body) for f in figures):
        return False
    if FOOTNOTE_MARK.match(text) and len(text.split()) >= 6 and not furniture.looks_running(text):
        return False  # a footnote at the page's foot
    if all(m.hints.artifact for m in members) and size <= 1.15 * body and \
            (rel_bottom < 2 * HEAD_ZONE or rel_top > 1 - 2 * (1 - FOOT_ZONE)):
        return True  # producers also mark big headings and decorations as artifacts: those are not
    zone = "head" if rel_bottom < HEAD_ZONE else "foot" if rel_top > FOOT_ZONE else None
    if zone is None or len(members) > 2 or not _edge_block(b, blocks, boxes, zone):
        return False
    return furniture.is_page_number(text) or (_frames_body(b, box, zone, blocks, boxes) and
                                              _looks_furniture(text, box, size, body, zone, rel_top, rel_bottom, numbers))


def _frames_body(b: Block, box, zone: str, blocks: list[Block], boxes: dict) -> bool:
    """Furniture frames a page's body: a page whose only text is at its top is that text."""
    for o in blocks:
        if o is b or not o.lines or o.role == "figure":
            continue
        other = boxes[id(o)]
        if (other[1] >= box[3]) if zone == "head" else (other[3] <= box[1]):
            return True
    return False


def _looks_furniture(text: str, box, size: float, body: float, zone: str, rel_top: float, rel_bottom: float,
                     numbers: list) -> bool:
    """Body size or smaller, a running title's pattern, beside a page number, or a logo's name at
    the very edge; a running header is a title, not a sentence (a footer may be: a disclaimer)."""
    if zone == "head" and text.rstrip().endswith((".", "!", "?")):
        return False
    words = len(text.split())
    beside_number = any(n is not box and min(n[3], box[3]) - max(n[1], box[1]) > 0 for n in numbers)
    return (size <= 1.08 * body or furniture.looks_running(text)
            or (beside_number and size <= 2.5 * body and words <= 12)
            or (zone == "head" and rel_bottom < TOP_EDGE and (size <= 1.3 * body and words <= 12 or words <= 3))
            or (zone == "foot" and rel_top > 1 - TOP_EDGE and words <= 3))  # a logo's name at the edge


TOP_EDGE = 0.075  # a short line this close to the top is a running header unless it is big


def _just_under(box, figure, body: float) -> bool:
    """`box` starts right under (or over the bottom of) a figure it lines up with: its caption."""
    return min(box[2], figure[2]) > max(box[0], figure[0]) and -body < box[1] - figure[3] < 2.5 * body


def _join_captions(blocks: list[Block], items: list[_Line], boxes: dict, body: float) -> None:
    """A caption's label set apart ("Figure 7." in bold, its text beside or under it) joins
    the text it labels."""
    for b in list(blocks):
        if b.role != "paragraph":
            continue
        text = " ".join(items[i].text for i in b.lines)
        if not CAPTION.match(text) or len(text.split()) > 3 or not any(o is b for o in blocks):
            continue
        x0, y0, x1, y1 = boxes[id(b)]
        best = None
        for other in blocks:
            if other is b or other.role != "paragraph" or len(other.lines) > 4:
                continue
            ox0, oy0, ox1, oy1 = boxes[id(other)]
            beside = min(oy1, y1) - max(oy0, y0) > 0.5 * min(oy1 - oy0, y1 - y0) and 0 <= ox0 - x1 < 3 * body
            under = min(ox1, x1) > max(ox0, x0) and 0 <= oy0 - y1 < 0.8 * body
            if beside or under:
                best = other
                break
        if best is not None:
            b.lines += best.lines
            blocks[:] = [o for o in blocks if o is not best]
            boxes[id(b)] = _frame_box([items[i] for i in b.lines])
            b.box = _image_box([items[i] for i in b.lines])


def _heading_runs(blocks: list[Block], boxes: dict) -> None:
    """Three or more "headings" one under the other with nothing between them are a list or a
    table's column of bold items, not headings."""
    ordered = sorted(blocks, key=lambda b: boxes[id(b)][1])
    run: list[Block] = []
    for b in [*ordered, None]:
        if b is not None and b.role == "heading" and (not run or _same_column(run[-1], b, boxes)):
            run.append(b)
            continue
        if len(run) >= HEADING_RUN:
            for h in run:
                h.role = "paragraph"
        run = [b] if b is not None and b.role == "heading" else []


HEADING_RUN = 3


def _chart_labels(blocks: list[Block], items: list[_Line], boxes: dict, body: float, figures=()) -> None:
    """A chart's labels read as text where no picture is known around them (a scan, a drawing
    in a PDF): a "heading" set upright (an axis's name turned a quarter, its box taller than
    wide), one beside a row or column of bare numbers (an axis's ticks), or a word or three
    right beside a picture within its height ("OCR-Recall" left of a bar chart) is a label."""
    numbers = [m for m in items if NUMBER_ONLY.match(m.text.strip())]
    for b in blocks:
        if b.role != "heading" or items[b.lines[0]].hints.tag:
            continue
        members = [items[i] for i in b.lines]
        if any(m.y1 - m.y0 > 1.5 * (m.x1 - m.x0) and len(m.text.strip()) >= 3 for m in members):
            b.role = "paragraph"
            continue
        x0, y0, x1, y1 = boxes[id(b)]
        near = [m for m in numbers if m.index not in b.lines and m.y1 > y0 - 1.5 * body and m.y0 < y1 + 1.5 * body
                and m.x1 > x0 - 2 * body and m.x0 < x1 + 2 * body]
        if len(near) >= 2:
            b.role = "paragraph"
            continue
        # A word or three right beside a picture and within its height: an axis's or a legend's label.
        if len(members) == 1 and len(members[0].text.split()) <= 3 and any(
                fy0 - 0.3 * body <= y0 and y1 <= fy1 + 0.3 * body and (0 <= fx0 - x1 < body or 0 <= x0 - fx1 < body)
                for fx0, fy0, fx1, fy1 in figures):
            b.role = "paragraph"


NUMBER_ONLY = re.compile(r"^[-+−–]?[$€£¥]?\d[\d.,]*\s?[%x×]?$")


def _runs_on(blocks: list[Block], items: list[_Line], boxes: dict, texts: dict, body: float) -> None:
    """A "heading" whose sentence runs on into the line right under it (a word broken at its
    end, or the next line going on in lower case) is the first line of a paragraph, in bold or
    a little larger: a run-in head ("Instruction tuning. In the instruction...") or a lead-in.
    One that goes on in lower case the sentence of the line right over it is a paragraph's last
    line (set apart by a link's colour or underline)."""
    for b in blocks:
        if b.role != "heading" or items[b.lines[0]].hints.tag:
            continue
        x0, y0, x1, y1 = boxes[id(b)]
        if re.search(r"[a-z]-$", texts[id(b)].rstrip()):
            b.role = "paragraph"
            continue
        if texts[id(b)][:1].islower() and any(
                o is not b and o.lines and o.role in ("paragraph", "list-item") and -0.3 * body <= y0 - boxes[id(o)][3]
                <= LINE_GAP * body and min(boxes[id(o)][2], x1) > max(boxes[id(o)][0], x0)
                and not texts[id(o)].rstrip().endswith((".", "!", "?", ":")) for o in blocks):
            b.role = "paragraph"
            continue
        for o in blocks:
            ox0, oy0, ox1, _ = boxes[id(o)]
            if o is not b and o.lines and -0.3 * body <= oy0 - y1 <= LINE_GAP * body and min(ox1, x1) > max(ox0, x0) \
                    and abs(items[o.lines[0]].x0 - x0) < body and texts[id(o)][:1].islower() \
                    and not _ended(texts[id(b)], x1 - x0, ox1 - ox0):
                b.role = "paragraph"
                break


def _ended(text: str, width: float, below: float) -> bool:
    """A line that stops well short of the text under it, with no sentence begun in it, ended
    there: "Keywords" over its lower-case list is a heading, where a run-in head's sentence
    ("Business characteristics. Business size was") wraps on."""
    return width < 0.5 * below and not re.search(r"[.:;!?]\s", text)


def _same_column(a: Block, b: Block, boxes: dict) -> bool:
    ax0, _, ax1, _ = boxes[id(a)]
    bx0, _, bx1, _ = boxes[id(b)]
    return min(ax1, bx1) > max(ax0, bx0)


def _side_by_side_headings(blocks: list[Block], boxes: dict, body: float, items: list[_Line] | None = None) -> None:
    """Headings stand alone in their row: several short "headings" side by side are a table's
    header row or a slide's labels, and one beside a block of its own height is a table row's
    label (a heading beside a column of text, on a two-column page, is not: the column runs on
    above or below it), as is one whose row holds a cell of its height or less set level with its
    top (a table's two-line label beside "2.1 Systems thinking")."""
    heads = [b for b in blocks if b.role == "heading"]
    demoted = []
    for b in heads:
        _, y0, _, y1 = boxes[id(b)]
        for o in blocks:
            if o is b:
                continue
            _, oy0, _, oy1 = boxes[id(o)]
            level = min(oy1, y1) - max(oy0, y0) > 0.5 * (y1 - y0)
            cell = min(oy1, y1) - max(oy0, y0) > 0.5 * min(y1 - y0, oy1 - oy0) and abs(oy0 - y0) < 0.5 * body \
                and (oy1 - oy0 <= y1 - y0 + 0.5 * body or
                     (items is not None and bool(o.lines) and all(len(items[i].text) <= CELL_CHARS for i in o.lines)))
            if cell or (level and (o.role == "heading" or (abs(oy0 - y0) < body and abs(oy1 - y1) < 2 * body))):
                demoted.append(b)
                break
    for b in demoted:
        b.role = "paragraph"


EDGE_BLOCKS = 12
RUNNING_LINES = 3


def _edge_block(block: Block, blocks: list[Block], boxes: dict, zone: str) -> bool:
    """No other block's text lies between this one and the page's edge (beyond a small overlap)."""
    x0, y0, x1, y1 = boxes[id(block)]
    for other in blocks:
        if other is block or not other.lines:
            continue
        ox0, oy0, ox1, oy1 = boxes[id(other)]
        if zone == "head" and oy1 <= y0 + 0.3 * (y1 - y0) and oy0 < y0 and len(other.lines) > 2:
            return False
        if zone == "foot" and oy0 >= y1 - 0.3 * (y1 - y0) and oy1 > y1 and len(other.lines) > 2:
            return False
    return True


CAPS_PAGE = 0.5
BOLD_PAGE = 0.5


def _bold_share(items: list[_Line]) -> float:
    """The share of the page's characters in bold lines: where most of a page is bold (a form,
    a slide), bold tells no heading from its text."""
    chars = [(len(m.text), bool(m.hints.bold)) for m in items]
    return sum(n for n, b in chars if b) / max(1, sum(n for n, _ in chars))


LINK = re.compile(r"https?://|www\.\w|doi\.org/|\bdoi:", re.IGNORECASE)
REFERENCE = re.compile(r"^\[\d{1,3}\]")
# A form's blank to fill in: "( )", "[ ]", a box, a run of underscores.
FIELD = re.compile(r"\(\s+\)|\[\s+\]|[☐□☑☒]|_{3,}")
LABEL = re.compile(r"^[^:]{1,40}:$")
FORM_LABELS = 3  # short lines ending in a colon on one page: a form ("Strengths:", "Weaknesses:" may be headings)


def _style(members: list[_Line], text: str) -> tuple:
    letters = [c for c in text if c.isalpha()]
    return (all(m.hints.bold for m in members), bool(NUMBERED_HEADING.match(text)),
            sum(c.isupper() for c in letters) >= 0.9 * max(1, len(letters)))


def _heads_not_headers(blocks: list[Block], body_blocks: list[Block], items: list[_Line], boxes: dict, texts: dict,
                       body: float, caps: float, bold: float) -> list[Block]:
    """A "running header" set as this page's headings are (the same size within 5%, bold alike,
    numbered alike, in capitals alike) with body text right under it is a section's heading at
    the top of its page ("2.1.12. HPC Software" over its paragraph, "2.1.13. User Software"
    further down), and so is a bold or larger one under the running header ("5. Conclusions"
    under "NIST SP 800-223 / February 2024"): furniture sits at the page's edge, a section's
    heading under it. Returns the blocks made headings."""
    heads = [b for b in body_blocks if b.role == "heading" and b.lines]
    made = []
    for b in blocks:
        if b.role != "page-header" or not b.lines:
            continue
        members = [items[i] for i in b.lines]
        if any(m.hints.artifact for m in members) or not _heading_like(members, texts[id(b)], body, caps, bold):
            continue
        size = statistics.median(m.size for m in members)
        style = _style(members, texts[id(b)])
        twin = any(abs(statistics.median(items[i].size for i in h.lines) - size) <= 0.05 * size and
                   _style([items[i] for i in h.lines], texts[id(h)]) == style for h in heads)
        x0, y0, x1, y1 = boxes[id(b)]
        stacked = (all(m.hints.bold for m in members) or size >= HEADING_SIZE * body) and any(
            o is not b and o.role in ("page-header", "page-number") and boxes[id(o)][3] <= y0 + 0.3 * body
            and min(boxes[id(o)][2], x1) > max(boxes[id(o)][0], x0) for o in blocks)
        under = [o for o in body_blocks if o.lines and boxes[id(o)][1] >= y1 - 0.3 * body and
                 min(boxes[id(o)][2], x1) > max(boxes[id(o)][0], x0)]
        nearest = min(under, key=lambda o: boxes[id(o)][1], default=None)
        if (twin or stacked) and nearest is not None and nearest.role in ("paragraph", "list-item", "table") and \
                boxes[id(nearest)][1] - y1 <= 3 * body:
            b.role = "heading"
            made.append(b)
    return made


def _field_labels(blocks: list[Block], texts: dict) -> None:
    """A form's parts are not headings: a "heading" holding a blank to fill in ("Yes ( ) No ( )"),
    and, where the page has three or more short lines ending in a colon ("NAME:", "ADDRESS:",
    "CITY:"), the "headings" among them: a form's field labels (two may be a report's
    "Strengths:" and "Weaknesses:")."""
    labels = [b for b in blocks if LABEL.match(texts[id(b)].strip()) and len(texts[id(b)].split()) <= 5]
    for b in blocks:
        if b.role != "heading":
            continue
        text = texts[id(b)]
        if FIELD.search(text) or (len(labels) >= FORM_LABELS and (b in labels or text.count(":") >= 2)):
            b.role = "paragraph"


def _heading_like(members: list[_Line], text: str, body: float, caps_page: float = 1.0,
                  bold_page: float = 0.0) -> bool:
    """A block that reads as a heading: tagged so, larger than the body, a chapter's line, a
    line in capitals on a page that is not, or bold at body size; never a sentence."""
    size = statistics.median(m.size for m in members)
    if members[0].hints.tag and re.fullmatch(r"H[1-6]?|Title", members[0].hints.tag):
        return True
    if _sentence_like(members, text, size, body) or any(m.hints.figure or m.hints.keyed for m in members):
        return False
    if LINK.search(text) or REFERENCE.match(text):
        return False  # a reference list's entry: its address, its number in brackets
    words = text.split()
    letters = [c for c in text if c.isalpha()]
    # OCR's line heights vary with the letters (capitals have no descenders): looser bounds.
    hints = members[0].hints
    larger, caps_size, bold_size = (INK_HEADING_SIZE, 0.85, 0.85) if hints.ink else \
        (HEADING_SIZE, 0.98, 0.95) if hints.size is not None else (OCR_HEADING_SIZE, 0.8, 0.95)
    capitals = caps_page < CAPS_PAGE and 2 <= len(words) <= 10 and len(letters) >= 6 and size >= caps_size * body and \
        sum(c.isupper() for c in letters) >= 0.9 * len(letters) and not text.rstrip().endswith(".")
    ends_sentence = text.rstrip().endswith((".", ",", ";")) and not NUMBERED_HEADING.match(text)
    bold = all(m.hints.bold for m in members) and size >= bold_size * body and not ends_sentence and len(text) < 100 \
        and bold_page < BOLD_PAGE
    return size >= larger * body or (len(members) == 1 and bool(CHAPTER_LINE.match(text))) or capitals or bold


def _sentence_like(members: list[_Line], text: str, size: float, body: float) -> bool:
    """Too long, or written as a sentence, a source note or the lead into a list."""
    words = text.split()
    if len(members) > HEADING_MAX_LINES or len(text) > HEADING_MAX_CHARS or sum(c.isalpha() for c in text) < 4:
        return True  # too long, or too few letters (a chart's "A", "W M", "1,000 tonne" is a label)
    if not any(sum(c.isalpha() for c in w) >= 3 for w in words):
        return True
    if len(words) > 20 or (text.rstrip().endswith(".") and len(words) > 8 and not NUMBERED_HEADING.match(text)):
        return True
    if NOTE.match(text) or (text.rstrip().endswith(":") and len(words) > 6):
        return True
    return len(words) > 12 and not all(m.hints.bold for m in members) and size < 1.5 * body


def _footnotes(blocks: list[Block], items: list[_Line], body: float, boxes: dict, texts: dict,
               top: float, page_h: float) -> None:
    """Small type under the body text, opened by a marker (a number, an asterisk or a dagger)
    or continuing the footnote above it: footnotes."""
    lowest_body = None
    for b in sorted(blocks, key=lambda b: boxes[id(b)][1]):
        members = [items[i] for i in b.lines]
        size = statistics.median(m.size for m in members)
        small = size <= FOOTNOTE_SIZE * body
        rel = (boxes[id(b)][1] - top) / page_h
        text = texts[id(b)]
        # A number opening a sentence at the page's foot ("74 Data is processed...", "10. A
        # negative effect...") is a note's marker, unless it goes on a numbered list above it.
        listed = lowest_body is not None and lowest_body.role == "list-item" and \
            bool(re.match(r"^\(?\d", texts[id(lowest_body)]))
        mark = BARE_MARK.match(text)
        # "12." opens numbered paragraphs too: in smaller type only ("74 Data ..." in any).
        bare = rel > FOOT_NOTES and mark and len(text.split()) >= 4 and not listed and \
            (not re.match(r"^\d{1,3}\.", text) or size <= SMALLER * body)
        if b.role in ("paragraph", "list-item") and rel > 0.55 and \
                ((small and (FOOTNOTE_MARK.match(text) or (lowest_body is not None and lowest_body.role == "footnote")))
                 or bare):
            b.role = "footnote"
        if b.role in ("paragraph", "list-item", "footnote"):
            lowest_body = b
    # A footnote is under every line of body text in its column: a small paragraph with body
    # text below it is a side note, not a footnote.
    for b in blocks:
        if b.role != "footnote":
            continue
        x0, y0, x1, y1 = boxes[id(b)]
        for other in blocks:
            if other.role in ("paragraph", "list-item", "heading") and boxes[id(other)][1] > y1 and \
                    min(boxes[id(other)][2], x1) > max(boxes[id(other)][0], x0):
                members = [items[i] for i in other.lines]
                if statistics.median(m.size for m in members) > FOOTNOTE_SIZE * body:
                    b.role = "paragraph"
                    break


def _heading_levels(blocks: list[Block], items: list[_Line], body: float, page_index: int) -> None:
    """Levels 1-6 by type size (largest first); on the first page, a heading much larger than
    everything else and at its top is the document's title."""
    heads = [b for b in blocks if b.role == "heading"]
    if not heads:
        return
    size = {id(b): statistics.median(items[i].size for i in b.lines) for b in heads}
    tags = {id(b): items[b.lines[0]].hints.tag for b in heads}
    tiers: list[float] = []  # distinct sizes, largest first; within 10% is the same tier
    for value in sorted(size.values(), reverse=True):
        if not tiers or value < 0.9 * tiers[-1]:
            tiers.append(value)
    for b in heads:
        tag = tags[id(b)] or ""
        if re.fullmatch(r"H[1-6]", tag):
            b.level = int(tag[1])
        else:
            b.level = min(6, 1 + sum(t > size[id(b)] * 1.0001 and size[id(b)] < 0.9 * t for t in tiers))
    if page_index == 0:
        biggest = max(heads, key=lambda b: size[id(b)])
        if size[id(biggest)] >= 1.8 * body and sum(size[id(b)] >= 0.95 * size[id(biggest)] for b in heads) == 1:
            first = min((b for b in blocks if b.lines), key=lambda b: min(items[i].y0 for i in b.lines))
            if first is biggest:
                biggest.role, biggest.level = "title", None


# ---------------------------------------------------------------- reading order


def xy_cut(blocks: list, box_of, body: float, depth: int = 0) -> list:
    """Blocks in reading order by recursive XY-cut: a region splits first into columns (a
    vertical gap no block crosses), else into bands (a horizontal one); consecutive bands cut
    into the same columns are read as one pair of columns, so a paragraph break that happens to
    line up across both columns does not interleave them."""
    if len(blocks) <= 1 or depth > 40:
        return list(blocks)
    cols = _cut(blocks, box_of, axis=0, min_gap=0.5 * body)
    if len(cols) > 1:
        return [b for part in cols for b in xy_cut(part, box_of, body, depth + 1)]
    bands = _cut(blocks, box_of, axis=1, min_gap=0.0)
    if len(bands) == 1:
        return sorted(blocks, key=lambda b: (box_of(b)[1], box_of(b)[0]))
    groups: list[list] = []
    shape = None
    for band in bands:
        cut = _gutters(band, box_of, body)
        if groups and cut and shape and _same_gutters(cut, shape, body):
            groups[-1] += band
        else:
            groups.append(list(band))
        shape = cut
    if len(groups) == 1:  # every band has the same columns, but something crosses them all
        return [b for band in bands for b in xy_cut(band, box_of, body, depth + 1)]
    return [b for g in groups for b in xy_cut(g, box_of, body, depth + 1)]


def _cut(blocks: list, box_of, axis: int, min_gap: float) -> list[list]:
    """The blocks split at every gap wider than `min_gap` along `axis` (0: x, 1: y)."""
    spans = sorted(blocks, key=lambda b: box_of(b)[axis])
    parts: list[list] = []
    end = None
    for b in spans:
        lo, hi = box_of(b)[axis], box_of(b)[axis + 2]
        if parts and lo <= end + min_gap:
            parts[-1].append(b)
            end = max(end, hi)
        else:
            parts.append([b])
            end = hi
    return parts


def _gutters(band: list, box_of, body: float) -> list[float] | None:
    cols = _cut(band, box_of, axis=0, min_gap=0.5 * body)
    if len(cols) < 2:
        return None
    return [(max(box_of(b)[2] for b in left) + min(box_of(b)[0] for b in right)) / 2
            for left, right in zip(cols, cols[1:])]


def _same_gutters(a: list[float], b: list[float], body: float) -> bool:
    return len(a) == len(b) and all(abs(x - y) < 3 * body for x, y in zip(a, b))


def arrange(lines: list[dict], width: int, height: int, hints: Sequence[Hints] | None = None, *,
            page_index: int = 0, figures: Sequence[tuple[float, float, float, float]] = (),
            measure=None) -> tuple[list[dict], list[dict]]:
    """`analyse`, applied: (the lines in reading order, the page's `blocks` as CONTRACTS
    section 13 exports them, their `lines` indexing the reordered lines). Lines without hints
    (OCR's) of a level page are first cut where they cross a column gutter (OCR joins lines
    across a narrow one), then `measure(lines)` gives their hints when it can (ink.hints: which
    are bold)."""
    if hints is None and lines and not _page_angle(lines):
        lines = split_at_gutters(lines, width)
        if measure is not None:
            hints = measure(lines)
    layout = analyse(lines, width, height, hints, page_index=page_index, figures=figures)
    new_index = {old: new for new, old in enumerate(layout.order)}
    blocks = []
    for block in layout.blocks:
        block.lines = [new_index[i] for i in block.lines]
        if block.cells:
            for cell in block.cells:
                cell.lines = [new_index[i] for i in cell.lines]
        blocks.append(block.export())
    return [lines[i] for i in layout.order], blocks


# ---------------------------------------------------------------- OCR lines across a gutter


GUTTER = 0.45  # a gap this many line heights wide may be a gutter...
SPACE_RATIO = 1.8  # ...when it is this much wider than the line's usual space...
GUTTER_RUN = 3  # ...and this many lines one under the other leave its middle clear
GUTTER_ROWS = 6  # (looking this many lines up and down)
ACROSS = 0.35  # a line read across a gutter spans at least this share of the page


def split_at_gutters(lines: list[dict], width: int) -> list[dict]:
    """Level OCR lines cut in two where a wide gap between their words lines up with a gap, or
    with nothing, in the lines above and below: a column gutter the engine read across (such a
    line spans much of the page)."""
    boxes = [bounds(ln["box"]) for ln in lines]
    order = sorted(range(len(lines)), key=lambda i: (boxes[i][1] + boxes[i][3]) / 2)
    out: list[dict] = []
    for pos, i in enumerate(order):
        line = lines[i]
        wide = boxes[i][2] - boxes[i][0] >= ACROSS * width
        cuts = [k for k, (a, b) in _wide_gaps(line) if _channel((a + b) / 2, pos, order, lines, boxes)] if wide else []
        out += _cut_line(line, cuts) if cuts else [line]
    return out


def _wide_gaps(line: dict) -> list[tuple[int, tuple[float, float]]]:
    words = [bounds(w["box"]) for w in line["words"]]
    if len(words) < 2:
        return []
    spans = [(a[2], b[0]) for a, b in zip(words, words[1:])]
    h = max(1.0, statistics.median(w[3] - w[1] for w in words))
    usual = sorted(b - a for a, b in spans)[len(spans) // 2] if len(spans) >= 3 else 0.0
    return [(k, (a, b)) for k, (a, b) in enumerate(spans) if b - a > GUTTER * h and b - a > SPACE_RATIO * usual]


def _channel(mid: float, pos: int, order: list[int], lines: list[dict], boxes) -> bool:
    run = 1
    for step in (-1, 1):
        q = pos + step
        while 0 <= q < len(order) and abs(q - pos) <= GUTTER_ROWS and run < GUTTER_RUN:
            j = order[q]
            if boxes[j][0] <= mid <= boxes[j][2]:
                if any(bounds(w["box"])[0] <= mid <= bounds(w["box"])[2] for w in lines[j]["words"]):
                    break
                run += 1
            q += step
    return run >= GUTTER_RUN


def _cut_line(line: dict, cuts: list[int]) -> list[dict]:
    from chalicelib.geometry import around

    parts, start = [], 0
    for k in [*cuts, len(line["words"]) - 1]:
        words = line["words"][start:k + 1]
        if words:
            parts.append({**line, "text": " ".join(w["text"] for w in words), "box": around(w["box"] for w in words),
                          "words": words})
        start = k + 1
    return parts
