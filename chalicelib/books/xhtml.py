"""One page of a result (CONTRACTS sections 1, 7, 13) as an EPUB XHTML content document: its
blocks as HTML structure (headings, paragraphs, lists, tables, figures with their captions), its
furniture kept and marked (DPUB-ARIA doc-pagebreak and doc-footnote, classes for running heads)
so reading systems can skip or show it, and the elements the Media Overlay
points at: a span per spoken word (chalicelib.books.overlay.word_id) inside a span per
sentence (one per run of the sentence's words in one block or table cell: an element cannot
cross a block).

A page's lines are joined into reflowing text: a visual line break means nothing in a book.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.sax import saxutils

from chalicelib import languages
from chalicelib.books.overlay import word_id

XHTML_NS = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"
# role -> the element around its text ({} takes the block's id and language)
ELEMENTS = {
    "paragraph": ("<p{}>", "</p>"),
    "caption": ('<p{} class="caption">', "</p>"),
    "footnote": ('<aside{} role="doc-footnote" epub:type="footnote"><p>', "</p></aside>"),
    "code": ("<pre{}><code>", "</code></pre>"),
    "page-number": ('<p{} class="page-number">', "</p>"),  # spoken (else it is only the page break's label)
    # DPUB-ARIA 1.1's doc-pageheader and doc-pagefooter are refused by EPUBCheck 5.3 and by Ace's
    # axe-core (an invalid role): running heads are marked by class, after the page break.
    "page-header": ('<div{} class="page-header"><p>', "</p></div>"),
    "page-footer": ('<div{} class="page-footer"><p>', "</p></div>"),
}
# Characters XML 1.0 cannot hold (control codes a text layer or a document may carry): dropped.
NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
MARKERS = set("•·-–—*▪◦●○■□(")  # a list item whose text starts so brings its own marker
# Empty cells a table's grid may add to its cells: a flow document's indices count the empty cells
# before them, so a small file can name a grid of millions (written as text past this).
GRID_EMPTY_MAX = 10_000


@dataclass
class Page:
    """What a page's document needs besides the page: its place in the book (0-based), the
    sentence of each spoken word (line, word), its printed page's label (None for a document
    without pages: no page break is marked), the document's title and the page's language."""
    index: int
    sentence_of: dict[tuple[int, int], int]
    label: str | None
    title: str
    language: str
    # Before each id the page's elements have (blocks, sentences, words) but its page break's:
    # a document holding several pages (books.epub_book) gives each its own ("p12-").
    prefix: str = ""


@dataclass
class Rendered:
    text: str  # the XHTML document
    sentence_ids: dict[int, list[str]] = field(default_factory=dict)  # sentence -> its element ids, in order
    block_ids: set[int] = field(default_factory=set)  # blocks with an element of their own (id b<i>)
    words: set[tuple[int, int]] = field(default_factory=set)  # (line, word) of each spoken word's span
    mathml: bool = False  # it holds formulas' MathML (its manifest item then says so: properties="mathml")


def escape(value) -> str:
    """Text for XML content: escaped, characters XML cannot hold dropped."""
    return saxutils.escape(NOT_XML.sub("", str(value)))


def quoteattr(value) -> str:
    """A quoted XML attribute value, as escape()."""
    return saxutils.quoteattr(NOT_XML.sub("", str(value)))


def language_of(code) -> str:
    """A BCP 47 tag for xml:lang: the code given, or "und" (undetermined)."""
    ok = isinstance(code, str) and code and all(part.isalnum() for part in code.split("-"))
    return code if ok else "und"


def lang_attrs(code: str, within: str | None = None, *, direction: bool = True) -> str:
    """lang and xml:lang, and dir where the text's direction is not its surroundings' (`within`:
    the language around it; None at a document's root: rtl only). `direction=False` (a word's span):
    no dir, as dir isolates its element, and a right-to-left line's isolated words are laid out
    left to right in a left-to-right paragraph (Chromium): unisolated, its letters order them."""
    found = languages.get(code.split("-")[0])
    attrs = f' lang="{code}" xml:lang="{code}"'
    if not direction or not found:
        return attrs
    around = languages.get(within.split("-")[0]) if within else None
    return attrs + (' dir="rtl"' if found.rtl else ' dir="ltr"' if around and around.rtl else "")


def page_id(index: int) -> str:
    return f"page-{index + 1}"


def blocks_of(page: dict) -> list[dict]:
    """The page's blocks; a page without (an older result) is one paragraph per line, as it was read."""
    blocks = page.get("blocks")
    if blocks is None:
        return [{"role": "paragraph", "lines": [i], "spoken": True} for i in range(len(page.get("lines") or []))]
    return blocks


def document(page: dict, info: Page, stylesheet: str) -> Rendered:
    writer = _Writer(page, info)
    body = writer.body()
    return Rendered(head(info.title, info.language, stylesheet) + body + TAIL, writer.sentence_ids, writer.block_ids,
                    writer.words, writer.mathml)


def head(title: str, language: str, stylesheet: str) -> str:
    """A content document's start, up to its body's content."""
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n'
            f'<html xmlns="{XHTML_NS}" xmlns:epub="{EPUB_NS}"{lang_attrs(language)}>\n'
            f"<head>\n<meta charset=\"utf-8\"/>\n<title>{escape(title)}</title>\n"
            f'<link rel="stylesheet" type="text/css" href={quoteattr(stylesheet)}/>\n</head>\n<body>\n')


TAIL = "</body>\n</html>\n"


def section(page: dict, info: Page, within: str, anchor: str) -> Rendered:
    """The page as one of several in a document whose language is `within` (head() and TAIL
    around them): a div of id `anchor` (where the contents point at the page), in the page's
    language when it is not the document's, its elements' ids prefixed (info.prefix)."""
    writer = _Writer(page, info)
    body = writer.body()
    lang = lang_attrs(info.language, within) if info.language != within else ""
    return Rendered(f'<div id="{anchor}"{lang}>\n{body}</div>\n', writer.sentence_ids, writer.block_ids, writer.words,
                    writer.mathml)


class _Writer:
    def __init__(self, page: dict, info: Page):
        self.lines = page.get("lines") or []
        self.blocks = blocks_of(page)
        self.info = info
        self.sentence_ids: dict[int, list[str]] = {}
        self.block_ids: set[int] = set()
        self.words: set[tuple[int, int]] = set()
        self.mathml = False

    def body(self) -> str:
        out = []
        if self.info.label is not None:  # the printed page starts here: the page list's target
            label = quoteattr(self.info.label)
            out.append(f'<span id="{page_id(self.info.index)}" role="doc-pagebreak" epub:type="pagebreak" '
                       f"aria-label={label} title={label}></span>\n")
        captions = _captions(self.blocks)
        b = 0
        while b < len(self.blocks):
            if self.blocks[b]["role"] == "list-item":
                end = b
                while end < len(self.blocks) and self.blocks[end]["role"] == "list-item":
                    end += 1
                out.append(self.items(range(b, end)))
                b = end
                continue
            if b not in captions.values():
                out.append(self.block(b, captions.get(b)))
            b += 1
        return "".join(out)

    def block(self, b: int, caption: int | None) -> str:
        block = self.blocks[b]
        role, lines = block["role"], block["lines"]
        if role == "table":
            return self.figure(b, self.table(block, b if caption is None else None), caption)
        if role == "figure":
            inner = f"<p>{self.run(lines)}</p>\n" if self.has_words(lines) else ""
            return self.figure(b, inner, caption) if inner or caption is not None else ""
        if not self.has_words(lines):
            return ""
        if role == "page-number" and self.info.label is not None and not block.get("spoken", True):
            return ""  # the page break carries it
        open_tag, close_tag = ELEMENTS.get("page-footer" if role == "page-number" and self.info.label is None
                                           else role, ELEMENTS["paragraph"])
        if role in ("title", "heading"):
            level = 1 if role == "title" else min(6, max(1, int(block.get("level") or 1)))
            open_tag, close_tag = f"<h{level}{{}}>", f"</h{level}>"
        text = self.run(lines, joiner="\n" if role == "code" else " ")
        return open_tag.format(self.attrs(b, block)) + text + close_tag + "\n"

    def attrs(self, b: int, block: dict) -> str:
        """The block's id (chapters point at it) and its language where it is not the page's
        (every line of it in another)."""
        self.block_ids.add(b)
        codes = {self.lines[i].get("language") for i in self.valid(block["lines"]) if self.lines[i].get("words")}
        code = codes.pop() if len(codes) == 1 else None
        own = lang_attrs(language_of(code), self.info.language) if code and code != self.info.language else ""
        return f' id="{self.info.prefix}b{b}"' + own

    def valid(self, lines: list[int]) -> list[int]:
        return [i for i in lines if isinstance(i, int) and 0 <= i < len(self.lines)]

    def has_words(self, lines: list[int]) -> bool:
        return any(self.lines[i].get("words") for i in self.valid(lines))

    def items(self, blocks: range) -> str:
        items = [b for b in blocks if self.has_words(self.blocks[b]["lines"])]
        if not items:
            return ""
        starts = [self.lines[self.valid(self.blocks[b]["lines"])[0]].get("text", "").lstrip()[:1] for b in items]
        marked = all(c in MARKERS or c.isdigit() for c in starts)
        lis = "".join(f"<li{self.attrs(b, self.blocks[b])}>{self.run(self.blocks[b]['lines'])}</li>\n" for b in items)
        return ('<ul class="marked">\n' if marked else "<ul>\n") + lis + "</ul>\n"

    def figure(self, b: int, inner: str, caption: int | None) -> str:
        """A figure (or a table) with its caption, in reading order (the caption before or after)."""
        if caption is None:
            if self.blocks[b]["role"] == "table":
                return inner
            return f'<figure id="{self.info.prefix}b{b}">\n{inner}</figure>\n'
        self.block_ids.update({b, caption})
        text = f'<figcaption id="{self.info.prefix}b{caption}">{self.run(self.blocks[caption]["lines"])}</figcaption>\n'
        return f'<figure id="{self.info.prefix}b{b}">\n' + (text + inner if caption < b else inner + text) + "</figure>\n"

    def table(self, block: dict, b: int | None) -> str:
        """A table's grid (lines in no cell come first, as a paragraph)."""
        rows, loose = grid(block, self.valid(block["lines"]))
        lead = f"<p>{self.run(loose)}</p>\n" if self.has_words(loose) else ""
        if not rows:
            return lead
        ident = ""
        if b is not None:
            self.block_ids.add(b)
            ident = f' id="{self.info.prefix}b{b}"'
        html = [f"{lead}<table{ident}>\n"]
        for r, row in enumerate(rows):
            cells = "".join(f'<th scope="{scope}">{self.run(lines)}</th>' if scope else f"<td>{self.run(lines)}</td>"
                            for scope, lines in row)
            html.append(f"<tr>{cells}</tr>\n")
            if r == 0 and len(rows) > 1 and all(scope == "col" for scope, _ in row):
                html[-1] = f"<thead>\n{html[-1]}</thead>\n<tbody>\n"
        html.append("</tbody>\n</table>\n" if "<thead>" in html[1] else "</table>\n")
        return "".join(html)

    def run(self, lines: list[int], joiner: str = " ") -> str:
        """The lines' words as text: each spoken word in its span, each sentence's run of words
        in a span, a line in another language than the page's in that language."""
        out: list[str] = []
        current = None  # the sentence whose span is open
        previous = ""  # the last word's text
        for li in self.valid(lines):
            line = self.lines[li]
            code = line.get("language")
            lang = lang_attrs(language_of(code), direction=False) if code and code != self.info.language else ""
            for wi, word in enumerate(line.get("words") or []):
                text = str(word.get("text", ""))
                k = self.info.sentence_of.get((li, wi), current)
                if k != current and current is not None:
                    out.append("</span>")
                if previous:
                    out.append(joiner if wi == 0 and not _broken(previous, text) else "" if wi == 0 else " ")
                if k != current and k is not None:
                    out.append(f'<span id="{self.sentence_id(k)}">')
                current, previous = k, text
                out.append(self.word(li, wi, text, lang))
        if current is not None:
            out.append("</span>")
        return "".join(out)

    def word(self, li: int, wi: int, text: str, lang: str) -> str:
        shown = self.formula(self.lines[li]["words"][wi], text)
        if (li, wi) in self.info.sentence_of:
            self.words.add((li, wi))
            return f'<span id="{self.info.prefix}{word_id(li, wi)}"{lang}>{shown}</span>'
        return f"<span{lang}>{shown}</span>" if lang else shown

    def formula(self, word: dict, text: str) -> str:
        """A word as XHTML: its text, or a formula's MathML (with its spoken words as alttext, what
        Ace and screen readers ask of math) between the punctuation glued to it."""
        found = word.get("formula") if isinstance(word, dict) else None
        math = _math(found.get("mathml"), found.get("spoken") or found.get("alt") or text) \
            if isinstance(found, dict) and isinstance(found.get("mathml"), str) and "error" not in found else None
        if math is None:
            return escape(text)
        self.mathml = True
        a, b = found.get("span") or (0, len(text))
        return escape(text[:a]) + math + escape(text[b:])

    def sentence_id(self, k: int) -> str:
        ids = self.sentence_ids.setdefault(k, [])
        ids.append(f"{self.info.prefix}s{k}" if not ids else f"{self.info.prefix}s{k}-{len(ids)}")
        return ids[-1]


def _math(mathml: str, alttext: str) -> str | None:
    """A formula's MathML checked again (parsed, cleaned to presentation MathML: a result is data, not
    markup to trust) with its alttext; None when it is not MathML."""
    from lxml import etree

    from chalicelib.media.flow import formula

    try:
        root = etree.fromstring(mathml.encode(), etree.XMLParser(resolve_entities=False, no_network=True,
                                                                  load_dtd=False, huge_tree=False))
    except (etree.XMLSyntaxError, ValueError):
        return None
    found = formula.from_mathml(root)
    if "mathml" not in found:
        return None
    clean = etree.fromstring(found["mathml"].encode())
    clean.set("alttext", NOT_XML.sub("", " ".join(str(alttext).split()))[:1000])
    return etree.tostring(clean, encoding="unicode")


def _broken(previous: str, text: str) -> bool:
    """A word broken at a line's end ("infor-" / "mation"): joined again without a space."""
    return len(previous) > 2 and previous.endswith("-") and previous[-2].isalpha() and text[:1].islower()


def grid(block: dict, lines: list[int]) -> tuple[list[list[tuple[str | None, list[int]]]], list[int]]:
    """A table block's rows of cells, each (header scope or None, lines), and its lines in no
    cell. A table without header cells gets its first row as column headers (a data table is
    read cell by cell by its headers), unless it has a single row. A grid far sparser than its
    cells (GRID_EMPTY_MAX) has no rows: its lines are all loose."""
    cells = [c for c in block.get("cells") or [] if isinstance(c.get("row"), int) and isinstance(c.get("col"), int)]
    in_cells = {i for c in cells for i in c.get("lines") or []}
    loose = [i for i in lines if i not in in_cells]
    if not cells:
        return [], lines
    top, left = min(c["row"] for c in cells), min(c["col"] for c in cells)
    rows = max(c["row"] for c in cells) - top + 1
    cols = max(c["col"] for c in cells) - left + 1
    if rows * cols > len(cells) + GRID_EMPTY_MAX:
        return [], lines
    at = {(c["row"] - top, c["col"] - left): c for c in cells}
    headed = any(c.get("header") for c in cells) or rows == 1
    out = []
    for r in range(rows):
        row = []
        for col in range(cols):
            cell = at.get((r, col), {})
            head = cell.get("header") if headed else r == 0
            scope = ("col" if r == 0 else "row") if head and rows > 1 else None
            row.append((scope, cell.get("lines") or []))
        out.append(row)
    return out, loose


def _captions(blocks: list[dict]) -> dict[int, int]:
    """figure or table block -> the caption block beside it (the one just before or after)."""
    out: dict[int, int] = {}
    for c, block in enumerate(blocks):
        if block["role"] != "caption":
            continue
        for t in (c - 1, c + 1):
            if 0 <= t < len(blocks) and blocks[t]["role"] in ("figure", "table") and t not in out:
                out[t] = c
                break
    return out
