"""Hand-made pages for the structure tests: CONTRACTS section 1 lines from text and a box, on a
page of letter paper scanned at 200 dpi (1700 x 2200 px), body type 30 px tall."""
from __future__ import annotations

import math

from chalicelib.structure import layout

WIDTH, HEIGHT = 1700, 2200
LEFT, RIGHT = 150, 1550  # the text block's margins
BODY = 30  # a body line's height (px)
PITCH = 42  # from one body line's top to the next's
BODY_SIZE, SMALL_SIZE = 24.0, 18.0  # a text layer's font sizes (px)


def quad(x0, y0, x1, y1):
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]


def line(text: str, x0: float, y0: float, x1: float, y1: float) -> dict:
    """A section 1 line: its words spread over the box in proportion to their length."""
    words = text.split()
    gaps = len(words) - 1
    unit = (x1 - x0) / max(1, sum(len(w) for w in words) + gaps)
    out, x = [], x0
    for w in words:
        end = x + unit * len(w)
        out.append({"text": w, "confidence": 0.99, "box": quad(round(x), y0, round(end), y1)})
        x = end + unit
    return {"text": " ".join(words), "confidence": 0.99, "box": quad(x0, y0, x1, y1), "words": out}


def rotated(ln: dict, degrees: float, cx: float = WIDTH / 2, cy: float = HEIGHT / 2) -> dict:
    """The line as a photo taken at an angle shows it: every box turned about (cx, cy), its corners
    kept in the text's order (top-left, top-right, bottom-right, bottom-left)."""
    a = math.radians(degrees)

    def turn(box):
        return [[round(cx + (x - cx) * math.cos(a) - (y - cy) * math.sin(a)),
                 round(cy + (x - cx) * math.sin(a) + (y - cy) * math.cos(a))] for x, y in box]

    return {**ln, "box": turn(ln["box"]), "words": [{**w, "box": turn(w["box"])} for w in ln["words"]]}


SENTENCES = [
    "The survey was sent to every household in the district during the spring of that year and",
    "most of them answered within a few weeks, which gave the committee a clear picture of what",
    "people expected from the new library, its opening hours and the services it would offer to",
    "families with young children, to students preparing for their exams and to older readers.",
    "Several respondents asked for a quiet room for reading, others for a place where groups can",
    "meet in the evening; both were added to the plan that the council approved in the autumn.",
]


def body_text(k: int) -> str:
    return SENTENCES[k % len(SENTENCES)]


class Page:
    """Lines laid out top to bottom, each with the hints a text layer would give (`hints`) or
    none, as OCR gives (`ocr=True`: a line's size is then its box's height)."""

    def __init__(self, y: float = 200, *, ocr: bool = False):
        self.lines: list[dict] = []
        self.hints: list[layout.Hints] = []
        self.y = y
        self.ocr = ocr

    def add(self, text: str, x0: float = LEFT, x1: float | None = None, *, y: float | None = None, size: float = BODY_SIZE,
            bold: bool | None = False, artifact: bool = False, gap: float = PITCH - BODY) -> int:
        """Add one line (at `y`, else below the last one, `gap` px under it), its box as tall as
        its type (`size` px: 24 body, 18 small) and as wide as its text (up to the margin); its index."""
        y0 = self.y if y is None else y
        x1 = min(RIGHT, x0 + round(0.65 * size * len(text))) if x1 is None else x1
        height = round(size * BODY / BODY_SIZE)
        self.lines.append(line(text, x0, y0, x1, y0 + height))
        self.hints.append(layout.Hints(size=size, bold=bold, artifact=artifact))
        self.y = y0 + height + gap
        return len(self.lines) - 1

    def para(self, n: int, *, start: int = 0, x0: float = LEFT, x1: float | None = None, after: float = 40) -> list[int]:
        """A paragraph of n body lines, then a paragraph's space; it opens with a capital, as a
        paragraph does (a line going on in lower case under a heading is a run-in head's)."""
        texts = [body_text(start + k) for k in range(n)]
        texts[0] = texts[0][:1].upper() + texts[0][1:]
        out = [self.add(text, x0, x1) for text in texts]
        self.y += after
        return out

    def arrange(self, order: list[int] | None = None, **kw) -> tuple[list[dict], list[dict]]:
        """layout.arrange on the lines given in `order` (a shuffled input checks the reading
        order is the layout's, not the input's); `check`ed."""
        order = list(range(len(self.lines))) if order is None else order
        lines = [self.lines[i] for i in order]
        hints = None if self.ocr else [self.hints[i] for i in order]
        out, blocks = layout.arrange(lines, WIDTH, HEIGHT, hints, **kw)
        check(lines, out, blocks)
        return out, blocks


def check(given: list[dict], lines: list[dict], blocks: list[dict]) -> None:
    """arrange's promises: the same lines reordered, every one in exactly one block, the blocks'
    lines (and a table's cells) indexing the returned list, read in its order."""
    assert sorted(map(id, lines)) == sorted(map(id, given))
    assert [i for b in blocks for i in b["lines"]] == list(range(len(lines)))
    for b in blocks:
        if b["role"] == "table":
            assert [i for c in b["cells"] for i in c["lines"]] == b["lines"]
            assert b["rows"] == 1 + max(c["row"] for c in b["cells"])
            assert b["cols"] == 1 + max(c["col"] for c in b["cells"])
        if b["box"] is not None and b["lines"]:
            xs = [p[0] for i in b["lines"] for p in lines[i]["box"]]
            ys = [p[1] for i in b["lines"] for p in lines[i]["box"]]
            (bx0, by0), (bx1, by1) = b["box"][0], b["box"][2]
            assert bx0 <= min(xs) + 1 and by0 <= min(ys) + 1 and bx1 >= max(xs) - 1 and by1 >= max(ys) - 1


def texts(lines: list[dict], block: dict) -> list[str]:
    return [lines[i]["text"] for i in block["lines"]]


def find(lines: list[dict], blocks: list[dict], text: str) -> dict:
    """The block holding the line whose text starts with `text`."""
    (block,) = [b for b in blocks if any(lines[i]["text"].startswith(text) for i in b["lines"])]
    return block
