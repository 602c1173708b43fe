"""A layout detector's regions weighed beside the rules' roles (issue 55 item 2).

The heading rules of layout.py measure what a page says of itself (size, weight, spacing,
numbering); tuned on layout-dev's pages, they missed headings of kinds those pages lack (slide
headings side by side, a chart's title) and took a table's row labels for headings. A
detector trained on DocLayNet's 80,863 pages labelled by people (chalicelib.engines.layout)
has seen those kinds. Alone it is no better than the rules (heading F1 0.81 / 0.49 on
layout-dev's halves: it takes captions and running text for headings), so it only settles
two questions the rules answer worst, each with the block's own shape as a check:

- a paragraph the detector calls a heading (Section-header or Title, at least HEADING_SCORE,
  surer than any text region there) that looks like one (at most MAX_LINES lines and
  MAX_WORDS words, no sentence ending or running on, not starting in lower case) is a heading;
- a heading inside a table the detector is sure of (TABLE_SCORE), where it sees no heading,
  is the table's label, read as a paragraph;
- a running header or footer shaped as a heading that the detector calls a heading (at least
  FURNITURE_HEADING, surer than a running header or footer there) is a section's heading at the
  top or foot of its page ("1. BACKGROUND INFORMATION"), spoken: the rules' furniture loses its
  words, the detector's misses lose none.

A region "is at" a block when each covers at least COVER of the other's area. Measured with
`python -m bench.layout_replay --regions` (split by document, the tagged PDFs, the CVAT pages;
bench/README.md): every set rose or held.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from chalicelib.geometry import bounds

HEADING_SCORE = 0.5  # the detector's own "more likely than not"
TABLE_SCORE = 0.6
NO_HEADING = 0.3  # a table's label: the detector sees no heading there surer than this
FURNITURE_HEADING = 0.6
COVER = 0.5
MAX_LINES = 2
MAX_WORDS = 14
HEADINGS = ("Section-header", "Title")
TEXTS = ("Text", "List-item", "Caption")
FURNITURE = ("Page-header", "Page-footer")


def _area(box) -> float:
    return max(1e-9, (box[2] - box[0]) * (box[3] - box[1]))


def _overlap(a, b) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def _surest(box, regions, kinds: Sequence[str]) -> float:
    """The best score of a region of `kinds` at `box` (each covering COVER of the other)."""
    best = 0.0
    for r in regions:
        if r.kind in kinds and r.score > best:
            common = _overlap(box, r.box)
            if common >= COVER * _area(box) and common >= COVER * _area(r.box):
                best = r.score
    return best


def _in_table(box, regions, table_score: float) -> bool:
    return any(r.kind == "Table" and r.score >= table_score and _overlap(box, r.box) >= 0.9 * _area(box)
               and _area(r.box) > 2 * _area(box) for r in regions)


def looks_like_heading(text: str, lines: int) -> bool:
    words = text.split()
    return (0 < len(words) <= MAX_WORDS and lines <= MAX_LINES and not words[0][:1].islower()
            and not text.rstrip().endswith((".", ",", ";", ":")))


def _text(texts: Sequence[str], block) -> str:
    return " ".join(texts[i] for i in block.lines).strip()


def worth_asking(texts: Sequence[str], blocks: list) -> bool:
    """Whether any block is one `weigh` could change: a heading, or a paragraph shaped as one (a
    running header shaped as a heading is weighed only on a page asked for these). A page of
    running text has none, and its detection (~0.3 s of CPU, six times a text layer's reading) is
    spared."""
    return any(b.role in ("heading", "title") or
               (b.role == "paragraph" and looks_like_heading(_text(texts, b), len(b.lines)))
               for b in blocks if b.rest.get("box") and b.rest.get("spoken", True))


def weigh(texts: Sequence[str], blocks: list, regions: Sequence, scale: tuple[float, float] = (1.0, 1.0), *,
          heading_score: float = HEADING_SCORE, table_score: float = TABLE_SCORE) -> int:
    """Blocks (chalicelib.structure.elements.Block, their `box` in `rest`) given the roles the
    regions settle, in place; `texts[i]` is line i's text, `scale` maps the regions' pixels to
    the blocks' (x, y). The number of blocks changed. (The thresholds are the bench's to vary.)"""
    if not regions:
        return 0
    sx, sy = scale
    regions = [replace(r, box=(r.box[0] * sx, r.box[1] * sy, r.box[2] * sx, r.box[3] * sy)) for r in regions]
    heads = [(b, _height(b)) for b in blocks if b.role == "heading" and b.rest.get("box")]
    changed = 0
    for b in blocks:
        box = b.rest.get("box")
        if not box or not b.rest.get("spoken", True):
            continue
        box = bounds(box)
        heading = _surest(box, regions, HEADINGS)
        if b.role in ("paragraph", "page-header", "page-footer"):
            # A paragraph's rival is a text region there, a running header's a running header region.
            least, rival = (heading_score, TEXTS) if b.role == "paragraph" else (FURNITURE_HEADING, FURNITURE)
            if heading >= least and heading > _surest(box, regions, rival) and \
                    looks_like_heading(_text(texts, b), len(b.lines)):
                b.role, b.rest["level"] = "heading", _level(_height(b), heads)
                changed += 1
        elif b.role in ("heading", "title") and heading < NO_HEADING and _in_table(box, regions, table_score):
            b.role = "paragraph"
            b.rest.pop("level", None)
            changed += 1
    return changed


def _height(block) -> float:
    x0, y0, x1, y1 = bounds(block.rest["box"])
    return (y1 - y0) / max(1, len(block.lines))


def _level(height: float, heads: list) -> int:
    """The level of the page's heading whose lines are nearest this one's height; 2 without one."""
    if not heads:
        return 2
    return min(heads, key=lambda bh: abs(bh[1] - height))[0].rest.get("level") or 1
