"""Documents without pages (DOCX, ODT, EPUB, HTML, Markdown, plain text; issue 39; Jupyter
notebooks and LaTeX sources, issue 79) into the
page kind's structure (CONTRACTS section 13, `flow: true`): sections of blocks with roles, each
block's text in lines of words, every box null.

Each format's reader (one module per format beside this one) walks its file and calls a
`Builder`; the builder alone knows the result's shape, the caps and where sections end. The
readers run in the decoding sandbox (media/sandbox.py: memory, CPU and wall-clock limits), so
what leaves them is plain JSON.

    b = Builder(max_words=50_000, max_chars=500_000)
    b.section()                      # an EPUB spine item, a chapter file (optional)
    b.add("heading", "1. Methods", level=1)
    b.add("paragraph", "Text of the paragraph ...")
    b.table([[("Name", True), ("Age", True)], [("Ann", False), ("31", False)]])
    b.add("footnote", "1 A note.")
    doc = b.finish(format="docx", title="Report", language="en", outline=[...])

A reader stops early when `b.full` (the document's caps are met: the rest is counted, not kept).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from chalicelib.errors import MediaError
from chalicelib.structure import FURNITURE, ROLES
from chalicelib.structure.layout import Block, Cell

# A section (a "page" of a flow document) ends at the next block past this many words, and
# before a heading of level <= SECTION_LEVEL once it holds any: sections stay a size the site
# shows and the worker publishes at once.
SECTION_WORDS = 1500
SECTION_LEVEL = 2
_SPACE = re.compile(r"\s+")  # \s: tabs, newlines and no-break spaces too
# Where a formula stands in a block's text until its words are made (Builder.formula): private-use
# characters, never whitespace, so the token stays inside its word.
_FORMULA = re.compile("\ue000(\\d+)\ue001")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class FlowError(MediaError):
    """The file is not a readable document of its format: the message says why, for people."""
    code = "bad_document"


@dataclass
class _Section:
    lines: list[dict] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    words: int = 0


class Builder:
    """Collects a flow document's blocks into sections, within the document's caps."""

    def __init__(self, *, max_words: int, max_chars: int, section_words: int = SECTION_WORDS,
                 max_sections: int = 2000) -> None:
        self.max_words, self.max_chars = max_words, max_chars
        self.section_words, self.max_sections = section_words, max_sections
        self.sections: list[_Section] = []
        self.words = self.chars = 0  # kept
        self.found = 0  # words seen, kept or not
        self.cut: str | None = None  # "words" | "chars" once a cap is met
        self._fresh = True  # the next block starts a section
        self._formulas: list[dict] = []  # formulas met, by their token's number (`formula`)

    @property
    def full(self) -> bool:
        return self.cut is not None

    def section(self) -> None:
        """The next block starts a new section (a spine item, a chapter file, a page break)."""
        self._fresh = True

    def add(self, role: str, text: str, *, level: int | None = None, lines: list[str] | None = None) -> bool:
        """One block of `role` whose text is `text` (whitespace collapsed), or whose lines are
        `lines` (a list item's or a poem's lines, a code block's). `level`: a heading's, 1-6.
        False when nothing was kept (empty, or the caps are met)."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        texts = [t for t in (_clean(t) for t in (lines if lines is not None else [text])) if t]
        if not texts:
            return False
        if role == "heading" and level is not None and level <= SECTION_LEVEL and self._open() and self._open().words:
            self._fresh = True
        made = self._lines(texts)
        if not made:
            return False
        section, first = self._place(made, counts=role not in FURNITURE)
        section.blocks.append(Block(role, list(range(first, first + len(made))), None,
                                    level=max(1, min(6, level or 1)) if role == "heading" else None))
        return True

    def formula(self, found: dict) -> str:
        """Where a formula (media.flow.formula: its MathML or LaTeX) stands in a block's text: a
        token to put in the text handed to `add` or `table`, which becomes one word carrying the
        formula (its text the formula's linear LaTeX; punctuation glued to it stays in the word)."""
        self._formulas.append(found)
        return f"\ue000{len(self._formulas) - 1}\ue001"

    def plain(self, text: str) -> str:
        """`text` with each formula's token as the formula's linear LaTeX (an outline's title, a
        document's title: text outside the blocks' words)."""
        from chalicelib.media.flow import formula as formulas

        return _FORMULA.sub(lambda m: formulas.linear(self._formulas[int(m.group(1))])
                            if int(m.group(1)) < len(self._formulas) else "", text)

    def table(self, rows: list[list[tuple[str, bool]]], caption: str | None = None) -> bool:
        """A table: rows of (cell text, is a header cell), read row by row; its caption first."""
        if caption:
            self.add("caption", caption)
        cells, texts = [], []
        for r, row in enumerate(rows):
            for c, (text, header) in enumerate(row):
                t = _clean(text)
                if t:
                    cells.append(Cell(r, c, bool(header), []))
                    texts.append(t)
        made = self._lines(texts)
        if not made:
            return False
        section, first = self._place(made)
        for i, cell in enumerate(cells[:len(made)]):
            cell.lines = [first + i]
        section.blocks.append(Block("table", list(range(first, first + len(made))), None, cells=cells[:len(made)]))
        return True

    def finish(self, *, format: str, title: str | None = None, language: str | None = None,
               outline: list[dict] | None = None) -> dict:
        """The document as JSON: {"format", "title", "language" (declared, or None), "sections":
        [{"lines", "blocks"}], "outline": [{"title", "level", "section"}], "cut": None or
        {"reason", "kept", "found"}} (`read` may set reason "unread", with "chars": {"kept", "held"})."""
        return {"format": format, "title": _clean(title or "") or None, "language": language,
                "sections": [{"lines": s.lines, "blocks": [b.export() for b in s.blocks]}
                             for s in self.sections if s.lines],
                "outline": [o for o in (outline or []) if 0 <= o.get("section", -1) < len(self.sections)],
                "cut": None if self.cut is None else {"reason": self.cut, "kept": self.words, "found": self.found}}

    # -------------------------------------------------------------------- inside

    def _open(self) -> _Section | None:
        return self.sections[-1] if self.sections else None

    def _lines(self, texts: list[str]) -> list[dict]:
        """Lines of words for `texts`, within the caps (a line cut at the cap keeps its first words)."""
        out = []
        for text in texts:
            words = [w for word in text.split(" ") for w in _one_formula_each(word)]
            self.found += len(words)
            if self.full:
                continue
            take = []
            for w in words:
                if self.words + 1 > self.max_words:
                    self.cut = "words"
                    break
                size = len(w) + self._formula_size(w)
                if self.chars + size > self.max_chars:
                    self.cut = "chars"
                    break
                self.words += 1
                self.chars += size
                take.append(w)
            if take:
                made = [self._word(w) for w in take]
                out.append({"text": " ".join(w["text"] for w in made), "confidence": 1.0, "box": None, "words": made})
        return out

    def _word(self, text: str) -> dict:
        """A word of the result; one holding a formula's token carries the formula (`formula`,
        with `span`: where the formula is in the word's text when punctuation is glued to it)."""
        m = _FORMULA.search(text)
        if m is None or int(m.group(1)) >= len(self._formulas):
            return {"text": _FORMULA.sub("", text) or text, "confidence": 1.0, "box": None}
        from chalicelib.media.flow import formula as formulas

        found = dict(self._formulas[int(m.group(1))])
        body = formulas.linear(found)
        before, after = text[:m.start()], _FORMULA.sub("", text[m.end():])
        if before or after:
            found["span"] = [len(before), len(before) + len(body)]
        return {"text": before + body + after, "confidence": 1.0, "box": None, "formula": found}

    def _formula_size(self, word: str) -> int:
        """What a formula's MathML adds to the characters kept: a quarter of it (MathML spends ~4
        characters of markup per character shown), so a document of formulas is bounded too."""
        m = _FORMULA.search(word)
        if m is None or int(m.group(1)) >= len(self._formulas):
            return 0
        return len(self._formulas[int(m.group(1))].get("mathml") or "") // 4

    def _place(self, made: list[dict], counts: bool = True) -> tuple[_Section, int]:
        """Where `made` goes: the open section, or a new one. `counts`: its words count toward
        the section's size (a page number or running header does not make a section hold text,
        so the chapter heading after it still starts one)."""
        section = self._open()
        # Past max_sections (a file of a million one-line chapters) blocks join the last one.
        if section is None or ((self._fresh or section.words >= self.section_words)
                               and len(self.sections) < self.max_sections):
            section = _Section()
            self.sections.append(section)
        self._fresh = False
        first = len(section.lines)
        section.lines.extend(made)
        if counts:
            section.words += sum(len(line["words"]) for line in made)
        return section, first

    @property
    def section_index(self) -> int:
        """The index the next block's section will have (for outlines: an EPUB nav entry
        points at the spine item about to be read)."""
        return len(self.sections) if (self._fresh or not self.sections) else len(self.sections) - 1


def _one_formula_each(word: str) -> list[str]:
    """A word holding several formulas' tokens ("$a$-$b$") cut before each token after the first."""
    marks = [m.start() for m in _FORMULA.finditer(word)]
    if len(marks) < 2:
        return [word]
    cuts = [0, *marks[1:], len(word)]
    return [word[a:b] for a, b in zip(cuts, cuts[1:]) if word[a:b]]


def _clean(text: str) -> str:
    """Whitespace collapsed (tabs, newlines, no-break spaces), control characters gone."""
    return _SPACE.sub(" ", _CONTROL.sub("", text)).strip()


# ------------------------------------------------------------------------ formats

# Format -> (the module that reads it, what people call it). Each module has
# `read(data: bytes, b: Builder, hint: str | None) -> dict` returning {"title", "language",
# "outline": [{"title", "level", "section"}]} (any may be None/empty) after adding the blocks.
FORMATS = {"docx": ("docx", "Word document (DOCX)"), "odt": ("odt", "OpenDocument text (ODT)"),
           "epub": ("epub", "EPUB book"), "html": ("html", "web page (HTML)"),
           "markdown": ("markdown", "Markdown file"), "text": ("text", "text file"),
           "notebook": ("notebook", "Jupyter notebook"), "latex": ("latex", "LaTeX source")}
ZIP_MAGIC = b"PK\x03\x04"
ODT_MIME = b"application/vnd.oasis.opendocument.text"
EPUB_MIME = b"application/epub+zip"
_HTML_START = re.compile(rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*(<!doctype\s+html|<html|<head|<body)", re.I | re.S)
# What each declared content type says of a file whose bytes do not tell (Markdown is text).
HINTS = {"text/markdown": "markdown", "text/x-markdown": "markdown", "text/html": "html",
         "application/xhtml+xml": "html", "text/plain": "text", "application/x-ipynb+json": "notebook",
         "application/x-tex": "latex", "text/x-tex": "latex", "application/x-latex": "latex", "text/x-latex": "latex"}
# A notebook by its bytes: a JSON object naming its cells (nbformat 4) or worksheets (3), or its
# nbformat (written last, keys sorted). A LaTeX source: \documentclass (or 2.09's \documentstyle)
# first, after comments and blank lines.
_NOTEBOOK_HEAD = re.compile(rb'^\s*\{\s*"(?:cells|worksheets|metadata|nbformat)"\s*:')
_NOTEBOOK_KEY = re.compile(rb'"(?:cells|worksheets)"\s*:\s*\[|"nbformat"\s*:\s*[1-9]')
_LATEX_HEAD = re.compile(rb"^(?:\s*%[^\n]*\n|\s+)*\\(?:documentclass|documentstyle)\b")


def sniff(data: bytes, content_type: str | None = None) -> str | None:
    """The flow format of `data` by its bytes (zips by their parts; HTML by its start), the
    declared `content_type` deciding only between text formats; None when it is none of them
    (a PDF, an image, a binary file)."""
    if data[:4] == ZIP_MAGIC:
        return _zip_format(data)
    declared = HINTS.get((content_type or "").split(";")[0].strip().lower())
    head = data[:4096]
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")) and not _utf16_like(head):
        return None  # binary: text has no NUL bytes unless it is UTF-16
    if head.startswith((b"%PDF", b"\x89PNG", b"\xff\xd8", b"GIF8", b"II*\x00", b"MM\x00*", b"RIFF")):
        return None
    if declared == "html" or _HTML_START.match(_ascii_head(head)):
        return "html"
    if declared in (None, "text", "notebook", "latex"):
        told = by_signature(data)
        if told is not None:
            return told
    return declared or "text"


def by_signature(data: bytes) -> str | None:
    """"notebook" or "latex" when the bytes say so (module comment above), else None."""
    head = _ascii_head(data[:4096])
    if _NOTEBOOK_HEAD.match(head) and (_NOTEBOOK_KEY.search(head) or _NOTEBOOK_KEY.search(data[-4096:])):
        return "notebook"
    if _LATEX_HEAD.match(head):
        return "latex"
    return None


def _utf16_like(head: bytes) -> bool:
    """UTF-16 without a BOM: mostly Latin text has a NUL in every other byte, on one side."""
    even, odd = head[0::2], head[1::2]
    if len(head) < 8:
        return False
    zeros = (even.count(0) / len(even), odd.count(0) / max(1, len(odd)))
    return max(zeros) > 0.3 and min(zeros) < 0.02


def _ascii_head(head: bytes) -> bytes:
    """The start of a text file as bytes a regex reads: UTF-16 narrowed, a UTF-8 BOM dropped."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return head.decode("utf-16").encode("ascii", "ignore")
        except UnicodeDecodeError:
            return b""
    return head.removeprefix(b"\xef\xbb\xbf")


def _zip_format(data: bytes) -> str | None:
    """docx / odt / epub by the parts the zip holds (its central directory, not its name)."""
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = z.namelist()
            if "mimetype" in names:
                info = z.getinfo("mimetype")
                mime = z.read("mimetype").strip() if info.file_size <= 200 else b""
                if mime == EPUB_MIME:
                    return "epub"
                if mime == ODT_MIME:
                    return "odt"
            if "word/document.xml" in names:
                return "docx"
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return None
    return None


# Declared types whose bytes must say the same (zips: their parts), and what they must be.
STRICT = {"application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
          "application/vnd.oasis.opendocument.text": "odt", "application/epub+zip": "epub"}


def format_of(data: bytes, content_type: str | None) -> str | None:
    """The flow format to read `data` as, or None when it is not a flow document (a PDF, an
    image): by its bytes, given the type the upload declared (None: a zip's parts alone
    decide). FlowError when the declared type and the bytes disagree."""
    declared = (content_type or "").split(";")[0].strip().lower()
    if not declared:  # a zip's parts, a notebook's or a LaTeX source's start (the command line's files)
        return _zip_format(data) if data[:4] == ZIP_MAGIC else by_signature(data)
    from chalicelib.media.types import FLOW_TYPES

    if declared not in FLOW_TYPES:
        # A notebook or a LaTeX source declared as something else (a client that maps an ending it
        # does not know to its first type, image/jpeg): its bytes say what it is; an image's never do.
        return by_signature(data)
    fmt = sniff(data, declared)
    want = STRICT.get(declared)
    if want is not None and fmt != want:
        name = FORMATS[want][1]
        raise FlowError(f"This file was uploaded as a {name}, but it is not one: {_WHAT_IT_HOLDS[want]} "
                        f"Save it again as a {name} (or as PDF) and upload that.")
    if fmt is None or fmt in STRICT.values() and want is None:
        raise FlowError("This file is not a text document PageVoice can read: its content is not text "
                        "(DOCX, ODT, EPUB, HTML, Markdown, a Jupyter notebook, LaTeX or plain text).")
    return fmt


_WHAT_IT_HOLDS = {"docx": "a Word document is a zip holding word/document.xml.",
                  "odt": "an OpenDocument text is a zip whose first part names its type.",
                  "epub": "an EPUB is a zip whose first part is its 'mimetype'."}


def read(data: bytes, *, content_type: str | None = None, max_words: int, max_chars: int) -> dict:
    """A flow document's sections (Builder.finish), read by its format's module. FlowError
    with a sentence for people when the file is not readable as what it claims to be."""
    import importlib

    fmt = format_of(data, content_type) or (sniff(data, content_type) if content_type else None)
    if fmt is None:
        raise FlowError("This file is not a document PageVoice reads (DOCX, ODT, EPUB, HTML, Markdown, a Jupyter "
                        "notebook, LaTeX or text).")
    module = importlib.import_module(f"chalicelib.media.flow.{FORMATS[fmt][0]}")
    b = Builder(max_words=max_words, max_chars=max_chars)
    meta = module.read(data, b, content_type) or {}
    doc = b.finish(format=fmt, title=meta.get("title"), language=meta.get("language"), outline=meta.get("outline"))
    from chalicelib.media.flow import held

    if doc["cut"] is None and held.lost(b.chars, meta.get("held")):
        # Far less kept than the file holds: said, never a silent "complete" (issue 55).
        doc["cut"] = {"reason": "unread", "kept": b.words, "found": max(b.words, meta["held"]["words"]),
                      "chars": {"kept": b.chars, "held": meta["held"]["chars"]}}
    return doc
