"""Formulas in documents without pages (issue 58): what a reader found of one formula, as a word
of the flow tree (CONTRACTS section 13) that carries its MathML.

Every format's formula ends here: MathML of a web page or an EPUB (`from_mathml`, with its
`alttext` and a TeX annotation), a DOCX's Office Math (`from_omml`, turned into MathML here), an
ODT's MathML object, and Markdown's LaTeX (`from_latex`: kept as LaTeX; the worker's math engine
makes its MathML with MathJax, chalicelib/engines/math). Each gives a dict, the word's `formula`:

    {"mathml": "<math ...>...</math>", "latex": "...", "alt": "...", "display": true}

(any of them may be absent) or, for one past the bounds below, {"error": "a sentence", "alt"?}:
that formula is said as "formula" (its alt text where it has one), never the job. The word's
text is `linear(formula)`: its LaTeX without spaces (the source's, or made from the MathML), so
the text, a copy and the text download carry the formula, and a line's words joined by spaces
are still its text.

Bounds: a formula is at most MAX_DEPTH elements deep and MAX_NODES elements, its LaTeX at most
MAX_LATEX characters; `defuse` rewrites a part's raw bytes before it is parsed so that a formula
nested past the document parser's own depth limit (a 10,000-deep <mrow>) is refused alone
instead of failing the whole document.
"""
from __future__ import annotations

import re

from lxml import etree

MATHML_NS = "http://www.w3.org/1998/Math/MathML"
OMML_NS = ("http://schemas.openxmlformats.org/officeDocument/2006/math",
           "http://purl.oclc.org/ooxml/officeDocument/math")
MAX_DEPTH = 64  # real formulas nest a few dozen levels at most (a continued fraction: ~20)
MAX_NODES = 4000  # a 12 x 12 matrix of small entries is ~1,000
MAX_LATEX = 10_000  # characters of one formula's LaTeX
MAX_BYTES = 400_000  # one formula's markup in the file, before it is parsed
ALT_CHARS = 500

# Presentation MathML kept (everything else: its children, or nothing for what shows nothing).
TOKENS = frozenset({"mi", "mn", "mo", "mtext", "ms", "mspace"})
LAYOUT = frozenset({"math", "mrow", "mfrac", "msqrt", "mroot", "mstyle", "merror", "mpadded", "mphantom",
                    "mfenced", "menclose", "msub", "msup", "msubsup", "munder", "mover", "munderover",
                    "mmultiscripts", "mprescripts", "none", "mtable", "mtr", "mtd", "mlabeledtr"})
ATTRIBUTES = frozenset({"display", "mathvariant", "stretchy", "fence", "separator", "accent", "accentunder",
                        "linethickness", "columnalign", "open", "close", "separators", "notation", "form",
                        "largeop", "movablelimits", "bevelled", "scriptlevel", "displaystyle", "width"})
TEX_ENCODINGS = ("application/x-tex", "tex", "latex", "text/x-tex", "application/x-latex", "text/latex")


class FormulaError(ValueError):
    """A formula past the bounds, or unreadable: its message says why, for people."""


def failed(reason: str, alt: str | None = None) -> dict:
    out = {"error": reason}
    if alt:
        out["alt"] = alt
    return out


# ---------------------------------------------------------------------------------- MathML

def _local(el) -> str | None:
    tag = el.tag
    if not isinstance(tag, str):
        return None
    return tag.rpartition("}")[2].lower()


def _alt(el) -> str | None:
    alt = " ".join((el.get("alttext") or el.get("aria-label") or "").split())[:ALT_CHARS]
    return alt or None


def _tex_of(el) -> str | None:
    """A TeX annotation's source, or an alttext that is LaTeX ({\\displaystyle ...})."""
    for a in el.iter():
        if _local(a) == "annotation" and (a.get("encoding") or "").lower() in TEX_ENCODINGS and (a.text or "").strip():
            return a.text.strip()
    alt = el.get("alttext") or ""
    if "\\" in alt or alt.strip().startswith("{"):
        return alt.strip()
    return None


def from_mathml(el) -> dict:
    """A <math> element (namespaced, or as an HTML parser gives it) as a formula."""
    alt = _alt(el)
    if el.get("data-pagevoice-refused"):
        return failed(el.get("data-pagevoice-refused"), alt)
    try:
        clean = _clean(el)
    except FormulaError as exc:
        return failed(str(exc), alt)
    if not "".join(clean.itertext()).strip():
        return failed("This formula is empty.", alt)
    out: dict = {"mathml": etree.tostring(clean, encoding="unicode")}
    tex = _tex_of(el)
    if tex:
        out["latex"] = _unwrapped(tex)[:MAX_LATEX]
    if alt and not (tex and alt.strip() == tex):
        out["alt"] = alt
    if (el.get("display") or "").lower() == "block" or (el.get("mode") or "").lower() == "display":
        out["display"] = True
    return out


def parse_mathml(text: str) -> dict:
    """MathML as text (the math engine's MathJax output) as a formula."""
    try:
        root = etree.fromstring(text.encode(), etree.XMLParser(resolve_entities=False, no_network=True,
                                                                load_dtd=False, huge_tree=False))
    except etree.XMLSyntaxError as exc:
        return failed(f"This formula's MathML is damaged ({exc.msg}).")
    for e in root.iter():
        if _local(e) == "merror":
            return failed(f"This formula's LaTeX could not be read ({e.get('title') or 'an error'}).")
    return from_mathml(root)


def _clean(el):
    """`el` as compact presentation MathML in its namespace: known elements and attributes only,
    annotations and actions reduced to what they show; FormulaError past the bounds."""
    count = [0]
    root = etree.Element(f"{{{MATHML_NS}}}math", nsmap={None: MATHML_NS})
    if (el.get("display") or "").lower() == "block":
        root.set("display", "block")
    _copy_children(el, root, 1, count)
    _tidy(root)
    return root


# Elements whose children are a row (read in order); the others' children are positional parts.
_ROWS = frozenset({"math", "mrow", "mtd", "mstyle", "msqrt", "mpadded", "mphantom", "menclose", "merror", "mfenced"})


def _tidy(root) -> None:
    """What converters write that speech engines misread: a number set digit by digit
    (<mn>3</mn><mn>1</mn>: "3 1", not 31) is one <mn>; a table of one row used to lay a formula out
    (its other cells empty, or its cells one equation's parts) is its cells' content ("1 lines, line 1:
    ..., blank" otherwise)."""
    for el in list(root.iter(f"{{{MATHML_NS}}}mn")):
        if el.getparent() is None or _local(el.getparent()) not in _ROWS:  # a fraction's or a script's parts are each one thing
            continue
        nxt = el.getnext()
        while nxt is not None and nxt.tag == el.tag and re.fullmatch(r"[\d.,]+", (el.text or "") + (nxt.text or "")) \
                and not nxt.attrib and not el.attrib:
            el.text = (el.text or "") + (nxt.text or "")
            el.getparent().remove(nxt)
            nxt = el.getnext()
    for table in list(root.iter(f"{{{MATHML_NS}}}mtable")):
        rows = [r for r in table if r.tag == f"{{{MATHML_NS}}}mtr"]
        if len(rows) != 1 or len(rows) != len(table):
            continue
        cells = [c for c in rows[0] if "".join(c.itertext()).strip()]
        parent = table.getparent()
        if parent is None or not cells or (len(cells) > 1 and not _aligned(table, cells)):
            continue  # a real row of values (a row vector) stays a table
        row = etree.Element(f"{{{MATHML_NS}}}mrow")
        for cell in cells:
            row.extend(list(cell))
        parent.replace(table, row)


_RELATIONS = frozenset("=<>≤≥≠≈≡∼≅∝→⇒⇔∈⊂⊆") | {":=", "≔"}
_OPENING = frozenset("([{|⟨‖")


def _aligned(table, cells) -> bool:
    """A one-row table laying out one equation (an align's cells: "x" | "= a + b"), not a row of
    values: not fenced, and a cell after the first begins with a relation."""
    parent, before = table.getparent(), table.getprevious()
    while parent is not None and _local(parent) == "mrow" and len(parent) == 1 and before is None:
        parent, before = parent.getparent(), parent.getprevious()
    if parent is None or _local(parent) == "mfenced" or (before is not None and _local(before) == "mo"
                                                         and (before.text or "").strip() in _OPENING):
        return False
    for cell in cells[1:]:
        first = next(cell.iter(f"{{{MATHML_NS}}}mo"), None)
        if first is not None and (first.text or "").strip() in _RELATIONS and \
                next((x for x in cell.iter() if x is not cell and _local(x) in TOKENS), None) is first:
            return True
    return False


def _copy_children(src, dst, depth: int, count: list[int]) -> None:
    if depth > MAX_DEPTH:
        raise FormulaError(f"This formula nests its parts more than {MAX_DEPTH} deep; PageVoice does not read it.")
    for c in src:
        name = _local(c)
        if name is None:
            continue
        count[0] += 1
        if count[0] > MAX_NODES:
            raise FormulaError(f"This formula has more than {MAX_NODES:,} parts; PageVoice does not read it.")
        if name in ("semantics", "maction"):  # what it shows: its first child (annotations are other forms)
            first = next((x for x in c if _local(x) not in (None, "annotation", "annotation-xml")), None)
            if first is not None:
                _copy_children([first], dst, depth + 1, count)
        elif name in ("annotation", "annotation-xml", "mglyph", "malignmark", "maligngroup"):
            continue
        elif name in TOKENS or name in LAYOUT:
            out = etree.SubElement(dst, f"{{{MATHML_NS}}}{name}")
            for k, v in c.attrib.items():
                if k in ATTRIBUTES and len(v) < 64 and not (k == "mathvariant" and v == "normal" and name in TOKENS
                                                            and not re.search(r"[A-Za-z]", "".join(c.itertext()))):
                    out.set(k, v)  # (an upright infinity is upright anyway; speech engines say "normal")
            if name in TOKENS:
                text = re.sub(r"\s+", " ", "".join(c.itertext()))
                out.text = text if name == "mtext" else text.strip()
            else:
                _copy_children(c, out, depth + 1, count)
        else:  # an element of no meaning to MathML (a <span> a converter left): what it holds
            _copy_children(c, dst, depth + 1, count)


def _unwrapped(tex: str) -> str:
    """Wikipedia's alttext wraps its LaTeX in {\\displaystyle ...}: the formula is inside."""
    t = tex.strip()
    m = re.match(r"^\{\\(?:displaystyle|textstyle)\s*(.*)\}$", t, re.S)
    return m.group(1).strip() if m else t


# ---------------------------------------------------------------------------------- LaTeX

def from_latex(tex: str, display: bool = False) -> dict:
    """LaTeX (Markdown's $...$, $$...$$, \\(...\\), \\[...\\]) as a formula: kept as LaTeX, its
    MathML made by the worker's math engine (MathJax's TeX input: measured against latex2mathml in
    bench/math.py)."""
    tex = tex.strip()
    if not tex:
        return failed("This formula is empty.")
    if len(tex) > MAX_LATEX:
        return failed(f"This formula's LaTeX is {len(tex):,} characters long; PageVoice reads formulas of up to "
                      f"{MAX_LATEX:,}.")
    depth = level = 0
    for ch in tex:
        level += (ch == "{") - (ch == "}")
        depth = max(depth, level)
    if depth > MAX_DEPTH:
        return failed(f"This formula nests its parts more than {MAX_DEPTH} deep; PageVoice does not read it.")
    return {"latex": tex, **({"display": True} if display else {})}


# ---------------------------------------------------------------------------------- Office Math

def name_in(el, namespaces) -> str | None:
    """`el`'s local name when its namespace is one of `namespaces` (Office Math's, Word's)."""
    tag = el.tag
    if not isinstance(tag, str) or not tag.startswith("{"):
        return None
    ns, _, name = tag[1:].partition("}")
    return name if ns in namespaces else None


def _m(el) -> str | None:
    """`el`'s local name when it is Office Math (OMML)."""
    return name_in(el, OMML_NS)


def _mchild(el, name: str):
    return next((c for c in el if _m(c) == name), None)


def _mval(el, prop: str, name: str) -> str | None:
    pr = _mchild(el, prop)
    child = _mchild(pr, name) if pr is not None else None
    if child is None:
        return None
    return next((v for k, v in child.attrib.items() if k.rpartition("}")[2] == "val"), "")


def from_omml(el) -> dict:
    """A DOCX's m:oMath or m:oMathPara as a formula (its MathML made here)."""
    if el.get("data-pagevoice-refused"):
        return failed(el.get("data-pagevoice-refused"))
    try:
        root = etree.Element(f"{{{MATHML_NS}}}math", nsmap={None: MATHML_NS})
        if _m(el) == "oMathPara":
            root.set("display", "block")
        _Omml().into(root, el, 1)
        clean = _clean(root)
    except FormulaError as exc:
        return failed(str(exc))
    if not "".join(clean.itertext()).strip():
        return failed("This formula is empty.")
    out = {"mathml": etree.tostring(clean, encoding="unicode")}
    if _m(el) == "oMathPara":
        out["display"] = True
    return out


_FUNCTIONS = frozenset({"sin", "cos", "tan", "cot", "sec", "csc", "log", "ln", "exp", "lim", "max", "min", "det",
                        "sinh", "cosh", "tanh", "arcsin", "arccos", "arctan", "gcd", "mod", "sup", "inf"})
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+|\S")
_CLOSING = {"(": ")", "[": "]", "{": "}"}


class _Omml:
    """Office Math's elements as Presentation MathML (after Word's own OMML2MML mapping)."""

    def into(self, dst, el, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise FormulaError(f"This formula nests its parts more than {MAX_DEPTH} deep; PageVoice does not read it.")
        for c in el:
            self.one(dst, c, depth)

    def row(self, dst, el, depth: int):
        row = etree.SubElement(dst, f"{{{MATHML_NS}}}mrow")
        if el is not None:
            self.into(row, el, depth + 1)
        return row

    def sub(self, dst, name: str, **attrs):
        out = etree.SubElement(dst, f"{{{MATHML_NS}}}{name}")
        for k, v in attrs.items():
            out.set(k, v)
        return out

    def one(self, dst, c, depth: int) -> None:
        name = _m(c)
        if name is None:
            local = c.tag.rpartition("}")[2] if isinstance(c.tag, str) else None
            if local == "r":  # a Word run inside math: text
                text = "".join(t.text or "" for t in c.iter() if isinstance(t.tag, str) and t.tag.endswith("}t"))
                if text.strip():
                    self.sub(dst, "mtext").text = text
            return
        if name.endswith("Pr"):
            return
        how = getattr(self, f"_{name}", None)
        if how is None:  # oMath, e, num, den, sub, sup, boxes, phantoms, anything newer: what it holds
            self.into(dst, c, depth + 1)
        else:
            how(dst, c, depth)

    def _r(self, dst, c, depth: int) -> None:
        text = "".join(t.text or "" for t in c if _m(t) == "t")
        plain = _mval(c, "rPr", "nor") is not None or _mval(c, "rPr", "sty") == "p"
        for tok in _TOKEN.findall(text):
            if tok[0].isdigit():
                self.sub(dst, "mn").text = tok
            elif not tok[0].isalpha():
                self.sub(dst, "mo").text = tok
            elif len(tok) == 1 or tok.lower() in _FUNCTIONS:
                self.sub(dst, "mi").text = tok
            elif plain:
                self.sub(dst, "mtext").text = tok
            else:  # italic letters side by side are a product of variables ("4ac")
                for letter in tok:
                    self.sub(dst, "mi").text = letter

    def _f(self, dst, c, depth: int) -> None:
        frac = self.sub(dst, "mfrac", **({"linethickness": "0"} if _mval(c, "fPr", "type") == "noBar" else {}))
        self.row(frac, _mchild(c, "num"), depth)
        self.row(frac, _mchild(c, "den"), depth)

    def _rad(self, dst, c, depth: int) -> None:
        deg = _mchild(c, "deg")
        if _on(_mval(c, "radPr", "degHide")) or deg is None or not "".join(deg.itertext()).strip():
            self.row(self.sub(dst, "msqrt"), _mchild(c, "e"), depth)
            return
        root = self.sub(dst, "mroot")
        self.row(root, _mchild(c, "e"), depth)
        self.row(root, deg, depth)

    def _scripts(self, dst, c, depth: int, tag: str) -> None:
        out = self.sub(dst, tag)
        base = self.row(out, _mchild(c, "e"), depth)
        for n in ("sub", "sup"):
            if _mchild(c, n) is not None:
                self.row(out, _mchild(c, n), depth)
        # Typed "(b^M - b)", Word may keep the parenthesis in the script's base ("(b" raised to M):
        # an opening parenthesis the base does not close belongs before it.
        texts = [_local(e) == "mo" and (e.text or "").strip() for e in base]
        if len(base) > 1 and texts[0] in _CLOSING and _CLOSING[texts[0]] not in texts:
            dst.insert(dst.index(out), base[0])

    def _sSup(self, dst, c, depth: int) -> None:  # noqa: N802 (OMML's element names)
        self._scripts(dst, c, depth, "msup")

    def _sSub(self, dst, c, depth: int) -> None:  # noqa: N802
        self._scripts(dst, c, depth, "msub")

    def _sSubSup(self, dst, c, depth: int) -> None:  # noqa: N802
        self._scripts(dst, c, depth, "msubsup")

    def _sPre(self, dst, c, depth: int) -> None:  # noqa: N802
        out = self.sub(dst, "mmultiscripts")
        self.row(out, _mchild(c, "e"), depth)
        self.sub(out, "mprescripts")
        self.row(out, _mchild(c, "sub"), depth)
        self.row(out, _mchild(c, "sup"), depth)

    def _nary(self, dst, c, depth: int) -> None:
        op = _mval(c, "naryPr", "chr") or "\u222b"
        place = _mval(c, "naryPr", "limLoc")
        under = place == "undOvr" or (op in "\u2211\u220f\u2210\u22c3\u22c2" and place != "subSup")
        parts = tuple(p for p in ("sub", "sup") if not _on(_mval(c, "naryPr", f"{p}Hide")) and _mchild(c, p) is not None)
        wrapper = self.sub(dst, "mrow")
        tags = {("sub", "sup"): ("munderover", "msubsup"), ("sub",): ("munder", "msub"), ("sup",): ("mover", "msup")}
        if parts not in tags:
            self.sub(wrapper, "mo").text = op
        else:
            scripts = self.sub(wrapper, tags[parts][0 if under else 1])
            self.sub(scripts, "mo").text = op
            for p in parts:
                self.row(scripts, _mchild(c, p), depth)
        self.row(wrapper, _mchild(c, "e"), depth)

    def _d(self, dst, c, depth: int) -> None:
        begin, end, sep = (_mval(c, "dPr", n) for n in ("begChr", "endChr", "sepChr"))
        wrapper = self.sub(dst, "mrow")
        if begin != "":
            self.sub(wrapper, "mo", fence="true").text = begin or "("
        for k, e in enumerate(x for x in c if _m(x) == "e"):
            if k:
                self.sub(wrapper, "mo", separator="true").text = sep or "|"
            self.row(wrapper, e, depth)
        if end != "":
            self.sub(wrapper, "mo", fence="true").text = end or ")"

    def _m(self, dst, c, depth: int) -> None:
        table = self.sub(dst, "mtable")
        for r in (x for x in c if _m(x) == "mr"):
            tr = self.sub(table, "mtr")
            for cell in (x for x in r if _m(x) == "e"):
                self.row(self.sub(tr, "mtd"), cell, depth)

    def _eqArr(self, dst, c, depth: int) -> None:  # noqa: N802
        table = self.sub(dst, "mtable")
        for e in (x for x in c if _m(x) == "e"):
            row = self.row(self.sub(self.sub(table, "mtr"), "mtd"), e, depth)
            for mark in [m for m in row.iter(f"{{{MATHML_NS}}}mo") if (m.text or "").strip() == "&"]:
                mark.getparent().remove(mark)  # a row's alignment points: Word shows nothing there

    def _func(self, dst, c, depth: int) -> None:
        wrapper = self.sub(dst, "mrow")
        self.row(wrapper, _mchild(c, "fName"), depth)
        self.sub(wrapper, "mo").text = "\u2061"  # function application
        self.row(wrapper, _mchild(c, "e"), depth)

    def _acc(self, dst, c, depth: int) -> None:
        out = self.sub(dst, "mover", accent="true")
        self.row(out, _mchild(c, "e"), depth)
        self.sub(out, "mo").text = _mval(c, "accPr", "chr") or "\u0302"

    def _bar(self, dst, c, depth: int) -> None:
        top = _mval(c, "barPr", "pos") == "top"
        out = self.sub(dst, "mover" if top else "munder")
        self.row(out, _mchild(c, "e"), depth)
        self.sub(out, "mo").text = "\u203e" if top else "_"

    def _groupChr(self, dst, c, depth: int) -> None:  # noqa: N802
        out = self.sub(dst, "mover" if _mval(c, "groupChrPr", "pos") == "top" else "munder")
        self.row(out, _mchild(c, "e"), depth)
        self.sub(out, "mo").text = _mval(c, "groupChrPr", "chr") or "\u23df"

    def _limLow(self, dst, c, depth: int) -> None:  # noqa: N802
        out = self.sub(dst, "munder")
        self.row(out, _mchild(c, "e"), depth)
        self.row(out, _mchild(c, "lim"), depth)

    def _limUpp(self, dst, c, depth: int) -> None:  # noqa: N802
        out = self.sub(dst, "mover")
        self.row(out, _mchild(c, "e"), depth)
        self.row(out, _mchild(c, "lim"), depth)


def _on(value: str | None) -> bool:
    """An OMML on/off property: present without a value, or 1/on/true."""
    return value is not None and value in ("", "1", "on", "true")


# ---------------------------------------------------------------------------------- bounds before parsing

_MATH_OPEN = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?(?:math|oMath|oMathPara))(?=[\s/>])[^>]*>", re.S)
_TAG = re.compile(rb"<(/?)[A-Za-z_][\w:.-]*[^>]*?(/?)>", re.S)


def defuse(data: bytes, limit: int = MAX_DEPTH) -> bytes:
    """`data` (a web page, an XHTML chapter, an office part) with each formula nested past
    `limit` or larger than MAX_BYTES emptied and marked refused, before it is parsed: the
    parsers refuse a whole document past 256 levels, and a formula's depth should cost that
    formula only. Formulas within bounds are left byte for byte."""
    if b"ath" not in data:  # math, oMath: a C search of the whole part first
        return data
    out, at = [], 0
    for m in _MATH_OPEN.finditer(data):
        if m.start() < at or m.group(0).endswith(b"/>"):
            continue
        name = m.group(1)
        close = re.compile(rb"</" + re.escape(name) + rb"\s*>")
        end = close.search(data, m.end())
        if end is None:
            continue
        body = data[m.end():end.start()]
        reason = None
        if len(body) > MAX_BYTES:
            reason = f"This formula's markup is {len(body):,} bytes; PageVoice reads formulas of up to {MAX_BYTES:,}."
        else:
            depth = deepest = 0
            for t in _TAG.finditer(body):
                if t.group(2):
                    continue
                depth += -1 if t.group(1) else 1
                deepest = max(deepest, depth)
                if deepest > limit:
                    reason = f"This formula nests its parts more than {limit} deep; PageVoice does not read it."
                    break
        if reason is None:
            continue
        opening = m.group(0)[:-1] + b' data-pagevoice-refused="' + reason.encode() + b'">'
        out += [data[at:m.start()], opening, end.group(0)]
        at = end.end()
    if not out:
        return data
    out.append(data[at:])
    return b"".join(out)


# ---------------------------------------------------------------------------------- the word's text

def linear(formula: dict) -> str:
    """The formula as the word's text: its LaTeX with no whitespace (text inside math keeps its
    spaces as "~", a control word before a letter ends with "{}"), made from the MathML when the
    source had none; "[formula]" for one that could not be read."""
    tex = formula.get("latex")
    if not tex and formula.get("mathml"):
        try:
            root = etree.fromstring(formula["mathml"].encode())
            tex = _tex(root)
        except (etree.XMLSyntaxError, RecursionError):
            tex = None
    if not tex:
        return "[formula]"
    return _compact(tex) or "[formula]"


_TEXT_COMMANDS = ("\\text", "\\mbox", "\\textrm", "\\textit", "\\textbf", "\\mathrm", "\\operatorname")


def _compact(tex: str) -> str:
    out: list[str] = []
    i, n = 0, len(tex)
    text_depth = None  # brace depth of an open \text{...}
    depth = 0
    while i < n:
        ch = tex[i]
        if ch == "\\":
            m = re.match(r"\\([A-Za-z]+|.)", tex[i:])
            word = m.group(0) if m else "\\"
            out.append(word)
            i += len(word)
            if word in _TEXT_COMMANDS[:5] and i < n and tex[i] == "{":
                text_depth = depth
            if word[1:].isalpha():
                j = i
                while j < n and tex[j].isspace():
                    j += 1
                if j > i and j < n and tex[j].isalpha() and text_depth is None:
                    out.append("{}")
                i = j if text_depth is None else i
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if text_depth is not None and depth == text_depth:
                text_depth = None
        if ch.isspace():
            if text_depth is not None and out and out[-1] != "~":
                out.append("~")
            i += 1
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _tex(el) -> str:
    name = _local(el)
    kids = [c for c in el if _local(c) is not None]

    def g(k: int) -> str:
        inner = _tex(kids[k]) if k < len(kids) else ""
        return inner if len(inner) == 1 else "{" + inner + "}"

    if name in TOKENS:
        text = "".join(el.itertext()).strip()
        if name == "mi" and text in _FUNCTIONS:
            return f"\\{text}"
        if name in ("mtext", "ms"):
            return "\\text{" + text + "}" if text else ""
        return "" if name == "mspace" else text
    how = _TEX.get(name)
    return how(el, kids, g) if how else "".join(_tex(k) for k in kids)


_TEX = {
    "mfrac": lambda el, kids, g: "\\frac{" + "}{".join(_tex(k) for k in kids[:2]) + "}",
    "msqrt": lambda el, kids, g: "\\sqrt{" + "".join(_tex(k) for k in kids) + "}",
    "mroot": lambda el, kids, g: "\\sqrt[" + (_tex(kids[1]) if len(kids) > 1 else "") + "]{" + (_tex(kids[0]) if kids else "") + "}",
    "msup": lambda el, kids, g: g(0) + "^" + g(1),
    "mover": lambda el, kids, g: g(0) + "^" + g(1),
    "msub": lambda el, kids, g: g(0) + "_" + g(1),
    "munder": lambda el, kids, g: g(0) + "_" + g(1),
    "msubsup": lambda el, kids, g: g(0) + "_" + g(1) + "^" + g(2),
    "munderover": lambda el, kids, g: g(0) + "_" + g(1) + "^" + g(2),
    "mtable": lambda el, kids, g: "\\begin{matrix}" + "\\\\".join(
        "&".join(_tex(td) for td in tr if _local(td) == "mtd") for tr in kids) + "\\end{matrix}",
    "mfenced": lambda el, kids, g: el.get("open", "(") + el.get("separators", ",")[:1].join(_tex(k) for k in kids)
    + el.get("close", ")"),
    "none": lambda el, kids, g: "",
    "mprescripts": lambda el, kids, g: "",
}
