"""Word documents (DOCX, Office Open XML transitional and strict) into the flow tree (issue 39).

Read through our own doors (safe.Zip, safe.xml, and `stream` for the body) rather than
python-docx 1.2 or mammoth 1.13, measured side by side (README "Documents"): python-docx loses
inserted text, text boxes, footnotes, list numbers and alt text and reads hidden text; mammoth
loses headers, footers and list numbers, reads hidden text and took 8x our time on the 64 real
test files; neither can be bounded, as both unpack and parse each part whole (python-docx took
2.8 GB and 45 s on a 386 KB zip bomb that we refuse in a second). The body is streamed block by
block, so a 200,000-paragraph file stops at the caps without ever being held as a tree.

What people hear: headings from styles (their outline level, through the `basedOn` chain, so a
German "Überschrift 1" counts) and paragraph outline levels; list items with the numbers Word
shows (numbering.xml: numFmt, lvlText, start); tables with header rows; footnotes and endnotes
with their numbers at the end of the section that cites them; headers and footers once, as
furniture; text boxes where they are anchored; images' alt text as figures. Deleted text
(tracked changes), comments, field codes and hidden text are never read.
"""
from __future__ import annotations

import io
import re
from collections.abc import Iterator

from lxml import etree

from chalicelib.media.flow import SECTION_LEVEL, Builder, FlowError, safe
from chalicelib.media.flow.code import looks_like_code
from chalicelib.media.flow.formula import name_in
from chalicelib.media.flow.held import DOCX_OUT, Held, docx_hides

W_NS = ("http://schemas.openxmlformats.org/wordprocessingml/2006/main",
        "http://purl.oclc.org/ooxml/wordprocessingml/main")
_W = {ns: True for ns in W_NS}
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
MATH_NS = ("http://schemas.openxmlformats.org/officeDocument/2006/math",
           "http://purl.oclc.org/ooxml/officeDocument/math")
VML_NS = "urn:schemas-microsoft-com:vml"
DC = "{http://purl.org/dc/elements/1.1/}"
WHAT = "Word document"
# Parts read whole as trees (styles, numbering, notes, headers) may unpack to this much: a tree
# takes several times its XML, and only the body, streamed, may be larger (issue 39: < 1 GB).
PART_LIMIT = 32 << 20
# Word elements whose contents are never read: deletions and moved-away text, field codes,
# comment marks, properties, ruby pronunciation guides, content-control settings.
_SKIP = frozenset({"del", "moveFrom", "delText", "instrText", "delInstrText", "commentReference",
                   "commentRangeStart", "commentRangeEnd", "annotationRef", "footnoteRef", "endnoteRef",
                   "pPr", "rPr", "tblPr", "tcPr", "trPr", "sectPr", "rt", "sdtPr", "sdtEndPr",
                   "fldData", "separator", "continuationSeparator", "bookmarkStart", "bookmarkEnd",
                   "proofErr", "permStart", "permEnd", "lastRenderedPageBreak"})
# Styles of preformatted text: a run of paragraphs in one is code only when its text is (code.py).
CODE = re.compile(r"preformatted|source code|source text|^code$|code block|^verbatim", re.I)
CAPTION = re.compile(r"caption$", re.I)  # Word's "caption", pandoc's "Table Caption", "Image Caption"
# Entries of generated indexes (contents, a back-of-book index, a list of figures): not read.
TOC = re.compile(r"^((toc|contents|index) ?\d|table of figures)$", re.I)
_CHARS = {"tab": " ", "ptab": " ", "br": "\n", "cr": "\n", "noBreakHyphen": "-", "softHyphen": ""}
PAGE_NUMBER = re.compile(r"^(page|p\.|seite|página|pagina)?\s*\d+(\s*(of|/|von|de|sur|di)\s*\d+)?$", re.I)


def read(data: bytes, b: Builder, hint: str | None = None) -> dict:
    z = safe.Zip(data, WHAT)
    main = _main_part(z)
    rels = _rels(z, main)
    doc = _Docx(z, b, rels)
    held = Held(DOCX_OUT, docx_hides)
    for target in _targets(rels, "header"):  # first, as on the page (furniture does not fill a section)
        doc.furniture_once(doc.furniture(target, "page-header"))
    from chalicelib.media.flow.formula import defuse

    # (a formula nested past the parser's depth is refused alone, not the document: issue 58)
    for el in stream(defuse(z.read(main)), WHAT, tuple(f"{{{ns}}}body" for ns in W_NS), held=held):
        if b.full:
            break
        doc.block(el)
    doc.end_code()
    doc.notes.flush()
    for target in _targets(rels, "footer"):
        doc.furniture_once(doc.furniture(target, "page-footer"))
    title, language = _core(z)
    return {"title": title, "language": language or doc.language, "outline": doc.outline, "held": held.export()}


# ------------------------------------------------------------------------ the XML walk

def stream(data: bytes, what: str, parents: tuple[str, ...], keep: tuple[str, ...] = (),
           held: Held | None = None) -> Iterator:
    """The children of the first element whose qualified name ("{namespace}local") is in
    `parents` (a DOCX w:body, an ODT office:text), one at a time, each dropped once read: a
    long document is never held whole as a tree. Children of the root named in `keep` (an
    ODT's automatic styles, which come before its body) are yielded too. The same guards as
    safe.xml: no entities, DTDs or network, and the depth limit. `held` counts the text of the
    whole part as it is parsed, whether or not the body was found (flow.held)."""
    # Names are matched with their namespace: by local name alone, a date format's
    # number:text in an ODT's automatic styles was taken for office:text, and the whole body
    # was lost (issue 55: OpenOffice.org's compdocfileformat.odt read as its header alone).
    if b"<!ENTITY" in data[:1 << 20] or b"<!entity" in data[:1 << 20]:
        raise FlowError(f"This {what} declares XML entities, which documents never need; it is not read.")
    events = etree.iterparse(io.BytesIO(data), events=("start", "end"), resolve_entities=False,
                             load_dtd=False, no_network=True, huge_tree=False, remove_comments=True,
                             remove_pis=True)
    depth, body_depth, out_at = 0, None, None
    out = held.out if held is not None else frozenset()
    try:
        for event, el in events:
            if event == "start":
                depth += 1
                if depth > safe.MAX_DEPTH:
                    raise FlowError(f"This {what} nests its elements {safe.MAX_DEPTH}+ deep; PageVoice does not read it.")
                if body_depth is None and el.tag in parents:
                    body_depth = depth
                if out_at is None and el.tag in out:
                    out_at = depth
                continue
            if held is not None:
                if out_at is None:
                    out_at = held.end(el, depth)
                elif out_at == depth:
                    out_at = None  # its tail is its parent's, counted there
            depth -= 1
            if body_depth is not None and depth == body_depth:
                yield el
                el.clear(keep_tail=False)
                parent = el.getparent()
                while parent is not None and len(parent) and parent[0] is not el:
                    del parent[0]
            elif body_depth is not None and depth == body_depth - 1:
                body_depth = -1  # the body ended: nothing after it is read
            elif depth == 1 and body_depth is None and el.tag in keep:
                yield el
    except etree.XMLSyntaxError as exc:
        raise FlowError(f"This {what} is damaged: its XML is not well-formed ({exc.msg}).") from None


def local(el) -> str:
    tag = el.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _ns(el) -> str:
    tag = el.tag
    return tag[1:].partition("}")[0] if isinstance(tag, str) and tag.startswith("{") else ""


def _w(el) -> str | None:
    """`el`'s local name when it is a WordprocessingML element (transitional or strict)."""
    return name_in(el, _W)


def _a(el, name: str) -> str | None:
    """A w:`name` attribute (either namespace), or None."""
    if el is None:
        return None
    for ns in W_NS:
        v = el.get(f"{{{ns}}}{name}")
        if v is not None:
            return v
    return None


def _child(el, name: str):
    if el is None:
        return None
    for c in el:
        if _w(c) == name:
            return c
    return None


def _on(el) -> bool:
    """A Word on/off property: present and not switched off."""
    return el is not None and (_a(el, "val") or "true").lower() not in ("0", "false", "off", "none")


def _int(v: str | None, default: int | None = None) -> int | None:
    try:
        return int(v) if v is not None else default
    except ValueError:
        return default


def branch(alt):
    """One branch of an mc:AlternateContent: the first Choice (Word writes the same content
    again as a VML Fallback; reading both would say every text box twice)."""
    for c in alt:
        if local(c) == "Choice" and len(c):
            return c
    for c in alt:
        if local(c) == "Fallback":
            return c
    return None


# ------------------------------------------------------------------------ parts and metadata

def _main_part(z: safe.Zip) -> str:
    if z.has("_rels/.rels"):
        for rel in safe.xml(z.read("_rels/.rels", limit=1 << 20), WHAT):
            if (rel.get("Type") or "").endswith("/officeDocument"):
                target = (rel.get("Target") or "").lstrip("/")
                if z.has(target):
                    return target
    if not z.has("word/document.xml"):
        raise FlowError("This Word document is incomplete: it has no document part (word/document.xml).")
    return "word/document.xml"


def _rels(z: safe.Zip, part: str) -> list[tuple[str, str, str]]:
    """(type's last word, target part, id) of `part`'s relationships, internal targets only."""
    folder, _, name = part.rpartition("/")
    path = f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"
    if not z.has(path):
        return []
    out = []
    for rel in safe.xml(z.read(path, limit=4 << 20), WHAT):
        if rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target") or ""
        target = target.lstrip("/") if target.startswith("/") else _join(folder, target)
        out.append(((rel.get("Type") or "").rpartition("/")[2], target, rel.get("Id") or ""))
    return out


def _join(folder: str, target: str) -> str:
    parts = (folder.split("/") if folder else []) + target.split("/")
    out: list[str] = []
    for p in parts:
        if p == "..":
            if out:
                out.pop()
        elif p and p != ".":
            out.append(p)
    return "/".join(out)


def _targets(rels, kind: str) -> list[str]:
    """Parts of one kind in their natural order (header1, header2, ... header10)."""
    key = lambda t: [int(s) if s.isdigit() else s for s in re.split(r"(\d+)", t)]  # noqa: E731
    return sorted({t for k, t, _ in rels if k == kind}, key=key)


def _part(z: safe.Zip, rels, kind: str):
    for k, target, _ in rels:
        if k == kind and z.has(target):
            return safe.xml(z.read(target, limit=PART_LIMIT), WHAT)
    return None


def _core(z: safe.Zip) -> tuple[str | None, str | None]:
    name = "docProps/core.xml"
    for k, target, _ in _rels(z, "") if z.has("_rels/.rels") else []:
        if k == "core-properties" and z.has(target):
            name = target
    if not z.has(name):
        return None, None
    root = safe.xml(z.read(name, limit=4 << 20), WHAT)
    title = root.findtext(f"{DC}title")
    language = root.findtext(f"{DC}language")
    return (title or "").strip() or None, (language or "").strip() or None


# ------------------------------------------------------------------------ styles and numbering

class _Styles:
    """Paragraph styles resolved through their basedOn chain: the role and heading level a
    style gives, the list numbering it carries, whether its text is bold."""

    def __init__(self, root) -> None:
        self.raw: dict[str, dict] = {}
        self.default_para: str | None = None
        self.language: str | None = None
        self._cache: dict[str, dict] = {}
        if root is None:
            return
        for el in root:
            name = _w(el)
            if name == "docDefaults":
                lang = _child(_child(_child(el, "rPrDefault"), "rPr"), "lang")
                self.language = _a(lang, "val") or self.language
            if name != "style":
                continue
            sid = _a(el, "styleId") or ""
            ppr, rpr = _child(el, "pPr"), _child(el, "rPr")
            num = _child(ppr, "numPr")
            first_row = None
            for tsp in el:
                if _w(tsp) == "tblStylePr" and _a(tsp, "type") == "firstRow":
                    first_row = _on(_child(_child(tsp, "rPr"), "b"))
            self.raw[sid] = {
                "type": _a(el, "type") or "paragraph",
                "name": (_a(_child(el, "name"), "val") or sid).strip().lower(),
                "based": _a(_child(el, "basedOn"), "val"),
                "outline": _int(_a(_child(ppr, "outlineLvl"), "val")),
                "numId": _a(_child(num, "numId"), "val"),
                "ilvl": _int(_a(_child(num, "ilvl"), "val")),
                "bold": _on(_child(rpr, "b")) if _child(rpr, "b") is not None else None,
                "first_row": first_row,
                "lang": _a(_child(rpr, "lang"), "val"),
            }
            if _a(el, "default") in ("1", "true", "on") and _a(el, "type") in (None, "paragraph"):
                self.default_para = sid
        if self.default_para and self.raw[self.default_para]["lang"]:
            self.language = self.raw[self.default_para]["lang"]

    def chain(self, sid: str | None) -> list[dict]:
        out, seen = [], set()
        while sid and sid in self.raw and sid not in seen and len(out) < 32:
            seen.add(sid)
            out.append(self.raw[sid])
            sid = self.raw[sid]["based"]
        return out

    def get(self, sid: str | None) -> dict:
        """{"role", "level", "numId", "ilvl", "bold"} of a paragraph style (or the default one)."""
        sid = sid if sid in self.raw else self.default_para
        key = sid or ""
        if key in self._cache:
            return self._cache[key]
        chain = self.chain(sid)
        first = lambda k: next((s[k] for s in chain if s[k] is not None), None)  # noqa: E731
        role, level = None, None
        outline = first("outline")
        names = [s["name"] for s in chain]
        if outline is not None:
            if outline < 9:
                role, level = "heading", min(6, outline + 1)
        else:
            for n in names:
                m = re.fullmatch(r"heading\s*(\d)", n)
                if m:
                    role, level = "heading", max(1, min(6, int(m.group(1))))
                    break
        if names and names[0] == "title":
            role, level = "title", None
        elif role is None and any(CODE.search(n) for n in names):
            role = "code"
        elif role is None and names and TOC.match(names[0]):
            role = "toc"  # an entry of a generated table of contents: not read
        elif role is None and names and CAPTION.search(names[0]):
            role = "caption"
        out = {"role": role, "level": level, "numId": first("numId"), "ilvl": first("ilvl"), "bold": first("bold")}
        self._cache[key] = out
        return out

    def bold(self, sid: str | None) -> bool | None:
        return next((s["bold"] for s in self.chain(sid) if s["bold"] is not None), None)

    def first_row_bold(self, sid: str | None) -> bool:
        return bool(next((s["first_row"] for s in self.chain(sid) if s["first_row"] is not None), False))


_ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"),
          (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))


def roman(n: int) -> str:
    out = []
    for value, letters in _ROMAN:
        while n >= value:
            out.append(letters)
            n -= value
    return "".join(out) or "0"


def letters(n: int) -> str:
    """Word's list letters: a..z, then aa..zz, aaa.. (the letter repeated)."""
    if n < 1:
        return str(n)
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def number(n: int, fmt: str) -> str:
    if fmt in ("lowerRoman", "upperRoman"):
        s = roman(n)
        return s.upper() if fmt == "upperRoman" else s
    if fmt in ("lowerLetter", "upperLetter"):
        s = letters(n)
        return s.upper() if fmt == "upperLetter" else s
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "ordinal":
        return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"
    if fmt == "none":
        return ""
    return str(n)  # decimal and the many national formats, read as numbers


class _Numbering:
    """List labels as Word shows them: counters per list, `lvlText` with its %1..%9 filled."""

    def __init__(self, root, styles: _Styles) -> None:
        self.abstract: dict[str, dict[int, dict]] = {}
        self.links: dict[str, str] = {}  # abstractNum -> the numbering style it takes its levels from
        self.nums: dict[str, tuple[str, dict[int, dict], bool]] = {}
        self.counters: dict[tuple, list[int | None]] = {}
        self.styles = styles
        if root is None:
            return
        for el in root:
            name = _w(el)
            if name == "abstractNum":
                aid = _a(el, "abstractNumId") or ""
                self.abstract[aid] = {lvl: d for lvl, d in (self._level(c) for c in el if _w(c) == "lvl")}
                link = _a(_child(el, "numStyleLink"), "val")
                if link:
                    self.links[aid] = link
            elif name == "num":
                overrides, restart = {}, False
                for o in el:
                    if _w(o) != "lvlOverride":
                        continue
                    ilvl = _int(_a(o, "ilvl"), 0)
                    d: dict = {}
                    lvl = _child(o, "lvl")
                    if lvl is not None:
                        d.update(self._level(lvl)[1])
                    start = _int(_a(_child(o, "startOverride"), "val"))
                    if start is not None:
                        d["start"] = start
                        restart = True
                    overrides[ilvl] = d
                self.nums[_a(el, "numId") or ""] = (_a(_child(el, "abstractNumId"), "val") or "", overrides, restart)

    @staticmethod
    def _level(lvl) -> tuple[int, dict]:
        d = {}
        start = _int(_a(_child(lvl, "start"), "val"))
        if start is not None:
            d["start"] = start
        fmt = _a(_child(lvl, "numFmt"), "val")
        if fmt:
            d["fmt"] = fmt
        text = _child(lvl, "lvlText")
        if text is not None:
            d["text"] = _a(text, "val") or ""
        if _child(lvl, "isLgl") is not None:
            d["legal"] = _on(_child(lvl, "isLgl"))
        return _int(_a(lvl, "ilvl"), 0), d

    def _levels(self, aid: str, depth: int = 0) -> dict[int, dict]:
        levels = self.abstract.get(aid, {})
        if not levels and aid in self.links and depth < 4:
            style = self.styles.raw.get(self.links[aid])
            if style and style["numId"] in self.nums:
                return self._levels(self.nums[style["numId"]][0], depth + 1)
        return levels

    def label(self, num_id: str | None, ilvl: int) -> str | None:
        """The label of the next item of list `num_id` at level `ilvl` ("3.", "b)", "•", ""),
        None when the paragraph is not in a list."""
        if not num_id or num_id == "0" or num_id not in self.nums:
            return None
        aid, overrides, restart = self.nums[num_id]
        levels = self._levels(aid)
        ilvl = max(0, min(8, ilvl))

        def spec(i: int) -> dict:
            d = dict(levels.get(i, {}))
            d.update(overrides.get(i, {}))
            return d

        key = ("num", num_id) if restart else ("abstract", aid)
        counts = self.counters.setdefault(key, [None] * 9)
        here = spec(ilvl)
        counts[ilvl] = here.get("start", 1) if counts[ilvl] is None else counts[ilvl] + 1
        for deeper in range(ilvl + 1, 9):
            counts[deeper] = None
        fmt = here.get("fmt", "decimal")
        text = here.get("text", "%" + str(ilvl + 1) + ".")
        if fmt == "bullet":
            return "•" if text.strip() else ""
        legal = here.get("legal", False)

        def fill(m: re.Match) -> str:
            i = int(m.group(1)) - 1
            if not 0 <= i <= 8:
                return ""
            d = spec(i)
            n = counts[i] if counts[i] is not None else d.get("start", 1)
            return number(n, "decimal" if legal and i < ilvl else d.get("fmt", "decimal"))

        return re.sub(r"%(\d)", fill, text).strip()


# ------------------------------------------------------------------------ notes

class Notes:
    """Footnotes and endnotes held until the section that cites them ends, then added there."""

    def __init__(self, b: Builder) -> None:
        self.b = b
        self.pending: list[str] = []

    def before(self, role: str, level: int | None) -> None:
        if self.pending and breaks(self.b, role, level):
            self.flush()

    def flush(self) -> None:
        pending, self.pending = self.pending, []
        for text in pending:
            self.b.add("footnote", text)


def breaks(b: Builder, role: str, level: int | None) -> bool:
    """Whether a block of `role` added now would start a new section (the Builder's rule)."""
    if not b.sections:
        return False
    if b.section_index == len(b.sections):
        return True
    open_ = b.sections[-1]
    if role == "heading" and level is not None and level <= SECTION_LEVEL and open_.words:
        return True
    return open_.words >= b.section_words and len(b.sections) < b.max_sections


# ------------------------------------------------------------------------ the reader

class Emitter:
    """What the DOCX and ODT readers share: blocks into the Builder (or a sink), notes held to
    their section's end, the outline, furniture once."""

    def __init__(self, b: Builder) -> None:
        self.b = b
        self.notes = Notes(b)
        self.outline: list[dict] = []
        self.seen: set = set()
        self.last = ("", "")  # the role and text of the last block added
        self.code_run: list[list[str]] = []  # code-styled paragraphs not yet judged

    def emit(self, role: str, lines: list[str], level: int | None = None, sink: list | None = None) -> None:
        """A block: added (its notes' section closed first if it starts a new one), or
        collected into `sink` as (role, level, lines) for a table cell, a note, furniture.
        Paragraphs in a code-like style are held until their run ends and judged together
        (code.py): "Preformatted Text" holds verse as often as code."""
        if sink is not None:
            if role == "code" and not looks_like_code(lines):
                role = "paragraph"
            sink.append((role, level, lines))
            return
        if role == "code":
            self.code_run.append(lines)
            return
        self.end_code()
        self._add(role, lines, level)

    def end_code(self) -> None:
        """The held run of code-styled paragraphs out: as code, or as text when it is not code."""
        run, self.code_run = self.code_run, []
        if run:
            role = "code" if looks_like_code([x for lines in run for x in lines]) else "paragraph"
            for lines in run:
                self._add(role, lines, None)

    def _add(self, role: str, lines: list[str], level: int | None) -> None:
        if self.b.full:
            return
        text = " ".join(" ".join(lines).split())
        if role == "caption" and self.last == ("figure", text):
            return  # the picture's alt text was its caption (pandoc writes both): said once
        self.notes.before(role, level)
        if self.b.add(role, "", level=level, lines=lines):
            self.last = (role, text)
            if role == "heading":
                self.outline.append({"title": text, "level": level, "section": len(self.b.sections) - 1})

    def put_table(self, rows: list[list[tuple[str, bool]]], furniture: str | None, sink: list | None,
                  caption: str | None = None) -> None:
        """A table's rows (cell text, header): a table block; in furniture or a sink (a table
        inside a header, a note or a cell) each row as one line of text."""
        if furniture or sink is not None:
            for row in rows:
                self.emit(furniture or "paragraph", [" ".join(t for t, _ in row if t.strip())], None, sink)
            return
        self.end_code()
        if self.b.full:
            return
        self.notes.before("table", None)
        self.b.table(rows, caption=caption)

    def furniture_once(self, blocks: list[tuple[str, list[str]]]) -> None:
        for role, lines in blocks:
            self.b.add(role, "", lines=lines)

    def once(self, got: list) -> list[tuple[str, list[str]]]:
        """Furniture blocks not said before: headers and footers repeat per section and for
        first, even and odd pages, and are said once for the document."""
        out = []
        for role, _, lines in got:
            key = " ".join(" ".join(lines).split())
            if key and (role, key) not in self.seen:
                self.seen.add((role, key))
                out.append((role, lines))
        return out


class _Docx(Emitter):
    def __init__(self, z: safe.Zip, b: Builder, rels) -> None:
        super().__init__(b)
        self.z = z
        self.styles = _Styles(_part(z, rels, "styles"))
        self.numbering = _Numbering(_part(z, rels, "numbering"), self.styles)
        settings = _part(z, rels, "settings")
        self.language = self.styles.language or _a(_child(settings, "themeFontLang"), "val")
        self.parts = {kind: self._notes_part(z, rels, kind) for kind in ("footnotes", "endnotes")}
        fmts = {"footnotes": "decimal", "endnotes": "lowerRoman"}  # Word's defaults
        for kind, tag in (("footnotes", "footnotePr"), ("endnotes", "endnotePr")):
            fmt = _a(_child(_child(settings, tag), "numFmt"), "val")
            if fmt:
                fmts[kind] = fmt
        self.note_fmt = fmts
        self.note_count = {"footnotes": 0, "endnotes": 0}
        self.cited: list[tuple[str, str]] = []  # (kind, id) cited by the paragraph being read

    @staticmethod
    def _notes_part(z, rels, kind: str) -> dict:
        root = _part(z, rels, kind)
        out = {}
        for el in root if root is not None else ():
            if _w(el) in ("footnote", "endnote") and _a(el, "type") in (None, "normal"):
                out[_a(el, "id") or ""] = el
        return out

    # -- blocks

    def block(self, el, furniture: str | None = None, sink: list | None = None) -> None:
        """One body-level element. `sink`: collect (role, level, lines) instead of adding."""
        name = _w(el)
        if name == "p":
            self.paragraph(el, furniture, sink)
        elif name == "tbl":
            self.table(el, furniture, sink)
        elif name == "sdt" and _toc(el):
            return  # a generated table of contents: the outline, said again
        elif name in ("sdt", "sdtContent", "customXml", "ins", "moveTo", "smartTag", "txbxContent"):
            for c in el:
                self.block(c, furniture, sink)
        elif local(el) == "AlternateContent" and _ns(el) == MC_NS:
            for c in branch(el) if branch(el) is not None else ():
                self.block(c, furniture, sink)

    def paragraph(self, p, furniture: str | None = None, sink: list | None = None) -> None:
        role, level, lines, after = self.read_paragraph(p)
        if role == "toc":
            self.cited = []
            return
        if furniture:
            text = " ".join(" ".join(lines).split())
            role, level = ("page-number" if PAGE_NUMBER.match(text) else furniture), None
        self.emit(role, lines, level, sink)
        self.cite(sink)
        for kind, x in after:
            if kind == "box":
                for c in x:
                    self.block(c, furniture, sink)
            else:
                self.emit(furniture or "figure", [x], None, sink)

    def cite(self, sink) -> None:
        """The notes the paragraph just read cites, numbered and held for its section's end."""
        cited, self.cited = self.cited, []
        for kind, nid in cited:
            el = self.parts[kind].get(nid)
            if el is None:
                continue
            self.note_count[kind] += 1
            mark = number(self.note_count[kind], self.note_fmt[kind]) or str(self.note_count[kind])
            texts: list = []
            for c in el:
                self.block(c, None, texts)
            body = " ".join(" ".join(lines) for _, _, lines in texts)
            if body.strip():
                if sink is not None:
                    sink.append(("footnote", None, [f"{mark} {body}"]))
                else:
                    self.notes.pending.append(f"{mark} {body}")

    def read_paragraph(self, p) -> tuple[str, int | None, list[str], list]:
        ppr = _child(p, "pPr")
        style = self.styles.get(_a(_child(ppr, "pStyle"), "val"))
        role, level = style["role"] or "paragraph", style["level"]
        outline = _int(_a(_child(ppr, "outlineLvl"), "val"))
        if outline is not None and role != "title":
            role, level = ("heading", min(6, outline + 1)) if outline < 9 else ("paragraph", None)
        num = _child(ppr, "numPr")
        num_id = _a(_child(num, "numId"), "val") if num is not None else None
        ilvl = _int(_a(_child(num, "ilvl"), "val")) if num is not None else None
        if num_id is None:
            num_id = style["numId"]
        if ilvl is None:
            ilvl = style["ilvl"] or 0
        parts: list[str] = []
        after: list = []
        self.inline(p, parts, after)
        label = self.numbering.label(num_id, ilvl)
        lines = "".join(parts).split("\n")
        if label is not None:
            if role == "paragraph":
                role = "list-item"
            if label:
                lines[0] = f"{label} {lines[0]}"
        return role, level, lines, after

    def inline(self, el, parts: list[str], after: list) -> None:
        """The text of a paragraph's runs into `parts`; its text boxes and images' alt text
        into `after` (read once the paragraph is)."""
        for c in el:
            name = _w(c)
            if name is None:
                self.foreign(c, parts, after)
            elif name in _SKIP:
                continue
            elif name == "t":  # a newline typed into the XML is a space, as Word shows it
                parts.append((c.text or "").replace("\n", " ").replace("\r", " "))
            elif name in _CHARS:
                parts.append(_CHARS[name])
            elif name == "sym":
                parts.append(_sym(_a(c, "char")))
            elif name in ("footnoteReference", "endnoteReference"):
                self.cited.append(("footnotes" if name == "footnoteReference" else "endnotes", _a(c, "id") or ""))
            elif name == "txbxContent":
                after.append(("box", c))
            elif name != "r" or not _on(_child(_child(c, "rPr"), "vanish")):  # hidden text is not read
                # hyperlinks, insertions, fields' results, content controls, drawings, ruby bases
                self.inline(c, parts, after)

    def foreign(self, c, parts: list[str], after: list) -> None:
        """An element of another vocabulary inside a paragraph: markup compatibility, drawings
        (alt text), VML shapes, math."""
        ns, ln = _ns(c), local(c)
        if ln == "AlternateContent" and ns == MC_NS:
            chosen = branch(c)
            if chosen is not None:
                self.inline(chosen, parts, after)
        elif ln == "docPr":
            alt = (c.get("descr") or c.get("title") or "").strip()
            if alt:
                after.append(("figure", alt))
        elif ln in ("oMath", "oMathPara") and ns in MATH_NS:
            from chalicelib.media.flow import formula

            parts.append(self.b.formula(formula.from_omml(c)))
        else:
            if ln == "shape" and ns == VML_NS and (c.get("alt") or "").strip():
                after.append(("figure", c.get("alt").strip()))
            self.inline(c, parts, after)

    # -- tables

    def table(self, tbl, furniture: str | None = None, sink: list | None = None) -> None:
        tpr = _child(tbl, "tblPr")
        caption = _a(_child(tpr, "tblCaption"), "val")
        style_header = _first_row(_child(tpr, "tblLook")) and \
            self.styles.first_row_bold(_a(_child(tpr, "tblStyle"), "val"))
        rows: list[list[tuple[str, bool]]] = []
        bold_first = None
        for tr in _within(tbl, "tr"):
            trpr = _child(tr, "trPr")
            if _child(trpr, "del") is not None:
                continue
            header = _on(_child(trpr, "tblHeader")) or (not rows and style_header)
            row: list[tuple[str, bool]] = []
            bold = True
            for tc in _within(tr, "tc"):
                tcpr = _child(tc, "tcPr")
                merge = _child(tcpr, "vMerge")
                span = max(1, min(64, _int(_a(_child(tcpr, "gridSpan"), "val"), 1) or 1))
                text = ""
                if merge is None or _a(merge, "val") == "restart":
                    got: list = []
                    for c in tc:
                        self.block(c, None, got)
                    text = " ".join(" ".join(lines) for role, _, lines in got if role != "footnote")
                    self.notes.pending.extend(" ".join(lines) for role, _, lines in got if role == "footnote")
                    if not rows and text.strip():
                        bold = bold and self._bold(tc)
                row.append((text, header))
                row.extend(("", header) for _ in range(span - 1))
            if not rows:
                bold_first = bold and any(t.strip() for t, _ in row)
            rows.append(row)
        if rows and bold_first and not any(h for _, h in rows[0]):
            rows[0] = [(t, True) for t, _ in rows[0]]
        if caption and self.last[1] == " ".join(caption.split()):
            caption = None  # also written as a caption paragraph just before (pandoc does both)
        self.put_table(rows, furniture, sink, caption)

    def _bold(self, tc) -> bool:
        """Every run of text in the cell is bold (by the run, its character or paragraph style)."""
        for p in tc.iter(*(f"{{{ns}}}p" for ns in W_NS)):
            pbold = self.styles.bold(_a(_child(_child(p, "pPr"), "pStyle"), "val"))
            for r in p.iter(*(f"{{{ns}}}r" for ns in W_NS)):
                if not any(_w(t) == "t" and (t.text or "").strip() for t in r):
                    continue
                rpr = _child(r, "rPr")
                b = _child(rpr, "b")
                if b is not None:
                    if not _on(b):
                        return False
                    continue
                cbold = self.styles.bold(_a(_child(rpr, "rStyle"), "val"))
                if not (cbold or (cbold is None and pbold)):
                    return False
        return True

    # -- headers and footers

    def furniture(self, target: str, role: str) -> list[tuple[str, list[str]]]:
        """A header or footer part's blocks not seen before (Word repeats them per section,
        and for first, even and odd pages): each is said once for the document."""
        if not self.z.has(target):
            return []
        root = safe.xml(self.z.read(target, limit=PART_LIMIT), WHAT)
        got: list = []
        for c in root:
            self.block(c, role, got)
        return self.once(got)


def _toc(sdt) -> bool:
    gallery = _child(_child(_child(sdt, "sdtPr"), "docPartObj"), "docPartGallery")
    return (_a(gallery, "val") or "").lower() == "table of contents"


def _sym(char: str | None) -> str:
    """A w:sym character, unless it is a symbol-font glyph (no letter to say)."""
    try:
        cp = int(char or "", 16)
    except ValueError:
        return ""
    return "" if 0xF000 <= cp <= 0xF0FF or cp > 0x10FFFF else chr(cp)


def _first_row(look) -> bool:
    """Whether a table's look applies its style's first-row formatting (w:firstRow, or bit
    0x20 of the older hex w:val); Word applies it when the table says nothing."""
    if look is None:
        return True
    flag = _a(look, "firstRow")
    if flag is not None:
        return flag.lower() in ("1", "true", "on")
    try:
        return bool(int(_a(look, "val") or "0", 16) & 0x20)
    except ValueError:
        return False


def _within(el, want: str) -> Iterator:
    """`el`'s children named `want` (w:tr of a table, w:tc of a row), also those wrapped in
    content controls, custom XML and tracked insertions."""
    for c in el:
        name = _w(c)
        if name == want:
            yield c
        elif name in ("sdt", "sdtContent", "customXml", "ins", "moveTo"):
            yield from _within(c, want)
