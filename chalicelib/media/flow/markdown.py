"""Markdown (issue 39) into a flow document: CommonMark with GitHub's tables and strikethrough
(markdown-it-py, MIT) plus front matter and footnotes (mdit-py-plugins, MIT), read from the
parser's token stream, never rendered to HTML and parsed again.

ATX and setext headings, paragraphs, list items with their numbers (an ordered list's own
start), tables with their header row as header cells, block quotes as paragraphs, indented
blocks and fences as `code` (one line per code line; left unspoken by default) unless a fence
names no language and its text is not code (verse: read with its lines), images' alt text as
figures, links' text, footnotes as footnotes; raw HTML is dropped (not read as markup), and the
front matter's title is the document's title, not read."""
from __future__ import annotations

import re

from chalicelib.media.flow import Builder, FlowError
from chalicelib.media.flow.code import looks_like_code, stanzas
from chalicelib.media.flow.encoding import decode
from chalicelib.media.flow.latex_scan import closing_dollar

_FRONT_TITLE = re.compile(r"^title\s*:\s*(?P<v>.+?)\s*$", re.M | re.I)
_FRONT_LANG = re.compile(r"^(?:lang|language|locale)\s*:\s*[\"']?(?P<v>[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?)[\"']?\s*$",
                         re.M | re.I)
# Characters of source parsed at a time, until the caps are met.
CHUNK = 100_000
# A README's status badges ("build passing", "coverage 98%") are pictures of metadata, not
# figures of the document.
_BADGE = re.compile(r"shields\.io|badge|travis-ci\.|codecov\.io|coveralls\.io|readthedocs\.org/projects/.*/badge",
                    re.I)
_TASK = re.compile(r"^\[[ xX]\]\s+")
_FENCE = re.compile(r"^ {0,3}(?:```|~~~)", re.M)
_REFERENCE = re.compile(r"^ {0,3}\[(?!\^)(?P<label>[^\]\n]{1,999})\]:[ \t]*<?(?P<href>[^\s>]+)>?", re.M)
MAX_NESTING = 64


def _parser():
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin
    from mdit_py_plugins.footnote import footnote_plugin
    from mdit_py_plugins.front_matter import front_matter_plugin
    from mdit_py_plugins.texmath import texmath_plugin

    # html on: raw HTML becomes html_block / html_inline tokens that are dropped, rather than
    # text whose tags would be read aloud.
    md = (MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
          .use(front_matter_plugin).use(footnote_plugin)
          # formulas (issue 58): $...$ and $$...$$ (pandoc's rules: "$5 and $10" is not one), \(...\), \[...\]
          .use(dollarmath_plugin, double_inline=True).use(texmath_plugin, delimiters="brackets"))
    md.inline.ruler.before("math_inline", "math_inline_braced", _braced_dollar)
    # markdown-it stops reading the whole rest of a document past this depth (its default, 20,
    # loses real text after a deep outline); 10,000 nested quotes still stop at it.
    md.options["maxNesting"] = MAX_NESTING
    return md


def _braced_dollar(state, silent: bool) -> bool:
    """`$..\\text{for $x$}..$` as one formula, as TeX, pandoc and MathJax read it: a dollar inside
    the formula's braces does not close it (dollarmath's rule closes at the next dollar). Only a
    formula whose closing dollar the braces moved is taken here; any other is dollarmath's."""
    src, pos = state.src, state.pos
    if src[pos] != "$" or src.startswith("$$", pos) or (pos and src[pos - 1] == "\\"):
        return False
    end = closing_dollar(src, pos + 1, "$")
    first = src.find("$", pos + 1)
    if end < 0 or end == first:
        return False
    content = src[pos + 1:end]
    if not content or content[0].isspace() or content[-1].isspace() or src[end + 1:end + 2].isdigit():
        return False
    if not silent:
        token = state.push("math_inline", "math", 0)
        token.content, token.markup = content, "$"
    state.pos = end + 1
    return True


def read(data: bytes, b: Builder, hint: str | None) -> dict:
    """Adds the Markdown's blocks to `b`; {"title", "language", "outline"}."""
    m = re.search(r"charset\s*=\s*\"?([\w.:-]+)", hint or "", re.I)
    text, _ = decode(data, m.group(1) if m else None)
    walker = read_text(text, b)
    return {"title": walker.front_title or walker.first_heading, "language": walker.language,
            "outline": walker.outline}


def read_text(text: str, b: Builder, walker: _Walker | None = None, md=None) -> _Walker:
    """Adds the blocks of Markdown `text` to `b` through `walker` (a new one unless given: a
    notebook's cells share one, so its outline and title run across them); the walker."""
    md = md or _parser()
    references = _references(text)
    walker = walker or _Walker(b)
    size = max(CHUNK, b.max_chars // 4)
    start = 0
    while start < len(text):
        if b.full:
            b.found += len(text[start:].split())  # past the caps: counted, not parsed
            break
        end = _cut(text, start + size)
        # each piece parsed alone (markdown-it takes seconds over 10 MB that the caps would
        # drop), with the link definitions of the whole file
        tokens = md.parse(text[start:end], {"references": dict(references)})
        if any(t.level >= MAX_NESTING - 1 for t in tokens):
            # markdown-it drops everything past its depth without a word: say so instead
            raise FlowError(f"This Markdown file nests its quotes or lists {MAX_NESTING}+ deep; "
                            "PageVoice does not read it.")
        walker.walk(tokens)
        start = end
    return walker


def _cut(text: str, at: int) -> int:
    """Where a piece of `text` ends: the first blank line past `at` outside a code fence; with
    none within another few pieces (a list of a million items), the first line end past `at`
    outside a fence; the whole text when there is none."""
    if at >= len(text):
        return len(text)
    cut = text.find("\n\n", at, at + 4 * CHUNK)
    if cut < 0 and "\n" in text[at:at + 4 * CHUNK] and len(_FENCE.findall(text, 0, at)) % 2 == 0:
        return text.index("\n", at) + 1
    cut = text.find("\n\n", at) if cut < 0 else cut
    fences = len(_FENCE.findall(text, 0, cut)) if cut >= 0 else 0
    while cut >= 0:
        if fences % 2 == 0:
            return cut + 1
        nxt = text.find("\n\n", cut + 2)
        fences += len(_FENCE.findall(text, cut, nxt if nxt >= 0 else len(text)))
        cut = nxt
    return len(text)


def _references(text: str) -> dict:
    """The file's link reference definitions ([label]: url), for every piece to resolve."""
    from markdown_it.common.utils import normalizeReference

    out: dict = {}
    for m in _REFERENCE.finditer(text):
        out.setdefault(normalizeReference(m["label"]), {"title": "", "href": m["href"]})
    return out


class _Walker:
    def __init__(self, b: Builder) -> None:
        self.b = b
        self.outline: list[dict] = []
        self.front_title: str | None = None
        self.language: str | None = None
        self.first_heading: str | None = None
        self.lists: list[list] = []  # [ordered, next number]
        self.item_number: list[str | None] = []  # per open list item: its number until used
        self.footnote: str | None = None  # the label of the footnote being read
        self.heading: int | None = None
        self.table: list[list[tuple[str, bool]]] | None = None
        self.cell_header = False

    def walk(self, tokens) -> None:
        for i, t in enumerate(tokens):
            kind = t.type
            if kind == "inline":
                self._inline(t, tokens[i - 1].type if i else "")
            elif kind in ("code_block", "fence") and not (kind == "fence" and t.info.strip().lower() == "math"):
                self._code(t)
            elif kind in ("math_block", "math_block_eqno", "math_block_label", "fence"):
                # display math alone on its lines (GitHub's ```math fence too): a paragraph of one formula
                from chalicelib.media.flow import formula

                self.b.add("paragraph", self.b.formula(formula.from_latex(t.content, display=True)))
            elif kind == "front_matter":
                self._front(t.content)
            elif kind.startswith(("table", "tr_", "th_", "td_")):
                self._table(t)
            else:
                self._nesting(t)
            # html_block, hr, paragraph_open/close and the rest: nothing to read

    def _code(self, t) -> None:
        """An indented block is code (the spec's); a fence is when it names a language or its
        text reads as code (code.py); a bare fence of verse or an address is read, its lines kept."""
        lines = t.content.rstrip("\n").split("\n")
        if t.type == "code_block" or t.info.strip() or looks_like_code(lines):
            self.b.add("code", "", lines=lines)
            return
        for stanza in stanzas(lines):
            self.b.add("paragraph", "", lines=stanza)

    def _nesting(self, t) -> None:
        """Where the next inline run stands: in a heading, a list item, a quote, a footnote."""
        kind = t.type
        if kind == "heading_open":
            self.heading = int(t.tag[1])
        elif kind == "heading_close":
            self.heading = None
        elif kind in ("bullet_list_open", "ordered_list_open"):
            start = t.attrs.get("start", 1) if kind == "ordered_list_open" else None
            self.lists.append([kind == "ordered_list_open", int(start) if start is not None else 1])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            self.lists.pop()
        elif kind == "list_item_open":
            ordered, n = self.lists[-1]
            self.item_number.append(f"{n}." if ordered else None)
            self.lists[-1][1] = n + 1
        elif kind == "list_item_close":
            self.item_number.pop()
        elif kind == "footnote_open":
            self.footnote = str(t.meta.get("label") or t.meta.get("id", 0) + 1)
        elif kind == "footnote_close":
            self.footnote = None

    def _table(self, t) -> None:
        kind = t.type
        if kind == "table_open":
            self.table = []
        elif kind == "table_close":
            self.b.table(self.table or [])
            self.table = None
        elif kind == "tr_open" and self.table is not None:
            self.table.append([])
        elif kind in ("th_open", "td_open"):
            self.cell_header = kind == "th_open"

    def _front(self, content: str) -> None:
        m = _FRONT_TITLE.search(content)
        if m:
            v = m["v"].strip()
            if len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'":
                v = v[1:-1]
            self.front_title = v or None
        m = _FRONT_LANG.search(content)
        if m:
            self.language = m["v"].replace("_", "-")

    def _inline(self, t, opener: str) -> None:
        text, alts = _text(t.children or [], self.b)
        if self.table is not None and self.table and opener in ("th_open", "td_open"):
            self.table[-1].append((text, self.cell_header))
            return
        if self.heading is not None:
            if self.b.add("heading", text, level=self.heading):
                title = " ".join(self.b.plain(text).split())  # a formula as its LaTeX, not its token
                self.outline.append({"title": title, "level": self.heading, "section": len(self.b.sections) - 1})
                self.first_heading = self.first_heading or title
        elif self.footnote is not None:
            self.b.add("footnote", f"{self.footnote} {text}" if text.strip() else "")
            self.footnote = ""  # its later paragraphs carry no label
        elif self.item_number:
            number = self.item_number[-1]
            text = _TASK.sub("", text)  # a GitHub task list's "[ ]" / "[x]" box is not read
            self.b.add("list-item", f"{number} {text}" if number and text.strip() else text)
            self.item_number[-1] = None  # an item's later paragraphs carry no number
        elif "\n" in text:  # lines ended by hard breaks (a poem, an address) stay lines
            self.b.add("paragraph", "", lines=text.split("\n"))
        else:
            self.b.add("paragraph", text)
        for alt in alts:
            self.b.add("figure", alt)


def _text(children, b: Builder) -> tuple[str, list[str]]:
    """An inline run's words (links' text kept, raw HTML and footnote marks dropped, formulas as
    `b.formula`'s tokens) and the alt text of its images (figures of their own)."""
    out: list[str] = []
    alts: list[str] = []
    for c in children:
        kind = c.type
        if kind in ("text", "code_inline"):
            out.append(c.content)
        elif kind in ("math_inline", "math_inline_double", "math_single"):
            if c.content[:1].isspace() or c.content[-1:].isspace():  # "$5 and $10": money, not math
                out.append(f"${c.content}$")
            else:
                from chalicelib.media.flow import formula

                display = kind == "math_inline_double"
                out.append(b.formula(formula.from_latex(c.content, display=display)))
        elif kind == "softbreak":
            out.append(" ")
        elif kind == "hardbreak":
            out.append("\n")
        elif kind == "image" and not _BADGE.search(c.attrs.get("src") or ""):
            alt = "".join(x.content for x in (c.children or []) if x.type in ("text", "code_inline")) or c.content
            if alt.strip():
                alts.append(alt)
    return "".join(out).strip("\n"), alts
