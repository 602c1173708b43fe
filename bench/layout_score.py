"""The layout-dev scoring protocol (../shared/datasets/layout-dev/README.md), implemented once.

Pure functions, no I/O: a page's labelled regions (already in the result page's pixels, see
`regions`) against that page of a result (CONTRACTS sections 1 and 13).

- **Spoken words and their order.** A word is spoken iff its line is in a block with
  `spoken: true`; a result without `blocks` (an old one, or today's) speaks every line, in
  `lines` order. Speaking order: `blocks` in order, then each block's `lines` (a table's:
  its `cells` in order, then any of its lines no cell names), then the words of each line. A
  line that no block names is not spoken; a line named twice counts where it is first named.
- **A word's place.** A word belongs to the labelled region its box's centre lies in; where
  regions overlap, to the one holding the largest share of the word's box, then the smaller
  (the more specific label: a caption inside a picture). The README's "IoU >= 0.5 against
  words inside it" cannot be taken as the IoU of a word with its region (a paragraph holds
  many words: tiny IoU), nor as half of the word's area inside: the labels are tight on the
  glyphs, text-layer words carry their font's whole height (01030000000003's page number
  "321": a word 45 px tall against a label 18 px tall, 40% inside), so page numbers would
  fall out of their boxes. The centre says "inside" whatever the boxes' padding.
- **Furniture and footnotes left out.** A Page-header or Page-footer region (a Footnote
  region) is left out when none of its words is spoken. A region where no word was read at all
  counts as left out too: the listener hears nothing there (as the README's "none of its words
  is in the spoken text" says). Such regions are counted apart (`unread`), so a reader that
  misses text is seen; the body-words figure is what keeps "read nothing" from scoring well.
  Page numbers (`page_number_like`) are a subset of the furniture, reported beside it.
- **Body words wrongly left out**: the words placed in Text, List-item, Section-header, Title,
  Caption and Table regions that are not spoken, over all words placed in them (the words the
  product read: the labels' own text cannot be placed word by word).
- **Headings**: Section-header and Title regions against blocks whose role is `heading` or
  `title` (spoken or not), by box IoU >= 0.5, one to one, greedily by decreasing IoU. A block
  without a `box` gets the box around its lines' words. Precision, recall and F1 from counts
  summed over pages. A result without blocks has no headings (F1 0).
- **Reading order**: over the body regions (the classes above; not furniture, footnotes,
  pictures or formulas, which a listener is not meant to hear in the flow) that have at least
  one spoken word, each placed where its first spoken word is spoken; every pair (a, b) with
  `order(a) < order(b)` counts, and is right when a's first spoken word comes first. The
  figure is right pairs over all pairs, summed over pages (a page's weight grows with its
  pairs, as the README's "fraction of pairs" says). A region labelled `"ordered": false` (its
  labels give it no place in the order: training/layout_roles/cvat.py's boxes no reading-order
  line reaches) is left out of the pairs; layout-dev's regions are all ordered.
- Every figure is a micro average (counts summed over pages, then divided); a figure whose
  denominator is 0 is None.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields

from bench.score import iou

Box = tuple[float, float, float, float]

FURNITURE = ("Page-header", "Page-footer")
FOOTNOTE = "Footnote"
HEADINGS = ("Section-header", "Title")
BODY = ("Text", "List-item", "Section-header", "Title", "Caption", "Table")
HEADING_ROLES = ("heading", "title")
IOU_MIN = 0.5


@dataclass(frozen=True)
class Region:
    """A labelled region, in the result page's pixels."""
    box: Box
    cls: str
    order: int
    text: str = ""
    page_number: bool = False
    ordered: bool = True  # False: the labels give it no place in the reading order


@dataclass(frozen=True)
class Word:
    box: Box
    text: str
    rank: int | None  # place in the page's speaking order; None: not spoken
    role: str | None = None  # its block's role (None: no blocks, or in none), to say what went wrong


def regions(gt: dict, width: float, height: float, *, from_pdf: bool) -> list[Region]:
    """A layout-dev ground truth's boxes scaled to a result page of `width` x `height` pixels:
    `bbox_norm` for a page read from its PDF, `bbox` (pixels of the labelled image) for a scan."""
    out = []
    for b in gt["boxes"]:
        if from_pdf:
            x0, y0, x1, y1 = b["bbox_norm"]
            box = (x0 * width, y0 * height, x1 * width, y1 * height)
        else:
            sx, sy = width / gt["width"], height / gt["height"]
            x0, y0, x1, y1 = b["bbox"]
            box = (x0 * sx, y0 * sy, x1 * sx, y1 * sy)
        out.append(Region(box, b["class"], b["order"], b.get("text") or "", bool(b.get("page_number_like")),
                          b.get("ordered", True)))
    return out


def bounds(quad) -> Box:
    xs, ys = [p[0] for p in quad], [p[1] for p in quad]
    return (min(xs), min(ys), max(xs), max(ys))


def _around(boxes: Iterable[Box]) -> Box | None:
    boxes = list(boxes)
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def _block_lines(block: dict) -> list[int]:
    """A block's lines in speaking order (a table: its cells' lines, then the rest)."""
    ordered = [i for cell in block.get("cells") or [] for i in cell.get("lines") or []]
    return ordered + [i for i in block.get("lines") or [] if i not in ordered]


def speaking_order(page: dict) -> list[tuple[int, bool, str | None]]:
    """(line index, spoken, its block's role) for every line of the page, spoken ones in
    speaking order first."""
    lines = page.get("lines") or []
    if "blocks" not in page:
        return [(i, True, None) for i in range(len(lines))]
    seen: dict[int, tuple[bool, str | None]] = {}
    for block in page["blocks"]:
        for i in _block_lines(block):
            if isinstance(i, int) and 0 <= i < len(lines) and i not in seen:
                seen[i] = (bool(block.get("spoken")), block.get("role"))
    spoken = [(i, True, role) for i, (s, role) in seen.items() if s]
    return spoken + [(i, False, seen.get(i, (False, None))[1]) for i in range(len(lines))
                     if not seen.get(i, (False,))[0]]


def words(page: dict) -> list[Word]:
    """Every word of the page that has a box, with its place in the speaking order."""
    lines = page.get("lines") or []
    out, rank = [], 0
    for i, spoken, role in speaking_order(page):
        for w in lines[i].get("words") or []:
            if not w.get("box"):
                continue
            out.append(Word(bounds(w["box"]), w.get("text", ""), rank if spoken else None, role))
            if spoken:
                rank += 1
    return out


def heading_blocks(page: dict) -> list[tuple[Box, str]]:
    """(box, text) of the blocks the result calls a heading or a title."""
    lines = page.get("lines") or []
    out = []
    for block in page.get("blocks") or []:
        if block.get("role") not in HEADING_ROLES:
            continue
        own = [lines[i] for i in block.get("lines") or [] if 0 <= i < len(lines)]
        box = bounds(block["box"]) if block.get("box") else _around(
            bounds(w["box"]) for line in own for w in line.get("words") or [] if w.get("box"))
        if box is not None:
            out.append((box, " ".join(line.get("text", "") for line in own)))
    return out


def _share(word: Box, region: Box) -> float:
    """The share of the word's box inside the region, if its centre is inside (else 0)."""
    cx, cy = (word[0] + word[2]) / 2, (word[1] + word[3]) / 2
    if not (region[0] <= cx <= region[2] and region[1] <= cy <= region[3]):
        return 0.0
    area = (word[2] - word[0]) * (word[3] - word[1])
    ix = min(word[2], region[2]) - max(word[0], region[0])
    iy = min(word[3], region[3]) - max(word[1], region[1])
    return max(ix, 0) * max(iy, 0) / area if area > 0 else 1.0


def place(ws: list[Word], rs: list[Region]) -> list[list[Word]]:
    """The words of each region (see the module's docstring); a word in none is left out."""
    placed: list[list[Word]] = [[] for _ in rs]
    for w in ws:
        best, key = None, None
        for j, r in enumerate(rs):
            share = _share(w.box, r.box)
            area = (r.box[2] - r.box[0]) * (r.box[3] - r.box[1])
            if share > 0 and (key is None or (share, -area) > key):
                best, key = j, (share, -area)
        if best is not None:
            placed[best].append(w)
    return placed


def match(gt: list[Box], pred: list[Box]) -> list[tuple[int, int]]:
    """One-to-one pairs (gt index, pred index) with IoU >= 0.5, greedily by decreasing IoU."""
    pairs = sorted(((iou(g, p), i, j) for i, g in enumerate(gt) for j, p in enumerate(pred)),
                   key=lambda t: (-t[0], t[1], t[2]))
    used_g, used_p, out = set(), set(), []
    for value, i, j in pairs:
        if value < IOU_MIN:
            break
        if i not in used_g and j not in used_p:
            used_g.add(i)
            used_p.add(j)
            out.append((i, j))
    return out


@dataclass
class Counts:
    """What one page (or many, added up) scored; `misses` says what went wrong, for people."""
    furniture: int = 0
    furniture_out: int = 0
    furniture_unread: int = 0
    page_numbers: int = 0
    page_numbers_out: int = 0
    footnotes: int = 0
    footnotes_out: int = 0
    footnotes_unread: int = 0
    body_words: int = 0
    body_words_out: int = 0
    headings: int = 0  # labelled
    heading_blocks: int = 0  # found
    headings_matched: int = 0
    order_pairs: int = 0
    order_right: int = 0
    misses: list[str] = field(default_factory=list)

    def __add__(self, other: Counts) -> Counts:
        return Counts(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def figures(c: Counts) -> dict[str, float | None]:
    p, r = _ratio(c.headings_matched, c.heading_blocks), _ratio(c.headings_matched, c.headings)
    f1 = None if not c.headings and not c.heading_blocks else (
        2 * c.headings_matched / (c.headings + c.heading_blocks))
    return {"furniture_recall": _ratio(c.furniture_out, c.furniture),
            "page_number_recall": _ratio(c.page_numbers_out, c.page_numbers),
            "body_words_left_out": _ratio(c.body_words_out, c.body_words),
            "footnote_recall": _ratio(c.footnotes_out, c.footnotes),
            "heading_precision": p, "heading_recall": r, "heading_f1": f1,
            "reading_order": _ratio(c.order_right, c.order_pairs)}


def _as(ws: list[Word]) -> str:
    roles = sorted({w.role for w in ws if w.role})
    return f" (as {', '.join(roles)})" if roles else ""


def _short(text: str, n: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n - 1] + "…"


def score_page(rs: list[Region], page: dict) -> Counts:
    """One result page against its labelled regions (in the page's pixels)."""
    c = Counts()
    placed = place(words(page), rs)
    for r, ws in zip(rs, placed):
        spoken = [w for w in ws if w.rank is not None]
        if r.cls in FURNITURE or r.cls == FOOTNOTE:
            furniture = r.cls in FURNITURE
            out = not spoken
            if furniture:
                c.furniture += 1
                c.furniture_out += out
                c.furniture_unread += not ws
                c.page_numbers += r.page_number
                c.page_numbers_out += r.page_number and out
            else:
                c.footnotes += 1
                c.footnotes_out += out
                c.footnotes_unread += not ws
            if spoken:
                c.misses.append(f"{r.cls} spoken{_as(spoken)}: {_short(' '.join(w.text for w in spoken))!r}")
        if r.cls in BODY:
            c.body_words += len(ws)
            c.body_words_out += len(ws) - len(spoken)
            if len(spoken) < len(ws):
                out_words = [w for w in ws if w.rank is None]
                c.misses.append(f"{r.cls} left out {len(out_words)}/{len(ws)} words{_as(out_words)}: "
                                f"{_short(' '.join(w.text for w in out_words))!r}")
    gt = [r for r in rs if r.cls in HEADINGS]
    found = heading_blocks(page)
    pairs = match([r.box for r in gt], [box for box, _ in found])
    c.headings, c.heading_blocks, c.headings_matched = len(gt), len(found), len(pairs)
    matched = {i for i, _ in pairs}
    c.misses += [f"{r.cls} not found: {_short(r.text)!r}" for i, r in enumerate(gt) if i not in matched]
    taken = {j for _, j in pairs}
    extra = [text for j, (_, text) in enumerate(found) if j not in taken]
    if extra:
        c.misses.append(f"{len(extra)} heading block(s) with no labelled heading: "
                        + " | ".join(repr(_short(t, 30)) for t in extra))
    firsts = sorted((min(w.rank for w in ws if w.rank is not None), r.order, r)
                    for r, ws in zip(rs, placed)
                    if r.cls in BODY and r.ordered and any(w.rank is not None for w in ws))
    by_label = [r for _, _, r in firsts]
    for i, a in enumerate(by_label):
        for b in by_label[i + 1:]:
            if a.order == b.order:
                continue
            c.order_pairs += 1
            c.order_right += a.order < b.order  # a spoken first
    wrong = c.order_pairs - c.order_right
    if wrong:
        c.misses.append(f"reading order: {wrong}/{c.order_pairs} pairs out of order; spoken: "
                        + " | ".join(f"{r.order}:{_short(r.text, 20)}" for r in by_label))
    return c
