"""The result tree of what was read (CONTRACTS sections 1, 7, 11 and 13), after docTR's
io/elements.py: a Document of Pages, a page's Lines of Words, and its Blocks naming its lines
by index. The page kind keeps it typed from the OCR engine (engines/ocr/base.read_page) to the
moment it publishes, and turns it into the result's JSON there, once (`Document.export`);
`Page.load` and `Word.load` read a published result's pages back (a job resumed).

Keys the tree does not model (a block's `box` and `level`, a line's `source` from a PDF's
text layer, ...) are kept as they came (`rest`) and exported unchanged, so a result read back
exports exactly as it was published. What the structure settles across pages (furniture, what
is spoken, chapters: chalicelib.structure.spoken) and the recording are added to the export.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from chalicelib.geometry import Quad, around

SCHEMA_VERSION = 1


def _rest(data: dict, known: frozenset[str]) -> dict:
    return {k: v for k, v in data.items() if k not in known}


@dataclass
class Word:
    text: str
    confidence: float  # as published: rounded (4 places) by whoever made it
    box: Quad | None  # None in documents without pages (flow)
    page: int | None = None  # an unsure word of a document: the page it lies on
    rest: dict = field(default_factory=dict)

    KEYS = frozenset({"text", "confidence", "box", "page"})

    def export(self) -> dict:
        out = {"text": self.text, "confidence": self.confidence, "box": self.box}
        if self.page is not None:
            out["page"] = self.page
        return out | self.rest if self.rest else out

    @classmethod
    def load(cls, data: dict) -> Word:
        return cls(data["text"], data["confidence"], data["box"], data.get("page"), _rest(data, cls.KEYS))


@dataclass
class Line:
    text: str
    confidence: float
    box: Quad | None
    words: list[Word]
    language: str | None = None  # where the page mixes languages: this line's (section 11)
    rest: dict = field(default_factory=dict)

    KEYS = frozenset({"text", "confidence", "box", "words", "language"})

    def first_words(self, n: int) -> Line:
        """The line cut after its first `n` words: their text and the box around them."""
        words = self.words[:n]
        return replace(self, text=" ".join(w.text for w in words), box=around(w.box for w in words), words=words)

    def export(self) -> dict:
        out = {"text": self.text, "confidence": self.confidence, "box": self.box,
               "words": [w.export() for w in self.words], **self.rest}
        if self.language is not None:
            out["language"] = self.language
        return out

    @classmethod
    def load(cls, data: dict) -> Line:
        return cls(data["text"], data["confidence"], data["box"], [Word.load(w) for w in data["words"]],
                   data.get("language"), _rest(data, cls.KEYS))


@dataclass
class Cell:
    """A table's cell (`row`, `col`, `header` in `rest`): the lines in it."""
    lines: list[int]
    rest: dict = field(default_factory=dict)

    def export(self) -> dict:
        return self.rest | {"lines": list(self.lines)}

    @classmethod
    def load(cls, data: dict) -> Cell:
        return cls(list(data["lines"]), _rest(data, frozenset({"lines"})))


@dataclass
class Block:
    """A block of a page (section 13): its role and its lines, indices into the page's lines
    (`level`, `spoken`, `box`, `rows`, `cols` in `rest`, as chalicelib.structure.layout made them)."""
    role: str
    lines: list[int]
    cells: list[Cell] | None = None  # a table's
    rest: dict = field(default_factory=dict)

    KEYS = frozenset({"role", "lines", "cells"})

    def kept(self, n: int) -> Block | None:
        """The block as it is when its page keeps only its first `n` lines (a page cut at its
        cap); None when none of its lines are kept (a figure without lines stays)."""
        lines = [i for i in self.lines if i < n]
        if not lines and not (self.role == "figure" and not self.lines):
            return None
        cells = None
        if self.cells is not None:
            cells = [Cell([i for i in c.lines if i < n], c.rest) for c in self.cells]
            cells = [c for c in cells if c.lines]
        return replace(self, lines=lines, cells=cells)

    def export(self) -> dict:
        out = {"role": self.role, **self.rest, "lines": list(self.lines)}
        if self.cells is not None:
            out["cells"] = [c.export() for c in self.cells]
        return out

    @classmethod
    def load(cls, data: dict) -> Block:
        cells = [Cell.load(c) for c in data["cells"]] if "cells" in data else None
        return cls(data["role"], list(data["lines"]), cells, _rest(data, cls.KEYS))


@dataclass
class Language:
    """A text's language (section 11)."""
    code: str
    confidence: float
    detected: bool

    def export(self) -> dict:
        return {"code": self.code, "confidence": self.confidence, "detected": self.detected}

    @classmethod
    def load(cls, data: dict) -> Language:
        return cls(data["code"], data["confidence"], data["detected"])


@dataclass
class Page:
    width: int | None  # pixels; None in documents without pages (flow)
    height: int | None
    lines: list[Line]  # in reading order
    blocks: list[Block] | None = None  # None: not analysed (an engine's bare reading)
    language: Language | None = None
    ocr: dict | None = None  # the reading cut short: {"complete", "reason", "lines_found"}
    cut: dict | None = None  # its text cut at a cap: {"reason", "kept", "found", "of"}
    # A document's page: where its text came from ("text": its text layer, or a flow
    # document's; "ocr") and the image of it as read (None for flow); a single image has neither.
    source: str | None = None
    image: str | None = None
    text_layer: dict | None = None  # its PDF text, when not taken as it is
    rest: dict = field(default_factory=dict)

    KEYS = frozenset({"width", "height", "text", "lines", "blocks", "language", "ocr", "cut", "source", "image",
                      "text_layer"})

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    def words(self) -> list[Word]:
        return [w for line in self.lines for w in line.words]

    def export(self) -> dict:
        out = {"width": self.width, "height": self.height, "text": self.text,
               "lines": [line.export() for line in self.lines]}
        if self.blocks is not None:
            out["blocks"] = [b.export() for b in self.blocks]
        if self.source is not None:
            out |= {"source": self.source, "image": self.image}
        for name in ("text_layer", "ocr", "cut"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        out |= self.rest
        if self.language is not None:
            out["language"] = self.language.export()
        return out

    @classmethod
    def load(cls, data: dict) -> Page:
        blocks = [Block.load(b) for b in data["blocks"]] if "blocks" in data else None
        language = Language.load(data["language"]) if "language" in data else None
        return cls(data["width"], data["height"], [Line.load(ln) for ln in data["lines"]], blocks, language,
                   data.get("ocr"), data.get("cut"), data.get("source"), data.get("image"), data.get("text_layer"),
                   _rest(data, cls.KEYS))


@dataclass
class Document:
    """What was read of an upload. `paged`: a document of pages (section 7: `pages`, with page 1
    also at the top level); else one image, its page's fields at the top level (section 1).
    `flow`: a document without pages (section 13)."""
    engine: str
    engine_version: str
    pages: list[Page]
    timings_ms: dict = field(default_factory=dict)
    unsure: list[Word] = field(default_factory=list)  # words read but not sure of, in reading order
    kind: str | None = None
    paged: bool = False
    flow: bool = False
    info: dict | None = None  # a paged document's `document`: how much of it is read
    language: Language | None = None  # a paged document's (an image's is its page's)
    # Its pages as exported so far. A page is exported once, the first time the document is,
    # and not again: pages are added, never changed, once published (a result grows by
    # appending, chalicelib.jobs.growing), and a long document is published page by page.
    published: list[dict] = field(default_factory=list, init=False, repr=False, compare=False)

    @property
    def page(self) -> Page:
        """The one page of an image."""
        return self.pages[0]

    @property
    def text(self) -> str:
        """An image's text; a document's pages' texts joined by a blank line (pages without text add none)."""
        return "\n\n".join(t for t in (p.text for p in self.pages) if t) if self.paged else self.page.text

    def export(self) -> dict:
        """The result's JSON (CONTRACTS sections 1, 7, 11, 13), made anew at each call."""
        out: dict = {"schema": SCHEMA_VERSION}
        if self.kind is not None:
            out["kind"] = self.kind
        out |= {"engine": self.engine, "engine_version": self.engine_version}
        if not self.paged:
            page = self.page.export()
            out |= {"width": page.pop("width"), "height": page.pop("height"), "text": page.pop("text"),
                    "lines": page.pop("lines"), "timings_ms": dict(self.timings_ms)}
            if self.unsure:
                out["unsure"] = [w.export() for w in self.unsure]
            return out | page
        self.published += [p.export() for p in self.pages[len(self.published):]]
        pages = self.published[:len(self.pages)]
        if self.flow:
            out["flow"] = True
        first = pages[0] if pages else {"width": None, "height": None} if self.flow else {"width": 1, "height": 1}
        out |= {"width": first["width"], "height": first["height"], "text": self.text,
                "lines": first.get("lines", []), "timings_ms": dict(self.timings_ms), "pages": pages,
                "document": dict(self.info or {})}
        if self.language is not None:
            out["language"] = self.language.export()
        if self.unsure:
            out["unsure"] = [w.export() for w in self.unsure]
        return out
