"""OpenDocument text (ODT: content.xml, styles.xml, meta.xml) into the flow tree (issue 39).

Read through our own doors (safe.Zip, safe.xml, and the body streamed like a DOCX's) rather
than odfpy 1.4, measured side by side (README "Documents"): odfpy's teletype text reads
tracked deletions and annotations, runs notes into the sentence ("x1NOTE after") and gives no
list numbers or headers, it took 4x our time on odfpy's own manual, and it builds a DOM of the whole file that cannot be
bounded (a 341 KB zip bomb ran it out of 5.8 GB after 218 s; we refuse it in a second).

What people hear: text:h headings with their outline level; lists with the labels their list
style gives (numbers with prefix/suffix and shown levels, bullets); tables with their header
rows; footnotes and endnotes with their citation at the end of the section that cites them;
the master pages' headers and footers once, as furniture; text boxes and shapes' text where
they are anchored; images' alt text (svg:desc, svg:title) as figures. Tracked changes'
deleted text, annotations (comments) and generated indexes (tables of contents) are never read.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from chalicelib.media.flow import Builder, FlowError, formula, safe
from chalicelib.media.flow.docx import CAPTION, CODE, PAGE_NUMBER, PART_LIMIT, Emitter, local, number, stream
from chalicelib.media.flow.held import ODT_OUT, Held

OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
STYLE = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
DRAW = "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}"
SVG = "{urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0}"
FO = "{urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0}"
DC = "{http://purl.org/dc/elements/1.1/}"
MATH = "{http://www.w3.org/1998/Math/MathML}"
XLINK = "{http://www.w3.org/1999/xlink}"
WHAT = "OpenDocument text"
# Never read: tracked changes (deleted text lives there), comments, generated indexes (a table
# of contents is the outline said again, a back-of-book index a list of page numbers; a
# bibliography is read), forms, scripts, sequence declarations.
_SKIP = {f"{TEXT}tracked-changes", f"{OFFICE}annotation", f"{OFFICE}annotation-end",
         f"{TEXT}table-of-content", f"{TEXT}illustration-index", f"{TEXT}table-index",
         f"{TEXT}object-index", f"{TEXT}user-index", f"{TEXT}alphabetical-index",
f"{OFFICE}forms", f"{TEXT}sequence-decls", f"{TEXT}variable-decls",
         f"{TEXT}user-field-decls", f"{TEXT}dde-connection-decls", f"{TEXT}note-citation",
         f"{TEXT}change", f"{TEXT}change-start", f"{TEXT}change-end", f"{OFFICE}binary-data",
         f"{DRAW}image", f"{TEXT}bookmark", f"{TEXT}bookmark-start", f"{TEXT}bookmark-end",
         f"{TEXT}soft-page-break", f"{TEXT}ruby-text", f"{SVG}title", f"{SVG}desc"}
_CONTAINERS = {f"{TEXT}section", f"{TEXT}index-body", f"{TEXT}bibliography", f"{TEXT}index-title", f"{TEXT}changed-region",
               f"{OFFICE}text", f"{TEXT}note-body", f"{DRAW}text-box"}
_WS = re.compile(r"[ \t\r\n]+")
# Drawing shapes whose text:p children are their text (a shape with words in it).
_SHAPES = {f"{DRAW}{n}" for n in ("custom-shape", "rect", "ellipse", "polygon", "polyline", "path",
                                  "circle", "line", "connector", "caption", "regular-polygon", "measure")}


def read(data: bytes, b: Builder, hint: str | None = None) -> dict:
    z = safe.Zip(data, WHAT)
    if not z.has("content.xml"):
        raise FlowError("This OpenDocument text is incomplete: it has no content part (content.xml).")
    styles_root = safe.xml(z.read("styles.xml", limit=PART_LIMIT), WHAT) if z.has("styles.xml") else None
    doc = _Odt(b, styles_root, z)
    held = Held(ODT_OUT)
    if styles_root is not None:  # first, as on the page (furniture does not fill a section)
        doc.furniture_once(doc.furniture(styles_root, "header"))
    for el in stream(formula.defuse(z.read("content.xml")), WHAT, (f"{OFFICE}text",), keep=(f"{OFFICE}automatic-styles",),
                     held=held):
        if el.tag == f"{OFFICE}automatic-styles":
            doc.styles.add(el, auto=True)
            continue
        if b.full:
            break
        doc.block(el)
    doc.end_code()
    doc.notes.flush()
    if styles_root is not None:
        doc.furniture_once(doc.furniture(styles_root, "footer"))
    title, language = _meta(z)
    return {"title": title, "language": language or doc.styles.language, "outline": doc.outline,
            "held": held.export()}


def _meta(z: safe.Zip) -> tuple[str | None, str | None]:
    if not z.has("meta.xml"):
        return None, None
    root = safe.xml(z.read("meta.xml", limit=4 << 20), WHAT)
    meta = root.find(f"{OFFICE}meta")
    if meta is None:
        return None, None
    title, language = meta.findtext(f"{DC}title"), meta.findtext(f"{DC}language")
    return (title or "").strip() or None, (language or "").strip() or None


def _name(s: str | None) -> str:
    """A style's name as people see it ("Heading_20_1" -> "heading 1")."""
    return re.sub(r"_([0-9a-fA-F]{2})_", lambda m: chr(int(m.group(1), 16)), s or "").strip().lower()


class _Styles:
    """Paragraph styles (named and automatic) and list styles, resolved through their parents."""

    def __init__(self) -> None:
        self.para: dict[str, dict] = {}
        self.lists: dict[str, dict[int, dict]] = {}
        self.language: str | None = None

    def add(self, root, auto: bool = False) -> None:
        """The styles under `root` (office:styles, office:automatic-styles, or a document)."""
        for el in root.iter(f"{STYLE}style", f"{TEXT}list-style", f"{STYLE}default-style", f"{TEXT}outline-style"):
            if el.tag == f"{STYLE}default-style":
                props = el.find(f"{STYLE}text-properties")
                if props is not None and el.get(f"{STYLE}family") == "paragraph" and props.get(f"{FO}language"):
                    lang, country = props.get(f"{FO}language"), props.get(f"{FO}country")
                    self.language = f"{lang}-{country}" if country and country != "none" else lang
            elif el.tag == f"{STYLE}style":
                if el.get(f"{STYLE}family") not in ("paragraph", "text"):
                    continue
                props = el.find(f"{STYLE}text-properties")
                weight = props.get(f"{FO}font-weight") if props is not None else None
                self.para[el.get(f"{STYLE}name") or ""] = {
                    "name": _name(el.get(f"{STYLE}display-name") or el.get(f"{STYLE}name")),
                    "parent": el.get(f"{STYLE}parent-style-name"),
                    "list": el.get(f"{STYLE}list-style-name"),
                    "outline": el.get(f"{STYLE}default-outline-level"),
                    "bold": None if weight is None else weight in ("bold", "600", "700", "800", "900"),
                    "auto": auto,
                }
            else:
                levels = {}
                for lvl in el:
                    n = _int(lvl.get(f"{TEXT}level"), 1)
                    kind = local(lvl)
                    levels[n] = {
                        "bullet": kind != "list-level-style-number" and kind != "outline-level-style",
                        "fmt": lvl.get(f"{STYLE}num-format") or "",
                        "prefix": lvl.get(f"{STYLE}num-prefix") or "",
                        "suffix": lvl.get(f"{STYLE}num-suffix") or "",
                        "start": _int(lvl.get(f"{TEXT}start-value"), 1),
                        "show": _int(lvl.get(f"{TEXT}display-levels"), 1),
                    }
                key = "\0outline" if el.tag == f"{TEXT}outline-style" else el.get(f"{STYLE}name") or ""
                self.lists[key] = levels

    def chain(self, name: str | None) -> list[dict]:
        out, seen = [], set()
        while name and name in self.para and name not in seen and len(out) < 32:
            seen.add(name)
            out.append(self.para[name])
            name = self.para[name]["parent"]
        return out

    def first(self, name: str | None, key: str):
        return next((s[key] for s in self.chain(name) if s[key] is not None), None)

    def names(self, name: str | None) -> list[str]:
        return [s["name"] for s in self.chain(name)]


def _int(v: str | None, default: int) -> int:
    try:
        return int(v) if v is not None else default
    except ValueError:
        return default


def _format(n: int, fmt: str) -> str:
    """An ODF style:num-format ("1", "a", "A", "i", "I", "" for none) applied to n."""
    return {"1": number(n, "decimal"), "a": number(n, "lowerLetter"), "A": number(n, "upperLetter"),
            "i": number(n, "lowerRoman"), "I": number(n, "upperRoman"), "": ""}.get(fmt, str(n))


class _Odt(Emitter):
    def __init__(self, b: Builder, styles_root, z: safe.Zip | None = None) -> None:
        super().__init__(b)
        self.z, self.objects = z, 0
        self.styles = _Styles()
        if styles_root is not None:
            self.styles.add(styles_root)
        self.counters: dict[str, list[int | None]] = {}
        self.outline_counts: list[int | None] = [None] * 11
        self.cited: list[str] = []

    # -- blocks

    def block(self, el, furniture: str | None = None, sink: list | None = None, lst: dict | None = None) -> None:
        """One block-level element. `sink`: collect (role, level, lines) instead of adding.
        `lst`: the list item being read ({"style", "level", "label"})."""
        tag = el.tag
        if tag in _SKIP:
            return
        if tag in (f"{TEXT}p", f"{TEXT}h"):
            self.paragraph(el, furniture, sink, lst)
        elif tag == f"{TEXT}list":
            self.list(el, furniture, sink, lst)
        elif tag == f"{TABLE}table":
            self.table(el, furniture, sink)
        elif tag in _CONTAINERS:
            for c in el:
                self.block(c, furniture, sink, lst)
        elif tag == f"{TEXT}numbered-paragraph":  # ODF 1.2's list item outside a list
            label = (el.findtext(f"{TEXT}number") or "").strip() or "•"
            here = {"style": el.get(f"{TEXT}style-name"), "level": _int(el.get(f"{TEXT}level"), 1), "label": label}
            for c in el:
                if c.tag != f"{TEXT}number":
                    self.block(c, furniture, sink, here)
        elif tag == f"{DRAW}frame" or tag == f"{DRAW}g" or tag in _SHAPES:  # anchored to the page
            after: list = []
            self.frame(el, after)
            self.after(after, furniture, sink)

    def paragraph(self, p, furniture: str | None, sink: list | None, lst: dict | None) -> None:
        style = p.get(f"{TEXT}style-name")
        chain = self.styles.chain(style)
        # P1, P2... are automatic; a style used but not defined still says what it is by name
        names = [s["name"] for s in chain] or [_name(style)]
        named = [s["name"] for s in chain if not s["auto"]] or names
        role, level = "paragraph", None
        if p.tag == f"{TEXT}h":
            level = max(1, min(6, _int(p.get(f"{TEXT}outline-level"), 1)))
            role = "heading"
        if named and named[0] == "title":
            role, level = "title", None
        elif role == "paragraph" and any(CAPTION.search(n) for n in names):
            role = "caption"
        elif role == "paragraph" and any(CODE.search(n) for n in names):
            role = "code"
        parts: list[str] = []
        after: list = []
        self.inline(p, parts, after)
        lines = "".join(parts).split("\n")
        label = None
        if lst is not None:
            if role == "paragraph":
                role = "list-item"
            label, lst["label"] = lst.get("label"), None  # only an item's first paragraph has its label
        elif role == "heading":
            label = self.heading_number(p, level)
        if label:
            lines[0] = f"{label} {lines[0]}"
        if furniture:
            text = " ".join(" ".join(lines).split())
            role, level = ("page-number" if PAGE_NUMBER.match(text) else furniture), None
        self.emit(role, lines, level, sink)
        self.cite(sink)
        self.after(after, furniture, sink)

    def after(self, after: list, furniture: str | None, sink: list | None) -> None:
        """What a paragraph anchors, read after it: text boxes' blocks, images' alt text."""
        for kind, x in after:
            if kind == "box":
                for c in x:
                    self.block(c, furniture, sink)
            elif kind == "math":
                self.emit(furniture or "paragraph", [self.b.formula(x)], None, sink)
            else:
                self.emit(furniture or "figure", [x], None, sink)

    def heading_number(self, h, level: int) -> str | None:
        """A heading's number: the one the application saved (text:number), else the
        document's outline numbering (text:outline-style) when it numbers that level."""
        saved = h.find(f"{TEXT}number")
        if saved is not None and (saved.text or "").strip():
            return saved.text.strip()
        spec = self.styles.lists.get("\0outline", {}).get(level)
        if not spec or not spec["fmt"] or h.get(f"{TEXT}is-list-header") == "true":
            return None
        return self.label("\0outline", level, self.outline_counts, h)

    def cite(self, sink) -> None:
        cited, self.cited = self.cited, []
        for text in cited:
            if sink is not None:
                sink.append(("footnote", None, [text]))
            else:
                self.notes.pending.append(text)

    def inline(self, el, parts: list[str], after: list) -> None:
        """A paragraph's text into `parts` (whitespace in the XML is one space, as in HTML: only
        text:s, text:tab and text:line-break say more); its boxes and alt text into `after`."""
        if el.text and el.tag != f"{TEXT}number":
            parts.append(_WS.sub(" ", el.text))
        for c in el:
            tag = c.tag
            if tag in _SKIP or tag == f"{TEXT}number":
                pass
            elif tag == f"{TEXT}s":
                parts.append(" " * min(_int(c.get(f"{TEXT}c"), 1), 8))
            elif tag == f"{TEXT}tab":
                parts.append(" ")
            elif tag == f"{TEXT}line-break":
                parts.append("\n")
            elif tag == f"{TEXT}note":
                self.note(c)
            elif tag in (f"{DRAW}frame", f"{DRAW}text-box") or tag in _SHAPES:
                self.drawing(c, parts, after)
            elif tag == f"{MATH}math":
                parts.append(self.b.formula(formula.from_mathml(c)))
            else:  # spans, links, fields (their shown text), ruby bases, meta
                self.inline(c, parts, after)
            if c.tail:
                parts.append(_WS.sub(" ", c.tail))

    def drawing(self, el, parts: list[str], after: list) -> None:
        """A frame, text box or shape inside a paragraph: a formula is part of its sentence,
        the rest (boxes, alt text) follows the paragraph."""
        if el.tag == f"{DRAW}text-box":
            after.append(("box", el))
            return
        got: list = []
        self.frame(el, got)
        for kind, x in got:
            if kind == "math":
                parts.append(self.b.formula(x))
            else:
                after.append((kind, x))

    def frame(self, frame, after: list) -> None:
        """A frame or shape: its alt text as a figure, its text box (or a shape's own
        paragraphs) read in place, inner frames too."""
        alt = (frame.findtext(f"{SVG}desc") or frame.findtext(f"{SVG}title") or "").strip()
        if alt:
            after.append(("figure", alt))
        if frame.tag in _SHAPES and any(c.tag in (f"{TEXT}p", f"{TEXT}list") for c in frame):
            after.append(("box", [c for c in frame if c.tag in (f"{TEXT}p", f"{TEXT}list")]))
        for c in frame:
            if c.tag == f"{DRAW}object":
                found = self.formula(c)
                if found is not None:
                    after.append(("math", found))
            elif c.tag == f"{DRAW}text-box":
                after.append(("box", c))
            elif c.tag == f"{DRAW}frame" or c.tag in _SHAPES or c.tag == f"{DRAW}g":
                self.frame(c, after)

    def formula(self, obj) -> dict | None:
        """A formula (media/flow/formula.py) from its MathML, inside the draw:object or in the
        object's own part (LibreOffice Math writes "Object 1/content.xml"; only parts of this
        file are read); None when the object is no formula."""
        root = obj.find(f"{MATH}math")
        href = (obj.get(f"{XLINK}href") or "").removeprefix("./").rstrip("/")
        if root is None and href and ":" not in href and not href.startswith(("/", "..")) and self.objects < 500:
            self.objects += 1
            name = f"{href}/content.xml"
            if self.z is not None and self.z.has(name):
                root = safe.xml(formula.defuse(self.z.read(name, limit=1 << 20)), WHAT)
        if root is None or root.tag != f"{MATH}math":
            return None
        return formula.from_mathml(root)

    def note(self, note) -> None:
        citation = (note.findtext(f"{TEXT}note-citation") or "").strip()
        body = note.find(f"{TEXT}note-body")
        got: list = []
        for c in body if body is not None else ():
            self.block(c, None, got)
        text = " ".join(" ".join(lines) for _, _, lines in got)
        if text.strip():
            self.cited.append(f"{citation} {text}".strip())

    # -- lists

    def list(self, el, furniture: str | None, sink: list | None, outer: dict | None) -> None:
        style = el.get(f"{TEXT}style-name") or (outer or {}).get("style")
        level = (outer or {}).get("level", 0) + 1
        if style is None:
            first = el.find(f".//{TEXT}p")
            style = self.styles.first(first.get(f"{TEXT}style-name"), "list") if first is not None else None
        key = style or ""
        if level == 1 and el.get(f"{TEXT}continue-numbering") != "true" and not el.get(f"{TEXT}continue-list"):
            self.counters[key] = [None] * 11
        counts = self.counters.setdefault(key, [None] * 11)
        for item in el:
            if item.tag not in (f"{TEXT}list-item", f"{TEXT}list-header"):
                continue
            label = None
            if item.tag == f"{TEXT}list-item":
                label = self.label(style, level, counts, item)
            here = {"style": style, "level": level, "label": label}
            for c in item:
                self.block(c, furniture, sink, here)

    def label(self, style: str | None, level: int, counts: list, item) -> str | None:
        levels = self.styles.lists.get(style or "", {})
        spec = levels.get(level)
        n = min(level, 10)
        start = _int(item.get(f"{TEXT}start-value"), 0) or None
        counts[n] = start if start is not None else ((spec or {}).get("start", 1) if counts[n] is None else counts[n] + 1)
        for deeper in range(n + 1, 11):
            counts[deeper] = None
        number_el = item.find(f"{TEXT}p/{TEXT}number")
        if number_el is not None and (number_el.text or "").strip():
            return number_el.text.strip()  # the label the writing application saved
        if spec is None:
            return "•"
        if spec["bullet"]:
            return "•"
        shown = []
        for lv in range(max(1, n - spec["show"] + 1), n + 1):
            s = levels.get(lv, spec)
            c = counts[lv] if counts[lv] is not None else s.get("start", 1)
            shown.append(_format(c, s["fmt"]))
        body = ".".join(x for x in shown if x)
        return f"{spec['prefix']}{body}{spec['suffix']}".strip() if body else ""

    # -- tables

    def table(self, tbl, furniture: str | None, sink: list | None) -> None:
        rows: list[list[tuple[str, bool]]] = []
        styled: list[bool] = []
        for tr, header in _rows(tbl):
            row: list[tuple[str, bool]] = []
            heading_style = True
            for tc in tr:
                if tc.tag not in (f"{TABLE}table-cell", f"{TABLE}covered-table-cell"):
                    continue
                got: list = []
                if tc.tag == f"{TABLE}table-cell":
                    for c in tc:
                        self.block(c, None, got)
                text = " ".join(" ".join(lines) for role, _, lines in got if role != "footnote")
                self.notes.pending.extend(" ".join(lines) for role, _, lines in got if role == "footnote")
                if text.strip():
                    heading_style = heading_style and self._heading_cell(tc)
                repeat = min(_int(tc.get(f"{TABLE}number-columns-repeated"), 1), 64 if text.strip() else 1)
                row.extend([(text, header)] * max(1, repeat))
            if not any(t.strip() for t, _ in row):
                continue
            repeat = min(_int(tr.get(f"{TABLE}number-rows-repeated"), 1), 64)
            for _ in range(max(1, repeat)):
                rows.append(row)
                styled.append(heading_style)
        if rows and not any(h for _, h in rows[0]) and styled[0] and len(rows) > 1:
            rows[0] = [(t, True) for t, _ in rows[0]]
        self.put_table(rows, furniture, sink)

    def _heading_cell(self, tc) -> bool:
        """A cell whose paragraphs are in a "Table Heading" style or bold."""
        for p in tc.iter(f"{TEXT}p", f"{TEXT}h"):
            if not "".join(p.itertext()).strip():
                continue
            style = p.get(f"{TEXT}style-name")
            if "table heading" in self.styles.names(style) or self.styles.first(style, "bold"):
                continue
            spans = [s for s in p.iter(f"{TEXT}span") if "".join(s.itertext()).strip()]
            if spans and all(self.styles.first(s.get(f"{TEXT}style-name"), "bold") for s in spans) \
                    and not (p.text or "").strip():
                continue
            return False
        return True

    # -- headers and footers

    def furniture(self, styles_root, which: str) -> list[tuple[str, list[str]]]:
        """The master pages' headers (or footers: first, left and right pages' too), each
        text once for the document."""
        role = "page-header" if which == "header" else "page-footer"
        got: list = []
        for master in styles_root.iter(f"{STYLE}master-page"):
            for part in master:
                if local(part).startswith(which) and not local(part).endswith("style"):
                    for c in part:
                        self.block(c, role, got)
        return self.once(got)


def _rows(tbl, header: bool = False) -> Iterator:
    """(row, is a header row) of a table, through its row groups."""
    for c in tbl:
        if c.tag == f"{TABLE}table-row":
            yield c, header
        elif c.tag == f"{TABLE}table-header-rows":
            yield from _rows(c, True)
        elif c.tag in (f"{TABLE}table-rows", f"{TABLE}table-row-group"):
            yield from _rows(c, header)
